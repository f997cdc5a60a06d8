package identity

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCanonicalSerialSpellings(t *testing.T) {
	cases := []struct {
		source string
		input  string
		want   string
	}{
		{"ALB connection log", "FEF257372D5C14D4", "FEF257372D5C14D4"},
		{"nginx ssl_client_serial", "FEF257372D5C14D4", "FEF257372D5C14D4"},
		{"HAProxy ssl_c_serial,hex with sign byte", "00FEF257372D5C14D4", "FEF257372D5C14D4"},
		{"Envoy DOWNSTREAM_PEER_SERIAL", "fef257372d5c14d4", "FEF257372D5C14D4"},
		{"0x prefix", "0xFEF257372D5C14D4", "FEF257372D5C14D4"},
		{"upper-case 0X prefix", "0XFEF257372D5C14D4", "FEF257372D5C14D4"},
		{"colon separators", "fe:f2:57:37:2d:5c:14:d4", "FEF257372D5C14D4"},
		{"dash separators", "FE-F2-57-37-2D-5C-14-D4", "FEF257372D5C14D4"},
		{"space separators", "FE F2 57 37 2D 5C 14 D4", "FEF257372D5C14D4"},
		{"surrounding spaces", "  FEF257372D5C14D4 ", "FEF257372D5C14D4"},
		{"decimal digits read as hex", "1000", "1000"},
		{"leading zeros", "000A", "A"},
		{"zero as nginx prints it", "00", "0"},
		{"zero", "0", "0"},
		{"zero with 0x prefix", "0x0", "0"},
		{"negative as nginx prints it", "-1A", "-1A"},
		{"negative with leading zeros", "-001a", "-1A"},
		{"negative zero", "-00", "0"},
	}
	for _, tc := range cases {
		got, err := CanonicalSerial(tc.input)
		require.NoError(t, err, tc.source)
		assert.Equal(t, tc.want, got, tc.source)

		again, err := CanonicalSerial(got)
		require.NoError(t, err, tc.source)
		assert.Equal(t, got, again, "%s: output is a fixed point", tc.source)
	}
}

func TestCanonicalSerialErrors(t *testing.T) {
	cases := []struct {
		name   string
		input  string
		reason string
	}{
		{"empty", "", "no hex digits"},
		{"spaces only", "   ", "no hex digits"},
		{"log placeholder", "-", "no hex digits"},
		{"prefix only", "0x", "no hex digits"},
		{"separators only", "::", "only between hex digits"},
		{"leading separator", ":FE", "only between hex digits"},
		{"trailing separator", "FE:", "only between hex digits"},
		{"non-hex letter", "FEG1", `'G' is not a hex digit`},
		{"decimal point", "12.5", `'.' is not a hex digit`},
		{"two signs", "--1", "only between hex digits"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CanonicalSerial(tc.input)
			require.Error(t, err)
			assert.Equal(t, "", got)
			assert.True(t, errors.Is(err, ErrInvalidSerial), "errors.Is(%v, ErrInvalidSerial)", err)
			assert.Contains(t, err.Error(), fmt.Sprintf("%q", tc.input), "error names the input")
			assert.Contains(t, err.Error(), tc.reason)
		})
	}
}
