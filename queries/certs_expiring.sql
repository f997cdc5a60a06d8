-- Client certificates seen in the window (--since or --from/--to, else the
-- whole database) that expire within the DuckDB variable within (an
-- INTERVAL, 30 days when NULL) of the window's end, or of now() when the
-- window has no end. Certificates that had expired by then are listed too,
-- with a negative days_left. A certificate is a canonical subject and
-- serial, and its expiry (not_after) comes from the connections that logged
-- one: cert_not_after of the ALB connection log or of the terminators' rows.
-- A certificate whose expiry no connection logged is left out. days_left
-- counts days from the window's end (or now()) to not_after, rounded to one
-- decimal. paths and client_ips list the paths and addresses that presented
-- the certificate, connections counts its connection attempts on both paths
-- (health checks left out), and last_seen is the latest of them. The
-- certificates that expire first come first.
-- NOTE: where connections of one subject and serial log different expiry
-- times (two issuers that reuse a serial), not_after is the earliest.
WITH reference AS (
    SELECT
        coalesce(getvariable('window_end'), now()) AS window_end,
        coalesce(getvariable('within'), INTERVAL 30 DAY) AS within
),
certificate_connections AS (
    SELECT
        h.path,
        h.time,
        h.subject,
        h.serial,
        h.client_ip,
        coalesce(a.cert_not_after, t.cert_not_after) AS not_after
    FROM tls_handshakes AS h
    LEFT JOIN alb_connection AS a
        ON h.path = 'alb' AND a.source_uri = h.source_uri AND a.source_line = h.source_line
    LEFT JOIN terminator_tls AS t
        ON h.path = 'nlb' AND t.source_uri = h.source_uri AND t.source_line = h.source_line
    WHERE (h.subject IS NOT NULL OR h.serial IS NOT NULL)
        AND h.time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND h.time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
certificates AS (
    SELECT
        subject,
        serial,
        min(not_after) AS not_after,
        string_agg(DISTINCT path, ', ' ORDER BY path) AS paths,
        string_agg(DISTINCT client_ip, ', ' ORDER BY client_ip) AS client_ips,
        count(*) AS connections,
        max(time) AS last_seen
    FROM certificate_connections
    GROUP BY subject, serial
)
SELECT
    c.subject,
    c.serial,
    c.not_after,
    round((epoch(c.not_after) - epoch(r.window_end)) / 86400, 1) AS days_left,
    c.paths,
    c.client_ips,
    c.connections,
    c.last_seen
FROM certificates AS c
CROSS JOIN reference AS r
WHERE c.not_after < r.window_end + r.within
ORDER BY c.not_after, c.subject NULLS LAST, c.serial NULLS LAST;
