package nlbtls

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cutover-dev/cutover/ingest/elblog"
)

// sentinels are the errors a ParseError from Read may wrap.
var sentinels = []error{
	elblog.ErrFieldCount,
	elblog.ErrBareQuote,
	elblog.ErrSyntax,
	elblog.ErrEmptyLine,
	elblog.ErrLineTooLong,
}

// FuzzRead checks that Read never panics, that every input line yields
// exactly one record or one *elblog.ParseError, and that Line counts up by
// one per line. A line is a piece of the input split on "\n", not counting an
// empty piece at the end.
//
//	go test ./ingest/nlbtls -run '^$' -fuzz FuzzRead -fuzztime 60s
func FuzzRead(f *testing.F) {
	for _, path := range peerFiles(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
		for line := range strings.SplitSeq(string(data), "\n") {
			f.Add(line)
		}
	}
	f.Add(lineWith(knownFields, nil) + ` 10.0.5.9 "x \" y" ab"c`)
	f.Add(lineWith(knownFields, map[int]string{6: "2001:db8::1:443", 7: "[2001:db8::2]:443", 9: "-", 21: `"h2","ht`}))
	f.Add(lineWith(18, nil) + "\r\n\r\n" + lineWith(21, nil))
	f.Add(lineWith(knownFields, map[int]string{8: "0.5", 12: "65535", 22: "2025-11-03T10:15:29.5Z"}) + " ")

	f.Fuzz(func(t *testing.T, input string) {
		pieces := strings.Split(input, "\n")
		if pieces[len(pieces)-1] == "" {
			pieces = pieces[:len(pieces)-1]
		}

		r := NewReader(strings.NewReader(input))
		for i, piece := range pieces {
			lineNumber := i + 1
			var rec Record
			err := r.Read(&rec)
			if errors.Is(err, io.EOF) {
				t.Fatalf("io.EOF at line %d, input has %d lines", lineNumber, len(pieces))
			}
			if got := r.Line(); got != lineNumber {
				t.Fatalf("Line() = %d after reading line %d", got, lineNumber)
			}
			checkRaw(t, r.Raw(), piece, i < len(pieces)-1 || strings.HasSuffix(input, "\n"))

			if err != nil {
				checkParseError(t, err, lineNumber)
				if rec != (Record{}) {
					t.Fatalf("line %d: record not zero after error %v: %+v", lineNumber, err, rec)
				}
				continue
			}
			checkRecord(t, rec, r.Raw(), lineNumber)
		}

		var rec Record
		if err := r.Read(&rec); !errors.Is(err, io.EOF) {
			t.Fatalf("Read after %d lines = %v, want io.EOF", len(pieces), err)
		}
		if r.Line() != len(pieces) {
			t.Fatalf("Line() after the end = %d, want %d", r.Line(), len(pieces))
		}
	})
}

// checkRaw checks that Raw returned the piece, without the "\r" of a "\r\n"
// ending and cut to elblog.MaxLineBytes. LineReader rewrites invalid UTF-8
// as \xNN escapes, so for such a piece it checks only that Raw is valid.
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

// checkParseError checks that err is a *elblog.ParseError for the line, with
// a field number and name that match and one of the sentinel errors.
func checkParseError(t *testing.T, err error, lineNumber int) {
	t.Helper()
	var pe *elblog.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("line %d: error %T %v is not a *elblog.ParseError", lineNumber, err, err)
	}
	if pe.Line != lineNumber {
		t.Fatalf("ParseError.Line = %d for line %d", pe.Line, lineNumber)
	}
	if pe.Field < 0 || pe.Field > knownFields {
		t.Fatalf("line %d: ParseError.Field = %d, want 0 to %d", lineNumber, pe.Field, knownFields)
	}
	if pe.Name != fieldName(pe.Field) {
		t.Fatalf("line %d: ParseError.Name = %q for field %d", lineNumber, pe.Name, pe.Field)
	}
	for _, sentinel := range sentinels {
		if errors.Is(err, sentinel) {
			return
		}
	}
	t.Fatalf("line %d: error %v wraps none of the elblog sentinel errors", lineNumber, err)
}

// checkRecord checks the invariants of a record that Read returned without
// an error.
func checkRecord(t *testing.T, rec Record, raw string, lineNumber int) {
	t.Helper()
	if rec.Type == "" || rec.Version == "" || rec.ELB == "" || rec.Listener == "" || rec.ClientIP == "" || !rec.ClientPort.Valid {
		t.Fatalf("line %d: required field missing: %+v", lineNumber, rec)
	}
	if rec.Time.Location() != time.UTC {
		t.Fatalf("line %d: time %v is not UTC", lineNumber, rec.Time)
	}
	if !strings.HasSuffix(raw, rec.Extra) {
		t.Fatalf("line %d: Extra %q is not the end of the line %q", lineNumber, rec.Extra, raw)
	}

	// Fields are split on spaces, and only the ALPN list may contain quotes.
	values := []string{
		rec.Type, rec.Version, rec.ELB, rec.Listener, rec.ClientIP,
		rec.DestinationIP.String, rec.ChosenCertARN.String, rec.ChosenCertSerial.String,
		rec.TLSCipher.String, rec.TLSProtocolVersion.String, rec.TLSNamedGroup.String,
		rec.DomainName.String, rec.ALPNFEProtocol.String, rec.ALPNBEProtocol.String,
	}
	for _, v := range values {
		if strings.ContainsAny(v, " \"") || elblog.IsNull(v) {
			t.Fatalf("line %d: value %q contains a space or a quote, or is \"-\"", lineNumber, v)
		}
	}
	if strings.Contains(rec.ALPNClientPreferenceList.String, " ") {
		t.Fatalf("line %d: ALPN list %q contains a space", lineNumber, rec.ALPNClientPreferenceList.String)
	}
	if rec.ConnectionTimeMS.Float64 < 0 || rec.TLSHandshakeTimeMS.Float64 < 0 {
		t.Fatalf("line %d: negative timing: %+v", lineNumber, rec)
	}
}
