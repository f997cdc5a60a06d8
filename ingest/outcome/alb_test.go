package outcome

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromALBDocumentedStatuses(t *testing.T) {
	cases := []struct {
		status string
		want   Outcome
	}{
		{"Success", OK},
		{"Failed:ClientCertMaxChainDepthExceeded", ChainTooLong},
		{"Failed:ClientCertMaxSizeExceeded", TooLarge},
		{"Failed:ClientCertCrlHit", Revoked},
		{"Failed:ClientCertCrlProcessingError", CRLError},
		{"Failed:ClientCertUntrusted", Untrusted},
		{"Failed:ClientCertNotYetValid", NotYetValid},
		{"Failed:ClientCertExpired", Expired},
		{"Failed:ClientCertTypeUnsupported", Unsupported},
		{"Failed:ClientCertInvalid", Invalid},
		{"Failed:ClientCertPurposeInvalid", BadPurpose},
		{"Failed:ClientCertRejected", Rejected},
		{"Failed:ClientCertIncompatible", Incompatible},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, FromALB(tc.status, true), "%s with certificate fields", tc.status)
		assert.Equal(t, tc.want, FromALB(tc.status, false), "%s without certificate fields", tc.status)
	}
}

func TestFromALBUnmappedConnectionError(t *testing.T) {
	assert.Equal(t, NoCert, FromALB("Failed:UnmappedConnectionError", false))
	assert.Equal(t, HandshakeError, FromALB("Failed:UnmappedConnectionError", true))
}

func TestFromALBNotVerified(t *testing.T) {
	assert.Equal(t, NotVerified, FromALB("-", false))
	assert.Equal(t, NotVerified, FromALB("", false))
	assert.Equal(t, NotVerified, FromALB("-", true))
}

func TestFromALBUnknownStatuses(t *testing.T) {
	for _, status := range []string{
		"Failed:ClientCertSomethingNew", // a reason AWS may add
		"Failed:ClientCertMissing",      // a CloudFront code, not an ALB one
		"Failed:ClientCertRevoked",      // a name found in blog posts, not in the AWS docs
		"Failed:",
		"success",
		"Failed:clientcertexpired",
	} {
		assert.Equal(t, Other, FromALB(status, true), status)
		assert.Equal(t, Other, FromALB(status, false), status)
	}
}

func TestALBReasons(t *testing.T) {
	want := map[string]Outcome{
		"Success":                                "ok",
		"Failed:ClientCertMaxChainDepthExceeded": "chain_too_long",
		"Failed:ClientCertMaxSizeExceeded":       "too_large",
		"Failed:ClientCertCrlHit":                "revoked",
		"Failed:ClientCertCrlProcessingError":    "crl_error",
		"Failed:ClientCertUntrusted":             "untrusted",
		"Failed:ClientCertNotYetValid":           "not_yet_valid",
		"Failed:ClientCertExpired":               "expired",
		"Failed:ClientCertTypeUnsupported":       "unsupported",
		"Failed:ClientCertInvalid":               "invalid",
		"Failed:ClientCertPurposeInvalid":        "bad_purpose",
		"Failed:ClientCertRejected":              "rejected",
		"Failed:ClientCertIncompatible":          "incompatible",
	}
	reasons := ALBReasons()
	assert.Equal(t, want, reasons)
	assert.NotContains(t, reasons, ALBUnmappedConnectionError)

	for status, outcome := range reasons {
		assert.Equal(t, outcome, FromALB(status, true), status)
		assert.Equal(t, outcome, FromALB(status, false), status)
	}
}

func TestALBReasonsReturnsCopy(t *testing.T) {
	ALBReasons()["Success"] = Other
	assert.Equal(t, OK, FromALB("Success", true))
	assert.Equal(t, OK, ALBReasons()["Success"])
}
