-- Requests and 4xx responses per path and client identity in the window
-- (--since or --from/--to, else the whole database). View requests leaves
-- out health checks. The identity is the canonical subject and serial, or
-- the client IP, marked ip:, where no certificate was logged. 401 and 403
-- are also counted apart, because targets return them when the mTLS headers
-- they expect are renamed or missing.
WITH window_requests AS (
    SELECT
        path,
        coalesce(subject || ' / ' || serial, subject, 'ip:' || client_ip) AS client,
        status
    FROM requests
    WHERE time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
)
SELECT
    path,
    client,
    count(*) AS requests,
    count(*) FILTER (WHERE status BETWEEN 400 AND 499) AS responses_4xx,
    count(*) FILTER (WHERE status = 401) AS responses_401,
    count(*) FILTER (WHERE status = 403) AS responses_403
FROM window_requests
GROUP BY ALL
ORDER BY path, responses_4xx DESC, client;
