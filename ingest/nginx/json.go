package nginx

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/cutover-dev/cutover/ingest/elblog"
)

// jsonValue is the value of one known key of an access-log line.
type jsonValue struct {
	text string
	// present is false when the line lacks the key or its value is null.
	present bool
}

// valueTypeError reports a known key whose value is an object or an array.
type valueTypeError struct {
	key accessKey
}

func (e *valueTypeError) Error() string {
	return fmt.Sprintf("%v: expected a JSON string, number or null, found an object or an array", elblog.ErrSyntax)
}

func (e *valueTypeError) Unwrap() error { return elblog.ErrSyntax }

// decodeObject reads the JSON object that makes up line into values, indexed
// by accessKey. Keys that RecommendedLogFormat does not have are skipped
// whatever their values, and of a repeated key the last value counts.
//
// String values are decoded as JSON, with one addition: \xNN, which JSON
// lacks, becomes the byte NN when that is printable ASCII and stays as
// written otherwise. nginx's default escaping (a log_format without
// escape=json) writes \xNN, and elblog.LineReader writes each byte that is
// not valid UTF-8 as \xNN, so the values stay valid UTF-8.
//
// Numbers, true and false are kept as their text, so a format that writes
// "status":$status without quotes reads the same.
func decodeObject(line string, values *[numAccessKeys]jsonValue) error {
	*values = [numAccessKeys]jsonValue{}
	d := objectDecoder{s: line}

	d.skipSpace()
	if !d.consume('{') {
		return d.fail("expected '{' at the start of the line")
	}
	d.skipSpace()
	if d.consume('}') {
		return d.end()
	}

	for {
		d.skipSpace()
		if d.peek() != '"' {
			return d.fail("expected a key in double quotes")
		}
		name, err := d.readString()
		if err != nil {
			return err
		}
		d.skipSpace()
		if !d.consume(':') {
			return d.fail("expected ':' after the key %q", name)
		}
		d.skipSpace()

		if key, known := lookupAccessKey(name); known {
			if c := d.peek(); c == '{' || c == '[' {
				return &valueTypeError{key: key}
			}
			text, isNull, err := d.readScalar()
			if err != nil {
				return err
			}
			values[key] = jsonValue{text: text, present: !isNull}
		} else if err := d.skipValue(); err != nil {
			return err
		}

		d.skipSpace()
		if d.consume(',') {
			continue
		}
		if d.consume('}') {
			return d.end()
		}
		return d.fail("expected ',' or '}' after a value")
	}
}

// objectDecoder reads JSON from s, starting at offset i.
type objectDecoder struct {
	s string
	i int
}

// fail returns an error for the text at the current offset.
func (d *objectDecoder) fail(format string, args ...any) error {
	return fmt.Errorf("%w: invalid JSON at byte %d: %s", elblog.ErrSyntax, d.i+1, fmt.Sprintf(format, args...))
}

func (d *objectDecoder) peek() byte {
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

func (d *objectDecoder) consume(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *objectDecoder) skipSpace() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\r', '\n':
			d.i++
		default:
			return
		}
	}
}

// end checks that only white space follows the closing brace.
func (d *objectDecoder) end() error {
	d.skipSpace()
	if d.i < len(d.s) {
		return d.fail("unexpected text after the closing '}'")
	}
	return nil
}

// readScalar reads a string, number, true, false or null. It reports
// isNull for null.
func (d *objectDecoder) readScalar() (text string, isNull bool, err error) {
	switch c := d.peek(); {
	case c == '"':
		text, err = d.readString()
		return text, false, err
	case c == '-' || (c >= '0' && c <= '9'):
		start := d.i
		for d.i < len(d.s) && strings.IndexByte("+-.0123456789eE", d.s[d.i]) >= 0 {
			d.i++
		}
		return d.s[start:d.i], false, nil
	case strings.HasPrefix(d.s[d.i:], "null"):
		d.i += len("null")
		return "", true, nil
	case strings.HasPrefix(d.s[d.i:], "true"):
		d.i += len("true")
		return "true", false, nil
	case strings.HasPrefix(d.s[d.i:], "false"):
		d.i += len("false")
		return "false", false, nil
	}
	return "", false, d.fail("expected a value")
}

// skipValue skips the value of a key that is not read. Objects and arrays
// are skipped to their matching bracket without checking what they contain.
func (d *objectDecoder) skipValue() error {
	if c := d.peek(); c != '{' && c != '[' {
		_, _, err := d.readScalar()
		return err
	}

	depth := 0
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case '"':
			if _, err := d.readString(); err != nil {
				return err
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		d.i++
		if depth == 0 {
			return nil
		}
	}
	return fmt.Errorf("%w: invalid JSON: the line ends inside an object or array", elblog.ErrSyntax)
}

// readString reads the string that starts at the current offset, which
// holds a double quote, and returns it decoded. A string without escapes is
// returned as a substring of the line.
func (d *objectDecoder) readString() (string, error) {
	start := d.i + 1
	rest := d.s[start:]
	end := strings.IndexByte(rest, '"')
	if end < 0 {
		return "", fmt.Errorf("%w: a JSON string starting at byte %d", elblog.ErrQuote, d.i+1)
	}
	if strings.IndexByte(rest[:end], '\\') < 0 {
		d.i = start + end + 1
		return rest[:end], nil
	}

	var b strings.Builder
	b.Grow(end)
	i := start
	for i < len(d.s) {
		c := d.s[i]
		switch {
		case c == '"':
			d.i = i + 1
			return b.String(), nil
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}

		d.i = i
		n, err := d.decodeEscape(&b, d.s[i:])
		if err != nil {
			return "", err
		}
		i += n
	}
	return "", fmt.Errorf("%w: a JSON string starting at byte %d", elblog.ErrQuote, start)
}

// decodeEscape writes the character of the escape at the start of s, which
// begins with a backslash, to b, and returns the escape's length.
func (d *objectDecoder) decodeEscape(b *strings.Builder, s string) (int, error) {
	if len(s) < 2 {
		return 0, d.fail("a backslash ends the line")
	}
	switch s[1] {
	case '"', '\\', '/':
		b.WriteByte(s[1])
		return 2, nil
	case 'b':
		b.WriteByte('\b')
		return 2, nil
	case 'f':
		b.WriteByte('\f')
		return 2, nil
	case 'n':
		b.WriteByte('\n')
		return 2, nil
	case 'r':
		b.WriteByte('\r')
		return 2, nil
	case 't':
		b.WriteByte('\t')
		return 2, nil
	case 'u':
		return d.decodeUnicodeEscape(b, s)
	case 'x':
		if len(s) < 4 {
			return 0, d.fail(`\x needs two hex digits`)
		}
		v, ok := hexValue(s[2:4])
		if !ok {
			return 0, d.fail(`\x needs two hex digits`)
		}
		if v >= 0x20 && v <= 0x7e {
			b.WriteByte(byte(v))
		} else {
			b.WriteString(s[:4])
		}
		return 4, nil
	}
	return 0, d.fail("invalid escape %q", s[:2])
}

// decodeUnicodeEscape decodes \uXXXX, or a surrogate pair of two such
// escapes. A lone surrogate becomes U+FFFD, as in encoding/json.
func (d *objectDecoder) decodeUnicodeEscape(b *strings.Builder, s string) (int, error) {
	if len(s) < 6 {
		return 0, d.fail(`\u needs four hex digits`)
	}
	v, ok := hexValue(s[2:6])
	if !ok {
		return 0, d.fail(`\u needs four hex digits`)
	}
	r := rune(v)
	if !utf16.IsSurrogate(r) {
		b.WriteRune(r)
		return 6, nil
	}

	if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
		if low, ok := hexValue(s[8:12]); ok {
			if pair := utf16.DecodeRune(r, rune(low)); pair != utf8.RuneError {
				b.WriteRune(pair)
				return 12, nil
			}
		}
	}
	b.WriteRune(utf8.RuneError)
	return 6, nil
}

// hexValue parses up to four hex digits.
func hexValue(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
