-- One client's connections on both paths in the window (--since or
-- --from/--to, else the whole database), oldest first, health checks left
-- out. The DuckDB variable client selects them: a canonical subject, a
-- serial (compared without ':' separators, leading zeros or case), or a
-- client IP. Without it (as under cutover query) the query returns no rows.
-- Each row is one connection attempt with its outcome and raw reason, and
-- the requests it carried: requests counts them and statuses lists each
-- status code with its count, such as "200:2, 404:1" ("-" for a request
-- logged without a status). On the ALB path the requests are the access-log
-- rows with the connection's conn_trace_id. On the NLB path they are the
-- rows of view requests with the connection's instance and connection id.
-- Where the terminator logged no connection id, a connection counted from a
-- request row carries that request only. requests is NULL where the
-- connection cannot be tied to its requests: an ALB connection without
-- conn_trace_id, or a terminator's handshake record without a connection
-- id. A connection's requests count even when they were logged after the
-- window's end.
-- NOTE: a terminator that reuses connection ids (nginx after a restart)
-- ties all requests of one id to one connection, because view
-- tls_handshakes also counts one connection per id.
WITH wanted AS (
    SELECT
        getvariable('client') AS client,
        -- The canonical serial has no leading zeros, except '0' for zero.
        CASE WHEN getvariable('client') IS NOT NULL
            THEN coalesce(nullif(ltrim(upper(replace(getvariable('client'), ':', '')), '0'), ''), '0')
        END AS serial
),
client_connections AS (
    SELECT
        h.time,
        h.path,
        h.instance_or_elb,
        h.client_ip,
        h.subject,
        h.serial,
        h.outcome,
        h.reason_raw,
        h.source_uri,
        h.source_line,
        a.conn_trace_id,
        t.instance,
        t.connection_id,
        t.kind = 'request' AND t.log <> 'error' AS request_row
    FROM tls_handshakes AS h
    CROSS JOIN wanted AS w
    LEFT JOIN alb_connection AS a
        ON h.path = 'alb' AND a.source_uri = h.source_uri AND a.source_line = h.source_line
    LEFT JOIN terminator_tls AS t
        ON h.path = 'nlb' AND t.source_uri = h.source_uri AND t.source_line = h.source_line
    WHERE (h.subject = w.client OR h.serial = w.serial OR h.client_ip = w.client)
        AND h.time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND h.time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
-- View tls_handshakes can count two NLB connections with one connection id,
-- such as an nginx error-log record and the access-log record of the same
-- connection logged more than 2 seconds apart. The requests go to one of
-- them: the one counted from a request row, else the earliest.
nlb_carriers AS (
    SELECT h.source_uri, h.source_line, t.instance, t.connection_id
    FROM tls_handshakes AS h
    JOIN terminator_tls AS t ON t.source_uri = h.source_uri AND t.source_line = h.source_line
    WHERE h.path = 'nlb'
        AND EXISTS (
            SELECT 1 FROM client_connections AS c
            WHERE c.instance = t.instance AND c.connection_id = t.connection_id
        )
    QUALIFY row_number() OVER (
        PARTITION BY t.instance, t.connection_id
        ORDER BY t.kind = 'request' AND t.log <> 'error' DESC, h.time, h.source_uri, h.source_line) = 1
),
nlb_requests AS (
    SELECT r.source_uri, r.source_line, r.status, t.instance, t.connection_id
    FROM requests AS r
    JOIN terminator_tls AS t ON t.source_uri = r.source_uri AND t.source_line = r.source_line
    WHERE r.path = 'nlb'
),
-- One row per request that a connection carried, keyed by the connection's
-- source row.
connection_requests AS (
    SELECT c.source_uri, c.source_line, r.elb_status_code AS status
    FROM client_connections AS c
    JOIN alb_access AS r ON r.conn_trace_id = c.conn_trace_id
    WHERE c.path = 'alb'
    UNION ALL
    SELECT k.source_uri, k.source_line, r.status
    FROM nlb_carriers AS k
    JOIN nlb_requests AS r ON r.instance = k.instance AND r.connection_id = k.connection_id
    UNION ALL
    SELECT c.source_uri, c.source_line, r.status
    FROM client_connections AS c
    JOIN nlb_requests AS r ON r.source_uri = c.source_uri AND r.source_line = c.source_line
    WHERE c.path = 'nlb' AND c.connection_id IS NULL
),
status_counts AS (
    SELECT source_uri, source_line, status, count(*) AS requests
    FROM connection_requests
    GROUP BY ALL
),
request_summary AS (
    SELECT
        source_uri,
        source_line,
        sum(requests)::BIGINT AS requests,
        string_agg(coalesce(status::VARCHAR, '-') || ':' || requests, ', ' ORDER BY status NULLS LAST) AS statuses
    FROM status_counts
    GROUP BY ALL
)
SELECT
    c.time,
    c.path,
    c.instance_or_elb,
    c.client_ip,
    c.subject,
    c.serial,
    c.outcome,
    c.reason_raw,
    CASE
        WHEN c.conn_trace_id IS NOT NULL OR c.connection_id IS NOT NULL OR c.request_row
        THEN coalesce(s.requests, 0)
    END AS requests,
    s.statuses
FROM client_connections AS c
LEFT JOIN request_summary AS s ON s.source_uri = c.source_uri AND s.source_line = c.source_line
ORDER BY c.time, c.path, c.instance_or_elb, c.source_uri, c.source_line;
