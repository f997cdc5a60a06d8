package haproxy

import (
	"encoding/pem"
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
	elblog.ErrFieldCount,
	elblog.ErrQuote,
	elblog.ErrBareQuote,
	elblog.ErrSyntax,
	elblog.ErrEmptyLine,
	elblog.ErrLineTooLong,
}

// FuzzRead checks that every line of the input yields exactly one record,
// one *elblog.ParseError or ErrSkip, in order, that a record has the fields
// every record must have, and that Read never panics. A line is a piece of
// the input split on "\n", not counting an empty piece at the end.
func FuzzRead(f *testing.F) {
	f.Add(plainLine + "\n" + connErrorLine + "\n")
	f.Add(recommendedLine + "\r\n\nProxy fe started.\n")
	f.Add(`<134>1 - - - - - [a b="\]"] 1.2.3.4:5 [01/Jan/2026:00:00:00.000] f/b: x`)
	f.Add(`::1:1 [29/Feb/2028:23:59:60.999] f~ b/s -1/-1/-1/-1/+0 -1 +0 - - ---- 0/0/0/0/+0 0/0 {a} {} "" -/-/-/-/- -/-/- -1 -/- - - "" "\\" "\"" ""`)
	f.Add("Dec  3 14:00:01 h t: 1.2.3.4:5 [03/Dec/2026:14:00:01.123] f b/s 0/0/0/0/0 200 0 - - ---- 0/0/0/0/0 0/0 \"\xdd\" 0/0/0/0/0 a/b/c")
	// Certificate fields: the shortest DER SEQUENCE, one of another type, base64 that does not decode, and "-".
	f.Add(recommendedLine + " MAA=\n" + recommendedLine + " AgEF\n" + recommendedLine + " MIIB*\n" + recommendedLine + " - x")
	for _, path := range []string{
		"testdata/httpslog.log", "testdata/recommended.log", "testdata/connection_errors.log",
		"testdata/with_errors.log", "testdata/haproxy-2.6.12.log", "testdata/haproxy-2.6.12-certificate.log",
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}

	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, input string) {
		pieces := strings.Split(input, "\n")
		if pieces[len(pieces)-1] == "" {
			pieces = pieces[:len(pieces)-1]
		}

		r := NewReader(strings.NewReader(input), Options{Location: berlin})
		var rec terminator.Record
		for i, piece := range pieces {
			err := r.Read(&rec)
			lineNumber := i + 1
			if r.Line() != lineNumber {
				t.Fatalf("Line() = %d after read %d", r.Line(), lineNumber)
			}
			checkRaw(t, r.Raw(), piece, i < len(pieces)-1 || strings.HasSuffix(input, "\n"))

			switch {
			case err == nil:
				checkRecord(t, &rec, lineNumber)
				continue
			case err == ErrSkip:
			default:
				checkParseError(t, err, lineNumber)
			}
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
	if rec.Source != terminator.SourceHAProxy {
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
	if !rec.VerifyRaw.Valid {
		t.Fatalf("line %d: VerifyRaw not set", lineNumber)
	}
	if rec.Kind == terminator.KindHandshake && rec.Outcome == "" {
		t.Fatalf("line %d: connection error without an outcome", lineNumber)
	}
	if rec.CertPEM.Valid {
		block, rest := pem.Decode([]byte(rec.CertPEM.String))
		if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 {
			t.Fatalf("line %d: CertPEM is not one PEM certificate: %q", lineNumber, rec.CertPEM.String)
		}
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

// checkParseError checks that err is a *elblog.ParseError for the line with
// a field number and name that match and one of the sentinel errors.
func checkParseError(t *testing.T, err error, lineNumber int) {
	t.Helper()
	parseErr, ok := err.(*elblog.ParseError)
	if !ok {
		t.Fatalf("line %d: error %T %v, want *elblog.ParseError or ErrSkip", lineNumber, err, err)
	}
	if parseErr.Line != lineNumber {
		t.Fatalf("ParseError.Line = %d, want %d", parseErr.Line, lineNumber)
	}
	if parseErr.Field < 0 || parseErr.Field > len(httpFieldNames) {
		t.Fatalf("line %d: ParseError.Field = %d", lineNumber, parseErr.Field)
	}
	if parseErr.Field > 0 && parseErr.Name != httpFieldNames[parseErr.Field-1] && parseErr.Name != connErrorFieldNames[min(parseErr.Field, len(connErrorFieldNames))-1] {
		t.Fatalf("line %d: ParseError.Name = %q for field %d", lineNumber, parseErr.Name, parseErr.Field)
	}
	for _, sentinel := range sentinels {
		if errors.Is(err, sentinel) {
			return
		}
	}
	t.Fatalf("line %d: error %v wraps none of the elblog sentinel errors", lineNumber, err)
}
