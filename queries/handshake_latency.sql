-- TLS handshake latency quantiles of the ALB, in seconds, per load balancer
-- and listener port. Failed handshakes log no latency and are counted apart.
SELECT
    coalesce(c.elb, 'app/' || replace(o.load_balancer, '.', '/')) AS load_balancer,
    c.listener_port,
    count(*) AS connections,
    count(c.tls_handshake_latency) AS handshakes_timed,
    round(quantile_cont(c.tls_handshake_latency, 0.5), 4) AS p50_seconds,
    round(quantile_cont(c.tls_handshake_latency, 0.9), 4) AS p90_seconds,
    round(quantile_cont(c.tls_handshake_latency, 0.99), 4) AS p99_seconds,
    max(c.tls_handshake_latency) AS max_seconds
FROM alb_connection c
LEFT JOIN objects o ON o.uri = c.source_uri
GROUP BY ALL
ORDER BY load_balancer, listener_port;
