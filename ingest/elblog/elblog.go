// Package elblog splits the lines that Elastic Load Balancing writes to S3
// into fields, and converts the values those fields share across log types:
// timestamps, "ip:port" pairs, numbers and the "-" placeholder.
//
// A line is a sequence of fields separated by single spaces. A field is either
// bare (it ends at the next space) or quoted (it starts with a double quote and
// ends at the next double quote that no backslash escapes). Inside a quoted
// field the load balancer writes a double quote as \" or \x22, and other bytes
// as \xNN.
//
// The package does no I/O and imports no database code, so the parsers built on
// it test quickly.
package elblog

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Errors a caller can find with errors.Is in a parser's ParseError.
var (
	// ErrQuote reports a quoted field that the line ends before closing.
	ErrQuote = errors.New("quoted field not closed before the end of the line")
	// ErrBareQuote reports a double quote directly after a bare field, with no
	// space between them.
	ErrBareQuote = errors.New("double quote inside a bare field")
	// ErrFieldCount reports a line with fewer fields than its format requires.
	ErrFieldCount = errors.New("too few fields")
	// ErrSyntax reports a value that does not have its field's type.
	ErrSyntax = errors.New("invalid value")
)

// Field is one field of a line. Value holds the text between the quotes of a
// quoted field, with its escapes decoded (see Unescape).
type Field struct {
	Value  string
	Quoted bool
}

// Split appends the fields of line to dst and returns the extended slice.
// Values are substrings of line unless they hold escapes, so a caller that
// keeps one string per line allocates nothing more for unescaped fields.
// On an error, the returned int is the 1-indexed number of the field at fault.
func Split(line string, dst []Field) ([]Field, int, error) {
	i := 0
	for i <= len(line) {
		n := len(dst) + 1
		if i < len(line) && line[i] == '"' {
			end, escaped := scanQuoted(line, i+1)
			if end < 0 {
				return dst, n, ErrQuote
			}
			v := line[i+1 : end]
			if escaped {
				v = Unescape(v)
			}
			dst = append(dst, Field{Value: v, Quoted: true})
			i = end + 1
			if i == len(line) {
				return dst, 0, nil
			}
			if line[i] != ' ' {
				return dst, n, ErrBareQuote
			}
			i++
			continue
		}
		end := strings.IndexByte(line[i:], ' ')
		if end < 0 {
			end = len(line)
		} else {
			end += i
		}
		v := line[i:end]
		if strings.IndexByte(v, '"') >= 0 {
			return dst, n, ErrBareQuote
		}
		dst = append(dst, Field{Value: v})
		i = end + 1
	}
	return dst, 0, nil
}

// scanQuoted returns the index of the double quote that closes a field whose
// text starts at start, or -1, and whether the text holds a backslash. Most
// quoted fields contain no backslash, so it looks for the first double quote
// with strings.IndexByte and scans byte by byte only from a backslash on.
func scanQuoted(line string, start int) (int, bool) {
	rest := line[start:]
	quote := strings.IndexByte(rest, '"')
	if quote < 0 {
		return -1, strings.IndexByte(rest, '\\') >= 0
	}
	backslash := strings.IndexByte(rest[:quote], '\\')
	if backslash < 0 {
		return start + quote, false
	}
	for i := start + backslash; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '"':
			return i, true
		}
	}
	return -1, true
}

// Unescape decodes the escapes the load balancer writes inside quoted fields:
// \" and \\ become the character itself, and \xNN becomes the byte NN when that
// byte is printable ASCII (0x20 to 0x7e). Other \xNN escapes stay as written,
// so the value stays valid UTF-8 and still shows which bytes the client sent.
// A backslash followed by anything else is kept as it is.
func Unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch next := s[i+1]; next {
		case '"', '\\':
			b.WriteByte(next)
			i++
		case 'x':
			if i+3 < len(s) {
				if v, ok := hexByte(s[i+2], s[i+3]); ok && v >= 0x20 && v <= 0x7e {
					b.WriteByte(v)
					i += 3
					continue
				}
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func hexByte(hi, lo byte) (byte, bool) {
	h, ok1 := hexDigit(hi)
	l, ok2 := hexDigit(lo)
	return h<<4 | l, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// IsNull reports whether a value is the "-" placeholder for a missing value.
func IsNull(v string) bool { return v == "-" }

// SplitHostPort splits "ip:port" on the last colon, so unbracketed IPv6
// addresses such as "2001:db8::1:443" split into "2001:db8::1" and 443. The
// bracketed form "[2001:db8::1]:443" is accepted too; the address is returned
// as written, brackets included, because addresses are stored as logged.
func SplitHostPort(v string) (string, int32, error) {
	i := strings.LastIndexByte(v, ':')
	if i <= 0 || i == len(v)-1 {
		return "", 0, ErrSyntax
	}
	port, err := ParseUint(v[i+1:], 65535)
	if err != nil {
		return "", 0, err
	}
	return v[:i], int32(port), nil
}

// ParseUint parses a decimal number of at most max without allocating.
func ParseUint(v string, max uint64) (uint64, error) {
	if v == "" || len(v) > 20 {
		return 0, ErrSyntax
	}
	var n uint64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, ErrSyntax
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, ErrSyntax
		}
		n = n*10 + d
	}
	if n > max {
		return 0, ErrSyntax
	}
	return n, nil
}

// ParseInt parses a decimal number with an optional leading minus sign.
func ParseInt(v string) (int64, error) {
	neg := strings.HasPrefix(v, "-")
	if neg {
		v = v[1:]
	}
	n, err := ParseUint(v, 1<<63-1)
	if err != nil {
		return 0, err
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

// ParseFloat parses a decimal number such as "0.001" or "-1". It accepts only
// digits, one decimal point and a leading minus sign, so it rejects "NaN",
// "Inf", "1e3" and "0x1p-2", which strconv.ParseFloat would accept.
func ParseFloat(v string) (float64, error) {
	if v == "" {
		return 0, ErrSyntax
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < '0' || c > '9') && c != '.' && (c != '-' || i != 0) {
			return 0, ErrSyntax
		}
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, ErrSyntax
	}
	return f, nil
}

// ParseTime parses the ISO 8601 UTC timestamps the load balancers write:
// "2018-07-02T22:23:00.186641Z", any number of fraction digits up to nine, and
// the NLB form without fraction or "Z" ("2018-12-20T02:59:40"), which is UTC
// too. The common forms are decoded by hand because time.Parse costs several
// times more per line; anything else falls back to RFC 3339.
func ParseTime(v string) (time.Time, error) {
	if len(v) >= 19 && v[4] == '-' && v[7] == '-' && v[10] == 'T' && v[13] == ':' && v[16] == ':' {
		year, ok1 := digits(v[0:4])
		month, ok2 := digits(v[5:7])
		day, ok3 := digits(v[8:10])
		hour, ok4 := digits(v[11:13])
		minute, ok5 := digits(v[14:16])
		sec, ok6 := digits(v[17:19])
		rest := v[19:]
		nsec := 0
		ok7 := true
		if strings.HasPrefix(rest, ".") {
			j := 1
			scale := 100_000_000
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' && j <= 9 {
				nsec += int(rest[j]-'0') * scale
				scale /= 10
				j++
			}
			ok7 = j > 1
			rest = rest[j:]
		}
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && (rest == "Z" || rest == "") &&
			month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && sec < 61 {
			t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
			if t.Day() == day {
				return t, nil
			}
			return time.Time{}, ErrSyntax
		}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, ErrSyntax
	}
	return t.UTC(), nil
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
