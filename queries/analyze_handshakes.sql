-- Connection attempts per path, client identity, outcome and raw reason in
-- the window (--since or --from/--to, else the whole database), health
-- checks left out: the handshake evidence that cutover analyze judges. The
-- identity is the canonical subject and serial, or client_ip where neither
-- was logged (client_ip is NULL otherwise). A NULL outcome means the log
-- line gives none, and the connection counts as unknown. The DuckDB variable
-- alb_mode chooses the ALB side's evidence. With 'passthrough' the ALB
-- forwards the certificate to its targets, which verify it, so the ALB side
-- is view target_handshakes with path 'alb': the targets' rows, counted per
-- connection by the rules that view tls_handshakes applies to the NLB's
-- terminators. Otherwise ('verify', or NULL as under cutover query) the ALB
-- side is the ALB connection log.
-- NOTE: behind the ALB, a target's connections come from ALB nodes, which
-- may reuse one connection for requests of several clients. In passthrough
-- mode these rules then count target connections, each under the client of
-- its first request, not the clients' connections to the ALB.
WITH connections AS (
    SELECT path, time, subject, serial, client_ip, outcome, reason_raw
    FROM tls_handshakes
    WHERE path = 'nlb' OR getvariable('alb_mode') IS DISTINCT FROM 'passthrough'
    UNION ALL
    SELECT path, time, subject, serial, client_ip, outcome, reason_raw
    FROM target_handshakes
    WHERE path = 'alb' AND getvariable('alb_mode') = 'passthrough'
)
SELECT
    path,
    subject,
    serial,
    CASE WHEN subject IS NULL AND serial IS NULL THEN client_ip END AS client_ip,
    outcome,
    reason_raw,
    count(*) AS connections,
    min(time) AS first_seen,
    max(time) AS last_seen
FROM connections
WHERE time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
    AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
GROUP BY ALL
ORDER BY path, subject NULLS FIRST, serial NULLS FIRST, client_ip NULLS FIRST, outcome NULLS FIRST, reason_raw NULLS FIRST;
