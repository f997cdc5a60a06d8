-- Quantiles of the time to the backend's response headers and of the TLS
-- handshake time, in milliseconds, per path and time bucket in the window
-- (--since or --from/--to, else the whole database), health checks left out.
-- The DuckDB variable bucket sets the bucket width and time_bucket aligns the
-- buckets, as in query report_handshakes_by_interval. There is a row for each
-- path and bucket with a request or a connection, and none for the buckets
-- between without either. The header time is upstream_header_seconds of view
-- requests (ALB target_processing_time, nginx $upstream_header_time), and
-- requests_timed counts the requests that logged one: an ALB request that
-- reached no target logs none. The handshake time is handshake_seconds of
-- view tls_handshakes (ALB tls_handshake_latency, the terminator's handshake
-- time where its log format has one), and handshakes_timed counts the
-- connections that logged one. The ALB logs none for a failed handshake, so
-- the handshake quantiles mostly cover successful ones. The quantiles are
-- interpolated linearly (quantile_cont), rounded to 3 decimals
-- (microseconds), and NULL where the count is 0.
WITH settings AS (
    SELECT coalesce(getvariable('bucket')::INTERVAL, INTERVAL 15 MINUTE) AS width
),
header_times AS (
    SELECT
        r.path,
        time_bucket(s.width, r.time) AS bucket_start,
        count(r.upstream_header_seconds) AS requests_timed,
        round(1000 * quantile_cont(r.upstream_header_seconds, 0.5), 3) AS header_p50_ms,
        round(1000 * quantile_cont(r.upstream_header_seconds, 0.9), 3) AS header_p90_ms,
        round(1000 * quantile_cont(r.upstream_header_seconds, 0.99), 3) AS header_p99_ms
    FROM requests AS r
    CROSS JOIN settings AS s
    WHERE r.time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND r.time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
    GROUP BY ALL
),
handshake_times AS (
    SELECT
        h.path,
        time_bucket(s.width, h.time) AS bucket_start,
        count(h.handshake_seconds) AS handshakes_timed,
        round(1000 * quantile_cont(h.handshake_seconds, 0.5), 3) AS handshake_p50_ms,
        round(1000 * quantile_cont(h.handshake_seconds, 0.9), 3) AS handshake_p90_ms,
        round(1000 * quantile_cont(h.handshake_seconds, 0.99), 3) AS handshake_p99_ms
    FROM tls_handshakes AS h
    CROSS JOIN settings AS s
    WHERE h.time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND h.time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
    GROUP BY ALL
)
SELECT
    path,
    bucket_start,
    coalesce(r.requests_timed, 0) AS requests_timed,
    r.header_p50_ms,
    r.header_p90_ms,
    r.header_p99_ms,
    coalesce(h.handshakes_timed, 0) AS handshakes_timed,
    h.handshake_p50_ms,
    h.handshake_p90_ms,
    h.handshake_p99_ms
FROM header_times AS r
FULL JOIN handshake_times AS h USING (path, bucket_start)
ORDER BY path, bucket_start;
