-- Client identities seen on the NLB path in the window (--since or
-- --from/--to, else the whole database) and never on the ALB path in the
-- same window, health checks left out: the clients that removing the NLB
-- would cut off, which cutover decommission refuses to do. An identity is
-- the canonical subject and serial, or the client IP, marked ip:, where no
-- certificate was logged. nlb_connections counts its NLB connection
-- attempts and nlb_ok the successful ones, and first_seen and last_seen
-- bound them. The query also lists identities that only fail on the NLB,
-- with nlb_ok 0, because a client that keeps trying still depends on it.
WITH identities AS (
    SELECT
        path,
        time,
        outcome,
        coalesce(subject || ' / ' || serial, subject, serial, 'ip:' || client_ip) AS client
    FROM tls_handshakes
    WHERE time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
)
SELECT
    n.client,
    count(*) AS nlb_connections,
    count(*) FILTER (WHERE n.outcome = 'ok') AS nlb_ok,
    min(n.time) AS first_seen,
    max(n.time) AS last_seen
FROM identities AS n
WHERE n.path = 'nlb'
    AND n.client IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM identities AS a WHERE a.path = 'alb' AND a.client = n.client)
GROUP BY n.client
ORDER BY nlb_connections DESC, n.client;
