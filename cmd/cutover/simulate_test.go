package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/sim"
)

func TestSimulateScenario(t *testing.T) {
	out := t.TempDir()
	code, stdout, errOut := cutover(t, "simulate", "--out", out, "--scenario", "missing-intermediate",
		"--start", "2026-03-09T12:00:00Z", "--duration", "30m", "--alb-weight", "50", "--output", "json")
	require.Equal(t, exitOK, code, errOut)

	var rows []struct {
		Measure string `json:"measure"`
		Value   any    `json:"value"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rows), stdout)
	values := map[string]any{}
	for _, r := range rows {
		values[r.Measure] = r.Value
	}
	assert.Equal(t, "missing-intermediate", values["scenario"])
	assert.Equal(t, true, values["scenario_fault"])
	assert.Equal(t, `O=Fabrikam\, Inc.`, values["scenario_cohort"])
	assert.Equal(t, "Failed:ClientCertUntrusted", values["scenario_alb_reason"])
	assert.Equal(t, false, values["scenario_latency"])
	assert.Contains(t, values["scenario_description"], "intermediate")
	assert.Greater(t, values["alb_failed_connections"], 0.0)

	// The objects are those of the scenario with the flags given.
	start := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	cfg, _, err := sim.ScenarioConfig("missing-intermediate", start, 30*time.Minute, 1)
	require.NoError(t, err)
	cfg.ALBWeight = 50
	sum, err := sim.Run(t.Context(), cfg, sim.DirWriter{Root: t.TempDir()})
	require.NoError(t, err)
	assert.Equal(t, float64(sum.ALB.FailedConnections), values["alb_failed_connections"])
	assert.Equal(t, float64(sum.NLB.Connections), values["nlb_connections"])
	entries, err := os.ReadDir(filepath.Join(out, "terminators"))
	require.NoError(t, err)
	assert.Len(t, entries, 3, "terminator folders")
}

func TestSimulateListScenarios(t *testing.T) {
	for _, args := range [][]string{
		{"simulate", "--list-scenarios", "--output", "json"},
		{"simulate", "--scenario", "list", "--output", "json"},
	} {
		code, stdout, errOut := cutover(t, args...)
		require.Equal(t, exitOK, code, errOut)
		var rows []struct {
			Scenario  string `json:"scenario"`
			ALBReason string `json:"alb_reason"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &rows), stdout)
		var names []string
		for _, r := range rows {
			names = append(names, r.Scenario)
		}
		assert.Equal(t, sim.ScenarioNames(), names, "%v", args)
		assert.Equal(t, "Failed:ClientCertCrlHit", rows[2].ALBReason, "%v", args)
	}
}

func TestSimulateUnknownScenario(t *testing.T) {
	code, stdout, errOut := cutover(t, "simulate", "--out", t.TempDir(), "--scenario", "slow-nlb")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, errOut, `unknown scenario "slow-nlb"`)
	for _, name := range sim.ScenarioNames() {
		assert.Contains(t, errOut, name)
	}
}
