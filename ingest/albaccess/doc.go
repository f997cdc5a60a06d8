// Package albaccess reads the access logs that an Application Load Balancer
// (ALB) writes to S3: one line per request, fields separated by single
// spaces, some fields in double quotes. [Reader] turns each line into a
// [Record] and reports a line it cannot read as an *elblog.ParseError, so a
// loader can keep the line as a rejected line and go on.
//
// # Fields
//
// The fields, in log order, by their AWS names (quoted fields marked "q"):
//
//	 1 type                        http, https, h2, grpcs, ws, wss
//	 2 time                        response time, ISO 8601 UTC with microseconds
//	 3 elb                         app/<name>/<id>
//	 4 client:port
//	 5 target:port                 "-" when no target was reached
//	 6 request_processing_time     seconds, "-1" when the request was not dispatched
//	 7 target_processing_time      seconds, "-1" as above
//	 8 response_processing_time    seconds, "-1" as above
//	 9 elb_status_code
//	10 target_status_code
//	11 received_bytes
//	12 sent_bytes
//	13 request                  q  "METHOD scheme://host:port/path PROTOCOL"
//	14 user_agent               q
//	15 ssl_cipher
//	16 ssl_protocol
//	17 target_group_arn
//	18 trace_id                 q  X-Amzn-Trace-Id
//	19 domain_name              q  TLS SNI host name
//	20 chosen_cert_arn          q  or "session-reused"
//	21 matched_rule_priority       0 = default rule, -1 = rule evaluation error
//	22 request_creation_time
//	23 actions_executed         q  comma-separated
//	24 redirect_url             q
//	25 error_reason             q
//	26 target:port_list         q  space-separated, unquoted in older logs
//	27 target_status_code_list  q  space-separated, unquoted in older logs
//	28 classification           q
//	29 classification_reason    q
//	30 conn_trace_id               joins the connection log
//	31 transformed_host         q
//	32 transformed_uri          q
//	33 request_transform_status q
//
// # Generations
//
// AWS appends new fields at the end of the line and documents that readers
// should ignore fields they do not know, so every older line is a prefix of
// today's. Lines
// have 18 fields (through trace_id) in the oldest logs and 20 once
// domain_name and chosen_cert_arn were added. Fields 21 to 24 came in 2018,
// 25 to 27 in 2018 and 2019, the desync-mitigation classification (28 and
// 29) in 2020, conn_trace_id in November 2023 and the rule-transform fields
// (31 to 33) in October 2025. The dates are approximate, taken from
// third-party parser changelogs. Reader accepts any line of 18 fields or
// more. Fields past the 33rd are kept, as logged, in Record.Extra.
//
// # Quirks
//
//   - IPv6 addresses in client:port and target:port are not bracketed
//     ("2001:db8::1:443"), so the port follows the last colon. The bracketed
//     form "[2001:db8::1]:443" is accepted too. Addresses are stored as logged,
//     brackets included.
//   - The request URL is logged as the client sent it, without decoding, and
//     can contain spaces. The method is the text before the first space, the
//     protocol the text after the last space, and the URL everything between.
//     A request that never parsed is logged as "- - -".
//   - Inside quoted fields ELB writes a double quote as \" or \x22 and other
//     bytes as \xNN. elblog.Unescape decides which escapes are decoded.
//   - A status code of 000 is logged when an HTTP/2 header block exceeds the
//     ALB's limit. It is read as 0.
//
// # NULL values
//
// A field that holds the "-" placeholder, quoted or not, is not Valid, and
// neither is a field the line is too short to have. Processing times of -1
// are not Valid either. A matched_rule_priority of -1 is kept, because it
// records a rule evaluation error. The fields type, time, elb and
// client:port are required: a line without a value for them is a ParseError.
package albaccess
