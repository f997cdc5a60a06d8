package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// Load balancer types, as ELBv2 names them.
const (
	TypeApplication = "application"
	TypeNetwork     = "network"
)

// ELBv2API is the part of the Elastic Load Balancing v2 client that
// [Resolve] uses. *elasticloadbalancingv2.Client implements it.
type ELBv2API interface {
	DescribeLoadBalancers(ctx context.Context, params *elbv2.DescribeLoadBalancersInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error)
	DescribeTargetGroups(ctx context.Context, params *elbv2.DescribeTargetGroupsInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error)
}

var _ ELBv2API = (*elbv2.Client)(nil)

// LoadBalancer is an Application or Network Load Balancer with the values
// that name it in CloudWatch.
type LoadBalancer struct {
	Name string
	ARN  string
	// Type is TypeApplication or TypeNetwork.
	Type string
	// Dimension is the value of the LoadBalancer dimension, the part of the
	// ARN after "loadbalancer/": "app/<name>/<id>" or "net/<name>/<id>".
	Dimension    string
	TargetGroups []TargetGroup
}

// TargetGroup is a target group that a load balancer routes to.
type TargetGroup struct {
	Name string
	ARN  string
	// Dimension is the value of the TargetGroup dimension,
	// "targetgroup/<name>/<id>".
	Dimension string
}

// Namespace returns the CloudWatch namespace of the load balancer's
// metrics, or "" when its Type is neither application nor network.
func (lb LoadBalancer) Namespace() string {
	switch lb.Type {
	case TypeApplication:
		return NamespaceALB
	case TypeNetwork:
		return NamespaceNLB
	}
	return ""
}

// CheckType returns an error that names the type found when the load
// balancer is not of type want (TypeApplication or TypeNetwork).
func (lb LoadBalancer) CheckType(want string) error {
	if lb.Type == want {
		return nil
	}
	return fmt.Errorf("load balancer %s (%s) has type %s, expected type %s", lb.Name, lb.Dimension, lb.Type, want)
}

// Resolve looks up a load balancer by name, or by ARN when nameOrARN starts
// with "arn:", and lists its target groups. It returns an error when the load
// balancer does not exist in the client's region, or when it is neither an
// application nor a network load balancer.
func Resolve(ctx context.Context, api ELBv2API, nameOrARN string) (LoadBalancer, error) {
	if nameOrARN == "" {
		return LoadBalancer{}, errors.New("resolve load balancer: the name or ARN is empty")
	}

	input := &elbv2.DescribeLoadBalancersInput{}
	if strings.HasPrefix(nameOrARN, "arn:") {
		input.LoadBalancerArns = []string{nameOrARN}
	} else {
		input.Names = []string{nameOrARN}
	}
	out, err := api.DescribeLoadBalancers(ctx, input)
	if err != nil {
		var notFound *elbv2types.LoadBalancerNotFoundException
		if errors.As(err, &notFound) {
			return LoadBalancer{}, fmt.Errorf("load balancer %s not found, check the name and the AWS region: %w", nameOrARN, err)
		}
		return LoadBalancer{}, fmt.Errorf("describe load balancer %s: %w", nameOrARN, err)
	}
	if len(out.LoadBalancers) != 1 {
		return LoadBalancer{}, fmt.Errorf("describe load balancer %s: expected 1 load balancer, got %d", nameOrARN, len(out.LoadBalancers))
	}

	lb, err := newLoadBalancer(out.LoadBalancers[0])
	if err != nil {
		return LoadBalancer{}, fmt.Errorf("resolve load balancer %s: %w", nameOrARN, err)
	}
	lb.TargetGroups, err = listTargetGroups(ctx, api, lb.ARN)
	if err != nil {
		return LoadBalancer{}, fmt.Errorf("list target groups of load balancer %s: %w", lb.Name, err)
	}
	return lb, nil
}

// newLoadBalancer checks the type and derives the dimension value from the
// ARN of a described load balancer.
func newLoadBalancer(described elbv2types.LoadBalancer) (LoadBalancer, error) {
	lb := LoadBalancer{
		Name: aws.ToString(described.LoadBalancerName),
		ARN:  aws.ToString(described.LoadBalancerArn),
		Type: string(described.Type),
	}

	var prefix string
	switch lb.Type {
	case TypeApplication:
		prefix = "app/"
	case TypeNetwork:
		prefix = "net/"
	default:
		return LoadBalancer{}, fmt.Errorf("type %q is not supported, cutover reads the metrics of application and network load balancers only", lb.Type)
	}

	_, dimension, ok := strings.Cut(lb.ARN, ":loadbalancer/")
	if !ok || !strings.HasPrefix(dimension, prefix) || strings.Count(dimension, "/") != 2 {
		return LoadBalancer{}, fmt.Errorf("ARN %q does not end in loadbalancer/%s<name>/<id>", lb.ARN, prefix)
	}
	lb.Dimension = dimension
	return lb, nil
}

// listTargetGroups returns the target groups of a load balancer, in the
// order ELBv2 lists them, following every page.
func listTargetGroups(ctx context.Context, api ELBv2API, loadBalancerARN string) ([]TargetGroup, error) {
	var groups []TargetGroup
	pages := elbv2.NewDescribeTargetGroupsPaginator(api, &elbv2.DescribeTargetGroupsInput{
		LoadBalancerArn: aws.String(loadBalancerARN),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, described := range page.TargetGroups {
			arn := aws.ToString(described.TargetGroupArn)
			_, rest, ok := strings.Cut(arn, ":targetgroup/")
			if !ok || strings.Count(rest, "/") != 1 {
				return nil, fmt.Errorf("target group ARN %q does not end in targetgroup/<name>/<id>", arn)
			}
			groups = append(groups, TargetGroup{
				Name:      aws.ToString(described.TargetGroupName),
				ARN:       arn,
				Dimension: "targetgroup/" + rest,
			})
		}
	}
	return groups, nil
}
