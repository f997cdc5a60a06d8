package plot

import (
	"math"
	"time"

	gonumplot "gonum.org/v1/plot"
)

// The time axis stores instants as float64 seconds since the Unix epoch.
// At present-day instants that keeps about a quarter of a microsecond of
// resolution, which is finer than any label the axis prints.

func timeToX(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// xToTime converts an axis value back to UTC, rounded to the microsecond so
// that a tick at a whole millisecond does not print as the one before.
func xToTime(x float64) time.Time {
	seconds := math.Floor(x)
	micros := math.Round((x - seconds) * 1e6)
	return time.Unix(int64(seconds), int64(micros)*1e3).UTC()
}

// tickSteps are the spacings the time axis chooses from, so that ticks fall
// on round clock times. Neighbouring steps differ by at most a factor of
// 2.5, so every span longer than 2 ms gets at least two ticks.
var tickSteps = []time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 48 * time.Hour, 72 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
}

// maxTimeTicks is the maximum number of labelled ticks on the time axis.
// Six labels such as "Jan 2 15:04" fit on the default 16 cm width.
const maxTimeTicks = 6

// timeTicker places ticks on the time axis at whole multiples of a round
// step, counted from the Unix epoch in UTC.
type timeTicker struct{}

var _ gonumplot.Ticker = timeTicker{}

// Ticks implements gonumplot.Ticker.
func (timeTicker) Ticks(min, max float64) []gonumplot.Tick {
	step := chooseTickStep(max - min)
	stepSeconds := step.Seconds()

	first := math.Ceil(min / stepSeconds)
	last := math.Floor(max / stepSeconds)

	var ticks []gonumplot.Tick
	var previous time.Time
	for k := first; k <= last; k++ {
		value := k * stepSeconds
		instant := xToTime(value)
		ticks = append(ticks, gonumplot.Tick{
			Value: value,
			Label: formatTick(instant, previous, step),
		})
		previous = instant
	}
	return ticks
}

// chooseTickStep returns the smallest step from tickSteps that gives at most
// maxTimeTicks ticks over span seconds. Longer spans use a whole number of
// days.
func chooseTickStep(span float64) time.Duration {
	for _, step := range tickSteps {
		if span/step.Seconds() <= maxTimeTicks {
			return step
		}
	}
	day := 24 * time.Hour
	days := math.Ceil(span / maxTimeTicks / day.Seconds())
	return time.Duration(days) * day
}

// formatTick labels a tick with as much of the time as the step resolves.
// Below a day, the date is added to the first label and to each label on a
// new UTC date, so the axis shows the date without repeating it.
func formatTick(instant, previous time.Time, step time.Duration) string {
	var clock string
	switch {
	case step >= 24*time.Hour:
		return instant.Format("2006-01-02")
	case step < time.Second:
		clock = instant.Format("15:04:05.000")
	case step < time.Minute:
		clock = instant.Format("15:04:05")
	default:
		clock = instant.Format("15:04")
	}

	if previous.IsZero() || !sameDate(instant, previous) {
		return instant.Format("Jan 2 ") + clock
	}
	return clock
}

func sameDate(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
