// Package outcome maps the TLS handshake and client certificate verification
// results of every log source to one taxonomy, so that the NLB path and the
// ALB path can be compared per client.
//
// The words of the taxonomy, in the order All returns them:
//
//	ok               the handshake completed and the client certificate, where one was
//	                 required, verified
//	no_cert          the client sent no certificate where one was required
//	expired          a certificate of the chain is past its notAfter time
//	not_yet_valid    a certificate of the chain is before its notBefore time
//	untrusted        the chain does not lead to a trusted CA: the issuer is unknown or
//	                 missing, a certificate is self-signed, or a signature does not verify
//	revoked          a CRL or OCSP response lists a certificate of the chain as revoked
//	crl_error        the revocation status could not be established: a CRL or OCSP
//	                 response is missing, out of date, unverifiable or not understood
//	chain_too_long   the chain is longer than the verifier's maximum depth (4 on the ALB;
//	                 nginx's ssl_verify_depth defaults to 1)
//	too_large        the certificate or chain is over a size limit
//	bad_purpose      the key usage or extended key usage does not allow TLS client
//	                 authentication
//	unsupported      the verifier does not support or allow the key type, key size,
//	                 signature algorithm or a critical extension
//	invalid          a certificate is malformed or breaks an X.509 rule: CA flag, key
//	                 usage of a CA, path length, name constraints, policy, strict checks
//	rejected         a check configured beyond chain verification rejected the
//	                 certificate: the ALB's custom server validation, Envoy's SAN and
//	                 hash pinning, OpenSSL's trust settings and host, email or IP checks
//	incompatible     client and server share no protocol version, cipher suite, group or
//	                 signature algorithm, or the certificate does not fit the ALB
//	                 listener's security policy
//	handshake_error  the handshake failed for a reason outside the client certificate:
//	                 the connection closed or timed out, a message was malformed, or the
//	                 client sent an alert (often about the server's own certificate)
//	other            any reason that the words above do not describe, and any reason
//	                 that this package does not recognise
//
// NotVerified, the empty Outcome, is not part of the taxonomy. It stands for a
// record in which no verification took place, such as an ALB connection without
// mutual TLS in verify mode, and belongs in a NULL column.
//
// Mapping functions never return an error. An unknown reason maps to Other, and
// callers keep the raw reason beside the outcome. The tables behind them are
// written out in the source file of each log source, with the source of every
// value noted there.
package outcome
