package nginx

import (
	"database/sql"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin and America/New_York on machines without a zoneinfo database

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// readErrorOne reads the first line of input with the error log in UTC, and
// checks that Line returns 1.
func readErrorOne(t *testing.T, input string) (terminator.Record, error) {
	t.Helper()
	r := NewErrorReader(strings.NewReader(input))
	var rec terminator.Record
	err := r.Read(&rec)
	assert.Equal(t, 1, r.Line(), "line number")
	return rec, err
}

// handshakeRecord is the record of a failed handshake of connection 1051
// from 203.0.113.150 at 2025-09-16 12:05:09 UTC, without its message.
func handshakeRecord(verifyRaw, outcome, detail string) terminator.Record {
	rec := terminator.Record{
		Source:       terminator.SourceNginx,
		Kind:         terminator.KindHandshake,
		Time:         utc("2025-09-16T12:05:09Z"),
		ConnectionID: str("1051"),
		ClientIP:     "203.0.113.150",
		VerifyRaw:    str(verifyRaw),
		Outcome:      outcome,
	}
	if detail != "" {
		rec.Detail = str(detail)
	}
	return rec
}

const handshakePrefix = "2025/09/16 12:05:09 [info] 814#814: *1051 "
const handshakeContext = " while SSL handshaking, client: 203.0.113.150, server: 0.0.0.0:443"

func TestErrorReadRecord(t *testing.T) {
	tests := []struct {
		name string
		line string
		want terminator.Record
	}{
		{
			name: "expired certificate",
			line: `2025/09/16 12:05:03 [info] 814#814: *1042 client SSL certificate verify error: (10:certificate has expired) while reading client request headers, client: 198.51.100.77, server: api.example.com, request: "GET /v1/reports/daily HTTP/1.1", host: "api.example.com"`,
			want: terminator.Record{
				Source:       terminator.SourceNginx,
				Kind:         terminator.KindRequest,
				Time:         utc("2025-09-16T12:05:03Z"),
				ConnectionID: str("1042"),
				ClientIP:     "198.51.100.77",
				VerifyRaw:    str("client SSL certificate verify error: (10:certificate has expired)"),
				Outcome:      "expired",
				Method:       str("GET"),
				URI:          str("/v1/reports/daily"),
			},
		},
		{
			name: "untrusted certificate over HTTP/2",
			line: `2025/09/16 12:05:07 [info] 814#814: *1046 client SSL certificate verify error: (21:unable to verify the first certificate) while reading client request headers, client: 2001:db8::7, server: api.example.com, request: "POST /v1/telemetry HTTP/2.0", host: "api.example.com"`,
			want: terminator.Record{
				Source:       terminator.SourceNginx,
				Kind:         terminator.KindRequest,
				Time:         utc("2025-09-16T12:05:07Z"),
				ConnectionID: str("1046"),
				ClientIP:     "2001:db8::7",
				VerifyRaw:    str("client SSL certificate verify error: (21:unable to verify the first certificate)"),
				Outcome:      "untrusted",
				Method:       str("POST"),
				URI:          str("/v1/telemetry"),
			},
		},
		{
			name: "revoked by OCSP",
			line: `2025/09/16 12:05:07 [info] 814#814: *1046 client SSL certificate verify error: certificate revoked while reading client request headers, client: 192.0.2.200, server: api.example.com, request: "GET / HTTP/1.1", host: "api.example.com"`,
			want: terminator.Record{
				Source:       terminator.SourceNginx,
				Kind:         terminator.KindRequest,
				Time:         utc("2025-09-16T12:05:07Z"),
				ConnectionID: str("1046"),
				ClientIP:     "192.0.2.200",
				VerifyRaw:    str("client SSL certificate verify error: certificate revoked"),
				Outcome:      "revoked",
				Method:       str("GET"),
				URI:          str("/"),
			},
		},
		{
			name: "no certificate",
			line: `2025/09/16 12:05:05 [info] 814#814: *1044 client sent no required SSL certificate while reading client request headers, client: 10.0.3.17, server: api.example.com, request: "GET / HTTP/1.1", host: "10.0.3.41:443"`,
			want: terminator.Record{
				Source:       terminator.SourceNginx,
				Kind:         terminator.KindRequest,
				Time:         utc("2025-09-16T12:05:05Z"),
				ConnectionID: str("1044"),
				ClientIP:     "10.0.3.17",
				VerifyRaw:    str("client sent no required SSL certificate"),
				Outcome:      "no_cert",
				Method:       str("GET"),
				URI:          str("/"),
			},
		},
		{
			name: "plain HTTP",
			line: `2025/09/16 12:05:08 [info] 814#814: *1047 client sent plain HTTP request to HTTPS port while reading client request headers, client: 198.51.100.23, server: api.example.com, request: "GET / HTTP/1.1", host: "api.example.com:443"`,
			want: terminator.Record{
				Source:       terminator.SourceNginx,
				Kind:         terminator.KindRequest,
				Time:         utc("2025-09-16T12:05:08Z"),
				ConnectionID: str("1047"),
				ClientIP:     "198.51.100.23",
				VerifyRaw:    str("client sent plain HTTP request to HTTPS port"),
				Outcome:      "handshake_error",
				Method:       str("GET"),
				URI:          str("/"),
			},
		},
		{
			name: "stream module verify error",
			line: "2025/09/16 12:05:09 [info] 814#814: *1051 client SSL certificate verify error: (10:certificate has expired)" + handshakeContext,
			want: handshakeRecord("client SSL certificate verify error: (10:certificate has expired)", "expired", ""),
		},
		{
			name: "stream module without certificate",
			line: handshakePrefix + "client sent no required SSL certificate" + handshakeContext,
			want: handshakeRecord("client sent no required SSL certificate", "no_cert", ""),
		},
		{
			name: "unsupported protocol",
			line: handshakePrefix + "SSL_do_handshake() failed (SSL: error:0A000102:SSL routines::unsupported protocol)" + handshakeContext,
			want: handshakeRecord("SSL_do_handshake() failed (SSL: error:0A000102:SSL routines::unsupported protocol)",
				"incompatible", "error:0A000102:SSL routines::unsupported protocol"),
		},
		{
			name: "no shared cipher from an IPv6 client",
			line: "2025/09/16 12:05:09 [info] 814#814: *1051 SSL_do_handshake() failed (SSL: error:0A0000C1:SSL routines::no shared cipher) while SSL handshaking, client: 2001:db8:9::5, server: [::]:443",
			want: modified(handshakeRecord("SSL_do_handshake() failed (SSL: error:0A0000C1:SSL routines::no shared cipher)",
				"incompatible", "error:0A0000C1:SSL routines::no shared cipher"),
				func(r *terminator.Record) { r.ClientIP = "2001:db8:9::5" }),
		},
		{
			name: "no shared cipher in OpenSSL 1.1",
			line: handshakePrefix + "SSL_do_handshake() failed (SSL: error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher)" + handshakeContext,
			want: handshakeRecord("SSL_do_handshake() failed (SSL: error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher)",
				"incompatible", "error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher"),
		},
		{
			name: "BoringSSL reason name",
			line: handshakePrefix + "SSL_do_handshake() failed (SSL: error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER)" + handshakeContext,
			want: handshakeRecord("SSL_do_handshake() failed (SSL: error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER)",
				"incompatible", "error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER"),
		},
		{
			name: "client rejects the server certificate",
			line: handshakePrefix + "SSL_do_handshake() failed (SSL: error:0A000418:SSL routines::tlsv1 alert unknown ca:SSL alert number 48)" + handshakeContext,
			want: handshakeRecord("SSL_do_handshake() failed (SSL: error:0A000418:SSL routines::tlsv1 alert unknown ca:SSL alert number 48)",
				"handshake_error", "error:0A000418:SSL routines::tlsv1 alert unknown ca:SSL alert number 48"),
		},
		{
			name: "client rejects the protocol version",
			line: handshakePrefix + "SSL_do_handshake() failed (SSL: error:0A00042E:SSL routines::tlsv1 alert protocol version:SSL alert number 70)" + handshakeContext,
			want: handshakeRecord("SSL_do_handshake() failed (SSL: error:0A00042E:SSL routines::tlsv1 alert protocol version:SSL alert number 70)",
				"incompatible", "error:0A00042E:SSL routines::tlsv1 alert protocol version:SSL alert number 70"),
		},
		{
			name: "certificate chain too large",
			line: handshakePrefix + "SSL_do_handshake() failed (SSL: error:0A000098:SSL routines::excessive message size)" + handshakeContext,
			want: handshakeRecord("SSL_do_handshake() failed (SSL: error:0A000098:SSL routines::excessive message size)",
				"too_large", "error:0A000098:SSL routines::excessive message size"),
		},
		{
			name: "bad key share logged at crit",
			line: "2025/09/16 12:05:09 [crit] 814#814: *1051 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share)" + handshakeContext,
			want: handshakeRecord("SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share)",
				"handshake_error", "error:0A00006C:SSL routines::bad key share"),
		},
		{
			name: "two errors, the last decides",
			line: handshakePrefix + "SSL_do_handshake() failed (SSL: error:0A000119:SSL routines::decryption failed or bad record mac error:0A000139:SSL routines::record layer failure)" + handshakeContext,
			want: handshakeRecord("SSL_do_handshake() failed (SSL: error:0A000119:SSL routines::decryption failed or bad record mac error:0A000139:SSL routines::record layer failure)",
				"handshake_error", "error:0A000119:SSL routines::decryption failed or bad record mac error:0A000139:SSL routines::record layer failure"),
		},
		{
			name: "known reason before an unknown one",
			line: handshakePrefix + "SSL_do_handshake() failed (SSL: error:0A0000C1:SSL routines::no shared cipher error:0A0FFFFF:SSL routines::some future reason)" + handshakeContext,
			want: handshakeRecord("SSL_do_handshake() failed (SSL: error:0A0000C1:SSL routines::no shared cipher error:0A0FFFFF:SSL routines::some future reason)",
				"incompatible", "error:0A0000C1:SSL routines::no shared cipher error:0A0FFFFF:SSL routines::some future reason"),
		},
		{
			name: "unknown reason",
			line: handshakePrefix + "SSL_do_handshake() failed (SSL: error:0A0FFFFF:SSL routines::some future reason)" + handshakeContext,
			want: handshakeRecord("SSL_do_handshake() failed (SSL: error:0A0FFFFF:SSL routines::some future reason)",
				"other", "error:0A0FFFFF:SSL routines::some future reason"),
		},
		{
			name: "OpenSSL errors and a system error",
			line: handshakePrefix + "SSL_do_handshake() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) (104: Connection reset by peer)" + handshakeContext,
			want: handshakeRecord("SSL_do_handshake() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) (104: Connection reset by peer)",
				"handshake_error", "error:0A000126:SSL routines::unexpected eof while reading"),
		},
		{
			name: "system error only",
			line: handshakePrefix + "SSL_do_handshake() failed (104: Connection reset by peer)" + handshakeContext,
			want: handshakeRecord("SSL_do_handshake() failed (104: Connection reset by peer)", "handshake_error", ""),
		},
		{
			name: "peer closed the connection",
			line: handshakePrefix + "peer closed connection in SSL handshake (104: Connection reset by peer)" + handshakeContext,
			want: handshakeRecord("peer closed connection in SSL handshake (104: Connection reset by peer)", "handshake_error", ""),
		},
		{
			name: "client closed before sending",
			line: handshakePrefix + "client closed connection" + handshakeContext,
			want: handshakeRecord("client closed connection", "handshake_error", ""),
		},
		{
			name: "client timed out",
			line: handshakePrefix + "client timed out (110: Connection timed out)" + handshakeContext,
			want: handshakeRecord("client timed out (110: Connection timed out)", "handshake_error", ""),
		},
		{
			name: "recv failed",
			line: handshakePrefix + "recv() failed (104: Connection reset by peer)" + handshakeContext,
			want: handshakeRecord("recv() failed (104: Connection reset by peer)", "handshake_error", ""),
		},
		{
			name: "other message while handshaking",
			line: "2025/09/16 12:05:09 [error] 814#814: *1051 no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive in the server listening on \"0.0.0.0:443\"" + handshakeContext,
			want: handshakeRecord(`no "ssl_certificate" is defined for the "listen ... ssl" directive in the server listening on "0.0.0.0:443"`, "other", ""),
		},
		{
			name: "thread ID 0 and no connection number",
			line: "2025/09/16 12:05:09 [info] 814#0: client sent no required SSL certificate" + handshakeContext,
			want: modified(handshakeRecord("client sent no required SSL certificate", "no_cert", ""),
				func(r *terminator.Record) { r.ConnectionID = sql.NullString{} }),
		},
		{
			name: "request line with a double quote",
			line: `2025/09/16 12:05:03 [info] 814#814: *1042 client sent no required SSL certificate while reading client request headers, client: 198.51.100.77, server: api.example.com, request: "GET /a"b HTTP/1.1", host: "api.example.com"`,
			want: terminator.Record{
				Source:       terminator.SourceNginx,
				Kind:         terminator.KindRequest,
				Time:         utc("2025-09-16T12:05:03Z"),
				ConnectionID: str("1042"),
				ClientIP:     "198.51.100.77",
				VerifyRaw:    str("client sent no required SSL certificate"),
				Outcome:      "no_cert",
				Method:       str("GET"),
				URI:          str(`/a"b`),
			},
		},
		{
			name: "request at the end of the line",
			line: `2025/09/16 12:05:03 [info] 814#814: *1042 client sent no required SSL certificate while reading client request headers, client: 198.51.100.77, server: api.example.com, request: "GET /x HTTP/1.1"`,
			want: terminator.Record{
				Source:       terminator.SourceNginx,
				Kind:         terminator.KindRequest,
				Time:         utc("2025-09-16T12:05:03Z"),
				ConnectionID: str("1042"),
				ClientIP:     "198.51.100.77",
				VerifyRaw:    str("client sent no required SSL certificate"),
				Outcome:      "no_cert",
				Method:       str("GET"),
				URI:          str("/x"),
			},
		},
		{
			name: "request cut off",
			line: `2025/09/16 12:05:03 [info] 814#814: *1042 client sent no required SSL certificate while reading client request headers, client: 198.51.100.77, server: api.example.com, request: "GET /very-long`,
			want: terminator.Record{
				Source:       terminator.SourceNginx,
				Kind:         terminator.KindHandshake,
				Time:         utc("2025-09-16T12:05:03Z"),
				ConnectionID: str("1042"),
				ClientIP:     "198.51.100.77",
				VerifyRaw:    str("client sent no required SSL certificate"),
				Outcome:      "no_cert",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := readErrorOne(t, tc.line)
			require.NoError(t, err)
			assert.Equal(t, tc.want, rec)
		})
	}
}

func TestErrorReadNotTLSFailure(t *testing.T) {
	lines := []string{
		"2025/09/16 14:04:58 [notice] 812#812: signal process started",
		"2025/09/16 14:05:02 [info] 814#814: *1040 client 203.0.113.10 closed keepalive connection",
		`2025/09/16 14:05:04 [error] 814#814: *1043 connect() failed (111: Connection refused) while connecting to upstream, client: 2001:db8:4f2a::17, server: api.example.com, request: "GET / HTTP/2.0", upstream: "http://10.0.12.7:8080/", host: "api.example.com"`,
		`2025/09/16 14:05:06 [error] 814#814: *1045 SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed) while SSL handshaking to upstream, client: 192.0.2.31, server: api.example.com, request: "GET / HTTP/1.1", upstream: "https://10.0.12.9:8443/", host: "api.example.com"`,
		`2025/09/16 14:05:06 [info] 814#814: *1045 peer closed connection in SSL handshake while SSL handshaking to upstream, client: 192.0.2.31, server: api.example.com, request: "GET / HTTP/1.1", upstream: "https://10.0.12.9:8443/", host: "api.example.com"`,
		"2025/09/16 14:05:09 [info] 814#814: *1048 client prematurely closed connection while reading client request line, client: 203.0.113.99, server: api.example.com",
		"2025/09/16 14:05:09 [crit] 814#814: *1049 SSL_read() failed (SSL: error:0A000119:SSL routines::decryption failed or bad record mac) while waiting for request, client: 203.0.113.99, server: 0.0.0.0:443",
		"2025/09/16 14:05:09 [alert] 814#814: *1050 ignoring stale global SSL error (SSL: error:0A000126:SSL routines::unexpected eof while reading) while SSL handshaking, client: 203.0.113.99, server: 0.0.0.0:443",
		"2025/09/16 14:05:09 [info] 814#814: *1051 client 127.0.0.1:43352 connected to 0.0.0.0:8445",
		"2025/09/16 14:05:09 [debug] 814#814: *1051 SSL_do_handshake: -1",
		"2025/09/16 14:05:09 [warn] 814#814: 1024 worker_connections are not enough",
	}
	for _, line := range lines {
		rec, err := readErrorOne(t, line)
		assert.Equal(t, ErrNotTLSFailure, err, line)
		assert.Equal(t, terminator.Record{}, rec, line)
	}
}

func TestErrorReadInvalidLine(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		field    int
		sentinel error
		message  string
	}{
		{
			name:  "nginx startup warning on stderr",
			line:  `nginx: [warn] the "user" directive makes sense only if the master process runs with super-user privileges`,
			field: fieldTime, sentinel: elblog.ErrSyntax,
			message: `line 1, field 1 (time): invalid value: "nginx: [warn] the \"user\" directive makes sense only if the maste"..., expected a line starting with a time such as 2023/09/21 22:43:21`,
		},
		{name: "impossible date", line: "2025/02/30 14:05:09 [info] 814#814: *1 client closed connection while SSL handshaking, client: 192.0.2.1", field: fieldTime, sentinel: elblog.ErrSyntax},
		{name: "access-log time", line: "16/Sep/2025:14:05:09 +0200 [info] 814#814: x", field: fieldTime, sentinel: elblog.ErrSyntax},
		{name: "level without brackets", line: "2025/09/16 14:05:09 info 814#814: x", field: fieldLevel, sentinel: elblog.ErrSyntax},
		{name: "empty level", line: "2025/09/16 14:05:09 [] 814#814: x", field: fieldLevel, sentinel: elblog.ErrSyntax},
		{name: "process without thread", line: "2025/09/16 14:05:09 [info] 814: x", field: fieldProcess, sentinel: elblog.ErrSyntax},
		{name: "no colon after the process", line: "2025/09/16 14:05:09 [info] 814#814", field: fieldProcess, sentinel: elblog.ErrSyntax},
		{name: "connection not a number", line: "2025/09/16 14:05:09 [info] 814#814: *abc client closed connection", field: fieldConnection, sentinel: elblog.ErrSyntax},
		{name: "no message", line: "2025/09/16 14:05:09 [info] 814#814: *12 ", field: fieldMessage, sentinel: elblog.ErrFieldCount},
		{
			name:  "TLS failure without a client",
			line:  "2025/09/16 14:05:09 [info] 814#814: *1051 client closed connection while SSL handshaking",
			field: fieldClient, sentinel: elblog.ErrFieldCount,
			message: `line 1, field 6 (client): too few fields: the line has no "client:" address`,
		},
		{
			name:  "client not an address",
			line:  "2025/09/16 14:05:09 [info] 814#814: *1051 client closed connection while SSL handshaking, client: unix:, server: unix:/run/nginx.sock",
			field: fieldClient, sentinel: elblog.ErrSyntax,
		},
		{name: "empty line", line: "\nx", sentinel: elblog.ErrEmptyLine},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := readErrorOne(t, tc.line)
			require.Error(t, err)
			assert.Equal(t, terminator.Record{}, rec, "record after an error")

			var parseErr *elblog.ParseError
			require.ErrorAs(t, err, &parseErr)
			assert.Equal(t, 1, parseErr.Line)
			assert.Equal(t, tc.field, parseErr.Field)
			if tc.field > 0 {
				assert.Equal(t, errorFieldNames[tc.field-1], parseErr.Name)
			}
			assert.ErrorIs(t, err, tc.sentinel)
			if tc.message != "" {
				assert.Equal(t, tc.message, err.Error())
			}
		})
	}
}

func TestErrorReadLocation(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	newYork, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)

	tests := []struct {
		name     string
		location *time.Location
		stamp    string
		want     time.Time
	}{
		{name: "nil is UTC", location: nil, stamp: "2025/09/16 14:05:09", want: utc("2025-09-16T14:05:09Z")},
		{name: "Berlin summer time", location: berlin, stamp: "2025/09/16 14:05:09", want: utc("2025-09-16T12:05:09Z")},
		{name: "Berlin winter time", location: berlin, stamp: "2025/01/16 14:05:09", want: utc("2025-01-16T13:05:09Z")},
		{name: "New York summer time", location: newYork, stamp: "2025/07/04 08:00:00", want: utc("2025-07-04T12:00:00Z")},
		{name: "New York winter time", location: newYork, stamp: "2025/12/24 23:30:00", want: utc("2025-12-25T04:30:00Z")},
		{name: "fixed offset", location: time.FixedZone("UTC-3", -3*3600), stamp: "2025/09/16 22:00:00", want: utc("2025-09-17T01:00:00Z")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewErrorReader(strings.NewReader(tc.stamp + " [info] 814#814: *1 client closed connection while SSL handshaking, client: 192.0.2.1, server: 0.0.0.0:443\n"))
			r.Location = tc.location
			var rec terminator.Record
			require.NoError(t, r.Read(&rec))
			assert.Equal(t, tc.want, rec.Time)
			assert.Equal(t, time.UTC, rec.Time.Location())
		})
	}
}

func TestErrorReadCountsEveryLine(t *testing.T) {
	input := strings.Join([]string{
		"2025/09/16 14:04:58 [notice] 812#812: signal process started",
		handshakePrefix + "client closed connection" + handshakeContext,
		"garbage",
		"",
		"2025/09/16 14:05:02 [info] 814#814: *1040 client 203.0.113.10 closed keepalive connection",
		handshakePrefix + "client timed out (110: Connection timed out)" + handshakeContext,
	}, "\n")

	r := NewErrorReader(strings.NewReader(input))
	var rec terminator.Record
	var kinds []string
	for {
		err := r.Read(&rec)
		if err == io.EOF {
			break
		}
		var parseErr *elblog.ParseError
		switch {
		case err == nil:
			kinds = append(kinds, "record")
		case errors.Is(err, ErrNotTLSFailure):
			kinds = append(kinds, "unrelated")
		case errors.As(err, &parseErr):
			assert.Equal(t, r.Line(), parseErr.Line)
			kinds = append(kinds, "rejected")
		default:
			t.Fatalf("line %d: unexpected error %v", r.Line(), err)
		}
	}
	assert.Equal(t, []string{"unrelated", "record", "rejected", "rejected", "unrelated", "record"}, kinds)
	assert.Equal(t, 6, r.Line())
}

func TestErrorReadUnderlyingErrorIsFinal(t *testing.T) {
	broken := errors.New("gzip: invalid checksum")
	line := handshakePrefix + "client closed connection" + handshakeContext
	r := NewErrorReader(&failingReader{text: line + "\n", err: broken})
	var rec terminator.Record

	require.NoError(t, r.Read(&rec))
	assert.Equal(t, line, r.Raw())
	assert.Equal(t, broken, r.Read(&rec))
	assert.Equal(t, broken, r.Read(&rec), "the error repeats")
	assert.Equal(t, terminator.Record{}, rec)
}

func TestFromOpenSSLReasonSpellings(t *testing.T) {
	tests := []struct {
		reason string
		want   string
	}{
		{"no shared cipher", "incompatible"},
		{"NO_SHARED_CIPHER", "incompatible"},
		{" version too low ", "incompatible"},
		{"sslv3 alert certificate unknown", "handshake_error"},
		{"tlsv13 alert certificate required", "handshake_error"},
		{"SSLV3_ALERT_HANDSHAKE_FAILURE", "handshake_error"},
		{"http request", "handshake_error"},
		{"wrong version number", "handshake_error"},
		{"peer did not return a certificate", "no_cert"},
		{"certificate verify failed", "other"},
	}
	for _, tc := range tests {
		got, ok := fromOpenSSLReason(tc.reason)
		assert.True(t, ok, tc.reason)
		assert.Equal(t, tc.want, string(got), tc.reason)
	}

	_, ok := fromOpenSSLReason("some future reason")
	assert.False(t, ok)
}
