// Package albconn parses Application Load Balancer connection logs into
// Records. The load balancer writes one line per connection attempt, whether
// the TLS handshake succeeded or not, so this log is where mutual TLS
// verification failures show up. The access log never records them.
//
// A line contains these fields, separated by single spaces, in this order.
// The list follows the AWS page "Connection logs for your Application Load
// Balancer" in the Elastic Load Balancing user guide.
//
//	 1  timestamp                       ISO 8601 UTC time the connection was established or failed
//	 2  client_ip                       IPv4 or IPv6 address, without the port
//	 3  client_port                     0 to 65535
//	 4  listener_port                   0 to 65535
//	 5  tls_protocol                    such as TLSv1.2
//	 6  tls_cipher                      OpenSSL cipher name, such as ECDHE-RSA-AES128-GCM-SHA256
//	 7  tls_handshake_latency           seconds, such as 0.004
//	 8  leaf_client_cert_subject        subject DN in double quotes, such as "CN=client.example.com,O=Example,C=US"
//	 9  leaf_client_cert_validity       NotBefore=<ISO 8601>;NotAfter=<ISO 8601>
//	10  leaf_client_cert_serial_number  hexadecimal
//	11  tls_verify_status               Success or Failed:<reason>
//	12  conn_trace_id                   TID_<hex>, the same value as in the access log entries of the connection
//	13  tls_keyexchange                 key exchange group, such as X25519
//	14  elb                             load balancer resource ID
//	15  ip_address                      IP address of the load balancer node
//
// Fields 1 to 12 are required. Fields 13 to 15 are optional, because AWS added
// them later and older lines end before them. AWS may append more fields, and
// warns that a line can carry a trailing "-" before a new field is released.
// Record.Extra keeps everything after field 15 as logged, and such fields never
// make a line invalid.
//
// # NULL values
//
// A field that holds "-" (bare or in quotes) or that the line does not have is
// not Valid in the Record. The timestamp and client_ip fields are required
// values and cannot be "-". The load balancer writes "-":
//   - in fields 5 to 10 for connections to listeners without TLS;
//   - in tls_handshake_latency when the handshake failed;
//   - in fields 8 to 10 when mutual TLS is off or the client certificate could
//     not be parsed.
//
// AWS does not say when tls_verify_status is "-". Presumably it is on
// listeners that do not verify client certificates.
//
// Record.CertNotBefore and Record.CertNotAfter are parsed from
// leaf_client_cert_validity. When that value has another shape than the one
// above, the raw value is still stored and both times are not Valid, but the
// line is accepted: its tls_verify_status matters more than the dates.
//
// # Invalid lines
//
// Reader.Read returns an *elblog.ParseError, and goes on with the next line,
// for a line that is empty or longer than elblog.MaxLineBytes, has fewer than
// 12 fields, has an unclosed quote or a misplaced double quote in fields 1 to
// 15, or has one of these values in those fields: a timestamp that is not an
// ISO 8601 time, a client_ip that is not an IP address, a port outside 0 to
// 65535, a tls_handshake_latency that is not a decimal number of seconds of 0
// or more, or an empty unquoted field.
//
// # Verification status
//
// tls_verify_status is stored as logged, and any value is accepted. AWS
// documents "Success" and these reasons after "Failed:":
// ClientCertMaxChainDepthExceeded, ClientCertMaxSizeExceeded, ClientCertCrlHit,
// ClientCertCrlProcessingError, ClientCertUntrusted, ClientCertNotYetValid,
// ClientCertExpired, ClientCertTypeUnsupported, ClientCertInvalid,
// ClientCertPurposeInvalid, ClientCertRejected, ClientCertIncompatible and
// UnmappedConnectionError. The set is open: ClientCertIncompatible appears only
// in newer copies of that page, and reasons added later load as they are.
package albconn
