package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/ingest"
)

// windowFlags are --since, --from and --to, shared by every command that
// reads a time window.
type windowFlags struct {
	since    string
	from, to string
}

func (f *windowFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.since, "since", "", "only the last DURATION before now, such as 2h, 90m or 7d; objects are chosen by the 5-minute interval in their names, and CloudWatch Logs by one-hour slices, so rows just outside the window load too")
	cmd.Flags().StringVar(&f.from, "from", "", "window start: RFC 3339 time (2026-12-03T10:00:00Z) or date (2026-12-03), UTC")
	cmd.Flags().StringVar(&f.to, "to", "", "window end: RFC 3339 time or date (the date's start), UTC; default now")
}

// window resolves the flags against now. The zero Window means no flags.
func (f *windowFlags) window(now time.Time) (ingest.Window, error) {
	var w ingest.Window
	if f.since != "" && f.from != "" {
		return w, newUsageError("--since 2h", "--since and --from both set the window start: use one")
	}
	if f.since != "" {
		d, err := parseDuration(f.since)
		if err != nil || d <= 0 {
			return w, newUsageError("--since 2h", "invalid --since %q: use a positive duration such as 30m, 2h or 7d", f.since)
		}
		w.From = now.Add(-d).UTC()
	}
	if f.from != "" {
		t, err := parseTimeFlag(f.from)
		if err != nil {
			return w, newUsageError("--from 2026-12-03T10:00:00Z", "invalid --from %q: use an RFC 3339 time or a date", f.from)
		}
		w.From = t
	}
	if f.to != "" {
		t, err := parseTimeFlag(f.to)
		if err != nil {
			return w, newUsageError("--to 2026-12-03T12:00:00Z", "invalid --to %q: use an RFC 3339 time or a date", f.to)
		}
		w.To = t
	}
	if !w.From.IsZero() && w.To.IsZero() {
		w.To = now.UTC()
	}
	if !w.From.IsZero() && !w.To.IsZero() && !w.From.Before(w.To) {
		return w, newUsageError("--from 2026-12-03T10:00:00Z --to 2026-12-03T12:00:00Z",
			"the window start %s is not before its end %s", w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
	}
	return w, nil
}

// parseDuration accepts Go durations plus whole days ("7d").
func parseDuration(s string) (time.Duration, error) {
	if n := len(s); n > 1 && s[n-1] == 'd' {
		days, err := time.ParseDuration(s[:n-1] + "h")
		return days * 24, err
	}
	return time.ParseDuration(s)
}

func parseTimeFlag(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Parse("2006-01-02", s)
}
