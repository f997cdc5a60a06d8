-- Outcomes of the TLS handshakes and client certificate verifications that
-- the terminating proxies (nginx, Envoy, HAProxy) logged, per instance and
-- traffic path. nginx logs a rejected request in its access log and in its
-- error log. An error-log row is that same event, and not counted, when an
-- access-log row of the same instance has its connection_id and client_ip,
-- a time at most 2 seconds apart and, where both rows have them, its method
-- and uri. An access-log row without an outcome (plain HTTP on the TLS port)
-- takes the outcome of its error-log row. Health checks are left out, with
-- the error-log rows of their events. A NULL outcome is an entry without a
-- verification result.
WITH same_event AS (
    SELECT
        a.source_uri AS access_uri,
        a.source_line AS access_line,
        e.source_uri AS error_uri,
        e.source_line AS error_line,
        e.outcome AS error_outcome
    FROM terminator_tls AS a
    JOIN terminator_tls AS e
        ON e.instance = a.instance
        AND e.connection_id = a.connection_id
        AND e.client_ip = a.client_ip
        AND e.time BETWEEN a.time - INTERVAL 2 SECOND AND a.time + INTERVAL 2 SECOND
        AND (a.method IS NULL OR e.method IS NULL OR a.method = e.method)
        AND (a.uri IS NULL OR e.uri IS NULL OR a.uri = e.uri)
    WHERE a.source = 'nginx' AND a.log = 'access' AND a.kind = 'request'
        AND e.source = 'nginx' AND e.log = 'error'
),
error_outcome AS (
    SELECT access_uri, access_line, min(error_outcome) AS outcome
    FROM same_event
    GROUP BY ALL
),
events AS (
    SELECT t.instance, t.path, coalesce(t.outcome, o.outcome) AS outcome
    FROM terminator_tls AS t
    LEFT JOIN error_outcome AS o ON o.access_uri = t.source_uri AND o.access_line = t.source_line
    WHERE t.health_check IS NOT TRUE AND NOT EXISTS (
        SELECT 1 FROM same_event AS s WHERE s.error_uri = t.source_uri AND s.error_line = t.source_line
    )
)
SELECT instance, path, outcome, count(*) AS events
FROM events
GROUP BY ALL
ORDER BY instance, path, outcome NULLS LAST;
