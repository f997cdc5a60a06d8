package haproxy

import (
	"database/sql"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/identity"
)

// fieldScanner splits an HAProxy log line into fields. HAProxy separates
// fields with single spaces, and writes the request line and the +Q fields in
// double quotes and the captured headers in braces.
type fieldScanner struct {
	line string
	pos  int
}

// atEnd reports whether no field is left.
func (s *fieldScanner) atEnd() bool { return s.pos >= len(s.line) }

// peek returns the first byte of the next field, or 0 at the end.
func (s *fieldScanner) peek() byte {
	if s.atEnd() {
		return 0
	}
	return s.line[s.pos]
}

// bare returns the next field, which ends at the next space, and reports
// false at the end of the line.
func (s *fieldScanner) bare() (string, bool) {
	if s.atEnd() {
		return "", false
	}
	rest := s.line[s.pos:]
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		s.pos = len(s.line)
		return rest, true
	}
	s.pos += end + 1
	return rest[:end], true
}

// rest returns the text after the fields read so far.
func (s *fieldScanner) rest() string {
	if s.atEnd() {
		return ""
	}
	return s.line[s.pos:]
}

// braced returns the text between the braces of a captured-header field,
// which starts at the current position. The header capture writes '{', '|',
// '}' and '"' as #XX, so the first '}' ends the field. It reports false when
// no '}' follows or the '}' is not followed by a space or the end.
func (s *fieldScanner) braced() (string, bool) {
	end := strings.IndexByte(s.line[s.pos:], '}')
	if end < 0 {
		s.pos = len(s.line)
		return "", false
	}
	return s.closeField(s.pos+1, s.pos+end)
}

// quoted returns the text between the double quotes of a field that starts at
// the current position. With escapes, a backslash makes the next byte part
// of the text, as the +E option writes it, and the text is returned with
// those backslashes still in it. Without, the first double quote ends the
// field, which suits %r: HAProxy writes a double quote in the request line as
// #22. The error is elblog.ErrQuote when the line ends before the closing
// quote and elblog.ErrBareQuote when text other than a space follows it.
func (s *fieldScanner) quoted(escapes bool) (string, error) {
	end := -1
	for i := s.pos + 1; i < len(s.line); i++ {
		if escapes && s.line[i] == '\\' {
			i++
			continue
		}
		if s.line[i] == '"' {
			end = i
			break
		}
	}
	if end < 0 {
		s.pos = len(s.line)
		return "", elblog.ErrQuote
	}
	v, ok := s.closeField(s.pos+1, end)
	if !ok {
		return "", elblog.ErrBareQuote
	}
	return v, nil
}

// closeField returns line[start:end] as the text of a field whose closing
// byte is at end, and moves past it and the space after it. It reports false
// when text other than a space follows the closing byte.
func (s *fieldScanner) closeField(start, end int) (string, bool) {
	next := end + 1
	switch {
	case next == len(s.line):
		s.pos = next
	case s.line[next] == ' ':
		s.pos = next + 1
	default:
		s.pos = len(s.line)
		return "", false
	}
	return s.line[start:end], true
}

// unescapeE removes the backslashes that the +E option puts before '"', '\'
// and ']'. +E escapes every backslash, so every backslash starts an escape.
func unescapeE(v string) string {
	if strings.IndexByte(v, '\\') < 0 {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// splitN splits a field of n values joined by '/', such as %TR/%Tw/%Tc/%Tr/%Ta.
func splitN(v string, n int) ([]string, bool) {
	parts := strings.Split(v, "/")
	return parts, len(parts) == n
}

// parseClient splits %ci:%cp. HAProxy writes an IPv6 address without
// brackets, so the port follows the last ':'.
func parseClient(v string) (string, int32, bool) {
	host, port, err := elblog.SplitHostPort(v)
	if err != nil {
		return "", 0, false
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if _, err := netip.ParseAddr(host); err != nil {
		return "", 0, false
	}
	return host, port, true
}

// months are the month names of HAProxy's log dates.
var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// logDateLen is the length of a log date such as 03/Dec/2026:14:00:01.123.
const logDateLen = 24

// looksLikeLogDate reports whether v has the shape of a log date, whatever its
// values.
func looksLikeLogDate(v string) bool {
	if len(v) != logDateLen {
		return false
	}
	for i := range len(v) {
		c := v[i]
		switch i {
		case 2, 6:
			if c != '/' {
				return false
			}
		case 11, 14, 17:
			if c != ':' {
				return false
			}
		case 20:
			if c != '.' {
				return false
			}
		case 3, 4, 5:
			if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
				return false
			}
		default:
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// parseLogDate parses a log date in loc: the request date %tr of the HTTP log
// or the accept date of the connection error log, which HAProxy writes in its
// host's local time with milliseconds.
func parseLogDate(v string, loc *time.Location) (time.Time, bool) {
	if !looksLikeLogDate(v) {
		return time.Time{}, false
	}
	month := 0
	for i, name := range months {
		if v[3:6] == name {
			month = i + 1
		}
	}
	day, year := atoi(v[0:2]), atoi(v[7:11])
	hour, minute, second, milli := atoi(v[12:14]), atoi(v[15:17]), atoi(v[18:20]), atoi(v[21:24])
	if month == 0 || day < 1 || hour > 23 || minute > 59 || second > 60 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, milli*int(time.Millisecond), loc)
	if t.Day() != day {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// atoi converts digits that looksLikeLogDate has checked.
func atoi(v string) int {
	n := 0
	for i := range len(v) {
		n = n*10 + int(v[i]-'0')
	}
	return n
}

// maxTimerMS is the longest timer, in milliseconds, that a time.Duration
// holds: about 292 years.
const maxTimerMS = math.MaxInt64 / uint64(time.Millisecond)

// parseTimer parses a timer in milliseconds. HAProxy writes -1 for a step
// that was not reached, which is returned as not Valid, and puts '+' before
// %Ta, %B and %rc when "option logasap" logs before the end.
func parseTimer(v string) (sql.NullInt64, bool) {
	v = strings.TrimPrefix(v, "+")
	if v == "-1" {
		return sql.NullInt64{}, true
	}
	n, err := elblog.ParseUint(v, maxTimerMS)
	if err != nil {
		return sql.NullInt64{}, false
	}
	return sql.NullInt64{Int64: int64(n), Valid: true}, true
}

// parseCount parses a whole number of 0 or more, with an optional '+'.
func parseCount(v string) (int64, bool) {
	n, err := elblog.ParseUint(strings.TrimPrefix(v, "+"), math.MaxInt64)
	return int64(n), err == nil
}

// parseCode parses a sample fetch that returns a whole number, such as
// ssl_c_err, or "-" when the fetch failed.
func parseCode(v string) (sql.NullInt64, bool) {
	if elblog.IsNull(v) {
		return sql.NullInt64{}, true
	}
	n, err := elblog.ParseUint(v, math.MaxInt64)
	if err != nil {
		return sql.NullInt64{}, false
	}
	return sql.NullInt64{Int64: int64(n), Valid: true}, true
}

// isHex reports whether v is one or more hex digits.
func isHex(v string) bool {
	if v == "" {
		return false
	}
	for i := range len(v) {
		c := v[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// isZeroHex reports whether v is hex digits that are all zero.
func isZeroHex(v string) bool {
	return strings.Trim(v, "0") == ""
}

// parseNotAfter parses ssl_c_notafter, the certificate's ASN.1 time as
// HAProxy prints it: YYMMDDhhmmssZ for a UTCTime, in which years 50 to 99 are
// 1950 to 1999 (RFC 5280), or YYYYMMDDhhmmssZ for a GeneralizedTime.
func parseNotAfter(v string) (sql.NullTime, bool) {
	digits, found := strings.CutSuffix(v, "Z")
	if !found || (len(digits) != 12 && len(digits) != 14) {
		return sql.NullTime{}, false
	}
	for i := range len(digits) {
		if digits[i] < '0' || digits[i] > '9' {
			return sql.NullTime{}, false
		}
	}
	var year int
	if len(digits) == 12 {
		year = 2000 + atoi(digits[0:2])
		if year >= 2050 {
			year -= 100
		}
		digits = digits[2:]
	} else {
		year = atoi(digits[0:4])
		digits = digits[4:]
	}
	month, day := atoi(digits[0:2]), atoi(digits[2:4])
	hour, minute, second := atoi(digits[4:6]), atoi(digits[6:8]), atoi(digits[8:10])
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60 {
		return sql.NullTime{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, 0, time.UTC)
	if t.Day() != day {
		return sql.NullTime{}, false
	}
	return sql.NullTime{Time: t, Valid: true}, true
}

// nullString maps "-" and "" to a value that is not Valid.
func nullString(v string) sql.NullString {
	if v == "" || elblog.IsNull(v) {
		return sql.NullString{}
	}
	return sql.NullString{String: v, Valid: true}
}

// nullQuoted maps "" to a value that is not Valid. HAProxy writes a quoted
// sample fetch that returned nothing as "", so a quoted "-" is a value.
func nullQuoted(v string) sql.NullString {
	if v == "" {
		return sql.NullString{}
	}
	return sql.NullString{String: v, Valid: true}
}

// canonicalDN returns the identity form of a subject or issuer, or a value
// that is not Valid when there is none or identity cannot read it.
func canonicalDN(raw sql.NullString) sql.NullString {
	if !raw.Valid {
		return sql.NullString{}
	}
	dn, err := identity.CanonicalDN(raw.String)
	if err != nil || dn == "" {
		return sql.NullString{}
	}
	return sql.NullString{String: dn, Valid: true}
}

// canonicalSerial returns the identity form of a serial number, or a value
// that is not Valid when there is none or identity cannot read it.
func canonicalSerial(raw sql.NullString) sql.NullString {
	if !raw.Valid {
		return sql.NullString{}
	}
	serial, err := identity.CanonicalSerial(raw.String)
	if err != nil {
		return sql.NullString{}
	}
	return sql.NullString{String: serial, Valid: true}
}

// decodeCertificate returns the PEM form of %[ssl_c_der,base64], the client's
// leaf certificate as base64 of its DER encoding. The result is not Valid for
// "-", which HAProxy writes when the client sent no certificate. Nor is it
// for a value that is not standard base64 of one whole ASN.1 SEQUENCE, such
// as one that HAProxy cut at the log line's len. Only that outer SEQUENCE is
// checked, not the certificate inside.
func decodeCertificate(v string) sql.NullString {
	if elblog.IsNull(v) {
		return sql.NullString{}
	}
	der, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return sql.NullString{}
	}
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(der, &outer)
	if err != nil || len(rest) != 0 || outer.Class != asn1.ClassUniversal || outer.Tag != asn1.TagSequence || !outer.IsCompound {
		return sql.NullString{}
	}
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return sql.NullString{String: string(block), Valid: true}
}
