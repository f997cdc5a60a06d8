-- Failed connections per path, outcome and raw reason in the window (--since
-- or --from/--to, else the whole database), health checks left out. A failed
-- connection is a row of view tls_handshakes with an outcome other than ok,
-- as in query report_totals, so per path the connections here add up to its
-- failed there. Connections of unknown outcome (NULL) are left out. outcome
-- is the taxonomy word and reason_raw the reason as logged, NULL where the
-- line logged none: the ALB's tls_verify_status, such as
-- Failed:ClientCertUntrusted, or the terminator's verification result or
-- error message, such as nginx's "FAILED:certificate has expired". Query
-- failure_reasons_by_path counts the same connections per outcome only.
-- clients counts the distinct client identities as report_totals does, and
-- first_seen and last_seen bound the connections. The most frequent reasons
-- of each path come first.
SELECT
    path,
    outcome,
    reason_raw,
    count(*) AS connections,
    count(DISTINCT (subject, serial, CASE WHEN subject IS NULL AND serial IS NULL THEN client_ip END)) AS clients,
    min(time) AS first_seen,
    max(time) AS last_seen
FROM tls_handshakes
WHERE outcome <> 'ok'
    AND time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
    AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
GROUP BY ALL
ORDER BY path, connections DESC, outcome, reason_raw NULLS FIRST;
