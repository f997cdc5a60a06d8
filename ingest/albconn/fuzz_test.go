package albconn

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cutover-dev/cutover/ingest/elblog"
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

// FuzzRead checks that every line of the input yields exactly one record or
// one *elblog.ParseError, in order, and that Read never panics. A line is a
// piece of the input split on "\n", not counting an empty piece at the end.
func FuzzRead(f *testing.F) {
	f.Add(successLine + "\n")
	f.Add(fullLine + " h2 \"never closed\r\n")
	f.Add("\n\r\n" + successLine)
	f.Add(`2024-03-18T09:43:11.000000Z 192.0.2.45 - - - - - "-" - - - - - - -`)
	f.Add(`2024-03-18T09:42:00Z ::1 1 2 - - 0.5 "a\"b\x22" NotBefore=x;NotAfter=y 00 Failed:X TID_0`)
	f.Add("\xdd\n2024-03-18T09:42:00Z 203.0.113.9 1 443 - - - \"CN=caf\xe9\" - - - TID_0")
	for _, path := range []string{"testdata/with_errors.log", "testdata/verify_status.log"} {
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
		var rec Record
		for i, piece := range pieces {
			err := r.Read(&rec)
			lineNumber := i + 1
			if r.Line() != lineNumber {
				t.Fatalf("Line() = %d after read %d", r.Line(), lineNumber)
			}
			checkRaw(t, r.Raw(), piece, i < len(pieces)-1 || strings.HasSuffix(input, "\n"))

			if err == nil {
				if !strings.HasSuffix(r.Raw(), rec.Extra) {
					t.Fatalf("line %d: Extra %q is not the end of the line %q", lineNumber, rec.Extra, r.Raw())
				}
				continue
			}
			checkParseError(t, err, lineNumber)
			if rec != (Record{}) {
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
		t.Fatalf("line %d: error %T %v, want *elblog.ParseError", lineNumber, err, err)
	}
	if parseErr.Line != lineNumber {
		t.Fatalf("ParseError.Line = %d, want %d", parseErr.Line, lineNumber)
	}
	if parseErr.Field < 0 || parseErr.Field > knownFields {
		t.Fatalf("line %d: ParseError.Field = %d, want 0 to %d", lineNumber, parseErr.Field, knownFields)
	}
	if parseErr.Field > 0 && parseErr.Name != fieldNames[parseErr.Field-1] {
		t.Fatalf("line %d: ParseError.Name = %q for field %d", lineNumber, parseErr.Name, parseErr.Field)
	}
	for _, sentinel := range sentinels {
		if errors.Is(err, sentinel) {
			return
		}
	}
	t.Fatalf("line %d: error %v wraps none of the elblog sentinel errors", lineNumber, err)
}
