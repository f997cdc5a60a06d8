-- Times to the backend's response headers per path and client identity in
-- the window (--since or --from/--to, else the whole database), for cutover
-- analyze. Each row is one distinct time and the number of requests that
-- took it. The time is upstream_header_seconds of view requests (ALB
-- target_processing_time, nginx $upstream_header_time), and requests without
-- one are left out. The identity is the canonical subject and serial, or
-- client_ip where neither was logged (client_ip is NULL otherwise).
SELECT
    path,
    subject,
    serial,
    CASE WHEN subject IS NULL AND serial IS NULL THEN client_ip END AS client_ip,
    upstream_header_seconds,
    count(*) AS requests
FROM requests
WHERE upstream_header_seconds >= 0
    AND time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
    AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
GROUP BY ALL
ORDER BY path, subject NULLS FIRST, serial NULLS FIRST, client_ip NULLS FIRST, upstream_header_seconds;
