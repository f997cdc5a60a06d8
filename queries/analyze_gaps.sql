-- Gaps in the delivery of ALB access and connection logs in the window, for
-- cutover analyze. The window (--since or --from/--to, else the whole
-- database) applies to the objects' interval ends. ALB nodes each write one
-- object per 5-minute interval, named by the interval's end. The ALB adds and
-- replaces nodes during the day, so a node (objects.node) is expected only
-- for the intervals from its own first to its own last object of that log
-- kind in the window. One row per log kind, load balancer and interval that
-- lacks at least one expected node. missing_nodes lists those nodes sorted
-- and separated by ", ". A node that misses the window's first or last
-- intervals is not reported, because nothing shows that it existed then. A
-- missing object is a gap in what was loaded, not proof of lost logs: the
-- node may have had no traffic then, or its object may not have been
-- delivered or ingested yet.
WITH alb_objects AS (
    SELECT kind, load_balancer, interval_end, node
    FROM objects
    WHERE kind IN ('alb_access', 'alb_connection')
        AND node IS NOT NULL
        AND interval_end >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND interval_end < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
expected_deliveries AS (
    SELECT kind, load_balancer, node,
        unnest(generate_series(min(interval_end), max(interval_end), INTERVAL 5 MINUTE)) AS interval_end
    FROM alb_objects
    GROUP BY kind, load_balancer, node
),
missing_deliveries AS (
    SELECT e.kind, e.load_balancer, e.interval_end, e.node
    FROM expected_deliveries AS e
    WHERE NOT EXISTS (
        SELECT 1 FROM alb_objects AS o
        WHERE o.kind = e.kind AND o.load_balancer = e.load_balancer
            AND o.interval_end = e.interval_end AND o.node = e.node
    )
)
SELECT
    kind,
    load_balancer,
    interval_end,
    string_agg(node, ', ' ORDER BY node) AS missing_nodes
FROM missing_deliveries
GROUP BY kind, load_balancer, interval_end
ORDER BY kind, load_balancer, interval_end;
