-- The predictions of the latest cutover preflight run next to what the ALB
-- did with each predicted client identity afterwards. The latest run is the
-- one with the greatest run_at in table preflight_predictions, and among runs
-- at the same time the one with the greatest run_id. Each of its identities
-- (canonical subject and serial) has one row with its predicted verdict
-- (accept, reject or unknown) and tls_verify_status, and nlb_connections, the
-- identity's NLB connections in the run's window. The ALB columns count the
-- identity's rows of view tls_handshakes on path alb from alb_since on, and
-- only those in the query's window (--since or --from/--to, else unbounded).
-- alb_since is the end of the run's window, or its run_at where the window
-- had no end. alb_failed counts those with an outcome other than ok, as query
-- report_totals does. alb_top_reason is their most frequent reason_raw, such
-- as Success or Failed:ClientCertUntrusted, and ties go to the first in sort
-- order. match is unseen without an ALB connection. Otherwise it is confirmed
-- when a predicted accept had a successful ALB connection, or when a
-- predicted reject had none but failed at least once with the predicted
-- status, and contradicted in all other cases. A prediction of unknown with
-- ALB connections has match NULL, because it predicted nothing. Rows are
-- sorted by verdict, then by nlb_connections, most first.
WITH latest_run AS (
    SELECT run_id
    FROM preflight_predictions
    ORDER BY run_at DESC, run_id DESC
    LIMIT 1
),
predictions AS (
    SELECT p.*, coalesce(p.window_end, p.run_at) AS alb_since
    FROM preflight_predictions AS p
    JOIN latest_run USING (run_id)
),
alb_connections AS (
    SELECT p.subject, p.serial, h.outcome, h.reason_raw, h.outcome = 'ok' AS succeeded,
        h.reason_raw IS NOT DISTINCT FROM p.status AND h.outcome <> 'ok' AS failed_as_predicted
    FROM predictions AS p
    JOIN tls_handshakes AS h
        ON h.path = 'alb'
        AND h.subject IS NOT DISTINCT FROM p.subject
        AND h.serial IS NOT DISTINCT FROM p.serial
        AND h.time >= p.alb_since
    WHERE h.time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND h.time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
reason_counts AS (
    SELECT subject, serial, reason_raw, count(*) AS connections
    FROM alb_connections
    GROUP BY ALL
),
top_reasons AS (
    SELECT subject, serial, reason_raw
    FROM reason_counts
    QUALIFY row_number() OVER (
        PARTITION BY subject, serial ORDER BY connections DESC, reason_raw NULLS LAST) = 1
),
alb_outcomes AS (
    SELECT
        subject,
        serial,
        count(*) AS alb_connections,
        count(*) FILTER (WHERE outcome <> 'ok') AS alb_failed,
        count(*) FILTER (WHERE succeeded) AS alb_ok,
        count(*) FILTER (WHERE failed_as_predicted) AS alb_failed_as_predicted
    FROM alb_connections
    GROUP BY ALL
)
SELECT
    p.run_at,
    p.subject,
    p.serial,
    p.verdict,
    p.status,
    p.connections AS nlb_connections,
    p.alb_since,
    coalesce(o.alb_connections, 0) AS alb_connections,
    coalesce(o.alb_failed, 0) AS alb_failed,
    t.reason_raw AS alb_top_reason,
    CASE
        WHEN o.alb_connections IS NULL THEN 'unseen'
        WHEN p.verdict = 'accept' AND o.alb_ok > 0 THEN 'confirmed'
        WHEN p.verdict = 'reject' AND o.alb_ok = 0 AND o.alb_failed_as_predicted > 0 THEN 'confirmed'
        WHEN p.verdict IN ('accept', 'reject') THEN 'contradicted'
    END AS match
FROM predictions AS p
LEFT JOIN alb_outcomes AS o
    ON o.subject IS NOT DISTINCT FROM p.subject AND o.serial IS NOT DISTINCT FROM p.serial
LEFT JOIN top_reasons AS t
    ON t.subject IS NOT DISTINCT FROM p.subject AND t.serial IS NOT DISTINCT FROM p.serial
ORDER BY p.verdict, p.connections DESC, p.subject NULLS LAST, p.serial NULLS LAST;
