// Package nginx parses the logs of nginx servers that terminate mutual TLS on
// the old path into terminator.Records: the access log written with
// RecommendedLogFormat, and the error log, where nginx reports the
// handshakes that failed.
//
// # Access log
//
// AccessReader reads one JSON object per line, as nginx writes it with
// RecommendedLogFormat. Each key is the name of an nginx variable, and each
// record has Kind terminator.KindRequest:
//
//	msec                     Time: Unix seconds with milliseconds, such as 1695335001.123 (UTC)
//	connection               ConnectionID
//	connection_requests      ConnectionRequests, from 1
//	remote_addr              ClientIP, IPv4 or IPv6 without brackets
//	remote_port              ClientPort
//	ssl_protocol             TLSProtocol, such as TLSv1.3
//	ssl_cipher               TLSCipher, such as TLS_AES_256_GCM_SHA384
//	ssl_server_name          SNI
//	ssl_client_verify        VerifyRaw: SUCCESS, FAILED:<reason> or NONE; Outcome from outcome.FromNginx
//	ssl_client_s_dn          SubjectRaw, RFC 2253; Subject from identity.CanonicalDN
//	ssl_client_i_dn          IssuerRaw; Issuer from identity.CanonicalDN
//	ssl_client_serial        SerialRaw, hex; Serial from identity.CanonicalSerial
//	ssl_client_v_end         CertNotAfter, such as "Sep 21 22:43:21 2023 GMT"
//	status                   Status; nginx logs 400 for a failed or missing client certificate
//	request_time             RequestTime, seconds
//	upstream_header_time     UpstreamHeaderTime, seconds: the last entry of the list
//	request                  Method and URI, such as "GET /path?q=1 HTTP/1.1"
//	body_bytes_sent          BytesSent
//	http_user_agent          UserAgent
//	http_x_forwarded_for     ForwardedFor
//	ssl_client_escaped_cert  CertPEM, decoded from URL encoding
//
// Only msec and remote_addr are required. A key that the line lacks, or
// whose value is null, "" (how escape=json writes an unset variable) or "-"
// (how the default escaping writes it), leaves its fields not Valid. Keys
// that are not listed are ignored, so a team may log more. Values may be
// numbers instead of strings.
//
// $upstream_header_time holds one entry per upstream server that nginx
// tried, such as "-, 0.010" after a failed first server or "0.002 : 0.010"
// after an internal redirect. UpstreamHeaderTime is the last entry, that of
// the response the client got, and is not Valid when that entry is "-".
//
// A request line without a space, such as the garbage a scanner sends, has
// no method and URI. It is kept in Detail as "request line: <value>".
//
// A DN, serial, end date or certificate that does not parse never makes a
// line invalid: its raw value is kept and the parsed field is not Valid.
//
// # Invalid access-log lines
//
// Read returns an *elblog.ParseError, and goes on with the next line, for a
// line that is empty or longer than elblog.MaxLineBytes, is not one JSON
// object, or lacks msec or remote_addr. It does the same for a line with one
// of these values:
//   - a msec that is not a decimal number of seconds;
//   - a remote_addr that is not an IP address;
//   - a port outside 0 to 65535, or a status outside 0 to 999;
//   - a connection number, request count or byte count that is not an
//     unsigned integer;
//   - a request_time that is not a number of seconds, or an
//     upstream_header_time entry that is neither "-" nor a number of seconds;
//   - an object or array as the value of a listed key.
//
// # Error log
//
// ErrorReader reads the lines that nginx writes in this form:
//
//	2023/09/21 22:43:21 [info] 1234#1234: *56 <message> while <action>, client: 192.0.2.10, server: ...
//
// It returns a record for each message about a client's failed handshake or
// certificate verification:
//
//	client SSL certificate verify error: (N:reason)          outcome.FromNginx of N and the reason
//	client SSL certificate verify error: reason              an OCSP result, such as "certificate revoked"
//	client sent no required SSL certificate                  no_cert
//	client sent plain HTTP request to HTTPS port             handshake_error
//	SSL_do_handshake() failed (SSL: error:...:reason)        by the OpenSSL reason, while SSL handshaking
//	any other message while SSL handshaking                  handshake_error for a closed or timed-out
//	                                                         connection, such as "peer closed connection
//	                                                         in SSL handshake", other otherwise
//
// Every other line, such as an upstream error, "client closed keepalive
// connection", an SSL_read() failure after the handshake or a handshake with
// an upstream server ("while SSL handshaking to upstream"), yields
// ErrNotTLSFailure. A line that does not start with a time, a level in
// brackets and a process ID yields a *elblog.ParseError, as does a TLS
// failure without a client address.
//
// nginx logs most of these messages at the info level, so the error log
// shows them only with "error_log <file> info;". It logs handshake failures
// that it does not attribute to the client at crit.
//
// The three messages that nginx's HTTP module logs after the handshake,
// while it reads a request, give records of Kind terminator.KindRequest when
// the line names the request (`request: "..."`), with Method and URI from
// it. The stream module logs the same verification messages during the
// handshake, without a request, and those records have Kind
// terminator.KindHandshake like every other failure.
//
// Records have ConnectionID from "*N", which is the access log's
// $connection, and ClientIP from "client:". The error log has no client
// port, SNI or certificate. VerifyRaw is the message without nginx's context,
// such as "SSL_do_handshake() failed (SSL: error:0A0000C1:SSL routines::no
// shared cipher)", and Detail the OpenSSL error list inside it.
//
// # Time zones
//
// Access-log times come from $msec, which is UTC. Error-log times are the
// server's local time, to the second, and ErrorReader converts them to UTC
// from ErrorReader.Location, UTC by default. Set it to the zone of the
// instance whose log is read.
//
// # One event in both logs
//
// A rejected certificate, a missing certificate and plain HTTP appear in
// both logs: once as a 400 request and once as an error-log message. See
// SameEvent for how to recognise the pair and count the event once.
package nginx
