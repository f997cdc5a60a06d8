package plot

import (
	"testing"
	"time"
)

func TestChooseTickStep(t *testing.T) {
	tests := []struct {
		span time.Duration
		want time.Duration
	}{
		{span: 3 * time.Millisecond, want: time.Millisecond},
		{span: 30 * time.Second, want: 5 * time.Second},
		{span: 4 * time.Hour, want: time.Hour},
		{span: 24 * time.Hour, want: 6 * time.Hour},
		{span: 10 * 24 * time.Hour, want: 48 * time.Hour},
		{span: 365 * 24 * time.Hour, want: 61 * 24 * time.Hour},
	}

	for _, tt := range tests {
		t.Run(tt.span.String(), func(t *testing.T) {
			if got := chooseTickStep(tt.span.Seconds()); got != tt.want {
				t.Errorf("chooseTickStep(%v) = %v, want %v", tt.span, got, tt.want)
			}
		})
	}
}

func TestTimeTickerLabels(t *testing.T) {
	tests := []struct {
		name       string
		start, end time.Time
		want       []string
	}{
		{
			name:  "hours across midnight",
			start: time.Date(2025, 3, 1, 21, 50, 0, 0, time.UTC),
			end:   time.Date(2025, 3, 2, 1, 59, 0, 0, time.UTC),
			want:  []string{"Mar 1 22:00", "23:00", "Mar 2 00:00", "01:00"},
		},
		{
			name:  "seconds",
			start: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
			end:   time.Date(2025, 3, 1, 12, 0, 25, 0, time.UTC),
			want:  []string{"Mar 1 12:00:00", "12:00:05", "12:00:10", "12:00:15", "12:00:20", "12:00:25"},
		},
		{
			name:  "milliseconds",
			start: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
			end:   time.Date(2025, 3, 1, 12, 0, 0, 1e9/2, time.UTC),
			want:  []string{"Mar 1 12:00:00.000", "12:00:00.100", "12:00:00.200", "12:00:00.300", "12:00:00.400", "12:00:00.500"},
		},
		{
			// Two-day steps count from 1970-01-01, so they fall on odd dates
			// in March 2025.
			name:  "days",
			start: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC),
			end:   time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC),
			want:  []string{"2025-03-01", "2025-03-03", "2025-03-05", "2025-03-07", "2025-03-09"},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ticks := timeTicker{}.Ticks(timeToX(tt.start), timeToX(tt.end))

			var labels []string
			for _, tick := range ticks {
				labels = append(labels, tick.Label)
			}
			if len(labels) != len(tt.want) {
				t.Fatalf("labels = %q, want %q", labels, tt.want)
			}
			for i := range labels {
				if labels[i] != tt.want[i] {
					t.Errorf("label %d = %q, want %q", i, labels[i], tt.want[i])
				}
			}
		})
	}
}

func TestTimeToXRoundTrip(t *testing.T) {
	instant := time.Date(2025, 3, 1, 12, 34, 56, 789_000_000, time.FixedZone("CET", 3600))
	got := xToTime(timeToX(instant))
	if !got.Equal(instant) {
		t.Errorf("xToTime(timeToX(%v)) = %v", instant, got)
	}
	if got.Location() != time.UTC {
		t.Errorf("xToTime returned location %v, want UTC", got.Location())
	}
}
