package stats

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected ranks in this file are the distribution-free order-statistic
// ranks that testdata/reference.py finds with exact binomial sums: the
// largest l with P(Binomial(n, q) ≤ l−1) ≤ side and the smallest u with
// P(Binomial(n, q) ≥ u) ≤ side.

// oneSampleEach returns a client per value, each with that one sample.
func oneSampleEach(prefix string, values []float64) []ClientSamples {
	out := make([]ClientSamples, len(values))
	for i, v := range values {
		out[i] = ClientSamples{Client: fmt.Sprintf("%s-%d", prefix, i), Seconds: []float64{v}}
	}
	return out
}

// grid returns n values start+step, start+2·step, ….
func grid(n int, start, step float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = start + float64(i+1)*step
	}
	return out
}

func TestCompareQuantileTextbookMedianInterval(t *testing.T) {
	// Twenty clients, one sample each: the design effect is 1 and the
	// interval for the median at 95 % (0.025 per side: alpha 0.1 at look 1)
	// is (x_(6), x_(15)), the textbook one.
	samples := oneSampleEach("c", grid(20, 0, 1))
	c, err := CompareQuantile(samples, samples, 0.5, 0.1, 0, 0.1, QuantileOptions{})
	require.NoError(t, err)
	assert.Equal(t, 10.0, c.ALB)
	assert.Equal(t, 6.0, c.ALBLower)
	assert.Equal(t, 15.0, c.ALBUpper)
	assert.Equal(t, 1.0, c.ALBDesignEffect)
	assert.Equal(t, 0.05, c.LookAlpha)
	assert.Equal(t, 1, c.Look)
}

func TestCompareQuantileOrderStatisticRanks(t *testing.T) {
	cases := []struct {
		name         string
		n            int
		q            float64
		lower, upper float64
	}{
		{name: "p90 of 100", n: 100, q: 0.9, lower: 84, upper: 96},
		{name: "median of 40", n: 40, q: 0.5, lower: 14, upper: 27},
		// No order statistic of 300 bounds p99 from above at this level.
		{name: "p99 of 300", n: 300, q: 0.99, lower: 293, upper: math.Inf(1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			samples := oneSampleEach("c", grid(tc.n, 0, 1))
			c, err := CompareQuantile(samples, samples, tc.q, 0, 0, 0.1, QuantileOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.lower, c.NLBLower)
			assert.Equal(t, tc.upper, c.NLBUpper)
			assert.Equal(t, Wait, c.Verdict)
		})
	}
}

func TestCompareQuantileVerdicts(t *testing.T) {
	// 400 clients with one sample each; at alpha 0.05 and look 1 each bound
	// is at 0.0125, and the median's ranks are (178, 223). Samples are
	// k/1000 s, so the NLB median lies in [0.178, 0.223] s.
	nlb := oneSampleEach("n", grid(400, 0, 0.001))
	cases := []struct {
		name         string
		alb          []float64
		ratio, slack float64
		want         Verdict
	}{
		// 0.223 < 0.178·1.3 = 0.2314.
		{name: "same distribution, 30 percent", alb: grid(400, 0, 0.001), ratio: 0.3, want: Pass},
		// 0.223 > 0.178·1.2 = 0.2136, and the intervals overlap.
		{name: "same distribution, 20 percent", alb: grid(400, 0, 0.001), ratio: 0.2, want: Wait},
		// 0.223 < 0.178 + 0.05.
		{name: "same distribution, 50 ms slack", alb: grid(400, 0, 0.001), slack: 0.05, want: Pass},
		// ALB lower bound 1.178 > 0.223·1.1.
		{name: "ALB a second slower", alb: grid(400, 1, 0.001), ratio: 0.1, want: Fail},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := CompareQuantile(oneSampleEach("a", tc.alb), nlb, 0.5, tc.ratio, tc.slack, 0.05, QuantileOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.Verdict)
			assert.InDelta(t, 0.178, c.NLBLower, 1e-12)
			assert.InDelta(t, 0.223, c.NLBUpper, 1e-12)
			if tc.want == Pass || tc.want == Fail {
				assert.Equal(t, 0, c.NeedALB)
			}
		})
	}
}

func TestCompareQuantileLookSpending(t *testing.T) {
	// Look 3 spends 0.05/12, so each bound is at 0.025/12 and the median's
	// ranks widen to (171, 230): the 30 percent ratio no longer passes.
	samples := oneSampleEach("c", grid(400, 0, 0.001))
	c, err := CompareQuantile(samples, samples, 0.5, 0.3, 0, 0.05, QuantileOptions{Look: 3})
	require.NoError(t, err)
	assert.InDelta(t, 0.05/12, c.LookAlpha, 1e-18)
	assert.InDelta(t, 0.171, c.NLBLower, 1e-12)
	assert.InDelta(t, 0.230, c.NLBUpper, 1e-12)
	assert.Equal(t, Wait, c.Verdict)
}

func TestCompareQuantileDesignEffect(t *testing.T) {
	// Four clients of five samples, every sample of client i equal to i:
	// the median is 2, and the design effect of the fraction at or below it
	// is 19/3 (testdata/reference.py). With four clients the effective size
	// falls below 2 and nothing is bounded.
	var samples []ClientSamples
	for i := 1; i <= 4; i++ {
		v := float64(i)
		samples = append(samples, ClientSamples{Client: fmt.Sprint(i), Seconds: []float64{v, v, v, v, v}})
	}
	c, err := CompareQuantile(samples, samples, 0.5, 0.1, 0, 0.1, QuantileOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2.0, c.ALB)
	assert.InDelta(t, 19.0/3, c.ALBDesignEffect, 1e-12)
	assert.Equal(t, 0.0, c.ALBLower)
	assert.Equal(t, math.Inf(1), c.ALBUpper)
	assert.Equal(t, Wait, c.Verdict)
}

func TestCompareQuantileClusteredWiderThanIndependent(t *testing.T) {
	// The same values 1..40 as 40 clients of one sample (NLB), and as 8
	// clients of five samples spread alike (ALB). The ALB side has design
	// effect 1 but only 8 clients, so its interval contains the textbook one,
	// (14, 27).
	independent := oneSampleEach("c", grid(40, 0, 1))
	var clustered []ClientSamples
	for i := range 8 {
		clustered = append(clustered, ClientSamples{Client: fmt.Sprint(i), Seconds: []float64{
			float64(i + 1), float64(8 + i + 1), float64(16 + i + 1), float64(24 + i + 1), float64(32 + i + 1),
		}})
	}
	c, err := CompareQuantile(clustered, independent, 0.5, 0.1, 0, 0.1, QuantileOptions{})
	require.NoError(t, err)
	assert.Equal(t, 14.0, c.NLBLower)
	assert.Equal(t, 27.0, c.NLBUpper)
	assert.Equal(t, 1.0, c.ALBDesignEffect)
	assert.Less(t, c.ALBLower, c.NLBLower)
	assert.Greater(t, c.ALBUpper, c.NLBUpper)
}

func TestCompareQuantileHeavyClientDominates(t *testing.T) {
	// One fast client sends 10 000 requests and 30 slow clients 10 each.
	// The pooled p90 falls inside the fast client's samples, so that one
	// client decides it. As one sample per client the same values give a
	// far narrower interval than as they were sent.
	var clustered []ClientSamples
	var values []float64
	fast := make([]float64, 10_000)
	for i := range fast {
		fast[i] = 0.010 + float64(i%1000)*0.00001
	}
	clustered = append(clustered, ClientSamples{Client: "big", Seconds: fast})
	values = append(values, fast...)
	for i := range 30 {
		slow := grid(10, 0.5+float64(i)*0.01, 0.0001)
		clustered = append(clustered, ClientSamples{Client: fmt.Sprint(i), Seconds: slow})
		values = append(values, slow...)
	}
	independent := oneSampleEach("c", values)

	c, err := CompareQuantile(clustered, independent, 0.9, 0.1, 0, 0.05, QuantileOptions{})
	require.NoError(t, err)
	assert.Equal(t, c.ALB, c.NLB)
	assert.Greater(t, c.ALBDesignEffect, 10.0)
	assert.Equal(t, 1.0, c.NLBDesignEffect)
	assert.LessOrEqual(t, c.ALBLower, c.NLBLower)
	assert.GreaterOrEqual(t, c.ALBUpper, c.NLBUpper)
	assert.Greater(t, c.ALBUpper-c.ALBLower, 2*(c.NLBUpper-c.NLBLower))
	t.Logf("p90 %.5f s: clustered [%.5f, %.5f] design effect %.1f, independent [%.5f, %.5f]",
		c.ALB, c.ALBLower, c.ALBUpper, c.ALBDesignEffect, c.NLBLower, c.NLBUpper)
}

func TestCompareQuantileOneClient(t *testing.T) {
	alb := []ClientSamples{{Client: "only", Seconds: grid(1000, 0, 0.001)}}
	nlb := oneSampleEach("n", grid(400, 0, 0.001))
	c, err := CompareQuantile(alb, nlb, 0.5, 0.3, 0, 0.05, QuantileOptions{})
	require.NoError(t, err)
	assert.Equal(t, 0.0, c.ALBLower)
	assert.Equal(t, math.Inf(1), c.ALBUpper)
	assert.Equal(t, Wait, c.Verdict)
	assert.Positive(t, c.NeedALB)
}

func TestCompareQuantileNeedMore(t *testing.T) {
	// 100 clients per path with the same values do not pass a 20 percent
	// ratio. The projection estimates how many more would, and that many
	// more clients like these do pass.
	values := grid(100, 0, 0.004)
	c, err := CompareQuantile(oneSampleEach("a", values), oneSampleEach("n", values), 0.5, 0.2, 0, 0.05, QuantileOptions{})
	require.NoError(t, err)
	require.Equal(t, Wait, c.Verdict)
	require.Positive(t, c.NeedALB)
	assert.Equal(t, c.NeedALB, c.NeedNLB)

	var grown []float64
	for len(grown) < 100+c.NeedALB {
		grown = append(grown, values...)
	}
	grown = grown[:100+c.NeedALB]
	c, err = CompareQuantile(oneSampleEach("a", grown), oneSampleEach("n", grown), 0.5, 0.2, 0, 0.05, QuantileOptions{})
	require.NoError(t, err)
	assert.Equal(t, Pass, c.Verdict)
}

func TestCompareQuantileNoData(t *testing.T) {
	c, err := CompareQuantile(nil, nil, 0.99, 0.1, 0, 0.05, QuantileOptions{})
	require.NoError(t, err)
	assert.Equal(t, Wait, c.Verdict)
	assert.Equal(t, NeedUnknown, c.NeedALB)
	assert.Equal(t, 0, c.ALBSamples)
}

func TestCompareQuantileRejectsInvalidInput(t *testing.T) {
	ok := oneSampleEach("n", grid(3, 0, 1))
	cases := []struct {
		name                   string
		alb                    []ClientSamples
		q, ratio, slack, alpha float64
		look                   int
		want                   string
	}{
		{name: "negative sample", alb: []ClientSamples{{Client: "x", Seconds: []float64{-1}}}, q: 0.5, alpha: 0.05, want: `invalid ALB latency -1 s for client "x"`},
		{name: "NaN sample", alb: []ClientSamples{{Client: "x", Seconds: []float64{math.NaN()}}}, q: 0.5, alpha: 0.05, want: "invalid ALB latency NaN"},
		{name: "duplicate client", alb: []ClientSamples{{Client: "x"}, {Client: "x"}}, q: 0.5, alpha: 0.05, want: `client "x" listed twice`},
		{name: "quantile of 1", q: 1, alpha: 0.05, want: "invalid quantile 1"},
		{name: "negative ratio", q: 0.5, ratio: -0.1, alpha: 0.05, want: "invalid ratio -0.1"},
		{name: "infinite slack", q: 0.5, slack: math.Inf(1), alpha: 0.05, want: "invalid slack +Inf"},
		{name: "alpha of 0", q: 0.5, want: "invalid alpha 0"},
		{name: "negative look", q: 0.5, alpha: 0.05, look: -1, want: "invalid look -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CompareQuantile(tc.alb, ok, tc.q, tc.ratio, tc.slack, tc.alpha, QuantileOptions{Look: tc.look})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
