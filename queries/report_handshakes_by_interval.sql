-- Connection attempts, failures and the failure rate per path and time bucket
-- in the window (--since or --from/--to, else the whole database), health
-- checks left out. The DuckDB variable bucket (an INTERVAL, or a string such
-- as '5 minutes') sets the bucket width, 15 minutes when NULL. bucket_start
-- is the bucket's start from time_bucket, which counts widths from DuckDB's
-- default origin, Monday 2000-01-03 00:00 UTC, so a width that divides a day
-- starts at midnight UTC. The buckets run from the first to the last one that
-- contains a connection on either path, and each path has a row for each of
-- them, with 0 connections where it had none. connections, failed and unknown
-- count as in query report_totals: rows of view tls_handshakes, outcomes
-- other than ok, and NULL outcomes. failed_percent is 100 * failed /
-- connections, rounded to 3 decimals, and NULL without connections.
WITH settings AS (
    SELECT coalesce(getvariable('bucket')::INTERVAL, INTERVAL 15 MINUTE) AS width
),
window_connections AS (
    SELECT h.path, time_bucket(s.width, h.time) AS bucket_start, h.outcome
    FROM tls_handshakes AS h
    CROSS JOIN settings AS s
    WHERE h.time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND h.time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
buckets AS (
    SELECT unnest(generate_series(min(c.bucket_start), max(c.bucket_start), any_value(s.width))) AS bucket_start
    FROM window_connections AS c
    CROSS JOIN settings AS s
),
per_bucket AS (
    SELECT
        path,
        bucket_start,
        count(*) AS connections,
        count(*) FILTER (WHERE outcome <> 'ok') AS failed,
        count(*) FILTER (WHERE outcome IS NULL) AS unknown
    FROM window_connections
    GROUP BY ALL
)
SELECT
    p.path,
    b.bucket_start,
    coalesce(c.connections, 0) AS connections,
    coalesce(c.failed, 0) AS failed,
    coalesce(c.unknown, 0) AS unknown,
    round(100.0 * c.failed / c.connections, 3) AS failed_percent
FROM buckets AS b
CROSS JOIN (VALUES ('alb'), ('nlb')) AS p(path)
LEFT JOIN per_bucket AS c ON c.path = p.path AND c.bucket_start = b.bucket_start
ORDER BY p.path, b.bucket_start;
