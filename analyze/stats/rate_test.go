package stats

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected values in this file come from testdata/reference.py. With
// alpha 0.05 each path's bounds are at 0.025 per side.

// clients returns n clients named prefix-0, prefix-1, … with the given
// trials and failures each.
func clients(prefix string, n, trials, failures int) []ClientCounts {
	out := make([]ClientCounts, n)
	for i := range out {
		out[i] = ClientCounts{Client: fmt.Sprintf("%s-%d", prefix, i), Trials: trials, Failures: failures}
	}
	return out
}

func TestCompareRatesZeroFailuresBothPaths(t *testing.T) {
	// 1000 clients without failures on each path: each upper bound is
	// 0.005267181370428431 (closed form) and each lower bound 0.
	alb, nlb := clients("a", 1000, 100, 0), clients("n", 1000, 100, 0)

	c, err := CompareRates(alb, nlb, 0.01, 0.05, RateOptions{})
	require.NoError(t, err)
	assert.Equal(t, Pass, c.Verdict)
	assert.InDelta(t, 0.005267181370428431, c.Upper, 1e-15)
	assert.InDelta(t, -0.005267181370428431, c.Lower, 1e-15)
	assert.Equal(t, 0.0, c.ALBRate)
	assert.Equal(t, 0.0, c.Difference)
	assert.Equal(t, 1000, c.ALBClients)
	assert.Equal(t, 100000, c.NLBConnections)
	assert.Equal(t, 0, c.NeedALB)
	assert.Equal(t, "clients", c.Unit)
	assert.Equal(t, time.Duration(0), c.TimeToDecision(10, 10))
}

func TestCompareRatesZeroFailuresNeedMore(t *testing.T) {
	// At a 0.005 margin, zero failures pass only once the ALB's upper bound
	// drops below 0.005, which takes 1054 clients (closed form), 54 more
	// than seen. The projection steps by 2 % of the clients held, about 20
	// per path here, so it may overshoot by that much.
	alb, nlb := clients("a", 1000, 100, 0), clients("n", 1000, 100, 0)

	c, err := CompareRates(alb, nlb, 0.005, 0.05, RateOptions{})
	require.NoError(t, err)
	assert.Equal(t, Wait, c.Verdict)
	assert.GreaterOrEqual(t, c.NeedALB, 54)
	assert.LessOrEqual(t, c.NeedALB, 54+21)
	assert.Equal(t, c.NeedALB, c.NeedNLB)

	// 54 to 75 clients at 30 an hour take between 1.8 and 2.5 hours.
	wait := c.TimeToDecision(30, 30)
	assert.GreaterOrEqual(t, wait, 108*time.Minute)
	assert.LessOrEqual(t, wait, 150*time.Minute)

	// The projection holds: 10 % more clients than it asked for pass.
	more := int(float64(c.NeedALB) * 1.1)
	c, err = CompareRates(clients("a", 1000+more, 100, 0), clients("n", 1000+more, 100, 0), 0.005, 0.05, RateOptions{})
	require.NoError(t, err)
	assert.Equal(t, Pass, c.Verdict)
}

func TestCompareRatesZeroFailuresOnOnePath(t *testing.T) {
	// ALB: 1000 clients without failures, upper bound 0.005267181370428431.
	// NLB: 1000 clients at 1 %, bounds 0.004746626176663447 and
	// 0.015253373823336806.
	alb, nlb := clients("a", 1000, 100, 0), clients("n", 1000, 100, 1)

	c, err := CompareRates(alb, nlb, 0.005, 0.05, RateOptions{})
	require.NoError(t, err)
	assert.Equal(t, Pass, c.Verdict)
	assert.InDelta(t, 0.005267181370428431-0.004746626176663447, c.Upper, 1e-14)
	assert.InDelta(t, -0.015253373823336806, c.Lower, 1e-14)
	assert.InDelta(t, 0.01, c.NLBRate, 1e-15)
	assert.InDelta(t, -0.01, c.Difference, 1e-15)

	// The same data the other way round show the ALB 1 point worse, but
	// not yet surely worse than 0.005: the lower bound is still below it.
	c, err = CompareRates(nlb, alb, 0.005, 0.05, RateOptions{})
	require.NoError(t, err)
	assert.Equal(t, Wait, c.Verdict)
	assert.InDelta(t, 0.004746626176663447-0.005267181370428431, c.Lower, 1e-14)
	assert.Positive(t, c.NeedALB)
}

func TestCompareRatesOneClient(t *testing.T) {
	// One client bounds nothing: its path's confidence sequence stays [0, 1]
	// however many connections it made, so the difference bounds are
	// 0 − U_NLB and 1 − L_NLB.
	alb := []ClientCounts{{Client: "only", Trials: 1_000_000, Failures: 0}}
	nlb := clients("n", 1000, 100, 1)

	c, err := CompareRates(alb, nlb, 0.005, 0.05, RateOptions{})
	require.NoError(t, err)
	assert.Equal(t, Wait, c.Verdict)
	assert.InDelta(t, -0.015253373823336806, c.Lower, 1e-14)
	assert.InDelta(t, 1-0.004746626176663447, c.Upper, 1e-14)
	assert.Positive(t, c.NeedALB)
}

func TestCompareRatesTinySamples(t *testing.T) {
	alb := []ClientCounts{{Client: "a", Trials: 3, Failures: 0}, {Client: "b", Trials: 1, Failures: 0}}
	nlb := []ClientCounts{{Client: "c", Trials: 2, Failures: 0}}

	c, err := CompareRates(alb, nlb, 0.01, 0.05, RateOptions{})
	require.NoError(t, err)
	assert.Equal(t, Wait, c.Verdict)
	assert.Equal(t, -1.0, c.Lower)
	assert.Equal(t, 1.0, c.Upper)
	// The ALB needs at least 527 clients: that many without failures bring
	// its upper bound below 0.01 (closed form). The NLB's lower bound stays 0
	// while it has no failures, so it only grows in step, at the 2:1 split
	// of the clients seen.
	assert.GreaterOrEqual(t, c.ALBClients+c.NeedALB, 527)
	assert.InDelta(t, c.NeedALB/2, c.NeedNLB, 1)
}

func TestCompareRatesNoData(t *testing.T) {
	// With no clients at all the need assumes no failures: 527 clients per
	// path is the least any data could settle a 0.01 margin with.
	c, err := CompareRates(nil, nil, 0.01, 0.05, RateOptions{})
	require.NoError(t, err)
	assert.Equal(t, Wait, c.Verdict)
	assert.GreaterOrEqual(t, c.NeedALB, 527)
	assert.LessOrEqual(t, c.NeedALB, 527+11)
	assert.Equal(t, c.NeedALB, c.NeedNLB)
}

func TestCompareRatesAllClientsFailing(t *testing.T) {
	// 50 ALB clients failing every connection against 50 NLB clients
	// without failures: L_ALB = 1 − U and U_NLB = U with U the 50-zeros
	// bound 0.10526387073953651, so Lower = 1 − 2U.
	alb, nlb := clients("a", 50, 10, 10), clients("n", 50, 10, 0)

	c, err := CompareRates(alb, nlb, 0.01, 0.05, RateOptions{})
	require.NoError(t, err)
	assert.Equal(t, Fail, c.Verdict)
	assert.InDelta(t, 1-2*0.10526387073953651, c.Lower, 1e-14)
	assert.Equal(t, 1.0, c.Upper)
	assert.Equal(t, 1.0, c.Difference)
	assert.Equal(t, 0, c.NeedALB)
}

func TestCompareRatesClusterLessConfidentThanNaive(t *testing.T) {
	// One ALB client carries 100 000 connections without a failure, four
	// more carry 10 each. Pooled, the ALB looks nearly perfect, but five
	// clients bound the client-averaged rate only loosely.
	alb := append([]ClientCounts{{Client: "big", Trials: 100_000}}, clients("a", 4, 10, 0)...)
	nlb := append([]ClientCounts{{Client: "big", Trials: 100_000, Failures: 100}}, clients("n", 4, 10, 0)...)

	cluster, err := CompareRates(alb, nlb, 0.005, 0.05, RateOptions{})
	require.NoError(t, err)
	naive, err := NaiveRateTest(alb, nlb, 0.005, 0.05)
	require.NoError(t, err)

	assert.Equal(t, Pass, naive.Verdict)
	assert.Equal(t, Wait, cluster.Verdict)
	assert.Greater(t, cluster.Upper-cluster.Lower, 10*(naive.Upper-naive.Lower))
	assert.Greater(t, cluster.Upper, naive.Upper)
}

func TestCompareRatesIgnoresClientsWithoutTrials(t *testing.T) {
	alb := append(clients("a", 1000, 100, 0), ClientCounts{Client: "idle"})
	c, err := CompareRates(alb, clients("n", 1000, 100, 0), 0.01, 0.05, RateOptions{})
	require.NoError(t, err)
	assert.Equal(t, 1000, c.ALBClients)
	assert.InDelta(t, 0.005267181370428431, c.Upper, 1e-15)
}

func TestCompareRatesProjectionFollowsArrivalRates(t *testing.T) {
	// With the NLB drained to a tenth of the new clients, the ALB carries
	// most of the projected growth.
	alb, nlb := clients("a", 1000, 100, 0), clients("n", 1000, 100, 0)
	c, err := CompareRates(alb, nlb, 0.005, 0.05, RateOptions{ALBClientsPerHour: 90, NLBClientsPerHour: 10})
	require.NoError(t, err)
	require.Equal(t, Wait, c.Verdict)
	assert.Greater(t, c.NeedALB, 5*c.NeedNLB)
}

func TestCompareRatesEstimateOnMargin(t *testing.T) {
	// Both paths at exactly the same rate and a margin of 0: no amount of
	// data like this settles the check.
	c, err := CompareRates(clients("a", 100, 10, 1), clients("n", 100, 10, 1), 0, 0.05, RateOptions{})
	require.NoError(t, err)
	assert.Equal(t, Wait, c.Verdict)
	assert.Equal(t, NeedUnknown, c.NeedALB)
	assert.Equal(t, NeedUnknown, c.NeedNLB)
	assert.Equal(t, Forever, c.TimeToDecision(100, 100))
}

func TestCompareRatesRejectsInvalidInput(t *testing.T) {
	ok := clients("n", 3, 10, 0)
	cases := []struct {
		name          string
		alb           []ClientCounts
		margin, alpha float64
		opts          RateOptions
		want          string
	}{
		{name: "more failures than trials", alb: []ClientCounts{{Client: "x", Trials: 1, Failures: 2}}, margin: 0.01, alpha: 0.05, want: `invalid ALB counts for client "x"`},
		{name: "negative trials", alb: []ClientCounts{{Client: "x", Trials: -1}}, margin: 0.01, alpha: 0.05, want: "invalid ALB counts"},
		{name: "duplicate client", alb: []ClientCounts{{Client: "x", Trials: 1}, {Client: "x", Trials: 2}}, margin: 0.01, alpha: 0.05, want: `client "x" listed twice on the ALB path`},
		{name: "margin of 1", margin: 1, alpha: 0.05, want: "invalid margin 1"},
		{name: "negative margin", margin: -0.01, alpha: 0.05, want: "invalid margin -0.01"},
		{name: "NaN margin", margin: math.NaN(), alpha: 0.05, want: "invalid margin NaN"},
		{name: "alpha of 0", margin: 0.01, alpha: 0, want: "invalid alpha 0"},
		{name: "alpha of 1", margin: 0.01, alpha: 1, want: "invalid alpha 1"},
		{name: "negative arrival rate", margin: 0.01, alpha: 0.05, opts: RateOptions{NLBClientsPerHour: -1}, want: "invalid arrival rate -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CompareRates(tc.alb, ok, tc.margin, tc.alpha, tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
