-- Time to the backend's response headers per path and client identity in the
-- window (--since or --from/--to, else the whole database). View requests
-- leaves out health checks. The identity is the canonical subject and
-- serial, or the client IP, marked ip:, where no certificate was logged. timed counts the requests with a time (an ALB
-- request that reached no target has none), and the quantiles, interpolated
-- linearly and rounded to microseconds, cover only those.
WITH window_requests AS (
    SELECT
        path,
        coalesce(subject || ' / ' || serial, subject, 'ip:' || client_ip) AS client,
        status,
        upstream_header_seconds
    FROM requests
    WHERE time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
)
SELECT
    path,
    client,
    count(*) AS requests,
    count(upstream_header_seconds) AS timed,
    round(quantile_cont(upstream_header_seconds, 0.5), 6) AS p50_seconds,
    round(quantile_cont(upstream_header_seconds, 0.9), 6) AS p90_seconds,
    round(quantile_cont(upstream_header_seconds, 0.99), 6) AS p99_seconds,
    max(upstream_header_seconds) AS max_seconds,
    count(*) FILTER (WHERE status BETWEEN 500 AND 599) AS responses_5xx
FROM window_requests
GROUP BY ALL
ORDER BY path, client;
