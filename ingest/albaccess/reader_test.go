package albaccess

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/elblog"
)

// fullFields are the 33 fields of an https request with every field set, as
// logged. Lines of older generations are prefixes of it.
var fullFields = []string{
	"https",
	"2025-11-03T10:15:30.123456Z",
	"app/web-lb/0123456789abcdef",
	"203.0.113.7:51234",
	"10.0.1.15:8443",
	"0.001",
	"0.025",
	"0.000",
	"200",
	"201",
	"512",
	"2048",
	`"POST https://api.example.com:443/v1/orders?id=7 HTTP/1.1"`,
	`"okhttp/4.12.0"`,
	"TLS_AES_128_GCM_SHA256",
	"TLSv1.3",
	"arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef",
	`"Root=1-6728a1b2-0123456789abcdef01234567"`,
	`"api.example.com"`,
	`"arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555"`,
	"12",
	"2025-11-03T10:15:30.098000Z",
	`"waf,forward"`,
	`"https://www.example.com:443/moved"`,
	`"WAFConnectionTimeout"`,
	`"10.0.1.15:8443"`,
	`"201"`,
	`"Acceptable"`,
	`"NonCompliantHeader"`,
	"TID_0123456789abcdef0123456789abcdef",
	`"internal.example.com"`,
	`"/v2/orders?id=7"`,
	`"TransformSuccess"`,
}

// fullRecord is what fullFields read as.
var fullRecord = Record{
	Type:                   "https",
	Time:                   time.Date(2025, 11, 3, 10, 15, 30, 123456000, time.UTC),
	ELB:                    "app/web-lb/0123456789abcdef",
	ClientIP:               "203.0.113.7",
	ClientPort:             i32(51234),
	TargetIP:               str("10.0.1.15"),
	TargetPort:             i32(8443),
	RequestProcessingTime:  f64(0.001),
	TargetProcessingTime:   f64(0.025),
	ResponseProcessingTime: f64(0),
	ELBStatusCode:          i32(200),
	TargetStatusCode:       i32(201),
	ReceivedBytes:          i64(512),
	SentBytes:              i64(2048),
	RequestVerb:            str("POST"),
	RequestURL:             str("https://api.example.com:443/v1/orders?id=7"),
	RequestProto:           str("HTTP/1.1"),
	UserAgent:              str("okhttp/4.12.0"),
	SSLCipher:              str("TLS_AES_128_GCM_SHA256"),
	SSLProtocol:            str("TLSv1.3"),
	TargetGroupARN:         str("arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef"),
	TraceID:                str("Root=1-6728a1b2-0123456789abcdef01234567"),
	DomainName:             str("api.example.com"),
	ChosenCertARN:          str("arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555"),
	MatchedRulePriority:    i32(12),
	RequestCreationTime:    sql.NullTime{Time: time.Date(2025, 11, 3, 10, 15, 30, 98000000, time.UTC), Valid: true},
	ActionsExecuted:        str("waf,forward"),
	RedirectURL:            str("https://www.example.com:443/moved"),
	ErrorReason:            str("WAFConnectionTimeout"),
	TargetPortList:         str("10.0.1.15:8443"),
	TargetStatusCodeList:   str("201"),
	Classification:         str("Acceptable"),
	ClassificationReason:   str("NonCompliantHeader"),
	ConnTraceID:            str("TID_0123456789abcdef0123456789abcdef"),
	TransformedHost:        str("internal.example.com"),
	TransformedURI:         str("/v2/orders?id=7"),
	RequestTransformStatus: str("TransformSuccess"),
}

// logFieldOf maps the index of each Record struct field to the number of the
// log field it comes from. Extra comes from fields 34 and up.
var logFieldOf = []int{
	1, 2, 3, 4, 4, 5, 5, 6, 7, 8, 9, 10, 11, 12, 13, 13, 13, 14, 15, 16, 17, 18,
	19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
}

// recordUpTo returns fullRecord with every field after log field n zeroed:
// what a line of the first n fields reads as.
func recordUpTo(n int) Record {
	rec := fullRecord
	v := reflect.ValueOf(&rec).Elem()
	for i := range v.NumField() {
		if logFieldOf[i] > n {
			v.Field(i).SetZero()
		}
	}
	return rec
}

// lineWith returns the first n fields of fullFields, with the fields in
// replace (keyed by field number) swapped in, joined into a line.
func lineWith(n int, replace map[int]string) string {
	fields := append([]string(nil), fullFields[:n]...)
	for k, v := range replace {
		fields[k-1] = v
	}
	return strings.Join(fields, " ")
}

func str(v string) sql.NullString   { return sql.NullString{String: v, Valid: true} }
func i32(v int32) sql.NullInt32     { return sql.NullInt32{Int32: v, Valid: true} }
func i64(v int64) sql.NullInt64     { return sql.NullInt64{Int64: v, Valid: true} }
func f64(v float64) sql.NullFloat64 { return sql.NullFloat64{Float64: v, Valid: true} }

// readOne reads the only line of input and fails the test on any error.
func readOne(t *testing.T, input string) Record {
	t.Helper()
	r := NewReader(strings.NewReader(input))
	var rec Record
	require.NoError(t, r.Read(&rec))
	require.ErrorIs(t, r.Read(&Record{}), io.EOF)
	return rec
}

func TestRecordFieldMapCoversRecord(t *testing.T) {
	require.Equal(t, reflect.TypeFor[Record]().NumField(), len(logFieldOf))
	require.Len(t, fullFields, knownFields)
}

func TestReadGenerations(t *testing.T) {
	tests := []struct {
		name   string
		fields int
	}{
		{name: "2016 through trace_id", fields: 18},
		{name: "TLS names", fields: 20},
		{name: "matched_rule_priority", fields: 21},
		{name: "request_creation_time", fields: 22},
		{name: "redirect_url", fields: 24},
		{name: "error_reason", fields: 25},
		{name: "target lists", fields: 27},
		{name: "classification", fields: 29},
		{name: "conn_trace_id", fields: 30},
		{name: "rule transforms", fields: 33},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := readOne(t, lineWith(tt.fields, nil)+"\n")
			require.Equal(t, recordUpTo(tt.fields), rec)
		})
	}
}

func TestReadExtraFields(t *testing.T) {
	tests := []struct {
		name      string
		extra     string
		wantExtra string
	}{
		{name: "node address", extra: "10.0.5.9", wantExtra: "10.0.5.9"},
		{name: "quoted fields kept quoted", extra: `10.0.5.9 "a b" "-"`, wantExtra: `10.0.5.9 "a b" "-"`},
		{name: "escapes kept as logged", extra: `"say \"hi\" \x22"`, wantExtra: `"say \"hi\" \x22"`},
		{name: "unterminated quote", extra: `"never closed`, wantExtra: `"never closed`},
		{name: "bare quote", extra: `ab"c 7`, wantExtra: `ab"c 7`},
		{name: "space at the end", extra: "10.0.5.9 ", wantExtra: "10.0.5.9 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := readOne(t, lineWith(knownFields, nil)+" "+tt.extra+"\n")

			want := fullRecord
			want.Extra = tt.wantExtra
			require.Equal(t, want, rec)
		})
	}
}

func TestReadExtraAfterEscapedKnownFields(t *testing.T) {
	// The offset of field 34 must skip escaped quotes inside earlier fields.
	line := lineWith(knownFields, map[int]string{
		13: `"GET http://h:80/a\"b HTTP/1.1"`,
		14: `"ua \\ \"x\""`,
		33: `"a\"b"`,
	}) + ` 10.0.5.9 "x"`

	rec := readOne(t, line)

	assert.Equal(t, str(`http://h:80/a"b`), rec.RequestURL)
	assert.Equal(t, str(`ua \ "x"`), rec.UserAgent)
	assert.Equal(t, str(`a"b`), rec.RequestTransformStatus)
	assert.Equal(t, `10.0.5.9 "x"`, rec.Extra)
}

func TestReadAddresses(t *testing.T) {
	tests := []struct {
		name           string
		client, target string
		wantClientIP   string
		wantClientPort int32
		wantTargetIP   sql.NullString
		wantTargetPort sql.NullInt32
	}{
		{
			name:   "IPv4",
			client: "192.168.131.39:2817", target: "10.0.0.1:80",
			wantClientIP: "192.168.131.39", wantClientPort: 2817,
			wantTargetIP: str("10.0.0.1"), wantTargetPort: i32(80),
		},
		{
			name:   "IPv6 without brackets",
			client: "2001:db8:85a3::8a2e:370:7334:50718", target: "fd6d:6bbc:c529:6::face:ed83:f46:80",
			wantClientIP: "2001:db8:85a3::8a2e:370:7334", wantClientPort: 50718,
			wantTargetIP: str("fd6d:6bbc:c529:6::face:ed83:f46"), wantTargetPort: i32(80),
		},
		{
			name:   "IPv6 in brackets",
			client: "[fe80::202:b3ff:fe1e:8329]:443", target: "[2001:db8::1]:80",
			wantClientIP: "[fe80::202:b3ff:fe1e:8329]", wantClientPort: 443,
			wantTargetIP: str("[2001:db8::1]"), wantTargetPort: i32(80),
		},
		{
			name:   "no target",
			client: "192.168.131.39:2817", target: "-",
			wantClientIP: "192.168.131.39", wantClientPort: 2817,
		},
		{
			name:   "port 0 and 65535",
			client: "192.0.2.1:0", target: "10.0.0.1:65535",
			wantClientIP: "192.0.2.1", wantClientPort: 0,
			wantTargetIP: str("10.0.0.1"), wantTargetPort: i32(65535),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := readOne(t, lineWith(knownFields, map[int]string{4: tt.client, 5: tt.target}))

			assert.Equal(t, tt.wantClientIP, rec.ClientIP)
			assert.Equal(t, i32(tt.wantClientPort), rec.ClientPort)
			assert.Equal(t, tt.wantTargetIP, rec.TargetIP)
			assert.Equal(t, tt.wantTargetPort, rec.TargetPort)
		})
	}
}

func TestReadRequestLine(t *testing.T) {
	tests := []struct {
		name    string
		request string
		verb    sql.NullString
		url     sql.NullString
		proto   sql.NullString
	}{
		{
			name:    "plain",
			request: `"GET http://www.example.com:80/ HTTP/1.1"`,
			verb:    str("GET"), url: str("http://www.example.com:80/"), proto: str("HTTP/1.1"),
		},
		{
			name:    "HTTP/2",
			request: `"GET https://10.0.2.105:773/ HTTP/2.0"`,
			verb:    str("GET"), url: str("https://10.0.2.105:773/"), proto: str("HTTP/2.0"),
		},
		{
			name:    "spaces in the URL",
			request: `"GET http://h:80/a b  c HTTP/1.1"`,
			verb:    str("GET"), url: str("http://h:80/a b  c"), proto: str("HTTP/1.1"),
		},
		{
			name:    "never parsed",
			request: `"- - -"`,
		},
		{
			name:    "never parsed with a trailing space",
			request: `"- - - "`,
		},
		{
			name:    "missing method and protocol",
			request: `"- http://awseb-e-1.us-east-1.elb.amazonaws.com:80- -"`,
			url:     str("http://awseb-e-1.us-east-1.elb.amazonaws.com:80-"),
		},
		{
			name:    "placeholder",
			request: `"-"`,
		},
		{
			name:    "empty",
			request: `""`,
		},
		{
			name:    "one space",
			request: `"GET /index.html"`,
			verb:    str("GET"), url: str("/index.html"),
		},
		{
			name:    "no space",
			request: `"\x16\x03\x01"`,
			url:     str(`\x16\x03\x01`),
		},
		{
			name:    "only spaces",
			request: `"   "`,
		},
		{
			name:    "escaped quotes decoded",
			request: `"GET http://h:80/?q=\x22x\x22&r=\"y\" HTTP/1.1"`,
			verb:    str("GET"), url: str(`http://h:80/?q="x"&r="y"`), proto: str("HTTP/1.1"),
		},
		{
			name:    "control bytes stay escaped",
			request: `"GET http://h:80/a\x0ab\x7f HTTP/1.1"`,
			verb:    str("GET"), url: str(`http://h:80/a\x0ab\x7f`), proto: str("HTTP/1.1"),
		},
		{
			name:    "percent-encoding kept",
			request: `"GET https://example.com:443/Ulysses%20Guimar%C3%A3es HTTP/1.1"`,
			verb:    str("GET"), url: str("https://example.com:443/Ulysses%20Guimar%C3%A3es"), proto: str("HTTP/1.1"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := readOne(t, lineWith(knownFields, map[int]string{13: tt.request}))

			assert.Equal(t, tt.verb, rec.RequestVerb, "verb")
			assert.Equal(t, tt.url, rec.RequestURL, "URL")
			assert.Equal(t, tt.proto, rec.RequestProto, "protocol")
		})
	}
}

func TestReadQuotedEscapes(t *testing.T) {
	tests := []struct {
		name      string
		userAgent string
		want      sql.NullString
	}{
		{name: "backslash quote", userAgent: `"Mozilla \"quoted\" agent"`, want: str(`Mozilla "quoted" agent`)},
		{name: "hex quote", userAgent: `"a\x22b\x22"`, want: str(`a"b"`)},
		{name: "backslash", userAgent: `"a\\b"`, want: str(`a\b`)},
		{name: "printable hex", userAgent: `"\x41\x7e"`, want: str("A~")},
		{name: "tab stays escaped", userAgent: `"tab\x09here"`, want: str(`tab\x09here`)},
		{name: "non-ASCII stays escaped", userAgent: `"caf\xc3\xa9"`, want: str(`caf\xc3\xa9`)},
		{name: "quote at the end", userAgent: `"ends with \""`, want: str(`ends with "`)},
		{name: "empty", userAgent: `""`, want: str("")},
		{name: "placeholder", userAgent: `"-"`},
		{name: "spaces", userAgent: `"Mozilla/5.0 (X11; Linux x86_64)"`, want: str("Mozilla/5.0 (X11; Linux x86_64)")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := readOne(t, lineWith(knownFields, map[int]string{14: tt.userAgent}))

			assert.Equal(t, tt.want, rec.UserAgent)
			assert.Equal(t, str("TransformSuccess"), rec.RequestTransformStatus)
		})
	}
}

func TestReadTargetLists(t *testing.T) {
	tests := []struct {
		name      string
		ports     string
		codes     string
		wantPorts sql.NullString
		wantCodes sql.NullString
	}{
		{
			name:  "quoted",
			ports: `"10.0.1.15:8443"`, codes: `"201"`,
			wantPorts: str("10.0.1.15:8443"), wantCodes: str("201"),
		},
		{
			name:  "unquoted",
			ports: "10.0.1.15:8443", codes: "201",
			wantPorts: str("10.0.1.15:8443"), wantCodes: str("201"),
		},
		{
			name:  "several targets",
			ports: `"10.0.1.15:8443 10.0.1.16:8443"`, codes: `"502 200"`,
			wantPorts: str("10.0.1.15:8443 10.0.1.16:8443"), wantCodes: str("502 200"),
		},
		{
			name:  "quoted placeholder",
			ports: `"-"`, codes: `"-"`,
		},
		{
			name:  "bare placeholder",
			ports: "-", codes: "-",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := readOne(t, lineWith(knownFields, map[int]string{26: tt.ports, 27: tt.codes}))

			assert.Equal(t, tt.wantPorts, rec.TargetPortList)
			assert.Equal(t, tt.wantCodes, rec.TargetStatusCodeList)
			assert.Equal(t, str("Acceptable"), rec.Classification)
		})
	}
}

func TestReadPlaceholders(t *testing.T) {
	// A request the load balancer rejected before routing it: every
	// optional field holds "-", quoted or not, and the timings are -1.
	line := `http 2021-03-17T18:54:14.216357Z app/web-lb/0123456789abcdef 113.241.19.90:15070 - -1 -1 -1 400 - 0 272 "- - -" "-" - - - "-" "-" "-" - - "-" "-" "-" "-" "-" "-" "-" - "-" "-" "-"`

	rec := readOne(t, line)

	assert.Equal(t, "http", rec.Type)
	assert.Equal(t, time.Date(2021, 3, 17, 18, 54, 14, 216357000, time.UTC), rec.Time)
	assert.Equal(t, "app/web-lb/0123456789abcdef", rec.ELB)
	assert.Equal(t, "113.241.19.90", rec.ClientIP)
	assert.Equal(t, i32(15070), rec.ClientPort)
	assert.Equal(t, i32(400), rec.ELBStatusCode)
	assert.Equal(t, i64(0), rec.ReceivedBytes)
	assert.Equal(t, i64(272), rec.SentBytes)

	want := Record{
		Type:          rec.Type,
		Time:          rec.Time,
		ELB:           rec.ELB,
		ClientIP:      rec.ClientIP,
		ClientPort:    rec.ClientPort,
		ELBStatusCode: rec.ELBStatusCode,
		ReceivedBytes: rec.ReceivedBytes,
		SentBytes:     rec.SentBytes,
	}
	assert.Equal(t, want, rec, "every other field is NULL")
}

func TestReadNumbers(t *testing.T) {
	tests := []struct {
		name    string
		replace map[int]string
		check   func(t *testing.T, rec Record)
	}{
		{
			name:    "status 000",
			replace: map[int]string{9: "000", 10: "000"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, i32(0), rec.ELBStatusCode)
				assert.Equal(t, i32(0), rec.TargetStatusCode)
			},
		},
		{
			name:    "no target status",
			replace: map[int]string{9: "502", 10: "-"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, i32(502), rec.ELBStatusCode)
				assert.Equal(t, sql.NullInt32{}, rec.TargetStatusCode)
			},
		},
		{
			name:    "rule evaluation error",
			replace: map[int]string{21: "-1"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, i32(-1), rec.MatchedRulePriority)
			},
		},
		{
			name:    "default rule",
			replace: map[int]string{21: "0"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, i32(0), rec.MatchedRulePriority)
			},
		},
		{
			name:    "highest rule priority",
			replace: map[int]string{21: "50000"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, i32(50000), rec.MatchedRulePriority)
			},
		},
		{
			name:    "no matched rule",
			replace: map[int]string{21: "-"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, sql.NullInt32{}, rec.MatchedRulePriority)
			},
		},
		{
			name:    "one timing -1",
			replace: map[int]string{6: "0.000021", 7: "0.010962", 8: "-1"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, f64(0.000021), rec.RequestProcessingTime)
				assert.Equal(t, f64(0.010962), rec.TargetProcessingTime)
				assert.Equal(t, sql.NullFloat64{}, rec.ResponseProcessingTime)
			},
		},
		{
			name:    "timing -1.000 and -",
			replace: map[int]string{6: "-1.000", 7: "-", 8: "1.5"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, sql.NullFloat64{}, rec.RequestProcessingTime)
				assert.Equal(t, sql.NullFloat64{}, rec.TargetProcessingTime)
				assert.Equal(t, f64(1.5), rec.ResponseProcessingTime)
			},
		},
		{
			name:    "large byte counts",
			replace: map[int]string{11: "9223372036854775807", 12: "-"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, i64(9223372036854775807), rec.ReceivedBytes)
				assert.Equal(t, sql.NullInt64{}, rec.SentBytes)
			},
		},
		{
			name:    "creation time in milliseconds padded",
			replace: map[int]string{22: "2018-07-02T22:22:48.364000Z"},
			check: func(t *testing.T, rec Record) {
				want := time.Date(2018, 7, 2, 22, 22, 48, 364000000, time.UTC)
				assert.Equal(t, sql.NullTime{Time: want, Valid: true}, rec.RequestCreationTime)
			},
		},
		{
			name:    "session reused",
			replace: map[int]string{20: `"session-reused"`},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, str("session-reused"), rec.ChosenCertARN)
			},
		},
		{
			name:    "unknown type kept",
			replace: map[int]string{1: "grpcs"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "grpcs", rec.Type)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, readOne(t, lineWith(knownFields, tt.replace)))
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name      string
		line      string
		wantField int
		wantName  string
		wantErr   error
		wantText  string // the whole Error() text
	}{
		{
			name:     "three fields",
			line:     "http 2023-04-01T12:00:00Z alb",
			wantErr:  elblog.ErrFieldCount,
			wantText: "line 1: too few fields: found 3, need at least 18",
		},
		{
			name:     "17 fields",
			line:     lineWith(17, nil),
			wantErr:  elblog.ErrFieldCount,
			wantText: "line 1: too few fields: found 17, need at least 18",
		},
		{
			name:     "logging test file",
			line:     "Enable AccessLog for ELB: app/elb-name/abc123456 at 2025-05-30T16:47:00.781Z",
			wantErr:  elblog.ErrFieldCount,
			wantText: "line 1: too few fields: found 7, need at least 18",
		},
		{
			name:     "classic ELB line",
			line:     `2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -`,
			wantErr:  elblog.ErrFieldCount,
			wantText: "line 1: too few fields: found 15, need at least 18",
		},
		{
			name:      "NLB line",
			line:      "tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com - - - 2018-12-20T02:59:30",
			wantField: 2, wantName: "time",
			wantErr:  elblog.ErrSyntax,
			wantText: `line 1, field 2 (time): invalid value: "2.0"`,
		},
		{
			name:      "unterminated quote",
			line:      `field1 "field2 field3`,
			wantField: 2, wantName: "time",
			wantErr:  elblog.ErrQuote,
			wantText: "line 1, field 2 (time): quoted field not closed before the end of the line",
		},
		{
			name:      "quote inside the request",
			line:      lineWith(12, nil) + ` "GET / HTTP/1.1 "curl" - -`,
			wantField: 13, wantName: "request",
			wantErr:  elblog.ErrBareQuote,
			wantText: "line 1, field 13 (request): double quote inside a bare field",
		},
		{
			name:      "request never closed",
			line:      lineWith(12, nil) + ` "GET / HTTP/1.1`,
			wantField: 13, wantName: "request",
			wantErr: elblog.ErrQuote,
		},
		{
			name:      "quote inside a bare field",
			line:      lineWith(knownFields, map[int]string{3: `app/a"b/1`}),
			wantField: 3, wantName: "elb",
			wantErr: elblog.ErrBareQuote,
		},
		{
			name:      "no space after a quoted field",
			line:      lineWith(knownFields, map[int]string{14: `"curl"x`}),
			wantField: 14, wantName: "user_agent",
			wantErr: elblog.ErrBareQuote,
		},
		{
			name:      "bad time",
			line:      lineWith(knownFields, map[int]string{2: "2018-13-45T22:23:00.186641Z"}),
			wantField: 2, wantName: "time",
			wantErr:  elblog.ErrSyntax,
			wantText: `line 1, field 2 (time): invalid value: "2018-13-45T22:23:00.186641Z"`,
		},
		{
			name:      "time placeholder",
			line:      lineWith(knownFields, map[int]string{2: "-"}),
			wantField: 2, wantName: "time",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "type placeholder",
			line:      lineWith(knownFields, map[int]string{1: "-"}),
			wantField: 1, wantName: "type",
			wantErr:  elblog.ErrSyntax,
			wantText: `line 1, field 1 (type): invalid value: "-"`,
		},
		{
			name:      "elb placeholder",
			line:      lineWith(knownFields, map[int]string{3: `"-"`}),
			wantField: 3, wantName: "elb",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "client without port",
			line:      lineWith(knownFields, map[int]string{4: "192.168.0.1"}),
			wantField: 4, wantName: "client:port",
			wantErr:  elblog.ErrSyntax,
			wantText: `line 1, field 4 (client:port): invalid value: "192.168.0.1"`,
		},
		{
			name:      "client placeholder",
			line:      lineWith(knownFields, map[int]string{4: "-"}),
			wantField: 4, wantName: "client:port",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "target port out of range",
			line:      lineWith(knownFields, map[int]string{5: "10.0.0.1:65536"}),
			wantField: 5, wantName: "target:port",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "processing time not a number",
			line:      lineWith(knownFields, map[int]string{6: "abc"}),
			wantField: 6, wantName: "request_processing_time",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "processing time NaN",
			line:      lineWith(knownFields, map[int]string{7: "NaN"}),
			wantField: 7, wantName: "target_processing_time",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "status code of four digits",
			line:      lineWith(knownFields, map[int]string{9: "2000"}),
			wantField: 9, wantName: "elb_status_code",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "negative byte count",
			line:      lineWith(knownFields, map[int]string{11: "-5"}),
			wantField: 11, wantName: "received_bytes",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "byte count overflow",
			line:      lineWith(knownFields, map[int]string{12: "25000000000000000000"}),
			wantField: 12, wantName: "sent_bytes",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "rule priority below -1",
			line:      lineWith(knownFields, map[int]string{21: "-2"}),
			wantField: 21, wantName: "matched_rule_priority",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "bad creation time",
			line:      lineWith(knownFields, map[int]string{22: "yesterday"}),
			wantField: 22, wantName: "request_creation_time",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "two spaces",
			line:      strings.Replace(lineWith(knownFields, nil), "https ", "https  ", 1),
			wantField: 2, wantName: "time",
			wantErr:  elblog.ErrSyntax,
			wantText: "line 1, field 2 (time): invalid value: empty field (two spaces in a row, or a space at the end of the line)",
		},
		{
			name:      "space at the end",
			line:      lineWith(29, nil) + " ",
			wantField: 30, wantName: "conn_trace_id",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "first error wins",
			line:      lineWith(knownFields, map[int]string{6: "x", 9: "y"}),
			wantField: 6, wantName: "request_processing_time",
			wantErr: elblog.ErrSyntax,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.line + "\n"))
			rec := Record{Type: "stale"}

			err := r.Read(&rec)

			var pe *elblog.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, 1, pe.Line)
			assert.Equal(t, tt.wantField, pe.Field)
			assert.Equal(t, tt.wantName, pe.Name)
			assert.ErrorIs(t, err, tt.wantErr)
			if tt.wantText != "" {
				assert.EqualError(t, err, tt.wantText)
			}
			assert.Equal(t, Record{}, rec, "record after an error")
			assert.Equal(t, tt.line, r.Raw())
			assert.Equal(t, 1, r.Line())
			assert.ErrorIs(t, r.Read(&rec), io.EOF)
		})
	}
}

// readAll reads every line of input and returns, per line, the record or
// the error together with Line and Raw.
type result struct {
	rec  Record
	err  error
	line int
	raw  string
}

func readAll(t *testing.T, input io.Reader) []result {
	t.Helper()
	r := NewReader(input)
	var results []result
	for {
		var rec Record
		err := r.Read(&rec)
		if errors.Is(err, io.EOF) {
			return results
		}
		results = append(results, result{rec: rec, err: err, line: r.Line(), raw: r.Raw()})
		if len(results) > 1000 {
			t.Fatal("Read did not reach io.EOF")
		}
	}
}

func TestReadContinuesAfterBadLine(t *testing.T) {
	good := lineWith(knownFields, nil)
	input := good + "\n" + "not a log line\n" + lineWith(18, nil) + "\n"

	results := readAll(t, strings.NewReader(input))

	require.Len(t, results, 3)
	require.NoError(t, results[0].err)
	assert.Equal(t, fullRecord, results[0].rec)
	assert.Equal(t, 1, results[0].line)
	assert.Equal(t, good, results[0].raw)

	var pe *elblog.ParseError
	require.ErrorAs(t, results[1].err, &pe)
	assert.Equal(t, 2, pe.Line)
	assert.ErrorIs(t, pe, elblog.ErrFieldCount)
	assert.Equal(t, 2, results[1].line)
	assert.Equal(t, "not a log line", results[1].raw)

	require.NoError(t, results[2].err)
	assert.Equal(t, recordUpTo(18), results[2].rec)
	assert.Equal(t, 3, results[2].line)
}

func TestReadReusedRecordIsReset(t *testing.T) {
	r := NewReader(strings.NewReader(lineWith(knownFields, nil) + " 10.0.5.9\n" + lineWith(18, nil) + "\n"))
	var rec Record

	require.NoError(t, r.Read(&rec))
	assert.Equal(t, "10.0.5.9", rec.Extra)
	require.NoError(t, r.Read(&rec))

	assert.Equal(t, recordUpTo(18), rec)
}

func TestReadLineEndings(t *testing.T) {
	tests := []struct {
		name  string
		input string
	}{
		{name: "LF", input: "%s\n%s\n"},
		{name: "CRLF", input: "%s\r\n%s\r\n"},
		{name: "no newline at the end", input: "%s\n%s"},
		{name: "CRLF and no newline at the end", input: "%s\r\n%s"},
	}
	line := lineWith(knownFields, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := strings.ReplaceAll(tt.input, "%s", line)

			results := readAll(t, strings.NewReader(input))

			require.Len(t, results, 2)
			for i, res := range results {
				require.NoError(t, res.err)
				assert.Equal(t, fullRecord, res.rec)
				assert.Equal(t, i+1, res.line)
				assert.Equal(t, line, res.raw)
			}
		})
	}
}

func TestReadEmptyLine(t *testing.T) {
	line := lineWith(knownFields, nil)
	input := line + "\n\n" + line + "\n"

	results := readAll(t, strings.NewReader(input))

	require.Len(t, results, 3)
	require.NoError(t, results[0].err)

	var pe *elblog.ParseError
	require.ErrorAs(t, results[1].err, &pe)
	assert.ErrorIs(t, pe, elblog.ErrEmptyLine)
	assert.Equal(t, 2, pe.Line)
	assert.Equal(t, 0, pe.Field)
	assert.Equal(t, "", results[1].raw)

	require.NoError(t, results[2].err)
	assert.Equal(t, 3, results[2].line)
}

func TestReadLongLine(t *testing.T) {
	// 300 KiB is longer than the LineReader's buffer, so the line is
	// collected from several reads.
	userAgent := strings.Repeat("a", 300<<10)
	line := lineWith(knownFields, map[int]string{14: `"` + userAgent + `"`})

	results := readAll(t, strings.NewReader(line+"\n"+line+"\n"))

	require.Len(t, results, 2)
	for _, res := range results {
		require.NoError(t, res.err)
		assert.Equal(t, str(userAgent), res.rec.UserAgent)
		assert.Equal(t, str("TransformSuccess"), res.rec.RequestTransformStatus)
	}
}

func TestReadLineTooLong(t *testing.T) {
	userAgent := strings.Repeat("a", elblog.MaxLineBytes)
	tooLong := lineWith(knownFields, map[int]string{14: `"` + userAgent + `"`})
	line := lineWith(knownFields, nil)

	results := readAll(t, strings.NewReader(tooLong+"\n"+line+"\n"))

	require.Len(t, results, 2)
	var pe *elblog.ParseError
	require.ErrorAs(t, results[0].err, &pe)
	assert.ErrorIs(t, pe, elblog.ErrLineTooLong)
	assert.Equal(t, 1, pe.Line)
	assert.Len(t, results[0].raw, elblog.MaxLineBytes)
	assert.True(t, strings.HasPrefix(tooLong, results[0].raw), "raw is the start of the line")

	require.NoError(t, results[1].err)
	assert.Equal(t, fullRecord, results[1].rec)
	assert.Equal(t, 2, results[1].line)
}

// failingReader returns its data, then err.
type failingReader struct {
	data string
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadUnderlyingErrorIsFinal(t *testing.T) {
	errRead := errors.New("simulated read failure")
	r := NewReader(&failingReader{data: lineWith(knownFields, nil) + "\npartial line", err: errRead})
	var rec Record

	require.NoError(t, r.Read(&rec))
	err := r.Read(&rec)
	require.ErrorIs(t, err, errRead)

	var pe *elblog.ParseError
	assert.False(t, errors.As(err, &pe), "an input error is not a ParseError")
	assert.Equal(t, "", r.Raw())
	assert.ErrorIs(t, r.Read(&rec), errRead, "the error repeats")
	assert.Equal(t, Record{}, rec)
}

func TestReadCorruptGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write([]byte(lineWith(knownFields, nil) + "\n" + lineWith(knownFields, nil) + "\n"))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	data := buf.Bytes()
	data[len(data)-8] ^= 0xff // the CRC-32 in the gzip trailer

	zr, err := gzip.NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	r := NewReader(zr)
	var rec Record

	var readErr error
	for range 3 {
		if readErr = r.Read(&rec); readErr != nil {
			break
		}
	}

	require.ErrorIs(t, readErr, gzip.ErrChecksum)
	assert.ErrorIs(t, r.Read(&rec), gzip.ErrChecksum)
}

func TestReadEmptyInput(t *testing.T) {
	r := NewReader(strings.NewReader(""))
	var rec Record

	require.ErrorIs(t, r.Read(&rec), io.EOF)
	require.ErrorIs(t, r.Read(&rec), io.EOF)
	assert.Equal(t, 0, r.Line())
}

func TestReadAllocationsPerLine(t *testing.T) {
	if testing.Short() {
		t.Skip("measures allocations")
	}
	const lines = 1000
	input := strings.Repeat(lineWith(knownFields, nil)+"\n", lines)

	allocs := testing.AllocsPerRun(5, func() {
		r := NewReader(strings.NewReader(input))
		var rec Record
		for r.Read(&rec) == nil {
		}
	})

	// One string per line, plus the Reader's own buffers once per run.
	assert.LessOrEqual(t, allocs/lines, 1.01)
}
