package policy

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// day is the length of the duration unit d. Days are counted as 24 hours,
// whatever the calendar does.
const day = 24 * time.Hour

// parseDuration parses a Go duration that may start with a number of days:
// "15m", "2h", "7d", "1.5d", "1d12h". Negative durations are rejected.
func parseDuration(s string) (time.Duration, error) {
	invalid := fmt.Errorf("invalid duration %q: expected a number with a unit, such as 90s, 15m, 2h, 7d or 1d12h", s)
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("invalid duration %q: must not be negative", s)
	}

	// Split off the days, which must lead, and leave the rest to time.ParseDuration.
	var days time.Duration
	rest := s
	if count, after, ok := strings.Cut(s, "d"); ok {
		if !isDecimal(count) {
			return 0, invalid
		}
		n, err := strconv.ParseFloat(count, 64)
		if err != nil || n*float64(day) >= math.MaxInt64 {
			return 0, fmt.Errorf("invalid duration %q: longer than the maximum of %dd", s, math.MaxInt64/int64(day))
		}
		days = time.Duration(n * float64(day))
		rest = after
		if rest == "" {
			return days, nil
		}
	}

	d, err := time.ParseDuration(rest)
	if err != nil || strings.HasPrefix(rest, "+") || strings.HasPrefix(rest, "-") {
		return 0, invalid
	}
	if d > math.MaxInt64-days {
		return 0, fmt.Errorf("invalid duration %q: longer than the maximum of %dd", s, math.MaxInt64/int64(day))
	}
	return days + d, nil
}

// isDecimal reports whether s is digits with an optional fraction, such as
// "7" or "1.5".
func isDecimal(s string) bool {
	whole, fraction, hasPoint := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) {
		return false
	}
	return !hasPoint || (fraction != "" && allDigits(fraction))
}

// allDigits reports whether s has no character other than the digits 0 to 9.
func allDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}

// parseTime parses an RFC 3339 time or a date in UTC, and returns it in UTC.
// A date stands for its first instant, or for the first instant of the next
// day when endOfDay is set, so that the whole date is included.
func parseTime(s string, endOfDay bool) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid time %q: expected a date such as 2026-12-31 or an RFC 3339 time such as 2026-12-31T18:00:00Z", s)
	}
	return t.UTC(), nil
}

// parsePrefix parses a CIDR such as 10.0.21.0/24 and masks it.
func parsePrefix(s string) (netip.Prefix, error) {
	prefix, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR %q: expected an address and a prefix length, such as 10.0.21.0/24 or 2001:db8::/56", s)
	}
	return prefix.Masked(), nil
}
