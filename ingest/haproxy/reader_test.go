package haproxy

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin and America/New_York on hosts without a zoneinfo database

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

func str(s string) sql.NullString   { return sql.NullString{String: s, Valid: true} }
func i32(n int32) sql.NullInt32     { return sql.NullInt32{Int32: n, Valid: true} }
func i64(n int64) sql.NullInt64     { return sql.NullInt64{Int64: n, Valid: true} }
func f64(f float64) sql.NullFloat64 { return sql.NullFloat64{Float64: f, Valid: true} }
func at(s string) sql.NullTime      { return sql.NullTime{Time: utc(s), Valid: true} }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func modified(rec terminator.Record, change func(*terminator.Record)) terminator.Record {
	change(&rec)
	return rec
}

// readOne reads the first line of input with opts and checks that Line
// returns 1.
func readOne(t *testing.T, input string, opts Options) (terminator.Record, error) {
	t.Helper()
	r := NewReader(strings.NewReader(input), opts)
	var rec terminator.Record
	err := r.Read(&rec)
	assert.Equal(t, 1, r.Line(), "line number")
	return rec, err
}

const (
	subject = "CN=payments-client.example.org,O=Example Payments,C=US"
	issuer  = "CN=Example Issuing CA 1,O=Example Payments,C=US"
)

// plainLine is an httpslog line of a verified client's request.
const plainLine = `198.51.100.23:51734 [03/Dec/2026:14:00:01.123] fe_mtls~ be_payments/app1 0/0/1/45/48 201 512 - - ---- ` +
	`12/12/3/1/0 0/0 "POST /v1/payments HTTP/1.1" 0/0000000000000000/0/0/0 payments.example.com/TLSv1.3/TLS_AES_128_GCM_SHA256`

var plainRecord = terminator.Record{
	Source:             terminator.SourceHAProxy,
	Kind:               terminator.KindRequest,
	Time:               utc("2026-12-03T14:00:01.171Z"),
	ClientIP:           "198.51.100.23",
	ClientPort:         i32(51734),
	SNI:                str("payments.example.com"),
	TLSProtocol:        str("TLSv1.3"),
	TLSCipher:          str("TLS_AES_128_GCM_SHA256"),
	VerifyRaw:          str("0/0000000000000000/0/0/0"),
	Outcome:            "ok",
	Method:             str("POST"),
	URI:                str("/v1/payments"),
	Status:             i32(201),
	BytesSent:          i64(512),
	RequestTime:        f64(0.048),
	UpstreamHeaderTime: f64(0.045),
}

// certificateFields are the fields that RecommendedLogFormat adds, for a
// verified client without X-Forwarded-For.
const certificateFields = `2 1/0 4C1A7E0093B2F5D8 270104080000Z "` + subject + `" "` + issuer + `" "" "payments-sdk/4.2.1 (linux; go1.26)"`

// recommendedLine is plainLine in RecommendedLogFormat.
const recommendedLine = plainLine + " " + certificateFields

var recommendedRecord = modified(plainRecord, func(r *terminator.Record) {
	r.VerifyRaw = str("0/0000000000000000/0/0/0 1/0")
	r.SubjectRaw = str(subject)
	r.IssuerRaw = str(issuer)
	r.SerialRaw = str("4C1A7E0093B2F5D8")
	r.Subject = str(subject)
	r.Issuer = str(issuer)
	r.Serial = str("4C1A7E0093B2F5D8")
	r.CertNotAfter = at("2027-01-04T08:00:00Z")
	r.UserAgent = str("payments-sdk/4.2.1 (linux; go1.26)")
	r.HandshakeTime = f64(0.002)
})

// replaced returns line with the first old replaced by new, and fails the
// test when line has no old.
func replaced(t *testing.T, line, old, new string) string {
	t.Helper()
	require.Contains(t, line, old)
	return strings.Replace(line, old, new, 1)
}

func TestReadHTTPLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		want terminator.Record
	}{
		{
			name: "httpslog verified",
			line: plainLine,
			want: plainRecord,
		},
		{
			name: "recommended verified",
			line: recommendedLine,
			want: recommendedRecord,
		},
		{
			name: "request and response captures",
			line: replaced(t, plainLine, "0/0 ", "0/0 {payments.example.com|payments-sdk/4.2.1 (linux; go1.26)} {} "),
			want: plainRecord,
		},
		{
			name: "request capture only",
			line: replaced(t, plainLine, "0/0 ", "0/0 {payments.example.com} "),
			want: plainRecord,
		},
		{
			name: "IPv6 client",
			line: replaced(t, plainLine, "198.51.100.23:51734", "2001:db8:85a3::8a2e:370:7334:60211"),
			want: modified(plainRecord, func(r *terminator.Record) {
				r.ClientIP = "2001:db8:85a3::8a2e:370:7334"
				r.ClientPort = i32(60211)
			}),
		},
		{
			name: "IPv4-mapped client kept as logged",
			line: replaced(t, plainLine, "198.51.100.23:51734", "::ffff:198.51.100.23:51734"),
			want: modified(plainRecord, func(r *terminator.Record) { r.ClientIP = "::ffff:198.51.100.23" }),
		},
		{
			name: "option logasap",
			line: replaced(t, replaced(t, plainLine, "0/0/1/45/48 201 512", "0/0/1/45/+48 201 +512"), "12/12/3/1/0", "12/12/3/1/+0"),
			want: plainRecord,
		},
		{
			name: "no response from the server",
			line: replaced(t, replaced(t, plainLine, "0/0/1/45/48 201 512 - - ----", "0/0/1/-1/30000 -1 0 - - CD--"), `"POST`, `"GET`),
			want: modified(plainRecord, func(r *terminator.Record) {
				r.Time = utc("2026-12-03T14:00:31.123Z")
				r.Method = str("GET")
				r.Status = sql.NullInt32{}
				r.BytesSent = i64(0)
				r.RequestTime = f64(30)
				r.UpstreamHeaderTime = sql.NullFloat64{}
				r.Detail = str("termination state: CD--")
			}),
		},
		{
			name: "no server",
			line: replaced(t, plainLine, "be_payments/app1 0/0/1/45/48 201 512 - - ----", "be_payments/<NOSRV> 0/-1/-1/-1/1003 503 217 - - SC--"),
			want: modified(plainRecord, func(r *terminator.Record) {
				r.Time = utc("2026-12-03T14:00:02.126Z")
				r.Status = i32(503)
				r.BytesSent = i64(217)
				r.RequestTime = f64(1.003)
				r.UpstreamHeaderTime = sql.NullFloat64{}
				r.Detail = str("termination state: SC--")
			}),
		},
		{
			name: "bad request",
			line: replaced(t, replaced(t, plainLine, "0/0/1/45/48 201", "-1/-1/-1/-1/0 400"), `"POST /v1/payments HTTP/1.1"`, `"<BADREQ>"`),
			want: modified(plainRecord, func(r *terminator.Record) {
				r.Time = utc("2026-12-03T14:00:01.123Z")
				r.Method, r.URI = sql.NullString{}, sql.NullString{}
				r.Status = i32(400)
				r.RequestTime = f64(0)
				r.UpstreamHeaderTime = sql.NullFloat64{}
			}),
		},
		{
			name: "HTTP/2 request with absolute URI",
			line: replaced(t, plainLine, `"POST /v1/payments HTTP/1.1"`, `"GET https://payments.example.com/v1/status?x=1 HTTP/2.0"`),
			want: modified(plainRecord, func(r *terminator.Record) {
				r.Method = str("GET")
				r.URI = str("https://payments.example.com/v1/status?x=1")
			}),
		},
		{
			name: "request line without version",
			line: replaced(t, plainLine, `"POST /v1/payments HTTP/1.1"`, `"GET /v1/a b"`),
			want: modified(plainRecord, func(r *terminator.Record) {
				r.Method = str("GET")
				r.URI = str("/v1/a b")
			}),
		},
		{
			name: "request line with encoded quote",
			line: replaced(t, plainLine, `"POST /v1/payments HTTP/1.1"`, `"GET /v1/#22quoted#22 HTTP/1.1"`),
			want: modified(plainRecord, func(r *terminator.Record) {
				r.Method = str("GET")
				r.URI = str("/v1/#22quoted#22")
			}),
		},
		{
			name: "connection without TLS",
			line: replaced(t, replaced(t, plainLine, "fe_mtls~", "fe_plain"), "0/0000000000000000/0/0/0 payments.example.com/TLSv1.3/TLS_AES_128_GCM_SHA256", "0/-/-/-/- -/-/-"),
			want: modified(plainRecord, func(r *terminator.Record) {
				r.SNI, r.TLSProtocol, r.TLSCipher = sql.NullString{}, sql.NullString{}, sql.NullString{}
				r.VerifyRaw = str("0/-/-/-/-")
				r.Outcome = ""
			}),
		},
		{
			name: "TLS without SNI",
			line: replaced(t, plainLine, "payments.example.com/TLSv1.3", "-/TLSv1.3"),
			want: modified(plainRecord, func(r *terminator.Record) { r.SNI = sql.NullString{} }),
		},
		{
			name: "resumed session",
			line: replaced(t, plainLine, "0/0000000000000000/0/0/0", "0/0000000000000000/0/0/1"),
			want: modified(plainRecord, func(r *terminator.Record) { r.VerifyRaw = str("0/0000000000000000/0/0/1") }),
		},
		{
			name: "handshake error code in detail",
			line: replaced(t, plainLine, "0/0000000000000000/0/0/0", "0/000000000A000086/0/0/0"),
			want: modified(plainRecord, func(r *terminator.Record) {
				r.VerifyRaw = str("0/000000000A000086/0/0/0")
				r.Detail = str("ssl_fc_err: 000000000A000086")
			}),
		},
		{
			name: "short hex zero",
			line: replaced(t, plainLine, "0/0000000000000000/0/0/0", "0/0/0/0/0"),
			want: modified(plainRecord, func(r *terminator.Record) { r.VerifyRaw = str("0/0/0/0/0") }),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := readOne(t, tt.line+"\n", Options{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, rec)
		})
	}
}

func TestReadHTTPOutcome(t *testing.T) {
	tests := []struct {
		name      string
		codes     string // fc_err/ssl_fc_err/ssl_c_err/ssl_c_ca_err/ssl_fc_is_resumed
		useVerify string // ssl_c_used/ssl_c_verify, "" for the httpslog layout
		want      string
	}{
		{name: "httpslog completed handshake", codes: "0/0000000000000000/0/0/0", want: "ok"},
		{name: "httpslog expired leaf", codes: "0/0000000000000000/10/0/0", want: "expired"},
		{name: "httpslog untrusted chain", codes: "0/0000000000000000/0/20/0", want: "untrusted"},
		{name: "httpslog leaf before chain", codes: "0/0000000000000000/10/20/0", want: "expired"},
		{name: "httpslog revoked leaf", codes: "0/0000000000000000/23/0/0", want: "revoked"},
		{name: "httpslog unknown code", codes: "0/0000000000000000/999/0/0", want: "other"},
		{name: "httpslog fc_err of a failed handshake", codes: "34/0000000000000000/0/0/0", want: "handshake_error"},
		{name: "httpslog fc_err unset", codes: "-/0000000000000000/0/0/0", want: ""},
		{name: "recommended verified", codes: "0/0000000000000000/0/0/0", useVerify: "1/0", want: "ok"},
		{name: "recommended no certificate", codes: "0/0000000000000000/0/0/0", useVerify: "0/0", want: "no_cert"},
		{name: "recommended verify result", codes: "0/0000000000000000/0/0/0", useVerify: "1/23", want: "revoked"},
		{name: "recommended leaf before verify result", codes: "0/0000000000000000/10/0/0", useVerify: "1/23", want: "expired"},
		{name: "recommended chain before verify result", codes: "0/0000000000000000/0/19/0", useVerify: "1/23", want: "untrusted"},
		{name: "recommended verify result before no certificate", codes: "0/0000000000000000/0/0/0", useVerify: "0/50", want: "rejected"},
		{name: "recommended fetches failed", codes: "0/0000000000000000/0/0/0", useVerify: "-/-", want: "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := replaced(t, plainLine, "0/0000000000000000/0/0/0", tt.codes)
			wantRaw := tt.codes
			if tt.useVerify != "" {
				line += " " + replaced(t, certificateFields, "1/0", tt.useVerify)
				wantRaw += " " + tt.useVerify
			}
			rec, err := readOne(t, line, Options{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, rec.Outcome)
			assert.Equal(t, str(wantRaw), rec.VerifyRaw)
		})
	}
}

func TestReadRecommendedFields(t *testing.T) {
	tests := []struct {
		name   string
		fields string
		change func(*terminator.Record)
	}{
		{
			name:   "no client certificate",
			fields: `9 0/0 - - "" "" "" "legacy-batch/1.0"`,
			change: func(r *terminator.Record) {
				r.VerifyRaw = str("0/0000000000000000/0/0/0 0/0")
				r.Outcome = "no_cert"
				r.SubjectRaw, r.IssuerRaw, r.SerialRaw = sql.NullString{}, sql.NullString{}, sql.NullString{}
				r.Subject, r.Issuer, r.Serial = sql.NullString{}, sql.NullString{}, sql.NullString{}
				r.CertNotAfter = sql.NullTime{}
				r.UserAgent = str("legacy-batch/1.0")
				r.HandshakeTime = f64(0.009)
			},
		},
		{
			name:   "forwarded for",
			fields: replaced(t, certificateFields, `"" "payments`, `"203.0.113.9, 10.0.1.5" "payments`),
			change: func(r *terminator.Record) { r.ForwardedFor = str("203.0.113.9, 10.0.1.5") },
		},
		{
			name:   "escaped quotes backslashes and brackets",
			fields: `2 1/0 4C1A7E0093B2F5D8 270104080000Z "CN=O\\\"Brien\\, Pat,O=Example\\, Inc.,C=US" "` + issuer + `" "[2001:db8::9\]" "curl/8.11.1 \"probe\""`,
			change: func(r *terminator.Record) {
				r.SubjectRaw = str(`CN=O\"Brien\, Pat,O=Example\, Inc.,C=US`)
				r.Subject = str(`CN=O\"Brien\, Pat,O=Example\, Inc.,C=US`)
				r.ForwardedFor = str("[2001:db8::9]")
				r.UserAgent = str(`curl/8.11.1 "probe"`)
			},
		},
		{
			name:   "serial with sign byte",
			fields: replaced(t, certificateFields, "4C1A7E0093B2F5D8", "00FEF257372D5C14D4"),
			change: func(r *terminator.Record) {
				r.SerialRaw = str("00FEF257372D5C14D4")
				r.Serial = str("FEF257372D5C14D4")
			},
		},
		{
			name:   "not after as GeneralizedTime",
			fields: replaced(t, certificateFields, "270104080000Z", "20510101000000Z"),
			change: func(r *terminator.Record) { r.CertNotAfter = at("2051-01-01T00:00:00Z") },
		},
		{
			name:   "not after in the 1900s",
			fields: replaced(t, certificateFields, "270104080000Z", "991231235959Z"),
			change: func(r *terminator.Record) { r.CertNotAfter = at("1999-12-31T23:59:59Z") },
		},
		{
			name:   "not after of another shape kept out",
			fields: replaced(t, certificateFields, "270104080000Z", "2701040800Z"),
			change: func(r *terminator.Record) { r.CertNotAfter = sql.NullTime{} },
		},
		{
			name:   "not after with impossible date kept out",
			fields: replaced(t, certificateFields, "270104080000Z", "270230080000Z"),
			change: func(r *terminator.Record) { r.CertNotAfter = sql.NullTime{} },
		},
		{
			name:   "subject that identity cannot read",
			fields: replaced(t, certificateFields, `"`+subject+`"`, `"C = US, CN = x"`),
			change: func(r *terminator.Record) {
				r.SubjectRaw = str("C = US, CN = x")
				r.Subject = sql.NullString{}
			},
		},
		{
			name:   "quoted dash is a value",
			fields: replaced(t, certificateFields, `"payments-sdk/4.2.1 (linux; go1.26)"`, `"-"`),
			change: func(r *terminator.Record) { r.UserAgent = str("-") },
		},
		{
			name:   "handshake time not measured",
			fields: replaced(t, certificateFields, "2 1/0", "-1 1/0"),
			change: func(r *terminator.Record) { r.HandshakeTime = sql.NullFloat64{} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := readOne(t, plainLine+" "+tt.fields, Options{})
			require.NoError(t, err)
			assert.Equal(t, modified(recommendedRecord, tt.change), rec)
		})
	}
}

// newCertificateDER returns the DER of a self-signed client certificate with
// the subject and serial number of certificateFields.
func newCertificateDER(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	serial, ok := new(big.Int).SetString("4C1A7E0093B2F5D8", 16)
	require.True(t, ok)
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "payments-client.example.org", Organization: []string{"Example Payments"}, Country: []string{"US"}},
		NotBefore:    utc("2026-01-04T08:00:00Z"),
		NotAfter:     utc("2027-01-04T08:00:00Z"),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, key.Public(), key)
	require.NoError(t, err)
	return der
}

func TestReadCertificate(t *testing.T) {
	der := newCertificateDER(t)
	encoded := base64.StdEncoding.EncodeToString(der)
	wantPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	sequenceWithTrailingByte := base64.StdEncoding.EncodeToString(append(append([]byte{}, der...), 0))

	tests := []struct {
		name  string
		value string
		want  sql.NullString
	}{
		{name: "certificate", value: encoded, want: str(wantPEM)},
		{name: "no certificate", value: "-"},
		{name: "not base64", value: "MIIB*not-base64*"},
		{name: "cut at a multiple of four", value: encoded[:len(encoded)/8*4]},
		{name: "cut inside a group of four", value: encoded[:len(encoded)-3]},
		{name: "base64 of another ASN.1 type", value: base64.StdEncoding.EncodeToString([]byte{0x02, 0x01, 0x05})},
		{name: "text after the DER", value: sequenceWithTrailingByte},
		{name: "base64 of nothing", value: "===="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := readOne(t, recommendedLine+" "+tt.value, Options{})
			require.NoError(t, err)
			assert.Equal(t, modified(recommendedRecord, func(r *terminator.Record) { r.CertPEM = tt.want }), rec)
		})
	}
}

func TestReadCertificateDecodesToLeaf(t *testing.T) {
	der := newCertificateDER(t)
	rec, err := readOne(t, recommendedLine+" "+base64.StdEncoding.EncodeToString(der), Options{})
	require.NoError(t, err)

	block, rest := pem.Decode([]byte(rec.CertPEM.String))
	require.NotNil(t, block)
	assert.Empty(t, rest)
	assert.Equal(t, "CERTIFICATE", block.Type)
	leaf, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	assert.Equal(t, rec.Subject.String, leaf.Subject.String())
	assert.Equal(t, rec.CertNotAfter.Time, leaf.NotAfter)
	assert.Equal(t, rec.Serial.String, strings.ToUpper(leaf.SerialNumber.Text(16)))
}

// connErrorLine is a connection error log line of a client whose certificate
// verification failed.
const connErrorLine = `203.0.113.77:40112 [03/Dec/2026:14:00:02.480] fe_mtls/1: SSL client certificate not trusted`

var connErrorRecord = terminator.Record{
	Source:     terminator.SourceHAProxy,
	Kind:       terminator.KindHandshake,
	Time:       utc("2026-12-03T14:00:02.480Z"),
	ClientIP:   "203.0.113.77",
	ClientPort: i32(40112),
	VerifyRaw:  str("SSL client certificate not trusted"),
	Outcome:    "untrusted",
}

func TestReadConnectionError(t *testing.T) {
	tests := []struct {
		name    string
		message string
		outcome string
		detail  sql.NullString
	}{
		{name: "client certificate not trusted", message: "SSL client certificate not trusted", outcome: "untrusted"},
		{name: "chain cannot be verified", message: "SSL client CA chain cannot be verified", outcome: "untrusted"},
		{name: "handshake failure", message: "SSL handshake failure", outcome: "handshake_error"},
		{
			name:    "handshake failure with OpenSSL error",
			message: "SSL handshake failure (error:0A0000C1:SSL routines::no shared cipher)",
			outcome: "handshake_error",
			detail:  str("error:0A0000C1:SSL routines::no shared cipher"),
		},
		{name: "closed during handshake", message: "Connection closed during SSL handshake", outcome: "handshake_error"},
		{name: "timeout during handshake", message: "Timeout during SSL handshake", outcome: "handshake_error"},
		{name: "error during handshake", message: "Connection error during SSL handshake", outcome: "handshake_error"},
		{name: "PROXY protocol error", message: "Received something which does not look like a PROXY protocol header", outcome: "other"},
		{name: "unknown error", message: "unknown connection error (code=52 flags=00000300)", outcome: "other"},
		{name: "parentheses without OpenSSL error", message: "Stopped a TLSv1 heartbeat attack (CVE-2014-0160)", outcome: "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := replaced(t, connErrorLine, "SSL client certificate not trusted", tt.message)
			rec, err := readOne(t, line, Options{})
			require.NoError(t, err)
			assert.Equal(t, modified(connErrorRecord, func(r *terminator.Record) {
				r.VerifyRaw = str(tt.message)
				r.Outcome = tt.outcome
				r.Detail = tt.detail
			}), rec)
		})
	}
}

func TestReadConnectionErrorFields(t *testing.T) {
	tests := []struct {
		name string
		line string
		want terminator.Record
	}{
		{
			name: "named bind line",
			line: replaced(t, connErrorLine, "fe_mtls/1:", "fe_mtls/pub-443:"),
			want: connErrorRecord,
		},
		{
			name: "IPv6 client",
			line: replaced(t, connErrorLine, "203.0.113.77:40112", "2001:db8::5:40112"),
			want: modified(connErrorRecord, func(r *terminator.Record) { r.ClientIP = "2001:db8::5" }),
		},
		{
			name: "colon in message",
			line: replaced(t, connErrorLine, "SSL client certificate not trusted", "SSL handshake failure (error:0A00010B:SSL routines::wrong version number)"),
			want: modified(connErrorRecord, func(r *terminator.Record) {
				r.VerifyRaw = str("SSL handshake failure (error:0A00010B:SSL routines::wrong version number)")
				r.Outcome = "handshake_error"
				r.Detail = str("error:0A00010B:SSL routines::wrong version number")
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := readOne(t, tt.line, Options{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, rec)
		})
	}
}

func TestReadSyslogPrefix(t *testing.T) {
	prefixes := []struct {
		name   string
		prefix string
	}{
		{name: "none", prefix: ""},
		{name: "RFC 3164 with priority", prefix: "<134>Dec  3 14:00:01 lb-1 haproxy[2290]: "},
		{name: "RFC 3164 as syslog writes it to a file", prefix: "Dec  3 14:00:01 lb-1 haproxy[2290]: "},
		{name: "two-digit day", prefix: "Dec 13 14:00:01 lb-1 haproxy[2290]: "},
		{name: "tag without host", prefix: "<134>Dec  3 14:00:01 haproxy[2290]: "},
		{name: "tag without pid", prefix: "Dec  3 14:00:01 lb-1 haproxy: "},
		{name: "host without tag", prefix: "Dec  3 14:00:01 lb-1 "},
		{name: "timestamp only", prefix: "Dec  3 14:00:01 "},
		{name: "RFC 3339 timestamp", prefix: "2026-12-03T14:00:01.171789+00:00 lb-1 haproxy[2290]: "},
		{name: "priority only", prefix: "<134>"},
		{name: "RFC 5424", prefix: "<134>1 2026-12-03T14:00:01.171789+00:00 lb-1 haproxy 2290 - - "},
		{name: "RFC 5424 with nil values", prefix: "<134>1 - - - - - - "},
		{name: "RFC 5424 with structured data", prefix: `<134>1 2026-12-03T14:00:01.171789Z lb-1 haproxy 2290 - [meta sequenceId="7" note="a\]b"][origin ip="10.0.0.5"] `},
		{name: "RFC 5424 with byte order mark", prefix: "<134>1 2026-12-03T14:00:01.171789Z lb-1 haproxy 2290 - - \uFEFF"},
	}
	for _, p := range prefixes {
		t.Run(p.name+" HTTP log", func(t *testing.T) {
			rec, err := readOne(t, p.prefix+plainLine, Options{})
			require.NoError(t, err)
			assert.Equal(t, plainRecord, rec)
		})
		t.Run(p.name+" connection error", func(t *testing.T) {
			rec, err := readOne(t, p.prefix+connErrorLine, Options{})
			require.NoError(t, err)
			assert.Equal(t, connErrorRecord, rec)
		})
	}
}

func TestReadLocalTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	newYork, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)

	tests := []struct {
		name     string
		location *time.Location
		line     string
		want     time.Time
	}{
		{name: "default UTC", location: nil, line: plainLine, want: utc("2026-12-03T14:00:01.171Z")},
		{name: "winter time CET", location: berlin, line: plainLine, want: utc("2026-12-03T13:00:01.171Z")},
		{
			name:     "summer time CEST",
			location: berlin,
			line:     replaced(t, plainLine, "03/Dec/2026", "03/Jul/2026"),
			want:     utc("2026-07-03T12:00:01.171Z"),
		},
		{name: "west of UTC", location: newYork, line: plainLine, want: utc("2026-12-03T19:00:01.171Z")},
		{name: "fixed offset", location: time.FixedZone("UTC+0530", 5*3600+1800), line: plainLine, want: utc("2026-12-03T08:30:01.171Z")},
		{name: "connection error accept date", location: berlin, line: connErrorLine, want: utc("2026-12-03T13:00:02.480Z")},
		{
			name:     "request date across midnight",
			location: newYork,
			line:     replaced(t, plainLine, "03/Dec/2026:14:00:01.123", "31/Dec/2026:23:59:59.990"),
			want:     utc("2027-01-01T05:00:00.038Z"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := readOne(t, tt.line, Options{Location: tt.location})
			require.NoError(t, err)
			assert.Equal(t, tt.want, rec.Time)
			assert.Equal(t, time.UTC, rec.Time.Location())
		})
	}
}

func TestReadSkipsOtherMessages(t *testing.T) {
	lines := []string{
		"Proxy fe_mtls started.",
		"<133>Dec  3 13:59:58 lb-1 haproxy[2290]: Proxy fe_mtls started.",
		"Dec  3 14:00:20 lb-1 haproxy[2290]: Server be_payments/app3 is DOWN, reason: Layer4 connection problem, " +
			`info: "Connection refused", check duration: 0ms. 2 active and 0 backup servers left.`,
		"Dec  3 14:00:20 lb-1 haproxy[2290]: backend be_payments has no server available!",
		"Dec  3 14:00:21 lb-1 haproxy[2290]: Health check for server be_payments/app3 succeeded, reason: Layer7 check passed, code: 200",
		"[NOTICE]   (1) : haproxy version is 3.2.4",
		"[WARNING]  (2290) : Server be_payments/app3 is DOWN.",
		"Connect from 10.0.0.1:1234 to 10.0.0.2:443 (fe_mtls/HTTP)",
		"<134>",
		"<134>1 2026-12-03T14:00:01Z lb-1 haproxy 2290 - - Stopping frontend fe_mtls in 0 ms.",
		"198.51.100.23:51734 [03/Dec/2026 14:00:01.123] fe_mtls~ be_payments/app1",
		"198.51.100.23:51734 [03/Dec/2026:14:00:01] fe_mtls~ be_payments/app1",
		"198.51.100.23:51734 [03/Dec/2026:14:00:01.123]fe_mtls~",
	}
	for _, line := range lines {
		rec, err := readOne(t, line+"\n", Options{})
		assert.ErrorIs(t, err, ErrSkip, "%q", line)
		var parseErr *elblog.ParseError
		assert.False(t, errors.As(err, &parseErr), "%q: ErrSkip returned as a ParseError", line)
		assert.Equal(t, terminator.Record{}, rec, "%q", line)
	}
}

func TestReadInvalidLine(t *testing.T) {
	tests := []struct {
		name      string
		line      string
		field     int
		fieldName string
		sentinel  error
		message   string // "" to check only the sentinel
	}{
		{
			name:      "client not an IP address",
			line:      replaced(t, plainLine, "198.51.100.23:51734", "unix:1"),
			field:     1,
			fieldName: "%ci:%cp",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 1 (%ci:%cp): invalid value: "unix:1", expected an IP address and port such as 192.0.2.1:443 or 2001:db8::1:443`,
		},
		{
			name:      "client port out of range",
			line:      replaced(t, plainLine, "198.51.100.23:51734", "198.51.100.23:65536"),
			field:     1,
			fieldName: "%ci:%cp",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "date that does not exist",
			line:      replaced(t, plainLine, "03/Dec/2026", "31/Nov/2026"),
			field:     2,
			fieldName: "%tr",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 2 (%tr): invalid value: "31/Nov/2026:14:00:01.123", expected a date such as 03/Dec/2026:14:00:01.123`,
		},
		{
			name:      "unknown month",
			line:      replaced(t, plainLine, "03/Dec/2026", "03/Dez/2026"),
			field:     2,
			fieldName: "%tr",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "backend without server",
			line:      replaced(t, plainLine, "be_payments/app1", "be_payments"),
			field:     4,
			fieldName: "%b/%s",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "tcplog timers",
			line:      `198.51.100.23:51734 [03/Dec/2026:14:00:32.000] fe_tcp be_payments/app1 0/1/250 1204 -- 1/1/1/1/0 0/0`,
			field:     5,
			fieldName: "%TR/%Tw/%Tc/%Tr/%Ta",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 5 (%TR/%Tw/%Tc/%Tr/%Ta): invalid value: "0/1/250", expected five timers in milliseconds or -1, such as 10/0/30/69/109`,
		},
		{
			name:      "timer below -1",
			line:      replaced(t, plainLine, "0/0/1/45/48", "0/0/1/-2/48"),
			field:     5,
			fieldName: "%TR/%Tw/%Tc/%Tr/%Ta",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "timer beyond time.Duration",
			line:      replaced(t, plainLine, "0/0/1/45/48", "0/0/1/45/9300000000000000"),
			field:     5,
			fieldName: "%TR/%Tw/%Tc/%Tr/%Ta",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "status not a number",
			line:      replaced(t, plainLine, " 201 ", " OK "),
			field:     6,
			fieldName: "%ST",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "bytes not a number",
			line:      replaced(t, plainLine, " 512 ", " 5k "),
			field:     7,
			fieldName: "%B",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "doubled space",
			line:      replaced(t, plainLine, " - - ", " -  - "),
			field:     9,
			fieldName: "%CS",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "four connection counts",
			line:      replaced(t, plainLine, "12/12/3/1/0", "12/12/3/1"),
			field:     11,
			fieldName: "%ac/%fc/%bc/%sc/%rc",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 11 (%ac/%fc/%bc/%sc/%rc): invalid value: "12/12/3/1", expected 5 counts joined by '/'`,
		},
		{
			name:      "queue not a number",
			line:      replaced(t, plainLine, " 0/0 ", " 0/x "),
			field:     12,
			fieldName: "%sq/%bq",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "unclosed capture",
			line:      replaced(t, plainLine, "0/0 ", "0/0 {payments.example.com "),
			field:     13,
			fieldName: "%hr",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "request line without quotes",
			line:      replaced(t, plainLine, `"POST /v1/payments HTTP/1.1"`, `POST`),
			field:     15,
			fieldName: "%{+Q}r",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 15 (%{+Q}r): invalid value: "POST", expected a request line in double quotes`,
		},
		{
			name:      "unclosed request line",
			line:      replaced(t, plainLine, `HTTP/1.1"`, `HTTP/1.1`),
			field:     15,
			fieldName: "%{+Q}r",
			sentinel:  elblog.ErrQuote,
		},
		{
			name:      "text after the request line quote",
			line:      replaced(t, plainLine, `HTTP/1.1"`, `HTTP/1.1"x`),
			field:     15,
			fieldName: "%{+Q}r",
			sentinel:  elblog.ErrBareQuote,
		},
		{
			name:      "option httplog line",
			line:      strings.TrimSuffix(plainLine, " 0/0000000000000000/0/0/0 payments.example.com/TLSv1.3/TLS_AES_128_GCM_SHA256"),
			field:     16,
			fieldName: "%[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed]",
			sentinel:  elblog.ErrFieldCount,
			message: "line 1, field 16 (%[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed]): too few fields: " +
				"the line ends after the request line, without the TLS fields of option httpslog (option httplog lines are not read)",
		},
		{
			name:      "four error codes",
			line:      replaced(t, plainLine, "0/0000000000000000/0/0/0", "0/0000000000000000/0/0"),
			field:     16,
			fieldName: "%[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed]",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "handshake error not hex",
			line:      replaced(t, plainLine, "0/0000000000000000/0/0/0", "0/0A00008G/0/0/0"),
			field:     16,
			fieldName: "%[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed]",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "resumed flag of 2",
			line:      replaced(t, plainLine, "0/0000000000000000/0/0/0", "0/0000000000000000/0/0/2"),
			field:     16,
			fieldName: "%[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed]",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "line ends after the error codes",
			line:      strings.TrimSuffix(plainLine, " payments.example.com/TLSv1.3/TLS_AES_128_GCM_SHA256"),
			field:     17,
			fieldName: "%[ssl_fc_sni]/%sslv/%sslc",
			sentinel:  elblog.ErrFieldCount,
			message:   "line 1, field 17 (%[ssl_fc_sni]/%sslv/%sslc): too few fields: the line ends before this field",
		},
		{
			name:      "TLS field without slashes",
			line:      replaced(t, plainLine, "payments.example.com/TLSv1.3/TLS_AES_128_GCM_SHA256", "TLSv1.3"),
			field:     17,
			fieldName: "%[ssl_fc_sni]/%sslv/%sslc",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "custom field after httpslog",
			line:      plainLine + " 0a1b2c3d",
			field:     18,
			fieldName: "%Th",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 18 (%Th): invalid value: "0a1b2c3d", expected a handshake time in milliseconds`,
		},
		{
			name:      "recommended line ends after the handshake time",
			line:      plainLine + " 2",
			field:     19,
			fieldName: "%[ssl_c_used]/%[ssl_c_verify]",
			sentinel:  elblog.ErrFieldCount,
		},
		{
			name:      "certificate used flag of 2",
			line:      plainLine + " " + replaced(t, certificateFields, "1/0", "2/0"),
			field:     19,
			fieldName: "%[ssl_c_used]/%[ssl_c_verify]",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "serial not hex",
			line:      plainLine + " " + replaced(t, certificateFields, "4C1A7E0093B2F5D8", "serial-42"),
			field:     20,
			fieldName: "%[ssl_c_serial,hex]",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "subject without quotes",
			line:      plainLine + " " + replaced(t, certificateFields, `"`+subject+`"`, "CN=x"),
			field:     22,
			fieldName: "%{+Q,+E}[ssl_c_s_dn(,0,rfc2253)]",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "unescaped quote in a header",
			line:      plainLine + " " + replaced(t, certificateFields, `"payments-sdk/4.2.1 (linux; go1.26)"`, `"say "hi""`),
			field:     25,
			fieldName: "%{+Q,+E}[var(txn.cutover_user_agent)]",
			sentinel:  elblog.ErrBareQuote,
		},
		{
			name:      "unclosed user agent",
			line:      plainLine + " " + strings.TrimSuffix(certificateFields, `"`),
			field:     25,
			fieldName: "%{+Q,+E}[var(txn.cutover_user_agent)]",
			sentinel:  elblog.ErrQuote,
		},
		{
			name:      "recommended line without user agent",
			line:      plainLine + " " + strings.TrimSuffix(certificateFields, ` "payments-sdk/4.2.1 (linux; go1.26)"`),
			field:     25,
			fieldName: "%{+Q,+E}[var(txn.cutover_user_agent)]",
			sentinel:  elblog.ErrFieldCount,
		},
		{
			name:     "text after the certificate",
			line:     recommendedLine + " - 7f3a",
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: text after the last field of RecommendedLogFormatWithCertificate: "7f3a"`,
		},
		{
			name:      "connection error without message",
			line:      `203.0.113.77:40112 [03/Dec/2026:14:00:02.480] fe_mtls/1:`,
			field:     4,
			fieldName: "message",
			sentinel:  elblog.ErrFieldCount,
			message:   "line 1, field 4 (message): too few fields: the line ends without a message",
		},
		{
			name:      "connection error from an unknown client",
			line:      `unknown [03/Dec/2026:14:00:02.480] fe_mtls/1: SSL handshake failure`,
			field:     1,
			fieldName: "client_ip:client_port",
			sentinel:  elblog.ErrSyntax,
		},
		{
			name:      "connection error date that does not exist",
			line:      replaced(t, connErrorLine, "03/Dec/2026", "29/Feb/2026"),
			field:     2,
			fieldName: "accept_date",
			sentinel:  elblog.ErrSyntax,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := readOne(t, tt.line+"\n", Options{})
			var parseErr *elblog.ParseError
			require.ErrorAs(t, err, &parseErr)
			assert.Equal(t, 1, parseErr.Line, "ParseError.Line")
			assert.Equal(t, tt.field, parseErr.Field, "ParseError.Field")
			assert.Equal(t, tt.fieldName, parseErr.Name, "ParseError.Name")
			assert.ErrorIs(t, err, tt.sentinel)
			if tt.message != "" {
				assert.Equal(t, tt.message, err.Error())
			}
			assert.Equal(t, terminator.Record{}, rec, "record after an error")
		})
	}
}

func TestReadGoesOnAfterBadLines(t *testing.T) {
	file, err := os.Open("testdata/with_errors.log")
	require.NoError(t, err)
	defer file.Close()

	want := []struct {
		kind     terminator.Kind
		sentinel error
		field    int
	}{
		{kind: terminator.KindRequest},
		{sentinel: elblog.ErrSyntax, field: fieldClient},
		{sentinel: elblog.ErrSyntax, field: fieldRequestDate},
		{sentinel: elblog.ErrSyntax, field: fieldTimers},
		{sentinel: elblog.ErrFieldCount, field: fieldErrors},
		{sentinel: elblog.ErrEmptyLine},
		{sentinel: ErrSkip},
		{sentinel: elblog.ErrQuote, field: fieldRequest},
		{sentinel: elblog.ErrFieldCount, field: fieldUserAgent},
		{kind: terminator.KindHandshake},
		{sentinel: elblog.ErrFieldCount, field: 4},
		{kind: terminator.KindRequest},
	}
	rawLines := fileLines(t, "testdata/with_errors.log")
	require.Len(t, rawLines, len(want), "lines in the test file")

	r := NewReader(file, Options{})
	var rec terminator.Record
	for i, w := range want {
		err := r.Read(&rec)
		lineNumber := i + 1
		assert.Equal(t, lineNumber, r.Line(), "Line after read %d", lineNumber)
		assert.Equal(t, rawLines[i], r.Raw(), "Raw of line %d", lineNumber)

		switch {
		case w.sentinel == nil:
			require.NoError(t, err, "line %d", lineNumber)
			assert.Equal(t, w.kind, rec.Kind, "kind of line %d", lineNumber)
		case w.sentinel == ErrSkip:
			assert.Equal(t, ErrSkip, err, "line %d", lineNumber)
		default:
			var parseErr *elblog.ParseError
			require.ErrorAs(t, err, &parseErr, "line %d", lineNumber)
			assert.Equal(t, lineNumber, parseErr.Line, "ParseError.Line")
			assert.Equal(t, w.field, parseErr.Field, "ParseError.Field of line %d", lineNumber)
			assert.ErrorIs(t, err, w.sentinel, "line %d", lineNumber)
		}
	}

	assert.Equal(t, io.EOF, r.Read(&rec))
	assert.Equal(t, len(want), r.Line(), "Line after the end")
}

// TestReadHAProxy2612Output checks lines that HAProxy 2.6.12 wrote (see
// testdata/SOURCES.md) for each case of the test setup.
func TestReadHAProxy2612Output(t *testing.T) {
	lines := fileLines(t, "testdata/haproxy-2.6.12.log")
	read := func(n int) terminator.Record {
		t.Helper()
		rec, err := readOne(t, lines[n-1], Options{})
		require.NoError(t, err, "line %d", n)
		return rec
	}

	verified := read(1)
	assert.Equal(t, "ok", verified.Outcome)
	assert.Equal(t, str("0/0000000000000000/0/0/0 1/0"), verified.VerifyRaw)
	assert.Equal(t, str(`CN=good-client.example.org,O=Example\, Inc.,C=US`), verified.SubjectRaw)
	assert.Equal(t, str(`CN=good-client.example.org,O=Example\, Inc.,C=US`), verified.Subject)
	assert.Equal(t, str("4C1A7E0093B2F5D8"), verified.Serial)
	assert.Equal(t, at("2027-12-04T21:57:15Z"), verified.CertNotAfter)
	assert.Equal(t, str("203.0.113.9, 10.0.1.5"), verified.ForwardedFor)
	assert.Equal(t, str(`payments-sdk/4.2.1 (linux; go1.26) "q"`), verified.UserAgent)
	assert.Equal(t, f64(0.007), verified.HandshakeTime)

	assert.Equal(t, "no_cert", read(2).Outcome, "verify optional, no certificate")
	assert.Equal(t, "expired", read(3).Outcome, "verify optional with crt-ignore-err, expired certificate")
	assert.Equal(t, "untrusted", read(4).Outcome, "verify optional with crt-ignore-err, unknown CA")
	assert.Equal(t, "::1", read(5).ClientIP)
	assert.Equal(t, sql.NullString{}, read(5).SNI, "request to an IP address, without SNI")

	httpslog := read(6)
	assert.Equal(t, terminator.KindRequest, httpslog.Kind)
	assert.Equal(t, "ok", httpslog.Outcome)
	assert.Equal(t, sql.NullString{}, httpslog.SubjectRaw, "option httpslog logs no certificate")

	// With verify required, HAProxy 2.6.12 logs a missing certificate as a
	// plain handshake failure and an expired one as not trusted.
	assert.Equal(t, str("SSL handshake failure"), read(7).VerifyRaw, "no certificate")
	assert.Equal(t, "handshake_error", read(7).Outcome, "no certificate")
	assert.Equal(t, "untrusted", read(8).Outcome, "expired certificate")
	assert.Equal(t, "untrusted", read(9).Outcome, "unknown CA")
	assert.Equal(t, "handshake_error", read(10).Outcome, "TLS 1.3 client, TLS 1.2 bind")
	assert.Equal(t, "handshake_error", read(13).Outcome, "connection closed before the ClientHello")
	assert.Equal(t, str("Timeout during SSL handshake"), read(14).VerifyRaw)

	// Lines 15 to 28 are a request and a connection error in each syslog
	// format.
	for n := 15; n <= 28; n++ {
		rec := read(n)
		assert.Equal(t, "2026-12-04T21:58", rec.Time.Format("2006-01-02T15:04"), "line %d", n)
		if n%2 == 1 {
			assert.Equal(t, "ok", rec.Outcome, "line %d", n)
		} else {
			assert.Equal(t, "handshake_error", rec.Outcome, "line %d", n)
		}
	}
}

func TestReadLineEndings(t *testing.T) {
	for name, input := range map[string]string{
		"LF":                       plainLine + "\n" + connErrorLine + "\n",
		"CRLF":                     plainLine + "\r\n" + connErrorLine + "\r\n",
		"final line without break": plainLine + "\n" + connErrorLine,
	} {
		t.Run(name, func(t *testing.T) {
			r := NewReader(strings.NewReader(input), Options{})
			var rec terminator.Record

			require.NoError(t, r.Read(&rec))
			assert.Equal(t, plainRecord, rec)
			require.NoError(t, r.Read(&rec))
			assert.Equal(t, connErrorRecord, rec)
			assert.Equal(t, connErrorLine, r.Raw())

			assert.Equal(t, io.EOF, r.Read(&rec))
			assert.Equal(t, 2, r.Line(), "Line after the end")
		})
	}
}

func TestReadResetsRecord(t *testing.T) {
	input := recommendedLine + "\n" + connErrorLine + "\n" + "Proxy fe_mtls started.\n" + plainLine + " x\n"
	r := NewReader(strings.NewReader(input), Options{})
	var rec terminator.Record

	require.NoError(t, r.Read(&rec))
	require.NoError(t, r.Read(&rec))
	assert.Equal(t, connErrorRecord, rec, "fields of the HTTP line left over")

	assert.Equal(t, ErrSkip, r.Read(&rec))
	assert.Equal(t, terminator.Record{}, rec, "fields left over after a skipped line")

	var parseErr *elblog.ParseError
	require.ErrorAs(t, r.Read(&rec), &parseErr)
	assert.Equal(t, terminator.Record{}, rec, "fields left over after an error")
}

func TestReadEmptyInput(t *testing.T) {
	r := NewReader(strings.NewReader(""), Options{})
	var rec terminator.Record

	for range 2 {
		assert.Equal(t, io.EOF, r.Read(&rec))
		assert.Equal(t, 0, r.Line())
		assert.Equal(t, "", r.Raw())
	}
}

func TestReadLineTooLong(t *testing.T) {
	long := replaced(t, plainLine, "/v1/payments", "/v1/"+strings.Repeat("x", elblog.MaxLineBytes))
	r := NewReader(strings.NewReader(long+"\n"+plainLine+"\n"), Options{})
	var rec terminator.Record

	err := r.Read(&rec)
	var parseErr *elblog.ParseError
	require.ErrorAs(t, err, &parseErr)
	assert.Equal(t, 1, parseErr.Line)
	assert.ErrorIs(t, err, elblog.ErrLineTooLong)
	assert.Equal(t, elblog.MaxLineBytes, len(r.Raw()), "length of Raw")

	require.NoError(t, r.Read(&rec))
	assert.Equal(t, plainRecord, rec)
	assert.Equal(t, 2, r.Line())
}

func TestReadUnderlyingErrorIsFinal(t *testing.T) {
	var compressed bytes.Buffer
	zw := gzip.NewWriter(&compressed)
	_, err := io.WriteString(zw, plainLine+"\n"+connErrorLine+"\n")
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	data := compressed.Bytes()

	// The gzip trailer is the CRC-32 and the length of the data, 8 bytes.
	badChecksum := bytes.Clone(data)
	badChecksum[len(badChecksum)-8] ^= 0xff

	zr, err := gzip.NewReader(bytes.NewReader(badChecksum))
	require.NoError(t, err)
	r := NewReader(zr, Options{})
	var rec terminator.Record

	records := 0
	for err = r.Read(&rec); err == nil && records < 3; err = r.Read(&rec) {
		records++
	}
	assert.Equal(t, 2, records, "records before the error")
	assert.ErrorIs(t, err, gzip.ErrChecksum)
	var parseErr *elblog.ParseError
	assert.False(t, errors.As(err, &parseErr), "reader error returned as a ParseError")

	again := r.Read(&rec)
	assert.Equal(t, err, again, "error of the next Read")
	assert.Equal(t, terminator.Record{}, rec)
}

// fileLines returns the lines of a test file without their endings.
func fileLines(t *testing.T, path string) []string {
	t.Helper()
	file, err := os.Open(path)
	require.NoError(t, err)
	defer file.Close()

	var lines []string
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		lines = append(lines, scanner.Text())
	}
	require.NoError(t, scanner.Err())
	return lines
}
