package stats

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected values in this file come from testdata/reference.py, which
// takes the restricted maximum likelihood estimates from the closed-form
// root of the likelihood cubic (Farrington and Manning) where the Go code
// bisects the score equation.

func TestFarringtonManningScore(t *testing.T) {
	// 30 failures of 1000 ALB connections against 20 of 1200.
	table := twoByTwo{x1: 30, n1: 1000, x2: 20, n2: 1200}
	cases := []struct {
		delta, z float64
	}{
		{0, 2.0894715774252295},
		{0.005, 1.305808879212962},
		{0.01, 0.5164568723964602},
		{0.02, -0.984036560523097},
		{-0.01, 3.5513840103814163},
	}
	for _, tc := range cases {
		assert.InDelta(t, tc.z, table.score(tc.delta), 1e-12, "z at delta %v", tc.delta)
	}
	assert.InDelta(t, 0.01783470945190991, table.restrictedMLE(0.01), 1e-14)
	// Under delta 0 the restricted estimate is the pooled rate 50/2200.
	assert.InDelta(t, 50.0/2200, table.restrictedMLE(0), 1e-14)
}

func TestNaiveRateTestVerdicts(t *testing.T) {
	alb := []ClientCounts{{Client: "a", Trials: 1000, Failures: 30}}
	nlb := []ClientCounts{{Client: "n", Trials: 1200, Failures: 20}}
	cases := []struct {
		name   string
		margin float64
		want   Verdict
	}{
		// z(0.02) = −0.984 is above −1.645: not enough to pass.
		{name: "wide margin", margin: 0.02, want: Wait},
		// z(0.05) is far below −1.645.
		{name: "wider margin", margin: 0.05, want: Pass},
		// z(0) = 2.089 exceeds 1.645: the ALB is worse, even at margin 0.
		{name: "no margin", margin: 0, want: Fail},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NaiveRateTest(alb, nlb, tc.margin, 0.05)
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.Verdict)
			assert.Equal(t, "connections", c.Unit)
			assert.InDelta(t, 0.03, c.ALBRate, 1e-15)
			// The interval agrees with the test: z(Lower) = 1.645 and
			// z(Upper) = −1.645.
			table := twoByTwo{x1: 30, n1: 1000, x2: 20, n2: 1200}
			assert.InDelta(t, 1.6448536269514722, table.score(c.Lower), 1e-9)
			assert.InDelta(t, -1.6448536269514722, table.score(c.Upper), 1e-9)
			assert.Equal(t, tc.want == Pass, c.Upper < tc.margin)
			assert.Equal(t, tc.want == Fail, c.Lower > tc.margin)
		})
	}
}

func TestNaiveRateTestZeroFailures(t *testing.T) {
	// With no failures the score interval is Wilson's: Upper = z²/(n_ALB +
	// z²) and Lower = −z²/(n_NLB + z²), with z = 1.645.
	c, err := NaiveRateTest(clients("a", 10, 100, 0), clients("n", 20, 100, 0), 0.005, 0.05)
	require.NoError(t, err)
	assert.Equal(t, Pass, c.Verdict)
	assert.InDelta(t, 0.0026982432397605195, c.Upper, 1e-11)
	assert.InDelta(t, -0.0013509442079184144, c.Lower, 1e-11)
}

func TestNaiveRateTestNeedsMoreConnections(t *testing.T) {
	alb := []ClientCounts{{Client: "a", Trials: 1000, Failures: 30}}
	nlb := []ClientCounts{{Client: "n", Trials: 1200, Failures: 20}}
	c, err := NaiveRateTest(alb, nlb, 0.02, 0.05)
	require.NoError(t, err)
	require.Equal(t, Wait, c.Verdict)
	assert.Positive(t, c.NeedALB)
	assert.Positive(t, c.NeedNLB)

	// At the projected counts and the same rates the test passes.
	grown := twoByTwo{
		x1: 0.03 * float64(1000+c.NeedALB), n1: float64(1000 + c.NeedALB),
		x2: 20.0 / 1200 * float64(1200+c.NeedNLB), n2: float64(1200 + c.NeedNLB),
	}
	assert.Equal(t, Pass, grown.verdict(0.02, 1.6448536269514722))
}

func TestNaiveRateTestEmptyPath(t *testing.T) {
	c, err := NaiveRateTest(nil, clients("n", 3, 10, 0), 0.01, 0.05)
	require.NoError(t, err)
	assert.Equal(t, Wait, c.Verdict)
	assert.Equal(t, -1.0, c.Lower)
	assert.Equal(t, 1.0, c.Upper)
	assert.Equal(t, NeedUnknown, c.NeedALB)
}

func TestNaiveRateTestRejectsInvalidInput(t *testing.T) {
	_, err := NaiveRateTest([]ClientCounts{{Client: "x", Trials: 1, Failures: 2}}, nil, 0.01, 0.05)
	assert.ErrorContains(t, err, `invalid ALB counts for client "x"`)
	_, err = NaiveRateTest(nil, nil, 0.01, 1.5)
	assert.ErrorContains(t, err, "invalid alpha 1.5")
}
