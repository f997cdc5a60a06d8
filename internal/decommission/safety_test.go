package decommission

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/loopback"
)

// addALBIPGroup adds an empty target group "alb-ip" of target type ip to
// the ALB and returns its ARN.
func (a *testAccount) addALBIPGroup(t *testing.T) string {
	t.Helper()
	tg, err := a.srv.ELBv2.AddTargetGroup(loopback.TargetGroup{Name: "alb-ip", Protocol: "HTTPS", Port: 443, VPCID: "vpc-0abc",
		TargetType: "ip", LoadBalancerARNs: []string{a.alb.ARN}})
	require.NoError(t, err)
	return tg.ARN
}

// recordWeights returns the weight of each record named recordName by set
// identifier.
func (a *testAccount) recordWeights() map[string]int64 {
	weights := map[string]int64{}
	for _, rs := range a.srv.Route53.RecordSets(a.zoneID) {
		if rs.Name == recordName {
			weights[rs.SetIdentifier] = aws.ToInt64(rs.Weight)
		}
	}
	return weights
}

// resultIndex returns the index of the result of the step on the
// resource, or -1.
func resultIndex(report *Report, step, resource string) int {
	for i, r := range report.Results {
		if r.Step == step && r.Resource == resource {
			return i
		}
	}
	return -1
}

func resourceByID(plan *Plan, id string) (Resource, bool) {
	for _, r := range plan.Resources {
		if r.ID == id {
			return r, true
		}
	}
	return Resource{}, false
}

func TestInventoryRecordsPrivateIP(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	inv, err := ReadInventory(t.Context(), a.clients, testNLBName)
	require.NoError(t, err)

	assert.Equal(t, onlyInstanceIP, inv.Instances[onlyInstance].PrivateIPAddress)
	assert.Equal(t, "10.0.1.14", inv.Instances[extraInstance].PrivateIPAddress)
}

func TestPlanKeepsInstanceReachedByIP(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	groupARN := a.addALBIPGroup(t)
	require.NoError(t, a.srv.ELBv2.RegisterTargets(groupARN, loopback.Target{ID: onlyInstanceIP, Port: 8080}))
	plan := a.prepare(t, false)

	r, ok := resourceByID(plan, onlyInstance)
	require.True(t, ok, "no resource %s in the plan", onlyInstance)
	assert.Equal(t, ActionKeep, r.Action)
	assert.Contains(t, r.Reason, "target group alb-ip")
	assert.Contains(t, r.Reason, "private IP "+onlyInstanceIP)

	extra, ok := resourceByID(plan, extraInstance)
	require.True(t, ok, "no resource %s in the plan", extraInstance)
	assert.Equal(t, ActionTerminate, extra.Action, "an IP target of another instance does not keep this one")
}

// An NLB group that another load balancer also uses stays, so an instance
// that it reaches by IP stays too.
func TestPlanKeepsInstanceInKeptGroupByIP(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	for _, tg := range a.srv.ELBv2.TargetGroups() {
		if tg.Name == "nlb-ip" {
			require.NoError(t, a.srv.ELBv2.RegisterTargets(tg.ARN, loopback.Target{ID: "10.0.1.14"}))
		}
	}
	inv, err := ReadInventory(t.Context(), a.clients, testNLBName)
	require.NoError(t, err)
	// The loopback server has no call that adds a load balancer to an
	// existing group, so the test adds the ALB in the inventory.
	for i := range inv.TargetGroups {
		if inv.TargetGroups[i].Name() == "nlb-ip" {
			inv.TargetGroups[i].TargetGroup.LoadBalancerArns = append(inv.TargetGroups[i].TargetGroup.LoadBalancerArns, a.alb.ARN)
		}
	}
	plan := BuildPlan(inv, nil, nil, PlanOptions{Now: testNow})

	r, ok := resourceByID(plan, extraInstance)
	require.True(t, ok, "no resource %s in the plan", extraInstance)
	assert.Equal(t, ActionKeep, r.Action)
	assert.Contains(t, r.Reason, "registered in target group nlb-ip by its private IP 10.0.1.14")
}

func TestPlanKeepsInstanceReachedBySecondaryIP(t *testing.T) {
	const nlbARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/partner-nlb/0123456789abcdef"
	inv := &Inventory{
		LoadBalancer: elbtypes.LoadBalancer{LoadBalancerArn: aws.String(nlbARN), LoadBalancerName: aws.String(testNLBName)},
		TargetGroups: []TargetGroup{{
			TargetGroup: elbtypes.TargetGroup{TargetGroupName: aws.String("nlb-tls"), TargetGroupArn: aws.String("arn:tg/nlb-tls"),
				TargetType: elbtypes.TargetTypeEnumInstance, LoadBalancerArns: []string{nlbARN}},
			Targets: []elbtypes.TargetHealthDescription{{Target: &elbtypes.TargetDescription{Id: aws.String(onlyInstance)}}},
		}},
		OtherTargetGroups: []TargetGroup{{
			TargetGroup: elbtypes.TargetGroup{TargetGroupName: aws.String("alb-ip"), TargetGroupArn: aws.String("arn:tg/alb-ip"),
				TargetType: elbtypes.TargetTypeEnumIp},
			Targets: []elbtypes.TargetHealthDescription{{Target: &elbtypes.TargetDescription{Id: aws.String("10.0.1.50"), Port: aws.Int32(8080)}}},
		}},
		Instances: map[string]Instance{onlyInstance: {
			ID: onlyInstance, Found: true, State: ec2types.InstanceStateNameRunning,
			PrivateIPAddress: onlyInstanceIP, SecondaryIPAddresses: []string{"10.0.1.50"},
		}},
	}
	plan := BuildPlan(inv, nil, nil, PlanOptions{Now: testNow})

	r, ok := resourceByID(plan, onlyInstance)
	require.True(t, ok, "no resource %s in the plan", onlyInstance)
	assert.Equal(t, ActionKeep, r.Action)
	assert.Contains(t, r.Reason, "target group alb-ip, by its private IP 10.0.1.50")
}

// TestExecuteRechecksTargets registers a planned instance in another
// target group after the plan, which the check right before the
// termination must find.
func TestExecuteRechecksTargets(t *testing.T) {
	cases := []struct {
		name     string
		register func(t *testing.T, a *testAccount, ipGroupARN string)
		message  string
	}{
		{
			name: "by instance ID",
			register: func(t *testing.T, a *testAccount, _ string) {
				for _, tg := range a.srv.ELBv2.TargetGroups() {
					if tg.Name == "alb-web" {
						require.NoError(t, a.srv.ELBv2.RegisterTargets(tg.ARN, loopback.Target{ID: onlyInstance}))
					}
				}
			},
			message: "registered in target group alb-web",
		},
		{
			name: "by private IP",
			register: func(t *testing.T, a *testAccount, ipGroupARN string) {
				require.NoError(t, a.srv.ELBv2.RegisterTargets(ipGroupARN, loopback.Target{ID: onlyInstanceIP, Port: 8080}))
			},
			message: "registered in target group alb-ip by its private IP " + onlyInstanceIP,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAccount(t, accountOptions{})
			ipGroupARN := a.addALBIPGroup(t)
			plan := a.prepare(t, false)
			r, _ := resourceByID(plan, onlyInstance)
			require.Equal(t, ActionTerminate, r.Action, r.Reason)
			tc.register(t, a, ipGroupARN)

			report, err := a.execute(t, plan)
			require.Error(t, err)
			i := resultIndex(report, StepTerminateInstance, onlyInstance)
			require.GreaterOrEqual(t, i, 0, "no step terminates %s", onlyInstance)
			assert.Equal(t, StatusFailed, report.Results[i].Status)
			assert.Contains(t, report.Results[i].Message, tc.message)
			for _, later := range report.Results[i+1:] {
				assert.Equal(t, StatusNotAttempted, later.Status, "%s %s", later.Step, later.Resource)
			}
			assert.Equal(t, 0, a.srv.EC2.Calls("TerminateInstances"))
			assert.Equal(t, "running", a.instanceState(t, onlyInstance))
			assert.Equal(t, "running", a.instanceState(t, extraInstance))
		})
	}
}

func TestExecuteStopOnly(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	plan := a.prepare(t, true)

	report, err := a.execute(t, plan)
	require.NoError(t, err)
	var stopped []string
	for _, r := range report.Results {
		assert.Equal(t, StatusDone, r.Status, "%s %s: %s", r.Step, r.Resource, r.Message)
		assert.NotEqual(t, StepTerminateInstance, r.Step, r.Resource)
		if r.Step == StepStopInstance {
			stopped = append(stopped, r.Resource)
		}
	}

	assert.Equal(t, []string{onlyInstance, protectedInstance, extraInstance}, stopped)
	for _, id := range stopped {
		assert.Equal(t, "stopped", a.instanceState(t, id), id)
	}
	assert.Equal(t, 3, a.srv.EC2.Calls("StopInstances"))
	assert.Equal(t, 0, a.srv.EC2.Calls("TerminateInstances"))
	assert.Equal(t, "running", a.instanceState(t, sharedInstance))
}

// A reply lost after Route 53 applied the batch makes the SDK retry a
// batch whose DELETEs no longer match, and the re-read must find the
// records gone.
func TestExecuteRecoversLostRecordsReply(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	plan := a.prepare(t, false)
	require.NoError(t, a.srv.Route53.Faults.Inject(loopback.Fault{Kind: loopback.FaultDropAfter, Action: "ChangeResourceRecordSets", Count: 1}))

	report, err := a.execute(t, plan)
	require.NoError(t, err)
	i := resultIndex(report, StepDeleteRecords, "zone "+a.zoneID)
	require.GreaterOrEqual(t, i, 0, "no records step")
	assert.Equal(t, StatusDone, report.Results[i].Status)
	assert.Contains(t, report.Results[i].Message, "the reply was lost")
	assert.Equal(t, 2, a.srv.Route53.Calls("ChangeResourceRecordSets"))
	assert.Equal(t, []string{"alb"}, a.recordIDs())
	for _, r := range report.Results[i+1:] {
		assert.Equal(t, StatusDone, r.Status, "%s %s: %s", r.Step, r.Resource, r.Message)
	}
	assert.Equal(t, []string{"partner-alb"}, a.loadBalancerNames())
	assert.Equal(t, "terminated", a.instanceState(t, onlyInstance))
}

// Another writer changes the NLB record inside the ChangeResourceRecordSets
// call, after the step's own re-read, so only Route 53 can reject the
// batch.
func TestExecuteRejectsRecordChangedInBatch(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	plan := a.prepare(t, false)
	changed := false
	a.srv.Route53.SetBeforeChange(func(zone string) {
		if changed {
			return
		}
		changed = true
		assert.NoError(t, a.srv.Route53.PutRecordSets(zone, weightedAlias("nlb", nlbZoneID, a.nlb.DNSName, 5)))
	})

	report, err := a.execute(t, plan)
	require.Error(t, err)
	i := resultIndex(report, StepDeleteRecords, "zone "+a.zoneID)
	require.GreaterOrEqual(t, i, 0, "no records step")
	assert.Equal(t, StatusFailed, report.Results[i].Status)
	assert.Contains(t, report.Results[i].Message, "InvalidChangeBatch")
	for _, later := range report.Results[i+1:] {
		assert.Equal(t, StatusNotAttempted, later.Status, "%s %s", later.Step, later.Resource)
	}
	assert.Equal(t, map[string]int64{"nlb": 5, "alb": 100}, a.recordWeights())
	assert.Contains(t, a.loadBalancerNames(), testNLBName)
	assert.Equal(t, "running", a.instanceState(t, onlyInstance))
}

func TestCheckWeightZeroNeedsALBWeight(t *testing.T) {
	a := newTestAccount(t, accountOptions{})
	records, err := ReadRecords(t.Context(), a.clients.Route53, a.sets)
	require.NoError(t, err)
	records[0].ALB.Weight = aws.Int64(0)
	input := a.input
	input.Records = records

	check := checkWeightZero(input)
	assert.False(t, check.Passed, check.Message)
	assert.Contains(t, check.Message, "the ALB record has weight 0 too in mtls.example.com A in zone "+a.zoneID)

	// Once the NLB record is gone, the ALB record is the only one and
	// gets every query whatever its weight.
	records[0].NLB = nil
	check = checkWeightZero(input)
	assert.True(t, check.Passed, check.Message)
}
