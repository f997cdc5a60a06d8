package albconn

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"database/sql"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/elblog"
)

func str(s string) sql.NullString   { return sql.NullString{String: s, Valid: true} }
func i32(n int32) sql.NullInt32     { return sql.NullInt32{Int32: n, Valid: true} }
func f64(f float64) sql.NullFloat64 { return sql.NullFloat64{Float64: f, Valid: true} }
func at(s string) sql.NullTime      { return sql.NullTime{Time: utc(s), Valid: true} }
func modified(rec Record, change func(*Record)) Record {
	change(&rec)
	return rec
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// readOne reads the first line of input and checks that Line returns 1.
func readOne(t *testing.T, input string) (Record, error) {
	t.Helper()
	r := NewReader(strings.NewReader(input))
	var rec Record
	err := r.Read(&rec)
	assert.Equal(t, 1, r.Line(), "line number")
	return rec, err
}

// successLine has the shape of the AWS example of a connection whose client
// certificate was verified, with 12 fields.
const successLine = `2024-03-18T09:41:27.318204Z 198.51.100.23 51734 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4.036 ` +
	`"CN=payments-client.example.org,O=Example Payments,C=US" ` +
	`NotBefore=2024-01-05T08:00:00Z;NotAfter=2026-01-04T08:00:00Z 4C1A7E0093B2F5D8 Success ` +
	`TID_9d2e4f6a8b0c1d3e5f7a9b1c3d5e7f90`

var successRecord = Record{
	Time:                       utc("2024-03-18T09:41:27.318204Z"),
	ClientIP:                   "198.51.100.23",
	ClientPort:                 i32(51734),
	ListenerPort:               i32(443),
	TLSProtocol:                str("TLSv1.2"),
	TLSCipher:                  str("ECDHE-RSA-AES128-GCM-SHA256"),
	TLSHandshakeLatency:        f64(4.036),
	LeafClientCertSubject:      str("CN=payments-client.example.org,O=Example Payments,C=US"),
	LeafClientCertValidity:     str("NotBefore=2024-01-05T08:00:00Z;NotAfter=2026-01-04T08:00:00Z"),
	CertNotBefore:              at("2024-01-05T08:00:00Z"),
	CertNotAfter:               at("2026-01-04T08:00:00Z"),
	LeafClientCertSerialNumber: str("4C1A7E0093B2F5D8"),
	TLSVerifyStatus:            str("Success"),
	ConnTraceID:                str("TID_9d2e4f6a8b0c1d3e5f7a9b1c3d5e7f90"),
}

// fullLine is successLine with the three optional fields.
const fullLine = successLine + " X25519MLKEM768 app/payments-alb/50dc6c495c0c9188 10.0.12.34"

var fullRecord = modified(successRecord, func(r *Record) {
	r.TLSKeyExchange = str("X25519MLKEM768")
	r.ELB = str("app/payments-alb/50dc6c495c0c9188")
	r.IPAddress = str("10.0.12.34")
})

// successWithValidity returns successLine with its validity field replaced.
func successWithValidity(validity string) string {
	return strings.Replace(successLine, "NotBefore=2024-01-05T08:00:00Z;NotAfter=2026-01-04T08:00:00Z", validity, 1)
}

func TestReadRecord(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Record
	}{
		{
			name: "AWS example verified",
			line: successLine,
			want: successRecord,
		},
		{
			// The AWS example of a failed verification: the handshake did not
			// finish, so it has no latency.
			name: "AWS example failed verification",
			line: `2024-03-18T09:41:29.002117Z 203.0.113.77 40112 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 - ` +
				`"CN=kiosk-17.example.net,O=Unknown Vendor,C=US" ` +
				`NotBefore=2023-06-01T12:00:00Z;NotAfter=2026-06-01T12:00:00Z 0B7E44A1C9D2E3F4 Failed:ClientCertUntrusted ` +
				`TID_1f3e5d7c9b0a2e4d6c8b0a1f3e5d7c9b`,
			want: Record{
				Time:                       utc("2024-03-18T09:41:29.002117Z"),
				ClientIP:                   "203.0.113.77",
				ClientPort:                 i32(40112),
				ListenerPort:               i32(443),
				TLSProtocol:                str("TLSv1.2"),
				TLSCipher:                  str("ECDHE-RSA-AES128-GCM-SHA256"),
				LeafClientCertSubject:      str("CN=kiosk-17.example.net,O=Unknown Vendor,C=US"),
				LeafClientCertValidity:     str("NotBefore=2023-06-01T12:00:00Z;NotAfter=2026-06-01T12:00:00Z"),
				CertNotBefore:              at("2023-06-01T12:00:00Z"),
				CertNotAfter:               at("2026-06-01T12:00:00Z"),
				LeafClientCertSerialNumber: str("0B7E44A1C9D2E3F4"),
				TLSVerifyStatus:            str("Failed:ClientCertUntrusted"),
				ConnTraceID:                str("TID_1f3e5d7c9b0a2e4d6c8b0a1f3e5d7c9b"),
			},
		},
		{
			name: "13 fields with tls_keyexchange",
			line: successLine + " X25519MLKEM768",
			want: modified(successRecord, func(r *Record) { r.TLSKeyExchange = str("X25519MLKEM768") }),
		},
		{
			name: "14 fields with elb",
			line: successLine + " X25519MLKEM768 app/payments-alb/50dc6c495c0c9188",
			want: modified(successRecord, func(r *Record) {
				r.TLSKeyExchange = str("X25519MLKEM768")
				r.ELB = str("app/payments-alb/50dc6c495c0c9188")
			}),
		},
		{
			name: "15 fields with ip_address",
			line: fullLine,
			want: fullRecord,
		},
		{
			name: "16 fields keep the last in Extra",
			line: fullLine + " h2",
			want: modified(fullRecord, func(r *Record) { r.Extra = "h2" }),
		},
		{
			name: "extra fields kept as logged",
			line: fullLine + ` "quoted value, with spaces" next\x22 "esc\"aped" -`,
			want: modified(fullRecord, func(r *Record) { r.Extra = `"quoted value, with spaces" next\x22 "esc\"aped" -` }),
		},
		{
			name: "unclosed quote in extra fields",
			line: fullLine + ` h2 "never closed`,
			want: modified(fullRecord, func(r *Record) { r.Extra = `h2 "never closed` }),
		},
		{
			name: "bare quote in extra fields",
			line: fullLine + ` ab"c`,
			want: modified(fullRecord, func(r *Record) { r.Extra = `ab"c` }),
		},
		{
			name: "text after closing quote in extra fields",
			line: fullLine + ` "abc"d e`,
			want: modified(fullRecord, func(r *Record) { r.Extra = `"abc"d e` }),
		},
		{
			name: "trailing placeholder after conn_trace_id",
			line: successLine + " -",
			want: successRecord,
		},
		{
			name: "trailing placeholder after ip_address",
			line: fullLine + " -",
			want: modified(fullRecord, func(r *Record) { r.Extra = "-" }),
		},
		{
			name: "IPv6 client and node",
			line: `2024-03-18T09:42:00.000001Z 2001:db8:85a3::8a2e:370:7334 60211 443 TLSv1.3 TLS_AES_256_GCM_SHA384 0.011 ` +
				`"CN=v6-client.example.org,O=Example Payments,C=US" ` +
				`NotBefore=2024-01-05T08:00:00Z;NotAfter=2026-01-04T08:00:00Z 4C1A7E0093B2F5D9 Success ` +
				`TID_0a1b2c3d4e5f60718293a4b5c6d7e8f9 X25519 app/payments-alb/50dc6c495c0c9188 2600:1f18:4a3:6e00::1b`,
			want: Record{
				Time:                       utc("2024-03-18T09:42:00.000001Z"),
				ClientIP:                   "2001:db8:85a3::8a2e:370:7334",
				ClientPort:                 i32(60211),
				ListenerPort:               i32(443),
				TLSProtocol:                str("TLSv1.3"),
				TLSCipher:                  str("TLS_AES_256_GCM_SHA384"),
				TLSHandshakeLatency:        f64(0.011),
				LeafClientCertSubject:      str("CN=v6-client.example.org,O=Example Payments,C=US"),
				LeafClientCertValidity:     str("NotBefore=2024-01-05T08:00:00Z;NotAfter=2026-01-04T08:00:00Z"),
				CertNotBefore:              at("2024-01-05T08:00:00Z"),
				CertNotAfter:               at("2026-01-04T08:00:00Z"),
				LeafClientCertSerialNumber: str("4C1A7E0093B2F5D9"),
				TLSVerifyStatus:            str("Success"),
				ConnTraceID:                str("TID_0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
				TLSKeyExchange:             str("X25519"),
				ELB:                        str("app/payments-alb/50dc6c495c0c9188"),
				IPAddress:                  str("2600:1f18:4a3:6e00::1b"),
			},
		},
		{
			name: "listener without TLS",
			line: `2024-03-18T09:43:10.250000Z 192.0.2.44 49152 80 - - - - - - - TID_5f4e3d2c1b0a99887766554433221100`,
			want: Record{
				Time:         utc("2024-03-18T09:43:10.25Z"),
				ClientIP:     "192.0.2.44",
				ClientPort:   i32(49152),
				ListenerPort: i32(80),
				ConnTraceID:  str("TID_5f4e3d2c1b0a99887766554433221100"),
			},
		},
		{
			name: "placeholder in every nullable field",
			line: `2024-03-18T09:43:11.000000Z 192.0.2.45 - - - - - "-" - - - - - - -`,
			want: Record{
				Time:     utc("2024-03-18T09:43:11Z"),
				ClientIP: "192.0.2.45",
			},
		},
		{
			name: "subject with escaped quotes and commas",
			line: strings.Replace(successLine, `"CN=payments-client.example.org,O=Example Payments,C=US"`,
				`"CN=O\"Brien\, Pat,OU=R\x22D,O=Example\, Inc.,C=IE"`, 1),
			want: modified(successRecord, func(r *Record) {
				r.LeafClientCertSubject = str(`CN=O"Brien\, Pat,OU=R"D,O=Example\, Inc.,C=IE`)
			}),
		},
		{
			name: "empty quoted subject",
			line: strings.Replace(successLine, `"CN=payments-client.example.org,O=Example Payments,C=US"`, `""`, 1),
			want: modified(successRecord, func(r *Record) { r.LeafClientCertSubject = str("") }),
		},
		{
			name: "validity with fractional seconds",
			line: successWithValidity("NotBefore=2024-01-05T08:00:00.250Z;NotAfter=2026-01-04T08:00:00.750Z"),
			want: modified(successRecord, func(r *Record) {
				r.LeafClientCertValidity = str("NotBefore=2024-01-05T08:00:00.250Z;NotAfter=2026-01-04T08:00:00.750Z")
				r.CertNotBefore = at("2024-01-05T08:00:00.25Z")
				r.CertNotAfter = at("2026-01-04T08:00:00.75Z")
			}),
		},
		{
			// An unparsable validity keeps the line, because the verification
			// status in the same line matters more than the dates.
			name: "validity of another shape kept raw",
			line: successWithValidity("2024-01-05T08:00:00Z/2026-01-04T08:00:00Z"),
			want: modified(successRecord, func(r *Record) {
				r.LeafClientCertValidity = str("2024-01-05T08:00:00Z/2026-01-04T08:00:00Z")
				r.CertNotBefore = sql.NullTime{}
				r.CertNotAfter = sql.NullTime{}
			}),
		},
		{
			name: "validity with impossible date kept raw",
			line: successWithValidity("NotBefore=2024-02-30T00:00:00Z;NotAfter=2026-01-04T08:00:00Z"),
			want: modified(successRecord, func(r *Record) {
				r.LeafClientCertValidity = str("NotBefore=2024-02-30T00:00:00Z;NotAfter=2026-01-04T08:00:00Z")
				r.CertNotBefore = sql.NullTime{}
				r.CertNotAfter = sql.NullTime{}
			}),
		},
		{
			name: "validity without NotAfter kept raw",
			line: successWithValidity("NotBefore=2024-01-05T08:00:00Z"),
			want: modified(successRecord, func(r *Record) {
				r.LeafClientCertValidity = str("NotBefore=2024-01-05T08:00:00Z")
				r.CertNotBefore = sql.NullTime{}
				r.CertNotAfter = sql.NullTime{}
			}),
		},
		{
			name: "validity in reverse order kept raw",
			line: successWithValidity("NotAfter=2026-01-04T08:00:00Z;NotBefore=2024-01-05T08:00:00Z"),
			want: modified(successRecord, func(r *Record) {
				r.LeafClientCertValidity = str("NotAfter=2026-01-04T08:00:00Z;NotBefore=2024-01-05T08:00:00Z")
				r.CertNotBefore = sql.NullTime{}
				r.CertNotAfter = sql.NullTime{}
			}),
		},
		{
			name: "unknown verify status kept",
			line: strings.Replace(successLine, " Success ", " Failed:ClientCertSomethingNew ", 1),
			want: modified(successRecord, func(r *Record) { r.TLSVerifyStatus = str("Failed:ClientCertSomethingNew") }),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := readOne(t, tt.line+"\n")
			require.NoError(t, err)
			assert.Equal(t, tt.want, rec)
		})
	}
}

func TestReadInvalidLine(t *testing.T) {
	tests := []struct {
		name      string
		line      string
		field     int
		fieldName string
		sentinel  error
		message   string
	}{
		{
			name:      "timestamp not a time",
			line:      strings.Replace(successLine, "2024-03-18T09:41:27.318204Z", "yesterday", 1),
			field:     1,
			fieldName: "timestamp",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 1 (timestamp): invalid value: "yesterday", expected an ISO 8601 UTC time such as 2023-10-04T17:05:15.514108Z`,
		},
		{
			name:      "timestamp placeholder",
			line:      strings.Replace(successLine, "2024-03-18T09:41:27.318204Z", "-", 1),
			field:     1,
			fieldName: "timestamp",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 1 (timestamp): invalid value: "-", expected an ISO 8601 UTC time such as 2023-10-04T17:05:15.514108Z`,
		},
		{
			name:      "timestamp with impossible date",
			line:      strings.Replace(successLine, "2024-03-18T09:41:27.318204Z", "2024-02-30T09:41:27.318204Z", 1),
			field:     1,
			fieldName: "timestamp",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 1 (timestamp): invalid value: "2024-02-30T09:41:27.318204Z", expected an ISO 8601 UTC time such as 2023-10-04T17:05:15.514108Z`,
		},
		{
			name:      "client_ip not an address",
			line:      strings.Replace(successLine, "198.51.100.23", "198.51.100", 1),
			field:     2,
			fieldName: "client_ip",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 2 (client_ip): invalid value: "198.51.100", expected an IPv4 or IPv6 address`,
		},
		{
			name:      "client_ip with port",
			line:      strings.Replace(successLine, "198.51.100.23 51734", "198.51.100.23:51734 51734", 1),
			field:     2,
			fieldName: "client_ip",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 2 (client_ip): invalid value: "198.51.100.23:51734", expected an IPv4 or IPv6 address`,
		},
		{
			name:      "client_port not a number",
			line:      strings.Replace(successLine, " 51734 ", " 5173x ", 1),
			field:     3,
			fieldName: "client_port",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 3 (client_port): invalid value: "5173x", expected a port number from 0 to 65535 or "-"`,
		},
		{
			name:      "client_port above 65535",
			line:      strings.Replace(successLine, " 51734 ", " 65536 ", 1),
			field:     3,
			fieldName: "client_port",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 3 (client_port): invalid value: "65536", expected a port number from 0 to 65535 or "-"`,
		},
		{
			name:      "listener_port negative",
			line:      strings.Replace(successLine, " 443 ", " -443 ", 1),
			field:     4,
			fieldName: "listener_port",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 4 (listener_port): invalid value: "-443", expected a port number from 0 to 65535 or "-"`,
		},
		{
			name:      "latency not a number",
			line:      strings.Replace(successLine, " 4.036 ", " fast ", 1),
			field:     7,
			fieldName: "tls_handshake_latency",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 7 (tls_handshake_latency): invalid value: "fast", expected a number of seconds such as 0.004, or "-"`,
		},
		{
			name:      "latency NaN",
			line:      strings.Replace(successLine, " 4.036 ", " NaN ", 1),
			field:     7,
			fieldName: "tls_handshake_latency",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 7 (tls_handshake_latency): invalid value: "NaN", expected a number of seconds such as 0.004, or "-"`,
		},
		{
			name:      "latency negative",
			line:      strings.Replace(successLine, " 4.036 ", " -1 ", 1),
			field:     7,
			fieldName: "tls_handshake_latency",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 7 (tls_handshake_latency): invalid value: "-1", expected a number of seconds such as 0.004, or "-"`,
		},
		{
			name:      "11 fields",
			line:      strings.TrimSuffix(successLine, " TID_9d2e4f6a8b0c1d3e5f7a9b1c3d5e7f90"),
			field:     0,
			fieldName: "",
			sentinel:  elblog.ErrFieldCount,
			message:   `line 1: too few fields: the line has 11, but at least 12 (timestamp to conn_trace_id) are required`,
		},
		{
			name:      "one field",
			line:      "garbage",
			field:     0,
			fieldName: "",
			sentinel:  elblog.ErrFieldCount,
			message:   `line 1: too few fields: the line has 1, but at least 12 (timestamp to conn_trace_id) are required`,
		},
		{
			name:      "subject quote not closed",
			line:      strings.Replace(successLine, `C=US" `, `C=US `, 1),
			field:     8,
			fieldName: "leaf_client_cert_subject",
			sentinel:  elblog.ErrQuote,
			message: `line 1, field 8 (leaf_client_cert_subject): quoted field not closed before the end of the line: ` +
				`"\"CN=payments-client.example.org,O=Example Payments,C=US NotBefor"...`,
		},
		{
			name:      "double quote in bare field",
			line:      strings.Replace(successLine, " TLSv1.2 ", ` TLS"v1.2 `, 1),
			field:     5,
			fieldName: "tls_protocol",
			sentinel:  elblog.ErrBareQuote,
			message:   `line 1, field 5 (tls_protocol): double quote inside a bare field: "TLS\"v1.2"`,
		},
		{
			name:      "text after closing quote",
			line:      strings.Replace(successLine, `C=US" `, `C=US"x `, 1),
			field:     8,
			fieldName: "leaf_client_cert_subject",
			sentinel:  elblog.ErrBareQuote,
			message: `line 1, field 8 (leaf_client_cert_subject): double quote inside a bare field: ` +
				`"\"CN=payments-client.example.org,O=Example Payments,C=US\"x"`,
		},
		{
			name:      "doubled space",
			line:      strings.Replace(successLine, " TLSv1.2 ", "  TLSv1.2 ", 1),
			field:     5,
			fieldName: "tls_protocol",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 5 (tls_protocol): invalid value: "", expected a value or "-"`,
		},
		{
			name:      "trailing space after conn_trace_id",
			line:      successLine + " ",
			field:     13,
			fieldName: "tls_keyexchange",
			sentinel:  elblog.ErrSyntax,
			message:   `line 1, field 13 (tls_keyexchange): invalid value: "", expected a value or "-"`,
		},
		{
			name:      "long value cut in message",
			line:      strings.Replace(successLine, "2024-03-18T09:41:27.318204Z", strings.Repeat("9", 100), 1),
			field:     1,
			fieldName: "timestamp",
			sentinel:  elblog.ErrSyntax,
			message: `line 1, field 1 (timestamp): invalid value: "` + strings.Repeat("9", 64) +
				`"..., expected an ISO 8601 UTC time such as 2023-10-04T17:05:15.514108Z`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := readOne(t, tt.line+"\n")

			var parseErr *elblog.ParseError
			require.ErrorAs(t, err, &parseErr)
			assert.Equal(t, 1, parseErr.Line, "Line")
			assert.Equal(t, tt.field, parseErr.Field, "Field")
			assert.Equal(t, tt.fieldName, parseErr.Name, "Name")
			assert.ErrorIs(t, err, tt.sentinel)
			assert.EqualError(t, err, tt.message)
			assert.Equal(t, Record{}, rec, "record after an error")
		})
	}
}

// lineOutcome is the expected result of one Read: a record with the given
// conn_trace_id, or a ParseError.
type lineOutcome struct {
	TraceID  string
	Field    int
	Name     string
	Sentinel error
}

func TestReadGoesOnAfterBadLines(t *testing.T) {
	file, err := os.Open("testdata/with_errors.log")
	require.NoError(t, err)
	defer file.Close()

	want := []lineOutcome{
		{TraceID: "TID_01a1b2c3d4e5f60718293a4b5c6d7e8f"},
		{Field: 1, Name: "timestamp", Sentinel: elblog.ErrSyntax},
		{TraceID: "TID_03a1b2c3d4e5f60718293a4b5c6d7e8f"},
		{Field: 3, Name: "client_port", Sentinel: elblog.ErrSyntax},
		{Sentinel: elblog.ErrEmptyLine},
		{Sentinel: elblog.ErrFieldCount},
		{Field: 8, Name: "leaf_client_cert_subject", Sentinel: elblog.ErrQuote},
		{TraceID: "TID_08a1b2c3d4e5f60718293a4b5c6d7e8f"},
		{Field: 4, Name: "listener_port", Sentinel: elblog.ErrSyntax},
		{TraceID: "TID_10a1b2c3d4e5f60718293a4b5c6d7e8f"},
	}
	rawLines := fileLines(t, "testdata/with_errors.log")
	require.Len(t, rawLines, len(want), "lines in the test file")

	r := NewReader(file)
	var rec Record
	for i, w := range want {
		err := r.Read(&rec)
		lineNumber := i + 1
		assert.Equal(t, lineNumber, r.Line(), "Line after read %d", lineNumber)
		assert.Equal(t, rawLines[i], r.Raw(), "Raw of line %d", lineNumber)

		if w.Sentinel == nil {
			require.NoError(t, err, "line %d", lineNumber)
			assert.Equal(t, w.TraceID, rec.ConnTraceID.String, "conn_trace_id of line %d", lineNumber)
			continue
		}
		var parseErr *elblog.ParseError
		require.ErrorAs(t, err, &parseErr, "line %d", lineNumber)
		assert.Equal(t, lineNumber, parseErr.Line, "ParseError.Line")
		assert.Equal(t, w.Field, parseErr.Field, "ParseError.Field of line %d", lineNumber)
		assert.Equal(t, w.Name, parseErr.Name, "ParseError.Name of line %d", lineNumber)
		assert.ErrorIs(t, err, w.Sentinel, "line %d", lineNumber)
	}

	assert.Equal(t, io.EOF, r.Read(&rec))
	assert.Equal(t, len(want), r.Line(), "Line after the end")
}

func TestReadOptionalFieldsOfFullLine(t *testing.T) {
	rawLines := fileLines(t, "testdata/with_errors.log")
	rec, err := readOne(t, rawLines[7])
	require.NoError(t, err)

	assert.Equal(t, str("X25519"), rec.TLSKeyExchange)
	assert.Equal(t, str("app/billing-alb/50dc6c495c0c9188"), rec.ELB)
	assert.Equal(t, str("10.0.12.34"), rec.IPAddress)
	assert.Equal(t, "", rec.Extra)
}

func TestReadVerifyStatus(t *testing.T) {
	// One line per value in testdata/verify_status.log, in file order: every
	// reason AWS documents, one it does not, and the placeholder.
	want := []struct {
		status  sql.NullString
		latency sql.NullFloat64
		hasCert bool
	}{
		{status: str("Success"), latency: f64(0.004), hasCert: true},
		{status: str("Failed:ClientCertMaxChainDepthExceeded"), hasCert: true},
		{status: str("Failed:ClientCertMaxSizeExceeded")},
		{status: str("Failed:ClientCertCrlHit"), hasCert: true},
		{status: str("Failed:ClientCertCrlProcessingError"), hasCert: true},
		{status: str("Failed:ClientCertUntrusted"), hasCert: true},
		{status: str("Failed:ClientCertNotYetValid"), hasCert: true},
		{status: str("Failed:ClientCertExpired"), hasCert: true},
		{status: str("Failed:ClientCertTypeUnsupported"), hasCert: true},
		{status: str("Failed:ClientCertInvalid")},
		{status: str("Failed:ClientCertPurposeInvalid"), hasCert: true},
		{status: str("Failed:ClientCertRejected"), hasCert: true},
		{status: str("Failed:UnmappedConnectionError")},
		{status: str("Failed:ClientCertIncompatible"), hasCert: true},
		{status: str("Failed:ClientCertSignatureAlgorithmRetired"), hasCert: true},
		{status: sql.NullString{}, latency: f64(0.002)},
	}

	file, err := os.Open("testdata/verify_status.log")
	require.NoError(t, err)
	defer file.Close()

	r := NewReader(file)
	var rec Record
	for i, w := range want {
		name := w.status.String
		if !w.status.Valid {
			name = "placeholder"
		}
		t.Run(name, func(t *testing.T) {
			require.NoError(t, r.Read(&rec))
			assert.Equal(t, i+1, r.Line())
			assert.Equal(t, w.status, rec.TLSVerifyStatus)
			assert.Equal(t, w.latency, rec.TLSHandshakeLatency)
			assert.Equal(t, w.hasCert, rec.LeafClientCertSubject.Valid, "subject Valid")
			assert.Equal(t, w.hasCert, rec.LeafClientCertValidity.Valid, "validity Valid")
			assert.Equal(t, w.hasCert, rec.CertNotBefore.Valid, "NotBefore Valid")
			assert.Equal(t, w.hasCert, rec.CertNotAfter.Valid, "NotAfter Valid")
			assert.Equal(t, w.hasCert, rec.LeafClientCertSerialNumber.Valid, "serial number Valid")
		})
	}
	assert.Equal(t, io.EOF, r.Read(&rec))
}

func TestReadLineEndings(t *testing.T) {
	second := strings.Replace(successLine, "TID_9d2e4f6a8b0c1d3e5f7a9b1c3d5e7f90", "TID_00000000000000000000000000000002", 1)

	tests := []struct {
		name  string
		input string
	}{
		{name: "LF", input: successLine + "\n" + second + "\n"},
		{name: "CRLF", input: successLine + "\r\n" + second + "\r\n"},
		{name: "final line without newline", input: successLine + "\n" + second},
		{name: "CRLF and final line without newline", input: successLine + "\r\n" + second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.input))
			var rec Record

			require.NoError(t, r.Read(&rec))
			assert.Equal(t, successRecord, rec)
			assert.Equal(t, successLine, r.Raw())

			require.NoError(t, r.Read(&rec))
			assert.Equal(t, str("TID_00000000000000000000000000000002"), rec.ConnTraceID)
			assert.Equal(t, second, r.Raw())
			assert.Equal(t, 2, r.Line())

			assert.Equal(t, io.EOF, r.Read(&rec))
			assert.Equal(t, 2, r.Line(), "Line after the end")
		})
	}
}

func TestReadResetsRecord(t *testing.T) {
	input := fullLine + " h2\n" + successLine + "\n" + "not a log line\n"
	r := NewReader(strings.NewReader(input))
	var rec Record

	require.NoError(t, r.Read(&rec))
	assert.Equal(t, "h2", rec.Extra)

	require.NoError(t, r.Read(&rec))
	assert.Equal(t, successRecord, rec, "fields of the longer line left over")

	assert.Error(t, r.Read(&rec))
	assert.Equal(t, Record{}, rec, "fields left over after an error")
}

func TestReadEmptyInput(t *testing.T) {
	r := NewReader(strings.NewReader(""))
	var rec Record

	for range 2 {
		assert.Equal(t, io.EOF, r.Read(&rec))
		assert.Equal(t, 0, r.Line())
		assert.Equal(t, "", r.Raw())
	}
}

func TestReadLineTooLong(t *testing.T) {
	long := successLine + " " + strings.Repeat("x", elblog.MaxLineBytes)
	r := NewReader(strings.NewReader(long + "\n" + successLine + "\n"))
	var rec Record

	err := r.Read(&rec)
	var parseErr *elblog.ParseError
	require.ErrorAs(t, err, &parseErr)
	assert.Equal(t, 1, parseErr.Line)
	assert.Equal(t, 0, parseErr.Field)
	assert.ErrorIs(t, err, elblog.ErrLineTooLong)
	assert.Equal(t, elblog.MaxLineBytes, len(r.Raw()), "length of Raw")
	assert.True(t, strings.HasPrefix(r.Raw(), successLine), "Raw starts with the line")

	require.NoError(t, r.Read(&rec))
	assert.Equal(t, successRecord, rec)
	assert.Equal(t, 2, r.Line())
}

func TestReadUnderlyingErrorIsFinal(t *testing.T) {
	var compressed bytes.Buffer
	zw := gzip.NewWriter(&compressed)
	_, err := io.WriteString(zw, successLine+"\n"+fullLine+"\n")
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	data := compressed.Bytes()

	// The gzip trailer is the CRC-32 and the length of the data, 8 bytes.
	badChecksum := bytes.Clone(data)
	badChecksum[len(badChecksum)-8] ^= 0xff

	// How much of a truncated stream decompresses before the error depends on
	// compress/flate, so that case checks only that the error comes.
	tests := []struct {
		name       string
		data       []byte
		wantErr    error
		minRecords int
	}{
		{name: "wrong checksum", data: badChecksum, wantErr: gzip.ErrChecksum, minRecords: 2},
		{name: "truncated stream", data: data[:len(data)-12], wantErr: io.ErrUnexpectedEOF, minRecords: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zr, err := gzip.NewReader(bytes.NewReader(tt.data))
			require.NoError(t, err)
			r := NewReader(zr)
			var rec Record

			records := 0
			for err = r.Read(&rec); err == nil && records < 3; err = r.Read(&rec) {
				records++
			}
			assert.GreaterOrEqual(t, records, tt.minRecords, "records before the error")
			assert.ErrorIs(t, err, tt.wantErr)
			var parseErr *elblog.ParseError
			assert.False(t, errors.As(err, &parseErr), "reader error returned as a ParseError")

			again := r.Read(&rec)
			assert.Equal(t, err, again, "error of the next Read")
			assert.Equal(t, Record{}, rec)
		})
	}
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
