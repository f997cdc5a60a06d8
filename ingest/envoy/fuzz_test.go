package envoy

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// sentinels are the errors a ParseError from Read may wrap.
var sentinels = []error{
	ErrNotJSONObject,
	ErrUnknownEntry,
	ErrMissingKey,
	elblog.ErrSyntax,
	elblog.ErrEmptyLine,
	elblog.ErrLineTooLong,
}

// FuzzRead checks that every line of the input yields exactly one record or
// one *elblog.ParseError, in order, that a record has the fields every record
// must have, and that Read never panics. A line is a piece of the input split
// on "\n", not counting an empty piece at the end.
func FuzzRead(f *testing.F) {
	f.Add(`{"start_time":"2026-12-03T14:00:01.123Z","downstream_remote_address":"[::1]:1","downstream_tls_version":null,"downstream_peer_subject":"-","downstream_transport_failure_reason":"-"}` + "\n")
	f.Add(`{"method":"GET","start_time":"2026-12-03T14:00:01Z","downstream_remote_address":"1.2.3.4:5","downstream_tls_version":"TLSv1.3","downstream_peer_subject":"CN=a\\, b","duration":1e3,"response_duration":"2","request_tx_duration":3}`)
	f.Add("{\"response_code\":0}\r\n\n[]\n\"\\u0000\"\n{\"downstream_peer_cert\":\"%zz\"}")
	f.Add("{\"downstream_transport_failure_reason\":\"\xdd\"}\n")
	for _, path := range []string{"testdata/listener.log", "testdata/http.log", "testdata/typed.log", "testdata/with_errors.log"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}

	f.Fuzz(func(t *testing.T, input string) {
		pieces := strings.Split(input, "\n")
		if pieces[len(pieces)-1] == "" {
			pieces = pieces[:len(pieces)-1]
		}

		r := NewReader(strings.NewReader(input))
		var rec terminator.Record
		for i, piece := range pieces {
			err := r.Read(&rec)
			lineNumber := i + 1
			if r.Line() != lineNumber {
				t.Fatalf("Line() = %d after read %d", r.Line(), lineNumber)
			}
			checkRaw(t, r.Raw(), piece, i < len(pieces)-1 || strings.HasSuffix(input, "\n"))

			if err == nil {
				checkRecord(t, &rec, lineNumber)
				continue
			}
			checkParseError(t, err, lineNumber)
			if rec != (terminator.Record{}) {
				t.Fatalf("line %d: record not zero after error %v: %+v", lineNumber, err, rec)
			}
		}

		if err := r.Read(&rec); err != io.EOF {
			t.Fatalf("Read after %d lines = %v, want io.EOF", len(pieces), err)
		}
		if r.Line() != len(pieces) {
			t.Fatalf("Line() after the end = %d, want %d", r.Line(), len(pieces))
		}
	})
}

// checkRecord checks the fields that every record has.
func checkRecord(t *testing.T, rec *terminator.Record, lineNumber int) {
	t.Helper()
	if rec.Source != terminator.SourceEnvoy {
		t.Fatalf("line %d: Source = %q", lineNumber, rec.Source)
	}
	if rec.Kind != terminator.KindRequest && rec.Kind != terminator.KindHandshake {
		t.Fatalf("line %d: Kind = %q", lineNumber, rec.Kind)
	}
	if rec.ClientIP == "" || !rec.ClientPort.Valid {
		t.Fatalf("line %d: client %q port %v", lineNumber, rec.ClientIP, rec.ClientPort)
	}
	if rec.Time.IsZero() || rec.Time.Location() != time.UTC {
		t.Fatalf("line %d: Time = %v, want a UTC time", lineNumber, rec.Time)
	}
	if rec.Kind == terminator.KindHandshake && rec.Outcome == "" {
		t.Fatalf("line %d: listener entry without an outcome", lineNumber)
	}
}

// checkRaw checks that Raw returned the piece, without the "\r" of a "\r\n"
// ending. LineReader rewrites invalid UTF-8 as \xNN escapes, so for such a
// piece it checks only that Raw is valid.
func checkRaw(t *testing.T, raw, piece string, endsInNewline bool) {
	t.Helper()
	if !utf8.ValidString(raw) {
		t.Fatalf("Raw() = %q is not valid UTF-8", raw)
	}
	if !utf8.ValidString(piece) {
		return
	}
	want := piece
	if endsInNewline {
		want = strings.TrimSuffix(piece, "\r")
	}
	if len(want) > elblog.MaxLineBytes {
		want = want[:elblog.MaxLineBytes]
	}
	if raw != want {
		t.Fatalf("Raw() = %q, want %q", raw, want)
	}
}

// checkParseError checks that err is a *elblog.ParseError for the line that
// wraps one of the sentinel errors.
func checkParseError(t *testing.T, err error, lineNumber int) {
	t.Helper()
	parseErr, ok := err.(*elblog.ParseError)
	if !ok {
		t.Fatalf("line %d: error %T %v, want *elblog.ParseError", lineNumber, err, err)
	}
	if parseErr.Line != lineNumber {
		t.Fatalf("ParseError.Line = %d, want %d", parseErr.Line, lineNumber)
	}
	for _, sentinel := range sentinels {
		if errors.Is(err, sentinel) {
			return
		}
	}
	t.Fatalf("line %d: error %v wraps none of the sentinel errors", lineNumber, err)
}
