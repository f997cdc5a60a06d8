-- Requests with a status code, and their 5xx and 4xx responses, per path and
-- client identity in the window (--since or --from/--to, else the whole
-- database): the request evidence that cutover analyze judges. View requests
-- leaves out health checks. The status is the load balancer's
-- (elb_status_code) on the ALB path and the terminator's on the NLB path,
-- also when the ALB runs in passthrough mode. The identity is the canonical
-- subject and serial, or client_ip where neither was logged (client_ip is
-- NULL otherwise).
SELECT
    path,
    subject,
    serial,
    CASE WHEN subject IS NULL AND serial IS NULL THEN client_ip END AS client_ip,
    count(*) AS requests,
    count(*) FILTER (WHERE status BETWEEN 500 AND 599) AS status_5xx,
    count(*) FILTER (WHERE status BETWEEN 400 AND 499) AS status_4xx
FROM requests
WHERE status IS NOT NULL
    AND time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
    AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
GROUP BY ALL
ORDER BY path, subject NULLS FIRST, serial NULLS FIRST, client_ip NULLS FIRST;
