-- Why lines were rejected, with one example line each.
SELECT
    reason,
    count(*) AS lines,
    min(uri || ':' || line) AS first_example
FROM rejected_lines
GROUP BY reason
ORDER BY lines DESC, reason;
