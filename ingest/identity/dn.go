package identity

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// ErrInvalidDN is wrapped by every error that CanonicalDN returns.
var ErrInvalidDN = errors.New("invalid distinguished name")

// attribute is one attribute type and value pair of an RDN.
type attribute struct {
	typ   string // canonical type, such as "CN" or "1.2.3.4"
	value string // value in canonical RFC 4514 escaping
}

// rdn is a relative distinguished name: a set of one or more attributes.
type rdn []attribute

// CanonicalDN returns one canonical string for a subject or issuer
// distinguished name, so that the spellings of the same name by the ALB, nginx,
// HAProxy and Envoy compare equal.
//
// It accepts two input forms:
//
//   - The RFC 4514 (and RFC 2253) string form, most specific RDN first:
//     CN=client.example.com,O=Example\, Inc.,C=US. Attribute types are matched
//     without regard to case and may be OIDs, with or without an "OID."
//     prefix. Spaces after "=" and around "," and "+" are ignored, as are
//     unescaped spaces at the end of a value. A value may be "#" followed by
//     hex digits, or be in double quotes. A backslash escapes one of the
//     characters , + " \ < > ; = # and space, or starts two hex digits that
//     give one byte (\C3\A9 for "é").
//   - The slash form that OpenSSL's X509_NAME_oneline and HAProxy print, most
//     general RDN first: /C=US/O=Example, Inc./CN=client.example.com. A "/" or
//     "+" starts a new attribute only when an attribute type and "=" follow
//     it, so "/O=A/B Corp" keeps "A/B Corp" as one value. \xXX is one byte,
//     and \/ and \+ are the characters themselves.
//
// The canonical form lists the most specific RDN first, as RFC 4514 does. It
// writes attribute types in upper case, maps the long names and aliases of
// well-known types (commonName, E, emailAddress, 2.5.4.3, …) to one short name
// such as CN or EMAILADDRESS, and keeps other OIDs as dotted numbers. It puts
// no spaces around "=", "," or "+", sorts the attributes of a multi-valued RDN,
// writes "#" values with upper-case hex digits and does not decode them, and
// writes other values as UTF-8. A backslash escapes only what RFC 4514
// requires: the characters " + , ; < > and \ anywhere, a leading "#" or space,
// and a trailing space. Control characters and bytes that are not valid UTF-8
// are written as \XX. CanonicalDN of its own output returns that output
// unchanged.
//
// An empty or all-space input returns "". OpenSSL's "-nameopt oneline" form
// (C = US, O = Example, CN = x) is rejected rather than guessed at, because it
// lists the most general RDN first like the slash form but otherwise looks like
// the string form. Other errors are unbalanced escapes, a missing "=", an empty
// RDN and invalid attribute types or hex values. Each error wraps ErrInvalidDN
// and quotes the input.
//
// NOTE: In slash forms that do not escape "/" and "+", such as HAProxy's, a
// value containing "/X=" or "+X=" is split there. HAProxy also prints the
// members of a multi-valued RDN as separate RDNs. Such names do not match
// their string-form spelling.
func CanonicalDN(dn string) (string, error) {
	start := skipSpaces(dn, 0)
	if start == len(dn) {
		return "", nil
	}

	var rdns []rdn
	var err error
	if dn[start] == '/' {
		rdns, err = parseSlashDN(dn, start)
	} else {
		rdns, err = parseStringDN(dn, start)
	}
	if err != nil {
		return "", fmt.Errorf("%w %q: %v", ErrInvalidDN, dn, err)
	}
	return formatDN(rdns), nil
}

// formatDN writes rdns in the order given, with the attributes of each RDN
// sorted by type and then by value.
func formatDN(rdns []rdn) string {
	var b strings.Builder
	for i, r := range rdns {
		if i > 0 {
			b.WriteByte(',')
		}
		slices.SortFunc(r, func(x, y attribute) int {
			return cmp.Or(cmp.Compare(x.typ, y.typ), cmp.Compare(x.value, y.value))
		})
		for j, a := range r {
			if j > 0 {
				b.WriteByte('+')
			}
			b.WriteString(a.typ)
			b.WriteByte('=')
			b.WriteString(a.value)
		}
	}
	return b.String()
}

// parseStringDN parses the RFC 4514 string form from s[pos:].
func parseStringDN(s string, pos int) ([]rdn, error) {
	p := &stringParser{s: s, pos: pos}
	var rdns []rdn
	var current rdn
	for {
		attr, separator, err := p.parseAttribute()
		if err != nil {
			return nil, err
		}
		current = append(current, attr)

		switch separator {
		case '+':
			continue
		case ',':
			rdns = append(rdns, current)
			current = nil
		default:
			return append(rdns, current), nil
		}
	}
}

// stringParser reads the RFC 4514 string form. pos is the byte offset in s of
// the next byte to read, and error messages report offsets in s.
type stringParser struct {
	s   string
	pos int
}

// parseAttribute reads one type=value pair and the separator after it: ',',
// '+', or 0 at the end of the input.
func (p *stringParser) parseAttribute() (attribute, byte, error) {
	p.pos = skipSpaces(p.s, p.pos)
	typeStart := p.pos
	for p.pos < len(p.s) && isKeyChar(p.s[p.pos]) {
		p.pos++
	}
	rawType := p.s[typeStart:p.pos]

	afterSpaces := skipSpaces(p.s, p.pos)
	if rawType != "" && afterSpaces > p.pos && afterSpaces < len(p.s) && p.s[afterSpaces] == '=' {
		return attribute{}, 0, fmt.Errorf("space before '=' at byte %d: OpenSSL's \"-nameopt oneline\" form "+
			"is not accepted, because it lists the most general RDN first (print the name with -nameopt RFC2253)",
			p.pos)
	}
	if rawType == "" {
		return attribute{}, 0, fmt.Errorf("attribute type missing at byte %d", typeStart)
	}
	if p.pos == len(p.s) || p.s[p.pos] != '=' {
		return attribute{}, 0, fmt.Errorf("attribute type %q at byte %d is not followed by '='", rawType, typeStart)
	}
	typ, err := canonicalType(rawType)
	if err != nil {
		return attribute{}, 0, fmt.Errorf("byte %d: %v", typeStart, err)
	}
	p.pos++

	value, err := p.parseValue()
	if err != nil {
		return attribute{}, 0, err
	}

	p.pos = skipSpaces(p.s, p.pos)
	if p.pos == len(p.s) {
		return attribute{typ, value}, 0, nil
	}
	switch c := p.s[p.pos]; c {
	case ',', '+':
		p.pos++
		return attribute{typ, value}, c, nil
	case ';':
		return attribute{}, 0, fmt.Errorf("unescaped ';' at byte %d: RFC 4514 separates RDNs with ',' and "+
			"requires ';' in a value to be written as \\;", p.pos)
	default:
		return attribute{}, 0, fmt.Errorf("unexpected %q at byte %d after the value of %s", c, p.pos, rawType)
	}
}

// parseValue reads an attribute value and returns it in canonical escaping.
func (p *stringParser) parseValue() (string, error) {
	p.pos = skipSpaces(p.s, p.pos)
	if p.pos == len(p.s) {
		return "", nil
	}
	switch p.s[p.pos] {
	case '#':
		return p.parseHexValue()
	case '"':
		raw, err := p.parseQuotedValue()
		return escapeValue(raw), err
	default:
		raw, err := p.parsePlainValue()
		return escapeValue(raw), err
	}
}

// parseHexValue reads "#" and an even, non-zero number of hex digits.
func (p *stringParser) parseHexValue() (string, error) {
	start := p.pos
	p.pos++
	digitsStart := p.pos
	for p.pos < len(p.s) && isHexDigit(p.s[p.pos]) {
		p.pos++
	}
	digits := p.s[digitsStart:p.pos]
	if digits == "" || len(digits)%2 != 0 {
		return "", fmt.Errorf("hex value at byte %d needs an even, non-zero number of hex digits", start)
	}
	return "#" + strings.ToUpper(digits), nil
}

// parseQuotedValue reads a value in double quotes, as RFC 2253 allows and
// OpenSSL's oneline form writes.
func (p *stringParser) parseQuotedValue() ([]byte, error) {
	start := p.pos
	p.pos++
	var value []byte
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch c {
		case '"':
			p.pos++
			return value, nil
		case '\\':
			b, err := p.parseEscape()
			if err != nil {
				return nil, err
			}
			value = append(value, b)
		default:
			value = append(value, c)
			p.pos++
		}
	}
	return nil, fmt.Errorf("quoted value at byte %d has no closing '\"'", start)
}

// parsePlainValue reads an unquoted value up to an unescaped ',', '+' or ';'
// or the end of the input. Unescaped spaces at its end are not part of it.
func (p *stringParser) parsePlainValue() ([]byte, error) {
	var value []byte
	significant := 0
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == ',' || c == '+' || c == ';' {
			break
		}
		if c == '\\' {
			b, err := p.parseEscape()
			if err != nil {
				return nil, err
			}
			value = append(value, b)
			significant = len(value)
			continue
		}
		value = append(value, c)
		p.pos++
		if c != ' ' {
			significant = len(value)
		}
	}
	return value[:significant], nil
}

// parseEscape reads a backslash and the special character or the two hex
// digits after it, and returns the byte they stand for.
func (p *stringParser) parseEscape() (byte, error) {
	start := p.pos
	if p.pos+1 == len(p.s) {
		return 0, fmt.Errorf("backslash at byte %d ends the input", start)
	}
	next := p.s[p.pos+1]
	if isHexDigit(next) {
		if p.pos+2 == len(p.s) || !isHexDigit(p.s[p.pos+2]) {
			return 0, fmt.Errorf("escape at byte %d needs two hex digits", start)
		}
		p.pos += 3
		return hexByte(next, p.s[start+2]), nil
	}
	if strings.IndexByte(escapableSpecials, next) >= 0 {
		p.pos += 2
		return next, nil
	}
	return 0, fmt.Errorf("invalid escape %q at byte %d: a backslash must be followed by one of %s "+
		"or by two hex digits", p.s[start:start+2], start, escapableSpecials)
}

// escapableSpecials are the characters that RFC 4514 allows after a backslash.
const escapableSpecials = `,+"\<>;=# `

// parseSlashDN parses the slash form from s[pos:], where s[pos] is '/', and
// returns the RDNs most specific first.
func parseSlashDN(s string, pos int) ([]rdn, error) {
	var rdns []rdn
	var current rdn
	pos++
	for {
		typeEnd, typ, ok := attributeStart(s, pos)
		if !ok {
			return nil, fmt.Errorf("attribute type and '=' missing after %q at byte %d", s[pos-1], pos-1)
		}
		pos = typeEnd + 1

		var value []byte
		for pos < len(s) {
			c := s[pos]
			if c == '/' || c == '+' {
				if _, _, ok := attributeStart(s, pos+1); ok {
					break
				}
			}
			if c == '\\' && pos+1 < len(s) {
				next := s[pos+1]
				if next == '/' || next == '+' {
					value = append(value, next)
					pos += 2
					continue
				}
				if (next == 'x' || next == 'X') && pos+3 < len(s) && isHexDigit(s[pos+2]) && isHexDigit(s[pos+3]) {
					value = append(value, hexByte(s[pos+2], s[pos+3]))
					pos += 4
					continue
				}
			}
			value = append(value, c)
			pos++
		}
		current = append(current, attribute{typ, escapeValue(value)})

		if pos == len(s) {
			rdns = append(rdns, current)
			break
		}
		if s[pos] == '/' {
			rdns = append(rdns, current)
			current = nil
		}
		pos++
	}

	slices.Reverse(rdns)
	return rdns, nil
}

// attributeStart reports whether s[pos:] starts with a valid attribute type
// and '=', and returns the offset of the '=' and the canonical type.
func attributeStart(s string, pos int) (int, string, bool) {
	end := pos
	for end < len(s) && isKeyChar(s[end]) {
		end++
	}
	if end == pos || end == len(s) || s[end] != '=' {
		return 0, "", false
	}
	typ, err := canonicalType(s[pos:end])
	if err != nil {
		return 0, "", false
	}
	return end, typ, true
}

// escapeValue writes raw value bytes in canonical RFC 4514 escaping.
func escapeValue(raw []byte) string {
	var b strings.Builder
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:])
		first := i == 0
		last := i+size == len(raw)

		switch {
		case r == utf8.RuneError && size == 1:
			writeHexEscape(&b, raw[i])
		case r < 0x20 || r == 0x7f:
			writeHexEscape(&b, byte(r))
		case strings.ContainsRune(`"+,;<>\`, r),
			first && (r == ' ' || r == '#'),
			last && r == ' ':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.Write(raw[i : i+size])
		}
		i += size
	}
	return b.String()
}

func writeHexEscape(b *strings.Builder, c byte) {
	const digits = "0123456789ABCDEF"
	b.WriteByte('\\')
	b.WriteByte(digits[c>>4])
	b.WriteByte(digits[c&0x0f])
}

func skipSpaces(s string, pos int) int {
	for pos < len(s) && s[pos] == ' ' {
		pos++
	}
	return pos
}

// isKeyChar reports whether c can appear in an attribute type: a descriptor
// such as "CN" or "emailAddress", or an OID with an optional "OID." prefix.
func isKeyChar(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '-' || c == '.'
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHexDigit(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func hexByte(high, low byte) byte { return hexValue(high)<<4 | hexValue(low) }

func hexValue(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
