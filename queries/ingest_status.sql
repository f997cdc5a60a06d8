-- Contents of the database: objects, rows, rejected lines and skipped lines
-- (terminator log lines unrelated to TLS) per log kind, and the interval ends
-- the objects cover.
SELECT
    kind,
    count(*) AS objects,
    sum(rows) AS rows,
    sum(rejected) AS rejected_lines,
    sum(skipped_lines) AS skipped_lines,
    min(interval_end) AS first_interval_end,
    max(interval_end) AS last_interval_end,
    count(DISTINCT node) AS nodes
FROM objects
GROUP BY kind
ORDER BY kind;
