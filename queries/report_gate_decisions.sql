-- The runs of cutover gate (and cutover decommission) in the window (--since
-- or --from/--to, else the whole database), oldest first, from table
-- gate_decisions, which mirrors the gate state's audit trail. kind is the
-- run's action (evaluation, step, rollback, reconcile or decommission),
-- verdict the gate's decision (such as GO or HALT-FAIL), and executed whether
-- the run sent a Route 53 change. alb_share_before and alb_share_after are
-- the ALB's percent of the Route 53 weights before and after the run, and
-- outcome the result of its change (such as applied or none). failing_checks
-- lists the names of the run's checks with verdict FAIL, in the order the run
-- recorded them and separated by ", ", NULL when none failed. Runs at the
-- same time keep their order in the audit trail (seq), and state_location
-- names the trail.
SELECT
    time,
    kind,
    verdict,
    executed,
    alb_share_before,
    alb_share_after,
    outcome,
    nullif(array_to_string(
        [c.name FOR c IN json_transform(checks, '[{"name": "VARCHAR", "verdict": "VARCHAR"}]') IF c.verdict = 'FAIL'],
        ', '), '') AS failing_checks,
    message,
    state_location
FROM gate_decisions
WHERE time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
    AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
ORDER BY time, state_location, seq;
