package nginx

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

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

// accessLine writes a line in RecommendedLogFormat from successValues with
// the given keys replaced. A value of nil leaves the key out, and every
// other value is written as given, so it must be JSON: a quoted string, a
// number or null.
func accessLine(replace map[string]any) string {
	var b strings.Builder
	b.WriteByte('{')
	first := true
	for _, key := range accessKeys {
		value, replaced := replace[key]
		if !replaced {
			value = `"` + successValues[key] + `"`
		}
		if value == nil {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(`"` + key + `":` + value.(string))
	}
	b.WriteByte('}')
	return b.String()
}

// successValues are the values of a verified request as nginx 1.22 writes
// them with escape=json, with a short certificate in place of a real one.
var successValues = map[string]string{
	"msec":                    "1758024301.204",
	"connection":              "1041",
	"connection_requests":     "1",
	"remote_addr":             "203.0.113.10",
	"remote_port":             "51544",
	"ssl_protocol":            "TLSv1.3",
	"ssl_cipher":              "TLS_AES_128_GCM_SHA256",
	"ssl_server_name":         "api.example.com",
	"ssl_client_verify":       "SUCCESS",
	"ssl_client_s_dn":         `CN=payments-client.example.com,OU=Payments,O=Example Corp\\, Inc.,C=US`,
	"ssl_client_i_dn":         "CN=Example Client CA,O=Example Corp,C=US",
	"ssl_client_serial":       "4C1A7E0093B2F5D8",
	"ssl_client_v_end":        "Jan  6 08:00:00 2026 GMT",
	"status":                  "201",
	"request_time":            "0.031",
	"upstream_header_time":    "0.027",
	"request":                 "POST /v1/charges HTTP/1.1",
	"body_bytes_sent":         "512",
	"http_user_agent":         "payments-sdk/4.2.1 (linux; amd64)",
	"http_x_forwarded_for":    "",
	"ssl_client_escaped_cert": "-----BEGIN%20CERTIFICATE-----%0AMIIBszCCAVmgAwIBAgIITBp%2BAJOy9dg%3D%0A-----END%20CERTIFICATE-----%0A",
}

var successLine = accessLine(nil)

var successRecord = terminator.Record{
	Source:             terminator.SourceNginx,
	Kind:               terminator.KindRequest,
	Time:               utc("2025-09-16T12:05:01.204Z"),
	ConnectionID:       str("1041"),
	ConnectionRequests: i64(1),
	ClientIP:           "203.0.113.10",
	ClientPort:         i32(51544),
	SNI:                str("api.example.com"),
	TLSProtocol:        str("TLSv1.3"),
	TLSCipher:          str("TLS_AES_128_GCM_SHA256"),
	VerifyRaw:          str("SUCCESS"),
	Outcome:            "ok",
	SubjectRaw:         str(`CN=payments-client.example.com,OU=Payments,O=Example Corp\, Inc.,C=US`),
	IssuerRaw:          str("CN=Example Client CA,O=Example Corp,C=US"),
	SerialRaw:          str("4C1A7E0093B2F5D8"),
	Subject:            str(`CN=payments-client.example.com,OU=Payments,O=Example Corp\, Inc.,C=US`),
	Issuer:             str("CN=Example Client CA,O=Example Corp,C=US"),
	Serial:             str("4C1A7E0093B2F5D8"),
	CertNotAfter:       at("2026-01-06T08:00:00Z"),
	CertPEM:            str("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIITBp+AJOy9dg=\n-----END CERTIFICATE-----\n"),
	Method:             str("POST"),
	URI:                str("/v1/charges"),
	Status:             i32(201),
	UserAgent:          str("payments-sdk/4.2.1 (linux; amd64)"),
	BytesSent:          i64(512),
	RequestTime:        f64(0.031),
	UpstreamHeaderTime: f64(0.027),
}

// noCertificate clears the certificate fields of a record.
func noCertificate(r *terminator.Record) {
	r.SubjectRaw, r.IssuerRaw, r.SerialRaw = sql.NullString{}, sql.NullString{}, sql.NullString{}
	r.Subject, r.Issuer, r.Serial = sql.NullString{}, sql.NullString{}, sql.NullString{}
	r.CertNotAfter = sql.NullTime{}
	r.CertPEM = sql.NullString{}
}

// noCertificateValues are the replacements for a request without a client
// certificate, with escape=json's empty strings.
var noCertificateValues = map[string]any{
	"ssl_client_s_dn":         `""`,
	"ssl_client_i_dn":         `""`,
	"ssl_client_serial":       `""`,
	"ssl_client_v_end":        `""`,
	"ssl_client_escaped_cert": `""`,
}

// merged returns the union of maps, later ones winning.
func merged(maps ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// readAccessOne reads the first line of input and checks that Line returns 1.
func readAccessOne(t *testing.T, input string) (terminator.Record, error) {
	t.Helper()
	r := NewAccessReader(strings.NewReader(input))
	var rec terminator.Record
	err := r.Read(&rec)
	assert.Equal(t, 1, r.Line(), "line number")
	return rec, err
}

func TestRecommendedLogFormatKeys(t *testing.T) {
	for i, key := range accessKeys {
		assert.Contains(t, RecommendedLogFormat, `"`+key+`":"$`+key+`"`, "key %q", key)
		got, ok := lookupAccessKey(key)
		assert.True(t, ok, "lookupAccessKey(%q)", key)
		assert.Equal(t, accessKey(i), got, "lookupAccessKey(%q)", key)
	}
	assert.Equal(t, int(numAccessKeys), strings.Count(RecommendedLogFormat, `":"$`), "keys in the format")
	assert.True(t, strings.HasPrefix(RecommendedLogFormat, "log_format cutover escape=json\n"))
	assert.True(t, strings.HasSuffix(RecommendedLogFormat, `"$ssl_client_escaped_cert"}';`))
}

func TestAccessReadRecord(t *testing.T) {
	tests := []struct {
		name string
		line string
		want terminator.Record
	}{
		{name: "verified request", line: successLine, want: successRecord},
		{
			name: "expired certificate",
			line: accessLine(map[string]any{
				"ssl_client_verify":    `"FAILED:certificate has expired"`,
				"status":               `"400"`,
				"request_time":         `"0.000"`,
				"upstream_header_time": `""`,
				"body_bytes_sent":      `"215"`,
			}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.VerifyRaw = str("FAILED:certificate has expired")
				r.Outcome = "expired"
				r.Status = i32(400)
				r.RequestTime = f64(0)
				r.UpstreamHeaderTime = sql.NullFloat64{}
				r.BytesSent = i64(215)
			}),
		},
		{
			name: "untrusted certificate",
			line: accessLine(map[string]any{"ssl_client_verify": `"FAILED:unable to verify the first certificate"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.VerifyRaw = str("FAILED:unable to verify the first certificate")
				r.Outcome = "untrusted"
			}),
		},
		{
			name: "no certificate",
			line: accessLine(merged(noCertificateValues, map[string]any{"ssl_client_verify": `"NONE"`, "status": `"400"`})),
			want: modified(successRecord, func(r *terminator.Record) {
				noCertificate(r)
				r.VerifyRaw = str("NONE")
				r.Outcome = "no_cert"
				r.Status = i32(400)
			}),
		},
		{
			name: "FAILED without a reason",
			line: accessLine(map[string]any{"ssl_client_verify": `"FAILED"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.VerifyRaw = str("FAILED")
				r.Outcome = "other"
			}),
		},
		{
			name: "plain HTTP connection",
			line: accessLine(merged(noCertificateValues, map[string]any{
				"ssl_protocol": `""`, "ssl_cipher": `""`, "ssl_server_name": `""`, "ssl_client_verify": `""`,
				"status": `"400"`, "request": `"GET / HTTP/1.1"`,
			})),
			want: modified(successRecord, func(r *terminator.Record) {
				noCertificate(r)
				r.TLSProtocol, r.TLSCipher, r.SNI, r.VerifyRaw = sql.NullString{}, sql.NullString{}, sql.NullString{}, sql.NullString{}
				r.Outcome = ""
				r.Status = i32(400)
				r.Method, r.URI = str("GET"), str("/")
			}),
		},
		{
			name: "IPv6 client",
			line: accessLine(map[string]any{"remote_addr": `"2001:db8:4f2a::17"`, "remote_port": `"60430"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.ClientIP = "2001:db8:4f2a::17"
				r.ClientPort = i32(60430)
			}),
		},
		{
			name: "X-Forwarded-For",
			line: accessLine(map[string]any{"http_x_forwarded_for": `"198.51.100.4, 10.20.0.9"`}),
			want: modified(successRecord, func(r *terminator.Record) { r.ForwardedFor = str("198.51.100.4, 10.20.0.9") }),
		},
		{
			name: "second request on the connection",
			line: accessLine(map[string]any{"connection_requests": `"2"`}),
			want: modified(successRecord, func(r *terminator.Record) { r.ConnectionRequests = i64(2) }),
		},
		{
			name: "default escaping writes dashes",
			line: accessLine(map[string]any{
				"ssl_server_name": `"-"`, "upstream_header_time": `"-"`, "http_user_agent": `"-"`,
				"ssl_client_s_dn": `"-"`, "ssl_client_i_dn": `"-"`, "ssl_client_serial": `"-"`,
				"ssl_client_v_end": `"-"`, "ssl_client_escaped_cert": `"-"`, "ssl_client_verify": `"NONE"`,
			}),
			want: modified(successRecord, func(r *terminator.Record) {
				noCertificate(r)
				r.SNI, r.UserAgent = sql.NullString{}, sql.NullString{}
				r.UpstreamHeaderTime = sql.NullFloat64{}
				r.VerifyRaw = str("NONE")
				r.Outcome = "no_cert"
			}),
		},
		{
			name: "null values and missing keys",
			line: accessLine(map[string]any{
				"ssl_server_name": "null", "http_user_agent": nil, "ssl_client_escaped_cert": nil,
				"connection": nil, "connection_requests": "null", "remote_port": nil, "status": nil,
				"request_time": nil, "body_bytes_sent": "null", "request": nil,
			}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.SNI, r.UserAgent, r.CertPEM, r.ConnectionID = sql.NullString{}, sql.NullString{}, sql.NullString{}, sql.NullString{}
				r.ConnectionRequests, r.BytesSent = sql.NullInt64{}, sql.NullInt64{}
				r.ClientPort, r.Status = sql.NullInt32{}, sql.NullInt32{}
				r.RequestTime = sql.NullFloat64{}
				r.Method, r.URI = sql.NullString{}, sql.NullString{}
			}),
		},
		{
			name: "numbers without quotes",
			line: accessLine(map[string]any{"status": "400", "request_time": "0.5", "body_bytes_sent": "0", "msec": "1758024301.204"}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.Status = i32(400)
				r.RequestTime = f64(0.5)
				r.BytesSent = i64(0)
			}),
		},
		{
			name: "retried upstream",
			line: accessLine(map[string]any{"upstream_header_time": `"-, 0.014"`}),
			want: modified(successRecord, func(r *terminator.Record) { r.UpstreamHeaderTime = f64(0.014) }),
		},
		{
			name: "upstream times across an internal redirect",
			line: accessLine(map[string]any{"upstream_header_time": `"0.002, 0.004 : 0.010"`}),
			want: modified(successRecord, func(r *terminator.Record) { r.UpstreamHeaderTime = f64(0.010) }),
		},
		{
			name: "last upstream sent no headers",
			line: accessLine(map[string]any{"upstream_header_time": `"0.004, -"`}),
			want: modified(successRecord, func(r *terminator.Record) { r.UpstreamHeaderTime = sql.NullFloat64{} }),
		},
		{
			name: "no upstream sent headers",
			line: accessLine(map[string]any{"upstream_header_time": `"-, -"`, "status": `"502"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.UpstreamHeaderTime = sql.NullFloat64{}
				r.Status = i32(502)
			}),
		},
		{
			name: "msec without fraction",
			line: accessLine(map[string]any{"msec": `"1758024301"`}),
			want: modified(successRecord, func(r *terminator.Record) { r.Time = utc("2025-09-16T12:05:01Z") }),
		},
		{
			name: "status 000",
			line: accessLine(map[string]any{"status": `"000"`}),
			want: modified(successRecord, func(r *terminator.Record) { r.Status = i32(0) }),
		},
		{
			name: "HTTP/2 request",
			line: accessLine(map[string]any{"request": `"GET /v1/inventory?warehouse=FRA1 HTTP/2.0"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.Method, r.URI = str("GET"), str("/v1/inventory?warehouse=FRA1")
			}),
		},
		{
			name: "request without protocol",
			line: accessLine(map[string]any{"request": `"GET /index.html"`}),
			want: modified(successRecord, func(r *terminator.Record) { r.Method, r.URI = str("GET"), str("/index.html") }),
		},
		{
			name: "request with a space in the URI",
			line: accessLine(map[string]any{"request": `"GET /a b HTTP/1.1"`}),
			want: modified(successRecord, func(r *terminator.Record) { r.Method, r.URI = str("GET"), str("/a b") }),
		},
		{
			name: "request line without a space",
			line: accessLine(map[string]any{"request": `"\u0016\u0003\u0001"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.Method, r.URI = sql.NullString{}, sql.NullString{}
				r.Detail = str("request line: \x16\x03\x01")
			}),
		},
		{
			name: "empty request line",
			line: accessLine(map[string]any{"request": `""`, "status": `"400"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.Method, r.URI = sql.NullString{}, sql.NullString{}
				r.Status = i32(400)
			}),
		},
		{
			name: "JSON escapes in the user agent",
			line: accessLine(map[string]any{"http_user_agent": `"inventory-sync \"nightly\" \\ caf\u00e9 \ud83d\ude00 \ud800 \/ \t\u0001"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.UserAgent = str("inventory-sync \"nightly\" \\ café 😀 \uFFFD / \t\x01")
			}),
		},
		{
			name: "default escaping in the user agent",
			line: accessLine(map[string]any{"http_user_agent": `"a \x22quoted\x22 \x5C caf\xC3\xA9"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.UserAgent = str(`a "quoted" \ caf\xC3\xA9`)
			}),
		},
		{
			name: "invalid UTF-8 in the user agent",
			line: accessLine(map[string]any{"http_user_agent": "\"caf\xc3\xa9 bad\xff\""}),
			want: modified(successRecord, func(r *terminator.Record) { r.UserAgent = str(`café bad\xff`) }),
		},
		{
			name: "non-ASCII DN escaped by OpenSSL",
			line: accessLine(map[string]any{"ssl_client_s_dn": `"CN=reporting.partner.example,O=Soci\\C3\\A9t\\C3\\A9 Exemple,C=FR"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.SubjectRaw = str(`CN=reporting.partner.example,O=Soci\C3\A9t\C3\A9 Exemple,C=FR`)
				r.Subject = str("CN=reporting.partner.example,O=Société Exemple,C=FR")
			}),
		},
		{
			name: "email address in the DN",
			line: accessLine(map[string]any{"ssl_client_s_dn": `"emailAddress=ops@example.com,CN=inventory-sync.example.com,O=Example Corp,C=US"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.SubjectRaw = str("emailAddress=ops@example.com,CN=inventory-sync.example.com,O=Example Corp,C=US")
				r.Subject = str("EMAILADDRESS=ops@example.com,CN=inventory-sync.example.com,O=Example Corp,C=US")
			}),
		},
		{
			name: "legacy slash DN",
			line: accessLine(map[string]any{"ssl_client_s_dn": `"/C=US/O=Example Corp/CN=legacy-batch.example.com"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.SubjectRaw = str("/C=US/O=Example Corp/CN=legacy-batch.example.com")
				r.Subject = str("CN=legacy-batch.example.com,O=Example Corp,C=US")
			}),
		},
		{
			name: "serial with a leading zero",
			line: accessLine(map[string]any{"ssl_client_serial": `"0B7E44A1C9D2E3F4"`}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.SerialRaw = str("0B7E44A1C9D2E3F4")
				r.Serial = str("B7E44A1C9D2E3F4")
			}),
		},
		{
			name: "unreadable certificate values",
			line: accessLine(map[string]any{
				"ssl_client_s_dn":         `"CN=x,=broken"`,
				"ssl_client_serial":       `"not hex"`,
				"ssl_client_v_end":        `"2026-01-06T08:00:00Z"`,
				"ssl_client_escaped_cert": `"%ZZ"`,
			}),
			want: modified(successRecord, func(r *terminator.Record) {
				r.SubjectRaw = str("CN=x,=broken")
				r.Subject = sql.NullString{}
				r.SerialRaw = str("not hex")
				r.Serial = sql.NullString{}
				r.CertNotAfter = sql.NullTime{}
				r.CertPEM = sql.NullString{}
			}),
		},
		{
			name: "certificate with a byte outside ASCII",
			line: accessLine(map[string]any{"ssl_client_escaped_cert": `"-----BEGIN%20CERTIFICATE-----%80"`}),
			want: modified(successRecord, func(r *terminator.Record) { r.CertPEM = sql.NullString{} }),
		},
		{
			name: "escaped value that is not a certificate",
			line: accessLine(map[string]any{"ssl_client_escaped_cert": `"hello%20world"`}),
			want: modified(successRecord, func(r *terminator.Record) { r.CertPEM = sql.NullString{} }),
		},
		{
			name: "end date with a one-digit day",
			line: accessLine(map[string]any{"ssl_client_v_end": `"Dec  4 21:35:50 2027 GMT"`}),
			want: modified(successRecord, func(r *terminator.Record) { r.CertNotAfter = at("2027-12-04T21:35:50Z") }),
		},
		{
			name: "unknown keys of every kind",
			line: strings.Replace(successLine, "{",
				`{"time_iso8601":"2025-09-16T14:05:01+02:00","bytes":42,"tls":{"curve":"X25519","list":[1,"}",{"a":null}]},"ok":true,"nothing":null,`, 1),
			want: successRecord,
		},
		{
			name: "white space around the JSON",
			line: " { \"msec\" : \"1758024301.204\" ,\t\"remote_addr\":\"203.0.113.10\" } ",
			want: terminator.Record{
				Source:   terminator.SourceNginx,
				Kind:     terminator.KindRequest,
				Time:     utc("2025-09-16T12:05:01.204Z"),
				ClientIP: "203.0.113.10",
			},
		},
		{
			name: "repeated key",
			line: strings.Replace(successLine, `"status":"201"`, `"status":"500","status":"201"`, 1),
			want: successRecord,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := readAccessOne(t, tc.line)
			require.NoError(t, err)
			assert.Equal(t, tc.want, rec)
		})
	}
}

func TestAccessReadInvalidLine(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		field    int
		sentinel error
		message  string
	}{
		{
			name: "not JSON", line: `203.0.113.10 - - [16/Sep/2025:14:05:01 +0200] "GET / HTTP/1.1" 200 512`,
			sentinel: elblog.ErrSyntax, message: "line 1: invalid value: invalid JSON at byte 1: expected '{' at the start of the line",
		},
		{
			name: "cut off inside a string", line: successLine[:400],
			sentinel: elblog.ErrQuote,
		},
		{
			name: "cut off after a value", line: `{"msec":"1758024301.204"`,
			sentinel: elblog.ErrSyntax, message: "line 1: invalid value: invalid JSON at byte 25: expected ',' or '}' after a value",
		},
		{
			name: "text after the object", line: successLine + ` {}`,
			sentinel: elblog.ErrSyntax,
		},
		{
			name: "invalid escape", line: accessLine(map[string]any{"http_user_agent": `"a\qb"`}),
			sentinel: elblog.ErrSyntax,
		},
		{
			name: "short unicode escape", line: accessLine(map[string]any{"http_user_agent": `"\u00e"`}),
			sentinel: elblog.ErrSyntax,
		},
		{
			name: "key without quotes", line: `{msec:"1758024301.204"}`,
			sentinel: elblog.ErrSyntax,
		},
		{
			name: "bare word value", line: accessLine(map[string]any{"status": "four"}),
			sentinel: elblog.ErrSyntax,
		},
		{
			name: "array for a known key", line: accessLine(map[string]any{"status": `["400"]`}),
			field: 14, sentinel: elblog.ErrSyntax,
			message: "line 1, field 14 (status): invalid value: expected a JSON string, number or null, found an object or an array",
		},
		{
			name: "missing msec", line: accessLine(map[string]any{"msec": nil}),
			field: 1, sentinel: elblog.ErrFieldCount,
			message: `line 1, field 1 (msec): too few fields: the key "msec" is missing or has no value; is the access log written with the cutover log_format?`,
		},
		{name: "empty msec", line: accessLine(map[string]any{"msec": `""`}), field: 1, sentinel: elblog.ErrFieldCount},
		{
			name: "msec with a comma", line: accessLine(map[string]any{"msec": `"1758024301,204"`}),
			field: 1, sentinel: elblog.ErrSyntax,
			message: `line 1, field 1 (msec): invalid value: "1758024301,204", expected Unix time in seconds such as 1695335001.123`,
		},
		{name: "msec as local time", line: accessLine(map[string]any{"msec": `"2025-09-16T14:05:01+02:00"`}), field: 1, sentinel: elblog.ErrSyntax},
		{name: "negative msec", line: accessLine(map[string]any{"msec": `"-1758024301.204"`}), field: 1, sentinel: elblog.ErrSyntax},
		{name: "msec with an empty fraction", line: accessLine(map[string]any{"msec": `"1758024301."`}), field: 1, sentinel: elblog.ErrSyntax},
		{name: "msec with ten fraction digits", line: accessLine(map[string]any{"msec": `"1758024301.1234567890"`}), field: 1, sentinel: elblog.ErrSyntax},
		{name: "msec in exponent form", line: accessLine(map[string]any{"msec": "1.758e9"}), field: 1, sentinel: elblog.ErrSyntax},
		{name: "missing remote_addr", line: accessLine(map[string]any{"remote_addr": `""`}), field: 4, sentinel: elblog.ErrFieldCount},
		{
			name: "unix socket client", line: accessLine(map[string]any{"remote_addr": `"unix:"`}),
			field: 4, sentinel: elblog.ErrSyntax,
			message: `line 1, field 4 (remote_addr): invalid value: "unix:", expected an IPv4 or IPv6 address`,
		},
		{name: "bracketed IPv6", line: accessLine(map[string]any{"remote_addr": `"[2001:db8::1]"`}), field: 4, sentinel: elblog.ErrSyntax},
		{name: "connection not a number", line: accessLine(map[string]any{"connection": `"12a"`}), field: 2, sentinel: elblog.ErrSyntax},
		{name: "negative request count", line: accessLine(map[string]any{"connection_requests": `"-1"`}), field: 3, sentinel: elblog.ErrSyntax},
		{name: "port out of range", line: accessLine(map[string]any{"remote_port": `"65536"`}), field: 5, sentinel: elblog.ErrSyntax},
		{name: "status not a number", line: accessLine(map[string]any{"status": `"4xx"`}), field: 14, sentinel: elblog.ErrSyntax},
		{name: "status of four digits", line: accessLine(map[string]any{"status": `"4000"`}), field: 14, sentinel: elblog.ErrSyntax},
		{name: "negative request time", line: accessLine(map[string]any{"request_time": `"-0.5"`}), field: 15, sentinel: elblog.ErrSyntax},
		{
			name: "upstream time not a number", line: accessLine(map[string]any{"upstream_header_time": `"0.004, abc"`}),
			field: 16, sentinel: elblog.ErrSyntax,
			message: `line 1, field 16 (upstream_header_time): invalid value: "0.004, abc", expected seconds per upstream server such as "0.004" or "-, 0.010"`,
		},
		{name: "upstream list of separators", line: accessLine(map[string]any{"upstream_header_time": `", :"`}), field: 16, sentinel: elblog.ErrSyntax},
		{name: "negative bytes", line: accessLine(map[string]any{"body_bytes_sent": `"-1"`}), field: 18, sentinel: elblog.ErrSyntax},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := readAccessOne(t, tc.line)
			require.Error(t, err)
			assert.Equal(t, terminator.Record{}, rec, "record after an error")

			var parseErr *elblog.ParseError
			require.ErrorAs(t, err, &parseErr)
			assert.Equal(t, 1, parseErr.Line)
			assert.Equal(t, tc.field, parseErr.Field)
			if tc.field > 0 {
				assert.Equal(t, accessKeys[tc.field-1], parseErr.Name)
			}
			assert.ErrorIs(t, err, tc.sentinel)
			if tc.message != "" {
				assert.Equal(t, tc.message, err.Error())
			}
		})
	}
}

func TestAccessReadGoesOnAfterBadLines(t *testing.T) {
	input := strings.Join([]string{
		successLine,
		"",
		"not json",
		accessLine(map[string]any{"connection_requests": `"2"`}),
		`{"msec":"x","remote_addr":"203.0.113.10"}`,
		accessLine(map[string]any{"connection_requests": `"3"`}),
	}, "\n") + "\n"

	r := NewAccessReader(strings.NewReader(input))
	var rec terminator.Record
	var requests []int64
	var badLines []int
	for {
		err := r.Read(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			var parseErr *elblog.ParseError
			require.ErrorAs(t, err, &parseErr)
			assert.Equal(t, r.Line(), parseErr.Line)
			badLines = append(badLines, parseErr.Line)
			continue
		}
		requests = append(requests, rec.ConnectionRequests.Int64)
	}
	assert.Equal(t, []int64{1, 2, 3}, requests)
	assert.Equal(t, []int{2, 3, 5}, badLines)
	assert.Equal(t, 6, r.Line())
}

func TestAccessReadEmptyLine(t *testing.T) {
	_, err := readAccessOne(t, "\n"+successLine)
	assert.ErrorIs(t, err, elblog.ErrEmptyLine)
	var parseErr *elblog.ParseError
	assert.ErrorAs(t, err, &parseErr)
}

func TestAccessReadLineEndings(t *testing.T) {
	r := NewAccessReader(strings.NewReader(successLine + "\r\n" + successLine))
	var rec terminator.Record
	for i := 1; i <= 2; i++ {
		require.NoError(t, r.Read(&rec), "line %d", i)
		assert.Equal(t, successRecord, rec, "line %d", i)
		assert.Equal(t, successLine, r.Raw(), "Raw of line %d", i)
	}
	assert.Equal(t, io.EOF, r.Read(&rec))
	assert.Equal(t, io.EOF, r.Read(&rec), "EOF again")
}

func TestAccessReadResetsRecord(t *testing.T) {
	r := NewAccessReader(strings.NewReader(successLine + "\n" + `{"msec":"1758024302","remote_addr":"192.0.2.1"}` + "\n"))
	var rec terminator.Record
	require.NoError(t, r.Read(&rec))
	require.NoError(t, r.Read(&rec))
	assert.Equal(t, terminator.Record{
		Source:   terminator.SourceNginx,
		Kind:     terminator.KindRequest,
		Time:     utc("2025-09-16T12:05:02Z"),
		ClientIP: "192.0.2.1",
	}, rec)
}

func TestAccessReadLineTooLong(t *testing.T) {
	long := accessLine(map[string]any{"http_user_agent": `"` + strings.Repeat("a", elblog.MaxLineBytes) + `"`})
	r := NewAccessReader(strings.NewReader(long + "\n" + successLine + "\n"))
	var rec terminator.Record

	err := r.Read(&rec)
	assert.ErrorIs(t, err, elblog.ErrLineTooLong)
	assert.Len(t, r.Raw(), elblog.MaxLineBytes)

	require.NoError(t, r.Read(&rec))
	assert.Equal(t, successRecord, rec)
}

// failingReader returns its text, then err.
type failingReader struct {
	text string
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.text == "" {
		return 0, f.err
	}
	n := copy(p, f.text)
	f.text = f.text[n:]
	return n, nil
}

func TestAccessReadUnderlyingErrorIsFinal(t *testing.T) {
	broken := errors.New("gzip: invalid checksum")
	r := NewAccessReader(&failingReader{text: successLine + "\n", err: broken})
	var rec terminator.Record

	require.NoError(t, r.Read(&rec))
	assert.Equal(t, broken, r.Read(&rec))
	assert.Equal(t, broken, r.Read(&rec), "the error repeats")
	assert.Equal(t, terminator.Record{}, rec)
}

func TestDNCacheBounded(t *testing.T) {
	cache := dnCache{}
	for i := range maxCachedDNs + 10 {
		raw := str(fmt.Sprintf("CN=client-%d,O=Example", i))
		assert.Equal(t, raw, cache.canonical(raw))
	}
	assert.Len(t, cache, 10, "entries after the cache was cleared once")

	assert.Equal(t, str("CN=a,O=B"), cache.canonical(str("cn=a, o=B")))
	assert.Equal(t, str("CN=a,O=B"), cache.canonical(str("cn=a, o=B")), "from the cache")
	assert.Equal(t, sql.NullString{}, cache.canonical(str("not a DN")))
	assert.Equal(t, sql.NullString{}, cache.canonical(str("not a DN")), "a failure from the cache")
	assert.Equal(t, sql.NullString{}, cache.canonical(sql.NullString{}))
}

func TestParseCertTime(t *testing.T) {
	tests := []struct {
		value string
		want  sql.NullTime
	}{
		{"Sep 21 22:43:21 2023 GMT", at("2023-09-21T22:43:21Z")},
		{"Jan  6 08:00:00 2026 GMT", at("2026-01-06T08:00:00Z")},
		{"Jan  6 08:00:00.25 2026 GMT", at("2026-01-06T08:00:00.25Z")},
		{"Jan 6 08:00:00 2026 GMT", at("2026-01-06T08:00:00Z")},
		{"Jan  6 08:00:00 2026", sql.NullTime{}},
		{"Feb 30 08:00:00 2026 GMT", sql.NullTime{}},
		{"260106080000Z", sql.NullTime{}},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, parseCertTime(tc.value), tc.value)
	}
}
