-- Time to the target's response headers (target_processing_time, the value
-- behind TargetResponseTime) per target group, in seconds, with the share of
-- 5xx responses. Requests the ALB could not dispatch log -1, stored as NULL,
-- and are counted but not timed.
SELECT
    coalesce(target_group_arn, '-') AS target_group_arn,
    count(*) AS requests,
    count(target_processing_time) AS requests_timed,
    round(quantile_cont(target_processing_time, 0.5), 4) AS p50_seconds,
    round(quantile_cont(target_processing_time, 0.9), 4) AS p90_seconds,
    round(quantile_cont(target_processing_time, 0.99), 4) AS p99_seconds,
    round(100.0 * count(*) FILTER (WHERE elb_status_code >= 500) / count(*), 3) AS elb_5xx_percent
FROM alb_access
GROUP BY ALL
ORDER BY requests DESC, target_group_arn;
