-- Rejected lines per reason, with the offending values left out so that
-- lines rejected for the same reason count together, and the first of them
-- (by URI, then line number) as an example with its full reason.
SELECT
    regexp_replace(reason, ': "(\\.|[^"\\])*"', '', 'g') AS reason,
    count(*) AS lines,
    -- Order by the line as a number, because the string minimum of
    -- "uri:line" would put line 10 before line 2.
    first(uri || ':' || line ORDER BY uri, line) AS first_example,
    first(rejected_lines.reason ORDER BY uri, line) AS first_reason
FROM rejected_lines
GROUP BY 1
ORDER BY lines DESC, reason;
