-- Client certificate subjects with the most failed verifications on the ALB,
-- with the reason, the serial numbers seen and when the failures started and
-- stopped. Connections without a certificate show as subject '-'.
SELECT
    coalesce(leaf_client_cert_subject, '-') AS subject,
    tls_verify_status,
    count(*) AS failed_connections,
    count(DISTINCT client_ip) AS client_ips,
    string_agg(DISTINCT leaf_client_cert_serial_number, ' ' ORDER BY leaf_client_cert_serial_number) AS serials,
    min(time) AS first_seen,
    max(time) AS last_seen
FROM alb_connection
WHERE tls_verify_status LIKE 'Failed:%'
GROUP BY ALL
ORDER BY failed_connections DESC, subject, tls_verify_status
LIMIT 50;
