package nginx

import (
	"database/sql"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/identity"
)

// isUnset reports whether v is nginx's text for a variable without a value:
// "" with escape=json, "-" with the default escaping.
func isUnset(v string) bool { return v == "" || v == "-" }

// parseMsec parses $msec, seconds since the Unix epoch with a fraction, such
// as "1695335001.123".
func parseMsec(v string) (time.Time, bool) {
	whole, fraction, hasFraction := strings.Cut(v, ".")
	// 1<<40 seconds is beyond the year 36000, and keeps the conversion to
	// nanoseconds from overflowing.
	seconds, err := elblog.ParseUint(whole, 1<<40)
	if err != nil {
		return time.Time{}, false
	}
	if hasFraction && (fraction == "" || len(fraction) > 9) {
		return time.Time{}, false
	}

	nanoseconds := 0
	scale := 100_000_000
	for i := 0; i < len(fraction); i++ {
		c := fraction[i]
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
		nanoseconds += int(c-'0') * scale
		scale /= 10
	}
	return time.Unix(int64(seconds), int64(nanoseconds)).UTC(), true
}

// parseSeconds parses a duration in seconds such as "0.004". Durations
// cannot be negative.
func parseSeconds(v string) (float64, bool) {
	f, err := elblog.ParseFloat(v)
	if err != nil || f < 0 {
		return 0, false
	}
	return f, true
}

// parseLastSeconds parses a list of upstream times such as $upstream_header_time
// and returns its last entry. nginx writes one entry per upstream server
// tried: "0.004" for one, "-, 0.010" when the first failed before sending
// headers, with ", " between the servers of one upstream group and " : "
// between groups after an internal redirect. The last entry belongs to the
// server whose response the client got. It is "-" when that server sent no
// headers, and then the result is not Valid. Every entry must be "-" or a
// number of seconds.
func parseLastSeconds(v string) (sql.NullFloat64, bool) {
	var last sql.NullFloat64
	entries := 0
	for entry := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ',' || r == ':' }) {
		entries++
		entry = strings.TrimSpace(entry)
		if entry == "-" {
			last = sql.NullFloat64{}
			continue
		}
		f, ok := parseSeconds(entry)
		if !ok {
			return sql.NullFloat64{}, false
		}
		last = sql.NullFloat64{Float64: f, Valid: true}
	}
	return last, entries > 0
}

// splitRequest splits $request, such as "GET /path?q=1 HTTP/1.1", into the
// method and the URI. The protocol is dropped. It reports false for a value
// without a space, which has no method and URI to tell apart.
func splitRequest(v string) (method, uri string, ok bool) {
	method, rest, found := strings.Cut(v, " ")
	if !found || method == "" {
		return "", "", false
	}
	if i := strings.LastIndexByte(rest, ' '); i >= 0 && strings.HasPrefix(rest[i+1:], "HTTP/") {
		rest = rest[:i]
	}
	if rest == "" {
		return "", "", false
	}
	return method, rest, true
}

// certTimeLayout is the layout in which OpenSSL's ASN1_TIME_print writes
// $ssl_client_v_end, as in "Sep 21 22:43:21 2023 GMT" and "Dec  4 21:35:50 2027 GMT" (the day
// padded with a space), without the " GMT" suffix. time.Parse also accepts
// the fractional seconds that OpenSSL prints for GeneralizedTime values
// that have them.
const certTimeLayout = "Jan _2 15:04:05 2006"

// parseCertTime parses $ssl_client_v_end. A value of another shape is not
// Valid.
func parseCertTime(v string) sql.NullTime {
	text, found := strings.CutSuffix(v, " GMT")
	if !found {
		return sql.NullTime{}
	}
	t, err := time.ParseInLocation(certTimeLayout, text, time.UTC)
	if err != nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t, Valid: true}
}

// pemCertificatePrefix starts every PEM certificate.
const pemCertificatePrefix = "-----BEGIN CERTIFICATE-----"

// decodeCert decodes $ssl_client_escaped_cert, a PEM certificate in URL
// encoding (%20 for a space, %0A for a line end, %2B for '+'). The result
// is not Valid when the value does not decode, holds bytes outside ASCII,
// which PEM does not use, or does not start like a PEM certificate. The
// base64 inside is not checked.
func decodeCert(v string) sql.NullString {
	// PathUnescape, unlike QueryUnescape, leaves '+' alone: nginx encodes it
	// as %2B, so a bare '+' can only be a literal one.
	pem, err := url.PathUnescape(v)
	if err != nil || !strings.HasPrefix(pem, pemCertificatePrefix) || !isASCII(pem) {
		return sql.NullString{}
	}
	return sql.NullString{String: pem, Valid: true}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// maxCachedDNs bounds a dnCache. A fleet's clients have far fewer distinct
// subjects and issuers than this, so the cache is cleared rarely.
const maxCachedDNs = 4096

// dnCache remembers the canonical forms of the DNs a reader has seen. In
// BenchmarkAccessRead, canonicalising the two DNs took half the time of a
// line, and every request of a client repeats the same two DNs.
type dnCache map[string]sql.NullString

// canonical returns identity.CanonicalDN of a logged DN, or a value that is
// not Valid when the DN does not parse or is empty.
func (c dnCache) canonical(raw sql.NullString) sql.NullString {
	if !raw.Valid {
		return sql.NullString{}
	}
	if dn, ok := c[raw.String]; ok {
		return dn
	}

	var result sql.NullString
	if dn, err := identity.CanonicalDN(raw.String); err == nil && dn != "" {
		result = validString(dn)
	}
	if len(c) >= maxCachedDNs {
		clear(c)
	}
	// The key is cloned so that the cache does not keep the whole line alive.
	c[strings.Clone(raw.String)] = result
	return result
}

// canonicalSerial returns identity.CanonicalSerial of a logged serial, or a
// value that is not Valid when the serial does not parse.
func canonicalSerial(raw sql.NullString) sql.NullString {
	if !raw.Valid {
		return sql.NullString{}
	}
	serial, err := identity.CanonicalSerial(raw.String)
	if err != nil || serial == "" {
		return sql.NullString{}
	}
	return sql.NullString{String: serial, Valid: true}
}

func validString(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }
