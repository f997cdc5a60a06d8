-- Client identities with failed connections on either path in the window
-- (--since or --from/--to, else the whole database), one row per identity,
-- path, raw reason and outcome, health checks left out. The identity is the
-- canonical subject and serial. Where neither was logged, it is the client IP
-- and ip_only is true (client_ip is NULL otherwise). reason_raw is the reason
-- as logged, such as Failed:ClientCertUntrusted from the ALB, and outcome its
-- taxonomy word. A connection whose log line gives no outcome is unknown,
-- not failed, and is left out. The identities with the most failed
-- connections come first.
WITH failed_connections AS (
    SELECT
        subject,
        serial,
        CASE WHEN subject IS NULL AND serial IS NULL THEN client_ip END AS client_ip,
        path,
        outcome,
        reason_raw,
        time
    FROM tls_handshakes
    WHERE outcome <> 'ok'
        AND time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
per_reason AS (
    SELECT
        subject,
        serial,
        client_ip,
        path,
        reason_raw,
        outcome,
        count(*) AS failed_connections,
        min(time) AS first_seen,
        max(time) AS last_seen
    FROM failed_connections
    GROUP BY ALL
),
ranked AS (
    SELECT
        *,
        sum(failed_connections) OVER (PARTITION BY subject, serial, client_ip) AS identity_failed
    FROM per_reason
)
SELECT
    subject,
    serial,
    client_ip,
    subject IS NULL AND serial IS NULL AS ip_only,
    path,
    reason_raw,
    outcome,
    failed_connections,
    first_seen,
    last_seen
FROM ranked
ORDER BY identity_failed DESC, subject NULLS LAST, serial NULLS LAST, client_ip, path,
    failed_connections DESC, outcome, reason_raw NULLS FIRST;
