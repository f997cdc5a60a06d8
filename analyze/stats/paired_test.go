package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected values in this file come from testdata/reference.py:
// paired_rates prints D, its variance with the background-rate floor, z and
// the bounds of ComparePairedRates, and paired_quantile the estimates and
// Woodruff bounds of ComparePairedQuantile. Both work from the formulas in
// the doc comments, with the boundary written for the sum D/s² in intrinsic
// time 1/s² (mixture_boundary) and the mixture weights as exact fractions.

// pairedRatesCase is one hand-made input of ComparePairedRates and the
// values that reference.py's paired_rates printed for it, at alpha 0.05.
type pairedRatesCase struct {
	name                       string
	alb, nlb                   []ClientCounts
	margin                     float64
	albRate, nlbRate, nlbPool  float64
	difference, variance, z    float64
	lower, upper               float64
	verdict                    Verdict
	paired, albOnly            int
	albOnlyConns, albOnlyFails int
}

// reweightedALB and reweightedNLB: client b fails 10 % of its connections
// on both paths. It carries 80 % of the ALB's connections but only 10 % of
// the NLB's, so the pooled NLB rate (1.8 %) is far below the NLB's rate for
// the ALB's mix of clients (8.1 %).
var (
	reweightedALB = []ClientCounts{{"a", 10000, 100}, {"b", 80000, 8000}, {"c", 10000, 0}}
	reweightedNLB = []ClientCounts{{"a", 80000, 800}, {"b", 10000, 1000}, {"c", 10000, 0}}
)

func pairedRatesCases() []pairedRatesCase {
	return []pairedRatesCase{
		{
			name:   "zero failures on both paths",
			alb:    []ClientCounts{{"a", 400, 0}, {"b", 300, 0}, {"c", 300, 0}},
			nlb:    []ClientCounts{{"a", 200, 0}, {"b", 500, 0}, {"c", 100, 0}},
			margin: 0.01,
			// Every client's variance is at the background rates' floor,
			// 1/1002 on the ALB and 1/802 on the NLB.
			variance: 3.3382247635256032e-06, z: 3.287893236591811,
			lower: -0.0060072470673241795, upper: 0.0060072470673241795,
			verdict: Pass, paired: 3,
		},
		{
			name: "NLB reweighted to the ALB's clients",
			alb:  reweightedALB, nlb: reweightedNLB, margin: 0.02,
			albRate: 0.081, nlbRate: 0.081, nlbPool: 0.018,
			variance: 6.648787998725038e-06, z: 3.0919449934352543,
			lower: -0.007972655559465068, upper: 0.007972655559465068,
			verdict: Pass, paired: 3,
		},
		{
			// x and z have no NLB trials, y and v no ALB trials: they are
			// left out of the difference and only move the background
			// rates.
			name:    "unpaired clients left out",
			alb:     append([]ClientCounts{{"x", 500, 50}, {"z", 300, 3}}, reweightedALB...),
			nlb:     append([]ClientCounts{{"y", 700, 7}, {"v", 300, 5}, {"z", 0, 0}}, reweightedNLB...),
			margin:  0.02,
			albRate: 0.081, nlbRate: 0.08100000000000002, nlbPool: 0.01794059405940594,
			difference: 0,
			variance:   6.648527138564793e-06, z: 3.09193859568099,
			lower: -0.007972482660938685, upper: 0.007972482660938685,
			verdict: Pass, paired: 3, albOnly: 2, albOnlyConns: 800, albOnlyFails: 53,
		},
		{
			// ALB-only clients without NLB-only ones: still left out.
			name:    "ALB-only clients left out",
			alb:     append([]ClientCounts{{"x", 500, 50}, {"z", 300, 3}}, reweightedALB...),
			nlb:     reweightedNLB,
			margin:  0.02,
			albRate: 0.081, nlbRate: 0.08100000000000002, nlbPool: 0.018,
			difference: 0,
			variance:   6.648591669230484e-06, z: 3.091940178317785,
			lower: -0.007972525432147215, upper: 0.007972525432147215,
			verdict: Pass, paired: 3, albOnly: 2, albOnlyConns: 800, albOnlyFails: 53,
		},
		{
			// Partner p fails every connection on both paths. It is left
			// out of the background rates, 2/1002 on both paths.
			name:    "partner failing on both paths",
			alb:     []ClientCounts{{"a", 1000, 2}, {"b", 1000, 1}, {"p", 500, 500}},
			nlb:     []ClientCounts{{"a", 1000, 1}, {"b", 1000, 2}, {"p", 2000, 2000}},
			margin:  0.01,
			albRate: 0.2012, nlbRate: 0.2012, nlbPool: 0.50075,
			variance: 1.4762041941275508e-06, z: 3.0745212622094273,
			lower: -0.0037355170091718545, upper: 0.0037355170091718545,
			verdict: Pass, paired: 3,
		},
		{
			name:    "ALB 3 points worse",
			alb:     []ClientCounts{{"a", 2000, 80}, {"b", 3000, 150}, {"c", 1000, 40}},
			nlb:     []ClientCounts{{"a", 2000, 20}, {"b", 3000, 60}, {"c", 1000, 10}},
			margin:  0.01,
			albRate: 0.045, nlbRate: 0.015, nlbPool: 0.015, difference: 0.03,
			variance: 1.042872383184649e-05, z: 4.152335449474659,
			lower: 0.01659064110914875, upper: 0.04340935889085125,
			verdict: Fail, paired: 3,
		},
		{
			name:     "one client with 3 and 2 connections",
			alb:      []ClientCounts{{"a", 3, 0}},
			nlb:      []ClientCounts{{"a", 2, 0}},
			margin:   0.01,
			variance: 0.14708333333333334, z: 375.5078212604026,
			lower: -144.0126755289129, upper: 144.0126755289129,
			verdict: Wait, paired: 1,
		},
		{
			name:    "two clients with a few connections",
			alb:     []ClientCounts{{"a", 3, 0}, {"b", 1, 0}},
			nlb:     []ClientCounts{{"a", 2, 0}, {"b", 4, 1}},
			margin:  0.01,
			nlbRate: 0.0625, nlbPool: 1.0 / 6, difference: -0.0625,
			variance: 0.09038628472222222, z: 294.37117177536345,
			lower: -88.56316708923589, upper: 88.43816708923589,
			verdict: Wait, paired: 2,
		},
	}
}

func TestComparePairedRatesReferenceValues(t *testing.T) {
	for _, tc := range pairedRatesCases() {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ComparePairedRates(tc.alb, tc.nlb, tc.margin, 0.05)
			require.NoError(t, err)
			assert.Equal(t, tc.verdict, r.Verdict)
			assert.InDelta(t, tc.albRate, r.ALBRate, 1e-15, "ALB rate")
			assert.InDelta(t, tc.nlbRate, r.NLBRate, 1e-15, "NLB rate reweighted")
			assert.InDelta(t, tc.nlbPool, r.NLBPooledRate, 1e-15, "NLB pooled rate")
			assert.InDelta(t, tc.difference, r.Difference, 1e-15, "difference D")
			assert.InDelta(t, tc.lower, r.Lower, 1e-12*math.Max(1, math.Abs(tc.lower)), "lower bound")
			assert.InDelta(t, tc.upper, r.Upper, 1e-12*math.Max(1, math.Abs(tc.upper)), "upper bound")
			assert.Equal(t, tc.margin, r.Margin)
			assert.Equal(t, tc.paired, r.PairedClients)
			assert.Equal(t, tc.albOnly, r.ALBOnlyClients)
			assert.Equal(t, tc.albOnlyConns, r.ALBOnlyConnections)
			assert.Equal(t, tc.albOnlyFails, r.ALBOnlyFailures)
			assert.Equal(t, "connections", r.Unit)

			// The bounds are D ∓ z·s for the reference's variance s².
			s := math.Sqrt(tc.variance)
			assert.InEpsilon(t, tc.z, (r.Upper-r.Lower)/(2*s), 1e-9, "mixture z")
			lower, upper := MixtureBounds(r.Difference, tc.variance, mixtureRho(tc.margin), 0.05)
			assert.InDelta(t, lower, r.Lower, 1e-12*math.Max(1, math.Abs(lower)), "lower bound from the variance")
			assert.InDelta(t, upper, r.Upper, 1e-12*math.Max(1, math.Abs(upper)), "upper bound from the variance")
		})
	}
}

func TestComparePairedRatesReweightsNLB(t *testing.T) {
	// Pooled, the ALB fails 8.1 % and the NLB 1.8 %: the pooled test
	// fails the ALB, although every client fails equally often on both
	// paths. Reweighted to the ALB's clients the NLB also fails 8.1 %.
	r, err := ComparePairedRates(reweightedALB, reweightedNLB, 0.02, 0.05)
	require.NoError(t, err)
	assert.Equal(t, Pass, r.Verdict)
	assert.InDelta(t, 0.081, r.NLBRate, 1e-15)
	assert.InDelta(t, 0.018, r.NLBPooledRate, 1e-15)
	assert.InDelta(t, 0.0, r.Difference, 1e-15)

	naive, err := NaiveRateTest(reweightedALB, reweightedNLB, 0.02, 0.05)
	require.NoError(t, err)
	assert.Equal(t, Fail, naive.Verdict)
}

func TestComparePairedRatesALBOnlyClients(t *testing.T) {
	// ALB-only clients x and z (z listed on the NLB without trials) are
	// counted and left out of the comparison.
	alb := append([]ClientCounts{{"x", 500, 50}, {"z", 300, 3}}, reweightedALB...)
	nlb := append([]ClientCounts{{"z", 0, 0}}, reweightedNLB...)
	r, err := ComparePairedRates(alb, nlb, 0.02, 0.05)
	require.NoError(t, err)
	assert.Equal(t, 3, r.PairedClients)
	assert.Equal(t, 2, r.ALBOnlyClients)
	assert.Equal(t, 800, r.ALBOnlyConnections)
	assert.Equal(t, 53, r.ALBOnlyFailures)
	assert.Equal(t, 100000, r.ALBConnections)
	assert.Equal(t, 5, r.ALBClients)
	assert.Equal(t, 3, r.NLBClients)
}

func TestComparePairedRatesPartnerFailingOnBothPaths(t *testing.T) {
	// Partner p fails every connection on both paths and carries a fifth
	// of the ALB's connections. Its difference is 0 and so is its
	// within-client variance, so the bounds stay as narrow as those of
	// the other clients alone.
	others := []ClientCounts{{"a", 1000, 2}, {"b", 1000, 1}}
	othersNLB := []ClientCounts{{"a", 1000, 1}, {"b", 1000, 2}}
	alone, err := ComparePairedRates(others, othersNLB, 0.01, 0.05)
	require.NoError(t, err)
	with, err := ComparePairedRates(append(others, ClientCounts{"p", 500, 500}), append(othersNLB, ClientCounts{"p", 2000, 2000}), 0.01, 0.05)
	require.NoError(t, err)

	assert.Equal(t, Pass, alone.Verdict)
	assert.Equal(t, Pass, with.Verdict)
	assert.LessOrEqual(t, with.Upper-with.Lower, alone.Upper-alone.Lower)
}

func TestComparePairedRatesNoPairedClients(t *testing.T) {
	cases := []struct {
		name     string
		alb, nlb []ClientCounts
	}{
		{name: "no data"},
		{name: "no trials", alb: []ClientCounts{{"a", 0, 0}}, nlb: []ClientCounts{{"a", 0, 0}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ComparePairedRates(tc.alb, tc.nlb, 0.01, 0.05)
			require.NoError(t, err)
			assert.Equal(t, Wait, r.Verdict)
			assert.Equal(t, 0, r.PairedClients)
			assert.Equal(t, math.Inf(-1), r.Lower)
			assert.Equal(t, math.Inf(1), r.Upper)
			assert.Equal(t, NeedUnknown, r.NeedALB)
			assert.Equal(t, NeedUnknown, r.NeedNLB)
		})
	}
}

func TestComparePairedRatesNarrowsWithMoreConnections(t *testing.T) {
	// The same rates per client with 4 and 16 times the connections.
	width := func(scale int) float64 {
		alb := []ClientCounts{{"a", 200 * scale, 4 * scale}, {"b", 300 * scale, 9 * scale}, {"c", 100 * scale, 2 * scale}}
		nlb := []ClientCounts{{"a", 200 * scale, 2 * scale}, {"b", 300 * scale, 6 * scale}, {"c", 100 * scale, 1 * scale}}
		r, err := ComparePairedRates(alb, nlb, 0.01, 0.05)
		require.NoError(t, err)
		assert.InDelta(t, 0.01, r.Difference, 1e-15)
		return r.Upper - r.Lower
	}
	w1, w4, w16 := width(1), width(4), width(16)
	t.Logf("widths at 1, 4 and 16 times the connections: %.5f, %.5f, %.5f", w1, w4, w16)
	assert.Less(t, w4, w1)
	assert.Less(t, w16, w4)
}

func TestComparePairedRatesProjection(t *testing.T) {
	// The ALB half a point better at a 1-point margin, too few connections
	// to pass. The need, added in the same per-client proportions, passes.
	alb := func(scale float64) []ClientCounts {
		return []ClientCounts{{"a", int(400 * scale), int(2 * scale)}, {"b", int(600 * scale), int(3 * scale)}}
	}
	nlb := func(scale float64) []ClientCounts {
		return []ClientCounts{{"a", int(400 * scale), int(4 * scale)}, {"b", int(600 * scale), int(6 * scale)}}
	}
	r, err := ComparePairedRates(alb(1), nlb(1), 0.01, 0.05)
	require.NoError(t, err)
	require.Equal(t, Wait, r.Verdict)
	require.Positive(t, r.NeedALB)
	assert.Equal(t, r.NeedALB, r.NeedNLB)

	scale := math.Ceil(1.1 * float64(1000+r.NeedALB) / 1000)
	r, err = ComparePairedRates(alb(scale), nlb(scale), 0.01, 0.05)
	require.NoError(t, err)
	assert.Equal(t, Pass, r.Verdict)
}

func TestComparePairedRatesRejectsInvalidInput(t *testing.T) {
	ok := []ClientCounts{{"a", 10, 0}}
	cases := []struct {
		name          string
		alb, nlb      []ClientCounts
		margin, alpha float64
		want          string
	}{
		{name: "client listed twice on the ALB", alb: []ClientCounts{{"a", 1, 0}, {"a", 2, 0}}, nlb: ok, margin: 0.01, alpha: 0.05, want: `client "a" listed twice on the ALB path`},
		{name: "client listed twice on the NLB", alb: ok, nlb: []ClientCounts{{"a", 1, 0}, {"a", 0, 0}}, margin: 0.01, alpha: 0.05, want: `client "a" listed twice on the NLB path`},
		{name: "more failures than trials", alb: []ClientCounts{{"a", 1, 2}}, nlb: ok, margin: 0.01, alpha: 0.05, want: `invalid ALB counts for client "a"`},
		{name: "negative trials", alb: ok, nlb: []ClientCounts{{"a", -1, 0}}, margin: 0.01, alpha: 0.05, want: "invalid NLB counts"},
		{name: "margin of 1", alb: ok, nlb: ok, margin: 1, alpha: 0.05, want: "invalid margin 1"},
		{name: "negative margin", alb: ok, nlb: ok, margin: -0.01, alpha: 0.05, want: "invalid margin -0.01"},
		{name: "NaN margin", alb: ok, nlb: ok, margin: math.NaN(), alpha: 0.05, want: "invalid margin NaN"},
		{name: "alpha of 0", alb: ok, nlb: ok, margin: 0.01, alpha: 0, want: "invalid alpha 0"},
		{name: "alpha of 1", alb: ok, nlb: ok, margin: 0.01, alpha: 1, want: "invalid alpha 1"},
		{name: "NaN alpha", alb: ok, nlb: ok, margin: 0.01, alpha: math.NaN(), want: "invalid alpha NaN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ComparePairedRates(tc.alb, tc.nlb, tc.margin, tc.alpha)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// pairedQuantileALB and pairedQuantileNLB: the fast client sends 50 of the
// ALB's 70 requests but only 10 of the NLB's 50. So the NLB's pooled median
// (0.101 s) is the slow client's, and its median for the ALB's mix of
// clients is the fast client's.
func pairedQuantileALB() []ClientSamples {
	return []ClientSamples{
		{Client: "fast", Seconds: []float64{0.010, 0.012, 0.014, 0.016, 0.018}, Counts: []int{10, 10, 10, 10, 10}},
		{Client: "mid", Seconds: []float64{0.050, 0.055}, Counts: []int{5, 5}},
		{Client: "slow", Seconds: []float64{0.100, 0.110, 0.120}, Counts: []int{4, 3, 3}},
	}
}

func pairedQuantileNLB() []ClientSamples {
	return []ClientSamples{
		{Client: "fast", Seconds: []float64{0.011, 0.013, 0.015, 0.017, 0.019}, Counts: []int{2, 2, 2, 2, 2}},
		{Client: "mid", Seconds: []float64{0.051, 0.056}, Counts: []int{5, 5}},
		{Client: "slow", Seconds: []float64{0.101, 0.111, 0.121}, Counts: []int{10, 10, 10}},
	}
}

func TestComparePairedQuantileReferenceValues(t *testing.T) {
	// reference.py prints the standard errors behind these bounds. The
	// ALB's is its floor sqrt(0.25/70). The NLB's is its floor 0.1159 at
	// the mixture's effective size 1/Σ(w²/m), above the within-client term
	// 0.0904, because the fast client has 5/7 of the weight but 10 NLB
	// samples.
	cases := []struct {
		look                     int
		lookAlpha                float64
		albLower, albUpper       float64
		nlbLower, nlbUpper       float64
		albStandard, nlbStandard float64
	}{
		{look: 1, lookAlpha: 0.025, albLower: 0.014, albUpper: 0.018, nlbLower: 0.013, nlbUpper: 0.051},
		{look: 3, lookAlpha: 0.004166666666666667, albLower: 0.014, albUpper: 0.018, nlbLower: 0.013, nlbUpper: 0.056},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint("look ", tc.look), func(t *testing.T) {
			r, err := ComparePairedQuantile(pairedQuantileALB(), pairedQuantileNLB(), 0.5, 0.1, 0.005, 0.05, QuantileOptions{Look: tc.look})
			require.NoError(t, err)
			assert.Equal(t, tc.look, r.Look)
			assert.InDelta(t, tc.lookAlpha, r.LookAlpha, 1e-18)
			assert.Equal(t, 0.016, r.ALB)
			assert.Equal(t, 0.017, r.NLB)
			assert.Equal(t, tc.albLower, r.ALBLower)
			assert.Equal(t, tc.albUpper, r.ALBUpper)
			assert.Equal(t, tc.nlbLower, r.NLBLower)
			assert.Equal(t, tc.nlbUpper, r.NLBUpper)
			// ALB upper 0.018 < NLB lower 0.013 × 1.1 + 0.005 at both looks.
			assert.Equal(t, Pass, r.Verdict)
			assert.Equal(t, 3, r.PairedClients)
			assert.Equal(t, 70, r.ALBSamples)
			assert.Equal(t, 50, r.NLBSamples)

		})
	}
}

func TestComparePairedQuantileReweightsNLB(t *testing.T) {
	paired, err := ComparePairedQuantile(pairedQuantileALB(), pairedQuantileNLB(), 0.5, 0.1, 0, 0.05, QuantileOptions{})
	require.NoError(t, err)
	pooled, err := CompareQuantile(pairedQuantileALB(), pairedQuantileNLB(), 0.5, 0.1, 0, 0.05, QuantileOptions{})
	require.NoError(t, err)
	assert.Equal(t, 0.017, paired.NLB)
	assert.Equal(t, 0.101, pooled.NLB)
}

// expand returns the samples with every value repeated by its count.
func expand(samples []ClientSamples) []ClientSamples {
	out := make([]ClientSamples, len(samples))
	for i, s := range samples {
		out[i].Client = s.Client
		for j, v := range s.Seconds {
			for range int(s.count(j)) {
				out[i].Seconds = append(out[i].Seconds, v)
			}
		}
	}
	return out
}

func TestComparePairedQuantileCountsEqualExpanded(t *testing.T) {
	alb := pairedQuantileALB()
	// A zero count and a value given twice must count as nothing and as
	// the sum of its counts.
	alb[1] = ClientSamples{Client: "mid", Seconds: []float64{0.050, 0.099, 0.055, 0.050}, Counts: []int{3, 0, 5, 2}}
	nlb := pairedQuantileNLB()
	for _, look := range []int{1, 3} {
		counted, err := ComparePairedQuantile(alb, nlb, 0.5, 0.1, 0, 0.05, QuantileOptions{Look: look})
		require.NoError(t, err)
		expanded, err := ComparePairedQuantile(expand(alb), expand(nlb), 0.5, 0.1, 0, 0.05, QuantileOptions{Look: look})
		require.NoError(t, err)
		assert.Equal(t, expanded, counted, "look %d", look)
	}
}

func TestComparePairedQuantileUnpairedClients(t *testing.T) {
	alb := append(pairedQuantileALB(), ClientSamples{Client: "x", Seconds: []float64{0.5, 0.6}, Counts: []int{3, 4}})
	nlb := append(pairedQuantileNLB(), ClientSamples{Client: "y", Seconds: []float64{0.001}})
	with, err := ComparePairedQuantile(alb, nlb, 0.5, 0.1, 0, 0.05, QuantileOptions{})
	require.NoError(t, err)
	without, err := ComparePairedQuantile(pairedQuantileALB(), pairedQuantileNLB(), 0.5, 0.1, 0, 0.05, QuantileOptions{})
	require.NoError(t, err)
	assert.Equal(t, without.QuantileComparison, with.QuantileComparison)
	assert.Equal(t, 7, with.ALBOnlySamples)
	assert.Equal(t, 3, with.PairedClients)
}

func TestComparePairedQuantileTinySamples(t *testing.T) {
	cases := []struct {
		name     string
		alb, nlb []ClientSamples
	}{
		{
			// One paired client bounds nothing, however many samples.
			name: "one client",
			alb:  []ClientSamples{{Client: "a", Seconds: grid(1000, 0, 0.001)}},
			nlb:  []ClientSamples{{Client: "a", Seconds: grid(1000, 0, 0.001)}, {Client: "b", Seconds: []float64{0.1}}},
		},
		{
			name: "two clients of two samples",
			alb:  []ClientSamples{{Client: "a", Seconds: []float64{0.01, 0.02}}, {Client: "b", Seconds: []float64{0.03, 0.04}}},
			nlb:  []ClientSamples{{Client: "a", Seconds: []float64{0.01, 0.02}}, {Client: "b", Seconds: []float64{0.03, 0.04}}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ComparePairedQuantile(tc.alb, tc.nlb, 0.5, 0.5, 0.01, 0.05, QuantileOptions{})
			require.NoError(t, err)
			assert.Equal(t, Wait, r.Verdict)
			assert.Equal(t, 0.0, r.ALBLower)
			assert.Equal(t, math.Inf(1), r.ALBUpper)
		})
	}
}

func TestComparePairedQuantileNarrowsWithMoreSamples(t *testing.T) {
	// Counts 4 times as large: the NLB's bounds close in on its estimate.
	scaled := func(samples []ClientSamples, factor int) []ClientSamples {
		out := make([]ClientSamples, len(samples))
		for i, s := range samples {
			out[i] = ClientSamples{Client: s.Client, Seconds: s.Seconds}
			for _, c := range s.Counts {
				out[i].Counts = append(out[i].Counts, c*factor)
			}
		}
		return out
	}
	small, err := ComparePairedQuantile(pairedQuantileALB(), pairedQuantileNLB(), 0.5, 0.1, 0, 0.05, QuantileOptions{Look: 3})
	require.NoError(t, err)
	large, err := ComparePairedQuantile(scaled(pairedQuantileALB(), 4), scaled(pairedQuantileNLB(), 4), 0.5, 0.1, 0, 0.05, QuantileOptions{Look: 3})
	require.NoError(t, err)
	assert.Equal(t, small.NLB, large.NLB)
	assert.Less(t, large.NLBUpper-large.NLBLower, small.NLBUpper-small.NLBLower)
	assert.LessOrEqual(t, large.ALBUpper-large.ALBLower, small.ALBUpper-small.ALBLower)
}

func TestComparePairedQuantileRejectsInvalidInput(t *testing.T) {
	ok := []ClientSamples{{Client: "a", Seconds: []float64{0.01}}}
	cases := []struct {
		name     string
		alb, nlb []ClientSamples
		q, alpha float64
		want     string
	}{
		{name: "client listed twice on the ALB", alb: []ClientSamples{{Client: "a"}, {Client: "a"}}, nlb: ok, q: 0.5, alpha: 0.05, want: `client "a" listed twice on the ALB path`},
		{name: "client listed twice on the NLB", alb: ok, nlb: []ClientSamples{{Client: "a"}, {Client: "a"}}, q: 0.5, alpha: 0.05, want: `client "a" listed twice on the NLB path`},
		{name: "counts of another length", alb: []ClientSamples{{Client: "a", Seconds: []float64{0.01, 0.02}, Counts: []int{1}}}, nlb: ok, q: 0.5, alpha: 0.05, want: "has 1 counts for 2 values"},
		{name: "negative count", alb: ok, nlb: []ClientSamples{{Client: "a", Seconds: []float64{0.01}, Counts: []int{-1}}}, q: 0.5, alpha: 0.05, want: "invalid NLB count -1"},
		{name: "negative latency", alb: []ClientSamples{{Client: "a", Seconds: []float64{-0.01}}}, nlb: ok, q: 0.5, alpha: 0.05, want: "invalid ALB latency -0.01 s"},
		{name: "infinite latency", alb: []ClientSamples{{Client: "a", Seconds: []float64{math.Inf(1)}}}, nlb: ok, q: 0.5, alpha: 0.05, want: "invalid ALB latency +Inf s"},
		{name: "quantile of 0", alb: ok, nlb: ok, q: 0, alpha: 0.05, want: "invalid quantile 0"},
		{name: "alpha of 1", alb: ok, nlb: ok, q: 0.5, alpha: 1, want: "invalid alpha 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ComparePairedQuantile(tc.alb, tc.nlb, tc.q, 0.1, 0, tc.alpha, QuantileOptions{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// pairedSimClient is one client of a paired simulation: the same client on
// both paths, with a fixed number of connections per look on each and its
// own failure rate on each.
type pairedSimClient struct {
	name                   string
	albPerLook, nlbPerLook int
	albRate, nlbRate       float64
}

// pairedSimScenario sets the clients' failure rates. alwaysShare is the
// ALB's share of connections from the clients that always fail.
type pairedSimScenario func(c *pairedSimClient, always bool, margin, alwaysShare float64)

// newPairedSimClients draws 40 clients. A tenth of them always fail. Of the
// others, half never fail on the NLB and half fail there at rates spread
// evenly up to 2 %, so the mean is 0.5 %. Each client makes 1 to 10
// connections per look on each path, drawn once, so its share of the ALB's
// connections is the same at every look.
func newPairedSimClients(rng *rand.Rand, scenario pairedSimScenario, margin float64) []pairedSimClient {
	const count, always = 40, 4
	clients := make([]pairedSimClient, count)
	var alwaysConns, allConns int
	for i := range clients {
		c := &clients[i]
		c.name = fmt.Sprint(i)
		c.albPerLook, c.nlbPerLook = 1+rng.IntN(10), 1+rng.IntN(10)
		allConns += c.albPerLook
		if i < always {
			alwaysConns += c.albPerLook
		}
		if i >= always && rng.IntN(2) == 0 {
			c.nlbRate = 0.02 * rng.Float64()
		}
	}
	share := float64(alwaysConns) / float64(allConns)
	for i := range clients {
		scenario(&clients[i], i < always, margin, share)
	}
	return clients
}

// Scenarios of the paired simulation. In each the true D, the ALB's rate
// minus the NLB's for the ALB's mix of clients, is exact.
var (
	// everyClientAtMargin: the ALB fails each client margin more often. The
	// clients that always fail on the ALB fail 1 − margin on the NLB.
	everyClientAtMargin pairedSimScenario = func(c *pairedSimClient, always bool, margin, _ float64) {
		if always {
			c.albRate, c.nlbRate = 1, 1-margin
			return
		}
		c.albRate = c.nlbRate + margin
	}
	// alwaysFailingAtMargin: the clients that always fail do so on both
	// paths, and the others are worse on the ALB by enough that D is the
	// margin.
	alwaysFailingAtMargin pairedSimScenario = func(c *pairedSimClient, always bool, margin, share float64) {
		if always {
			c.albRate, c.nlbRate = 1, 1
			return
		}
		c.albRate = c.nlbRate + margin/(1-share)
	}
	// equalRates: every client fails as often on both paths.
	equalRates pairedSimScenario = func(c *pairedSimClient, always bool, _, _ float64) {
		if always {
			c.nlbRate = 1
		}
		c.albRate = c.nlbRate
	}
)

// binomial draws the failures of n connections at rate p.
func binomial(rng *rand.Rand, n int, p float64) int {
	k := 0
	for range n {
		if rng.Float64() < p {
			k++
		}
	}
	return k
}

// pairedSimResult records which verdicts ComparePairedRates returned at
// any look of one run.
type pairedSimResult struct{ pass, fail bool }

// simulatePairedRun lets the clients connect before each of the looks and
// evaluates ComparePairedRates at every look, until both verdicts are seen.
func simulatePairedRun(rng *rand.Rand, scenario pairedSimScenario, margin, alpha float64, looks int) pairedSimResult {
	clients := newPairedSimClients(rng, scenario, margin)
	alb := make([]ClientCounts, len(clients))
	nlb := make([]ClientCounts, len(clients))
	var r pairedSimResult
	for range looks {
		for i := range clients {
			c := &clients[i]
			alb[i].Client, nlb[i].Client = c.name, c.name
			alb[i].Trials += c.albPerLook
			alb[i].Failures += binomial(rng, c.albPerLook, c.albRate)
			nlb[i].Trials += c.nlbPerLook
			nlb[i].Failures += binomial(rng, c.nlbPerLook, c.nlbRate)
		}
		res, err := ComparePairedRates(alb, nlb, margin, alpha)
		if err != nil {
			panic(err)
		}
		r.pass = r.pass || res.Verdict == Pass
		r.fail = r.fail || res.Verdict == Fail
		if r.pass && r.fail {
			break
		}
	}
	return r
}

func TestComparePairedRatesRepeatedLooks(t *testing.T) {
	// Simulated migrations looked at 72 times (every 5 minutes for 6
	// hours), 40 clients with 1 to 10 connections per look on each path.
	// At the margin every PASS is false; at equal rates every FAIL is. The
	// connections of a client on a path are independent draws at its rate,
	// as ComparePairedRates assumes.
	if testing.Short() {
		t.Skip("simulation of 1500 migrations")
	}
	const (
		runs, looks = 500, 72
		alpha       = 0.05
		margin      = 0.01
	)
	// Simulation slack: three binomial standard errors of a share of alpha
	// estimated from this many runs.
	limit := alpha + 3*math.Sqrt(alpha*(1-alpha)/runs)

	cases := []struct {
		name      string
		scenario  pairedSimScenario
		seed      uint64
		falsePass bool
	}{
		{name: "every client at the margin", scenario: everyClientAtMargin, seed: 1, falsePass: true},
		{name: "always failing on both paths, at the margin", scenario: alwaysFailingAtMargin, seed: 2, falsePass: true},
		{name: "equal rates", scenario: equalRates, seed: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(20240611, tc.seed))

			var passed, failed int
			for range runs {
				r := simulatePairedRun(rng, tc.scenario, margin, alpha, looks)
				if r.pass {
					passed++
				}
				if r.fail {
					failed++
				}
			}

			passShare, failShare := float64(passed)/runs, float64(failed)/runs
			t.Logf("runs with any PASS %.3f, with any FAIL %.3f, over %d runs of %d looks; limit %.3f",
				passShare, failShare, runs, looks, limit)
			if tc.falsePass {
				assert.LessOrEqual(t, passShare, limit, "false PASS share")
				return
			}
			assert.LessOrEqual(t, failShare, limit, "false FAIL share")
			// A test that never passes would meet the limits above trivially.
			assert.Greater(t, passShare, 0.5, "PASS share with equal rates")
		})
	}
}

func TestComparePairedRatesALBOnlyClientFailingAlways(t *testing.T) {
	// An ALB-only client that fails every connection (an expired
	// certificate behind a resolver that never picked the NLB) is left out
	// of the difference and of the background rate, so the bounds are those
	// of the paired clients alone.
	alb := []ClientCounts{{"a", 5000, 2}, {"b", 5000, 1}}
	nlb := []ClientCounts{{"a", 5000, 1}, {"b", 5000, 2}}
	without, err := ComparePairedRates(alb, nlb, 0.002, 0.05)
	require.NoError(t, err)
	with, err := ComparePairedRates(append([]ClientCounts{{"dead", 2000, 2000}}, alb...), nlb, 0.002, 0.05)
	require.NoError(t, err)
	assert.Equal(t, without.Lower, with.Lower)
	assert.Equal(t, without.Upper, with.Upper)
	assert.Equal(t, Pass, with.Verdict)
	assert.Equal(t, 1, with.ALBOnlyClients)
	assert.Equal(t, 2000, with.ALBOnlyFailures)
}
