package envoy

import (
	"database/sql"
	"encoding/pem"
	"math"
	"net/netip"
	"net/url"
	"strings"

	"github.com/cutover-dev/cutover/ingest/elblog"
	"github.com/cutover-dev/cutover/ingest/identity"
)

// text returns a string value. A number or a boolean is kept as written, in
// case a typed JSON log renders the operator as one.
func (r *Reader) text(key string, v *value) (sql.NullString, error) {
	if !v.isSet() {
		return sql.NullString{}, nil
	}
	if v.kind == kindNested {
		return sql.NullString{}, r.invalid(key, v, "a string")
	}
	return sql.NullString{String: v.text, Valid: true}, nil
}

// number returns a decimal number of 0 or more, written as a JSON number or
// as a string.
func (r *Reader) number(key string, v *value, expected string) (sql.NullFloat64, error) {
	if !v.isSet() {
		return sql.NullFloat64{}, nil
	}
	f, err := elblog.ParseFloat(v.text)
	if v.kind == kindNested || v.kind == kindBool || err != nil || f < 0 {
		return sql.NullFloat64{}, r.invalid(key, v, expected)
	}
	return sql.NullFloat64{Float64: f, Valid: true}, nil
}

// count returns a whole number of 0 or more, such as a byte count.
func (r *Reader) count(key string, v *value) (sql.NullInt64, error) {
	if !v.isSet() {
		return sql.NullInt64{}, nil
	}
	n, err := elblog.ParseUint(v.text, math.MaxInt64)
	if v.kind == kindNested || v.kind == kindBool || err != nil {
		return sql.NullInt64{}, r.invalid(key, v, "a whole number")
	}
	return sql.NullInt64{Int64: int64(n), Valid: true}, nil
}

// status returns the HTTP status. Envoy logs 0 when no response was sent,
// usually because the client disconnected, and 0 is kept.
func (r *Reader) status(v *value) (sql.NullInt32, error) {
	if !v.isSet() {
		return sql.NullInt32{}, nil
	}
	n, err := elblog.ParseUint(v.text, 999)
	if v.kind == kindNested || v.kind == kindBool || err != nil {
		return sql.NullInt32{}, r.invalid(keyResponseCode, v, "an HTTP status from 0 to 999")
	}
	return sql.NullInt32{Int32: int32(n), Valid: true}, nil
}

// splitAddress splits Envoy's "ip:port", in which an IPv6 address is in
// brackets, and returns the address as logged, without brackets.
func splitAddress(v string) (string, int32, bool) {
	addrPort, err := netip.ParseAddrPort(v)
	if err != nil {
		return "", 0, false
	}
	host := v[:strings.LastIndexByte(v, ':')]
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return host, int32(addrPort.Port()), true
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

// decodeCertificate decodes %DOWNSTREAM_PEER_CERT%, a URL-encoded PEM
// certificate. The result is not Valid unless the first PEM block in the
// decoded text is a CERTIFICATE.
func decodeCertificate(v string) sql.NullString {
	text, err := url.PathUnescape(v)
	if err != nil {
		return sql.NullString{}
	}
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return sql.NullString{}
	}
	return sql.NullString{String: text, Valid: true}
}
