-- Connection attempts per path in the window (--since or --from/--to, else
-- the whole database), health checks left out. One row for each of 'alb' and
-- 'nlb', also when the path has no connection in the window (counts 0, times
-- NULL). connections counts the rows of view tls_handshakes, as query
-- client_handshakes does, so the ALB side is the ALB connection log, also for
-- an ALB in passthrough mode. failed counts the connections with an outcome
-- other than ok, and unknown those whose log line gives no outcome (NULL),
-- which count neither as failed nor as ok. clients counts distinct client
-- identities as cutover analyze does: the canonical subject and serial, or
-- the client IP where neither was logged. first_seen and last_seen are the
-- times of the first and last connection.
WITH window_connections AS (
    SELECT
        path,
        time,
        outcome,
        subject,
        serial,
        CASE WHEN subject IS NULL AND serial IS NULL THEN client_ip END AS client_ip
    FROM tls_handshakes
    WHERE time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
per_path AS (
    SELECT
        path,
        count(*) AS connections,
        count(*) FILTER (WHERE outcome <> 'ok') AS failed,
        count(*) FILTER (WHERE outcome IS NULL) AS unknown,
        count(DISTINCT (subject, serial, client_ip)) AS clients,
        min(time) AS first_seen,
        max(time) AS last_seen
    FROM window_connections
    GROUP BY path
)
SELECT
    p.path,
    coalesce(c.connections, 0) AS connections,
    coalesce(c.failed, 0) AS failed,
    coalesce(c.unknown, 0) AS unknown,
    coalesce(c.clients, 0) AS clients,
    c.first_seen,
    c.last_seen
FROM (VALUES ('alb'), ('nlb')) AS p(path)
LEFT JOIN per_path AS c USING (path)
ORDER BY p.path;
