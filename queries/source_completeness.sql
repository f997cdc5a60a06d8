-- Gaps in the delivery of ALB access and connection logs in the window. The
-- window (--since or --from/--to, else the whole database) applies to the
-- objects' interval ends. ALB nodes each write one object per 5-minute interval, named by the
-- interval's end. For each log kind and load balancer, every interval from
-- the first to the last interval end in the window is expected from every
-- node (objects.node) that delivered any object of that kind in the window.
-- One row per interval that lacks a node: the nodes that delivered, NULL when
-- none did, and the missing nodes. A missing object is a gap in what was
-- loaded, not proof of lost logs: the node may have had no traffic then, or
-- its object may not have been delivered or ingested yet.
WITH alb_objects AS (
    SELECT kind, load_balancer, interval_end, node
    FROM objects
    WHERE kind IN ('alb_access', 'alb_connection')
        AND node IS NOT NULL
        AND interval_end >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND interval_end < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
nodes_in_window AS (
    SELECT DISTINCT kind, load_balancer, node FROM alb_objects
),
expected_intervals AS (
    SELECT kind, load_balancer,
        unnest(generate_series(min(interval_end), max(interval_end), INTERVAL 5 MINUTE)) AS interval_end
    FROM alb_objects
    GROUP BY ALL
),
expected_deliveries AS (
    SELECT i.kind, i.load_balancer, i.interval_end, n.node
    FROM expected_intervals AS i
    JOIN nodes_in_window AS n USING (kind, load_balancer)
),
deliveries AS (
    SELECT e.*, EXISTS (
        SELECT 1 FROM alb_objects AS o
        WHERE o.kind = e.kind AND o.load_balancer = e.load_balancer
            AND o.interval_end = e.interval_end AND o.node = e.node
    ) AS delivered
    FROM expected_deliveries AS e
)
SELECT
    kind,
    load_balancer,
    interval_end,
    string_agg(node, ', ' ORDER BY node) FILTER (WHERE delivered) AS delivered_nodes,
    string_agg(node, ', ' ORDER BY node) FILTER (WHERE NOT delivered) AS missing_nodes,
    count(*) FILTER (WHERE NOT delivered) AS missing
FROM deliveries
GROUP BY ALL
HAVING count(*) FILTER (WHERE NOT delivered) > 0
ORDER BY kind, load_balancer, interval_end;
