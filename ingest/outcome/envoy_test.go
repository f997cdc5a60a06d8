package outcome

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// envoyError returns a reason as Envoy's access log writes it: BoringSSL's
// error string with every space replaced by '_'.
func envoyError(code, reasonAndDetail string) string {
	return strings.ReplaceAll("TLS_error:|"+code+":SSL routines:OPENSSL_internal:"+reasonAndDetail+":TLS_error_end", " ", "_")
}

func TestFromEnvoyReasonNames(t *testing.T) {
	cases := []struct {
		reason string
		want   Outcome
	}{
		{"PEER_DID_NOT_RETURN_A_CERTIFICATE", NoCert},
		{"CERTIFICATE_VERIFY_FAILED", Other},
		{"CANNOT_PARSE_LEAF_CERT", Invalid},
		{"KEY_USAGE_BIT_INCORRECT", BadPurpose},
		{"UNKNOWN_CERTIFICATE_TYPE", Unsupported},
		{"PEER_ERROR_UNSUPPORTED_CERTIFICATE_TYPE", Unsupported},
		{"EXCESSIVE_MESSAGE_SIZE", TooLarge},
		{"NO_COMMON_SIGNATURE_ALGORITHMS", Incompatible},
		{"NO_SHARED_CIPHER", Incompatible},
		{"NO_SHARED_GROUP", Incompatible},
		{"UNSUPPORTED_PROTOCOL", Incompatible},
		{"INAPPROPRIATE_FALLBACK", Incompatible},
		{"TLSV1_ALERT_PROTOCOL_VERSION", Incompatible},
		{"TLSV1_ALERT_INSUFFICIENT_SECURITY", Incompatible},
		{"WRONG_VERSION_NUMBER", HandshakeError},
		{"HTTP_REQUEST", HandshakeError},
		{"HTTPS_PROXY_REQUEST", HandshakeError},
		{"DECODE_ERROR", HandshakeError},
		{"BAD_SIGNATURE", HandshakeError},
		// Alerts from the client concern Envoy's side of the handshake.
		{"SSLV3_ALERT_CERTIFICATE_EXPIRED", HandshakeError},
		{"SSLV3_ALERT_CERTIFICATE_UNKNOWN", HandshakeError},
		{"SSLV3_ALERT_HANDSHAKE_FAILURE", HandshakeError},
		{"SSLV3_ALERT_BAD_CERTIFICATE", HandshakeError},
		{"TLSV1_ALERT_UNKNOWN_CA", HandshakeError},
		{"TLSV1_ALERT_DECRYPT_ERROR", HandshakeError},
		{"SOME_FUTURE_REASON", Other},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, FromEnvoy(envoyError("268435581", tc.reason)), tc.reason)
		assert.Equal(t, tc.want, FromEnvoy(tc.reason), "%s alone", tc.reason)
	}
}

func TestFromEnvoyExamples(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		want   Outcome
	}{
		{"no common signature algorithms",
			"TLS_error:|268435709:SSL_routines:OPENSSL_internal:NO_COMMON_SIGNATURE_ALGORITHMS:TLS_error_end", Incompatible},
		{"no certificate with detail",
			"TLS_error:|268435648:SSL_routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE:peer_did_not_provide_required_client_certificate:TLS_error_end", NoCert},
		{"untrusted with detail, spaces kept",
			"TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:verify cert failed: X509_verify_cert: certificate verification error at depth 0: unable to get local issuer certificate:TLS_error_end", Untrusted},
		{"expired intermediate with detail",
			envoyError("268435581", "CERTIFICATE_VERIFY_FAILED:verify cert failed: X509_verify_cert: certificate verification error at depth 1: certificate has expired"), Expired},
		{"revoked with detail",
			envoyError("268435581", "CERTIFICATE_VERIFY_FAILED:verify cert failed: X509_verify_cert: certificate verification error at depth 0: certificate revoked"), Revoked},
		{"detail text containing a colon",
			envoyError("268435581", "CERTIFICATE_VERIFY_FAILED:verify cert failed: X509_verify_cert: certificate verification error at depth 0: Suite B: invalid ECC curve"), Unsupported},
		{"detail without end marker",
			"CERTIFICATE_VERIFY_FAILED:verify_cert_failed:_X509_verify_cert:_certificate_verification_error_at_depth_0:_certificate_is_not_yet_valid", NotYetValid},
		{"unknown detail text",
			envoyError("268435581", "CERTIFICATE_VERIFY_FAILED:verify cert failed: X509_verify_cert: certificate verification error at depth 0: some new text"), Other},
		{"SAN mismatch",
			envoyError("268435581", "CERTIFICATE_VERIFY_FAILED:verify cert failed: verify SAN list"), Rejected},
		{"hash pinning mismatch",
			envoyError("268435581", "CERTIFICATE_VERIFY_FAILED:verify cert failed: cert hash and spki"), Rejected},
		{"empty chain",
			envoyError("268435581", "CERTIFICATE_VERIFY_FAILED:verify cert failed: empty cert chain"), NoCert},
		{"two errors, first known wins",
			envoyError("268435581", "WRONG_VERSION_NUMBER") + ":" + envoyError("268435709", "NO_SHARED_CIPHER"), HandshakeError},
		{"not a TLS error string", "connection closed by peer", Other},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, FromEnvoy(tc.reason), tc.name)
	}
}

func TestFromEnvoyNoFailure(t *testing.T) {
	assert.Equal(t, OK, FromEnvoy("-"))
	assert.Equal(t, OK, FromEnvoy(""))
	assert.Equal(t, OK, FromEnvoy("  "))
}
