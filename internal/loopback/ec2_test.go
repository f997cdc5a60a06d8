package loopback

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	nlbARN  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/edge-nlb/0123456789abcdef"
	gwlbARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/gwy/inspect/0123456789abcdef"
)

func newEC2Client(srv *Server) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:       testRegion,
		Credentials:  testCredentials,
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      noBackoffRetryer(),
	})
}

// requireHTTPStatus asserts that err carries an HTTP response with status.
func requireHTTPStatus(t *testing.T, err error, status int) {
	t.Helper()
	var responseErr *awshttp.ResponseError
	require.True(t, errors.As(err, &responseErr), "error %v has no HTTP response", err)
	assert.Equal(t, status, responseErr.HTTPStatusCode())
}

func addInstance(t *testing.T, srv *Server, instance Instance) Instance {
	t.Helper()
	added, err := srv.EC2.AddInstance(instance)
	require.NoError(t, err)
	return added
}

// describeOne returns the one instance that DescribeInstances returns for
// id.
func describeOne(t *testing.T, client *ec2.Client, id string) types.Instance {
	t.Helper()
	out, err := client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	require.NoError(t, err)
	require.Len(t, out.Reservations, 1)
	require.Len(t, out.Reservations[0].Instances, 1)
	return out.Reservations[0].Instances[0]
}

func stateOf(t *testing.T, client *ec2.Client, id string) types.InstanceStateName {
	t.Helper()
	instance := describeOne(t, client, id)
	require.NotNil(t, instance.State)
	return instance.State.Name
}

func instanceIDsOf(out *ec2.DescribeInstancesOutput) []string {
	var ids []string
	for _, reservation := range out.Reservations {
		for _, instance := range reservation.Instances {
			ids = append(ids, aws.ToString(instance.InstanceId))
		}
	}
	return ids
}

func TestDescribeInstancesFields(t *testing.T) {
	srv := startServer(t)
	added := addInstance(t, srv, Instance{
		ID:               "i-0123456789abcdef0",
		PrivateIPAddress: "10.0.1.15",
		SubnetID:         "subnet-0aaa",
		VPCID:            "vpc-0abc",
		AvailabilityZone: "eu-west-1b",
		InstanceType:     "c6g.large",
		Tags:             map[string]string{"Name": "edge-1", AutoScalingGroupTag: "edge-asg"},
	})
	assert.Regexp(t, `^r-[0-9a-f]{17}$`, added.ReservationID)
	assert.Equal(t, InstanceStateRunning, added.State)

	out, err := newEC2Client(srv).DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{
		InstanceIds: []string{"i-0123456789abcdef0"},
	})
	require.NoError(t, err)
	assert.Nil(t, out.NextToken)
	require.Len(t, out.Reservations, 1)
	reservation := out.Reservations[0]
	assert.Equal(t, added.ReservationID, aws.ToString(reservation.ReservationId))
	assert.Equal(t, testAccountID, aws.ToString(reservation.OwnerId))
	require.Len(t, reservation.Instances, 1)

	got := reservation.Instances[0]
	assert.Equal(t, "i-0123456789abcdef0", aws.ToString(got.InstanceId))
	assert.Equal(t, types.InstanceType("c6g.large"), got.InstanceType)
	assert.Equal(t, "10.0.1.15", aws.ToString(got.PrivateIpAddress))
	assert.Equal(t, "subnet-0aaa", aws.ToString(got.SubnetId))
	assert.Equal(t, "vpc-0abc", aws.ToString(got.VpcId))
	require.NotNil(t, got.Placement)
	assert.Equal(t, "eu-west-1b", aws.ToString(got.Placement.AvailabilityZone))
	require.NotNil(t, got.State)
	assert.Equal(t, types.InstanceStateNameRunning, got.State.Name)
	assert.Equal(t, int32(16), aws.ToInt32(got.State.Code))
	assert.Equal(t, []types.Tag{
		{Key: aws.String("Name"), Value: aws.String("edge-1")},
		{Key: aws.String(AutoScalingGroupTag), Value: aws.String("edge-asg")},
	}, got.Tags)
}

func TestAddInstanceDefaultsAndErrors(t *testing.T) {
	state := NewEC2(testRegion, testAccountID)
	added, err := state.AddInstance(Instance{})
	require.NoError(t, err)
	assert.Regexp(t, `^i-[0-9a-f]{17}$`, added.ID)
	assert.Equal(t, "eu-west-1a", added.AvailabilityZone)
	assert.Equal(t, "t3.micro", added.InstanceType)
	assert.Equal(t, InstanceStateRunning, added.State)

	_, err = state.AddInstance(Instance{ID: added.ID})
	assert.ErrorContains(t, err, "already taken")
	_, err = state.AddInstance(Instance{ID: "instance-1"})
	assert.ErrorContains(t, err, "invalid ID")
	_, err = state.AddInstance(Instance{State: "rebooting"})
	assert.ErrorContains(t, err, "unknown state")
	_, err = state.AddInstance(Instance{PrivateIPAddress: "10.0.0.300"})
	assert.ErrorContains(t, err, "invalid private IP address")
	assert.Len(t, state.Instances(), 1)

	tags := map[string]string{"Name": "a"}
	tagged, err := state.AddInstance(Instance{Tags: tags})
	require.NoError(t, err)
	tags["Name"] = "changed"
	stored, ok := state.Instance(tagged.ID)
	require.True(t, ok)
	assert.Equal(t, "a", stored.Tags["Name"], "AddInstance must copy the tags")
	_, ok = state.Instance("i-00000000")
	assert.False(t, ok)
}

func TestInstanceStateCodes(t *testing.T) {
	codes := map[InstanceState]int32{
		InstanceStatePending: 0, InstanceStateRunning: 16, InstanceStateShuttingDown: 32,
		InstanceStateTerminated: 48, InstanceStateStopping: 64, InstanceStateStopped: 80,
		"rebooting": -1,
	}
	for state, code := range codes {
		assert.Equal(t, code, state.Code(), "state %s", state)
	}
}

func TestDescribeInstancesFilters(t *testing.T) {
	srv := startServer(t)
	web1 := addInstance(t, srv, Instance{Tags: map[string]string{AutoScalingGroupTag: "web-asg", "Name": "web-1"}})
	web2 := addInstance(t, srv, Instance{State: InstanceStateStopped, Tags: map[string]string{AutoScalingGroupTag: "web-asg", "Name": "web-2"}})
	api := addInstance(t, srv, Instance{Tags: map[string]string{AutoScalingGroupTag: "api-asg"}, VPCID: "vpc-0abc"})
	bare := addInstance(t, srv, Instance{AvailabilityZone: "eu-west-1c"})
	client := newEC2Client(srv)

	tests := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"state running", []types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"running"}}},
			[]string{web1.ID, api.ID, bare.ID}},
		{"state code stopped", []types.Filter{{Name: aws.String("instance-state-code"), Values: []string{"80"}}},
			[]string{web2.ID}},
		{"group tag", []types.Filter{{Name: aws.String("tag:" + AutoScalingGroupTag), Values: []string{"web-asg"}}},
			[]string{web1.ID, web2.ID}},
		{"tag key", []types.Filter{{Name: aws.String("tag-key"), Values: []string{AutoScalingGroupTag}}},
			[]string{web1.ID, web2.ID, api.ID}},
		{"instance IDs ORed", []types.Filter{{Name: aws.String("instance-id"), Values: []string{api.ID, bare.ID}}},
			[]string{api.ID, bare.ID}},
		{"filters ANDed", []types.Filter{
			{Name: aws.String("tag:" + AutoScalingGroupTag), Values: []string{"web-asg"}},
			{Name: aws.String("instance-state-name"), Values: []string{"running"}},
		}, []string{web1.ID}},
		{"wildcard", []types.Filter{{Name: aws.String("tag:Name"), Values: []string{"web-*"}}},
			[]string{web1.ID, web2.ID}},
		{"vpc", []types.Filter{{Name: aws.String("vpc-id"), Values: []string{"vpc-0abc"}}},
			[]string{api.ID}},
		{"zone", []types.Filter{{Name: aws.String("availability-zone"), Values: []string{"eu-west-1c"}}},
			[]string{bare.ID}},
		{"no match", []types.Filter{{Name: aws.String("tag:Name"), Values: []string{"db-1"}}},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{Filters: tt.filters})
			require.NoError(t, err)
			assert.Equal(t, tt.want, instanceIDsOf(out))
		})
	}

	withIDs, err := client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{
		InstanceIds: []string{bare.ID, web2.ID, web1.ID},
		Filters:     []types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"running"}}},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{web1.ID, bare.ID}, instanceIDsOf(withIDs))

	_, err = client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{
		Filters: []types.Filter{{Name: aws.String("launch-time"), Values: []string{"2026-01-01"}}},
	})
	apiErr := requireAPIError(t, err, "InvalidParameterValue")
	assert.Contains(t, apiErr.ErrorMessage(), "launch-time")
}

func TestDescribeInstancesPaginator(t *testing.T) {
	srv := startServer(t)
	var want []string
	for i := range 12 {
		instance := addInstance(t, srv, Instance{ID: fmt.Sprintf("i-%017x", i+1)})
		want = append(want, instance.ID)
	}
	client := newEC2Client(srv)

	paginator := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	var got []string
	var pageSizes []int
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		require.NoError(t, err)
		pageSizes = append(pageSizes, len(page.Reservations))
		got = append(got, instanceIDsOf(page)...)
	}
	assert.Equal(t, []int{5, 5, 2}, pageSizes)
	assert.Equal(t, want, got)
	assert.Equal(t, 3, srv.EC2.Calls("DescribeInstances"))
}

func TestDescribeInstancesPagingErrors(t *testing.T) {
	srv := startServer(t)
	for range 6 {
		addInstance(t, srv, Instance{})
	}
	client := newEC2Client(srv)
	ctx := context.Background()

	_, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(4)})
	requireAPIError(t, err, "InvalidParameterValue")
	_, err = client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1001)})
	requireAPIError(t, err, "InvalidParameterValue")

	_, err = client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{
		InstanceIds: []string{srv.EC2.Instances()[0].ID}, MaxResults: aws.Int32(5),
	})
	requireAPIError(t, err, "InvalidParameterCombination")

	_, err = client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{NextToken: aws.String("not-a-token")})
	requireAPIError(t, err, "InvalidPaginationToken")

	first, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	require.NoError(t, err)
	require.NotNil(t, first.NextToken)
	_, err = client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{
		MaxResults: aws.Int32(5),
		NextToken:  first.NextToken,
		Filters:    []types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"running"}}},
	})
	requireAPIError(t, err, "InvalidPaginationToken")
}

func TestDescribeInstancesUnknownID(t *testing.T) {
	srv := startServer(t)
	known := addInstance(t, srv, Instance{})
	client := newEC2Client(srv)

	_, err := client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{
		InstanceIds: []string{known.ID, "i-0fffffffffffffff0"},
	})
	apiErr := requireAPIError(t, err, "InvalidInstanceID.NotFound")
	assert.Equal(t, "The instance ID 'i-0fffffffffffffff0' does not exist", apiErr.ErrorMessage())
	requireHTTPStatus(t, err, http.StatusBadRequest)
	assert.Equal(t, 1, srv.EC2.Calls("DescribeInstances"), "a not-found error must not be retried")

	_, err = client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{
		InstanceIds: []string{"i-0fffffffffffffff0", "i-0eeeeeeeeeeeeeee0"},
	})
	apiErr = requireAPIError(t, err, "InvalidInstanceID.NotFound")
	assert.Contains(t, apiErr.ErrorMessage(), "'i-0fffffffffffffff0, i-0eeeeeeeeeeeeeee0'")

	_, err = client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{"web-1"}})
	requireAPIError(t, err, "InvalidInstanceID.Malformed")
}

func TestDescribeInstanceAttribute(t *testing.T) {
	srv := startServer(t)
	protected := addInstance(t, srv, Instance{DisableAPITermination: true, InstanceType: "m7g.large"})
	stopProtected := addInstance(t, srv, Instance{DisableAPIStop: true})
	client := newEC2Client(srv)
	ctx := context.Background()

	out, err := client.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{
		InstanceId: aws.String(protected.ID), Attribute: types.InstanceAttributeNameDisableApiTermination,
	})
	require.NoError(t, err)
	assert.Equal(t, protected.ID, aws.ToString(out.InstanceId))
	require.NotNil(t, out.DisableApiTermination)
	assert.True(t, aws.ToBool(out.DisableApiTermination.Value))
	assert.Nil(t, out.DisableApiStop)

	out, err = client.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{
		InstanceId: aws.String(protected.ID), Attribute: types.InstanceAttributeNameDisableApiStop,
	})
	require.NoError(t, err)
	require.NotNil(t, out.DisableApiStop)
	assert.False(t, aws.ToBool(out.DisableApiStop.Value))

	out, err = client.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{
		InstanceId: aws.String(stopProtected.ID), Attribute: types.InstanceAttributeNameDisableApiStop,
	})
	require.NoError(t, err)
	require.NotNil(t, out.DisableApiStop)
	assert.True(t, aws.ToBool(out.DisableApiStop.Value))

	out, err = client.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{
		InstanceId: aws.String(stopProtected.ID), Attribute: types.InstanceAttributeNameDisableApiTermination,
	})
	require.NoError(t, err)
	require.NotNil(t, out.DisableApiTermination)
	assert.False(t, aws.ToBool(out.DisableApiTermination.Value))

	out, err = client.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{
		InstanceId: aws.String(protected.ID), Attribute: types.InstanceAttributeNameInstanceType,
	})
	require.NoError(t, err)
	require.NotNil(t, out.InstanceType)
	assert.Equal(t, "m7g.large", aws.ToString(out.InstanceType.Value))

	_, err = client.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{
		InstanceId: aws.String(protected.ID), Attribute: types.InstanceAttributeNameUserData,
	})
	requireAPIError(t, err, "InvalidParameterValue")

	_, err = client.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{
		InstanceId: aws.String("i-0fffffffffffffff0"), Attribute: types.InstanceAttributeNameDisableApiTermination,
	})
	requireAPIError(t, err, "InvalidInstanceID.NotFound")
}

func TestTerminateInstancesTransition(t *testing.T) {
	srv := startServer(t)
	running := addInstance(t, srv, Instance{})
	stopped := addInstance(t, srv, Instance{State: InstanceStateStopped})
	client := newEC2Client(srv)
	ctx := context.Background()

	out, err := client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{running.ID, stopped.ID}})
	require.NoError(t, err)
	require.Len(t, out.TerminatingInstances, 2)
	first := out.TerminatingInstances[0]
	assert.Equal(t, running.ID, aws.ToString(first.InstanceId))
	assert.Equal(t, types.InstanceStateNameRunning, first.PreviousState.Name)
	assert.Equal(t, int32(16), aws.ToInt32(first.PreviousState.Code))
	assert.Equal(t, types.InstanceStateNameShuttingDown, first.CurrentState.Name)
	assert.Equal(t, int32(32), aws.ToInt32(first.CurrentState.Code))
	second := out.TerminatingInstances[1]
	assert.Equal(t, stopped.ID, aws.ToString(second.InstanceId))
	assert.Equal(t, types.InstanceStateNameStopped, second.PreviousState.Name)
	assert.Equal(t, types.InstanceStateNameShuttingDown, second.CurrentState.Name)

	stored, ok := srv.EC2.Instance(running.ID)
	require.True(t, ok)
	assert.Equal(t, InstanceStateShuttingDown, stored.State, "the state must not change before the next DescribeInstances")

	described := describeOne(t, client, running.ID)
	assert.Equal(t, types.InstanceStateNameTerminated, described.State.Name)
	assert.Equal(t, int32(48), aws.ToInt32(described.State.Code))
	assert.Equal(t, types.InstanceStateNameTerminated, stateOf(t, client, stopped.ID))

	again, err := client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{running.ID}})
	require.NoError(t, err)
	require.Len(t, again.TerminatingInstances, 1)
	assert.Equal(t, types.InstanceStateNameTerminated, again.TerminatingInstances[0].PreviousState.Name)
	assert.Equal(t, types.InstanceStateNameTerminated, again.TerminatingInstances[0].CurrentState.Name)
}

func TestTerminateInstancesWaiter(t *testing.T) {
	srv := startServer(t)
	instance := addInstance(t, srv, Instance{})
	client := newEC2Client(srv)

	_, err := client.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{instance.ID}})
	require.NoError(t, err)
	waiter := ec2.NewInstanceTerminatedWaiter(client, func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay = time.Millisecond
		o.MaxDelay = time.Millisecond
	})
	err = waiter.Wait(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{instance.ID}}, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, 1, srv.EC2.Calls("DescribeInstances"))
}

func TestTerminateInstancesProtection(t *testing.T) {
	srv := startServer(t)
	protected := addInstance(t, srv, Instance{DisableAPITermination: true})
	client := newEC2Client(srv)
	ctx := context.Background()

	_, err := client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{protected.ID}})
	apiErr := requireAPIError(t, err, "OperationNotPermitted")
	assert.Contains(t, apiErr.ErrorMessage(), protected.ID)
	assert.Contains(t, apiErr.ErrorMessage(), "disableApiTermination")
	requireHTTPStatus(t, err, http.StatusBadRequest)
	assert.Equal(t, 1, srv.EC2.Calls("TerminateInstances"), "OperationNotPermitted must not be retried")
	assert.Equal(t, types.InstanceStateNameRunning, stateOf(t, client, protected.ID))
}

// The EC2 API reference documents that a protected instance keeps the
// other requested instances in its availability zone from terminating,
// and that the requested instances in other zones terminate.
func TestTerminateInstancesProtectionByZone(t *testing.T) {
	srv := startServer(t)
	sameZone := addInstance(t, srv, Instance{AvailabilityZone: "eu-west-1a"})
	protected := addInstance(t, srv, Instance{AvailabilityZone: "eu-west-1a", DisableAPITermination: true})
	otherZone := addInstance(t, srv, Instance{AvailabilityZone: "eu-west-1b"})
	client := newEC2Client(srv)

	_, err := client.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{
		InstanceIds: []string{sameZone.ID, protected.ID, otherZone.ID},
	})
	requireAPIError(t, err, "OperationNotPermitted")
	assert.Equal(t, types.InstanceStateNameRunning, stateOf(t, client, sameZone.ID))
	assert.Equal(t, types.InstanceStateNameRunning, stateOf(t, client, protected.ID))
	assert.Equal(t, types.InstanceStateNameTerminated, stateOf(t, client, otherZone.ID))
}

func TestTerminateInstancesUnknownID(t *testing.T) {
	srv := startServer(t)
	known := addInstance(t, srv, Instance{})
	client := newEC2Client(srv)

	_, err := client.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{
		InstanceIds: []string{known.ID, "i-0fffffffffffffff0"},
	})
	requireAPIError(t, err, "InvalidInstanceID.NotFound")
	stored, ok := srv.EC2.Instance(known.ID)
	require.True(t, ok)
	assert.Equal(t, InstanceStateRunning, stored.State, "a failed request must terminate nothing")

	_, err = client.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{"i-xyz"}})
	requireAPIError(t, err, "InvalidInstanceID.Malformed")
}

func TestStopInstancesTransition(t *testing.T) {
	srv := startServer(t)
	instance := addInstance(t, srv, Instance{})
	client := newEC2Client(srv)
	ctx := context.Background()

	out, err := client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{instance.ID}})
	require.NoError(t, err)
	require.Len(t, out.StoppingInstances, 1)
	change := out.StoppingInstances[0]
	assert.Equal(t, instance.ID, aws.ToString(change.InstanceId))
	assert.Equal(t, types.InstanceStateNameRunning, change.PreviousState.Name)
	assert.Equal(t, types.InstanceStateNameStopping, change.CurrentState.Name)
	assert.Equal(t, int32(64), aws.ToInt32(change.CurrentState.Code))

	described := describeOne(t, client, instance.ID)
	assert.Equal(t, types.InstanceStateNameStopped, described.State.Name)
	assert.Equal(t, int32(80), aws.ToInt32(described.State.Code))

	again, err := client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{instance.ID}})
	require.NoError(t, err)
	require.Len(t, again.StoppingInstances, 1)
	assert.Equal(t, types.InstanceStateNameStopped, again.StoppingInstances[0].PreviousState.Name)
	assert.Equal(t, types.InstanceStateNameStopped, again.StoppingInstances[0].CurrentState.Name)
}

func TestStopInstancesProtection(t *testing.T) {
	srv := startServer(t)
	unprotected := addInstance(t, srv, Instance{})
	protected := addInstance(t, srv, Instance{DisableAPIStop: true})
	terminated := addInstance(t, srv, Instance{State: InstanceStateTerminated})
	client := newEC2Client(srv)
	ctx := context.Background()

	_, err := client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{unprotected.ID, protected.ID}})
	apiErr := requireAPIError(t, err, "OperationNotPermitted")
	assert.Contains(t, apiErr.ErrorMessage(), protected.ID)
	assert.Contains(t, apiErr.ErrorMessage(), "disableApiStop")
	assert.Equal(t, types.InstanceStateNameRunning, stateOf(t, client, unprotected.ID))
	assert.Equal(t, types.InstanceStateNameRunning, stateOf(t, client, protected.ID))

	_, err = client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{terminated.ID}})
	requireAPIError(t, err, "IncorrectInstanceState")

	// Stop protection does not keep an instance from terminating.
	out, err := client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{protected.ID}})
	require.NoError(t, err)
	require.Len(t, out.TerminatingInstances, 1)
	assert.Equal(t, types.InstanceStateNameShuttingDown, out.TerminatingInstances[0].CurrentState.Name)
}

func TestEC2ThrottleRetried(t *testing.T) {
	srv := startServer(t)
	instance := addInstance(t, srv, Instance{})
	require.NoError(t, srv.EC2.Faults.Inject(Fault{Kind: FaultThrottle, Action: "TerminateInstances", Count: 2}))
	client := newEC2Client(srv)

	out, err := client.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{instance.ID}})
	require.NoError(t, err)
	require.Len(t, out.TerminatingInstances, 1)
	assert.Equal(t, types.InstanceStateNameShuttingDown, out.TerminatingInstances[0].CurrentState.Name)
	assert.Equal(t, 3, srv.EC2.Calls("TerminateInstances"))
	assert.Equal(t, 0, srv.EC2.Faults.Remaining())
}

// The SDK's standard retryer makes 3 attempts, so a fourth throttling
// fault is left over, and the instance stays running.
func TestEC2ThrottleExhaustsRetries(t *testing.T) {
	srv := startServer(t)
	instance := addInstance(t, srv, Instance{})
	require.NoError(t, srv.EC2.Faults.Inject(Fault{Kind: FaultThrottle, Action: "TerminateInstances", Count: 4}))
	client := newEC2Client(srv)

	_, err := client.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{instance.ID}})
	requireAPIError(t, err, "RequestLimitExceeded")
	requireHTTPStatus(t, err, http.StatusServiceUnavailable)
	assert.Equal(t, 3, srv.EC2.Calls("TerminateInstances"))
	assert.Equal(t, 1, srv.EC2.Faults.Remaining())

	stored, ok := srv.EC2.Instance(instance.ID)
	require.True(t, ok)
	assert.Equal(t, InstanceStateRunning, stored.State)
	assert.Equal(t, types.InstanceStateNameRunning, stateOf(t, client, instance.ID))
}

func TestDescribeAddresses(t *testing.T) {
	srv := startServer(t)
	associated, err := srv.EC2.AddAddress(Address{
		PublicIP:           "203.0.113.10",
		AssociationID:      "eipassoc-0aaa",
		InstanceID:         "i-0123456789abcdef0",
		NetworkInterfaceID: "eni-0aaa",
		PrivateIPAddress:   "10.0.1.15",
		Tags:               map[string]string{"Name": "edge-a"},
	})
	require.NoError(t, err)
	assert.Regexp(t, `^eipalloc-[0-9a-f]{17}$`, associated.AllocationID)
	free, err := srv.EC2.AddAddress(Address{AllocationID: "eipalloc-0bbb", PublicIP: "203.0.113.11"})
	require.NoError(t, err)
	client := newEC2Client(srv)
	ctx := context.Background()

	all, err := client.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	require.NoError(t, err)
	require.Len(t, all.Addresses, 2)
	got := all.Addresses[0]
	assert.Equal(t, associated.AllocationID, aws.ToString(got.AllocationId))
	assert.Equal(t, "203.0.113.10", aws.ToString(got.PublicIp))
	assert.Equal(t, "eipassoc-0aaa", aws.ToString(got.AssociationId))
	assert.Equal(t, "i-0123456789abcdef0", aws.ToString(got.InstanceId))
	assert.Equal(t, "eni-0aaa", aws.ToString(got.NetworkInterfaceId))
	assert.Equal(t, testAccountID, aws.ToString(got.NetworkInterfaceOwnerId))
	assert.Equal(t, "10.0.1.15", aws.ToString(got.PrivateIpAddress))
	assert.Equal(t, types.DomainTypeVpc, got.Domain)
	assert.Equal(t, []types.Tag{{Key: aws.String("Name"), Value: aws.String("edge-a")}}, got.Tags)
	assert.Nil(t, all.Addresses[1].AssociationId)

	tests := []struct {
		name  string
		input *ec2.DescribeAddressesInput
		want  string
	}{
		{"allocation ID list", &ec2.DescribeAddressesInput{AllocationIds: []string{"eipalloc-0bbb"}}, free.PublicIP},
		{"public IP list", &ec2.DescribeAddressesInput{PublicIps: []string{"203.0.113.10"}}, associated.PublicIP},
		{"allocation-id", &ec2.DescribeAddressesInput{Filters: []types.Filter{{Name: aws.String("allocation-id"), Values: []string{"eipalloc-0bbb"}}}}, free.PublicIP},
		{"public-ip", &ec2.DescribeAddressesInput{Filters: []types.Filter{{Name: aws.String("public-ip"), Values: []string{"203.0.113.11"}}}}, free.PublicIP},
		{"network-interface-id", &ec2.DescribeAddressesInput{Filters: []types.Filter{{Name: aws.String("network-interface-id"), Values: []string{"eni-0aaa"}}}}, associated.PublicIP},
		{"tag", &ec2.DescribeAddressesInput{Filters: []types.Filter{{Name: aws.String("tag:Name"), Values: []string{"edge-a"}}}}, associated.PublicIP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.DescribeAddresses(ctx, tt.input)
			require.NoError(t, err)
			require.Len(t, out.Addresses, 1)
			assert.Equal(t, tt.want, aws.ToString(out.Addresses[0].PublicIp))
		})
	}

	none, err := client.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{
		Filters: []types.Filter{{Name: aws.String("association-id"), Values: []string{"eipassoc-0zzz"}}},
	})
	require.NoError(t, err)
	assert.Empty(t, none.Addresses)

	_, err = client.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{"eipalloc-0fff"}})
	requireAPIError(t, err, "InvalidAllocationID.NotFound")
	_, err = client.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{PublicIps: []string{"198.51.100.1"}})
	requireAPIError(t, err, "InvalidAddress.NotFound")
	_, err = client.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{
		Filters: []types.Filter{{Name: aws.String("carrier-ip"), Values: []string{"x"}}},
	})
	requireAPIError(t, err, "InvalidParameterValue")
}

func TestAddAddressErrors(t *testing.T) {
	state := NewEC2(testRegion, testAccountID)
	_, err := state.AddAddress(Address{})
	assert.ErrorContains(t, err, "invalid public IP")
	_, err = state.AddAddress(Address{PublicIP: "2001:db8::1"})
	assert.ErrorContains(t, err, "invalid public IP")
	_, err = state.AddAddress(Address{PublicIP: "203.0.113.10", AllocationID: "eipalloc-0aaa"})
	require.NoError(t, err)
	_, err = state.AddAddress(Address{PublicIP: "203.0.113.10"})
	assert.ErrorContains(t, err, "already taken")
	_, err = state.AddAddress(Address{PublicIP: "203.0.113.11", AllocationID: "eipalloc-0aaa"})
	assert.ErrorContains(t, err, "already taken")
	assert.Len(t, state.Addresses(), 1)
}

func TestDescribeEndpointServiceConfigurations(t *testing.T) {
	srv := startServer(t)
	nlbService, err := srv.EC2.AddEndpointService(EndpointService{
		NetworkLoadBalancerARNs: []string{nlbARN},
		AcceptanceRequired:      true,
		Tags:                    map[string]string{"team": "edge"},
	})
	require.NoError(t, err)
	assert.Regexp(t, `^vpce-svc-[0-9a-f]{17}$`, nlbService.ID)
	assert.Equal(t, "com.amazonaws.vpce.eu-west-1."+nlbService.ID, nlbService.Name)
	gwlbService, err := srv.EC2.AddEndpointService(EndpointService{
		ID: "vpce-svc-0gwlb", GatewayLoadBalancerARNs: []string{gwlbARN}, State: "Pending",
	})
	require.NoError(t, err)
	client := newEC2Client(srv)
	ctx := context.Background()

	all, err := client.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	require.NoError(t, err)
	assert.Nil(t, all.NextToken)
	require.Len(t, all.ServiceConfigurations, 2)
	got := all.ServiceConfigurations[0]
	assert.Equal(t, nlbService.ID, aws.ToString(got.ServiceId))
	assert.Equal(t, nlbService.Name, aws.ToString(got.ServiceName))
	assert.Equal(t, types.ServiceStateAvailable, got.ServiceState)
	assert.Equal(t, []types.ServiceTypeDetail{{ServiceType: types.ServiceTypeInterface}}, got.ServiceType)
	assert.Equal(t, []string{nlbARN}, got.NetworkLoadBalancerArns)
	assert.Empty(t, got.GatewayLoadBalancerArns)
	assert.True(t, aws.ToBool(got.AcceptanceRequired))
	assert.Equal(t, []types.Tag{{Key: aws.String("team"), Value: aws.String("edge")}}, got.Tags)
	gwlb := all.ServiceConfigurations[1]
	assert.Equal(t, []string{gwlbARN}, gwlb.GatewayLoadBalancerArns)
	assert.Equal(t, types.ServiceStatePending, gwlb.ServiceState)
	assert.Equal(t, []types.ServiceTypeDetail{{ServiceType: types.ServiceTypeGatewayLoadBalancer}}, gwlb.ServiceType)

	tests := []struct {
		name  string
		input *ec2.DescribeVpcEndpointServiceConfigurationsInput
		want  string
	}{
		{"service IDs", &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{gwlbService.ID}}, gwlbService.ID},
		{"service-id", &ec2.DescribeVpcEndpointServiceConfigurationsInput{
			Filters: []types.Filter{{Name: aws.String("service-id"), Values: []string{nlbService.ID}}}}, nlbService.ID},
		{"service-name", &ec2.DescribeVpcEndpointServiceConfigurationsInput{
			Filters: []types.Filter{{Name: aws.String("service-name"), Values: []string{nlbService.Name}}}}, nlbService.ID},
		{"service-state", &ec2.DescribeVpcEndpointServiceConfigurationsInput{
			Filters: []types.Filter{{Name: aws.String("service-state"), Values: []string{"Pending"}}}}, gwlbService.ID},
		{"tag", &ec2.DescribeVpcEndpointServiceConfigurationsInput{
			Filters: []types.Filter{{Name: aws.String("tag:team"), Values: []string{"edge"}}}}, nlbService.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.DescribeVpcEndpointServiceConfigurations(ctx, tt.input)
			require.NoError(t, err)
			require.Len(t, out.ServiceConfigurations, 1)
			assert.Equal(t, tt.want, aws.ToString(out.ServiceConfigurations[0].ServiceId))
		})
	}

	_, err = client.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{
		ServiceIds: []string{"vpce-svc-0missing"},
	})
	apiErr := requireAPIError(t, err, "InvalidVpcEndpointServiceId.NotFound")
	assert.Contains(t, apiErr.ErrorMessage(), "vpce-svc-0missing")
}

func TestDescribeEndpointServiceConfigurationsPaginator(t *testing.T) {
	srv := startServer(t)
	var want []string
	for i := range 7 {
		service, err := srv.EC2.AddEndpointService(EndpointService{
			ID: fmt.Sprintf("vpce-svc-%02d", i), NetworkLoadBalancerARNs: []string{nlbARN},
		})
		require.NoError(t, err)
		want = append(want, service.ID)
	}
	client := newEC2Client(srv)
	ctx := context.Background()

	paginator := ec2.NewDescribeVpcEndpointServiceConfigurationsPaginator(client,
		&ec2.DescribeVpcEndpointServiceConfigurationsInput{MaxResults: aws.Int32(5)})
	var got []string
	var pageSizes []int
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		require.NoError(t, err)
		pageSizes = append(pageSizes, len(page.ServiceConfigurations))
		for _, service := range page.ServiceConfigurations {
			got = append(got, aws.ToString(service.ServiceId))
		}
	}
	assert.Equal(t, []int{5, 2}, pageSizes)
	assert.Equal(t, want, got)

	capped, err := client.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{
		MaxResults: aws.Int32(5000),
	})
	require.NoError(t, err)
	assert.Len(t, capped.ServiceConfigurations, 7)
	_, err = client.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{
		MaxResults: aws.Int32(4),
	})
	requireAPIError(t, err, "InvalidParameterValue")
}

func TestAddEndpointServiceErrors(t *testing.T) {
	state := NewEC2(testRegion, testAccountID)
	_, err := state.AddEndpointService(EndpointService{})
	assert.ErrorContains(t, err, "set exactly one")
	_, err = state.AddEndpointService(EndpointService{NetworkLoadBalancerARNs: []string{nlbARN}, GatewayLoadBalancerARNs: []string{gwlbARN}})
	assert.ErrorContains(t, err, "set exactly one")
	_, err = state.AddEndpointService(EndpointService{NetworkLoadBalancerARNs: []string{nlbARN}, State: "available"})
	assert.ErrorContains(t, err, "unknown state")
	_, err = state.AddEndpointService(EndpointService{ID: "vpce-svc-0a", NetworkLoadBalancerARNs: []string{nlbARN}})
	require.NoError(t, err)
	_, err = state.AddEndpointService(EndpointService{ID: "vpce-svc-0a", NetworkLoadBalancerARNs: []string{nlbARN}})
	assert.ErrorContains(t, err, "already taken")
	_, err = state.AddEndpointService(EndpointService{Name: "com.amazonaws.vpce.eu-west-1.vpce-svc-0a", NetworkLoadBalancerARNs: []string{nlbARN}})
	assert.ErrorContains(t, err, "already taken")
	assert.Len(t, state.EndpointServices(), 1)
}

func TestEC2UnknownAction(t *testing.T) {
	srv := startServer(t)
	_, err := newEC2Client(srv).StartInstances(context.Background(), &ec2.StartInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
	requireAPIError(t, err, "InvalidAction")
	requireHTTPStatus(t, err, http.StatusBadRequest)
}

func TestMatchWildcard(t *testing.T) {
	tests := []struct {
		pattern, value string
		want           bool
	}{
		{"web-1", "web-1", true},
		{"web-1", "web-10", false},
		{"web-*", "web-10", true},
		{"web-*", "api-1", false},
		{"*", "", true},
		{"*-asg", "edge-asg", true},
		{"w?b", "wab", true},
		{"w?b", "wb", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{`a\*`, "a*", true},
		{`a\*`, "ab", false},
		{`a\?`, "a?", true},
		{`a\`, `a\`, true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, matchWildcard(tt.pattern, tt.value), "pattern %q, value %q", tt.pattern, tt.value)
	}
}
