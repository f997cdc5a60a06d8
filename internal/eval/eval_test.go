package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/internal/policy"
	"github.com/cutover-dev/cutover/internal/sim"
)

func TestTallyCountsFirstVerdict(t *testing.T) {
	W, P, F := analyze.Wait, analyze.Pass, analyze.Fail
	tests := []struct {
		name                                   string
		want                                   analyze.Verdict
		verdicts                               []analyze.Verdict
		right, falsePass, falseFail, noVerdict int
		firstAt                                time.Duration
	}{
		{"fault found", F, []analyze.Verdict{W, W, F, F}, 1, 0, 0, 0, 15 * time.Minute},
		{"fault passed first", F, []analyze.Verdict{W, P, F}, 0, 1, 0, 0, 10 * time.Minute},
		{"fault passed late", F, []analyze.Verdict{F, W, P}, 1, 1, 0, 0, 5 * time.Minute},
		{"healthy passed", P, []analyze.Verdict{W, P, P}, 1, 0, 0, 0, 10 * time.Minute},
		{"healthy failed once", P, []analyze.Verdict{P, F, P}, 1, 0, 1, 0, 5 * time.Minute},
		{"healthy never decided", P, []analyze.Verdict{W, W, W}, 0, 0, 0, 1, 0},
		{"low traffic waits", W, []analyze.Verdict{W, W, W}, 1, 0, 0, 1, 0},
		{"low traffic passed", W, []analyze.Verdict{W, P, W}, 0, 1, 0, 0, 10 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tl tally
			tl.count(tc.want, tc.verdicts)
			assert.Equal(t, 1, tl.runs)
			assert.Equal(t, tc.right, tl.right, "right")
			assert.Equal(t, tc.falsePass, tl.falsePass, "false PASS")
			assert.Equal(t, tc.falseFail, tl.falseFail, "false FAIL")
			assert.Equal(t, tc.noVerdict, tl.inconclusive, "no verdict")
			if tc.firstAt > 0 {
				assert.Equal(t, []time.Duration{tc.firstAt}, tl.conclusive)
			} else {
				assert.Empty(t, tl.conclusive)
			}
		})
	}
}

func TestClopperPearson(t *testing.T) {
	// Exact intervals from the beta quantiles: 0 of 200 gives the upper
	// bound 1 − 0.025^(1/200), 10 of 10 the lower bound 0.025^(1/10), and 5
	// of 10 gives the textbook [0.187, 0.813], symmetric around 0.5.
	lo, hi := clopperPearson(0, 200)
	assert.Equal(t, 0.0, lo)
	assert.InDelta(t, 0.0182753, hi, 1e-6)
	lo, hi = clopperPearson(5, 10)
	assert.InDelta(t, 0.187086, lo, 1e-6)
	assert.InDelta(t, 0.812914, hi, 1e-6)
	lo, hi = clopperPearson(10, 10)
	assert.InDelta(t, 0.691503, lo, 1e-6)
	assert.Equal(t, 1.0, hi)
}

func TestEvaluateFindsMissingIntermediate(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates an hour of traffic")
	}
	evalPolicy, err := policy.Parse(policyYAML, "policy.yaml")
	require.NoError(t, err)
	cfg := config{
		seeds: 1, duration: time.Hour, albWeight: 50,
		start:    time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC),
		policies: []namedPolicy{{name: "eval", policy: evalPolicy}},
	}
	r, err := evaluate(context.Background(), cfg, "missing-intermediate", 1)
	require.NoError(t, err)
	require.Len(t, r, 1)
	assert.Len(t, r[0].overall, 12)
	assert.Equal(t, analyze.Wait, r[0].overall[0], "the first look judges nothing: its window is within the settle time")
	assert.Contains(t, r[0].overall, analyze.Fail)
	assert.NotContains(t, r[0].overall, analyze.Pass)
	assert.Positive(t, r[0].failedChecks[analyze.CheckClientsLeftBehind])
	assert.True(t, slices.Contains(r[0].handshake[methodPaired], analyze.Fail))
}

func TestTruthOfScenarios(t *testing.T) {
	want := map[string]analyze.Verdict{
		"healthy": analyze.Pass, "missing-intermediate": analyze.Fail, "revoked-cohort": analyze.Fail,
		"deep-chain": analyze.Fail, "slow-alb": analyze.Fail, "low-traffic": analyze.Wait,
		"big-partner-one-resolver": analyze.Pass,
	}
	for _, s := range sim.Scenarios() {
		assert.Equal(t, want[s.Name], truth(s), s.Name)
	}
	assert.Len(t, sim.Scenarios(), len(want))
}
