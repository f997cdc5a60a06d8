package policy

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"90s", 90 * time.Second},
		{"15m", 15 * time.Minute},
		{"2h", 2 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"250ms", 250 * time.Millisecond},
		{"7d", 7 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"1.5d", 36 * time.Hour},
		{"0d", 0},
		{"2d30m", 48*time.Hour + 30*time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDuration(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseDurationErrors(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{"15", `invalid duration "15": expected a number with a unit`},
		{"", `invalid duration "": expected a number with a unit`},
		{"d", `invalid duration "d": expected a number with a unit`},
		{"1w", `invalid duration "1w": expected a number with a unit`},
		{"12h1d", `invalid duration "12h1d": expected a number with a unit`},
		{"1dd", `invalid duration "1dd": expected a number with a unit`},
		{"1e3d", `invalid duration "1e3d": expected a number with a unit`},
		{".5d", `invalid duration ".5d": expected a number with a unit`},
		{"1d-2h", `invalid duration "1d-2h": expected a number with a unit`},
		{"1d+2h", `invalid duration "1d+2h": expected a number with a unit`},
		{"-5m", `invalid duration "-5m": must not be negative`},
		{"-1d", `invalid duration "-1d": must not be negative`},
		{"200000d", `invalid duration "200000d": longer than the maximum of 106751d`},
		{"106751d24h", `invalid duration "106751d24h": longer than the maximum of 106751d`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := parseDuration(tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		endOfDay bool
		want     time.Time
	}{
		{"date as start", "2026-12-31", false, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"date as end", "2026-12-31", true, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"RFC 3339 in UTC", "2026-11-02T09:30:00Z", false, time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)},
		{"RFC 3339 as end unchanged", "2026-11-02T09:30:00Z", true, time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)},
		{"RFC 3339 with offset", "2026-11-02T10:30:00+01:00", false, time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)},
		{"fractional seconds", "2026-11-02T09:30:00.25Z", false, time.Date(2026, 11, 2, 9, 30, 0, 250_000_000, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTime(tt.in, tt.endOfDay)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, time.UTC, got.Location())
		})
	}
}

func TestParseTimeErrors(t *testing.T) {
	for _, in := range []string{"2026-12-32", "2026-11-02 09:30:00", "2026-11-02T09:30:00", "31.12.2026", "tomorrow"} {
		t.Run(in, func(t *testing.T) {
			_, err := parseTime(in, false)
			require.Error(t, err)
			assert.Contains(t, err.Error(), `invalid time "`+in+`": expected a date such as 2026-12-31`)
		})
	}
}

func TestParsePrefix(t *testing.T) {
	got, err := parsePrefix("10.0.21.7/24")
	require.NoError(t, err)
	assert.Equal(t, netip.MustParsePrefix("10.0.21.0/24"), got)

	got, err = parsePrefix("2001:db8:21::/64")
	require.NoError(t, err)
	assert.Equal(t, netip.MustParsePrefix("2001:db8:21::/64"), got)

	for _, in := range []string{"10.0.21.0", "10.0.21.0/33", "subnet-0abc"} {
		_, err := parsePrefix(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), `invalid CIDR "`+in+`"`)
	}
}
