-- Failed connections and distinct client identities per path and outcome in
-- the window (--since or --from/--to, else the whole database), health checks
-- left out. The identity is the canonical subject and serial, or the client
-- IP, marked ip:, where no certificate was logged.
-- Outcomes ok and unknown (NULL) are left out. alb_only is true on an ALB
-- row whose outcome no NLB connection had in the window.
WITH failed_connections AS (
    SELECT
        path,
        outcome,
        coalesce(subject || ' / ' || serial, subject, 'ip:' || client_ip) AS client
    FROM tls_handshakes
    WHERE outcome <> 'ok'
        AND time >= coalesce(getvariable('window_start'), '-infinity'::TIMESTAMPTZ)
        AND time < coalesce(getvariable('window_end'), 'infinity'::TIMESTAMPTZ)
),
nlb_outcomes AS (
    SELECT DISTINCT outcome FROM failed_connections WHERE path = 'nlb'
)
SELECT
    path,
    outcome,
    count(*) AS connections,
    count(DISTINCT client) AS clients,
    path = 'alb' AND outcome NOT IN (SELECT outcome FROM nlb_outcomes) AS alb_only
FROM failed_connections
GROUP BY ALL
ORDER BY path, connections DESC, outcome;
