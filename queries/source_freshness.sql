-- Freshness of each source of evidence in the window (--since or --from/--to,
-- else the whole database). A source is the ALB access, ALB connection or NLB
-- TLS log of one load balancer, one terminator instance's log, or one load
-- balancer's CloudWatch metrics. path is the path whose evidence the source
-- holds: 'alb' for the ALB's logs, 'nlb' for the NLB TLS log, the rows' own
-- path for a terminator instance's log (an instance that serves both load
-- balancers is listed once per path), and NULL for CloudWatch. cutover
-- analyze's freshness check reads this query. newest_record is the newest row
-- time, newest_interval_end the newest interval end of the objects that hold
-- the rows (for CloudWatch, the end of the newest pulled window), and
-- rows_in_window counts the rows. A source is listed once any of its rows is
-- loaded, so a source with no rows in the window shows 0 and NULL times.
-- Terminator health checks count, because they show that the log arrives.
-- CloudWatch counts only periods with a datapoint.
WITH log_rows AS (
    SELECT 'alb_access' AS source, coalesce(r.elb, 'app/' || replace(o.load_balancer, '.', '/')) AS name,
        NULL AS log, 'alb' AS path, r.time, o.interval_end
    FROM alb_access AS r LEFT JOIN objects AS o ON o.uri = r.source_uri
    UNION ALL
    SELECT 'alb_connection', coalesce(r.elb, 'app/' || replace(o.load_balancer, '.', '/')),
        NULL, 'alb', r.time, o.interval_end
    FROM alb_connection AS r LEFT JOIN objects AS o ON o.uri = r.source_uri
    UNION ALL
    SELECT 'nlb_tls', coalesce(r.elb, 'net/' || replace(o.load_balancer, '.', '/')),
        NULL, 'nlb', r.time, o.interval_end
    FROM nlb_tls AS r LEFT JOIN objects AS o ON o.uri = r.source_uri
    UNION ALL
    SELECT 'terminator_' || r.source, r.instance, r.log, r.path, r.time, o.interval_end
    FROM terminator_tls AS r LEFT JOIN objects AS o ON o.uri = r.source_uri
),
log_sources AS (
    SELECT
        source,
        name,
        log,
        path,
        max(time) FILTER (WHERE time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
            AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)) AS newest_record,
        max(interval_end) FILTER (WHERE interval_end >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
            AND interval_end < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)) AS newest_interval_end,
        count(*) FILTER (WHERE time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
            AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)) AS rows_in_window
    FROM log_rows
    GROUP BY ALL
),
metric_datapoints AS (
    SELECT
        load_balancer,
        max(time) FILTER (WHERE time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
            AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)) AS newest_record,
        count(*) FILTER (WHERE time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
            AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)) AS rows_in_window
    FROM metrics
    WHERE datapoint
    GROUP BY ALL
),
metric_pull_ends AS (
    SELECT
        load_balancer,
        max(window_end) FILTER (WHERE window_end >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
            AND window_end < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)) AS newest_interval_end
    FROM metric_pulls
    GROUP BY ALL
),
metric_sources AS (
    SELECT
        'cloudwatch' AS source,
        load_balancer AS name,
        NULL AS log,
        NULL AS path,
        d.newest_record,
        p.newest_interval_end,
        coalesce(d.rows_in_window, 0) AS rows_in_window
    FROM metric_pull_ends AS p
    FULL JOIN metric_datapoints AS d USING (load_balancer)
)
SELECT source, name, log, path, newest_record, newest_interval_end, rows_in_window FROM log_sources
UNION ALL
SELECT source, name, log, path, newest_record, newest_interval_end, rows_in_window FROM metric_sources
ORDER BY source, name, log NULLS FIRST, path NULLS FIRST;
