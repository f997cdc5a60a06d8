package identity

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sameNameCases are spellings of one name by different sources. Every input
// of a case must give want, and want must be a fixed point of CanonicalDN.
var sameNameCases = []struct {
	name   string
	want   string
	inputs map[string]string
}{
	{
		name: "client certificate of the package doc",
		want: `CN=client.example.com,O=Example\, Inc.,C=US`,
		inputs: map[string]string{
			"ALB connection log":                `CN=client.example.com,O=Example\, Inc.,C=US`,
			"nginx ssl_client_s_dn":             `CN=client.example.com,O=Example\, Inc.,C=US`,
			"nginx ssl_client_s_dn_legacy":      `/C=US/O=Example, Inc./CN=client.example.com`,
			"HAProxy ssl_c_s_dn":                `/C=US/O=Example, Inc./CN=client.example.com`,
			"HAProxy ssl_c_s_dn rfc2253":        `CN=client.example.com,O=Example\, Inc.,C=US`,
			"Envoy DOWNSTREAM_PEER_SUBJECT":     `CN=client.example.com,O=Example\, Inc.,C=US`,
			"comma in hex escape":               `CN=client.example.com,O=Example\2C Inc.,C=US`,
			"spaces after separators":           `CN=client.example.com, O=Example\, Inc., C=US`,
			"space after equals sign":           `CN= client.example.com,O= Example\, Inc.,C= US`,
			"quoted value":                      `CN=client.example.com,O="Example, Inc.",C=US`,
			"lower-case types":                  `cn=client.example.com,o=Example\, Inc.,c=US`,
			"long type names":                   `commonName=client.example.com,organizationName=Example\, Inc.,countryName=US`,
			"OID types":                         `2.5.4.3=client.example.com,OID.2.5.4.10=Example\, Inc.,oid.2.5.4.6=US`,
			"leading and trailing spaces":       `  CN=client.example.com,O=Example\, Inc.,C=US  `,
			"slash form with leading spaces":    `  /C=US/O=Example, Inc./CN=client.example.com`,
			"Go crypto/x509/pkix Name.String()": pkixName(),
		},
	},
	{
		// Printed by OpenSSL 3.0.19 `openssl x509 -noout -subject` for a
		// certificate made with -utf8 -subj "/C=CH/ST=Zürich/O=Example,
		// Inc./OU=R/emailAddress=jose@example.com".
		name: "UTF-8 and emailAddress",
		want: `EMAILADDRESS=jose@example.com,OU=R,O=Example\, Inc.,ST=Zürich,C=CH`,
		inputs: map[string]string{
			"OpenSSL -nameopt RFC2253":       `emailAddress=jose@example.com,OU=R,O=Example\, Inc.,ST=Z\C3\BCrich,C=CH`,
			"OpenSSL -nameopt compat":        `/C=CH/ST=Z\xC3\xBCrich/O=Example, Inc./OU=R/emailAddress=jose@example.com`,
			"HAProxy raw UTF-8":              `/C=CH/ST=Zürich/O=Example, Inc./OU=R/emailAddress=jose@example.com`,
			"raw UTF-8 in the RFC 4514 form": `emailAddress=jose@example.com,OU=R,O=Example\, Inc.,ST=Zürich,C=CH`,
			"lower-case hex escapes":         `emailAddress=jose@example.com,OU=R,O=Example\, Inc.,ST=Z\c3\bcrich,C=CH`,
			"E alias":                        `E=jose@example.com,OU=R,O=Example\, Inc.,ST=Z\C3\BCrich,C=CH`,
			"EMAIL alias and S alias":        `EMAIL=jose@example.com,OU=R,O=Example\, Inc.,S=Zürich,C=CH`,
			"emailAddress OID":               `1.2.840.113549.1.9.1=jose@example.com,OU=R,O=Example\, Inc.,ST=Zürich,C=CH`,
		},
	},
	{
		// OpenSSL 3.0.19 output for -multivalue-rdn -subj
		// "/DC=com/DC=example/O=Example/CN=multi+UID=u123".
		name: "multi-valued RDN",
		want: `CN=multi+UID=u123,O=Example,DC=example,DC=com`,
		inputs: map[string]string{
			"OpenSSL -nameopt RFC2253": `UID=u123+CN=multi,O=Example,DC=example,DC=com`,
			"OpenSSL -nameopt compat":  `/DC=com/DC=example/O=Example/CN=multi+UID=u123`,
			"members in ASN.1 order":   `CN=multi+UID=u123,O=Example,DC=example,DC=com`,
			"spaces around plus":       `CN=multi + UID=u123,O=Example,DC=example,DC=com`,
			"long type names":          `userId=u123+commonName=multi,O=Example,domainComponent=example,DC=com`,
		},
	},
	{
		// OpenSSL 3.0.19 output for -subj "/CN= lead#and trail /O=#hash".
		name: "leading and trailing special characters",
		want: `O=\#hash,CN=\ lead#and trail\ `,
		inputs: map[string]string{
			"OpenSSL -nameopt RFC2253":  `O=\#hash,CN=\ lead#and trail\ `,
			"OpenSSL -nameopt compat":   `/CN= lead#and trail /O=#hash`,
			"hex escapes for the space": `O=\23hash,CN=\20lead#and trail\20`,
			"quoted values":             `O="#hash",CN=" lead#and trail "`,
		},
	},
	{
		// OpenSSL 3.0.19 output for -subj '/O=R\+D "Lab"\/Ops/OU=a\\b/CN=x\/y=z'.
		name: "escaped slash, plus, quote and backslash",
		want: `CN=x/y=z,OU=a\\b,O=R\+D \"Lab\"/Ops`,
		inputs: map[string]string{
			"OpenSSL -nameopt RFC2253": `CN=x/y=z,OU=a\\b,O=R\+D \"Lab\"/Ops`,
			"OpenSSL -nameopt compat":  `/O=R\+D "Lab"\/Ops/OU=a\b/CN=x\/y=z`,
			"hex escapes":              `CN=x/y\=z,OU=a\5Cb,O=R\2BD \22Lab\22/Ops`,
		},
	},
	{
		name: "every RFC 4514 special character",
		want: `CN=a\,b\+c\"d\\e\<f\>g\;h=i#j`,
		inputs: map[string]string{
			"backslash escapes":    `CN=a\,b\+c\"d\\e\<f\>g\;h\=i\#j`,
			"hex escapes":          `CN=a\2Cb\2Bc\22d\5Ce\3Cf\3Eg\3Bh\3Di\23j`,
			"OpenSSL 3 slash form": `/CN=a,b\+c"d\e<f>g;h=i#j`,
			"HAProxy slash form":   `/CN=a,b+c"d\e<f>g;h=i#j`,
		},
	},
	{
		name: "hex-encoded value",
		want: `CN=client,1.2.3.4=#0403ABCDEF`,
		inputs: map[string]string{
			"upper-case hex": `CN=client,1.2.3.4=#0403ABCDEF`,
			"lower-case hex": `CN=client,1.2.3.4=#0403abcdef`,
			"OID prefix":     `CN=client,OID.1.2.3.4=#0403ABCDEF`,
			"spaces":         `CN=client, 1.2.3.4= #0403abcdef `,
		},
	},
	{
		name: "unknown descriptor kept in upper case",
		want: `CN=x,X-CUSTOM-ATTR=v`,
		inputs: map[string]string{
			"mixed case": `CN=x,x-Custom-Attr=v`,
			"slash form": `/x-custom-attr=v/CN=x`,
		},
	},
	{
		name: "control characters and invalid UTF-8",
		want: `CN=a\0Ab\FFc\7F`,
		inputs: map[string]string{
			"hex escapes":      `CN=a\0Ab\ffc\7f`,
			"raw bytes":        "CN=a\nb\xffc\x7f",
			"nginx legacy hex": `/CN=a\x0Ab\xFFc\x7F`,
		},
	},
	{
		name: "empty value",
		want: `CN=,O=Example`,
		inputs: map[string]string{
			"string form": `CN=,O=Example`,
			"quoted":      `CN="",O=Example`,
			"slash form":  `/O=Example/CN=`,
		},
	},
}

// pkixName returns the package doc's example subject as printed by Go's
// crypto/x509/pkix, another RFC 2253 printer.
func pkixName() string {
	name := pkix.Name{
		Country:      []string{"US"},
		Organization: []string{"Example, Inc."},
		CommonName:   "client.example.com",
	}
	return name.String()
}

func TestCanonicalDNSameName(t *testing.T) {
	for _, tc := range sameNameCases {
		t.Run(tc.name, func(t *testing.T) {
			for source, input := range tc.inputs {
				got, err := CanonicalDN(input)
				require.NoError(t, err, source)
				assert.Equal(t, tc.want, got, source)
			}
		})
	}
}

func TestCanonicalDNFixedPoint(t *testing.T) {
	for _, tc := range sameNameCases {
		got, err := CanonicalDN(tc.want)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
	}
}

func TestCanonicalDNEmpty(t *testing.T) {
	for _, input := range []string{"", "   "} {
		got, err := CanonicalDN(input)
		require.NoError(t, err, "%q", input)
		assert.Equal(t, "", got, "%q", input)
	}
}

func TestCanonicalDNPKIXExtraNames(t *testing.T) {
	// Go prints attribute types it has no name for as OIDs with hex values,
	// and those stay hex.
	name := pkix.Name{
		CommonName: "alice",
		ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, Value: "alice@example.com"},
		},
	}
	got, err := CanonicalDN(name.String())
	require.NoError(t, err)
	assert.Equal(t, "EMAILADDRESS=#0C11616C696365406578616D706C652E636F6D,CN=alice", got)
}

// TestCanonicalDNSlashAmbiguity pins down the documented limit of the slash
// form: HAProxy does not escape "/", so "/y=" inside a value starts a new
// attribute.
func TestCanonicalDNSlashAmbiguity(t *testing.T) {
	got, err := CanonicalDN(`/O=Example/CN=x/y=z`)
	require.NoError(t, err)
	assert.Equal(t, `Y=z,CN=x,O=Example`, got)
}

func TestCanonicalDNErrors(t *testing.T) {
	cases := []struct {
		name   string
		input  string
		reason string
	}{
		{"trailing backslash", `CN=abc\`, "ends the input"},
		{"backslash before one hex digit", `CN=abc\4`, "two hex digits"},
		{"backslash before a hex digit and a letter", `CN=a\4zb`, "two hex digits"},
		{"backslash before an ordinary letter", `CN=a\qb`, "invalid escape"},
		{"missing equals sign", `CNabc`, "not followed by '='"},
		{"missing equals sign in the second RDN", `CN=a,Ob`, "not followed by '='"},
		{"missing attribute type", `=abc`, "attribute type missing"},
		{"empty RDN", `CN=a,,O=b`, "attribute type missing"},
		{"trailing comma", `CN=a,`, "attribute type missing"},
		{"trailing plus", `CN=a+`, "attribute type missing"},
		{"unescaped semicolon", `CN=a;O=b`, "unescaped ';'"},
		{"OpenSSL oneline form", `C = US, O = Example, CN = x`, "-nameopt RFC2253"},
		{"odd number of hex digits", `CN=#123`, "even, non-zero"},
		{"hex value without digits", `CN=#`, "even, non-zero"},
		{"hex value followed by text", `CN=#04zz`, "unexpected"},
		{"unterminated quote", `CN="abc`, "no closing"},
		{"text after closing quote", `CN="abc"def`, "unexpected"},
		{"type starting with a hyphen", `-CN=a`, "must start with a letter"},
		{"type with an underscore", `C_N=a`, "not followed by '='"},
		{"OID with an empty arc", `2..5=a`, "dotted OID"},
		{"OID with a leading zero", `2.05.4.3=a`, "dotted OID"},
		{"OID with one arc", `2=a`, "dotted OID"},
		{"descriptor after OID prefix", `OID.CN=a`, "dotted OID"},
		{"slash without attribute", `/`, "attribute type and '=' missing"},
		{"slash form without equals sign", `/CN`, "attribute type and '=' missing"},
		{"log placeholder", `-`, "not followed by '='"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CanonicalDN(tc.input)
			require.Error(t, err)
			assert.Equal(t, "", got)
			assert.True(t, errors.Is(err, ErrInvalidDN), "errors.Is(%v, ErrInvalidDN)", err)
			assert.Contains(t, err.Error(), fmt.Sprintf("%q", tc.input), "error names the input")
			assert.Contains(t, err.Error(), tc.reason)
		})
	}
}
