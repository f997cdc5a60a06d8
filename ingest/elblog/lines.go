package elblog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxLineBytes is the longest line a LineReader returns. ALB caps the request
// line at 16 KiB and the user agent at 8 KiB, so real lines stay well below it.
const MaxLineBytes = 1 << 20

// ErrLineTooLong reports a line longer than MaxLineBytes. The line's first
// MaxLineBytes bytes are returned with it, and reading goes on after it.
var ErrLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLineBytes)

// ErrEmptyLine reports a line with no text. The final line ending of a file
// does not start an empty line.
var ErrEmptyLine = errors.New("empty line")

// LineReader returns the lines of a log, without their "\n" or "\r\n" ending,
// as valid UTF-8 strings, so that parsers can keep substrings of a line without
// copying them again.
type LineReader struct {
	br   *bufio.Reader
	line int
}

// NewLineReader returns a LineReader that reads from r.
func NewLineReader(r io.Reader) *LineReader {
	return &LineReader{br: bufio.NewReaderSize(r, 256<<10)}
}

// Next returns the next line. It returns io.EOF after the last line, and any
// other error of the underlying reader as it is. ErrLineTooLong and
// ErrEmptyLine come with the line they concern, and the next call goes on.
func (l *LineReader) Next() (string, error) {
	frag, err := l.br.ReadSlice('\n')
	if err == nil || (err == io.EOF && len(frag) > 0) {
		l.line++
		s := lineString(trimEOL(frag))
		if s == "" {
			return s, ErrEmptyLine
		}
		return s, nil
	}
	if err != bufio.ErrBufferFull {
		return "", err
	}

	// The line is longer than the buffer. Collect it until at least
	// MaxLineBytes+2 bytes are held, enough for a line of MaxLineBytes and its
	// "\r\n", and skip the rest. A line cut short this way does not end in
	// "\n", so trimEOL leaves it longer than MaxLineBytes.
	l.line++
	buf := append([]byte(nil), frag...)
	for {
		frag, err = l.br.ReadSlice('\n')
		if len(buf) < MaxLineBytes+2 {
			buf = append(buf, frag...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return "", err
		}
		break
	}
	line := trimEOL(buf)
	if len(line) > MaxLineBytes {
		return lineString(line[:MaxLineBytes]), ErrLineTooLong
	}
	return lineString(line), nil
}

// lineString copies a line into a string, writing each byte that is not part
// of valid UTF-8 as the escape \xNN, as ELB writes the bytes it escapes.
// Database text columns accept only valid UTF-8.
func lineString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var out strings.Builder
	out.Grow(len(b) + 16)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&out, "\\x%02x", b[0])
		} else {
			out.Write(b[:size])
		}
		b = b[size:]
	}
	return out.String()
}

// Line returns the 1-indexed number of the line Next returned last.
func (l *LineReader) Line() int { return l.line }

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// ParseError describes a line that could not be parsed. Line and Field are
// 1-indexed; Field is 0 when the fault concerns the whole line.
type ParseError struct {
	Line  int
	Field int
	Name  string // the AWS field name, when Field is not 0
	Err   error
}

func (e *ParseError) Error() string {
	if e.Field == 0 {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d, field %d (%s): %v", e.Line, e.Field, e.Name, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }
