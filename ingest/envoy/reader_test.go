package envoy

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
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

// jsonLine returns fields as one JSON object, with the keys sorted.
func jsonLine(t *testing.T, fields map[string]any) string {
	t.Helper()
	data, err := json.Marshal(fields)
	require.NoError(t, err)
	return string(data)
}

// with returns a copy of fields with the changes applied. A change to nil
// writes a JSON null, and a change to deleted removes the key.
func with(fields map[string]any, changes map[string]any) map[string]any {
	out := make(map[string]any, len(fields)+len(changes))
	for k, v := range fields {
		out[k] = v
	}
	for k, v := range changes {
		if _, ok := v.(deletedKey); ok {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// deletedKey marks a key that with removes.
type deletedKey struct{}

var deleted = deletedKey{}

// readOne reads the first line of input and checks that Line returns 1.
func readOne(t *testing.T, input string) (terminator.Record, error) {
	t.Helper()
	r := NewReader(strings.NewReader(input))
	var rec terminator.Record
	err := r.Read(&rec)
	assert.Equal(t, 1, r.Line(), "line number")
	return rec, err
}

const (
	subject = "CN=payments-client.example.org,O=Example Payments,C=US"
	issuer  = "CN=Example Issuing CA 1,O=Example Payments,C=US"
)

// reason returns a %DOWNSTREAM_TRANSPORT_FAILURE_REASON% value as Envoy logs
// it, with spaces written as '_'.
func reason(code, name, detail string) string {
	value := "TLS_error:|" + code + ":SSL routines:OPENSSL_internal:" + name
	if detail != "" {
		value += ":" + detail
	}
	return strings.ReplaceAll(value+":TLS_error_end", " ", "_")
}

// listenerFields is a listener entry of a verified client, as the deprecated
// json_format writes it: every value a string, "-" for an unset one.
var listenerFields = map[string]any{
	"start_time":                          "2026-12-03T14:00:01.123Z",
	"connection_id":                       "4711",
	"downstream_remote_address":           "198.51.100.23:51734",
	"requested_server_name":               "payments.example.com",
	"downstream_tls_version":              "TLSv1.3",
	"downstream_tls_cipher":               "TLS_AES_128_GCM_SHA256",
	"downstream_peer_subject":             subject,
	"downstream_peer_issuer":              issuer,
	"downstream_peer_serial":              "4c1a7e0093b2f5d8",
	"downstream_peer_cert_v_end":          "2027-01-04T08:00:00.000Z",
	"downstream_transport_failure_reason": "-",
	"response_flags":                      "-",
	"duration":                            "30512",
	"bytes_sent":                          "18233",
}

var listenerRecord = terminator.Record{
	Source:       terminator.SourceEnvoy,
	Kind:         terminator.KindHandshake,
	Time:         utc("2026-12-03T14:00:31.635Z"),
	ConnectionID: str("4711"),
	ClientIP:     "198.51.100.23",
	ClientPort:   i32(51734),
	SNI:          str("payments.example.com"),
	TLSProtocol:  str("TLSv1.3"),
	TLSCipher:    str("TLS_AES_128_GCM_SHA256"),
	Outcome:      "ok",
	SubjectRaw:   str(subject),
	IssuerRaw:    str(issuer),
	SerialRaw:    str("4c1a7e0093b2f5d8"),
	Subject:      str(subject),
	Issuer:       str(issuer),
	Serial:       str("4C1A7E0093B2F5D8"),
	CertNotAfter: at("2027-01-04T08:00:00Z"),
	BytesSent:    i64(18233),
}

// failedHandshake is the change to listenerFields of a handshake that failed
// with reason: no TLS version, cipher or certificate.
func failedHandshake(reason string) map[string]any {
	return map[string]any{
		"downstream_tls_version":              "-",
		"downstream_tls_cipher":               "-",
		"downstream_peer_subject":             "-",
		"downstream_peer_issuer":              "-",
		"downstream_peer_serial":              "-",
		"downstream_peer_cert_v_end":          "-",
		"downstream_transport_failure_reason": reason,
		"duration":                            "3",
		"bytes_sent":                          "1402",
	}
}

// failedRecord returns listenerRecord after a handshake that failed with
// reason and mapped to outcome.
func failedRecord(reason, outcome string) terminator.Record {
	return modified(listenerRecord, func(r *terminator.Record) {
		r.Time = utc("2026-12-03T14:00:01.126Z")
		r.TLSProtocol, r.TLSCipher = sql.NullString{}, sql.NullString{}
		r.SubjectRaw, r.IssuerRaw, r.SerialRaw = sql.NullString{}, sql.NullString{}, sql.NullString{}
		r.Subject, r.Issuer, r.Serial = sql.NullString{}, sql.NullString{}, sql.NullString{}
		r.CertNotAfter = sql.NullTime{}
		r.BytesSent = i64(1402)
		r.VerifyRaw = str(reason)
		r.Outcome = outcome
	})
}

func TestReadListenerEntry(t *testing.T) {
	noCertReason := reason("268435648", "PEER_DID_NOT_RETURN_A_CERTIFICATE", "peer did not provide required client certificate")
	expiredReason := reason("268435581", "CERTIFICATE_VERIFY_FAILED",
		"verify cert failed: X509_verify_cert: certificate verification error at depth 0: certificate has expired")
	untrustedReason := reason("268435581", "CERTIFICATE_VERIFY_FAILED",
		"verify cert failed: X509_verify_cert: certificate verification error at depth 1: unable to get local issuer certificate")
	bareVerifyReason := reason("268435581", "CERTIFICATE_VERIFY_FAILED", "")
	sigalgReason := reason("268435709", "NO_COMMON_SIGNATURE_ALGORITHMS", "")
	alertReason := reason("268436504", "TLSV1_ALERT_UNKNOWN_CA", "")
	unknownReason := reason("268435999", "SOMETHING_NEW", "")

	tests := []struct {
		name    string
		changes map[string]any
		want    terminator.Record
	}{
		{
			name: "verified client",
			want: listenerRecord,
		},
		{
			name: "typed JSON numbers and nulls",
			changes: map[string]any{
				"connection_id":                       4711,
				"duration":                            30512,
				"bytes_sent":                          18233,
				"downstream_transport_failure_reason": nil,
				"response_flags":                      nil,
			},
			want: listenerRecord,
		},
		{
			name:    "IPv6 client in brackets",
			changes: map[string]any{"downstream_remote_address": "[2001:db8:85a3::8a2e:370:7334]:60211"},
			want: modified(listenerRecord, func(r *terminator.Record) {
				r.ClientIP = "2001:db8:85a3::8a2e:370:7334"
				r.ClientPort = i32(60211)
			}),
		},
		{
			name:    "IPv4-mapped client kept as logged",
			changes: map[string]any{"downstream_remote_address": "[::ffff:192.0.2.10]:443"},
			want: modified(listenerRecord, func(r *terminator.Record) {
				r.ClientIP = "::ffff:192.0.2.10"
				r.ClientPort = i32(443)
			}),
		},
		{
			name:    "start time with offset",
			changes: map[string]any{"start_time": "2026-12-03T15:00:01.123+01:00"},
			want:    listenerRecord,
		},
		{
			name:    "no duration",
			changes: map[string]any{"duration": "-"},
			want:    modified(listenerRecord, func(r *terminator.Record) { r.Time = utc("2026-12-03T14:00:01.123Z") }),
		},
		{
			name:    "no certificate required",
			changes: map[string]any{"downstream_peer_subject": "-", "downstream_peer_issuer": "-", "downstream_peer_serial": "-", "downstream_peer_cert_v_end": "-"},
			want: modified(listenerRecord, func(r *terminator.Record) {
				r.SubjectRaw, r.IssuerRaw, r.SerialRaw = sql.NullString{}, sql.NullString{}, sql.NullString{}
				r.Subject, r.Issuer, r.Serial = sql.NullString{}, sql.NullString{}, sql.NullString{}
				r.CertNotAfter = sql.NullTime{}
				r.Outcome = "no_cert"
			}),
		},
		{
			name:    "serial alone counts as a certificate",
			changes: map[string]any{"downstream_peer_subject": "-", "downstream_peer_issuer": "-"},
			want: modified(listenerRecord, func(r *terminator.Record) {
				r.SubjectRaw, r.IssuerRaw = sql.NullString{}, sql.NullString{}
				r.Subject, r.Issuer = sql.NullString{}, sql.NullString{}
			}),
		},
		{
			name:    "required certificate missing",
			changes: failedHandshake(noCertReason),
			want:    failedRecord(noCertReason, "no_cert"),
		},
		{
			name:    "expired certificate",
			changes: failedHandshake(expiredReason),
			want:    failedRecord(expiredReason, "expired"),
		},
		{
			name:    "unknown issuer",
			changes: failedHandshake(untrustedReason),
			want:    failedRecord(untrustedReason, "untrusted"),
		},
		{
			name:    "verification failed without detail",
			changes: failedHandshake(bareVerifyReason),
			want:    failedRecord(bareVerifyReason, "other"),
		},
		{
			name:    "no common signature algorithm",
			changes: failedHandshake(sigalgReason),
			want:    failedRecord(sigalgReason, "incompatible"),
		},
		{
			name:    "client alert about the server certificate",
			changes: failedHandshake(alertReason),
			want:    failedRecord(alertReason, "handshake_error"),
		},
		{
			name:    "unknown reason",
			changes: failedHandshake(unknownReason),
			want:    failedRecord(unknownReason, "other"),
		},
		{
			name:    "no matching filter chain",
			changes: with(failedHandshake("-"), map[string]any{"response_flags": "NR"}),
			want: modified(failedRecord("", "handshake_error"), func(r *terminator.Record) {
				r.VerifyRaw = sql.NullString{}
				r.Detail = str("response flags: NR")
			}),
		},
		{
			name:    "no matching filter chain long flag name",
			changes: with(failedHandshake("-"), map[string]any{"response_flags": "DownstreamConnectionTermination,NoRouteFound"}),
			want: modified(failedRecord("", "handshake_error"), func(r *terminator.Record) {
				r.VerifyRaw = sql.NullString{}
				r.Detail = str("response flags: DownstreamConnectionTermination,NoRouteFound")
			}),
		},
		{
			name:    "closed before the handshake completed",
			changes: with(failedHandshake("-"), map[string]any{"bytes_sent": "0"}),
			want: modified(failedRecord("", "handshake_error"), func(r *terminator.Record) {
				r.VerifyRaw = sql.NullString{}
				r.BytesSent = i64(0)
			}),
		},
		{
			name:    "handshake time",
			changes: map[string]any{"downstream_handshake_us": "1834"},
			want:    modified(listenerRecord, func(r *terminator.Record) { r.HandshakeTime = f64(0.001834) }),
		},
		{
			name:    "empty strings are null",
			changes: map[string]any{"requested_server_name": "", "connection_id": ""},
			want: modified(listenerRecord, func(r *terminator.Record) {
				r.SNI = sql.NullString{}
				r.ConnectionID = sql.NullString{}
			}),
		},
		{
			name:    "validity end in another format kept out",
			changes: map[string]any{"downstream_peer_cert_v_end": "Jan  4 08:00:00 2027 GMT"},
			want:    modified(listenerRecord, func(r *terminator.Record) { r.CertNotAfter = sql.NullTime{} }),
		},
		{
			name:    "subject that identity cannot read",
			changes: map[string]any{"downstream_peer_subject": "C = US, O = Example Payments, CN = payments-client.example.org"},
			want: modified(listenerRecord, func(r *terminator.Record) {
				r.SubjectRaw = str("C = US, O = Example Payments, CN = payments-client.example.org")
				r.Subject = sql.NullString{}
			}),
		},
		{
			name:    "subject with escaped comma",
			changes: map[string]any{"downstream_peer_subject": `CN=kiosk-17,O=Example\, Inc.,C=US`},
			want: modified(listenerRecord, func(r *terminator.Record) {
				r.SubjectRaw = str(`CN=kiosk-17,O=Example\, Inc.,C=US`)
				r.Subject = str(`CN=kiosk-17,O=Example\, Inc.,C=US`)
			}),
		},
		{
			name:    "serial that is not hex",
			changes: map[string]any{"downstream_peer_serial": "serial-42"},
			want: modified(listenerRecord, func(r *terminator.Record) {
				r.SerialRaw = str("serial-42")
				r.Serial = sql.NullString{}
			}),
		},
		{
			name: "only the required keys",
			changes: map[string]any{
				"connection_id": deleted, "requested_server_name": deleted, "downstream_tls_cipher": deleted,
				"downstream_peer_issuer": deleted, "downstream_peer_serial": deleted, "downstream_peer_cert_v_end": deleted,
				"response_flags": deleted, "duration": deleted, "bytes_sent": deleted,
			},
			want: terminator.Record{
				Source:      terminator.SourceEnvoy,
				Kind:        terminator.KindHandshake,
				Time:        utc("2026-12-03T14:00:01.123Z"),
				ClientIP:    "198.51.100.23",
				ClientPort:  i32(51734),
				TLSProtocol: str("TLSv1.3"),
				Outcome:     "ok",
				SubjectRaw:  str(subject),
				Subject:     str(subject),
			},
		},
		{
			name:    "unknown keys ignored",
			changes: map[string]any{"filter_chain_name": "mtls", "upstream_host": nil, "nested": map[string]any{"a": 1}},
			want:    listenerRecord,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := readOne(t, jsonLine(t, with(listenerFields, tt.changes))+"\n")
			require.NoError(t, err)
			assert.Equal(t, tt.want, rec)
		})
	}
}

func TestReadListenerCertificate(t *testing.T) {
	pemText, err := os.ReadFile("testdata/client.pem")
	require.NoError(t, err)

	tests := []struct {
		name  string
		value string
		want  sql.NullString
	}{
		{name: "URL-encoded PEM", value: url.PathEscape(string(pemText)), want: str(string(pemText))},
		{name: "every byte escaped", value: escapeAll(string(pemText)), want: str(string(pemText))},
		{name: "not PEM", value: "MIIB0zCCAXmgAwIBAgII", want: sql.NullString{}},
		{name: "invalid escape", value: "%ZZ" + url.PathEscape(string(pemText)), want: sql.NullString{}},
		{name: "PEM of another type", value: url.PathEscape("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), want: sql.NullString{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := jsonLine(t, with(listenerFields, map[string]any{"downstream_peer_cert": tt.value}))
			rec, err := readOne(t, line)
			require.NoError(t, err)
			assert.Equal(t, tt.want, rec.CertPEM)
			assert.Equal(t, "ok", rec.Outcome)
		})
	}
}

// escapeAll percent-encodes every byte of s.
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteString("%")
		b.WriteString(strings.ToUpper(hex2(s[i])))
	}
	return b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// httpFields is an HTTP entry of a verified client's request, as the
// deprecated json_format writes it.
var httpFields = map[string]any{
	"start_time":                 "2026-12-03T14:00:01.180Z",
	"connection_id":              "4711",
	"downstream_remote_address":  "198.51.100.23:51734",
	"requested_server_name":      "payments.example.com",
	"downstream_tls_version":     "TLSv1.3",
	"downstream_tls_cipher":      "TLS_AES_128_GCM_SHA256",
	"downstream_peer_subject":    subject,
	"downstream_peer_issuer":     issuer,
	"downstream_peer_serial":     "4c1a7e0093b2f5d8",
	"downstream_peer_cert_v_end": "2027-01-04T08:00:00.000Z",
	"method":                     "POST",
	"path":                       "/v1/payments",
	"user_agent":                 "payments-sdk/4.2.1 (linux; go1.26)",
	"x_forwarded_for":            "-",
	"response_code":              "201",
	"response_flags":             "-",
	"bytes_sent":                 "512",
	"duration":                   "48",
	"request_tx_duration":        "3",
	"response_duration":          "45",
}

var httpRecord = terminator.Record{
	Source:             terminator.SourceEnvoy,
	Kind:               terminator.KindRequest,
	Time:               utc("2026-12-03T14:00:01.228Z"),
	ConnectionID:       str("4711"),
	ClientIP:           "198.51.100.23",
	ClientPort:         i32(51734),
	SNI:                str("payments.example.com"),
	TLSProtocol:        str("TLSv1.3"),
	TLSCipher:          str("TLS_AES_128_GCM_SHA256"),
	Outcome:            "ok",
	SubjectRaw:         str(subject),
	IssuerRaw:          str(issuer),
	SerialRaw:          str("4c1a7e0093b2f5d8"),
	Subject:            str(subject),
	Issuer:             str(issuer),
	Serial:             str("4C1A7E0093B2F5D8"),
	CertNotAfter:       at("2027-01-04T08:00:00Z"),
	Method:             str("POST"),
	URI:                str("/v1/payments"),
	Status:             i32(201),
	UserAgent:          str("payments-sdk/4.2.1 (linux; go1.26)"),
	BytesSent:          i64(512),
	RequestTime:        f64(0.048),
	UpstreamHeaderTime: f64(0.042),
}

func TestReadHTTPEntry(t *testing.T) {
	tests := []struct {
		name    string
		changes map[string]any
		want    terminator.Record
	}{
		{
			name: "verified request",
			want: httpRecord,
		},
		{
			name: "typed JSON numbers and nulls",
			changes: map[string]any{
				"connection_id":       4711,
				"response_code":       201,
				"bytes_sent":          512,
				"duration":            48,
				"request_tx_duration": 3,
				"response_duration":   45,
				"x_forwarded_for":     nil,
				"response_flags":      nil,
			},
			want: httpRecord,
		},
		{
			name:    "IPv6 client",
			changes: map[string]any{"downstream_remote_address": "[2001:db8::77]:41000"},
			want: modified(httpRecord, func(r *terminator.Record) {
				r.ClientIP = "2001:db8::77"
				r.ClientPort = i32(41000)
			}),
		},
		{
			name:    "forwarded for",
			changes: map[string]any{"x_forwarded_for": "203.0.113.9, 10.0.1.5"},
			want:    modified(httpRecord, func(r *terminator.Record) { r.ForwardedFor = str("203.0.113.9, 10.0.1.5") }),
		},
		{
			name:    "request without client certificate",
			changes: map[string]any{"downstream_peer_subject": "-", "downstream_peer_issuer": "-", "downstream_peer_serial": "-", "downstream_peer_cert_v_end": "-"},
			want: modified(httpRecord, func(r *terminator.Record) {
				r.SubjectRaw, r.IssuerRaw, r.SerialRaw = sql.NullString{}, sql.NullString{}, sql.NullString{}
				r.Subject, r.Issuer, r.Serial = sql.NullString{}, sql.NullString{}, sql.NullString{}
				r.CertNotAfter = sql.NullTime{}
				r.Outcome = "no_cert"
			}),
		},
		{
			name: "request without TLS",
			changes: map[string]any{
				"requested_server_name": "-", "downstream_tls_version": "-", "downstream_tls_cipher": "-",
				"downstream_peer_subject": "-", "downstream_peer_issuer": "-", "downstream_peer_serial": "-", "downstream_peer_cert_v_end": "-",
			},
			want: modified(httpRecord, func(r *terminator.Record) {
				r.SNI, r.TLSProtocol, r.TLSCipher = sql.NullString{}, sql.NullString{}, sql.NullString{}
				r.SubjectRaw, r.IssuerRaw, r.SerialRaw = sql.NullString{}, sql.NullString{}, sql.NullString{}
				r.Subject, r.Issuer, r.Serial = sql.NullString{}, sql.NullString{}, sql.NullString{}
				r.CertNotAfter = sql.NullTime{}
				r.Outcome = ""
			}),
		},
		{
			name:    "client went away before a response",
			changes: map[string]any{"response_code": "0", "response_flags": "DC", "response_duration": "-", "bytes_sent": "0", "duration": "30000"},
			want: modified(httpRecord, func(r *terminator.Record) {
				r.Status = i32(0)
				r.Detail = str("response flags: DC")
				r.BytesSent = i64(0)
				r.Time = utc("2026-12-03T14:00:31.180Z")
				r.RequestTime = f64(30)
				r.UpstreamHeaderTime = sql.NullFloat64{}
			}),
		},
		{
			name:    "response started before the request was sent",
			changes: map[string]any{"request_tx_duration": "40", "response_duration": "12"},
			want:    modified(httpRecord, func(r *terminator.Record) { r.UpstreamHeaderTime = sql.NullFloat64{} }),
		},
		{
			name:    "request sent time missing",
			changes: map[string]any{"request_tx_duration": deleted},
			want:    modified(httpRecord, func(r *terminator.Record) { r.UpstreamHeaderTime = sql.NullFloat64{} }),
		},
		{
			name:    "response_code alone marks an HTTP entry",
			changes: map[string]any{"method": deleted},
			want:    modified(httpRecord, func(r *terminator.Record) { r.Method = sql.NullString{} }),
		},
		{
			name:    "failure reason key in an HTTP entry",
			changes: map[string]any{"downstream_transport_failure_reason": "-"},
			want:    httpRecord,
		},
		{
			name:    "unset method with the key present",
			changes: map[string]any{"method": "-", "path": "-", "response_code": "400"},
			want: modified(httpRecord, func(r *terminator.Record) {
				r.Method, r.URI = sql.NullString{}, sql.NullString{}
				r.Status = i32(400)
			}),
		},
		{
			name:    "decimal milliseconds",
			changes: map[string]any{"duration": "48.5", "request_tx_duration": "2.25", "response_duration": "44.75"},
			want: modified(httpRecord, func(r *terminator.Record) {
				r.Time = utc("2026-12-03T14:00:01.2285Z")
				r.RequestTime = f64(0.0485)
				r.UpstreamHeaderTime = f64(0.0425)
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := readOne(t, jsonLine(t, with(httpFields, tt.changes))+"\n")
			require.NoError(t, err)
			assert.Equal(t, tt.want, rec)
		})
	}
}

func TestReadInvalidEntry(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		sentinel error
		message  string // "" to check only the sentinel
	}{
		{
			name:     "text",
			line:     "Envoy started: listening on 0.0.0.0:443",
			sentinel: ErrNotJSONObject,
		},
		{
			name:     "array",
			line:     `[{"start_time":"2026-12-03T14:00:01.123Z"}]`,
			sentinel: ErrNotJSONObject,
		},
		{
			name:     "unclosed object",
			line:     `{"start_time":"2026-12-03T14:00:01.123Z","method":"GET"`,
			sentinel: ErrNotJSONObject,
		},
		{
			name:     "two objects",
			line:     jsonLine(t, httpFields) + jsonLine(t, httpFields),
			sentinel: ErrNotJSONObject,
		},
		{
			name:     "empty object",
			line:     "{}",
			sentinel: ErrUnknownEntry,
			message:  "line 1: neither an HTTP nor a listener access log entry: the object has none of the keys method, response_code and downstream_transport_failure_reason",
		},
		{
			name:     "JSON null",
			line:     "null",
			sentinel: ErrNotJSONObject,
			message:  `line 1: not a JSON object: "null"`,
		},
		{
			name:     "missing start time",
			line:     jsonLine(t, with(httpFields, map[string]any{"start_time": deleted})),
			sentinel: ErrMissingKey,
			message:  "line 1: missing key start_time",
		},
		{
			name:     "missing TLS version key",
			line:     jsonLine(t, with(listenerFields, map[string]any{"downstream_tls_version": deleted})),
			sentinel: ErrMissingKey,
			message:  "line 1: missing key downstream_tls_version",
		},
		{
			name:     "missing peer subject key",
			line:     jsonLine(t, with(httpFields, map[string]any{"downstream_peer_subject": deleted})),
			sentinel: ErrMissingKey,
			message:  "line 1: missing key downstream_peer_subject",
		},
		{
			name:     "start time unset",
			line:     jsonLine(t, with(httpFields, map[string]any{"start_time": nil})),
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: start_time is "null", expected a value`,
		},
		{
			name:     "start time in another format",
			line:     jsonLine(t, with(httpFields, map[string]any{"start_time": "03/Dec/2026:14:00:01 +0000"})),
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: start_time is "03/Dec/2026:14:00:01 +0000", expected an RFC 3339 time such as 2026-12-03T14:00:01.123Z`,
		},
		{
			name:     "remote address unset",
			line:     jsonLine(t, with(listenerFields, map[string]any{"downstream_remote_address": "-"})),
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: downstream_remote_address is "-", expected a value`,
		},
		{
			name:     "remote address without port",
			line:     jsonLine(t, with(listenerFields, map[string]any{"downstream_remote_address": "198.51.100.23"})),
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: downstream_remote_address is "198.51.100.23", expected an IP address and port such as 192.0.2.1:443 or [2001:db8::1]:443`,
		},
		{
			name:     "IPv6 remote address without brackets",
			line:     jsonLine(t, with(listenerFields, map[string]any{"downstream_remote_address": "2001:db8::1:443"})),
			sentinel: elblog.ErrSyntax,
		},
		{
			name:     "pipe remote address",
			line:     jsonLine(t, with(listenerFields, map[string]any{"downstream_remote_address": "/var/run/envoy.sock"})),
			sentinel: elblog.ErrSyntax,
		},
		{
			name:     "negative duration",
			line:     jsonLine(t, with(listenerFields, map[string]any{"duration": "-5"})),
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: duration is "-5", expected a number of milliseconds`,
		},
		{
			name:     "duration in exponent form",
			line:     jsonLine(t, with(listenerFields, map[string]any{"duration": 3e+21})),
			sentinel: elblog.ErrSyntax,
		},
		{
			name:     "duration beyond time.Duration",
			line:     jsonLine(t, with(listenerFields, map[string]any{"duration": "9300000000000000"})),
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: duration is "9300000000000000", expected a number of milliseconds that a time.Duration holds`,
		},
		{
			name:     "boolean duration",
			line:     jsonLine(t, with(listenerFields, map[string]any{"duration": true})),
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: duration is "true", expected a number of milliseconds`,
		},
		{
			name:     "fractional byte count",
			line:     jsonLine(t, with(httpFields, map[string]any{"bytes_sent": "1.5"})),
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: bytes_sent is "1.5", expected a whole number`,
		},
		{
			name:     "status out of range",
			line:     jsonLine(t, with(httpFields, map[string]any{"response_code": "1000"})),
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: response_code is "1000", expected an HTTP status from 0 to 999`,
		},
		{
			name:     "object as method",
			line:     jsonLine(t, with(httpFields, map[string]any{"method": map[string]any{"value": "GET"}})),
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: method is "{\"value\":\"GET\"}", expected a string`,
		},
		{
			name:     "handshake time not a number",
			line:     jsonLine(t, with(listenerFields, map[string]any{"downstream_handshake_us": "fast"})),
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: downstream_handshake_us is "fast", expected a number of microseconds`,
		},
		{
			name:     "response duration not a number",
			line:     jsonLine(t, with(httpFields, map[string]any{"response_duration": "soon"})),
			sentinel: elblog.ErrSyntax,
			message:  `line 1: invalid value: response_duration is "soon", expected a number of milliseconds`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := readOne(t, tt.line+"\n")
			var parseErr *elblog.ParseError
			require.ErrorAs(t, err, &parseErr)
			assert.Equal(t, 1, parseErr.Line, "ParseError.Line")
			assert.Equal(t, 0, parseErr.Field, "ParseError.Field")
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
		connectionID string
		sentinel     error
	}{
		{connectionID: "4711"},
		{sentinel: ErrNotJSONObject},
		{sentinel: ErrNotJSONObject},
		{sentinel: ErrUnknownEntry},
		{sentinel: elblog.ErrEmptyLine},
		{sentinel: ErrMissingKey},
		{sentinel: elblog.ErrSyntax},
		{sentinel: elblog.ErrSyntax},
		{sentinel: elblog.ErrSyntax},
		{connectionID: "4711"},
		{sentinel: elblog.ErrSyntax},
		{sentinel: elblog.ErrSyntax},
		{sentinel: elblog.ErrSyntax},
		{sentinel: ErrNotJSONObject},
		{connectionID: "4712"},
	}
	rawLines := fileLines(t, "testdata/with_errors.log")
	require.Len(t, rawLines, len(want), "lines in the test file")

	r := NewReader(file)
	var rec terminator.Record
	for i, w := range want {
		err := r.Read(&rec)
		lineNumber := i + 1
		assert.Equal(t, lineNumber, r.Line(), "Line after read %d", lineNumber)
		assert.Equal(t, rawLines[i], r.Raw(), "Raw of line %d", lineNumber)

		if w.sentinel == nil {
			require.NoError(t, err, "line %d", lineNumber)
			assert.Equal(t, str(w.connectionID), rec.ConnectionID, "connection_id of line %d", lineNumber)
			continue
		}
		var parseErr *elblog.ParseError
		require.ErrorAs(t, err, &parseErr, "line %d", lineNumber)
		assert.Equal(t, lineNumber, parseErr.Line, "ParseError.Line")
		assert.ErrorIs(t, err, w.sentinel, "line %d", lineNumber)
	}

	assert.Equal(t, io.EOF, r.Read(&rec))
	assert.Equal(t, len(want), r.Line(), "Line after the end")
}

func TestReadMixedLogs(t *testing.T) {
	input := jsonLine(t, listenerFields) + "\r\n" + jsonLine(t, httpFields) + "\r\n" + jsonLine(t, listenerFields)
	r := NewReader(strings.NewReader(input))
	var rec terminator.Record

	require.NoError(t, r.Read(&rec))
	assert.Equal(t, listenerRecord, rec)
	require.NoError(t, r.Read(&rec))
	assert.Equal(t, httpRecord, rec)
	require.NoError(t, r.Read(&rec))
	assert.Equal(t, listenerRecord, rec)
	assert.Equal(t, jsonLine(t, listenerFields), r.Raw(), "Raw of the last line")

	assert.Equal(t, io.EOF, r.Read(&rec))
	assert.Equal(t, 3, r.Line(), "Line after the end")
}

func TestReadResetsRecord(t *testing.T) {
	input := jsonLine(t, httpFields) + "\n" + jsonLine(t, listenerFields) + "\n" + "not JSON\n"
	r := NewReader(strings.NewReader(input))
	var rec terminator.Record

	require.NoError(t, r.Read(&rec))
	require.NoError(t, r.Read(&rec))
	assert.Equal(t, listenerRecord, rec, "fields of the HTTP entry left over")

	assert.Error(t, r.Read(&rec))
	assert.Equal(t, terminator.Record{}, rec, "fields left over after an error")
}

func TestReadEmptyInput(t *testing.T) {
	r := NewReader(strings.NewReader(""))
	var rec terminator.Record

	for range 2 {
		assert.Equal(t, io.EOF, r.Read(&rec))
		assert.Equal(t, 0, r.Line())
		assert.Equal(t, "", r.Raw())
	}
}

func TestReadLineTooLong(t *testing.T) {
	long := with(listenerFields, map[string]any{"padding": strings.Repeat("x", elblog.MaxLineBytes)})
	r := NewReader(strings.NewReader(jsonLine(t, long) + "\n" + jsonLine(t, listenerFields) + "\n"))
	var rec terminator.Record

	err := r.Read(&rec)
	var parseErr *elblog.ParseError
	require.ErrorAs(t, err, &parseErr)
	assert.Equal(t, 1, parseErr.Line)
	assert.ErrorIs(t, err, elblog.ErrLineTooLong)
	assert.Equal(t, elblog.MaxLineBytes, len(r.Raw()), "length of Raw")

	require.NoError(t, r.Read(&rec))
	assert.Equal(t, listenerRecord, rec)
	assert.Equal(t, 2, r.Line())
}

func TestReadUnderlyingErrorIsFinal(t *testing.T) {
	var compressed bytes.Buffer
	zw := gzip.NewWriter(&compressed)
	_, err := io.WriteString(zw, jsonLine(t, listenerFields)+"\n"+jsonLine(t, httpFields)+"\n")
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	data := compressed.Bytes()

	// The gzip trailer is the CRC-32 and the length of the data, 8 bytes.
	badChecksum := bytes.Clone(data)
	badChecksum[len(badChecksum)-8] ^= 0xff

	zr, err := gzip.NewReader(bytes.NewReader(badChecksum))
	require.NoError(t, err)
	r := NewReader(zr)
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
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		lines = append(lines, scanner.Text())
	}
	require.NoError(t, scanner.Err())
	return lines
}
