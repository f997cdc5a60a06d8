-- The ALB's share of connection attempts per time bucket in the window
-- (--since or --from/--to, else the whole database), health checks left out,
-- next to the ALB weight that the gate had set. The DuckDB variable bucket
-- sets the bucket width, and the buckets are those of query
-- report_handshakes_by_interval: from the first to the last one with a
-- connection, empty ones included. alb_connections and nlb_connections count
-- the rows of view tls_handshakes per path, and alb_share_percent is 100 *
-- alb_connections / (alb_connections + nlb_connections), rounded to 3
-- decimals, NULL without connections. alb_weight_percent is alb_share_after
-- of the latest row of table gate_decisions at or before bucket_start: the
-- ALB's percent of the Route 53 weights after that gate run, which equals the
-- weights before it for a run that changed nothing. It is NULL before the
-- first decision and without decisions.
-- NOTE: the decisions of every state location in gate_decisions count, as if
-- they were one gate's. Weights set without the gate do not show.
WITH settings AS (
    SELECT coalesce(getvariable('bucket')::INTERVAL, INTERVAL 15 MINUTE) AS width
),
window_connections AS (
    SELECT h.path, time_bucket(s.width, h.time) AS bucket_start
    FROM tls_handshakes AS h
    CROSS JOIN settings AS s
    WHERE h.time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND h.time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
buckets AS (
    SELECT unnest(generate_series(min(c.bucket_start), max(c.bucket_start), any_value(s.width))) AS bucket_start
    FROM window_connections AS c
    CROSS JOIN settings AS s
),
per_bucket AS (
    SELECT
        bucket_start,
        count(*) FILTER (WHERE path = 'alb') AS alb_connections,
        count(*) FILTER (WHERE path = 'nlb') AS nlb_connections
    FROM window_connections
    GROUP BY bucket_start
),
-- The latest decision at or before each bucket's start. Decisions at the
-- same time are ordered by seq, their order in the audit trail.
weights AS (
    SELECT b.bucket_start, d.alb_share_after
    FROM buckets AS b
    JOIN gate_decisions AS d ON d.time <= b.bucket_start
    QUALIFY row_number() OVER (PARTITION BY b.bucket_start ORDER BY d.time DESC, d.seq DESC) = 1
)
SELECT
    b.bucket_start,
    coalesce(c.alb_connections, 0) AS alb_connections,
    coalesce(c.nlb_connections, 0) AS nlb_connections,
    round(100.0 * c.alb_connections / (c.alb_connections + c.nlb_connections), 3) AS alb_share_percent,
    w.alb_share_after AS alb_weight_percent
FROM buckets AS b
LEFT JOIN per_bucket AS c USING (bucket_start)
LEFT JOIN weights AS w USING (bucket_start)
ORDER BY b.bucket_start;
