-- Client certificates that the NLB accepts and the ALB only rejects in the
-- window (--since or --from/--to, else the whole database), by the rule of
-- cutover analyze's clients-left-behind check. Each identity (canonical
-- subject and serial) listed has no successful ALB connection, at least one
-- failed verification on the ALB, and successful NLB connections both before
-- its last and after its first failed ALB verification. A certificate that
-- expired, or became valid, during the window fails on one path only before
-- or after the other path's successes, and so is not listed. A failed
-- verification has an outcome other than ok, handshake_error and no_cert.
-- Connections of unknown outcome count neither as success nor as failure.
-- Connections without a logged certificate, and health checks, are left out.
-- alb_failed counts the failed ALB verifications, and the outcomes, raw
-- reasons and times describe them. The DuckDB variable alb_mode chooses the
-- ALB side's evidence as in query analyze_handshakes: the targets' rows with
-- 'passthrough', else the ALB connection log. Unlike cutover analyze, the
-- query applies no waivers and never compares with a stored NLB baseline.
WITH connections AS (
    SELECT path, time, subject, serial, outcome, reason_raw
    FROM tls_handshakes
    WHERE path = 'nlb' OR getvariable('alb_mode') IS DISTINCT FROM 'passthrough'
    UNION ALL
    SELECT path, time, subject, serial, outcome, reason_raw
    FROM target_handshakes
    WHERE path = 'alb' AND getvariable('alb_mode') = 'passthrough'
),
certificate_connections AS (
    SELECT
        path,
        subject,
        serial,
        outcome,
        reason_raw,
        time,
        outcome NOT IN ('ok', 'handshake_error', 'no_cert') AS verification_failed
    FROM connections
    WHERE (subject IS NOT NULL OR serial IS NOT NULL)
        AND time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
per_identity AS (
    SELECT
        subject,
        serial,
        count(*) FILTER (WHERE path = 'alb' AND outcome = 'ok') AS alb_ok,
        count(*) FILTER (WHERE path = 'alb' AND verification_failed) AS alb_failed,
        string_agg(DISTINCT outcome, ', ' ORDER BY outcome)
            FILTER (WHERE path = 'alb' AND verification_failed) AS alb_failure_outcomes,
        string_agg(DISTINCT reason_raw, ', ' ORDER BY reason_raw)
            FILTER (WHERE path = 'alb' AND verification_failed) AS alb_failure_reasons,
        min(time) FILTER (WHERE path = 'alb' AND verification_failed) AS first_alb_failure,
        max(time) FILTER (WHERE path = 'alb' AND verification_failed) AS last_alb_failure,
        count(*) FILTER (WHERE path = 'nlb' AND outcome = 'ok') AS nlb_ok,
        min(time) FILTER (WHERE path = 'nlb' AND outcome = 'ok') AS first_nlb_ok,
        max(time) FILTER (WHERE path = 'nlb' AND outcome = 'ok') AS last_nlb_ok
    FROM certificate_connections
    GROUP BY subject, serial
)
SELECT
    subject,
    serial,
    alb_failure_outcomes,
    alb_failure_reasons,
    alb_failed,
    nlb_ok,
    first_alb_failure,
    last_alb_failure,
    first_nlb_ok,
    last_nlb_ok
FROM per_identity
WHERE alb_ok = 0
    AND alb_failed > 0
    AND nlb_ok > 0
    AND first_nlb_ok < last_alb_failure
    AND last_nlb_ok > first_alb_failure
ORDER BY alb_failed DESC, subject NULLS LAST, serial NULLS LAST;
