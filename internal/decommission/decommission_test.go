package decommission

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/loopback"
)

func TestChecksPassOnIdleNLB(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	plan := a.prepare(t, false)

	require.Len(t, plan.Checks, 8)
	for _, c := range plan.Checks {
		assert.True(t, c.Passed, "%s: %s", c.Name, c.Message)
	}
	weight, _ := checkByName(plan.Checks, CheckNLBWeightZero)
	assert.Contains(t, weight.Message, "TTL of 1m plus the drain time of 30m")
	flows, _ := checkByName(plan.Checks, CheckNLBNewFlows)
	assert.Contains(t, flows.Message, "at most 2 new flows per minute")
}

// TestFailedCheckRejects makes one check fail per case and runs Execute,
// which must reject the plan and change nothing.
func TestFailedCheckRejects(t *testing.T) {
	cases := []struct {
		name    string
		options accountOptions
		setup   func(t *testing.T, a *testAccount)
		failed  []string
		message string
	}{
		{
			name: "NLB still weighted",
			setup: func(t *testing.T, a *testAccount) {
				require.NoError(t, a.srv.Route53.PutRecordSets(a.zoneID,
					weightedAlias("nlb", nlbZoneID, a.nlb.DNSName, 10),
					weightedAlias("alb", albZoneID, "dualstack."+a.alb.DNSName, 90)))
			},
			failed:  []string{CheckNLBWeightZero},
			message: "weight 10",
		},
		{
			name: "ALB also at weight 0",
			setup: func(t *testing.T, a *testAccount) {
				require.NoError(t, a.srv.Route53.PutRecordSets(a.zoneID, weightedAlias("alb", albZoneID, "dualstack."+a.alb.DNSName, 0)))
			},
			failed:  []string{CheckNLBWeightZero},
			message: "Route 53 answers with all of them, so the NLB still gets traffic",
		},
		{
			name:    "weight zero too recently",
			setup:   func(t *testing.T, a *testAccount) { a.input.NLBZeroSince = testNow.Add(-10 * time.Minute) },
			failed:  []string{CheckNLBWeightZero},
			message: "run the command again in 21m1s",
		},
		{
			name:    "no NLBZeroSince",
			setup:   func(t *testing.T, a *testAccount) { a.input.NLBZeroSince = time.Time{} },
			failed:  []string{CheckNLBWeightZero},
			message: "nlb_zero_since",
		},
		{
			name:    "no flow metric",
			options: accountOptions{noFlowMetric: true},
			failed:  []string{CheckNLBFlowMetrics, CheckNLBNewFlows},
			message: "no metric NewFlowCount in AWS/NetworkELB for LoadBalancer=net/partner-nlb/",
		},
		{
			name:    "new flows above background",
			setup:   func(t *testing.T, a *testAccount) { a.putFlows(testNow.Add(-5*time.Minute), 20, 22) },
			failed:  []string{CheckNLBNewFlows},
			message: "up to 42 new flows per minute in the last 30m (the minute from 2026-12-03T11:55:00Z)",
		},
		{
			name: "NLB-only clients",
			setup: func(t *testing.T, a *testAccount) {
				for i := range 12 {
					a.input.NLBOnlyClients = append(a.input.NLBOnlyClients, fmt.Sprintf("CN=partner-%02d", i))
				}
			},
			failed:  []string{CheckNLBOnlyClients},
			message: "CN=partner-09 and 2 more",
		},
		{
			name: "client data problem",
			setup: func(t *testing.T, a *testAccount) {
				a.input.ClientDataProblem = "The client database starts 2 days ago, so it does not cover the look-back of 7 days."
			},
			failed:  []string{CheckNLBOnlyClients},
			message: "The client database starts 2 days ago, so it does not cover the look-back of 7 days.",
		},
		{
			name: "other records point at the NLB",
			setup: func(t *testing.T, a *testAccount) {
				require.NoError(t, a.srv.Route53.PutRecordSets(a.zoneID,
					loopback.RecordSet{Name: "legacy.example.com.", Type: "CNAME", TTL: aws.Int64(300), ResourceRecords: []string{a.nlb.DNSName}},
					loopback.RecordSet{Name: "old.example.com.", Type: "A", AliasTarget: &loopback.AliasTarget{
						HostedZoneID: nlbZoneID, DNSName: "DualStack." + a.nlb.DNSName + "."}},
				))
			},
			failed:  []string{CheckOtherDNSRecords},
			message: "2 other record(s)",
		},
		{
			name: "PrivateLink service",
			setup: func(t *testing.T, a *testAccount) {
				_, err := a.srv.EC2.AddEndpointService(loopback.EndpointService{ID: "vpce-svc-0000000000000000a", NetworkLoadBalancerARNs: []string{a.nlb.ARN}})
				require.NoError(t, err)
			},
			failed:  []string{CheckPrivateLink},
			message: "vpce-svc-0000000000000000a",
		},
		{
			name:    "Elastic IPs",
			options: accountOptions{elasticIPs: true},
			failed:  []string{CheckElasticIPs},
			message: "203.0.113.10 (eipalloc-0000000000000000a), 203.0.113.20 (eipalloc-0000000000000000b)",
		},
		{
			name: "deletion protection",
			setup: func(t *testing.T, a *testAccount) {
				require.NoError(t, a.srv.ELBv2.SetLoadBalancerAttributes(a.nlb.ARN, map[string]string{"deletion_protection.enabled": "true"}))
			},
			failed:  []string{CheckDeletionProtection},
			message: "Key=deletion_protection.enabled,Value=false",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAccount(t, tc.options)
			if tc.setup != nil {
				tc.setup(t, a)
			}
			recordsBefore := a.srv.Route53.RecordSets(a.zoneID)
			plan := a.prepare(t, false)

			var failed []string
			for _, c := range Failed(plan.Checks) {
				failed = append(failed, c.Name)
			}
			assert.Equal(t, tc.failed, failed)
			check, _ := checkByName(plan.Checks, tc.failed[0])
			assert.Contains(t, check.Message, tc.message)

			report, err := a.execute(t, plan)
			require.ErrorIs(t, err, ErrRejected)
			for _, r := range report.Results {
				assert.Equal(t, StatusNotAttempted, r.Status, r.Step)
			}
			assert.Equal(t, recordsBefore, a.srv.Route53.RecordSets(a.zoneID))
			assert.Contains(t, a.loadBalancerNames(), testNLBName)
			assert.Len(t, a.targetGroupNames(), 4)
			assert.Equal(t, "running", a.instanceState(t, onlyInstance))
			entries, err := os.ReadDir(a.snapDir)
			require.NoError(t, err)
			assert.Empty(t, entries)
		})
	}
}

func TestExecuteRejectsWrongConfirmation(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	plan := a.prepare(t, false)

	_, err := Execute(context.Background(), a.clients, plan, ExecuteOptions{Confirm: "partner-alb", SnapshotDir: a.snapDir})
	require.ErrorIs(t, err, ErrRejected)
	assert.ErrorContains(t, err, `"partner-alb" is not the load balancer's name "partner-nlb"`)
	assert.ElementsMatch(t, []string{"nlb", "alb"}, a.recordIDs())
	assert.Contains(t, a.loadBalancerNames(), testNLBName)
}

func TestReadInventoryRejectsALB(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	_, err := ReadInventory(context.Background(), a.clients, "partner-alb")
	assert.ErrorContains(t, err, "of type application, not network")

	_, err = ReadInventory(context.Background(), a.clients, "missing-nlb")
	assert.ErrorIs(t, err, ErrLoadBalancerNotFound)
}

func TestPlanLeavesSharedInstancesAlone(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	plan := a.prepare(t, false)

	byID := map[string]Resource{}
	for _, r := range plan.Resources {
		byID[r.ID] = r
	}
	expected := map[string]struct {
		action Action
		reason string
	}{
		onlyInstance:      {ActionTerminate, "registered only in the NLB's target groups"},
		extraInstance:     {ActionTerminate, "registered only in the NLB's target groups"},
		sharedInstance:    {ActionKeep, "also registered in target group alb-web of load balancer " + a.alb.ARN},
		asgInstance:       {ActionKeep, "belongs to Auto Scaling group edge-asg"},
		protectedInstance: {ActionKeep, "has termination protection"},
		"10.0.2.10:8443":  {ActionKeep, "a target of type ip in target group nlb-ip"},
		"10.0.2.11:8443":  {ActionKeep, "a target of type ip in target group nlb-ip"},
		a.nlb.ARN:         {ActionDelete, "the NLB of the migration"},
	}
	for id, want := range expected {
		r, ok := byID[id]
		if assert.True(t, ok, "no resource %s in the plan", id) {
			assert.Equal(t, want.action, r.Action, id)
			assert.Contains(t, r.Reason, want.reason, id)
		}
	}

	var groups, records []string
	for _, r := range plan.Resources {
		switch {
		case r.Kind == KindTargetGroup && r.Action == ActionDelete:
			groups = append(groups, r.Name)
		case r.Kind == KindRecord:
			records = append(records, fmt.Sprintf("%s %s", r.Action, r.ID))
		}
	}
	assert.Equal(t, []string{"nlb-tls", "nlb-extra", "nlb-ip"}, groups)
	assert.Equal(t, []string{
		"delete mtls.example.com A (set nlb) in zone " + a.zoneID,
		"keep mtls.example.com A (set alb) in zone " + a.zoneID,
	}, records)
}

func TestPlanStopOnlyKeepsStopProtected(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	_, err := a.srv.EC2.AddInstance(loopback.Instance{ID: "i-0000000000000000f", DisableAPIStop: true})
	require.NoError(t, err)
	require.NoError(t, a.srv.ELBv2.RegisterTargets(a.srv.ELBv2.TargetGroups()[1].ARN, loopback.Target{ID: "i-0000000000000000f"}))
	plan := a.prepare(t, true)

	actions := map[string]Action{}
	for _, r := range plan.Resources {
		if r.Kind == KindInstance {
			actions[r.ID] = r.Action
		}
	}
	assert.Equal(t, ActionStop, actions[onlyInstance])
	assert.Equal(t, ActionStop, actions[protectedInstance], "termination protection does not prevent a stop")
	assert.Equal(t, ActionKeep, actions["i-0000000000000000f"])
}

func TestExecuteRemovesNLB(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	plan := a.prepare(t, false)

	report, err := a.execute(t, plan)
	require.NoError(t, err)
	for _, r := range report.Results {
		assert.Equal(t, StatusDone, r.Status, "%s %s: %s", r.Step, r.Resource, r.Message)
	}

	assert.Equal(t, []string{"partner-alb"}, a.loadBalancerNames())
	assert.Equal(t, []string{"alb-web"}, a.targetGroupNames())
	assert.Empty(t, a.srv.ELBv2.Listeners())
	assert.Equal(t, []string{"alb"}, a.recordIDs())
	assert.Equal(t, "terminated", a.instanceState(t, onlyInstance))
	assert.Equal(t, "terminated", a.instanceState(t, extraInstance))
	for _, id := range []string{sharedInstance, asgInstance, protectedInstance} {
		assert.Equal(t, "running", a.instanceState(t, id), id)
	}

	snapshot, err := LatestSnapshot(a.snapDir, testNLBName)
	require.NoError(t, err)
	assert.Equal(t, report.SnapshotFile, snapshot.Plan.resumedFrom)
	assert.Equal(t, a.nlb.ARN, aws.ToString(snapshot.LoadBalancer.LoadBalancerArn))
	assert.Len(t, snapshot.Listeners, 1)
	assert.Len(t, snapshot.TargetGroups, 3)
	assert.Equal(t, "old", snapshot.TargetGroups[0].Tags["path"])
	assert.Equal(t, "300", snapshot.TargetGroups[0].Attributes["deregistration_delay.timeout_seconds"])
	assert.Len(t, snapshot.TargetGroups[0].Targets, 4)
	assert.Equal(t, "edge", snapshot.Tags["team"])
	assert.Equal(t, "false", snapshot.Attributes["deletion_protection.enabled"])
}

func TestExecuteFinishesAfterThrottledDelete(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	// The standard retryer makes 3 attempts, so 3 throttles spend them.
	require.NoError(t, a.srv.ELBv2.Faults.Inject(loopback.Fault{Kind: loopback.FaultThrottle, Action: "DeleteLoadBalancer", Count: 3}))

	report, err := a.execute(t, a.prepare(t, false))
	require.Error(t, err)
	statuses := map[string]Status{}
	for _, r := range report.Results {
		if _, seen := statuses[r.Step]; !seen || r.Status != StatusNotAttempted {
			statuses[r.Step] = r.Status
		}
	}
	assert.Equal(t, map[string]Status{
		StepSnapshot:           StatusDone,
		StepDeleteRecords:      StatusDone,
		StepDeleteLoadBalancer: StatusFailed,
		StepDeleteTargetGroup:  StatusNotAttempted,
		StepTerminateInstance:  StatusNotAttempted,
	}, statuses)
	assert.Equal(t, []string{"alb"}, a.recordIDs())
	assert.Contains(t, a.loadBalancerNames(), testNLBName)
	assert.Equal(t, "running", a.instanceState(t, onlyInstance))

	a.srv.ELBv2.Faults.Clear()
	plan := a.prepare(t, false)
	report, err = a.execute(t, plan)
	require.NoError(t, err)
	require.Len(t, report.Results, 8)
	assert.Equal(t, StatusAlreadyDone, report.Results[1].Status, report.Results[1].Message)
	for _, r := range report.Results[2:] {
		assert.Equal(t, StatusDone, r.Status, "%s %s: %s", r.Step, r.Resource, r.Message)
	}
	assert.Equal(t, []string{"partner-alb"}, a.loadBalancerNames())
	assert.Equal(t, []string{"alb-web"}, a.targetGroupNames())
	assert.Equal(t, "terminated", a.instanceState(t, onlyInstance))
}

func TestExecuteResumesFromSnapshot(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	require.NoError(t, a.srv.ELBv2.Faults.Inject(loopback.Fault{Kind: loopback.FaultThrottle, Action: "DeleteTargetGroup", Count: 3}))
	_, err := a.execute(t, a.prepare(t, false))
	require.Error(t, err)
	require.NotContains(t, a.loadBalancerNames(), testNLBName)

	a.srv.ELBv2.Faults.Clear()
	_, err = ReadInventory(context.Background(), a.clients, testNLBName)
	require.True(t, errors.Is(err, ErrLoadBalancerNotFound), "error %v", err)
	snapshot, err := LatestSnapshot(a.snapDir, testNLBName)
	require.NoError(t, err)

	report, err := a.execute(t, snapshot.Plan)
	require.NoError(t, err)
	var statuses []Status
	for _, r := range report.Results {
		statuses = append(statuses, r.Status)
	}
	assert.Equal(t, []Status{
		StatusAlreadyDone, StatusAlreadyDone, StatusAlreadyDone, // snapshot, records, load balancer
		StatusDone, StatusDone, StatusDone, // target groups
		StatusDone, StatusDone, // instances
	}, statuses)
	assert.Equal(t, []string{"alb-web"}, a.targetGroupNames())
	assert.Equal(t, "terminated", a.instanceState(t, extraInstance))
	assert.Equal(t, "running", a.instanceState(t, sharedInstance))
}

func TestExecuteRejectsChangedRecord(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	plan := a.prepare(t, false)
	// Someone rolls back between the plan and the deletion.
	require.NoError(t, a.srv.Route53.PutRecordSets(a.zoneID,
		weightedAlias("nlb", nlbZoneID, a.nlb.DNSName, 100),
		weightedAlias("alb", albZoneID, "dualstack."+a.alb.DNSName, 0)))

	report, err := a.execute(t, plan)
	require.Error(t, err)
	assert.Equal(t, StatusFailed, report.Results[1].Status)
	assert.Contains(t, report.Results[1].Message, "its weight is 100")
	assert.ElementsMatch(t, []string{"nlb", "alb"}, a.recordIDs())
	assert.Contains(t, a.loadBalancerNames(), testNLBName)
}
