package outcome

import (
	"strings"
)

// envoyReasons maps BoringSSL error reason names, as they appear between ':'
// in Envoy's %DOWNSTREAM_TRANSPORT_FAILURE_REASON%, such as
// "TLS_error:|268435709:SSL_routines:OPENSSL_internal:NO_COMMON_SIGNATURE_ALGORITHMS:TLS_error_end".
// Source: the SSL_R_* names in BoringSSL include/openssl/ssl.h. Envoy is the
// server here, so a *_ALERT_* reason is an alert that the client sent.
var envoyReasons = map[string]Outcome{
	"PEER_DID_NOT_RETURN_A_CERTIFICATE": NoCert, // required client certificate missing
	// FromEnvoy refines this with the detail that newer Envoy versions append.
	"CERTIFICATE_VERIFY_FAILED":               Other,
	"CANNOT_PARSE_LEAF_CERT":                  Invalid,
	"KEY_USAGE_BIT_INCORRECT":                 BadPurpose,
	"UNKNOWN_CERTIFICATE_TYPE":                Unsupported,
	"PEER_ERROR_UNSUPPORTED_CERTIFICATE_TYPE": Unsupported,
	"EXCESSIVE_MESSAGE_SIZE":                  TooLarge, // a handshake message, usually the certificate chain, over the limit
	"NO_COMMON_SIGNATURE_ALGORITHMS":          Incompatible,
	"NO_SHARED_CIPHER":                        Incompatible,
	"NO_SHARED_GROUP":                         Incompatible,
	"UNSUPPORTED_PROTOCOL":                    Incompatible,
	"INAPPROPRIATE_FALLBACK":                  Incompatible,
	"TLSV1_ALERT_PROTOCOL_VERSION":            Incompatible, // the client rejected the protocol version
	"TLSV1_ALERT_INSUFFICIENT_SECURITY":       Incompatible, // the client rejected the offered parameters
	"WRONG_VERSION_NUMBER":                    HandshakeError,
	"HTTP_REQUEST":                            HandshakeError, // plain HTTP sent to the TLS port
	"HTTPS_PROXY_REQUEST":                     HandshakeError,
	"DECODE_ERROR":                            HandshakeError,
	"BAD_SIGNATURE":                           HandshakeError,
}

// envoyAlertPrefixes start the reason names of TLS alerts that the client
// sent. Those not in envoyReasons map to HandshakeError, because with Envoy
// as the server they concern Envoy's own certificate or handshake, not the
// client certificate: TLSV1_ALERT_UNKNOWN_CA means the client does not trust
// Envoy's server certificate.
var envoyAlertPrefixes = []string{"SSLV3_ALERT_", "TLSV1_ALERT_"}

// Envoy's messages after "verify cert failed: ", from its certificate
// validators, in lower case with '_' read as a space.
const (
	envoyVerifyDepthError = "certificate verification error at depth "
	envoyEmptyChain       = "verify cert failed: empty cert chain"
	envoySANMismatch      = "verify cert failed: verify san list"
	envoyHashMismatch     = "verify cert failed: cert hash and spki"
)

// FromEnvoy maps the value of Envoy's %DOWNSTREAM_TRANSPORT_FAILURE_REASON%
// access log operator, which only the listener access log fills.
//
// Newer Envoy versions append the validator's detail to
// CERTIFICATE_VERIFY_FAILED, for example
// "...:CERTIFICATE_VERIFY_FAILED:verify cert failed: X509_verify_cert:
// certificate verification error at depth 0: certificate has expired:TLS_error_end".
// The OpenSSL text after the depth maps as FromNginx maps it. A failed SAN or
// certificate hash check maps to Rejected, and an empty chain to NoCert.
// Without a detail, CERTIFICATE_VERIFY_FAILED maps to Other, because it stands
// for every kind of verification failure. Envoy's access log replaces spaces
// in this value with '_', and both spellings are accepted.
//
// Otherwise the first BoringSSL reason name in the value that this package
// recognises decides: see envoyReasons and envoyAlertPrefixes. "-" and "" map to
// OK, because Envoy fills the operator only when the transport failed. Two
// such lines are not OK, and callers must check them: a connection that
// matched no filter chain (response flag NR), and, where the listener does
// not require a client certificate, a line without a peer certificate, which
// is NoCert.
func FromEnvoy(transportFailureReason string) Outcome {
	value := strings.TrimSpace(transportFailureReason)
	if value == "" || value == "-" {
		return OK
	}

	if outcome, ok := fromEnvoyDetail(value); ok {
		return outcome
	}

	for _, field := range strings.FieldsFunc(value, func(r rune) bool { return r == ':' || r == '|' }) {
		name := strings.TrimSpace(field)
		if outcome, ok := envoyReasons[name]; ok {
			return outcome
		}
		for _, prefix := range envoyAlertPrefixes {
			if strings.HasPrefix(name, prefix) {
				return HandshakeError
			}
		}
	}
	return Other
}

// fromEnvoyDetail maps the validator detail that Envoy appends to a
// verification failure, and reports whether it found a detail it recognises.
func fromEnvoyDetail(value string) (Outcome, bool) {
	detail := strings.ToLower(strings.ReplaceAll(value, "_", " "))

	switch {
	case strings.Contains(detail, envoyEmptyChain):
		return NoCert, true
	case strings.Contains(detail, envoySANMismatch), strings.Contains(detail, envoyHashMismatch):
		return Rejected, true
	}

	_, afterDepth, ok := strings.Cut(detail, envoyVerifyDepthError)
	if !ok {
		return Other, false
	}
	_, text, ok := strings.Cut(afterDepth, ":")
	if !ok {
		return Other, false
	}
	text, _, _ = strings.Cut(text, ":tls error end")

	// Try the whole text first, then without each trailing ":..." part, since
	// some OpenSSL texts contain ':' themselves ("Suite B: ...").
	for {
		if outcome, ok := lookupOpenSSLText(text); ok {
			return outcome, true
		}
		end := strings.LastIndex(text, ":")
		if end < 0 {
			return Other, false
		}
		text = text[:end]
	}
}
