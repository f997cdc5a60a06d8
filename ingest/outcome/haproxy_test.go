package outcome

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromHAProxyFcErrCodes(t *testing.T) {
	cases := []struct {
		code, name, message string
		want                Outcome
	}{
		{"0", "NONE", "Success", OK},
		{"24", "SSL_EMPTY", "Connection closed during SSL handshake", HandshakeError},
		{"25", "SSL_ABORT", "Connection error during SSL handshake", HandshakeError},
		{"26", "SSL_TIMEOUT", "Timeout during SSL handshake", HandshakeError},
		{"27", "SSL_TOO_MANY", "Too many SSL connections", Other},
		{"28", "SSL_NO_MEM", "Out of memory when initializing an SSL connection", Other},
		{"29", "SSL_RENEG", "Rejected a client-initiated SSL renegotiation attempt", HandshakeError},
		{"30", "SSL_CA_FAIL", "SSL client CA chain cannot be verified", Untrusted},
		{"31", "SSL_CRT_FAIL", "SSL client certificate not trusted", Untrusted},
		{"32", "SSL_MISMATCH", "Server presented an SSL certificate different from the configured one", Other},
		{"33", "SSL_MISMATCH_SNI", "Server presented an SSL certificate different from the expected one", Other},
		{"34", "SSL_HANDSHAKE", "SSL handshake failure", HandshakeError},
		{"35", "SSL_HANDSHAKE_HB", "SSL handshake failure after heartbeat", HandshakeError},
		{"36", "SSL_KILLED_HB", "Stopped a TLSv1 heartbeat attack (CVE-2014-0160)", Other},
		{"43", "SSL_FATAL", "SSL fatal error", Other},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, FromHAProxyFcErr(tc.code), "code %s", tc.code)
		assert.Equal(t, tc.want, FromHAProxyFcErr(tc.name), "name %s", tc.name)
		assert.Equal(t, tc.want, FromHAProxyFcErr("CO_ER_"+tc.name), "name CO_ER_%s", tc.name)
		assert.Equal(t, tc.want, FromHAProxyFcErr(tc.message), "message %q", tc.message)
	}
}

func TestFromHAProxyFcErrSpellings(t *testing.T) {
	cases := []struct {
		value string
		want  Outcome
	}{
		{"CO_ERR_SSL_FATAL", Other},
		{"ssl_handshake", HandshakeError},
		{" 34 ", HandshakeError},
		{"SSL handshake failure (error:0A0000C1:SSL routines::no shared cipher)", HandshakeError},
		{"SSL client certificate not trusted (error:0A000086:SSL routines::certificate verify failed)", Untrusted},
		{"Rejected a client-initiated SSL renegociation attempt", HandshakeError},
		{"ssl handshake failure", HandshakeError},
		{"-", NotVerified},
		{"", NotVerified},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, FromHAProxyFcErr(tc.value), "%q", tc.value)
	}
}

func TestFromHAProxyFcErrUnknown(t *testing.T) {
	for _, value := range []string{
		"1",  // CONF_FDLIM: HAProxy's own limit
		"11", // PRX_EMPTY: PROXY protocol
		"44", // REVERSE
		"999",
		"-5",
		"PRX_EMPTY",
		"SSL_SOMETHING_NEW",
		"Some future message",
	} {
		assert.Equal(t, Other, FromHAProxyFcErr(value), "%q", value)
	}
}
