package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testARNPrefix = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:"

// fakeELBv2 serves the two describe calls from fixed load balancers and
// target groups, and pages target groups pageSize at a time.
type fakeELBv2 struct {
	loadBalancers []elbv2types.LoadBalancer
	// targetGroups are keyed by load balancer ARN.
	targetGroups map[string][]elbv2types.TargetGroup
	pageSize     int

	lbInputs []elbv2.DescribeLoadBalancersInput
	tgCalls  int
}

func (f *fakeELBv2) DescribeLoadBalancers(_ context.Context, in *elbv2.DescribeLoadBalancersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	f.lbInputs = append(f.lbInputs, *in)
	var found []elbv2types.LoadBalancer
	for _, want := range append(append([]string(nil), in.Names...), in.LoadBalancerArns...) {
		ok := false
		for _, lb := range f.loadBalancers {
			if aws.ToString(lb.LoadBalancerName) == want || aws.ToString(lb.LoadBalancerArn) == want {
				found = append(found, lb)
				ok = true
			}
		}
		if !ok {
			return nil, &elbv2types.LoadBalancerNotFoundException{Message: aws.String(fmt.Sprintf("Load balancers '[%s]' not found", want))}
		}
	}
	return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: found}, nil
}

func (f *fakeELBv2) DescribeTargetGroups(_ context.Context, in *elbv2.DescribeTargetGroupsInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error) {
	f.tgCalls++
	groups := f.targetGroups[aws.ToString(in.LoadBalancerArn)]
	start, end, next, err := fakePage(in.Marker, len(groups), f.pageSize)
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeTargetGroupsOutput{TargetGroups: groups[start:end], NextMarker: next}, nil
}

func describedLB(name string, lbType elbv2types.LoadBalancerTypeEnum, dimension string) elbv2types.LoadBalancer {
	return elbv2types.LoadBalancer{
		LoadBalancerName: aws.String(name),
		LoadBalancerArn:  aws.String(testARNPrefix + "loadbalancer/" + dimension),
		Type:             lbType,
	}
}

func describedTG(name, id string) elbv2types.TargetGroup {
	return elbv2types.TargetGroup{
		TargetGroupName: aws.String(name),
		TargetGroupArn:  aws.String(testARNPrefix + "targetgroup/" + name + "/" + id),
	}
}

func newFakeELBv2() *fakeELBv2 {
	alb := describedLB("web", elbv2types.LoadBalancerTypeEnumApplication, testALBDimension)
	nlb := describedLB("edge", elbv2types.LoadBalancerTypeEnumNetwork, testNLBDimension)
	gwy := describedLB("inspect", elbv2types.LoadBalancerTypeEnumGateway, "gwy/inspect/0a1b2c3d4e5f6a7b")
	return &fakeELBv2{
		loadBalancers: []elbv2types.LoadBalancer{alb, nlb, gwy},
		targetGroups: map[string][]elbv2types.TargetGroup{
			aws.ToString(alb.LoadBalancerArn): {
				describedTG("web-a", "1111111111111111"),
				describedTG("web-b", "2222222222222222"),
				describedTG("web-c", "3333333333333333"),
			},
		},
		pageSize: 2,
	}
}

func TestResolve(t *testing.T) {
	webTargetGroups := []TargetGroup{
		{Name: "web-a", ARN: testARNPrefix + "targetgroup/web-a/1111111111111111", Dimension: "targetgroup/web-a/1111111111111111"},
		{Name: "web-b", ARN: testARNPrefix + "targetgroup/web-b/2222222222222222", Dimension: "targetgroup/web-b/2222222222222222"},
		{Name: "web-c", ARN: testARNPrefix + "targetgroup/web-c/3333333333333333", Dimension: "targetgroup/web-c/3333333333333333"},
	}
	tests := []struct {
		name      string
		nameOrARN string
		wantByARN bool
		want      LoadBalancer
	}{
		{
			name:      "ALB by name",
			nameOrARN: "web",
			want: LoadBalancer{
				Name: "web", ARN: testARNPrefix + "loadbalancer/" + testALBDimension,
				Type: TypeApplication, Dimension: testALBDimension, TargetGroups: webTargetGroups,
			},
		},
		{
			name:      "ALB by ARN",
			nameOrARN: testARNPrefix + "loadbalancer/" + testALBDimension,
			wantByARN: true,
			want: LoadBalancer{
				Name: "web", ARN: testARNPrefix + "loadbalancer/" + testALBDimension,
				Type: TypeApplication, Dimension: testALBDimension, TargetGroups: webTargetGroups,
			},
		},
		{
			name:      "NLB without target groups",
			nameOrARN: "edge",
			want: LoadBalancer{
				Name: "edge", ARN: testARNPrefix + "loadbalancer/" + testNLBDimension,
				Type: TypeNetwork, Dimension: testNLBDimension,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeELBv2()
			lb, err := Resolve(context.Background(), api, tt.nameOrARN)
			require.NoError(t, err)
			assert.Equal(t, tt.want, lb)

			require.Len(t, api.lbInputs, 1)
			if tt.wantByARN {
				assert.Equal(t, []string{tt.nameOrARN}, api.lbInputs[0].LoadBalancerArns, "LoadBalancerArns")
				assert.Empty(t, api.lbInputs[0].Names, "Names")
			} else {
				assert.Equal(t, []string{tt.nameOrARN}, api.lbInputs[0].Names, "Names")
				assert.Empty(t, api.lbInputs[0].LoadBalancerArns, "LoadBalancerArns")
			}
		})
	}
}

func TestResolvePagesTargetGroups(t *testing.T) {
	api := newFakeELBv2()
	lb, err := Resolve(context.Background(), api, "web")
	require.NoError(t, err)
	assert.Len(t, lb.TargetGroups, 3)
	assert.Equal(t, 2, api.tgCalls, "DescribeTargetGroups pages of 2")
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name       string
		nameOrARN  string
		wantErrSub string
		wantErr    any
	}{
		{name: "empty", nameOrARN: "", wantErrSub: "name or ARN is empty"},
		{
			name:       "unknown name",
			nameOrARN:  "nope",
			wantErrSub: "load balancer nope not found, check the name and the AWS region",
			wantErr:    new(*elbv2types.LoadBalancerNotFoundException),
		},
		{
			name:       "unknown ARN",
			nameOrARN:  testARNPrefix + "loadbalancer/app/nope/1",
			wantErrSub: "loadbalancer/app/nope/1 not found",
			wantErr:    new(*elbv2types.LoadBalancerNotFoundException),
		},
		{name: "gateway", nameOrARN: "inspect", wantErrSub: `type "gateway" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(context.Background(), newFakeELBv2(), tt.nameOrARN)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErrSub)
			if tt.wantErr != nil {
				assert.ErrorAs(t, err, tt.wantErr)
			}
		})
	}
}

func TestResolveRejectsBadARN(t *testing.T) {
	api := newFakeELBv2()
	api.loadBalancers = append(api.loadBalancers, elbv2types.LoadBalancer{
		LoadBalancerName: aws.String("odd"),
		LoadBalancerArn:  aws.String(testARNPrefix + "loadbalancer/net/odd"),
		Type:             elbv2types.LoadBalancerTypeEnumApplication,
	})
	_, err := Resolve(context.Background(), api, "odd")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not end in loadbalancer/app/<name>/<id>")
}

func TestResolveTargetGroupError(t *testing.T) {
	api := &failingTargetGroups{fakeELBv2: newFakeELBv2(), err: errors.New("throttled")}
	_, err := Resolve(context.Background(), api, "web")
	require.ErrorIs(t, err, api.err)
	assert.Contains(t, err.Error(), "list target groups of load balancer web")
}

type failingTargetGroups struct {
	*fakeELBv2
	err error
}

func (f *failingTargetGroups) DescribeTargetGroups(context.Context, *elbv2.DescribeTargetGroupsInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error) {
	return nil, f.err
}

func TestCheckType(t *testing.T) {
	require.NoError(t, testALB.CheckType(TypeApplication))
	require.NoError(t, testNLB.CheckType(TypeNetwork))

	err := testNLB.CheckType(TypeApplication)
	require.Error(t, err)
	assert.Equal(t, "load balancer edge ("+testNLBDimension+") has type network, expected type application", err.Error())
}

func TestNamespace(t *testing.T) {
	assert.Equal(t, NamespaceALB, testALB.Namespace())
	assert.Equal(t, NamespaceNLB, testNLB.Namespace())
	assert.Empty(t, LoadBalancer{Type: "gateway"}.Namespace())
}
