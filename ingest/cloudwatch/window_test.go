package cloudwatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testNow = time.Date(2026, 8, 10, 12, 0, 0, 0, time.UTC)

func TestChoosePeriod(t *testing.T) {
	tests := []struct {
		name string
		age  time.Duration
		want time.Duration
	}{
		{name: "future start", age: -time.Hour, want: time.Minute},
		{name: "now", age: 0, want: time.Minute},
		{name: "1 hour", age: time.Hour, want: time.Minute},
		{name: "14 days", age: 14 * day, want: time.Minute},
		{name: "just under 15 days", age: 15*day - time.Second, want: time.Minute},
		{name: "exactly 15 days", age: 15 * day, want: 5 * time.Minute},
		{name: "16 days", age: 16 * day, want: 5 * time.Minute},
		{name: "62 days", age: 62 * day, want: 5 * time.Minute},
		{name: "just under 63 days", age: 63*day - time.Second, want: 5 * time.Minute},
		{name: "exactly 63 days", age: 63 * day, want: time.Hour},
		{name: "64 days", age: 64 * day, want: time.Hour},
		{name: "455 days", age: 455 * day, want: time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, choosePeriod(testNow.Add(-tt.age), testNow))
		})
	}
}

func TestNewWindowRounding(t *testing.T) {
	tests := []struct {
		name        string
		from, to    time.Time
		wantFrom    time.Time
		wantTo      time.Time
		wantPeriod  time.Duration
		wantPeriods int
	}{
		{
			name:        "minutes",
			from:        time.Date(2026, 8, 10, 11, 32, 34, 0, time.UTC),
			to:          time.Date(2026, 8, 10, 11, 40, 59, 0, time.UTC),
			wantFrom:    time.Date(2026, 8, 10, 11, 32, 0, 0, time.UTC),
			wantTo:      time.Date(2026, 8, 10, 11, 40, 0, 0, time.UTC),
			wantPeriod:  time.Minute,
			wantPeriods: 8,
		},
		{
			name:        "five minutes",
			from:        time.Date(2026, 7, 20, 12, 32, 34, 0, time.UTC),
			to:          time.Date(2026, 7, 20, 13, 4, 0, 0, time.UTC),
			wantFrom:    time.Date(2026, 7, 20, 12, 30, 0, 0, time.UTC),
			wantTo:      time.Date(2026, 7, 20, 13, 0, 0, 0, time.UTC),
			wantPeriod:  5 * time.Minute,
			wantPeriods: 6,
		},
		{
			name:        "hours",
			from:        time.Date(2026, 5, 1, 12, 32, 34, 0, time.UTC),
			to:          time.Date(2026, 5, 2, 0, 59, 0, 0, time.UTC),
			wantFrom:    time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC),
			wantTo:      time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC),
			wantPeriod:  time.Hour,
			wantPeriods: 12,
		},
		{
			name:        "to after now is cut",
			from:        testNow.Add(-3 * time.Minute),
			to:          testNow.Add(time.Hour),
			wantFrom:    testNow.Add(-3 * time.Minute),
			wantTo:      testNow,
			wantPeriod:  time.Minute,
			wantPeriods: 3,
		},
		{
			name:        "other time zone",
			from:        time.Date(2026, 8, 10, 13, 30, 10, 0, time.FixedZone("CEST", 2*3600)),
			to:          time.Date(2026, 8, 10, 13, 32, 0, 0, time.FixedZone("CEST", 2*3600)),
			wantFrom:    time.Date(2026, 8, 10, 11, 30, 0, 0, time.UTC),
			wantTo:      time.Date(2026, 8, 10, 11, 32, 0, 0, time.UTC),
			wantPeriod:  time.Minute,
			wantPeriods: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := newWindow(tt.from, tt.to, testNow)
			require.NoError(t, err)
			assert.Equal(t, tt.wantFrom, w.from, "from")
			assert.Equal(t, tt.wantTo, w.to, "to")
			assert.Equal(t, time.UTC, w.from.Location(), "location")
			assert.Equal(t, tt.wantPeriod, w.period, "period")
			assert.Equal(t, tt.wantPeriods, w.periods, "periods")
		})
	}
}

func TestNewWindowErrors(t *testing.T) {
	tests := []struct {
		name       string
		from, to   time.Time
		now        time.Time
		wantErrSub string
	}{
		{name: "missing now", from: testNow.Add(-time.Hour), to: testNow, wantErrSub: "Now"},
		{name: "missing from", to: testNow, now: testNow, wantErrSub: "From"},
		{name: "missing to", from: testNow.Add(-time.Hour), now: testNow, wantErrSub: "To"},
		{
			name:       "within one period",
			from:       time.Date(2026, 8, 10, 11, 0, 10, 0, time.UTC),
			to:         time.Date(2026, 8, 10, 11, 0, 50, 0, time.UTC),
			now:        testNow,
			wantErrSub: "is empty once rounded down to whole 60-second periods",
		},
		{
			name:       "to before from",
			from:       testNow.Add(-time.Hour),
			to:         testNow.Add(-2 * time.Hour),
			now:        testNow,
			wantErrSub: "is empty once rounded down to whole 60-second periods",
		},
		{
			name:       "starts in the future",
			from:       testNow.Add(time.Hour),
			to:         testNow.Add(2 * time.Hour),
			now:        testNow,
			wantErrSub: "cut at now",
		},
		{
			name:       "older than retention",
			from:       testNow.Add(-456 * day),
			to:         testNow.Add(-400 * day),
			now:        testNow,
			wantErrSub: "older than the 455 days",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newWindow(tt.from, tt.to, tt.now)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErrSub)
		})
	}
}
