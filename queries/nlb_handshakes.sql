-- TLS handshakes of the NLB per load balancer and hour, from the NLB TLS
-- access log. A connection logged with no cipher or no handshake time counts
-- as failed. The quantiles, in milliseconds, cover the other connections.
SELECT
    elb AS load_balancer,
    date_trunc('hour', time) AS hour,
    count(*) AS connections,
    count(*) FILTER (WHERE tls_cipher IS NULL OR tls_handshake_time_ms IS NULL) AS failed,
    round(quantile_cont(tls_handshake_time_ms, 0.5) FILTER (WHERE tls_cipher IS NOT NULL), 3) AS p50_ms,
    round(quantile_cont(tls_handshake_time_ms, 0.9) FILTER (WHERE tls_cipher IS NOT NULL), 3) AS p90_ms
FROM nlb_tls
GROUP BY ALL
ORDER BY load_balancer, hour;
