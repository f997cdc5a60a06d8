package stats

import (
	"fmt"
	"math"
	"time"
)

// Verdict is the outcome of one check. The words match the gate's: PASS lets
// the migration take its next step, FAIL halts it, and WAIT means more data
// is needed.
type Verdict string

// The verdicts.
const (
	// Pass means the data reject "the ALB is worse by the margin or more".
	Pass Verdict = "PASS"
	// Fail means the data show the ALB worse than the NLB by more than the
	// margin.
	Fail Verdict = "FAIL"
	// Wait means neither could be shown yet.
	Wait Verdict = "WAIT"
)

// NeedUnknown is the need reported by a WAIT whose projection found no amount
// of further data that settles the check, up to a million clients per path
// (for NaiveRateTest, a million connections or a hundred times those seen).
// It happens when the estimate sits on the margin, when a path has no data to
// project from, or when the arrival rates given for the projection leave a
// path without new clients.
const NeedUnknown = -1

// Forever is the duration TimeToNeed returns when the need cannot be met at
// the given rate.
const Forever = time.Duration(math.MaxInt64)

// maxProjectedClients caps each path's projected total in the WAIT
// projections, so that a hopeless check costs a bounded time to evaluate.
const maxProjectedClients = 1_000_000

// TimeToNeed estimates how long a path takes to gather need more clients (or
// connections) at ratePerHour new ones per hour. It returns 0 when need is 0
// or less, except for NeedUnknown, and Forever when need is NeedUnknown or the
// rate is not positive. The estimate assumes a constant rate: with a fixed
// client population, new clients stop arriving once every client has been
// seen, so a need larger than the population is never met.
func TimeToNeed(need int, ratePerHour float64) time.Duration {
	if need == NeedUnknown {
		return Forever
	}
	if need <= 0 {
		return 0
	}
	if !(ratePerHour > 0) {
		return Forever
	}
	seconds := math.Ceil(float64(need) / ratePerHour * 3600)
	if seconds >= float64(Forever/time.Second) {
		return Forever
	}
	return time.Duration(seconds) * time.Second
}

// timeToDecision returns the longer of the two paths' TimeToNeed.
func timeToDecision(needALB, needNLB int, albPerHour, nlbPerHour float64) time.Duration {
	return max(TimeToNeed(needALB, albPerHour), TimeToNeed(needNLB, nlbPerHour))
}

// checkAlpha returns an error unless alpha is a probability strictly between
// 0 and 1.
func checkAlpha(alpha float64) error {
	if !(alpha > 0 && alpha < 1) {
		return fmt.Errorf("invalid alpha %v: want a value strictly between 0 and 1, such as 0.05", alpha)
	}
	return nil
}

// growthSchedule yields the total number of units added across both paths
// at each step of a WAIT projection. Each step adds the given fraction of the
// units held so far (at least one), so a projection to a million clients
// takes a few hundred steps, and the need it finds is exact to about that
// fraction.
type growthSchedule struct {
	held, added float64
	fraction    float64
}

// next advances the schedule and returns the new total added.
func (g *growthSchedule) next() float64 {
	g.added += max(1, math.Ceil(g.fraction*(g.held+g.added)))
	return g.added
}

// splitWeights returns the share of future clients that go to each path: in
// proportion to the given arrival rates when either is positive, else in
// proportion to the clients seen so far, else half each.
func splitWeights(albRate, nlbRate float64, albSeen, nlbSeen int) (float64, float64) {
	if albRate > 0 || nlbRate > 0 {
		albRate, nlbRate = max(albRate, 0), max(nlbRate, 0)
		return albRate / (albRate + nlbRate), nlbRate / (albRate + nlbRate)
	}
	if albSeen > 0 && nlbSeen > 0 {
		total := float64(albSeen + nlbSeen)
		return float64(albSeen) / total, float64(nlbSeen) / total
	}
	return 0.5, 0.5
}
