package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/decommission"
	"github.com/cutover-dev/cutover/internal/gate/state"
	"github.com/cutover-dev/cutover/internal/loopback"
	"github.com/cutover-dev/cutover/internal/sim"
	"github.com/cutover-dev/cutover/internal/simaws"
)

// decommissionClock is the fixed clock of the decommission tests: the end
// of the simulated hour in the database.
var decommissionClock = time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)

// decommissionAccount is a loopback account at the end of a migration,
// with the policy, gate state and database that cutover decommission
// reads.
type decommissionAccount struct {
	srv       *loopback.Server
	account   simaws.Account
	policy    string
	stateFile string
	snapshots string
	db        string
}

// newDecommissionAccount seeds a loopback account with the migration of
// sim.DefaultConfig at the ALB weight albPercent. The NLB's NewFlowCount is
// 2 new flows every 4 minutes, under the default background level of 5 per
// minute. The gate state's NLB weight reached 0 two hours before
// decommissionClock. The database contains an hour of simulated traffic at
// ALB weight 100, so no client is seen only on the NLB.
func newDecommissionAccount(t *testing.T, albPercent int) *decommissionAccount {
	t.Helper()
	srv := useLoopbackAWS(t, loopback.Options{Now: func() time.Time { return decommissionClock }})
	cfg := sim.DefaultConfig(decommissionClock.Add(-time.Hour))
	account, err := simaws.AddMigrationAccount(srv, &cfg, albPercent)
	require.NoError(t, err)
	dir := t.TempDir()
	a := &decommissionAccount{
		srv:       srv,
		account:   account,
		policy:    filepath.Join(dir, "policy.yaml"),
		stateFile: filepath.Join(dir, "gate-state.json"),
		snapshots: filepath.Join(dir, "snapshots"),
		db:        filepath.Join(dir, "cutover.duckdb"),
	}

	for minutes := 28; minutes > 0; minutes -= 4 {
		a.putFlows(decommissionClock.Add(-time.Duration(minutes)*time.Minute), 1, 1)
	}

	require.NoError(t, os.WriteFile(a.policy, []byte(fmt.Sprintf(`version: 1
name: partner-api
gate:
  records:
    - zone_id: %s
      name: %s
      nlb_set_identifier: %s
      alb_set_identifier: %s
  steps: [10, 50, 100]
  state: %s
decommission:
  load_balancer: %s
  snapshot_dir: %s
  look_back: 50m
`, account.ZoneID, account.RecordName, account.NLBSetIdentifier, account.ALBSetIdentifier, a.stateFile,
		account.NLB.Name, a.snapshots)), 0o644))

	ctx := context.Background()
	store, err := state.Open(ctx, a.stateFile, nil)
	require.NoError(t, err)
	_, err = store.Save(ctx, state.State{Policy: "partner-api", Step: 2, ALBWeight: 100,
		NLBZeroSince: decommissionClock.Add(-2 * time.Hour)}, "")
	require.NoError(t, err)

	simulateInto(t, a.db, "healthy", decommissionClock.Add(-time.Hour), time.Hour, 100)
	return a
}

// putFlows records NewFlowCount samples of the NLB at t, with the
// dimension LoadBalancer=net/NAME/ID from the NLB's ARN.
func (a *decommissionAccount) putFlows(t time.Time, values ...float64) {
	_, dimension, _ := strings.Cut(a.account.NLB.ARN, ":loadbalancer/")
	a.srv.CloudWatch.Put("AWS/NetworkELB", "NewFlowCount",
		[]loopback.Dimension{{Name: "LoadBalancer", Value: dimension}}, "Count", t, values...)
}

// run runs cutover decommission with the account's policy and database at
// decommissionClock.
func (a *decommissionAccount) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return cutoverAt(t, decommissionClock, append([]string{"decommission", "--policy", a.policy, "--db", a.db}, args...)...)
}

// accountState is what the decommission may change in the account.
type accountState struct {
	LoadBalancers []loopback.LoadBalancer
	TargetGroups  []loopback.TargetGroup
	Listeners     []loopback.Listener
	Records       []loopback.RecordSet
	Instances     []loopback.Instance
}

func (a *decommissionAccount) state() accountState {
	return accountState{
		LoadBalancers: a.srv.ELBv2.LoadBalancers(),
		TargetGroups:  a.srv.ELBv2.TargetGroups(),
		Listeners:     a.srv.ELBv2.Listeners(),
		Records:       a.srv.Route53.RecordSets(a.account.ZoneID),
		Instances:     a.srv.EC2.Instances(),
	}
}

// requireUnchanged checks that the account is as before and that no
// snapshot was written.
func (a *decommissionAccount) requireUnchanged(t *testing.T, before accountState) {
	t.Helper()
	assert.Equal(t, before, a.state(), "the account changed")
	entries, err := os.ReadDir(a.snapshots)
	if !os.IsNotExist(err) {
		require.NoError(t, err)
	}
	assert.Empty(t, entries, "snapshot files")
}

// loadGateState returns the saved gate state.
func (a *decommissionAccount) loadGateState(t *testing.T) state.State {
	t.Helper()
	store, err := state.Open(context.Background(), a.stateFile, nil)
	require.NoError(t, err)
	st, _, err := store.Load(context.Background())
	require.NoError(t, err)
	return st
}

// instanceStates returns the state of each terminator that
// DescribeInstances reports, which completes transitions such as
// shutting-down to terminated.
func (a *decommissionAccount) instanceStates(t *testing.T) map[string]string {
	t.Helper()
	client := ec2.New(ec2.Options{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOOPBACKDEMO", "loopback-demo-secret", ""),
		BaseEndpoint: aws.String(a.srv.URL),
	})
	var ids []string
	for _, instance := range a.account.Instances {
		ids = append(ids, instance.ID)
	}
	out, err := client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	states := map[string]string{}
	for _, reservation := range out.Reservations {
		for _, instance := range reservation.Instances {
			states[aws.ToString(instance.InstanceId)] = string(instance.State.Name)
		}
	}
	return states
}

// checkNames are the checks of cutover decommission, in the order it
// runs them.
var checkNames = []string{
	decommission.CheckNLBWeightZero, decommission.CheckNLBFlowMetrics, decommission.CheckNLBNewFlows,
	decommission.CheckNLBOnlyClients, decommission.CheckOtherDNSRecords, decommission.CheckPrivateLink,
	decommission.CheckElasticIPs, decommission.CheckDeletionProtection,
}

func TestDecommissionDryRun(t *testing.T) {
	a := newDecommissionAccount(t, 100)
	before := a.state()

	code, out, errOut := a.run(t)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	for _, name := range checkNames {
		assert.Regexp(t, regexp.MustCompile(`(?m)^`+name+` +PASS `), out, name)
	}
	assert.NotContains(t, out, "FAIL")

	nlb, tg := a.account.NLB, a.account.NLBTargetGroup
	planned := []string{
		`(?m)^delete +load-balancer +` + nlb.Name + ` +` + regexp.QuoteMeta(nlb.ARN) + ` `,
		`(?m)^delete +record +.*` + regexp.QuoteMeta("mtls.api.example.com A (set nlb) in zone "+a.account.ZoneID),
		`(?m)^keep +record +.*` + regexp.QuoteMeta("mtls.api.example.com A (set alb) in zone "+a.account.ZoneID),
		`(?m)^delete +target-group +` + tg.Name + ` +` + regexp.QuoteMeta(tg.ARN) + ` `,
	}
	for _, instance := range a.account.Instances {
		planned = append(planned, `(?m)^terminate +instance +.*`+instance.ID)
	}
	for _, pattern := range planned {
		assert.Regexp(t, regexp.MustCompile(pattern), out)
	}
	assert.NotContains(t, out, a.account.ALB.ARN, "the plan lists nothing of the ALB")
	assert.Contains(t, out, "Dry run: nothing changed; run again with --execute --confirm partner-api-nlb.")

	a.requireUnchanged(t, before)
	assert.Empty(t, a.loadGateState(t).Audit, "a dry run writes no audit entry")
}

func TestDecommissionDryRunJSON(t *testing.T) {
	a := newDecommissionAccount(t, 100)

	code, out, errOut := a.run(t, "--output", "json")
	require.Equal(t, exitOK, code, errOut)
	var result struct {
		Plan   decommission.Plan    `json:"plan"`
		Report *decommission.Report `json:"report"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &result), out)

	assert.Nil(t, result.Report, "a dry run has no report")
	assert.Equal(t, "partner-api-nlb", result.Plan.LoadBalancerName)
	assert.Equal(t, a.account.NLB.ARN, result.Plan.LoadBalancerARN)
	assert.Equal(t, decommissionClock, result.Plan.CreatedAt)
	var names []string
	for _, c := range result.Plan.Checks {
		names = append(names, c.Name)
		assert.True(t, c.Passed, "%s: %s", c.Name, c.Message)
	}
	assert.Equal(t, checkNames, names)

	actions := map[string]decommission.Action{}
	for _, r := range result.Plan.Resources {
		actions[string(r.Kind)+" "+r.ID] = r.Action
	}
	expected := map[string]decommission.Action{
		"load-balancer " + a.account.NLB.ARN:                                  decommission.ActionDelete,
		"target-group " + a.account.NLBTargetGroup.ARN:                        decommission.ActionDelete,
		"record mtls.api.example.com A (set nlb) in zone " + a.account.ZoneID: decommission.ActionDelete,
		"record mtls.api.example.com A (set alb) in zone " + a.account.ZoneID: decommission.ActionKeep,
	}
	for _, instance := range a.account.Instances {
		expected["instance "+instance.ID] = decommission.ActionTerminate
	}
	for key, action := range expected {
		assert.Equal(t, action, actions[key], key)
	}
}

func TestDecommissionConfirmation(t *testing.T) {
	a := newDecommissionAccount(t, 100)
	before := a.state()

	code, _, errOut := a.run(t, "--execute")
	assert.Equal(t, exitUsage, code, errOut)
	assert.Contains(t, errOut, "--execute needs --confirm with the NLB's name")
	a.requireUnchanged(t, before)

	code, out, errOut := a.run(t, "--execute", "--confirm", "partner-api")
	assert.Equal(t, exitRefused, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, errOut, `"partner-api" is not the load balancer's name "partner-api-nlb"`)
	a.requireUnchanged(t, before)

	audit := a.loadGateState(t).Audit
	require.Len(t, audit, 1)
	assert.Equal(t, state.EntryDecommission, audit[0].Kind)
	assert.False(t, audit[0].Executed)
	assert.Equal(t, state.OutcomeRefused, audit[0].Outcome)
	assert.Equal(t, exitRefused, audit[0].ExitCode)
}

func TestDecommissionExecute(t *testing.T) {
	a := newDecommissionAccount(t, 100)
	before := a.state()

	code, out, errOut := a.run(t, "--execute", "--confirm", "partner-api-nlb")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)

	after := a.state()
	assert.Equal(t, []loopback.LoadBalancer{a.account.ALB}, after.LoadBalancers, "only the ALB is left")
	assert.Equal(t, []loopback.TargetGroup{a.account.ALBTargetGroup}, after.TargetGroups, "only the ALB's target group is left")
	assert.Empty(t, after.Listeners, "the NLB's listener is gone with it")
	var weighted []loopback.RecordSet
	for _, rs := range after.Records {
		if rs.SetIdentifier != "" {
			weighted = append(weighted, rs)
		}
	}
	var albRecord loopback.RecordSet
	for _, rs := range before.Records {
		if rs.SetIdentifier == "alb" {
			albRecord = rs
		}
	}
	assert.Equal(t, []loopback.RecordSet{albRecord}, weighted, "only the ALB's record is left, unchanged")
	for id, st := range a.instanceStates(t) {
		assert.Equal(t, "terminated", st, id)
	}

	snapshot, err := decommission.LatestSnapshot(a.snapshots, "partner-api-nlb")
	require.NoError(t, err)
	assert.Equal(t, a.account.NLB.ARN, aws.ToString(snapshot.LoadBalancer.LoadBalancerArn))
	assert.Len(t, snapshot.TargetGroups, 1)
	assert.Contains(t, out, "\nSnapshot: "+a.snapshots+string(filepath.Separator))

	audit := a.loadGateState(t).Audit
	require.Len(t, audit, 1)
	entry := audit[0]
	assert.Equal(t, state.EntryDecommission, entry.Kind)
	assert.True(t, entry.Executed)
	assert.Equal(t, state.OutcomeApplied, entry.Outcome)
	assert.Equal(t, exitOK, entry.ExitCode)
	assert.Equal(t, decommissionClock, entry.Time)
	assert.Contains(t, entry.Message, "Decommission of partner-api-nlb.")
	assert.Contains(t, entry.Message, "delete load balancer "+a.account.NLB.ARN+": done")
	assert.Contains(t, entry.Message, "terminate instance")

	// The report reads the run from the database's mirror of the trail.
	code, out, errOut = cutover(t, "query", "--db", a.db, "-o", "csv", "SELECT kind, outcome, exit_code, alb_share_before, alb_share_after FROM gate_decisions")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, "kind,outcome,exit_code,alb_share_before,alb_share_after\ndecommission,applied,0,100,100\n", out)
}

func TestDecommissionFailedCheckRefuses(t *testing.T) {
	cases := []struct {
		name       string
		albPercent int
		setup      func(a *decommissionAccount)
		failed     string
		message    string
	}{
		{
			name:       "new flows above background",
			albPercent: 100,
			setup:      func(a *decommissionAccount) { a.putFlows(decommissionClock.Add(-5*time.Minute), 20, 22) },
			failed:     decommission.CheckNLBNewFlows,
			message:    "up to 42 new flows per minute",
		},
		{
			name:       "NLB weight not zero",
			albPercent: 90,
			failed:     decommission.CheckNLBWeightZero,
			message:    "weight 10",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newDecommissionAccount(t, tc.albPercent)
			if tc.setup != nil {
				tc.setup(a)
			}
			before := a.state()

			code, out, errOut := a.run(t, "--output", "json")
			require.Equal(t, exitRefused, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			var result struct {
				Plan decommission.Plan `json:"plan"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &result), out)
			var failed []string
			for _, c := range decommission.Failed(result.Plan.Checks) {
				failed = append(failed, c.Name)
				assert.Contains(t, c.Message, tc.message)
			}
			assert.Equal(t, []string{tc.failed}, failed)

			code, out, errOut = a.run(t, "--execute", "--confirm", "partner-api-nlb")
			assert.Equal(t, exitRefused, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.Regexp(t, regexp.MustCompile(`(?m)^`+tc.failed+` +FAIL `), out)
			a.requireUnchanged(t, before)
			audit := a.loadGateState(t).Audit
			require.Len(t, audit, 1)
			assert.Equal(t, state.OutcomeRefused, audit[0].Outcome)
			assert.False(t, audit[0].Executed)
		})
	}
}

func TestDecommissionRejectsOtherPolicyState(t *testing.T) {
	a := newDecommissionAccount(t, 100)
	ctx := context.Background()
	store, err := state.Open(ctx, a.stateFile, nil)
	require.NoError(t, err)
	_, version, err := store.Load(ctx)
	require.NoError(t, err)
	_, err = store.Save(ctx, state.State{Policy: "billing-api", ALBWeight: 100,
		NLBZeroSince: decommissionClock.Add(-2 * time.Hour)}, version)
	require.NoError(t, err)
	before := a.state()

	code, out, errOut := a.run(t, "--execute", "--confirm", "partner-api-nlb")
	assert.Equal(t, exitRefused, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, errOut, `belongs to policy "billing-api", not "partner-api"`)
	a.requireUnchanged(t, before)
}

func TestDecommissionConfirmWithoutExecute(t *testing.T) {
	a := newDecommissionAccount(t, 100)
	code, _, errOut := a.run(t, "--confirm", "partner-api-nlb")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--confirm goes with --execute")
}

// A database that does not reach back to the look-back's start cannot show
// that no client depends on the NLB only, so the check fails.
func TestDecommissionShortDatabaseRefuses(t *testing.T) {
	a := newDecommissionAccount(t, 100)
	text, err := os.ReadFile(a.policy)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(a.policy, []byte(strings.Replace(string(text), "look_back: 50m", "look_back: 7d", 1)), 0o644))
	before := a.state()

	code, out, errOut := a.run(t, "--execute", "--confirm", "partner-api-nlb")
	assert.Equal(t, exitRefused, code, errOut)
	assert.Contains(t, out, "after the look-back's start")
	a.requireUnchanged(t, before)
}

// After a failure once the NLB is gone, a rerun resumes from the snapshot
// and must keep its plan: --stop-only cannot change it. CSV output then
// lists the steps.
func TestDecommissionResumeKeepsPlan(t *testing.T) {
	a := newDecommissionAccount(t, 100)
	require.NoError(t, a.srv.ELBv2.Faults.Inject(loopback.Fault{Kind: loopback.FaultThrottle, Action: "DeleteTargetGroup", Count: 10}))
	code, out, errOut := a.run(t, "--execute", "--confirm", "partner-api-nlb")
	require.Equal(t, exitError, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "failed")
	a.srv.ELBv2.Faults.Clear()

	code, _, errOut = a.run(t, "--execute", "--confirm", "partner-api-nlb", "--stop-only")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "finish it without --stop-only")

	code, out, errOut = a.run(t, "--execute", "--confirm", "partner-api-nlb", "--output", "csv")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.True(t, strings.HasPrefix(out, "step,resource,status,message\n"), out)
	assert.Contains(t, out, "already done")
	for id, st := range a.instanceStates(t) {
		assert.Equal(t, "terminated", st, id)
	}
}
