package loopback

import (
	"context"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/testutil/testpki"
)

// nlbFixture is a network load balancer with a TCP listener, two target
// groups that it uses and a third group that no load balancer uses.
type nlbFixture struct {
	lb       LoadBalancer
	listener Listener
	tcp      TargetGroup
	tls      TargetGroup
	spare    TargetGroup
}

func seedNLB(t *testing.T, state *ELBv2) nlbFixture {
	t.Helper()
	lb, err := state.AddLoadBalancer(LoadBalancer{
		Name:  "edge-nlb",
		Type:  "network",
		VPCID: "vpc-0abc",
		AvailabilityZones: []AvailabilityZone{
			{ZoneName: "eu-west-1a", SubnetID: "subnet-0aaa", Addresses: []LoadBalancerAddress{
				{IPAddress: "203.0.113.10", AllocationID: "eipalloc-0aaa"},
			}},
			{ZoneName: "eu-west-1b", SubnetID: "subnet-0bbb", Addresses: []LoadBalancerAddress{
				{IPAddress: "203.0.113.20", AllocationID: "eipalloc-0bbb"},
			}},
		},
		Tags: map[string]string{"team": "edge", "env": "prod"},
	})
	require.NoError(t, err)

	listener, err := state.AddListener(Listener{
		LoadBalancerARN: lb.ARN,
		Protocol:        "TCP",
		Port:            443,
		Tags:            map[string]string{"port": "443"},
	})
	require.NoError(t, err)

	tcp, err := state.AddTargetGroup(TargetGroup{
		Name:             "edge-tcp",
		Protocol:         "TCP",
		Port:             8443,
		TargetType:       "ip",
		VPCID:            "vpc-0abc",
		LoadBalancerARNs: []string{lb.ARN},
		Tags:             map[string]string{"team": "edge"},
		Targets: []Target{
			{ID: "10.0.1.10"},
			{ID: "10.0.2.20", Port: 9443, Health: "unhealthy", HealthReason: "Target.FailedHealthChecks", HealthDescription: "Health checks failed"},
			{ID: "10.0.3.30", Health: "draining", HealthReason: "Target.DeregistrationInProgress"},
		},
	})
	require.NoError(t, err)

	tls, err := state.AddTargetGroup(TargetGroup{
		Name:             "edge-tls",
		Protocol:         "TLS",
		Port:             443,
		LoadBalancerARNs: []string{lb.ARN},
		Attributes:       map[string]string{"deregistration_delay.timeout_seconds": "30"},
	})
	require.NoError(t, err)

	spare, err := state.AddTargetGroup(TargetGroup{
		Name:     "spare",
		Protocol: "TCP",
		Port:     80,
		Targets:  []Target{{ID: "i-0123456789abcdef0"}},
	})
	require.NoError(t, err)

	return nlbFixture{lb: lb, listener: listener, tcp: tcp, tls: tls, spare: spare}
}

func TestDescribeLoadBalancersSubnetMappings(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb := seedNLB(t, state)
	alb, err := state.AddLoadBalancer(LoadBalancer{
		Name:              "web-alb",
		AvailabilityZones: []AvailabilityZone{{ZoneName: "eu-west-1c", SubnetID: "subnet-0ccc"}},
	})
	require.NoError(t, err)
	internal, err := state.AddLoadBalancer(LoadBalancer{
		Name:   "inner-nlb",
		Type:   "network",
		Scheme: "internal",
		AvailabilityZones: []AvailabilityZone{{ZoneName: "eu-west-1a", SubnetID: "subnet-0aaa", Addresses: []LoadBalancerAddress{
			{PrivateIPv4Address: "10.0.1.5"},
		}}},
	})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)

	out, err := client.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{
		LoadBalancerArns: []string{nlb.lb.ARN, alb.ARN, internal.ARN},
	})
	require.NoError(t, err)
	require.Len(t, out.LoadBalancers, 3)

	zones := out.LoadBalancers[0].AvailabilityZones
	require.Len(t, zones, 2)
	assert.Equal(t, "eu-west-1a", aws.ToString(zones[0].ZoneName))
	assert.Equal(t, "subnet-0aaa", aws.ToString(zones[0].SubnetId))
	require.Len(t, zones[0].LoadBalancerAddresses, 1)
	assert.Equal(t, "203.0.113.10", aws.ToString(zones[0].LoadBalancerAddresses[0].IpAddress))
	assert.Equal(t, "eipalloc-0aaa", aws.ToString(zones[0].LoadBalancerAddresses[0].AllocationId))
	assert.Nil(t, zones[0].LoadBalancerAddresses[0].PrivateIPv4Address)
	assert.Equal(t, "eu-west-1b", aws.ToString(zones[1].ZoneName))
	assert.Equal(t, "subnet-0bbb", aws.ToString(zones[1].SubnetId))
	require.Len(t, zones[1].LoadBalancerAddresses, 1)
	assert.Equal(t, "203.0.113.20", aws.ToString(zones[1].LoadBalancerAddresses[0].IpAddress))
	assert.Equal(t, "eipalloc-0bbb", aws.ToString(zones[1].LoadBalancerAddresses[0].AllocationId))

	albZones := out.LoadBalancers[1].AvailabilityZones
	require.Len(t, albZones, 1)
	assert.Equal(t, "eu-west-1c", aws.ToString(albZones[0].ZoneName))
	assert.Equal(t, "subnet-0ccc", aws.ToString(albZones[0].SubnetId))
	assert.Empty(t, albZones[0].LoadBalancerAddresses)

	internalZones := out.LoadBalancers[2].AvailabilityZones
	require.Len(t, internalZones, 1)
	require.Len(t, internalZones[0].LoadBalancerAddresses, 1)
	assert.Equal(t, "10.0.1.5", aws.ToString(internalZones[0].LoadBalancerAddresses[0].PrivateIPv4Address))
	assert.Nil(t, internalZones[0].LoadBalancerAddresses[0].AllocationId)
}

func TestAddLoadBalancerRejectsInvalidSubnetMappings(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	eip := []LoadBalancerAddress{{AllocationID: "eipalloc-0aaa"}}
	cases := map[string]LoadBalancer{
		"missing subnet":      {Name: "a", Type: "network", AvailabilityZones: []AvailabilityZone{{ZoneName: "eu-west-1a"}}},
		"missing zone":        {Name: "b", Type: "network", AvailabilityZones: []AvailabilityZone{{SubnetID: "subnet-0aaa"}}},
		"zone twice":          {Name: "c", Type: "network", AvailabilityZones: []AvailabilityZone{{ZoneName: "eu-west-1a", SubnetID: "subnet-0aaa"}, {ZoneName: "eu-west-1a", SubnetID: "subnet-0bbb"}}},
		"ALB with address":    {Name: "d", AvailabilityZones: []AvailabilityZone{{ZoneName: "eu-west-1a", SubnetID: "subnet-0aaa", Addresses: eip}}},
		"internal with EIP":   {Name: "e", Type: "network", Scheme: "internal", AvailabilityZones: []AvailabilityZone{{ZoneName: "eu-west-1a", SubnetID: "subnet-0aaa", Addresses: eip}}},
		"public private IP":   {Name: "f", Type: "network", AvailabilityZones: []AvailabilityZone{{ZoneName: "eu-west-1a", SubnetID: "subnet-0aaa", Addresses: []LoadBalancerAddress{{PrivateIPv4Address: "10.0.1.5"}}}}},
		"protection not bool": {Name: "g", Type: "network", Attributes: map[string]string{"deletion_protection.enabled": "yes"}},
	}
	for name, lb := range cases {
		_, err := state.AddLoadBalancer(lb)
		assert.Error(t, err, name)
	}
	assert.Empty(t, state.LoadBalancers())
}

func TestDescribeLoadBalancerAttributes(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb := seedNLB(t, state)
	alb, err := state.AddLoadBalancer(LoadBalancer{Name: "web-alb", Attributes: map[string]string{"idle_timeout.timeout_seconds": "120"}})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)
	ctx := context.Background()

	out, err := client.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(nlb.lb.ARN)})
	require.NoError(t, err)
	assert.Equal(t, [][2]string{
		{"access_logs.s3.enabled", "false"},
		{"deletion_protection.enabled", "false"},
		{"load_balancing.cross_zone.enabled", "false"},
	}, loadBalancerAttributePairs(out.Attributes))

	require.NoError(t, state.SetLoadBalancerAttributes(nlb.lb.ARN, map[string]string{
		"deletion_protection.enabled":       "true",
		"load_balancing.cross_zone.enabled": "true",
	}))
	out, err = client.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(nlb.lb.ARN)})
	require.NoError(t, err)
	assert.Equal(t, [][2]string{
		{"access_logs.s3.enabled", "false"},
		{"deletion_protection.enabled", "true"},
		{"load_balancing.cross_zone.enabled", "true"},
	}, loadBalancerAttributePairs(out.Attributes))

	albOut, err := client.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(alb.ARN)})
	require.NoError(t, err)
	assert.Equal(t, [][2]string{
		{"access_logs.s3.enabled", "false"},
		{"deletion_protection.enabled", "false"},
		{"idle_timeout.timeout_seconds", "120"},
		{"load_balancing.cross_zone.enabled", "true"},
		{"routing.http2.enabled", "true"},
	}, loadBalancerAttributePairs(albOut.Attributes))

	_, err = client.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{
		LoadBalancerArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/none/0"),
	})
	var notFound *types.LoadBalancerNotFoundException
	require.True(t, errors.As(err, &notFound), "error %v is not LoadBalancerNotFoundException", err)

	assert.Error(t, state.SetLoadBalancerAttributes(nlb.lb.ARN, map[string]string{"deletion_protection.enabled": "on"}))
	assert.Error(t, state.SetLoadBalancerAttributes("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/none/0", nil))
}

func loadBalancerAttributePairs(attributes []types.LoadBalancerAttribute) [][2]string {
	var pairs [][2]string
	for _, a := range attributes {
		pairs = append(pairs, [2]string{aws.ToString(a.Key), aws.ToString(a.Value)})
	}
	return pairs
}

func targetGroupAttributePairs(attributes []types.TargetGroupAttribute) [][2]string {
	var pairs [][2]string
	for _, a := range attributes {
		pairs = append(pairs, [2]string{aws.ToString(a.Key), aws.ToString(a.Value)})
	}
	return pairs
}

func TestDescribeTargetGroupAttributes(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb := seedNLB(t, state)
	web, err := state.AddTargetGroup(TargetGroup{Name: "web", Protocol: "HTTPS", Port: 443})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)
	ctx := context.Background()

	tcp, err := client.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(nlb.tcp.ARN)})
	require.NoError(t, err)
	assert.Equal(t, [][2]string{
		{"deregistration_delay.connection_termination.enabled", "false"},
		{"deregistration_delay.timeout_seconds", "300"},
		{"proxy_protocol_v2.enabled", "false"},
		{"stickiness.enabled", "false"},
		{"stickiness.type", "source_ip"},
	}, targetGroupAttributePairs(tcp.Attributes))

	tls, err := client.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(nlb.tls.ARN)})
	require.NoError(t, err)
	assert.Contains(t, targetGroupAttributePairs(tls.Attributes), [2]string{"deregistration_delay.timeout_seconds", "30"},
		"an attribute set at add time overrides the default")

	require.NoError(t, state.SetTargetGroupAttributes(web.ARN, map[string]string{"stickiness.enabled": "true"}))
	webOut, err := client.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(web.ARN)})
	require.NoError(t, err)
	assert.Equal(t, [][2]string{
		{"deregistration_delay.timeout_seconds", "300"},
		{"load_balancing.algorithm.type", "round_robin"},
		{"slow_start.duration_seconds", "0"},
		{"stickiness.enabled", "true"},
		{"stickiness.type", "lb_cookie"},
	}, targetGroupAttributePairs(webOut.Attributes))

	_, err = client.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{
		TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/none/0"),
	})
	var notFound *types.TargetGroupNotFoundException
	require.True(t, errors.As(err, &notFound), "error %v is not TargetGroupNotFoundException", err)
	assert.Error(t, state.SetTargetGroupAttributes("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/none/0", nil))
}

func TestDescribeTargetHealthAllTargets(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb := seedNLB(t, state)
	client, _ := startELBv2(t, state)

	out, err := client.DescribeTargetHealth(context.Background(), &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(nlb.tcp.ARN)})
	require.NoError(t, err)
	require.Len(t, out.TargetHealthDescriptions, 3)

	healthy := out.TargetHealthDescriptions[0]
	assert.Equal(t, "10.0.1.10", aws.ToString(healthy.Target.Id))
	assert.Equal(t, int32(8443), aws.ToInt32(healthy.Target.Port), "a target without a port gets the group's port")
	assert.Nil(t, healthy.Target.AvailabilityZone)
	assert.Equal(t, "8443", aws.ToString(healthy.HealthCheckPort))
	assert.Equal(t, types.TargetHealthStateEnumHealthy, healthy.TargetHealth.State)
	assert.Empty(t, healthy.TargetHealth.Reason)
	assert.Nil(t, healthy.TargetHealth.Description)

	unhealthy := out.TargetHealthDescriptions[1]
	assert.Equal(t, "10.0.2.20", aws.ToString(unhealthy.Target.Id))
	assert.Equal(t, int32(9443), aws.ToInt32(unhealthy.Target.Port))
	assert.Equal(t, "9443", aws.ToString(unhealthy.HealthCheckPort))
	assert.Equal(t, types.TargetHealthStateEnumUnhealthy, unhealthy.TargetHealth.State)
	assert.Equal(t, types.TargetHealthReasonEnumFailedHealthChecks, unhealthy.TargetHealth.Reason)
	assert.Equal(t, "Health checks failed", aws.ToString(unhealthy.TargetHealth.Description))

	draining := out.TargetHealthDescriptions[2]
	assert.Equal(t, "10.0.3.30", aws.ToString(draining.Target.Id))
	assert.Equal(t, types.TargetHealthStateEnumDraining, draining.TargetHealth.State)
	assert.Equal(t, types.TargetHealthReasonEnumDeregistrationInProgress, draining.TargetHealth.Reason)
}

func TestDescribeTargetHealthRequestedTargets(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb := seedNLB(t, state)
	require.NoError(t, state.RegisterTargets(nlb.tcp.ARN, Target{ID: "10.0.1.10", Port: 9000, Health: "initial", HealthReason: "Elb.RegistrationInProgress"}))
	client, _ := startELBv2(t, state)
	ctx := context.Background()

	out, err := client.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{
		TargetGroupArn: aws.String(nlb.tcp.ARN),
		Targets: []types.TargetDescription{
			{Id: aws.String("10.0.2.20"), Port: aws.Int32(9443)},
			{Id: aws.String("10.0.1.10")},
			{Id: aws.String("10.0.9.99"), Port: aws.Int32(8443)},
		},
	})
	require.NoError(t, err)
	require.Len(t, out.TargetHealthDescriptions, 4)

	assert.Equal(t, "10.0.2.20", aws.ToString(out.TargetHealthDescriptions[0].Target.Id))
	assert.Equal(t, types.TargetHealthStateEnumUnhealthy, out.TargetHealthDescriptions[0].TargetHealth.State)

	assert.Equal(t, "10.0.1.10", aws.ToString(out.TargetHealthDescriptions[1].Target.Id))
	assert.Equal(t, int32(8443), aws.ToInt32(out.TargetHealthDescriptions[1].Target.Port))
	assert.Equal(t, types.TargetHealthStateEnumHealthy, out.TargetHealthDescriptions[1].TargetHealth.State)
	assert.Equal(t, "10.0.1.10", aws.ToString(out.TargetHealthDescriptions[2].Target.Id), "an ID without a port matches each registration")
	assert.Equal(t, int32(9000), aws.ToInt32(out.TargetHealthDescriptions[2].Target.Port))
	assert.Equal(t, types.TargetHealthStateEnumInitial, out.TargetHealthDescriptions[2].TargetHealth.State)
	assert.Equal(t, types.TargetHealthReasonEnumRegistrationInProgress, out.TargetHealthDescriptions[2].TargetHealth.Reason)

	unknown := out.TargetHealthDescriptions[3]
	assert.Equal(t, "10.0.9.99", aws.ToString(unknown.Target.Id))
	assert.Equal(t, int32(8443), aws.ToInt32(unknown.Target.Port))
	assert.Equal(t, types.TargetHealthStateEnumUnused, unknown.TargetHealth.State)
	assert.Equal(t, types.TargetHealthReasonEnumNotRegistered, unknown.TargetHealth.Reason)

	spare, err := client.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(nlb.spare.ARN)})
	require.NoError(t, err)
	require.Len(t, spare.TargetHealthDescriptions, 1)
	assert.Equal(t, "i-0123456789abcdef0", aws.ToString(spare.TargetHealthDescriptions[0].Target.Id))
	assert.Equal(t, types.TargetHealthStateEnumUnused, spare.TargetHealthDescriptions[0].TargetHealth.State)
	assert.Equal(t, types.TargetHealthReasonEnumNotInUse, spare.TargetHealthDescriptions[0].TargetHealth.Reason)

	_, err = client.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{
		TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/none/0"),
	})
	var notFound *types.TargetGroupNotFoundException
	require.True(t, errors.As(err, &notFound), "error %v is not TargetGroupNotFoundException", err)
}

func TestRegisterTargetsReplacesAndRejects(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb := seedNLB(t, state)

	require.NoError(t, state.RegisterTargets(nlb.tcp.ARN, Target{ID: "10.0.1.10", Health: "draining"}, Target{ID: "10.0.4.40", AvailabilityZone: "all"}))
	var targets []Target
	for _, tg := range state.TargetGroups() {
		if tg.ARN == nlb.tcp.ARN {
			targets = tg.Targets
		}
	}
	require.Len(t, targets, 4)
	assert.Equal(t, Target{ID: "10.0.1.10", Port: 8443, Health: "draining"}, targets[0], "same ID and port replaces the target")
	assert.Equal(t, Target{ID: "10.0.4.40", Port: 8443, AvailabilityZone: "all", Health: "healthy"}, targets[3])

	cases := map[string][]Target{
		"missing ID":     {{Port: 80}},
		"invalid port":   {{ID: "10.0.5.50", Port: -1}},
		"invalid health": {{ID: "10.0.5.50", Health: "sick"}},
		"invalid reason": {{ID: "10.0.5.50", HealthReason: "Target.Sick"}},
		"listed twice":   {{ID: "10.0.5.50"}, {ID: "10.0.5.50", Port: 8443}},
	}
	for name, bad := range cases {
		assert.Error(t, state.RegisterTargets(nlb.tcp.ARN, bad...), name)
	}
	assert.Error(t, state.RegisterTargets("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/none/0", Target{ID: "10.0.5.50"}))
	for _, tg := range state.TargetGroups() {
		if tg.ARN == nlb.tcp.ARN {
			assert.Len(t, tg.Targets, 4, "a rejected call registers nothing")
		}
	}
}

func TestDescribeTagsSeveralResources(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb := seedNLB(t, state)
	require.NoError(t, state.AddTags(nlb.lb.ARN, map[string]string{"env": "staging", "owner": "ops"}))
	ca := testpki.NewCA(t, pkix.Name{CommonName: "Root CA"}, nil)
	ts, err := state.AddTrustStore(TrustStore{Name: "clients", CACertificatesBundle: ca.PEM()})
	require.NoError(t, err)
	client, _ := startELBv2(t, state)
	ctx := context.Background()

	out, err := client.DescribeTags(ctx, &elbv2.DescribeTagsInput{
		ResourceArns: []string{nlb.tcp.ARN, nlb.lb.ARN, nlb.listener.ARN, nlb.spare.ARN, ts.ARN},
	})
	require.NoError(t, err)
	require.Len(t, out.TagDescriptions, 5)

	assert.Equal(t, nlb.tcp.ARN, aws.ToString(out.TagDescriptions[0].ResourceArn))
	assert.Equal(t, [][2]string{{"team", "edge"}}, tagPairs(out.TagDescriptions[0].Tags))
	assert.Equal(t, nlb.lb.ARN, aws.ToString(out.TagDescriptions[1].ResourceArn))
	assert.Equal(t, [][2]string{{"env", "staging"}, {"owner", "ops"}, {"team", "edge"}}, tagPairs(out.TagDescriptions[1].Tags))
	assert.Equal(t, nlb.listener.ARN, aws.ToString(out.TagDescriptions[2].ResourceArn))
	assert.Equal(t, [][2]string{{"port", "443"}}, tagPairs(out.TagDescriptions[2].Tags))
	assert.Equal(t, nlb.spare.ARN, aws.ToString(out.TagDescriptions[3].ResourceArn))
	assert.Empty(t, out.TagDescriptions[3].Tags)
	assert.Equal(t, ts.ARN, aws.ToString(out.TagDescriptions[4].ResourceArn))
	assert.Empty(t, out.TagDescriptions[4].Tags)

	prefix := "arn:aws:elasticloadbalancing:eu-west-1:123456789012:"
	notFound := map[string]string{
		prefix + "loadbalancer/net/none/0":        "LoadBalancerNotFound",
		prefix + "targetgroup/none/0":             "TargetGroupNotFound",
		prefix + "listener/net/none/0/0":          "ListenerNotFound",
		prefix + "listener-rule/net/none/0/0/0":   "RuleNotFound",
		prefix + "truststore/none/0":              "TrustStoreNotFound",
		"arn:aws:s3:::bucket":                     "ValidationError",
		prefix + "loadbalancer-without-a-slash-0": "ValidationError",
	}
	for arn, code := range notFound {
		_, err := client.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{nlb.lb.ARN, arn}})
		var apiErr smithy.APIError
		require.True(t, errors.As(err, &apiErr), "error %v for %s is not an API error", err, arn)
		assert.Equal(t, code, apiErr.ErrorCode(), arn)
	}

	var tooMany []string
	for i := range maxDescribeTagsResources + 1 {
		tooMany = append(tooMany, fmt.Sprintf("%sloadbalancer/net/lb-%d/0", prefix, i))
	}
	_, err = client.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: tooMany})
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "error %v is not an API error", err)
	assert.Equal(t, "ValidationError", apiErr.ErrorCode())

	assert.Error(t, state.AddTags(prefix+"loadbalancer/net/none/0", map[string]string{"a": "b"}))
}

func tagPairs(tags []types.Tag) [][2]string {
	var pairs [][2]string
	for _, tag := range tags {
		pairs = append(pairs, [2]string{aws.ToString(tag.Key), aws.ToString(tag.Value)})
	}
	return pairs
}

func TestDeleteLoadBalancerKeepsTargetGroups(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb := seedNLB(t, state)
	other, err := state.AddLoadBalancer(LoadBalancer{Name: "other-nlb", Type: "network"})
	require.NoError(t, err)
	_, err = state.AddListener(Listener{LoadBalancerARN: other.ARN, Protocol: "TCP", Port: 443})
	require.NoError(t, err)
	shared, err := state.AddTargetGroup(TargetGroup{Name: "shared", Protocol: "TCP", Port: 80, LoadBalancerARNs: []string{nlb.lb.ARN, other.ARN}})
	require.NoError(t, err)
	client, requests := startELBv2(t, state)
	ctx := context.Background()

	_, err = client.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(nlb.lb.ARN)})
	require.NoError(t, err)
	assert.Equal(t, int64(1), requests.Load())

	remaining := state.LoadBalancers()
	require.Len(t, remaining, 1)
	assert.Equal(t, other.ARN, remaining[0].ARN)
	listeners := state.Listeners()
	require.Len(t, listeners, 1, "the deleted load balancer's listeners are gone")
	assert.Equal(t, other.ARN, listeners[0].LoadBalancerARN)

	groups, err := client.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{
		TargetGroupArns: []string{nlb.tcp.ARN, nlb.tls.ARN, shared.ARN},
	})
	require.NoError(t, err)
	require.Len(t, groups.TargetGroups, 3)
	assert.Empty(t, groups.TargetGroups[0].LoadBalancerArns)
	assert.Empty(t, groups.TargetGroups[1].LoadBalancerArns)
	assert.Equal(t, []string{other.ARN}, groups.TargetGroups[2].LoadBalancerArns)

	health, err := client.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(nlb.tcp.ARN)})
	require.NoError(t, err)
	require.Len(t, health.TargetHealthDescriptions, 3, "the targets stay registered")
	for _, d := range health.TargetHealthDescriptions {
		assert.Equal(t, types.TargetHealthStateEnumUnused, d.TargetHealth.State, aws.ToString(d.Target.Id))
		assert.Equal(t, types.TargetHealthReasonEnumNotInUse, d.TargetHealth.Reason, aws.ToString(d.Target.Id))
	}

	_, err = client.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{nlb.listener.ARN}})
	var listenerNotFound *types.ListenerNotFoundException
	require.True(t, errors.As(err, &listenerNotFound), "error %v is not ListenerNotFoundException", err)
	_, err = client.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{nlb.lb.ARN}})
	var lbNotFound *types.LoadBalancerNotFoundException
	require.True(t, errors.As(err, &lbNotFound), "error %v is not LoadBalancerNotFoundException", err)

	_, err = client.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(nlb.lb.ARN)})
	assert.NoError(t, err, "deleting again succeeds")
	_, err = client.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{
		LoadBalancerArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/never/0"),
	})
	assert.NoError(t, err, "deleting an unknown ARN succeeds")
	assert.Len(t, state.LoadBalancers(), 1)
}

func TestDeleteLoadBalancerDeletionProtection(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb := seedNLB(t, state)
	require.NoError(t, state.SetLoadBalancerAttributes(nlb.lb.ARN, map[string]string{"deletion_protection.enabled": "true"}))
	client, requests := startELBv2(t, state)
	ctx := context.Background()

	_, err := client.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(nlb.lb.ARN)})
	var notPermitted *types.OperationNotPermittedException
	require.True(t, errors.As(err, &notPermitted), "error %v is not OperationNotPermittedException", err)
	assert.Equal(t, "OperationNotPermitted", notPermitted.ErrorCode())
	assert.Contains(t, notPermitted.ErrorMessage(), nlb.lb.ARN)
	assert.Contains(t, notPermitted.ErrorMessage(), "deletion protection is enabled")
	assert.Equal(t, int64(1), requests.Load(), "OperationNotPermitted must not be retried")

	require.Len(t, state.LoadBalancers(), 1)
	assert.Equal(t, nlb.lb.ARN, state.LoadBalancers()[0].ARN)
	require.Len(t, state.Listeners(), 1)
	assert.Equal(t, nlb.listener.ARN, state.Listeners()[0].ARN)
	for _, tg := range state.TargetGroups() {
		if tg.ARN == nlb.tcp.ARN || tg.ARN == nlb.tls.ARN {
			assert.Equal(t, []string{nlb.lb.ARN}, tg.LoadBalancerARNs, tg.Name)
		}
	}

	require.NoError(t, state.SetLoadBalancerAttributes(nlb.lb.ARN, map[string]string{"deletion_protection.enabled": "false"}))
	_, err = client.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(nlb.lb.ARN)})
	require.NoError(t, err)
	assert.Empty(t, state.LoadBalancers())
}

func TestDeleteTargetGroupInUseThenAllowed(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb := seedNLB(t, state)
	client, requests := startELBv2(t, state)
	ctx := context.Background()

	_, err := client.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(nlb.tcp.ARN)})
	var inUse *types.ResourceInUseException
	require.True(t, errors.As(err, &inUse), "error %v is not ResourceInUseException", err)
	assert.Equal(t, "ResourceInUse", inUse.ErrorCode())
	assert.Contains(t, inUse.ErrorMessage(), nlb.tcp.ARN)
	assert.Equal(t, int64(1), requests.Load(), "ResourceInUse must not be retried")
	assert.Len(t, state.TargetGroups(), 3)

	_, err = client.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(nlb.lb.ARN)})
	require.NoError(t, err)
	for _, arn := range []string{nlb.tcp.ARN, nlb.tls.ARN} {
		_, err = client.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)})
		require.NoError(t, err, arn)
	}

	remaining := state.TargetGroups()
	require.Len(t, remaining, 1)
	assert.Equal(t, nlb.spare.ARN, remaining[0].ARN)
	_, err = client.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{nlb.tcp.ARN}})
	var notFound *types.TargetGroupNotFoundException
	require.True(t, errors.As(err, &notFound), "error %v is not TargetGroupNotFoundException", err)

	_, err = client.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(nlb.tcp.ARN)})
	assert.NoError(t, err, "deleting again succeeds")
}

func TestDeleteLoadBalancerThrottleRetried(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb := seedNLB(t, state)
	require.NoError(t, state.Faults.Inject(Fault{Kind: FaultThrottle, Action: "DeleteLoadBalancer", Count: 2}))
	client, requests := startELBv2(t, state)

	_, err := client.DeleteLoadBalancer(context.Background(), &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(nlb.lb.ARN)})
	require.NoError(t, err)
	assert.Equal(t, int64(3), requests.Load())
	assert.Equal(t, 0, state.Faults.Remaining())
	assert.Empty(t, state.LoadBalancers())
}

func TestDeleteLoadBalancerThrottleExhaustsRetries(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	nlb := seedNLB(t, state)
	faults := retry.DefaultMaxAttempts + 2
	require.NoError(t, state.Faults.Inject(Fault{Kind: FaultThrottle, Action: "DeleteLoadBalancer", Count: faults}))
	client, requests := startELBv2(t, state)

	_, err := client.DeleteLoadBalancer(context.Background(), &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(nlb.lb.ARN)})
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "error %v is not an API error", err)
	assert.Equal(t, "Throttling", apiErr.ErrorCode())
	assert.Equal(t, int64(retry.DefaultMaxAttempts), requests.Load())
	assert.Equal(t, faults-retry.DefaultMaxAttempts, state.Faults.Remaining())

	require.Len(t, state.LoadBalancers(), 1, "the load balancer stays")
	assert.Equal(t, nlb.lb.ARN, state.LoadBalancers()[0].ARN)
	assert.Len(t, state.Listeners(), 1)
}

func TestDeleteRequiresARN(t *testing.T) {
	state := NewELBv2(testRegion, testAccountID)
	seedNLB(t, state)
	client, _ := startELBv2(t, state)
	ctx := context.Background()

	// The SDK checks required members before it sends, so an empty string
	// is the way to reach the server without an ARN.
	_, err := client.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String("")})
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "error %v is not an API error", err)
	assert.Equal(t, "ValidationError", apiErr.ErrorCode())

	_, err = client.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String("")})
	require.True(t, errors.As(err, &apiErr), "error %v is not an API error", err)
	assert.Equal(t, "ValidationError", apiErr.ErrorCode())
	assert.Len(t, state.LoadBalancers(), 1)
	assert.Len(t, state.TargetGroups(), 3)
}
