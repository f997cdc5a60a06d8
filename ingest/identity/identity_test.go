package identity

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFromCertificateSameClient(t *testing.T) {
	// The subject, serial and issuer of one client certificate as each source
	// logs them. The ALB connection log has no issuer.
	sources := []struct {
		source                  string
		subject, serial, issuer string
	}{
		{"ALB connection log", `CN=client.example.com,O=Example\, Inc.,C=US`, "FEF257372D5C14D4", "-"},
		{"nginx RFC 2253 variables", `CN=client.example.com,O=Example\, Inc.,C=US`, "FEF257372D5C14D4", `CN=Example Issuing CA,O=Example\, Inc.,C=US`},
		{"nginx legacy variables", `/C=US/O=Example, Inc./CN=client.example.com`, "FEF257372D5C14D4", `/C=US/O=Example, Inc./CN=Example Issuing CA`},
		{"HAProxy default fetches", `/C=US/O=Example, Inc./CN=client.example.com`, "00FEF257372D5C14D4", `/C=US/O=Example, Inc./CN=Example Issuing CA`},
		{"HAProxy rfc2253 fetches", `CN=client.example.com,O=Example\, Inc.,C=US`, "00FEF257372D5C14D4", `CN=Example Issuing CA,O=Example\, Inc.,C=US`},
		{"Envoy", `CN=client.example.com,O=Example\, Inc.,C=US`, "fef257372d5c14d4", `CN=Example Issuing CA,O=Example\, Inc.,C=US`},
	}
	const wantKey = `cert:FEF257372D5C14D4:CN=client.example.com,O=Example\, Inc.,C=US`

	for _, s := range sources {
		id, ok := FromCertificate(s.subject, s.serial, s.issuer)
		require.True(t, ok, s.source)
		assert.Equal(t, `CN=client.example.com,O=Example\, Inc.,C=US`, id.Subject, s.source)
		assert.Equal(t, "FEF257372D5C14D4", id.Serial, s.source)
		assert.False(t, id.Weak, s.source)
		assert.Equal(t, "", id.IP, s.source)
		assert.Equal(t, wantKey, id.Key(), s.source)
		if s.issuer == "-" {
			assert.Equal(t, "", id.Issuer, s.source)
		} else {
			assert.Equal(t, `CN=Example Issuing CA,O=Example\, Inc.,C=US`, id.Issuer, s.source)
		}
	}
}

func TestFromCertificateRejects(t *testing.T) {
	const subject = `CN=client.example.com,O=Example,C=US`
	cases := []struct {
		name                    string
		subject, serial, issuer string
	}{
		{"no certificate fields", "-", "-", "-"},
		{"empty fields", "", "", ""},
		{"subject missing", "-", "FEF257372D5C14D4", ""},
		{"serial missing", subject, "-", ""},
		{"serial blank", subject, "  ", ""},
		{"invalid subject", `CN=a\`, "FEF257372D5C14D4", ""},
		{"invalid serial", subject, "not-hex", ""},
		{"invalid issuer", subject, "FEF257372D5C14D4", "C = US, CN = CA"},
	}
	for _, tc := range cases {
		id, ok := FromCertificate(tc.subject, tc.serial, tc.issuer)
		assert.False(t, ok, tc.name)
		assert.Equal(t, Identity{}, id, tc.name)
	}
}

func TestFromIP(t *testing.T) {
	cases := []struct {
		input   string
		wantIP  string
		wantKey string
	}{
		{"203.0.113.7", "203.0.113.7", "ip:203.0.113.7"},
		{" 203.0.113.7 ", "203.0.113.7", "ip:203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7", "ip:203.0.113.7"},
		{"2001:DB8:0:0::1", "2001:db8::1", "ip:2001:db8::1"},
		{"not an address", "not an address", "ip:not an address"},
		{"-", "", ""},
		{"", "", ""},
	}
	for _, tc := range cases {
		id := FromIP(tc.input)
		assert.True(t, id.Weak, "%q", tc.input)
		assert.Equal(t, tc.wantIP, id.IP, "%q", tc.input)
		assert.Equal(t, tc.wantKey, id.Key(), "%q", tc.input)
		assert.Equal(t, "", id.Subject, "%q", tc.input)
		assert.Equal(t, "", id.Serial, "%q", tc.input)
	}
}

func TestKeyEmptyIdentity(t *testing.T) {
	assert.Equal(t, "", Identity{}.Key())
	assert.Equal(t, "", Identity{Serial: "1A"}.Key(), "certificate identity without subject")
	assert.Equal(t, "", Identity{Subject: "CN=x"}.Key(), "certificate identity without serial")
}

func TestKeyIgnoresIssuerAndIP(t *testing.T) {
	withIssuer, ok := FromCertificate("CN=x", "1A", "CN=CA")
	require.True(t, ok)
	withoutIssuer, ok := FromCertificate("CN=x", "1A", "")
	require.True(t, ok)
	withoutIssuer.IP = "198.51.100.9"

	assert.Equal(t, "cert:1A:CN=x", withIssuer.Key())
	assert.Equal(t, withIssuer.Key(), withoutIssuer.Key())
}
