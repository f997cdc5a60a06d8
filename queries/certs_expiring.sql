-- Client certificates seen in the window (--since or --from/--to, else the
-- whole database) that expire within the DuckDB variable within (an
-- INTERVAL, 30 days when NULL) of the window's end, or of now() when the
-- window has no end. Certificates that had expired by then are listed too,
-- with a negative days_left. A certificate is a canonical subject and
-- serial. Its expiry (not_after) is the cert_not_after logged for it in the
-- window by the ALB connection log or by the NLB path's terminator rows
-- other than health checks. Those rows include requests after a
-- connection's first, which tls_handshakes does not count as connections.
-- A certificate whose expiry no such row logged is left out. days_left
-- counts days from the window's end (or now()) to not_after, rounded to one
-- decimal. paths and client_ips list the paths and addresses that presented
-- the certificate, connections counts its connection attempts on both paths
-- (health checks left out), and last_seen is the latest of them. The
-- certificates that expire first come first.
-- NOTE: where rows of one subject and serial log different expiry times
-- (two issuers that reuse a serial), not_after is the earliest.
WITH reference AS (
    SELECT
        coalesce(getvariable('window_end'), now()) AS window_end,
        coalesce(getvariable('within'), INTERVAL 30 DAY) AS within
),
certificate_connections AS (
    SELECT path, time, subject, serial, client_ip
    FROM tls_handshakes
    WHERE (subject IS NOT NULL OR serial IS NOT NULL)
        AND time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
certificates AS (
    SELECT
        subject,
        serial,
        string_agg(DISTINCT path, ', ' ORDER BY path) AS paths,
        string_agg(DISTINCT client_ip, ', ' ORDER BY client_ip) AS client_ips,
        count(*) AS connections,
        max(time) AS last_seen
    FROM certificate_connections
    GROUP BY subject, serial
),
-- The expiry is read from the base tables and aggregated before the join,
-- because joining each row of the view tls_handshakes back to its base row
-- on (source_uri, source_line) is slow.
logged_expiries AS (
    SELECT time, subject, serial, cert_not_after
    FROM alb_connection
    UNION ALL
    SELECT time, subject, serial, cert_not_after
    FROM terminator_tls
    WHERE path = 'nlb' AND health_check IS NOT TRUE
),
expiries AS (
    SELECT subject, serial, min(cert_not_after) AS not_after
    FROM logged_expiries
    WHERE cert_not_after IS NOT NULL
        AND (subject IS NOT NULL OR serial IS NOT NULL)
        AND time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
    GROUP BY subject, serial
)
SELECT
    c.subject,
    c.serial,
    x.not_after,
    round((epoch(x.not_after) - epoch(r.window_end)) / 86400, 1) AS days_left,
    c.paths,
    c.client_ips,
    c.connections,
    c.last_seen
FROM certificates AS c
JOIN expiries AS x
    ON x.subject IS NOT DISTINCT FROM c.subject AND x.serial IS NOT DISTINCT FROM c.serial
CROSS JOIN reference AS r
WHERE x.not_after < r.window_end + r.within
ORDER BY x.not_after, c.subject NULLS LAST, c.serial NULLS LAST;
