package albaccess

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cutover-dev/cutover/ingest/elblog"
)

// FuzzRead checks that Read never panics, that every input line yields
// exactly one record or one *elblog.ParseError, and that Line counts up by
// one per line.
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
	f.Add(lineWith(knownFields, map[int]string{13: `"- - - "`, 14: `"a\x22\\"`}))
	f.Add(lineWith(18, nil) + "\r\n\r\n" + lineWith(30, nil))
	f.Add("\xdd\n" + lineWith(knownFields, map[int]string{14: "\"caf\xe9\""}))

	f.Fuzz(func(t *testing.T, input string) {
		pieces := strings.Split(input, "\n")
		if pieces[len(pieces)-1] == "" {
			pieces = pieces[:len(pieces)-1]
		}

		r := NewReader(strings.NewReader(input))
		for i := 0; ; i++ {
			var rec Record
			err := r.Read(&rec)
			if errors.Is(err, io.EOF) {
				if i != len(pieces) {
					t.Fatalf("read %d lines, input has %d", i, len(pieces))
				}
				return
			}
			if i >= len(pieces) {
				t.Fatalf("line %d read, input has %d lines", i+1, len(pieces))
			}
			if got := r.Line(); got != i+1 {
				t.Fatalf("Line() = %d after reading line %d", got, i+1)
			}

			// LineReader drops "\r" only before "\n", so a last line without
			// "\n" keeps it.
			want := pieces[i]
			if i < len(pieces)-1 || strings.HasSuffix(input, "\n") {
				want = strings.TrimSuffix(want, "\r")
			}
			// LineReader rewrites invalid UTF-8 as \xNN escapes, so for such a
			// line Raw can only be checked for validity.
			if !utf8.ValidString(r.Raw()) {
				t.Fatalf("Raw() = %q is not valid UTF-8", r.Raw())
			}
			if utf8.ValidString(want) && r.Raw() != want {
				t.Fatalf("Raw() = %q, line is %q", r.Raw(), want)
			}

			if err != nil {
				var pe *elblog.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("line %d: error %v is not a *elblog.ParseError", i+1, err)
				}
				if pe.Line != i+1 {
					t.Fatalf("ParseError.Line = %d for line %d", pe.Line, i+1)
				}
				if rec != (Record{}) {
					t.Fatalf("line %d: record not zero after an error: %+v", i+1, rec)
				}
				continue
			}

			if rec.Type == "" || rec.ELB == "" || rec.ClientIP == "" || !rec.ClientPort.Valid {
				t.Fatalf("line %d: required field missing: %+v", i+1, rec)
			}
			if !strings.HasSuffix(r.Raw(), rec.Extra) {
				t.Fatalf("line %d: Extra %q is not the end of the line %q", i+1, rec.Extra, r.Raw())
			}
		}
	})
}
