// Package haproxy parses the logs that HAProxy writes where it terminates
// mutual TLS on the old path into terminator.Records. It reads the HTTP log,
// one line per request, and the connection error log, one line per connection
// that ended before a request, such as a failed TLS handshake.
//
// # HTTP log
//
// Reader reads the layout of "option httpslog" (HTTPSLogFormat) and the
// recommended log-format (RecommendedLogFormat, set up by
// RecommendedFrontendConfig), which adds the handshake time, the client
// certificate and two request headers at the end. It
// distinguishes them by what follows %[ssl_fc_sni]/%sslv/%sslc: nothing in
// the httpslog layout, all the added fields in the recommended one. A
// recommended line may end with one more field, the client's leaf
// certificate (RecommendedLogFormatWithCertificate), so a single field after
// the user agent is read as the certificate. Lines of
// "option httplog", which lack the TLS fields, and other custom formats are
// rejected. HTTP log lines become records of Kind request.
//
// The fields and the Record fields they fill:
//
//	%ci:%cp                        ClientIP, ClientPort (IPv6 without brackets)
//	[%tr]                          Time, with %Ta added
//	%TR/%Tw/%Tc/%Tr/%Ta            RequestTime (%Ta), UpstreamHeaderTime (%Tr)
//	%ST                            Status (-1 is NULL)
//	%B                             BytesSent
//	%tsc                           Detail, as "termination state: <state>", unless ----
//	%hr %hs                        not kept, and absent without header captures
//	%{+Q}r                         Method, URI (<BADREQ> is NULL)
//	fc_err/ssl_fc_err/ssl_c_err/ssl_c_ca_err/ssl_fc_is_resumed
//	                               VerifyRaw, Outcome, and Detail as "ssl_fc_err: <hex>", unless 0
//	%[ssl_fc_sni]/%sslv/%sslc      SNI, TLSProtocol, TLSCipher
//
// and in the recommended layout:
//
//	%Th                            HandshakeTime
//	%[ssl_c_used]/%[ssl_c_verify]  VerifyRaw (after a space), Outcome
//	%[ssl_c_serial,hex]            SerialRaw, Serial
//	%[ssl_c_notafter]              CertNotAfter
//	ssl_c_s_dn(,0,rfc2253)         SubjectRaw, Subject
//	ssl_c_i_dn(,0,rfc2253)         IssuerRaw, Issuer
//	var(txn.cutover_forwarded_for) ForwardedFor
//	var(txn.cutover_user_agent)    UserAgent
//
// and, when the line has it:
//
//	%[ssl_c_der,base64]            CertPEM, the DER decoded and written as PEM
//
// The other fields are checked for their shape but not kept. An unquoted
// value of "-" and a quoted value of "" are NULL: HAProxy writes them for a
// sample fetch that returned nothing, such as the certificate fields of a
// client that sent no certificate.
//
// %tr is when HAProxy received the first byte of the request, and Record.Time
// is %tr plus %Ta, when the last byte of the response was sent. %Th is the
// handshake time of the connection's first request: HAProxy sets it to 0 for
// the later requests of an HTTP/1.1 keep-alive connection.
// RequestTime is %Ta, which, like nginx's $request_time, starts at the first
// request byte. UpstreamHeaderTime is %Tr, from sending the request to the
// server until its response headers arrived, which is how the ALB's
// target_processing_time is measured.
//
// # Connection error log
//
// HAProxy's connection error log line reads
//
//	client_ip:client_port [accept_date] frontend/bind: message
//
// where bind is the bind line's name, or its number when it has none, and the
// message is one of HAProxy's connection error messages, such as "SSL
// handshake failure", "SSL client certificate not trusted", "SSL client CA
// chain cannot be verified", "Connection closed during SSL handshake" or
// "Timeout during SSL handshake". For "SSL handshake failure", newer versions
// append the OpenSSL error in parentheses. Such lines become records of Kind
// handshake, with VerifyRaw the message, Outcome from
// outcome.FromHAProxyFcErr, Detail the OpenSSL error when there is one, and
// Time the accept date. A frontend with an error-log-format writes its own
// layout instead, which Reader does not read.
//
// With "verify required", HAProxy 2.6.12 logged a client that sent no
// certificate as "SSL handshake failure", without a reason, and an expired
// certificate as "SSL client certificate not trusted", like one of an unknown
// CA. Those records map to handshake_error and untrusted. The recommended
// layout on a bind with "verify optional crt-ignore-err all ca-ignore-err
// all" logs such clients as requests with ssl_c_used and the verification
// result instead, which map to no_cert and expired.
//
// # Outcome of HTTP log lines
//
// A line without TLS (%sslv is "-") has no outcome. Otherwise the first of
// these rules that applies decides:
//
//  1. A non-zero ssl_c_err (the leaf) or ssl_c_ca_err (the rest of the chain)
//     maps with outcome.FromOpenSSLCode, the leaf first.
//  2. In the recommended layout, a non-zero ssl_c_verify maps the same way,
//     and ssl_c_used 0 maps to no_cert.
//  3. fc_err maps with outcome.FromHAProxyFcErr, and its 0 maps to ok.
//
// Non-zero verification results reach the HTTP log only with "verify
// optional" together with crt-ignore-err or ca-ignore-err, because "verify
// required" ends the handshake and logs a connection error instead. In the
// httpslog layout, which has no ssl_c_used, a client that sent no certificate
// to a frontend with "verify optional" maps to ok.
//
// # Syslog header and time zone
//
// A line may start with a syslog header, which Reader removes: a priority such
// as <134>, then an RFC 5424 header ("1 2026-12-03T14:00:01.123456+00:00 host
// haproxy 123 - - "), or an RFC 3164 timestamp ("Dec  3 14:00:01") or an RFC
// 3339 one, each followed by an optional host name and an optional tag such as
// "haproxy[123]:". The header's own time is ignored.
//
// HAProxy writes %tr and the accept date in its host's local time without an
// offset. Options.Location is that time zone, UTC by default, and Record.Time
// is converted from it to UTC.
//
// # Skipped and invalid lines
//
// A line is an HTTP or connection error log line when its message starts with
// a field and a date in brackets of the shape [03/Dec/2026:14:00:01.123].
// Read returns ErrSkip for every other line, such as "Proxy fe_mtls started."
// or "Server be_app/app1 is DOWN", so that every input line is a record, a
// rejected line or a skipped one.
//
// Read returns an *elblog.ParseError, and goes on with the next line, for a
// line that is empty or longer than elblog.MaxLineBytes, that ends before its
// last field (elblog.ErrFieldCount), that has an unclosed or misplaced double
// quote (elblog.ErrQuote, elblog.ErrBareQuote), or that has a field of the
// wrong shape (elblog.ErrSyntax): a client that is not an IP address and
// port, a date that does not exist, timers, counts or codes that are not
// numbers, or text after the certificate field.
// ParseError.Field counts the fields of the layout from 1, with %hr as 13 and
// %hs as 14 whether the line has them or not, and ParseError.Name is the
// field's log-format spelling. A subject, issuer or serial number that package
// identity cannot read keeps its raw value and leaves the canonical one NULL,
// an ssl_c_notafter of another shape leaves CertNotAfter NULL, and an
// ssl_c_der,base64 that is not base64 of one whole DER SEQUENCE leaves
// CertPEM NULL, without rejecting the line. HAProxy 2.6.12 cuts a line at the
// len of its log target, 1024 bytes unless set, which cuts the certificate
// short and so leaves CertPEM NULL.
package haproxy
