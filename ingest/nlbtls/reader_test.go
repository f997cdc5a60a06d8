package nlbtls

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

// fullFields are the 22 fields of a TLS connection with every field set, as
// logged. Lines of older generations are prefixes of it.
var fullFields = []string{
	"tls",
	"2.0",
	"2025-11-03T10:15:30",
	"net/mtls-nlb/0123456789abcdef",
	"f0e1d2c3b4a59687",
	"203.0.113.7:51234",
	"10.0.1.20:443",
	"1250",
	"12",
	"512",
	"2048",
	"0",
	"arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555",
	"0A1B2C3D",
	"ECDHE-RSA-AES128-GCM-SHA256",
	"tlsv12",
	"x25519",
	"api.example.com",
	"h2",
	"http/1.1",
	`"h2","http/1.1"`,
	"2025-11-03T10:15:29",
}

// fullRecord is what fullFields read as.
var fullRecord = Record{
	Type:                      "tls",
	Version:                   "2.0",
	Time:                      time.Date(2025, 11, 3, 10, 15, 30, 0, time.UTC),
	ELB:                       "net/mtls-nlb/0123456789abcdef",
	Listener:                  "f0e1d2c3b4a59687",
	ClientIP:                  "203.0.113.7",
	ClientPort:                i32(51234),
	DestinationIP:             str("10.0.1.20"),
	DestinationPort:           i32(443),
	ConnectionTimeMS:          f64(1250),
	TLSHandshakeTimeMS:        f64(12),
	ReceivedBytes:             i64(512),
	SentBytes:                 i64(2048),
	IncomingTLSAlert:          i32(0),
	ChosenCertARN:             str("arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555"),
	ChosenCertSerial:          str("0A1B2C3D"),
	TLSCipher:                 str("ECDHE-RSA-AES128-GCM-SHA256"),
	TLSProtocolVersion:        str("tlsv12"),
	TLSNamedGroup:             str("x25519"),
	DomainName:                str("api.example.com"),
	ALPNFEProtocol:            str("h2"),
	ALPNBEProtocol:            str("http/1.1"),
	ALPNClientPreferenceList:  str(`"h2","http/1.1"`),
	TLSConnectionCreationTime: sql.NullTime{Time: time.Date(2025, 11, 3, 10, 15, 29, 0, time.UTC), Valid: true},
}

// logFieldOf maps the index of each Record struct field to the number of the
// log field it comes from. Extra comes from fields 23 and up.
var logFieldOf = []int{
	1, 2, 3, 4, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
	20, 21, 22, 23,
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
	require.Len(t, fieldNames, knownFields)
}

func TestReadFullLine(t *testing.T) {
	rec := readOne(t, lineWith(knownFields, nil)+"\n")

	assert.Equal(t, fullRecord, rec)
	assert.Equal(t, time.UTC, rec.Time.Location())
	assert.Equal(t, time.UTC, rec.TLSConnectionCreationTime.Time.Location())
}

func TestReadGenerations(t *testing.T) {
	tests := []struct {
		name   string
		fields int
	}{
		{name: "before ALPN through domain_name", fields: 18},
		{name: "alpn_fe_protocol only", fields: 19},
		{name: "alpn_be_protocol only", fields: 20},
		{name: "ALPN fields", fields: 21},
		{name: "tls_connection_creation_time", fields: 22},
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
		{name: "one field", extra: "10.0.5.9", wantExtra: "10.0.5.9"},
		{name: "quoted fields kept quoted", extra: `10.0.5.9 "a b" "-"`, wantExtra: `10.0.5.9 "a b" "-"`},
		{name: "quoted list kept", extra: `"x","y" z`, wantExtra: `"x","y" z`},
		{name: "unterminated quote", extra: `"never closed`, wantExtra: `"never closed`},
		{name: "bare quote", extra: `ab"c 7`, wantExtra: `ab"c 7`},
		{name: "two spaces", extra: "a  b", wantExtra: "a  b"},
		{name: "space at the end", extra: "10.0.5.9 ", wantExtra: "10.0.5.9 "},
		{name: "only a space", extra: "", wantExtra: ""},
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

func TestReadALPNList(t *testing.T) {
	tests := []struct {
		name string
		list string
		want sql.NullString
	}{
		{name: "two protocols", list: `"h2","http/1.1"`, want: str(`"h2","http/1.1"`)},
		{name: "one protocol", list: `"h2"`, want: str(`"h2"`)},
		{name: "three protocols", list: `"h2","http/1.1","http/1.0"`, want: str(`"h2","http/1.1","http/1.0"`)},
		{name: "URL-encoded name", list: `"h2","my%20proto%22x"`, want: str(`"h2","my%20proto%22x"`)},
		{name: "cut at 256 bytes", list: `"h2","http/1.1","spdy%2F`, want: str(`"h2","http/1.1","spdy%2F`)},
		{name: "placeholder", list: "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range []int{21, knownFields} {
				rec := readOne(t, lineWith(n, map[int]string{21: tt.list}))

				assert.Equal(t, tt.want, rec.ALPNClientPreferenceList, "%d fields", n)
				assert.Equal(t, recordUpTo(n).TLSConnectionCreationTime, rec.TLSConnectionCreationTime, "%d fields", n)
				assert.Equal(t, "", rec.Extra, "%d fields", n)
			}
		})
	}
}

func TestReadAddresses(t *testing.T) {
	tests := []struct {
		name                string
		client, destination string
		wantClientIP        string
		wantClientPort      int32
		wantDestinationIP   sql.NullString
		wantDestinationPort sql.NullInt32
	}{
		{
			name:   "IPv4",
			client: "72.21.218.154:51341", destination: "172.100.100.185:443",
			wantClientIP: "72.21.218.154", wantClientPort: 51341,
			wantDestinationIP: str("172.100.100.185"), wantDestinationPort: i32(443),
		},
		{
			name:   "IPv6 without brackets",
			client: "2001:db8:85a3::8a2e:370:7334:50718", destination: "2600:1f18:4a3:6901::1f:443",
			wantClientIP: "2001:db8:85a3::8a2e:370:7334", wantClientPort: 50718,
			wantDestinationIP: str("2600:1f18:4a3:6901::1f"), wantDestinationPort: i32(443),
		},
		{
			name:   "IPv6 in brackets",
			client: "[fe80::202:b3ff:fe1e:8329]:443", destination: "[2001:db8::1]:8443",
			wantClientIP: "[fe80::202:b3ff:fe1e:8329]", wantClientPort: 443,
			wantDestinationIP: str("[2001:db8::1]"), wantDestinationPort: i32(8443),
		},
		{
			name:   "IPv4-mapped IPv6",
			client: "::ffff:192.0.2.1:40000", destination: "10.0.1.20:443",
			wantClientIP: "::ffff:192.0.2.1", wantClientPort: 40000,
			wantDestinationIP: str("10.0.1.20"), wantDestinationPort: i32(443),
		},
		{
			name:   "no destination",
			client: "192.168.131.39:2817", destination: "-",
			wantClientIP: "192.168.131.39", wantClientPort: 2817,
		},
		{
			name:   "port 0 and 65535",
			client: "192.0.2.1:0", destination: "10.0.0.1:65535",
			wantClientIP: "192.0.2.1", wantClientPort: 0,
			wantDestinationIP: str("10.0.0.1"), wantDestinationPort: i32(65535),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := readOne(t, lineWith(knownFields, map[int]string{6: tt.client, 7: tt.destination}))

			assert.Equal(t, tt.wantClientIP, rec.ClientIP)
			assert.Equal(t, i32(tt.wantClientPort), rec.ClientPort)
			assert.Equal(t, tt.wantDestinationIP, rec.DestinationIP)
			assert.Equal(t, tt.wantDestinationPort, rec.DestinationPort)
		})
	}
}

func TestReadTimings(t *testing.T) {
	tests := []struct {
		name           string
		connection     string
		handshake      string
		wantConnection sql.NullFloat64
		wantHandshake  sql.NullFloat64
	}{
		{name: "integers", connection: "5", handshake: "2", wantConnection: f64(5), wantHandshake: f64(2)},
		{name: "zero", connection: "0", handshake: "0", wantConnection: f64(0), wantHandshake: f64(0)},
		{name: "handshake not completed", connection: "30000", handshake: "-", wantConnection: f64(30000)},
		{name: "both placeholders", connection: "-", handshake: "-"},
		{name: "fractions", connection: "5.25", handshake: "0.5", wantConnection: f64(5.25), wantHandshake: f64(0.5)},
		{name: "a day", connection: "86400000", handshake: "3", wantConnection: f64(86400000), wantHandshake: f64(3)},
		{name: "2^53 exactly", connection: "9007199254740992", handshake: "1", wantConnection: f64(9007199254740992), wantHandshake: f64(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := readOne(t, lineWith(knownFields, map[int]string{8: tt.connection, 9: tt.handshake}))

			assert.Equal(t, tt.wantConnection, rec.ConnectionTimeMS, "connection_time")
			assert.Equal(t, tt.wantHandshake, rec.TLSHandshakeTimeMS, "tls_handshake_time")
		})
	}
}

func TestReadNumbers(t *testing.T) {
	tests := []struct {
		name    string
		replace map[int]string
		check   func(t *testing.T, rec Record)
	}{
		{
			name:    "no alert",
			replace: map[int]string{12: "-"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, sql.NullInt32{}, rec.IncomingTLSAlert)
			},
		},
		{
			name:    "alert bad_certificate",
			replace: map[int]string{12: "42"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, i32(42), rec.IncomingTLSAlert)
			},
		},
		{
			name:    "alert as level and description",
			replace: map[int]string{12: "558"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, i32(558), rec.IncomingTLSAlert)
			},
		},
		{
			name:    "largest alert",
			replace: map[int]string{12: "65535"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, i32(65535), rec.IncomingTLSAlert)
			},
		},
		{
			name:    "large byte counts",
			replace: map[int]string{10: "9223372036854775807", 11: "-"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, i64(9223372036854775807), rec.ReceivedBytes)
				assert.Equal(t, sql.NullInt64{}, rec.SentBytes)
			},
		},
		{
			name:    "zero bytes",
			replace: map[int]string{10: "0", 11: "0"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, i64(0), rec.ReceivedBytes)
				assert.Equal(t, i64(0), rec.SentBytes)
			},
		},
		{
			name:    "creation time with fraction and zone",
			replace: map[int]string{22: "2025-11-03T10:15:29.250000Z"},
			check: func(t *testing.T, rec Record) {
				want := time.Date(2025, 11, 3, 10, 15, 29, 250000000, time.UTC)
				assert.Equal(t, sql.NullTime{Time: want, Valid: true}, rec.TLSConnectionCreationTime)
			},
		},
		{
			name:    "no creation time",
			replace: map[int]string{22: "-"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, sql.NullTime{}, rec.TLSConnectionCreationTime)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, readOne(t, lineWith(knownFields, tt.replace)))
		})
	}
}

func TestReadValuesKeptAsLogged(t *testing.T) {
	tests := []struct {
		name    string
		replace map[int]string
		check   func(t *testing.T, rec Record)
	}{
		{
			name:    "URL-encoded domain name",
			replace: map[int]string{18: "my%20host.example.com%00"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, str("my%20host.example.com%00"), rec.DomainName)
			},
		},
		{
			name:    "no domain name",
			replace: map[int]string{18: "-"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, sql.NullString{}, rec.DomainName)
			},
		},
		{
			name:    "unknown type and version",
			replace: map[int]string{1: "tcp", 2: "3.0"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, "tcp", rec.Type)
				assert.Equal(t, "3.0", rec.Version)
			},
		},
		{
			name:    "TLS 1.3",
			replace: map[int]string{15: "TLS_AES_128_GCM_SHA256", 16: "tlsv13"},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, str("TLS_AES_128_GCM_SHA256"), rec.TLSCipher)
				assert.Equal(t, str("tlsv13"), rec.TLSProtocolVersion)
			},
		},
		{
			name:    "escapes not decoded",
			replace: map[int]string{18: `a\x22b`},
			check: func(t *testing.T, rec Record) {
				assert.Equal(t, str(`a\x22b`), rec.DomainName)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, readOne(t, lineWith(knownFields, tt.replace)))
		})
	}
}

func TestReadFailedHandshake(t *testing.T) {
	// A client that rejected the server certificate: no cipher, protocol or
	// handshake time, and the alert it sent (48, unknown_ca).
	line := "tls 2.0 2025-11-03T10:16:02 net/mtls-nlb/0123456789abcdef f0e1d2c3b4a59687 " +
		"2001:db8::7:40112 10.0.1.20:443 18 - 213 0 48 " +
		"arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555 " +
		`- - - - api.example.com - - "h2","http/1.1" 2025-11-03T10:16:02`

	rec := readOne(t, line)

	want := Record{
		Type:                      "tls",
		Version:                   "2.0",
		Time:                      time.Date(2025, 11, 3, 10, 16, 2, 0, time.UTC),
		ELB:                       "net/mtls-nlb/0123456789abcdef",
		Listener:                  "f0e1d2c3b4a59687",
		ClientIP:                  "2001:db8::7",
		ClientPort:                i32(40112),
		DestinationIP:             str("10.0.1.20"),
		DestinationPort:           i32(443),
		ConnectionTimeMS:          f64(18),
		ReceivedBytes:             i64(213),
		SentBytes:                 i64(0),
		IncomingTLSAlert:          i32(48),
		ChosenCertARN:             str("arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555"),
		DomainName:                str("api.example.com"),
		ALPNClientPreferenceList:  str(`"h2","http/1.1"`),
		TLSConnectionCreationTime: sql.NullTime{Time: time.Date(2025, 11, 3, 10, 16, 2, 0, time.UTC), Valid: true},
	}
	assert.Equal(t, want, rec)
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
			line:     "tls 2.0 2018-12-20T02:59:40",
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
			line:     "Enable AccessLog for ELB: net/my-nlb/c6e77e28c25b2234 at 2025-05-30T16:47:00.781Z",
			wantErr:  elblog.ErrFieldCount,
			wantText: "line 1: too few fields: found 7, need at least 18",
		},
		{
			name:      "ALB access line",
			line:      `https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90`,
			wantField: 3, wantName: "time",
			wantErr:  elblog.ErrSyntax,
			wantText: `line 1, field 3 (time): invalid value: "app/my-loadbalancer/50dc6c495c0c9188"`,
		},
		{
			name:      "bad time",
			line:      lineWith(knownFields, map[int]string{3: "2018-13-20T02:59:40"}),
			wantField: 3, wantName: "time",
			wantErr:  elblog.ErrSyntax,
			wantText: `line 1, field 3 (time): invalid value: "2018-13-20T02:59:40"`,
		},
		{
			name:      "time placeholder",
			line:      lineWith(knownFields, map[int]string{3: "-"}),
			wantField: 3, wantName: "time",
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
			name:      "version placeholder",
			line:      lineWith(knownFields, map[int]string{2: "-"}),
			wantField: 2, wantName: "version",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "elb placeholder",
			line:      lineWith(knownFields, map[int]string{4: "-"}),
			wantField: 4, wantName: "elb",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "listener placeholder",
			line:      lineWith(knownFields, map[int]string{5: "-"}),
			wantField: 5, wantName: "listener",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "client without port",
			line:      lineWith(knownFields, map[int]string{6: "192.168.0.1"}),
			wantField: 6, wantName: "client:port",
			wantErr:  elblog.ErrSyntax,
			wantText: `line 1, field 6 (client:port): invalid value: "192.168.0.1"`,
		},
		{
			name:      "client placeholder",
			line:      lineWith(knownFields, map[int]string{6: "-"}),
			wantField: 6, wantName: "client:port",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "client port out of range",
			line:      lineWith(knownFields, map[int]string{6: "192.0.2.1:65536"}),
			wantField: 6, wantName: "client:port",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "destination without port",
			line:      lineWith(knownFields, map[int]string{7: "10.0.1.20:"}),
			wantField: 7, wantName: "destination:port",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "connection time not a number",
			line:      lineWith(knownFields, map[int]string{8: "abc"}),
			wantField: 8, wantName: "connection_time",
			wantErr:  elblog.ErrSyntax,
			wantText: `line 1, field 8 (connection_time): invalid value: "abc"`,
		},
		{
			name:      "connection time -1",
			line:      lineWith(knownFields, map[int]string{8: "-1"}),
			wantField: 8, wantName: "connection_time",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "handshake time negative",
			line:      lineWith(knownFields, map[int]string{9: "-0.5"}),
			wantField: 9, wantName: "tls_handshake_time",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "handshake time NaN",
			line:      lineWith(knownFields, map[int]string{9: "NaN"}),
			wantField: 9, wantName: "tls_handshake_time",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "handshake time with exponent",
			line:      lineWith(knownFields, map[int]string{9: "1e3"}),
			wantField: 9, wantName: "tls_handshake_time",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "negative byte count",
			line:      lineWith(knownFields, map[int]string{10: "-5"}),
			wantField: 10, wantName: "received_bytes",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "byte count overflow",
			line:      lineWith(knownFields, map[int]string{11: "9223372036854775808"}),
			wantField: 11, wantName: "sent_bytes",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "alert in hexadecimal",
			line:      lineWith(knownFields, map[int]string{12: "0x2a"}),
			wantField: 12, wantName: "incoming_tls_alert",
			wantErr:  elblog.ErrSyntax,
			wantText: `line 1, field 12 (incoming_tls_alert): invalid value: "0x2a"`,
		},
		{
			name:      "alert above 65535",
			line:      lineWith(knownFields, map[int]string{12: "65536"}),
			wantField: 12, wantName: "incoming_tls_alert",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "alert negative",
			line:      lineWith(knownFields, map[int]string{12: "-1"}),
			wantField: 12, wantName: "incoming_tls_alert",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "bad creation time",
			line:      lineWith(knownFields, map[int]string{22: "yesterday"}),
			wantField: 22, wantName: "tls_connection_creation_time",
			wantErr: elblog.ErrSyntax,
		},
		{
			// A space inside the ALPN list shifts its second half into
			// tls_connection_creation_time.
			name:      "space inside the ALPN list",
			line:      lineWith(knownFields, map[int]string{21: `"h2", "http/1.1"`}),
			wantField: 22, wantName: "tls_connection_creation_time",
			wantErr:  elblog.ErrBareQuote,
			wantText: `line 1, field 22 (tls_connection_creation_time): double quote inside a bare field: "\"http/1.1\""`,
		},
		{
			name:      "quote in domain_name",
			line:      lineWith(knownFields, map[int]string{18: `"api.example.com"`}),
			wantField: 18, wantName: "domain_name",
			wantErr:  elblog.ErrBareQuote,
			wantText: `line 1, field 18 (domain_name): double quote inside a bare field: "\"api.example.com\""`,
		},
		{
			name:      "quote in elb",
			line:      lineWith(knownFields, map[int]string{4: `net/a"b/1`}),
			wantField: 4, wantName: "elb",
			wantErr: elblog.ErrBareQuote,
		},
		{
			name:      "long value cut in the message",
			line:      lineWith(knownFields, map[int]string{8: strings.Repeat("9", 70) + "x"}),
			wantField: 8, wantName: "connection_time",
			wantErr:  elblog.ErrSyntax,
			wantText: `line 1, field 8 (connection_time): invalid value: "` + strings.Repeat("9", 64) + `"...`,
		},
		{
			name:      "two spaces",
			line:      strings.Replace(lineWith(knownFields, nil), "tls ", "tls  ", 1),
			wantField: 2, wantName: "version",
			wantErr:  elblog.ErrSyntax,
			wantText: "line 1, field 2 (version): invalid value: empty field (two spaces in a row, or a space at the end of the line)",
		},
		{
			name:      "space at the end",
			line:      lineWith(21, nil) + " ",
			wantField: 22, wantName: "tls_connection_creation_time",
			wantErr: elblog.ErrSyntax,
		},
		{
			name:      "first error wins",
			line:      lineWith(knownFields, map[int]string{8: "x", 10: "y", 18: `"q"`}),
			wantField: 8, wantName: "connection_time",
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

// result is what Read returned for one line, together with Line and Raw.
type result struct {
	rec  Record
	err  error
	line int
	raw  string
}

// readAll reads every line of input and returns one result per line.
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
	domain := strings.Repeat("a", 300<<10)
	line := lineWith(knownFields, map[int]string{18: domain})

	results := readAll(t, strings.NewReader(line+"\n"+line+"\n"))

	require.Len(t, results, 2)
	for _, res := range results {
		require.NoError(t, res.err)
		assert.Equal(t, str(domain), res.rec.DomainName)
		assert.Equal(t, fullRecord.TLSConnectionCreationTime, res.rec.TLSConnectionCreationTime)
	}
}

func TestReadLineTooLong(t *testing.T) {
	domain := strings.Repeat("a", elblog.MaxLineBytes)
	tooLong := lineWith(knownFields, map[int]string{18: domain})
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

func TestReadInvalidUTF8(t *testing.T) {
	// LineReader writes each byte of invalid UTF-8 as \xNN, so the domain
	// name stays valid text.
	line := lineWith(knownFields, map[int]string{18: "caf\xe9.example.com"})

	rec := readOne(t, line)

	assert.Equal(t, str(`caf\xe9.example.com`), rec.DomainName)
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
