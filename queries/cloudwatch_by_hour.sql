-- CloudWatch metrics of each load balancer per hour, from cloudwatch pull.
-- Counts are summed over the hour. NULL means no rows: the metric does not
-- belong to the load balancer's type, or CloudWatch does not publish it for
-- that load balancer (table metric_pulls gives the reason). The latency
-- and host columns cover only the periods with a datapoint, and
-- unknown_periods counts the gauge and latency periods without one.
SELECT
    load_balancer,
    date_trunc('hour', time) AS hour,
    sum(value) FILTER (WHERE metric = 'RequestCount' AND stat = 'Sum') AS requests,
    sum(value) FILTER (WHERE metric = 'NewFlowCount' AND stat = 'Sum') AS new_flows,
    sum(value) FILTER (WHERE metric = 'ClientTLSNegotiationErrorCount' AND stat = 'Sum') AS client_tls_errors,
    sum(value) FILTER (WHERE metric = 'HTTPCode_ELB_5XX_Count' AND stat = 'Sum') AS elb_5xx,
    sum(value) FILTER (WHERE metric = 'HTTPCode_Target_5XX_Count' AND stat = 'Sum') AS target_5xx,
    sum(value) FILTER (WHERE metric = 'TCP_Client_Reset_Count' AND stat = 'Sum') AS client_resets,
    sum(value) FILTER (WHERE metric = 'TCP_Target_Reset_Count' AND stat = 'Sum') AS target_resets,
    max(value) FILTER (WHERE metric = 'TargetResponseTime' AND stat = 'p99') AS target_response_p99_max,
    min(value) FILTER (WHERE metric = 'HealthyHostCount' AND stat = 'Minimum') AS healthy_hosts_min,
    max(value) FILTER (WHERE metric = 'UnHealthyHostCount' AND stat = 'Maximum') AS unhealthy_hosts_max,
    count(*) FILTER (WHERE NOT datapoint AND value IS NULL) AS unknown_periods
FROM metrics
GROUP BY ALL
ORDER BY load_balancer, hour;
