// Package nlbtls reads the access logs that a Network Load Balancer (NLB)
// writes to S3 for its TLS listeners: one line per TLS connection, including
// connections whose handshake failed, fields separated by single spaces.
// TCP, UDP and TCP_UDP listeners write no access log. [Reader] turns each
// line into a [Record] and reports a line it cannot read as an
// *elblog.ParseError, so a loader can keep the line as a rejected line and
// go on.
//
// # Fields
//
// The fields, in log order, by their AWS names:
//
//	 1 type                          tls
//	 2 version                       2.0
//	 3 time                          end of the TLS connection, ISO 8601 UTC in seconds, no zone
//	 4 elb                           net/<name>/<id>
//	 5 listener                      listener resource ID
//	 6 client:port
//	 7 destination:port              the listener, or the VPC endpoint for PrivateLink clients
//	 8 connection_time               milliseconds, open to close
//	 9 tls_handshake_time            milliseconds, part of connection_time
//	10 received_bytes                from the client, after decryption
//	11 sent_bytes                    to the client, before encryption
//	12 incoming_tls_alert            alert received from the client, an integer
//	13 chosen_cert_arn               "-" when the client sent no valid ClientHello
//	14 chosen_cert_serial            reserved, "-"
//	15 tls_cipher                    OpenSSL name, "-" when negotiation did not complete
//	16 tls_protocol_version          tlsv10, tlsv11, tlsv12 as documented
//	17 tls_named_group               documented as reserved, "-"
//	18 domain_name                   SNI host name, URL-encoded
//	19 alpn_fe_protocol              h2, http/1.1, http/1.0
//	20 alpn_be_protocol              as above
//	21 alpn_client_preference_list   "h2","http/1.1": URL-encoded, cut at 256 bytes
//	22 tls_connection_creation_time  start of the TLS connection
//
// # Generations
//
// AWS appends new fields at the end of the line and documents that readers
// should ignore fields they do not know, so every older line is a prefix of
// today's. The oldest lines end with domain_name (18 fields). An earlier
// version of the Athena table that AWS documents for this log, in the Amazon
// Athena User Guide ("Querying Network Load Balancer logs",
// awsdocs/amazon-athena-user-guide), has exactly these 18 fields followed by
// one optional field for anything newer. The three ALPN fields came next (21
// fields, the form of both examples in the NLB user guide), and
// tls_connection_creation_time came last (22). Reader accepts any line of 18
// fields or more. Fields past the 22nd are kept, as logged, in Record.Extra.
//
// # The ALPN list
//
// alpn_client_preference_list contains each protocol in double quotes, with
// commas between them: "h2","http/1.1" is one field. The NLB quotes no
// whole field, so this package splits a line on single spaces only, and a
// double quote does not group spaces. elblog.Split would instead read the
// leading quote as the start of a quoted field and reject the comma after
// "h2" as ErrBareQuote. The list is stored as logged, quotes included, and
// its shape is not checked, because the load balancer cuts it at 256 bytes,
// which can cut a protocol name and its closing quote. A double quote in any
// other field is an ErrBareQuote.
//
// # Values
//
//   - time and tls_connection_creation_time have second precision and no
//     zone. They are UTC.
//   - IPv6 addresses in client:port and destination:port can appear without
//     brackets ("2001:db8::1:443"), so the port follows the last colon. The
//     bracketed form "[2001:db8::1]:443" is accepted too. Addresses are
//     stored as logged, brackets included.
//   - domain_name is stored URL-encoded, as logged, like the other names.
//   - The timings are milliseconds, stored as logged in a float64. The AWS
//     examples and the third-party samples seen are integers, but the Athena
//     table AWS documents for this log declares both timings double and
//     matches them with [-.0-9]*, so a fraction is read rather than
//     rejected. A float64 holds every integer count of milliseconds up to
//     2^53 exactly. A negative timing is invalid.
//   - incoming_tls_alert is read as a decimal integer from 0 to 65535,
//     because AWS defines it as the integer value of the alert and its Athena
//     table reads it as an int. The AWS examples only show "-".
//   - type, version, tls_protocol_version and the ALPN protocols are stored
//     as logged, and unknown values are data, not errors.
//
// # NULL values
//
// A field that contains the "-" placeholder is not Valid, and neither is a field
// the line is too short to have. AWS names the cases for some fields only.
// A "-" in tls_handshake_time presumably marks a handshake that did not
// complete, and it is read the same way. The fields type, version, time,
// elb, listener and client:port are required: a line without a value for
// them is a ParseError.
package nlbtls
