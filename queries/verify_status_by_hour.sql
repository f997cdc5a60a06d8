-- Client-certificate verification outcomes of the ALB per load balancer and
-- hour, from the connection log: one row per connection attempt.
SELECT
    coalesce(c.elb, 'app/' || replace(o.load_balancer, '.', '/')) AS load_balancer,
    date_trunc('hour', c.time) AS hour,
    coalesce(c.tls_verify_status, '-') AS tls_verify_status,
    count(*) AS connections
FROM alb_connection c
LEFT JOIN objects o ON o.uri = c.source_uri
GROUP BY ALL
ORDER BY load_balancer, hour, connections DESC, tls_verify_status;
