-- The client certificate identities of the NLB path in the window (--since
-- or --from/--to, else the whole database), one row each, as input for
-- cutover preflight. An identity is a canonical subject and serial. An NLB
-- connection without either of them logged no certificate and is left out,
-- but counts in nlb_connections. connections counts the identity's NLB
-- connection attempts by the rules of view tls_handshakes (health checks
-- left out), and share is their fraction of nlb_connections, all NLB
-- connections in the window. issuer and cert_pem are the most recent
-- non-NULL values of the identity's terminator_tls rows on path nlb in the
-- window, and cert_not_after the earliest non-NULL one. last_outcome and
-- last_outcome_time are the outcome word of the identity's latest NLB
-- connection in the window that logged one, and its time. nlb_ok counts the
-- identity's NLB connections with outcome ok: 0 means it fails on the NLB
-- already. The identities with the most connections come first.
WITH nlb_connections AS (
    SELECT subject, serial, time, outcome
    FROM tls_handshakes
    WHERE path = 'nlb'
        AND time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
total AS (
    SELECT count(*) AS nlb_connections FROM nlb_connections
),
per_identity AS (
    SELECT
        subject,
        serial,
        count(*) AS connections,
        count(*) FILTER (WHERE outcome = 'ok') AS nlb_ok,
        arg_max(outcome, time) FILTER (WHERE outcome IS NOT NULL) AS last_outcome,
        max(time) FILTER (WHERE outcome IS NOT NULL) AS last_outcome_time
    FROM nlb_connections
    WHERE subject IS NOT NULL OR serial IS NOT NULL
    GROUP BY subject, serial
),
certificate_fields AS (
    SELECT
        subject,
        serial,
        arg_max(issuer, time) FILTER (WHERE issuer IS NOT NULL) AS issuer,
        min(cert_not_after) AS cert_not_after,
        arg_max(cert_pem, time) FILTER (WHERE cert_pem IS NOT NULL) AS cert_pem
    FROM terminator_tls
    WHERE path = 'nlb'
        AND health_check IS NOT TRUE
        AND (subject IS NOT NULL OR serial IS NOT NULL)
        AND time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
    GROUP BY subject, serial
)
SELECT
    p.subject,
    p.serial,
    f.issuer,
    f.cert_not_after,
    f.cert_pem,
    p.last_outcome,
    p.last_outcome_time,
    p.nlb_ok,
    p.connections,
    p.connections / t.nlb_connections AS share,
    t.nlb_connections
FROM per_identity AS p
CROSS JOIN total AS t
LEFT JOIN certificate_fields AS f
    ON f.subject IS NOT DISTINCT FROM p.subject AND f.serial IS NOT DISTINCT FROM p.serial
ORDER BY p.connections DESC, p.subject NULLS LAST, p.serial NULLS LAST;
