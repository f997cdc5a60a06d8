package stats

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected values in this file come from testdata/reference.py:
// mixture_boundary prints the normal-mixture bounds, written as Robbins'
// boundary for the sum estimate/variance in intrinsic time 1/variance, and
// clustered_rates the rates, variances and bounds of CompareClusteredRates.

func TestMixtureBoundsReferenceValues(t *testing.T) {
	cases := []struct {
		estimate, variance, rho, alpha float64
		z, lower, upper                float64
	}{
		{estimate: 0.002, variance: 1e-6, rho: 0.0025, alpha: 0.05,
			z: 3.0410624095092977, lower: -0.0010410624095092977, upper: 0.005041062409509298},
		{estimate: 0, variance: 4e-6, rho: 0.0025, alpha: 0.1,
			z: 3.015906462399372, lower: -0.006031812924798744, upper: 0.006031812924798744},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("variance %g alpha %g", tc.variance, tc.alpha), func(t *testing.T) {
			lower, upper := MixtureBounds(tc.estimate, tc.variance, tc.rho, tc.alpha)
			assert.InDelta(t, tc.lower, lower, 1e-15)
			assert.InDelta(t, tc.upper, upper, 1e-15)
			assert.InEpsilon(t, tc.z, mixtureZ(math.Sqrt(tc.variance), tc.rho, tc.alpha), 1e-12)
		})
	}
}

func TestMixtureBoundsDegenerateVariance(t *testing.T) {
	lower, upper := MixtureBounds(0.01, 0, 0.0025, 0.05)
	assert.Equal(t, 0.01, lower)
	assert.Equal(t, 0.01, upper)

	for _, v := range []float64{math.Inf(1), math.NaN()} {
		lower, upper := MixtureBounds(0.01, v, 0.0025, 0.05)
		assert.Equal(t, math.Inf(-1), lower, "variance %v", v)
		assert.Equal(t, math.Inf(1), upper, "variance %v", v)
	}
}

func TestMixtureBoundsNarrowWithVariance(t *testing.T) {
	// z grows without bound as the variance shrinks, but slowly enough
	// (as the square root of a logarithm) that z·s still shrinks.
	previous := math.Inf(1)
	for _, v := range []float64{1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10} {
		_, upper := MixtureBounds(0, v, 0.0025, 0.05)
		assert.Less(t, upper, previous, "variance %g", v)
		previous = upper
	}
}

func TestCompareClusteredRatesReferenceValues(t *testing.T) {
	cases := []struct {
		name                string
		alb, nlb            []ClientCounts
		margin              float64
		albRate, nlbRate    float64
		albDeff, nlbDeff    float64
		variance, lower, up float64
		verdict             Verdict
	}{
		{
			// Both paths' variances are the cluster estimates, above the
			// floors 5.02e-06 and 2.32e-06.
			name:    "spread clients",
			alb:     []ClientCounts{{"a", 1000, 10}, {"b", 500, 0}, {"c", 2000, 60}, {"d", 300, 3}},
			nlb:     []ClientCounts{{"a", 800, 4}, {"b", 1200, 12}, {"c", 600, 0}, {"d", 400, 4}},
			margin:  0.01,
			albRate: 0.019210526315789473, nlbRate: 0.006666666666666667,
			albDeff: 12.111776550586931, nlbDeff: 2.38627889634601,
			variance: 6.532112650109323e-05,
			lower:    -0.05491033702353315, up: 0.07999805632177875,
			verdict: Wait,
		},
		{
			// Both variances are the floors p̃(1−p̃)/N.
			name:    "zero failures",
			alb:     clients("a", 5, 1000, 0),
			nlb:     clients("n", 3, 2000, 0),
			margin:  0.005,
			albDeff: 1, nlbDeff: 1,
			variance: 6.773990785276048e-08,
			lower:    -0.0008051494474857209, up: 0.0008051494474857209,
			verdict: Pass,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := CompareClusteredRates(tc.alb, tc.nlb, tc.margin, 0.05)
			require.NoError(t, err)
			assert.Equal(t, tc.verdict, c.Verdict)
			assert.InDelta(t, tc.albRate, c.ALBRate, 1e-15)
			assert.InDelta(t, tc.nlbRate, c.NLBRate, 1e-15)
			assert.InEpsilon(t, tc.albDeff, c.ALBDesignEffect, 1e-12)
			assert.InEpsilon(t, tc.nlbDeff, c.NLBDesignEffect, 1e-12)
			assert.InDelta(t, tc.lower, c.Lower, 1e-14)
			assert.InDelta(t, tc.up, c.Upper, 1e-14)
			lower, upper := MixtureBounds(c.Difference, tc.variance, mixtureRho(tc.margin), 0.05)
			assert.InDelta(t, lower, c.Lower, 1e-14, "lower bound from the variance")
			assert.InDelta(t, upper, c.Upper, 1e-14, "upper bound from the variance")
		})
	}
}

func TestCompareClusteredRatesOneClientWaits(t *testing.T) {
	// One client on a path gives no cluster variance, so the bounds are
	// infinite however many connections it made.
	c, err := CompareClusteredRates([]ClientCounts{{"a", 1_000_000, 0}}, clients("n", 10, 1000, 0), 0.01, 0.05)
	require.NoError(t, err)
	assert.Equal(t, Wait, c.Verdict)
	assert.Equal(t, math.Inf(-1), c.Lower)
	assert.Equal(t, math.Inf(1), c.Upper)
}

func TestCompareClusteredRatesRejectsInvalidInput(t *testing.T) {
	ok := clients("n", 3, 10, 0)
	cases := []struct {
		name          string
		alb           []ClientCounts
		margin, alpha float64
		want          string
	}{
		{name: "client listed twice", alb: []ClientCounts{{"x", 1, 0}, {"x", 2, 0}}, margin: 0.01, alpha: 0.05, want: `client "x" listed twice on the ALB path`},
		{name: "more failures than trials", alb: []ClientCounts{{"x", 1, 2}}, margin: 0.01, alpha: 0.05, want: `invalid ALB counts for client "x"`},
		{name: "margin of 1", margin: 1, alpha: 0.05, want: "invalid margin 1"},
		{name: "alpha of 0", margin: 0.01, alpha: 0, want: "invalid alpha 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CompareClusteredRates(tc.alb, ok, tc.margin, tc.alpha)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
