package gate

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/analyze"
)

var testSteps = Steps{
	{Percent: 10, Bake: time.Hour}, {Percent: 25, Bake: time.Hour}, {Percent: 50, Bake: 2 * time.Hour},
	{Percent: 75, Bake: time.Hour}, {Percent: 100, Bake: time.Hour},
}

// analysis returns an analysis whose checks have the verdicts, by name.
func analysis(verdicts map[string]analyze.Verdict) *analyze.Result {
	res := &analyze.Result{Verdict: analyze.Pass}
	for _, name := range []string{analyze.CheckFreshness, analyze.CheckHandshakeRate, analyze.CheckClientsLeftBehind, analyze.CheckHeaderTimeP99} {
		v, ok := verdicts[name]
		if !ok {
			v = analyze.Pass
		}
		res.Checks = append(res.Checks, analyze.Check{Name: name, Verdict: v, Sentence: name + " sentence."})
	}
	return res
}

func TestDecide(t *testing.T) {
	now := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	rollbackOn := []string{analyze.CheckHandshakeRate, analyze.CheckClientsLeftBehind}
	tests := []struct {
		name         string
		percent      int
		started      time.Duration // before now
		analysis     *analyze.Result
		want         Verdict
		wantTo       int
		wantRollback bool
		wantBake     time.Duration
		wantReason   string
	}{
		{name: "no weight yet", percent: 0, want: Go, wantTo: 10, wantReason: "cutover preflight"},
		{name: "baked and passing", percent: 10, started: 90 * time.Minute, analysis: analysis(nil), want: Go, wantTo: 25,
			wantReason: "next 25 %"},
		{name: "passing but baking", percent: 50, started: 90 * time.Minute, analysis: analysis(nil), want: HaltWait, wantTo: 50,
			wantBake: 30 * time.Minute, wantReason: "30m0s to go"},
		{name: "waiting check", percent: 25, started: 3 * time.Hour,
			analysis: analysis(map[string]analyze.Verdict{analyze.CheckHeaderTimeP99: analyze.Wait}),
			want:     HaltWait, wantTo: 25, wantReason: "response_header_time_p99 WAIT"},
		{name: "failing check without rollback", percent: 25, started: 3 * time.Hour,
			analysis: analysis(map[string]analyze.Verdict{analyze.CheckHeaderTimeP99: analyze.Fail}),
			want:     HaltFail, wantTo: 25, wantReason: "response_header_time_p99 FAIL"},
		{name: "failing check rolls back", percent: 25, started: 10 * time.Minute,
			analysis: analysis(map[string]analyze.Verdict{analyze.CheckClientsLeftBehind: analyze.Fail, analyze.CheckHeaderTimeP99: analyze.Wait}),
			want:     HaltFail, wantTo: 10, wantRollback: true, wantReason: "clients_left_behind FAIL"},
		{name: "first step rolls back to zero", percent: 10, started: 10 * time.Minute,
			analysis: analysis(map[string]analyze.Verdict{analyze.CheckHandshakeRate: analyze.Fail}),
			want:     HaltFail, wantTo: 0, wantRollback: true, wantReason: "back to 0 %"},
		{name: "last step complete", percent: 100, started: 2 * time.Hour, analysis: analysis(nil), want: Go, wantTo: 100,
			wantReason: "cutover decommission, once the NLB has drained"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Decide(testSteps, Input{Now: now, Percent: tc.percent, StepStartedAt: now.Add(-tc.started),
				Analysis: tc.analysis, RollbackOn: rollbackOn})
			require.NoError(t, err)
			assert.Equal(t, tc.want, d.Verdict, "%v", d.Reasons)
			assert.Equal(t, tc.percent, d.From)
			assert.Equal(t, tc.wantTo, d.To)
			assert.Equal(t, tc.wantRollback, d.Rollback)
			assert.Equal(t, tc.wantBake, d.BakeRemaining)
			assert.Contains(t, strings.Join(d.Reasons, "\n"), tc.wantReason)
		})
	}
}

func TestDecideRejectsShareOffSteps(t *testing.T) {
	_, err := Decide(testSteps, Input{Now: time.Now(), Percent: 33, Analysis: analysis(nil)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "33 % of the weight, which is not a step of the policy (10, 25, 50, 75, 100)")
}

func TestDecideNeedsAnalysisAboveZero(t *testing.T) {
	_, err := Decide(testSteps, Input{Now: time.Now(), Percent: 25})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no analysis at 25 %")
}
