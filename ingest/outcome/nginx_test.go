package outcome

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromNginxClientVerify(t *testing.T) {
	cases := []struct {
		value string
		want  Outcome
	}{
		{"SUCCESS", OK},
		{"NONE", NoCert},
		{"FAILED", Other},
		{"FAILED:certificate has expired", Expired},
		{"FAILED:certificate is not yet valid", NotYetValid},
		{"FAILED:unable to get local issuer certificate", Untrusted},
		{"FAILED:self-signed certificate in certificate chain", Untrusted},
		{"FAILED:self signed certificate in certificate chain", Untrusted},
		{"FAILED:certificate revoked", Revoked},
		{"FAILED:certificate chain too long", ChainTooLong},
		{"FAILED:unsupported certificate purpose", BadPurpose},
		{"FAILED:unsuitable certificate purpose", BadPurpose},
		{"FAILED:unable to get certificate CRL", CRLError},
		{"FAILED:CRL has expired", CRLError},
		{"FAILED:certificate status request failed", CRLError},
		{"FAILED:certificate status unknown", CRLError},
		{"FAILED:", Other},
		{"FAILED:some future OpenSSL text", Other},
		{" SUCCESS ", OK},
		{"-", NotVerified},
		{"", NotVerified},
		{"success", Other},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, FromNginx(tc.value), "%q", tc.value)
	}
}

func TestFromNginxErrorLog(t *testing.T) {
	cases := []struct {
		message string
		want    Outcome
	}{
		{"client sent no required SSL certificate while reading client request headers", NoCert},
		{"client sent no required SSL certificate", NoCert},
		{"client SSL certificate verify error: (10:certificate has expired) while reading client request headers", Expired},
		{"client SSL certificate verify error: (20:unable to get local issuer certificate)", Untrusted},
		{"client SSL certificate verify error: (23:certificate revoked)", Revoked},
		{"client SSL certificate verify error: (22:certificate chain too long)", ChainTooLong},
		{"client SSL certificate verify error: (9:certificate is not yet valid)", NotYetValid},
		// The number decides over the text.
		{"client SSL certificate verify error: (10:some other text)", Expired},
		// A number OpenSSL does not define falls back to the text, which may
		// contain ')' itself.
		{"client SSL certificate verify error: (999:invalid non-CA certificate (has CA markings)) while reading client request headers, client: 192.0.2.1", Invalid},
		{"client SSL certificate verify error: (999:certificate has expired) while sending (x)", Expired},
		{"client SSL certificate verify error: (999:no such text)", Other},
		{"client SSL certificate verify error: (garbage", Other},
		{"SSL_do_handshake() failed (SSL: error:0A0000C1:SSL routines::no shared cipher) while SSL handshaking", Other},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, FromNginx(tc.message), tc.message)
	}
}
