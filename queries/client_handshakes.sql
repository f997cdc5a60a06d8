-- Connection attempts and failed handshakes per path and client identity in
-- the window (--since or --from/--to; the whole database without them),
-- health checks left out. The identity is the canonical subject and serial,
-- or the client IP, marked ip:, where no certificate was logged. A
-- connection whose log line gives no outcome counts as unknown, not as
-- failed. failure_outcomes lists the taxonomy words of the failures.
SELECT
    path,
    coalesce(subject || ' / ' || serial, subject, 'ip:' || client_ip) AS client,
    count(*) AS connections,
    count(*) FILTER (WHERE outcome <> 'ok') AS failed,
    count(*) FILTER (WHERE outcome IS NULL) AS unknown,
    string_agg(DISTINCT outcome, ', ' ORDER BY outcome) FILTER (WHERE outcome <> 'ok') AS failure_outcomes,
    min(time) AS first_seen,
    max(time) AS last_seen
FROM tls_handshakes
WHERE time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
  AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
GROUP BY ALL
ORDER BY path, failed DESC, connections DESC, client;
