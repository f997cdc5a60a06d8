// Package envoy parses the access logs that Envoy writes where it terminates
// mutual TLS on the old path, into terminator.Records. It reads the JSON
// format that ListenerAccessLogYAML and HTTPAccessLogYAML configure: one JSON
// object per line, written by a log_format with json_format.
//
// # Two logs
//
// The listener access log has one entry per downstream connection, including
// the connections that failed in the TLS handshake or matched no filter
// chain. Only this log fills %DOWNSTREAM_TRANSPORT_FAILURE_REASON%, so failed
// handshakes appear only here. Its entries become records of Kind handshake.
//
// The HTTP connection manager's access log has one entry per request. Its
// entries become records of Kind request. Both logs carry %CONNECTION_ID%, so
// the requests of a connection join its listener entry.
//
// Reader reads either log, or a file that mixes them, and decides per line by
// the keys present, whatever their values. An object with the method or the
// response_code key is an HTTP entry. Otherwise, one with the
// downstream_transport_failure_reason key is a listener entry, and any other
// object is rejected with ErrUnknownEntry. Keys that Reader does not read are
// ignored, so an entry may carry more.
//
// # Keys
//
// The keys and the Record fields they fill, in both logs unless noted:
//
//	start_time                           Time, with duration added
//	connection_id                        ConnectionID
//	downstream_remote_address            ClientIP, ClientPort
//	requested_server_name                SNI
//	downstream_tls_version               TLSProtocol
//	downstream_tls_cipher                TLSCipher
//	downstream_peer_subject              SubjectRaw, Subject
//	downstream_peer_issuer               IssuerRaw, Issuer
//	downstream_peer_serial               SerialRaw, Serial
//	downstream_peer_cert_v_end           CertNotAfter
//	downstream_peer_cert                 CertPEM (optional key)
//	downstream_handshake_us              HandshakeTime (optional key)
//	downstream_transport_failure_reason  VerifyRaw, Outcome (listener log)
//	response_flags                       Detail, as "response flags: <flags>"
//	duration                             Time, and RequestTime (HTTP log)
//	bytes_sent                           BytesSent
//	method                               Method (HTTP log)
//	path                                 URI (HTTP log)
//	user_agent                           UserAgent (HTTP log)
//	x_forwarded_for                      ForwardedFor (HTTP log)
//	response_code                        Status (HTTP log)
//	request_tx_duration                  UpstreamHeaderTime, with response_duration (HTTP log)
//	response_duration                    UpstreamHeaderTime (HTTP log)
//
// start_time and downstream_remote_address must have values, and the
// downstream_tls_version and downstream_peer_subject keys must be present,
// because the outcome depends on them. Other keys may be missing.
//
// # Values
//
// Envoy writes an unset operator as "-" in the deprecated FileAccessLog
// json_format, where every value is a string, and as null in log_format's
// json_format, which writes numbers as JSON numbers. Reader accepts both: "-",
// "" and null are NULL, and numbers may be JSON numbers or strings of decimal
// digits.
//
// %START_TIME% is the start of the connection (listener log) or of the request
// (HTTP log), in UTC with milliseconds by default, such as
// 2026-12-03T14:00:01.123Z. Record.Time is that time plus %DURATION%, which is
// when the connection closed or the last response byte was sent. Any RFC 3339
// time is accepted, so a custom format must keep that shape.
//
// %DOWNSTREAM_REMOTE_ADDRESS% is ip:port, with an IPv6 address in brackets.
// ClientIP stores the address without brackets. Behind a proxy protocol
// listener filter it is the client that the proxy protocol header names.
//
// Record.UpstreamHeaderTime is %RESPONSE_DURATION% minus %REQUEST_TX_DURATION%:
// from the last request byte sent upstream to the first response byte read
// from upstream, which is how the ALB's target_processing_time is measured.
// %RESPONSE_DURATION% alone would also count the time the client took to send
// the request.
//
// # Outcome
//
// A listener entry with a transport failure reason maps with
// outcome.FromEnvoy. Without one, an entry with the response flag NR matched
// no filter chain and maps to handshake_error, as does an entry without a TLS
// version, whose connection closed before the handshake completed. An entry
// with a client certificate maps to ok, and one without to no_cert: the
// listener did not require one, and an ALB in verify mode would reject the
// client.
//
// An HTTP entry with a client certificate maps to ok, because a certificate
// that fails verification ends the handshake before any request. One without
// a certificate maps to no_cert, and one without TLS has no outcome.
//
// The parser assumes that the listener terminates TLS: a listener without TLS
// logs every connection without a TLS version, which maps to handshake_error.
//
// # Invalid lines
//
// Read returns an *elblog.ParseError, and goes on with the next line, for a
// line that is empty or longer than elblog.MaxLineBytes, is not one JSON
// object (ErrNotJSONObject), has neither kind's keys (ErrUnknownEntry), lacks
// a required key (ErrMissingKey), or has one of these values
// (elblog.ErrSyntax): a start_time that is not an RFC 3339 time, a
// downstream_remote_address that is not ip:port, a duration that is not a
// decimal number of 0 or more, a byte count that is not a whole number, a
// response_code outside 0 to 999, or an object or array where a key holds a
// single value.
//
// A subject, issuer or serial number that package identity cannot read keeps
// its raw value and leaves the canonical one NULL. A
// downstream_peer_cert_v_end that is not an RFC 3339 time, and a
// downstream_peer_cert that is not URL-encoded PEM, leave CertNotAfter and
// CertPEM NULL. None of them rejects the line.
package envoy
