package outcome

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// wantByCode is the expected outcome of every X509_V_ERR number, written out
// independently of x509Errors.
var wantByCode = map[int]Outcome{
	0: OK, 1: Other, 2: Untrusted, 3: CRLError, 4: Untrusted, 5: CRLError, 6: Untrusted, 7: Untrusted,
	8: CRLError, 9: NotYetValid, 10: Expired, 11: CRLError, 12: CRLError, 13: Invalid, 14: Invalid,
	15: CRLError, 16: CRLError, 17: Other, 18: Untrusted, 19: Untrusted, 20: Untrusted, 21: Untrusted,
	22: ChainTooLong, 23: Revoked, 24: Invalid, 25: Invalid, 26: BadPurpose, 27: Untrusted, 28: Rejected,
	29: Untrusted, 30: Untrusted, 31: Untrusted, 32: Invalid, 33: CRLError, 34: Unsupported, 35: CRLError,
	36: CRLError, 37: Invalid, 38: Invalid, 39: BadPurpose, 40: Unsupported, 41: Invalid, 42: Invalid,
	43: Invalid, 44: CRLError, 45: Unsupported, 46: Invalid, 47: Invalid, 48: Invalid, 49: Unsupported,
	50: Rejected, 51: Unsupported, 52: Unsupported, 53: Unsupported, 54: CRLError, 55: Untrusted,
	56: Unsupported, 57: Unsupported, 58: Unsupported, 59: Unsupported, 60: Unsupported, 61: Unsupported,
	62: Rejected, 63: Rejected, 64: Rejected, 65: Untrusted, 66: Unsupported, 67: Unsupported,
	68: Unsupported, 69: Other, 70: Other, 71: Rejected, 72: Invalid, 73: CRLError, 74: CRLError,
	75: CRLError, 76: Unsupported, 77: Invalid, 78: Invalid, 79: Invalid, 80: Invalid, 81: Invalid,
	82: Invalid, 83: Invalid, 84: Invalid, 85: Invalid, 86: Invalid, 87: Invalid, 88: Invalid, 89: Invalid,
	90: Invalid, 91: Invalid, 92: Invalid, 93: Invalid, 94: Invalid, 95: Untrusted, 96: CRLError,
	97: CRLError, 98: CRLError, 99: CRLError, 100: CRLError, 101: CRLError, 102: Invalid, 103: Invalid,
	104: CRLError,
}

func TestFromOpenSSLCodeEveryCode(t *testing.T) {
	for code := 0; code <= 104; code++ {
		want, ok := wantByCode[code]
		if !assert.True(t, ok, "test table lacks code %d", code) {
			continue
		}
		assert.Equal(t, want, FromOpenSSLCode(code), "code %d", code)
	}
}

func TestX509ErrorsCoverCodesOnce(t *testing.T) {
	seen := map[int]bool{}
	for _, e := range x509Errors {
		assert.False(t, seen[e.code], "code %d listed twice", e.code)
		seen[e.code] = true
	}
	assert.Len(t, seen, len(wantByCode))
}

func TestFromOpenSSLCodeUnknown(t *testing.T) {
	for _, code := range []int{-1, 105, 1000} {
		assert.Equal(t, Other, FromOpenSSLCode(code), "code %d", code)
	}
}

// verifyTextCases are the X509_verify_cert_error_string texts, as nginx
// writes them after "FAILED:", with their expected outcomes.
var verifyTextCases = []struct {
	text string
	want Outcome
}{
	{"ok", OK},
	{"unspecified certificate verification error", Other},
	{"unable to get issuer certificate", Untrusted},
	{"unable to get certificate CRL", CRLError},
	{"unable to decrypt certificate's signature", Untrusted},
	{"unable to decrypt CRL's signature", CRLError},
	{"unable to decode issuer public key", Untrusted},
	{"certificate signature failure", Untrusted},
	{"CRL signature failure", CRLError},
	{"certificate is not yet valid", NotYetValid},
	{"certificate is not yet valid or the system clock is incorrect", NotYetValid},
	{"certificate has expired", Expired},
	{"CRL is not yet valid", CRLError},
	{"CRL has expired", CRLError},
	{"format error in certificate's notBefore field", Invalid},
	{"format error in certificate's notAfter field", Invalid},
	{"format error in CRL's lastUpdate field", CRLError},
	{"format error in CRL's nextUpdate field", CRLError},
	{"out of memory", Other},
	{"self-signed certificate", Untrusted},
	{"self signed certificate", Untrusted},
	{"self-signed certificate in certificate chain", Untrusted},
	{"self signed certificate in certificate chain", Untrusted},
	{"unable to get local issuer certificate", Untrusted},
	{"unable to verify the first certificate", Untrusted},
	{"certificate chain too long", ChainTooLong},
	{"certificate revoked", Revoked},
	{"issuer certificate doesn't have a public key", Invalid},
	{"invalid CA certificate", Invalid},
	{"path length constraint exceeded", Invalid},
	{"unsuitable certificate purpose", BadPurpose},
	{"unsupported certificate purpose", BadPurpose},
	{"certificate not trusted", Untrusted},
	{"certificate rejected", Rejected},
	{"subject issuer mismatch", Untrusted},
	{"authority and subject key identifier mismatch", Untrusted},
	{"authority and issuer serial number mismatch", Untrusted},
	{"key usage does not include certificate signing", Invalid},
	{"unable to get CRL issuer certificate", CRLError},
	{"unhandled critical extension", Unsupported},
	{"key usage does not include CRL signing", CRLError},
	{"unhandled critical CRL extension", CRLError},
	{"invalid non-CA certificate (has CA markings)", Invalid},
	{"proxy path length constraint exceeded", Invalid},
	{"key usage does not include digital signature", BadPurpose},
	{"proxy certificates not allowed, please set the appropriate flag", Unsupported},
	{"invalid or inconsistent certificate extension", Invalid},
	{"invalid or inconsistent certificate policy extension", Invalid},
	{"no explicit policy", Invalid},
	{"different CRL scope", CRLError},
	{"Different CRL scope", CRLError},
	{"unsupported extension feature", Unsupported},
	{"RFC 3779 resource not subset of parent's resources", Invalid},
	{"permitted subtree violation", Invalid},
	{"excluded subtree violation", Invalid},
	{"name constraints minimum and maximum not supported", Unsupported},
	{"application verification failure", Rejected},
	{"unsupported name constraint type", Unsupported},
	{"unsupported or invalid name constraint syntax", Unsupported},
	{"unsupported or invalid name syntax", Unsupported},
	{"CRL path validation error", CRLError},
	{"path loop", Untrusted},
	{"Path loop", Untrusted},
	{"Suite B: certificate version invalid", Unsupported},
	{"Suite B: invalid public key algorithm", Unsupported},
	{"Suite B: invalid ECC curve", Unsupported},
	{"Suite B: invalid signature algorithm", Unsupported},
	{"Suite B: curve not allowed for this LOS", Unsupported},
	{"Suite B: cannot sign P-384 with P-256", Unsupported},
	{"hostname mismatch", Rejected},
	{"Hostname mismatch", Rejected},
	{"email address mismatch", Rejected},
	{"IP address mismatch", Rejected},
	{"no matching DANE TLSA records", Untrusted},
	{"EE certificate key too weak", Unsupported},
	{"CA certificate key too weak", Unsupported},
	{"CA signature digest algorithm too weak", Unsupported},
	{"invalid certificate verification context", Other},
	{"issuer certificate lookup error", Other},
	{"Certificate Transparency required, but no valid SCTs found", Rejected},
	{"proxy subject name violation", Invalid},
	{"OCSP verification needed", CRLError},
	{"OCSP verification failed", CRLError},
	{"OCSP unknown cert", CRLError},
	{"Cannot find certificate signature algorithm", Unsupported},
	{"subject signature algorithm and issuer public key algorithm mismatch", Invalid},
	{"cert info signature and signature algorithm mismatch", Invalid},
	{"Path length invalid for non-CA cert", Invalid},
	{"Path length given without key usage keyCertSign", Invalid},
	{"Key usage keyCertSign invalid for non-CA cert", Invalid},
	{"Issuer name empty", Invalid},
	{"Subject name empty", Invalid},
	{"Missing Authority Key Identifier", Invalid},
	{"Missing Subject Key Identifier", Invalid},
	{"Empty Subject Alternative Name extension", Invalid},
	{"Subject empty and Subject Alt Name extension not critical", Invalid},
	{"Basic Constraints of CA cert not marked critical", Invalid},
	{"Authority Key Identifier marked critical", Invalid},
	{"Subject Key Identifier marked critical", Invalid},
	{"CA cert does not include key usage extension", Invalid},
	{"Using cert extension requires at least X509v3", Invalid},
	{"Certificate public key has explicit ECC parameters", Invalid},
	{"Raw public key untrusted, no trusted keys configured", Untrusted},
	{"OCSP response(s) invalid", CRLError},
	{"OCSP response signature verification failure", CRLError},
	{"OCSP response not yet valid (contains a date in the future)", CRLError},
	{"OCSP response has expired", CRLError},
	{"no OCSP response available for certificate", CRLError},
	{"unknown certificate verification error", Other},
	{"certificate status request failed", CRLError},
	{"certificate status unknown", CRLError},
}

func TestFromOpenSSLTextEveryText(t *testing.T) {
	for _, tc := range verifyTextCases {
		assert.Equal(t, tc.want, fromOpenSSLText(tc.text), tc.text)
	}
}

func TestFromOpenSSLTextIgnoresCaseAndSpaces(t *testing.T) {
	assert.Equal(t, Expired, fromOpenSSLText("  Certificate Has Expired "))
}

func TestFromOpenSSLTextUnknown(t *testing.T) {
	for _, text := range []string{"", "error number 105", "certificate is broken", "certificate has expired!"} {
		assert.Equal(t, Other, fromOpenSSLText(text), text)
	}
}
