-- Rejected lines per reason, with the first of them (by URI, then line
-- number) as an example.
SELECT
    reason,
    count(*) AS lines,
    -- Order by the line as a number, because the string minimum of
    -- "uri:line" would put line 10 before line 2.
    first(uri || ':' || line ORDER BY uri, line) AS first_example
FROM rejected_lines
GROUP BY reason
ORDER BY lines DESC, reason;
