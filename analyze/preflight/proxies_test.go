package preflight

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/envoy"
	"github.com/cutover-dev/cutover/ingest/haproxy"
	"github.com/cutover-dev/cutover/ingest/nginx"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// attributeNames are the RFC 2253 short names of the attribute types in the
// test certificates.
var attributeNames = map[string]string{
	"2.5.4.3":  "CN",
	"2.5.4.6":  "C",
	"2.5.4.7":  "L",
	"2.5.4.8":  "ST",
	"2.5.4.10": "O",
	"2.5.4.11": "OU",
}

// rfc2253 spells a DER-encoded name as RFC 2253 does: the last RDN first,
// with a backslash before the special characters. With escapeNonASCII, each
// byte of a non-ASCII character is written as \XX, as nginx's
// $ssl_client_s_dn and HAProxy's ssl_c_s_dn(,0,rfc2253) write it. Without it,
// UTF-8 is written as is, as Envoy's %DOWNSTREAM_PEER_SUBJECT% writes it.
// TestPredictSameIssuerEverySpelling lists these spellings.
func rfc2253(t *testing.T, rawName []byte, escapeNonASCII bool) string {
	t.Helper()
	var rdns pkix.RDNSequence
	rest, err := asn1.Unmarshal(rawName, &rdns)
	require.NoError(t, err)
	require.Empty(t, rest)

	var b strings.Builder
	for i := len(rdns) - 1; i >= 0; i-- {
		for j, attribute := range rdns[i] {
			switch {
			case j > 0:
				b.WriteByte('+')
			case i < len(rdns)-1:
				b.WriteByte(',')
			}
			name, ok := attributeNames[attribute.Type.String()]
			require.True(t, ok, "no short name for attribute type %s", attribute.Type)
			value, ok := attribute.Value.(string)
			require.True(t, ok, "attribute %s is not a string", name)
			b.WriteString(name + "=" + escapeRFC2253(value, escapeNonASCII))
		}
	}
	return b.String()
}

func escapeRFC2253(value string, escapeNonASCII bool) string {
	var b strings.Builder
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case strings.IndexByte(`,+"\<>;`, c) >= 0,
			i == 0 && (c == '#' || c == ' '),
			i == len(value)-1 && c == ' ':
			b.WriteByte('\\')
			b.WriteByte(c)
		case escapeNonASCII && c >= 0x80:
			fmt.Fprintf(&b, `\%02X`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// serialBytes returns the content octets of a serial number's DER INTEGER,
// with the leading zero byte that a positive number whose first bit is set
// needs.
func serialBytes(serial *big.Int) []byte {
	magnitude := serial.Bytes()
	if len(magnitude) == 0 || magnitude[0]&0x80 != 0 {
		return append([]byte{0}, magnitude...)
	}
	return magnitude
}

// percentEncode writes every byte other than a letter, a digit and -._~ as
// %XX, such as %20 for a space and %0A for a line end, as nginx's
// $ssl_client_escaped_cert and Envoy's %DOWNSTREAM_PEER_CERT% encode PEM.
// NOTE: which other bytes each proxy leaves as they are is not modeled, which
// is harmless because both parsers decode any %XX.
func percentEncode(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// jsonLine encodes fields as one JSON object without HTML escaping, as
// nginx's escape=json and Envoy's json_format write it.
func jsonLine(t *testing.T, fields map[string]string) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(fields))
	return strings.TrimSuffix(b.String(), "\n")
}

// nginxLine spells a request of a client with leaf as nginx's
// RecommendedLogFormat logs it.
func nginxLine(t *testing.T, leaf issued, withLeaf bool) string {
	t.Helper()
	fields := map[string]string{
		"msec":                 "1772366400.000",
		"connection":           "1041",
		"connection_requests":  "1",
		"remote_addr":          "198.51.100.23",
		"remote_port":          "51734",
		"ssl_protocol":         "TLSv1.3",
		"ssl_cipher":           "TLS_AES_128_GCM_SHA256",
		"ssl_server_name":      "api.example.com",
		"ssl_client_verify":    "SUCCESS",
		"ssl_client_s_dn":      rfc2253(t, leaf.cert.RawSubject, true),
		"ssl_client_i_dn":      rfc2253(t, leaf.cert.RawIssuer, true),
		"ssl_client_serial":    strings.ToUpper(fmt.Sprintf("%x", leaf.cert.SerialNumber.Bytes())),
		"ssl_client_v_end":     leaf.cert.NotAfter.UTC().Format("Jan _2 15:04:05 2006 GMT"),
		"status":               "200",
		"request_time":         "0.031",
		"upstream_header_time": "0.027",
		"request":              "GET /v1/status HTTP/1.1",
		"body_bytes_sent":      "88",
		"http_user_agent":      "curl/8.11.1",
		"http_x_forwarded_for": "",
	}
	if withLeaf {
		fields["ssl_client_escaped_cert"] = percentEncode(leaf.pem())
	}
	return jsonLine(t, fields)
}

// envoyLine spells a connection of a client with leaf as the listener
// access log of package envoy logs it.
func envoyLine(t *testing.T, leaf issued, withLeaf bool) string {
	t.Helper()
	fields := map[string]string{
		"start_time":                          "2026-03-01T12:00:00.000Z",
		"connection_id":                       "4711",
		"downstream_remote_address":           "198.51.100.23:51734",
		"requested_server_name":               "api.example.com",
		"downstream_tls_version":              "TLSv1.3",
		"downstream_tls_cipher":               "TLS_AES_128_GCM_SHA256",
		"downstream_peer_subject":             rfc2253(t, leaf.cert.RawSubject, false),
		"downstream_peer_issuer":              rfc2253(t, leaf.cert.RawIssuer, false),
		"downstream_peer_serial":              fmt.Sprintf("%x", leaf.cert.SerialNumber.Bytes()),
		"downstream_peer_cert_v_end":          leaf.cert.NotAfter.UTC().Format("2006-01-02T15:04:05.000Z"),
		"downstream_transport_failure_reason": "-",
		"response_flags":                      "-",
		"duration":                            "30512",
		"bytes_sent":                          "18233",
	}
	if withLeaf {
		fields["downstream_peer_cert"] = percentEncode(leaf.pem())
	}
	return jsonLine(t, fields)
}

// haproxyLine spells a request of a client with leaf as HAProxy logs it with
// haproxy.RecommendedLogFormatWithCertificate, or with
// haproxy.RecommendedLogFormat when withLeaf is false.
func haproxyLine(t *testing.T, leaf issued, withLeaf bool) string {
	t.Helper()
	// The +E option writes '"', '\' and ']' with a backslash before them.
	escapeE := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`)
	notAfter := leaf.cert.NotAfter.UTC()
	require.Less(t, notAfter.Year(), 2050, "ssl_c_notafter is a GeneralizedTime from 2050")

	line := `198.51.100.23:51734 [01/Mar/2026:12:00:00.000] fe_mtls~ be_app/app1 0/0/1/27/31 200 88 - - ---- ` +
		`1/1/0/0/0 0/0 "GET /v1/status HTTP/1.1" 0/0000000000000000/0/0/0 api.example.com/TLSv1.3/TLS_AES_128_GCM_SHA256 ` +
		`2 1/0 ` + strings.ToUpper(fmt.Sprintf("%x", serialBytes(leaf.cert.SerialNumber))) + ` ` +
		notAfter.Format("060102150405Z") + ` ` +
		`"` + escapeE.Replace(rfc2253(t, leaf.cert.RawSubject, true)) + `" ` +
		`"` + escapeE.Replace(rfc2253(t, leaf.cert.RawIssuer, true)) + `" "" "curl/8.11.1"`
	if withLeaf {
		line += " " + base64.StdEncoding.EncodeToString(leaf.cert.Raw)
	}
	return line
}

// recordReader is the Read method of a terminator log reader.
type recordReader interface {
	Read(*terminator.Record) error
}

// readRecord reads the first line with reader and fails the test unless the
// line is a record.
func readRecord(t *testing.T, reader recordReader) terminator.Record {
	t.Helper()
	var rec terminator.Record
	require.NoError(t, reader.Read(&rec))
	return rec
}

// proxySpellings are the terminators, each with how it logs a client's
// request and how its parser reads the line.
var proxySpellings = []struct {
	proxy string
	line  func(t *testing.T, leaf issued, withLeaf bool) string
	read  func(line string) recordReader
}{
	{"nginx", nginxLine, func(line string) recordReader { return nginx.NewAccessReader(strings.NewReader(line)) }},
	{"Envoy", envoyLine, func(line string) recordReader { return envoy.NewReader(strings.NewReader(line)) }},
	{"HAProxy", haproxyLine, func(line string) recordReader {
		return haproxy.NewReader(strings.NewReader(line), haproxy.Options{Location: time.UTC})
	}},
}

// identityOf builds the Identity that cutover preflight reads from the
// terminator_tls columns of rec: the canonical subject, serial and issuer,
// cert_not_after and cert_pem.
func identityOf(rec terminator.Record) Identity {
	return Identity{
		Subject:  rec.Subject.String,
		Serial:   rec.Serial.String,
		Issuer:   rec.Issuer.String,
		NotAfter: rec.CertNotAfter.Time,
		LeafPEM:  rec.CertPEM.String,
	}
}

// TestPredictSameForEveryProxy logs each certificate as nginx, Envoy and
// HAProxy spell it, parses the lines with the packages that cutover ingests
// them with, and checks that each proxy's record leads to the same
// prediction. Every line logs a passed verification, whatever the
// certificate, because the prediction does not read that result.
func TestPredictSameForEveryProxy(t *testing.T) {
	pki := newTestPKI(t)
	leafSpec := func(cn string) certSpec { return certSpec{subject: clientName(cn)} }
	withSpec := func(spec certSpec, change func(*certSpec)) certSpec { change(&spec); return spec }

	cases := []struct {
		name string
		leaf issued
		// wantLeaf is the prediction from a line with the leaf certificate,
		// and wantFields the one from a line without it.
		wantLeaf, wantFields             Verdict
		wantLeafStatus, wantFieldsStatus string
	}{
		{
			// 200 is 0xC8, whose DER INTEGER needs a leading zero byte, which
			// HAProxy's ssl_c_serial logs and nginx and Envoy do not.
			name: "valid", leaf: issue(t, withSpec(leafSpec("proxy-valid"), func(s *certSpec) { s.serial = 200 }), &pki.issuing),
			wantLeaf: Accept, wantLeafStatus: StatusSuccess, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
		{
			name: "expired", leaf: issue(t, withSpec(leafSpec("proxy-expired"), func(s *certSpec) {
				s.notBefore, s.notAfter = judgeAt.AddDate(-1, 0, 0), judgeAt.AddDate(0, 0, -1)
			}), &pki.issuing),
			wantLeaf: Reject, wantLeafStatus: StatusExpired, wantFields: Reject, wantFieldsStatus: StatusExpired,
		},
		{
			name: "revoked serial", leaf: issue(t, withSpec(leafSpec("proxy-revoked"), func(s *certSpec) { s.serial = pki.revokedSerial }), &pki.issuing),
			wantLeaf: Reject, wantLeafStatus: StatusCrlHit, wantFields: Reject, wantFieldsStatus: StatusCrlHit,
		},
		{
			name: "issuer not in trust store", leaf: issue(t, leafSpec("proxy-partner"), &pki.partnerIssuing),
			wantLeaf: Reject, wantLeafStatus: StatusUntrusted, wantFields: Reject, wantFieldsStatus: StatusUntrusted,
		},
		{
			name: "chain of five certificates", leaf: issue(t, leafSpec("proxy-deep"), &pki.depth3),
			wantLeaf: Reject, wantLeafStatus: StatusMaxChainDepthExceeded,
			wantFields: Reject, wantFieldsStatus: StatusMaxChainDepthExceeded,
		},
		{
			// Only the leaf shows the key type.
			name: "Ed25519 leaf", leaf: issue(t, withSpec(leafSpec("proxy-ed25519"), func(s *certSpec) { s.key = newEd25519Key(t) }), &pki.issuing),
			wantLeaf: Reject, wantLeafStatus: StatusTypeUnsupported, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
		{
			// Only the leaf shows the start of validity.
			name: "not yet valid", leaf: issue(t, withSpec(leafSpec("proxy-future"), func(s *certSpec) {
				s.notBefore, s.notAfter = judgeAt.AddDate(0, 0, 1), judgeAt.AddDate(1, 0, 0)
			}), &pki.issuing),
			wantLeaf: Reject, wantLeafStatus: StatusNotYetValid, wantFields: Accept, wantFieldsStatus: StatusSuccess,
		},
	}

	predictor := pki.predictor(t, false)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := fieldsOf(t, tc.leaf)
			want.Issuer = canonicalIssuer(t, tc.leaf.cert)

			for _, withLeaf := range []bool{true, false} {
				wantVerdict, wantStatus, wantLeafPEM := tc.wantFields, tc.wantFieldsStatus, ""
				if withLeaf {
					wantVerdict, wantStatus, wantLeafPEM = tc.wantLeaf, tc.wantLeafStatus, tc.leaf.pem()
				}
				for _, spelling := range proxySpellings {
					source := fmt.Sprintf("%s, leaf logged: %t", spelling.proxy, withLeaf)
					line := spelling.line(t, tc.leaf, withLeaf)
					rec := readRecord(t, spelling.read(line))
					client := identityOf(rec)

					assert.Equal(t, want.Subject, client.Subject, "%s: subject", source)
					assert.Equal(t, want.Serial, client.Serial, "%s: serial", source)
					assert.Equal(t, want.Issuer, client.Issuer, "%s: issuer", source)
					assert.True(t, want.NotAfter.Equal(client.NotAfter), "%s: not after %v, want %v", source, client.NotAfter, want.NotAfter)
					assert.Equal(t, wantLeafPEM, client.LeafPEM, "%s: leaf PEM", source)

					got := predictor.Predict(client)
					assert.Equal(t, wantVerdict, got.Verdict, "%s: verdict: %s", source, got.Explanation)
					assert.Equal(t, wantStatus, got.Status, "%s: status: %s", source, got.Explanation)
				}
			}
		})
	}
}

// canonicalIssuer returns the identity form of cert's issuer, which each
// parser stores in Record.Issuer.
func canonicalIssuer(t *testing.T, cert *x509.Certificate) string {
	t.Helper()
	issuer, err := canonicalName(cert.RawIssuer)
	require.NoError(t, err)
	return issuer
}
