package identity

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidSerial is wrapped by every error that CanonicalSerial returns.
var ErrInvalidSerial = errors.New("invalid certificate serial number")

// CanonicalSerial returns a certificate serial number as upper-case hex digits
// without separators or leading zeros, and "0" for zero.
//
// The input is hex, as every supported source logs it: the ALB in upper case
// (FEF257372D5C14D4), nginx's $ssl_client_serial in upper case
// (i2a_ASN1_INTEGER), HAProxy's ssl_c_serial,hex with the DER sign byte
// (00FEF257372D5C14D4), and Envoy's %DOWNSTREAM_PEER_SERIAL% in lower case
// (BN_bn2hex). An optional "0x" prefix and the separators ':', '-' and ' '
// between digits are accepted. A string of decimal digits is read as hex too,
// because it cannot be distinguished from hex.
//
// A leading '-' marks a negative serial, as nginx and Envoy print one, and is
// kept in the result: "-1A".
//
// NOTE: HAProxy prints a negative serial as its two's-complement bytes, so it
// does not match the nginx spelling. RFC 5280 forbids negative serials.
func CanonicalSerial(serial string) (string, error) {
	digits := strings.TrimSpace(serial)
	negative := false
	if rest, ok := strings.CutPrefix(digits, "-"); ok {
		negative = true
		digits = rest
	}
	if len(digits) >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') {
		digits = digits[2:]
	}

	if digits != "" && (isSerialSeparator(digits[0]) || isSerialSeparator(digits[len(digits)-1])) {
		return "", fmt.Errorf("%w %q: separators are allowed only between hex digits", ErrInvalidSerial, serial)
	}

	var hex strings.Builder
	for i := range len(digits) {
		c := digits[i]
		switch {
		case isSerialSeparator(c):
			continue
		case isHexDigit(c):
			hex.WriteByte(upperHex(c))
		default:
			return "", fmt.Errorf("%w %q: %q is not a hex digit or a separator (':', '-', ' ')",
				ErrInvalidSerial, serial, c)
		}
	}
	if hex.Len() == 0 {
		return "", fmt.Errorf("%w %q: no hex digits", ErrInvalidSerial, serial)
	}

	trimmed := strings.TrimLeft(hex.String(), "0")
	if trimmed == "" {
		return "0", nil
	}
	if negative {
		return "-" + trimmed, nil
	}
	return trimmed, nil
}

func isSerialSeparator(c byte) bool { return c == ':' || c == '-' || c == ' ' }

func upperHex(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}
