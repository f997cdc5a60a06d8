package decommission

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/gate"
	"github.com/cutover-dev/cutover/internal/loopback"
	"github.com/cutover-dev/cutover/internal/policy"
)

// The instances of the test account.
const (
	onlyInstance      = "i-0000000000000000a" // in nlb-tls only: terminated
	sharedInstance    = "i-0000000000000000b" // in nlb-tls and the ALB's alb-web
	asgInstance       = "i-0000000000000000c" // in an Auto Scaling group
	protectedInstance = "i-0000000000000000d" // with termination protection
	extraInstance     = "i-0000000000000000e" // in nlb-extra only: terminated

	// onlyInstanceIP is the private IPv4 address of onlyInstance.
	onlyInstanceIP = "10.0.1.10"
)

const (
	recordName  = "mtls.example.com."
	nlbZoneID   = "Z26RNL4JYFTOTI"
	albZoneID   = "Z32O12XQLNTSW2"
	testNLBName = "partner-nlb"
)

// testNow is the fixed clock of every test.
var testNow = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// accountOptions vary the seeded account.
type accountOptions struct {
	// elasticIPs gives the NLB an Elastic IP in each subnet mapping.
	elasticIPs bool
	// noFlowMetric leaves out the NLB's NewFlowCount metric.
	noFlowMetric bool
}

// testAccount is a loopback server seeded with an NLB and an ALB, their
// target groups and instances, a hosted zone with the weighted pair at NLB
// 0 and ALB 100, and the NLB's NewFlowCount metric. It also contains the
// check inputs that the command would pass.
type testAccount struct {
	srv     *loopback.Server
	clients Clients
	nlb     loopback.LoadBalancer
	alb     loopback.LoadBalancer
	zoneID  string
	sets    []gate.RecordSet
	input   CheckInput
	snapDir string
}

func newTestAccount(t *testing.T, opts accountOptions) *testAccount {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	srv, err := loopback.Start(loopback.Options{Now: func() time.Time { return testNow }})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	a := &testAccount{srv: srv, clients: newClients(srv), snapDir: t.TempDir()}

	zones := []loopback.AvailabilityZone{
		{ZoneName: "eu-west-1a", SubnetID: "subnet-0aaa"},
		{ZoneName: "eu-west-1b", SubnetID: "subnet-0bbb"},
	}
	if opts.elasticIPs {
		zones[0].Addresses = []loopback.LoadBalancerAddress{{IPAddress: "203.0.113.10", AllocationID: "eipalloc-0000000000000000a"}}
		zones[1].Addresses = []loopback.LoadBalancerAddress{{IPAddress: "203.0.113.20", AllocationID: "eipalloc-0000000000000000b"}}
		for _, z := range zones {
			_, err := srv.EC2.AddAddress(loopback.Address{AllocationID: z.Addresses[0].AllocationID, PublicIP: z.Addresses[0].IPAddress})
			require.NoError(t, err)
		}
	}
	a.nlb, err = srv.ELBv2.AddLoadBalancer(loopback.LoadBalancer{
		Name: testNLBName, Type: "network", VPCID: "vpc-0abc", CanonicalHostedZoneID: nlbZoneID,
		AvailabilityZones: zones, Tags: map[string]string{"team": "edge"},
	})
	require.NoError(t, err)
	a.alb, err = srv.ELBv2.AddLoadBalancer(loopback.LoadBalancer{Name: "partner-alb", VPCID: "vpc-0abc", CanonicalHostedZoneID: albZoneID})
	require.NoError(t, err)
	_, err = srv.ELBv2.AddListener(loopback.Listener{LoadBalancerARN: a.nlb.ARN, Protocol: "TCP", Port: 443})
	require.NoError(t, err)

	for _, instance := range []loopback.Instance{
		{ID: onlyInstance, PrivateIPAddress: onlyInstanceIP, Tags: map[string]string{"Name": "nginx-1"}},
		{ID: sharedInstance, PrivateIPAddress: "10.0.1.11", Tags: map[string]string{"Name": "nginx-2"}},
		{ID: asgInstance, PrivateIPAddress: "10.0.1.12", Tags: map[string]string{"Name": "nginx-3", loopback.AutoScalingGroupTag: "edge-asg"}},
		{ID: protectedInstance, PrivateIPAddress: "10.0.1.13", Tags: map[string]string{"Name": "nginx-4"}, DisableAPITermination: true},
		{ID: extraInstance, PrivateIPAddress: "10.0.1.14", Tags: map[string]string{"Name": "nginx-5"}},
	} {
		_, err := srv.EC2.AddInstance(instance)
		require.NoError(t, err)
	}

	for _, tg := range []loopback.TargetGroup{
		{Name: "nlb-tls", Protocol: "TCP", Port: 8443, VPCID: "vpc-0abc", LoadBalancerARNs: []string{a.nlb.ARN},
			Tags:    map[string]string{"path": "old"},
			Targets: []loopback.Target{{ID: onlyInstance}, {ID: sharedInstance}, {ID: asgInstance}, {ID: protectedInstance}}},
		{Name: "nlb-extra", Protocol: "TCP", Port: 9443, VPCID: "vpc-0abc", LoadBalancerARNs: []string{a.nlb.ARN},
			Targets: []loopback.Target{{ID: extraInstance}}},
		{Name: "nlb-ip", Protocol: "TCP", Port: 8443, VPCID: "vpc-0abc", TargetType: "ip", LoadBalancerARNs: []string{a.nlb.ARN},
			Targets: []loopback.Target{{ID: "10.0.2.10"}, {ID: "10.0.2.11"}}},
		{Name: "alb-web", Protocol: "HTTPS", Port: 443, VPCID: "vpc-0abc", LoadBalancerARNs: []string{a.alb.ARN},
			Targets: []loopback.Target{{ID: sharedInstance}}},
	} {
		_, err := srv.ELBv2.AddTargetGroup(tg)
		require.NoError(t, err)
	}

	a.zoneID, err = srv.Route53.AddHostedZone("example.com.")
	require.NoError(t, err)
	require.NoError(t, srv.Route53.PutRecordSets(a.zoneID,
		weightedAlias("nlb", nlbZoneID, a.nlb.DNSName, 0),
		weightedAlias("alb", albZoneID, "dualstack."+a.alb.DNSName, 100),
		loopback.RecordSet{Name: "www.example.com.", Type: "CNAME", TTL: aws.Int64(300), ResourceRecords: []string{a.alb.DNSName}},
	))
	a.sets = []gate.RecordSet{{ZoneID: a.zoneID, Name: recordName, Type: "A", NLBSetIdentifier: "nlb", ALBSetIdentifier: "alb"}}

	if !opts.noFlowMetric {
		// Two scanner connections every few minutes, below the default
		// background level of 5 per minute.
		for minutes := 28; minutes > 0; minutes -= 4 {
			a.putFlows(testNow.Add(-time.Duration(minutes)*time.Minute), 1, 1)
		}
	}

	settings := policy.DefaultDecommission()
	settings.LoadBalancer = testNLBName
	settings.SnapshotDir = a.snapDir
	a.input = CheckInput{
		Settings:     settings,
		Zones:        []string{a.zoneID},
		NLBZeroSince: testNow.Add(-2 * time.Hour),
		Now:          testNow,
	}
	return a
}

func weightedAlias(id, aliasZone, dnsName string, weight int64) loopback.RecordSet {
	return loopback.RecordSet{
		Name: recordName, Type: "A", SetIdentifier: id, Weight: aws.Int64(weight),
		AliasTarget: &loopback.AliasTarget{HostedZoneID: aliasZone, DNSName: dnsName, EvaluateTargetHealth: true},
	}
}

// newClients returns clients of the real SDK pointed at the server, which
// retry without waiting.
func newClients(srv *loopback.Server) Clients {
	creds := credentials.NewStaticCredentialsProvider("AKIDLOOPBACKTEST", "loopback-test-secret", "")
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	const region = "eu-west-1"
	return Clients{
		ELBv2: elbv2.New(elbv2.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(srv.URL), Retryer: retryer()}),
		EC2:   ec2.New(ec2.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(srv.URL), Retryer: retryer()}),
		CloudWatch: cloudwatch.New(cloudwatch.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(srv.URL),
			Retryer: retryer()}),
		Route53: route53.New(route53.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(srv.URL), Retryer: retryer()}),
	}
}

// putFlows records NewFlowCount samples of the NLB at t.
func (a *testAccount) putFlows(t time.Time, values ...float64) {
	a.srv.CloudWatch.Put("AWS/NetworkELB", "NewFlowCount",
		[]loopback.Dimension{{Name: "LoadBalancer", Value: metricDimension(a.nlb.ARN)}}, "Count", t, values...)
}

// prepare reads the account as the command does and returns the plan.
func (a *testAccount) prepare(t *testing.T, stopOnly bool) *Plan {
	t.Helper()
	ctx := context.Background()
	inv, err := ReadInventory(ctx, a.clients, testNLBName)
	require.NoError(t, err)
	records, err := ReadRecords(ctx, a.clients.Route53, a.sets)
	require.NoError(t, err)
	input := a.input
	input.Records = records
	checks, err := RunChecks(ctx, a.clients, inv, input)
	require.NoError(t, err)
	return BuildPlan(inv, records, checks, PlanOptions{StopOnly: stopOnly, Now: testNow})
}

// execute runs the plan with the right confirmation.
func (a *testAccount) execute(t *testing.T, plan *Plan) (*Report, error) {
	t.Helper()
	return Execute(context.Background(), a.clients, plan, ExecuteOptions{
		Confirm: testNLBName, SnapshotDir: a.snapDir, Now: func() time.Time { return testNow },
	})
}

// instanceState returns the state that DescribeInstances reports, which
// completes transitions such as shutting-down to terminated.
func (a *testAccount) instanceState(t *testing.T, id string) string {
	t.Helper()
	instances, err := readInstances(context.Background(), a.clients.EC2, []string{id})
	require.NoError(t, err)
	return string(instances[id].State)
}

func (a *testAccount) loadBalancerNames() []string {
	var names []string
	for _, lb := range a.srv.ELBv2.LoadBalancers() {
		names = append(names, lb.Name)
	}
	return names
}

func (a *testAccount) targetGroupNames() []string {
	var names []string
	for _, tg := range a.srv.ELBv2.TargetGroups() {
		names = append(names, tg.Name)
	}
	return names
}

// recordIDs returns the set identifiers of the records named recordName.
func (a *testAccount) recordIDs() []string {
	var ids []string
	for _, rs := range a.srv.Route53.RecordSets(a.zoneID) {
		if rs.Name == recordName {
			ids = append(ids, rs.SetIdentifier)
		}
	}
	return ids
}

func checkByName(checks []Check, name string) (Check, bool) {
	for _, c := range checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}
