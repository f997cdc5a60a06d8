package stats

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTimeToNeed(t *testing.T) {
	cases := []struct {
		name        string
		need        int
		ratePerHour float64
		want        time.Duration
	}{
		{name: "conclusive", need: 0, ratePerHour: 10, want: 0},
		{name: "two hours", need: 100, ratePerHour: 50, want: 2 * time.Hour},
		// 7 clients at 3 an hour: 8400 s, rounded up to the second.
		{name: "fraction of an hour", need: 7, ratePerHour: 3, want: 8400 * time.Second},
		{name: "rounds up", need: 1, ratePerHour: 7, want: 515 * time.Second},
		{name: "no arrivals", need: 5, ratePerHour: 0, want: Forever},
		{name: "NaN rate", need: 5, ratePerHour: math.NaN(), want: Forever},
		{name: "infinite rate", need: 5, ratePerHour: math.Inf(1), want: 0},
		{name: "unknown need", need: NeedUnknown, ratePerHour: 100, want: Forever},
		{name: "overflow", need: math.MaxInt32, ratePerHour: 1e-9, want: Forever},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, TimeToNeed(tc.need, tc.ratePerHour))
		})
	}
}

func TestTimeToDecisionTakesSlowerPath(t *testing.T) {
	c := RateComparison{Verdict: Wait, NeedALB: 100, NeedNLB: 10}
	// ALB: 100 at 100 an hour; NLB: 10 at 2 an hour.
	assert.Equal(t, 5*time.Hour, c.TimeToDecision(100, 2))
}

func TestSplitWeights(t *testing.T) {
	cases := []struct {
		name             string
		albRate, nlbRate float64
		albSeen, nlbSeen int
		wantALB, wantNLB float64
	}{
		{name: "arrival rates", albRate: 30, nlbRate: 10, albSeen: 1, nlbSeen: 100, wantALB: 0.75, wantNLB: 0.25},
		{name: "only ALB arrivals", albRate: 5, albSeen: 1, nlbSeen: 1, wantALB: 1, wantNLB: 0},
		{name: "clients seen", albSeen: 10, nlbSeen: 30, wantALB: 0.25, wantNLB: 0.75},
		{name: "one path empty", albSeen: 0, nlbSeen: 30, wantALB: 0.5, wantNLB: 0.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			alb, nlb := splitWeights(tc.albRate, tc.nlbRate, tc.albSeen, tc.nlbSeen)
			assert.InDelta(t, tc.wantALB, alb, 1e-15)
			assert.InDelta(t, tc.wantNLB, nlb, 1e-15)
		})
	}
}
