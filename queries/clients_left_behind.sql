-- Client certificates that connect on the NLB but not on the ALB in the
-- window (--since or --from/--to, else the whole database). Each identity
-- (canonical subject and serial) listed has a successful NLB connection and
-- a failed ALB connection, but no successful ALB connection. Connections without a logged certificate have no such identity
-- and are left out, and so are health checks. Connections of unknown outcome
-- count neither as success nor as failure.
WITH certificate_connections AS (
    SELECT path, subject, serial, outcome, time
    FROM tls_handshakes
    WHERE subject IS NOT NULL
        AND time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
per_identity AS (
    SELECT
        subject,
        serial,
        string_agg(DISTINCT outcome, ', ' ORDER BY outcome)
            FILTER (WHERE path = 'alb' AND outcome <> 'ok') AS alb_failure_outcomes,
        count(*) FILTER (WHERE path = 'alb' AND outcome <> 'ok') AS alb_failed,
        count(*) FILTER (WHERE path = 'alb' AND outcome = 'ok') AS alb_ok,
        count(*) FILTER (WHERE path = 'nlb' AND outcome = 'ok') AS nlb_ok,
        min(time) FILTER (WHERE path = 'alb' AND outcome <> 'ok') AS first_alb_failure,
        max(time) FILTER (WHERE path = 'alb' AND outcome <> 'ok') AS last_alb_failure
    FROM certificate_connections
    GROUP BY subject, serial
)
SELECT
    subject,
    serial,
    alb_failure_outcomes,
    alb_failed,
    nlb_ok,
    first_alb_failure,
    last_alb_failure
FROM per_identity
WHERE nlb_ok > 0 AND alb_failed > 0 AND alb_ok = 0
ORDER BY alb_failed DESC, subject, serial;
