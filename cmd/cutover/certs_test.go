package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// certsRows runs a certs subcommand with JSON output and decodes its rows.
func certsRows(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	code, out, errOut := cutover(t, append([]string{"certs"}, append(args, "--output", "json")...)...)
	require.Equal(t, exitOK, code, errOut)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rows), out)
	return rows
}

func TestCertsOnMissingIntermediate(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates and ingests an hour of traffic")
	}
	db, _ := simulatedDB(t, "missing-intermediate", time.Hour, 50, true)

	// Every certificate left behind is a Fabrikam client that the ALB
	// rejects as untrusted.
	left := certsRows(t, "left-behind", "--db", db)
	require.NotEmpty(t, left)
	for _, row := range left {
		assert.Contains(t, row["subject"], `O=Fabrikam\, Inc.`)
		assert.Equal(t, "Failed:ClientCertUntrusted", row["alb_failure_reasons"])
	}

	// The table names them as one cohort by their common subject suffix.
	code, out, errOut := cutover(t, "certs", "left-behind", "--db", db)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, fmt.Sprintf("Left behind with Failed:ClientCertUntrusted: %d clients with subjects ending \"", len(left)))
	assert.Contains(t, out, `O=Fabrikam\, Inc.,C=DE".`)

	// The first one's timeline, asked for by its serial in lower case with
	// separators, has connections on both paths.
	serial := left[0]["serial"].(string)
	var spelled []string
	for i := 0; i < len(serial); i += 2 {
		spelled = append(spelled, strings.ToLower(serial[i:min(i+2, len(serial))]))
	}
	timeline := certsRows(t, "client", strings.Join(spelled, ":"), "--db", db)
	paths := map[string]int{}
	for _, row := range timeline {
		assert.Equal(t, serial, row["serial"])
		paths[row["path"].(string)]++
	}
	assert.Positive(t, paths["alb"], "ALB connections of %s", serial)
	assert.Positive(t, paths["nlb"], "NLB connections of %s", serial)

	// The failing list names the same clients with the ALB's raw reason.
	failing := certsRows(t, "failing", "--db", db)
	found := false
	for _, row := range failing {
		if row["serial"] == serial && row["path"] == "alb" {
			found = true
			assert.Equal(t, "Failed:ClientCertUntrusted", row["reason_raw"])
			assert.Equal(t, "untrusted", row["outcome"])
		}
	}
	assert.True(t, found, "certs failing lists %s on the ALB", serial)

	// Some simulated certificates have expired already or expire within a
	// year, and every one listed expires within the horizon.
	expiring := certsRows(t, "expiring", "--within", "400d", "--db", db)
	require.NotEmpty(t, expiring)
	for _, row := range expiring {
		assert.LessOrEqual(t, row["days_left"].(float64), 400.0)
	}
}

func TestCertsUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"certs"}, "certs needs a subcommand"},
		{"client without argument", []string{"certs", "client"}, "takes one argument"},
		{"invalid within", []string{"certs", "expiring", "--within", "soon"}, `invalid --within "soon"`},
		{"zero within", []string{"certs", "expiring", "--within", "0"}, "positive duration"},
		{"invalid mode", []string{"certs", "left-behind", "--mode", "bogus"}, `invalid --mode "bogus"`},
		{"empty mode", []string{"certs", "left-behind", "--mode", ""}, `invalid --mode ""`},
		{"mode on failing", []string{"certs", "failing", "--mode", "verify"}, "unknown flag: --mode"},
		{"mode on client", []string{"certs", "client", "192.0.2.1", "--mode", "verify"}, "unknown flag: --mode"},
		{"mode on expiring", []string{"certs", "expiring", "--mode", "verify"}, "unknown flag: --mode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := cutover(t, append(tc.args, "--db", t.TempDir()+"/none.duckdb")...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errOut, tc.want)
		})
	}
}
