package elblog

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lineResult is one return of LineReader.Next with the line number after it.
type lineResult struct {
	Text string
	Line int
	Err  error
}

// readLines calls Next until it returns an error other than ErrEmptyLine or
// ErrLineTooLong, and returns every result before that error and the error.
func readLines(t *testing.T, r io.Reader) ([]lineResult, error) {
	t.Helper()
	lr := NewLineReader(r)
	var results []lineResult
	for {
		text, err := lr.Next()
		if err != nil && !errors.Is(err, ErrEmptyLine) && !errors.Is(err, ErrLineTooLong) {
			return results, err
		}
		results = append(results, lineResult{Text: text, Line: lr.Line(), Err: err})
	}
}

// assertLines compares results one by one, printing only the length and the
// start of long lines so that a failure stays readable.
func assertLines(t *testing.T, want, got []lineResult) {
	t.Helper()
	require.Len(t, got, len(want), "number of lines")
	for i := range want {
		assert.Equal(t, want[i].Line, got[i].Line, "line number of result %d", i)
		if want[i].Err == nil {
			assert.NoError(t, got[i].Err, "error of line %d", want[i].Line)
		} else {
			assert.ErrorIs(t, got[i].Err, want[i].Err, "error of line %d", want[i].Line)
		}
		assert.Equal(t, len(want[i].Text), len(got[i].Text), "length of line %d", want[i].Line)
		assert.Equal(t, clip(want[i].Text), clip(got[i].Text), "start of line %d", want[i].Line)
		assert.True(t, want[i].Text == got[i].Text, "text of line %d differs", want[i].Line)
	}
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func TestLineReader(t *testing.T) {
	beyondBuffer := strings.Repeat("b", 300<<10)
	atMax := strings.Repeat("m", MaxLineBytes)
	overMax := strings.Repeat("t", MaxLineBytes+1)
	farOverMax := strings.Repeat("f", MaxLineBytes+700<<10)

	tests := []struct {
		name  string
		input string
		want  []lineResult
	}{
		{
			name:  "empty input",
			input: "",
			want:  nil,
		},
		{
			name:  "LF endings",
			input: "first\nsecond\n",
			want:  []lineResult{{Text: "first", Line: 1}, {Text: "second", Line: 2}},
		},
		{
			name:  "CRLF endings",
			input: "first\r\nsecond\r\n",
			want:  []lineResult{{Text: "first", Line: 1}, {Text: "second", Line: 2}},
		},
		{
			name:  "final line without newline",
			input: "first\nsecond",
			want:  []lineResult{{Text: "first", Line: 1}, {Text: "second", Line: 2}},
		},
		{
			name:  "carriage return inside a line kept",
			input: "a\rb\nc\r",
			want:  []lineResult{{Text: "a\rb", Line: 1}, {Text: "c\r", Line: 2}},
		},
		{
			name:  "empty line in the middle",
			input: "first\n\nthird\n",
			want: []lineResult{
				{Text: "first", Line: 1},
				{Text: "", Line: 2, Err: ErrEmptyLine},
				{Text: "third", Line: 3},
			},
		},
		{
			name:  "empty CRLF line",
			input: "first\r\n\r\nthird\r\n",
			want: []lineResult{
				{Text: "first", Line: 1},
				{Text: "", Line: 2, Err: ErrEmptyLine},
				{Text: "third", Line: 3},
			},
		},
		{
			name:  "line longer than the buffer returned whole",
			input: "first\n" + beyondBuffer + "\nthird\n",
			want: []lineResult{
				{Text: "first", Line: 1},
				{Text: beyondBuffer, Line: 2},
				{Text: "third", Line: 3},
			},
		},
		{
			name:  "long final line without newline",
			input: "first\n" + beyondBuffer,
			want:  []lineResult{{Text: "first", Line: 1}, {Text: beyondBuffer, Line: 2}},
		},
		{
			name:  "line of MaxLineBytes with LF",
			input: atMax + "\nnext\n",
			want:  []lineResult{{Text: atMax, Line: 1}, {Text: "next", Line: 2}},
		},
		{
			name:  "line of MaxLineBytes with CRLF",
			input: atMax + "\r\nnext\r\n",
			want:  []lineResult{{Text: atMax, Line: 1}, {Text: "next", Line: 2}},
		},
		{
			name:  "line of MaxLineBytes at the end",
			input: atMax,
			want:  []lineResult{{Text: atMax, Line: 1}},
		},
		{
			name:  "line one byte over MaxLineBytes",
			input: overMax + "\nnext\n",
			want: []lineResult{
				{Text: overMax[:MaxLineBytes], Line: 1, Err: ErrLineTooLong},
				{Text: "next", Line: 2},
			},
		},
		{
			name:  "line one byte over MaxLineBytes with CRLF",
			input: overMax + "\r\nnext\r\n",
			want: []lineResult{
				{Text: overMax[:MaxLineBytes], Line: 1, Err: ErrLineTooLong},
				{Text: "next", Line: 2},
			},
		},
		{
			name:  "line far over MaxLineBytes then next line read",
			input: "first\n" + farOverMax + "\nthird\n",
			want: []lineResult{
				{Text: "first", Line: 1},
				{Text: farOverMax[:MaxLineBytes], Line: 2, Err: ErrLineTooLong},
				{Text: "third", Line: 3},
			},
		},
		{
			name:  "line over MaxLineBytes at the end",
			input: farOverMax,
			want:  []lineResult{{Text: farOverMax[:MaxLineBytes], Line: 1, Err: ErrLineTooLong}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// OneByteReader makes the bufio.Reader fill its buffer in many
			// short reads, as a decompressing reader may.
			for _, r := range []io.Reader{strings.NewReader(tt.input), iotest.OneByteReader(strings.NewReader(tt.input))} {
				got, err := readLines(t, r)
				assert.ErrorIs(t, err, io.EOF, "final error")
				assertLines(t, tt.want, got)
			}
		})
	}
}

func TestLineReaderEOFRepeats(t *testing.T) {
	lr := NewLineReader(strings.NewReader("only\n"))

	text, err := lr.Next()
	require.NoError(t, err)
	assert.Equal(t, "only", text)

	for range 2 {
		text, err = lr.Next()
		assert.Equal(t, io.EOF, err)
		assert.Equal(t, "", text)
		assert.Equal(t, 1, lr.Line(), "line number after the end")
	}
}

func TestLineReaderPassesReaderError(t *testing.T) {
	errCorrupt := errors.New("gzip: invalid checksum")

	tests := []struct {
		name  string
		input io.Reader
		want  []lineResult
	}{
		{
			name:  "after complete lines",
			input: io.MultiReader(strings.NewReader("first\nsecond\n"), iotest.ErrReader(errCorrupt)),
			want:  []lineResult{{Text: "first", Line: 1}, {Text: "second", Line: 2}},
		},
		{
			name:  "inside a short line",
			input: io.MultiReader(strings.NewReader("first\nsec"), iotest.ErrReader(errCorrupt)),
			want:  []lineResult{{Text: "first", Line: 1}},
		},
		{
			name:  "inside a line longer than the buffer",
			input: io.MultiReader(strings.NewReader("first\n"+strings.Repeat("x", 300<<10)), iotest.ErrReader(errCorrupt)),
			want:  []lineResult{{Text: "first", Line: 1}},
		},
		{
			name:  "at the start",
			input: iotest.ErrReader(errCorrupt),
			want:  nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readLines(t, tt.input)
			assert.Equal(t, errCorrupt, err, "the reader's own error value")
			assertLines(t, tt.want, got)
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	tests := []struct {
		name    string
		err     *ParseError
		message string
		wrapped error
	}{
		{
			name:    "whole line",
			err:     &ParseError{Line: 4, Err: ErrEmptyLine},
			message: "line 4: empty line",
			wrapped: ErrEmptyLine,
		},
		{
			name:    "line too long",
			err:     &ParseError{Line: 9, Err: ErrLineTooLong},
			message: "line 9: line longer than 1048576 bytes",
			wrapped: ErrLineTooLong,
		},
		{
			name: "field with value",
			err: &ParseError{
				Line:  12,
				Field: 3,
				Name:  "client_port",
				Err:   fmt.Errorf("%w: %q", ErrSyntax, "80x"),
			},
			message: `line 12, field 3 (client_port): invalid value: "80x"`,
			wrapped: ErrSyntax,
		},
		{
			name:    "field with sentinel only",
			err:     &ParseError{Line: 1, Field: 8, Name: "leaf_client_cert_subject", Err: ErrQuote},
			message: "line 1, field 8 (leaf_client_cert_subject): quoted field not closed before the end of the line",
			wrapped: ErrQuote,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.EqualError(t, tt.err, tt.message)
			assert.ErrorIs(t, tt.err, tt.wrapped)

			var target *ParseError
			require.ErrorAs(t, fmt.Errorf("reading file: %w", tt.err), &target)
			assert.Equal(t, tt.err.Line, target.Line)
		})
	}
}

func TestLineReaderInvalidUTF8(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string
	}{
		{name: "valid multibyte kept", give: "Mozilla/5.0 (été)\n", want: "Mozilla/5.0 (été)"},
		{name: "lone high byte escaped", give: "GET /a\xffb\n", want: `GET /a\xffb`},
		{name: "truncated rune escaped", give: "x\xc3\n", want: `x\xc3`},
		{name: "escape next to valid rune", give: "\xfeé\n", want: `\xfeé`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readLines(t, strings.NewReader(tt.give))
			require.ErrorIs(t, err, io.EOF)
			require.Len(t, got, 1)
			assert.Equal(t, tt.want, got[0].Text)
			assert.NoError(t, got[0].Err)
		})
	}
}
