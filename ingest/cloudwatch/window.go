package cloudwatch

import (
	"errors"
	"fmt"
	"time"
)

const day = 24 * time.Hour

// Retention of CloudWatch datapoints by period, from the GetMetricData
// documentation of aws-sdk-go-v2/service/cloudwatch v1.76.0. Older
// datapoints are aggregated into the next longer period.
const (
	minuteRetention  = 15 * day
	fiveMinRetention = 63 * day
	hourRetention    = 455 * day
)

// MaxAge is how far back CloudWatch keeps datapoints: a window that starts
// earlier cannot be pulled.
const MaxAge = hourRetention

// choosePeriod returns the shortest period that CloudWatch still keeps for
// datapoints that start at from: 60 seconds when from is less than 15 days
// before now, 300 seconds when less than 63 days before now, and 3600
// seconds otherwise. A from after now counts as age 0.
//
// NOTE: CloudWatch measures the age when the request arrives, a little after
// now. A from within seconds of the 15-day or 63-day mark can therefore get
// no datapoints for its first minutes.
func choosePeriod(from, now time.Time) time.Duration {
	age := now.Sub(from)
	switch {
	case age < minuteRetention:
		return time.Minute
	case age < fiveMinRetention:
		return 5 * time.Minute
	default:
		return time.Hour
	}
}

// window is the time range of a pull in whole periods.
type window struct {
	from, to time.Time
	period   time.Duration
	// periods is the number of periods between from and to.
	periods int
}

// newWindow chooses the period for [from, to) and rounds both ends down to
// whole periods: whole minutes, five minutes or hours of UTC. A to after now is first cut to now, because CloudWatch
// cannot have datapoints for the future and a count there would be filled
// with a false 0.
func newWindow(from, to, now time.Time) (window, error) {
	switch {
	case now.IsZero():
		return window{}, errors.New("the current time (Now) is missing")
	case from.IsZero():
		return window{}, errors.New("the window start (From) is missing")
	case to.IsZero():
		return window{}, errors.New("the window end (To) is missing")
	}
	if age := now.Sub(from); age > hourRetention {
		return window{}, fmt.Errorf("the window starts at %s, %d days before now, which is older than the %d days that CloudWatch keeps datapoints",
			from.UTC().Format(time.RFC3339), int(age/day), int(hourRetention/day))
	}

	period := choosePeriod(from, now)
	end := to
	if end.After(now) {
		end = now
	}
	w := window{
		from:   from.UTC().Truncate(period),
		to:     end.UTC().Truncate(period),
		period: period,
	}
	if !w.to.After(w.from) {
		return window{}, fmt.Errorf("the window from %s to %s is empty once rounded down to whole %d-second periods and cut at now (%s)",
			from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), int(period/time.Second), now.UTC().Format(time.RFC3339))
	}
	w.periods = int(w.to.Sub(w.from) / period)
	return w, nil
}

// periodSeconds returns the period in seconds, as GetMetricData takes it.
func (w window) periodSeconds() int32 {
	return int32(w.period / time.Second)
}

// periodStart returns the start of period i of the window.
func (w window) periodStart(i int) time.Time {
	return w.from.Add(time.Duration(i) * w.period)
}
