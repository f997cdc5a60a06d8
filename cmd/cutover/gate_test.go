package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/loopback"
)

const (
	gateRecordName = "mtls.api.example.com."
	gateStateURL   = "s3://cutover-state/partner-api/state.json"
)

// gateAccount starts a loopback AWS account with the weighted A and AAAA
// alias pairs of mtls.api.example.com at the weights given and an empty
// state bucket, and writes a policy for them. It returns the server and the
// policy file.
func gateAccount(t *testing.T, nlbWeight, albWeight int64, rollbackOn string) (*loopback.Server, string) {
	t.Helper()
	srv := useLoopbackAWS(t, loopback.Options{})
	zoneID, err := srv.Route53.AddHostedZone("example.com.")
	require.NoError(t, err)
	for _, typ := range []string{"A", "AAAA"} {
		require.NoError(t, srv.Route53.PutRecordSets(zoneID,
			gateRecord(typ, "nlb", "net-partner-api-0123456789abcdef.elb.eu-west-1.amazonaws.com.", nlbWeight),
			gateRecord(typ, "alb", "dualstack.partner-api-1234567890.eu-west-1.elb.amazonaws.com.", albWeight)))
	}
	require.NoError(t, srv.CreateBucket("cutover-state"))

	policyFile := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(policyFile, []byte(fmt.Sprintf(`version: 1
name: partner-api
gate:
  records:
    - zone_id: %s
      name: mtls.api.example.com
      types: [A, AAAA]
      nlb_set_identifier: nlb
      alb_set_identifier: alb
  steps: [10, 25, 50, 75, 100]
  bake: 1h
  rollback_on: [%s]
  state: %s
  change_timeout: 1m
  poll_interval: 1s
`, zoneID, rollbackOn, gateStateURL)), 0o644))
	return srv, policyFile
}

func gateRecord(typ, id, dnsName string, weight int64) loopback.RecordSet {
	return loopback.RecordSet{Name: gateRecordName, Type: typ, SetIdentifier: id, Weight: aws.Int64(weight),
		AliasTarget: &loopback.AliasTarget{HostedZoneID: "Z2IFOLAFXWLO4F", DNSName: dnsName, EvaluateTargetHealth: true}}
}

// gateWeights returns the NLB and ALB weights of each record type of the
// account's zone.
func gateWeights(srv *loopback.Server) map[string][2]int64 {
	zones := srv.Route53.HostedZoneIDs()
	out := map[string][2]int64{}
	for _, r := range srv.Route53.RecordSets(zones[0]) {
		if r.Weight == nil {
			continue
		}
		w := out[r.Type]
		if r.SetIdentifier == "nlb" {
			w[0] = *r.Weight
		} else {
			w[1] = *r.Weight
		}
		out[r.Type] = w
	}
	return out
}

// gateJSON runs the gate at a time with --output json and decodes it.
func gateJSON(t *testing.T, at time.Time, args ...string) (int, gateOutput) {
	t.Helper()
	code, out, errOut := cutoverAt(t, at, append(args, "--output", "json")...)
	var res gateOutput
	require.NoError(t, json.Unmarshal([]byte(out), &res), "stdout %q, stderr %q", out, errOut)
	return code, res
}

// readState reads the gate's state object from the loopback bucket.
func readState(t *testing.T, srv *loopback.Server) map[string]any {
	t.Helper()
	client := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOOPBACKTEST", "loopback-test-secret", "")})
	out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("cutover-state"), Key: aws.String("partner-api/state.json")})
	require.NoError(t, err)
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	var st map[string]any
	require.NoError(t, json.Unmarshal(data, &st))
	return st
}

// On the missing-intermediate scenario at 10 %, the gate waits for the bake
// time, then halts on the Fabrikam cohort and rolls back to the NLB.
func TestGateHaltsAndRollsBackOnMissingIntermediate(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates and ingests two hours of traffic")
	}
	db, _ := simulatedDB(t, "missing-intermediate", 2*time.Hour, 10, true)
	srv, policyFile := gateAccount(t, 90, 10, "clients_left_behind, handshake_failure_rate")
	start := scenarioStart.Add(5 * time.Minute)

	code, first := gateJSON(t, start, "gate", "--db", db, "--policy", policyFile)
	assert.Equal(t, exitWait, code)
	assert.Equal(t, "HALT-WAIT", first.Verdict)
	assert.Equal(t, 10, first.FromPercent)
	assert.Equal(t, "arn:aws:iam::123456789012:user/loopback", first.CallerARN)

	planFile := filepath.Join(t.TempDir(), "batch.json")
	end := scenarioStart.Add(2 * time.Hour)
	code, dry := gateJSON(t, end, "gate", "--db", db, "--policy", policyFile, "--plan-out", planFile)
	assert.Equal(t, exitFail, code)
	assert.Equal(t, "HALT-FAIL", dry.Verdict)
	assert.True(t, dry.Rollback)
	assert.Equal(t, 0, dry.ToPercent, "the first step rolls back to the NLB")
	assert.False(t, dry.Executed)
	assert.Contains(t, strings.Join(dry.Reasons, " "), `O=Fabrikam\, Inc.`)
	failing := map[string]bool{}
	for _, c := range dry.Checks {
		if c.Verdict == "FAIL" {
			failing[c.Name] = true
		}
	}
	assert.True(t, failing["clients_left_behind"], "checks %v", failing)
	assert.Equal(t, map[string][2]int64{"A": {90, 10}, "AAAA": {90, 10}}, gateWeights(srv), "a dry run changes nothing")
	batch, err := os.ReadFile(planFile)
	require.NoError(t, err)
	assert.Equal(t, 4, strings.Count(string(batch), `"Action": "DELETE"`))
	assert.Equal(t, 2, strings.Count(string(batch), `"Weight": 100`))

	code, executed := gateJSON(t, end, "gate", "--db", db, "--policy", policyFile, "--execute")
	assert.Equal(t, exitFail, code, "an automatic rollback exits 3")
	assert.True(t, executed.Executed)
	assert.Equal(t, "applied", executed.Outcome, executed.Message)
	require.Len(t, executed.ChangeIDs, 1)
	assert.Equal(t, map[string][2]int64{"A": {100, 0}, "AAAA": {100, 0}}, gateWeights(srv))

	st := readState(t, srv)
	assert.EqualValues(t, 0, st["alb_weight"])
	assert.Len(t, st["audit"], 3)
	rows := queryJSON(t, db, `SELECT seq, kind, verdict, executed, alb_share_before, alb_share_after, outcome
		FROM gate_decisions ORDER BY seq`)
	require.Len(t, rows, 3)
	assert.Equal(t, map[string]any{"seq": 2.0, "kind": "rollback", "verdict": "HALT-FAIL", "executed": true,
		"alb_share_before": 10.0, "alb_share_after": 0.0, "outcome": "applied"}, rows[2])
}

func TestGateRollbackAndTable(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cutover.duckdb")
	srv, policyFile := gateAccount(t, 50, 50, "")
	at := scenarioStart

	code, out, errOut := cutoverAt(t, at, "gate", "rollback", "--db", db, "--policy", policyFile)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Gate: ROLLBACK at 50 % on the ALB, next 25 %")
	assert.Contains(t, out, "Dry run: nothing changed; --execute moves the ALB from 50 % to 25 %.")
	assert.Contains(t, out, "Recorded in "+gateStateURL+" by arn:aws:iam::123456789012:user/loopback.")

	code, out, errOut = cutoverAt(t, at, "gate", "rollback", "--db", db, "--policy", policyFile, "--to-nlb", "--execute")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Change: applied.")
	assert.Equal(t, map[string][2]int64{"A": {100, 0}, "AAAA": {100, 0}}, gateWeights(srv))
}

// A record changed by someone else is refused, and nothing changes.
func TestGateRefusesOffStepWeights(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cutover.duckdb")
	srv, policyFile := gateAccount(t, 60, 40, "")
	code, out, _ := cutoverAt(t, scenarioStart, "gate", "--db", db, "--policy", policyFile, "--execute")
	assert.Equal(t, exitRefused, code)
	assert.Contains(t, out, "40 % of the weight, which is not a step of the policy (10, 25, 50, 75, 100)")
	assert.Equal(t, map[string][2]int64{"A": {60, 40}, "AAAA": {60, 40}}, gateWeights(srv))
}

func TestGateUsageErrors(t *testing.T) {
	noGate := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(noGate, []byte("version: 1\n"), 0o644))
	withGate := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(withGate, []byte(`version: 1
name: partner-api
gate:
  records:
    - zone_id: Z0123456789ABCDEFGHIJ
      name: mtls.api.example.com
      nlb_set_identifier: nlb
      alb_set_identifier: alb
`), 0o644))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"policy missing", []string{"gate"}, "--policy is missing"},
		{"no gate section", []string{"gate", "--policy", noGate}, "missing gate section"},
		{"invalid mode", []string{"gate", "--policy", noGate, "--mode", "mirror"}, `invalid --mode "mirror"`},
		{"replay without gate section", []string{"gate", "replay", "--policy", noGate, "--since", "1h"}, "missing gate section"},
		{"replay without window", []string{"gate", "replay", "--policy", withGate}, "the replay needs a window: give --since or --from"},
		{"replay with only --to", []string{"gate", "replay", "--policy", withGate, "--to", "2026-12-03"}, "the replay needs a window"},
		{"replay every zero", []string{"gate", "replay", "--policy", noGate, "--every", "0s"}, "invalid --every 0s"},
		{"replay start between steps", []string{"gate", "replay", "--policy", withGate, "--since", "1h", "--start-percent", "30"},
			"invalid --start-percent 30: use 0 or a step of the policy (10, 25, 50, 75, 100)"},
		{"replay start negative", []string{"gate", "replay", "--policy", withGate, "--since", "1h", "--start-percent", "-10"},
			"invalid --start-percent -10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The database does not exist, so a check made after opening it
			// would exit 1, not 2.
			code, _, errOut := cutover(t, append(tc.args, "--db", filepath.Join(t.TempDir(), "c.duckdb"))...)
			assert.Equal(t, exitUsage, code, errOut)
			assert.Contains(t, errOut, tc.want)
		})
	}
}

// The replay on the missing-intermediate scenario rolls back from the
// first step once clients_left_behind fails.
func TestGateReplayRollsBack(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates and ingests two hours of traffic")
	}
	db, _ := simulatedDB(t, "missing-intermediate", 2*time.Hour, 10, true)
	_, policyFile := gateAccount(t, 90, 10, "clients_left_behind")

	code, out, errOut := cutover(t, "gate", "replay", "--db", db, "--policy", policyFile,
		"--from", scenarioStart.Format(time.RFC3339), "--to", scenarioStart.Add(2*time.Hour).Format(time.RFC3339), "--every", "15m")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "rolled back from 10 % to 0 %")
	assert.Contains(t, out, "clients_left_behind")
	assert.Contains(t, out, "It first halted with HALT-FAIL:")
	assert.Regexp(t, `\n  \S+ at 10 % on [a-z_, ]*clients_left_behind`, out, "the summary names the first halt on the failing check")
	assert.NotContains(t, out, "traffic_share", "the replay skips the traffic share check")
}
