package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/internal/sim"
)

// gateTestMargins are wider margins than the defaults, as a team would set
// for its first migration steps, so that the healthy scenario passes within
// hours at 10 percent.
const gateTestMargins = `analyze:
  margins:
    handshake_failure_rate: 0.01
    http_5xx_rate: 0.005
    response_header_time:
      p50: {ratio: 0.25, slack: 25ms}
      p90: {ratio: 0.25, slack: 50ms}
      p99: {ratio: 0.50, slack: 100ms}
    client_4xx_rate: 0.05
`

// The gate steps through 10 → 25 → 50 → 75 → 100 on the healthy scenario,
// each step after at least its bake time. The simulator writes the traffic
// of each half hour at the weight that the gate set, and the gate runs after
// each half hour's ingest.
func TestGateStepsThroughHealthy(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates and ingests half an hour of traffic per gate run")
	}
	db := filepath.Join(t.TempDir(), "cutover.duckdb")
	srv, policyFile := gateAccount(t, 90, 10, "handshake_failure_rate")
	text, err := os.ReadFile(policyFile)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(policyFile, append(text, []byte(gateTestMargins)...), 0o644))

	// The first run starts the step's bake at the start of the traffic.
	const segment = 30 * time.Minute
	at := scenarioStart
	simulateInto(t, db, "healthy", at, segment, 10)
	code, first := gateJSON(t, at, "gate", "--db", db, "--policy", policyFile, "--execute")
	require.Equal(t, exitWait, code, first.Message)

	weight, stepped := 10, at
	var steps []int
	for weight < 100 && at.Before(scenarioStart.Add(24*time.Hour)) {
		if at != scenarioStart {
			simulateInto(t, db, "healthy", at, segment, weight)
		}
		at = at.Add(segment)
		code, res := gateJSON(t, at, "gate", "--db", db, "--policy", policyFile, "--execute")
		require.NotEqual(t, exitFail, code, "%s: %v", res.Message, res.Checks)
		require.Contains(t, []int{exitOK, exitWait}, code, res.Message)
		if !res.Executed {
			continue
		}
		require.Equal(t, "applied", res.Outcome, res.Message)
		assert.GreaterOrEqual(t, at.Sub(stepped), time.Hour, "step to %d %% after the bake time", res.ToPercent)
		t.Logf("%s: %d %% to %d %% after %s", at.Format(time.RFC3339), weight, res.ToPercent, at.Sub(stepped))
		weight, stepped = res.ToPercent, at
		steps = append(steps, weight)
	}
	assert.Equal(t, []int{25, 50, 75, 100}, steps)
	assert.Equal(t, map[string][2]int64{"A": {0, 100}, "AAAA": {0, 100}}, gateWeights(srv))
}

// On each scenario but the healthy one the gate halts, and its reasons name
// the fault, or what it waits for.
// The first run starts the step's bake at the scenario's start, the second
// judges the scenario's whole traffic.
func TestGateHaltsOnScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates and ingests every fault scenario")
	}
	truths := map[string]sim.Scenario{}
	for _, s := range sim.Scenarios() {
		truths[s.Name] = s
	}
	evalMargins := `analyze:
  margins:
    response_header_time:
      p90: {ratio: 0, slack: 10ms}
      p99: {ratio: 0, slack: 10ms}
`
	tests := []struct {
		scenario    string
		duration    time.Duration
		weight      int64
		margins     string
		wantCode    int
		wantVerdict string
		// wantFailing are checks of which at least one fails.
		wantFailing []string
		wantReason  string
	}{
		{scenario: "revoked-cohort", duration: 2 * time.Hour, weight: 10, wantCode: exitFail, wantVerdict: "HALT-FAIL",
			wantFailing: []string{"new_failure_reason"}, wantReason: truths["revoked-cohort"].ALBReason},
		{scenario: "deep-chain", duration: 2 * time.Hour, weight: 10, wantCode: exitFail, wantVerdict: "HALT-FAIL",
			wantFailing: []string{"new_failure_reason"}, wantReason: truths["deep-chain"].ALBReason},
		{scenario: "slow-alb", duration: 3 * time.Hour, weight: 50, margins: evalMargins, wantCode: exitFail, wantVerdict: "HALT-FAIL",
			wantFailing: []string{"response_header_time_p90", "response_header_time_p99"}, wantReason: "response_header_time_p9"},
		{scenario: "low-traffic", duration: 2 * time.Hour, weight: 10, wantCode: exitWait, wantVerdict: "HALT-WAIT",
			wantReason: "WAIT"},
		// Nothing is wrong, but with 40 % of the clients behind one resolver
		// the ALB's share follows that resolver's cached DNS response, not the
		// weight, so the gate waits on the traffic share.
		{scenario: "big-partner-one-resolver", duration: 2 * time.Hour, weight: 50, wantCode: exitWait, wantVerdict: "HALT-WAIT",
			wantReason: "traffic_share WAIT"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			db, _ := simulatedDB(t, tc.scenario, tc.duration, int(tc.weight), true)
			srv, policyFile := gateAccount(t, 100-tc.weight, tc.weight, "")
			if tc.margins != "" {
				text, err := os.ReadFile(policyFile)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(policyFile, append(text, []byte(tc.margins)...), 0o644))
			}
			code, first := gateJSON(t, scenarioStart, "gate", "--db", db, "--policy", policyFile)
			require.Equal(t, exitWait, code, first.Message)

			code, res := gateJSON(t, scenarioStart.Add(tc.duration), "gate", "--db", db, "--policy", policyFile, "--execute")
			assert.Equal(t, tc.wantCode, code, res.Message)
			assert.Equal(t, tc.wantVerdict, res.Verdict)
			assert.False(t, res.Executed, "no check rolls back in this policy")
			assert.Contains(t, strings.Join(res.Reasons, "\n"), tc.wantReason)
			if len(tc.wantFailing) > 0 {
				failing := false
				for _, c := range res.Checks {
					failing = failing || (c.Verdict == analyze.Fail && slices.Contains(tc.wantFailing, c.Name))
				}
				assert.True(t, failing, "none of %v fails: %v", tc.wantFailing, res.Reasons)
			}
			assert.Equal(t, map[string][2]int64{"A": {100 - tc.weight, tc.weight}, "AAAA": {100 - tc.weight, tc.weight}}, gateWeights(srv))
		})
	}
}
