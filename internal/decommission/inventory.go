package decommission

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
)

// ErrLoadBalancerNotFound is wrapped by ReadInventory's error when no load
// balancer has the name or ARN. After a run that deleted the NLB, the
// command resumes from the newest snapshot instead (see LatestSnapshot).
var ErrLoadBalancerNotFound = errors.New("load balancer not found")

// AutoScalingGroupTag is the tag that Amazon EC2 Auto Scaling puts on the
// instances of a group, with the group's name as the value.
const AutoScalingGroupTag = "aws:autoscaling:groupName"

// Page and batch limits of the AWS APIs, from the API references.
const (
	// maxTagResources is the number of ARNs that one ELBv2 DescribeTags
	// call takes.
	maxTagResources = 20
	// maxFilterValues is the number of values that one EC2 filter takes.
	maxFilterValues = 200
)

// Inventory is the NLB with everything around it that the checks and the
// plan look at, read at one moment.
type Inventory struct {
	LoadBalancer elbtypes.LoadBalancer
	// Attributes are the load balancer attributes by key, such as
	// "deletion_protection.enabled".
	Attributes map[string]string
	Tags       map[string]string
	Listeners  []elbtypes.Listener
	// TargetGroups are the groups whose LoadBalancerArns contain the NLB.
	TargetGroups []TargetGroup
	// OtherTargetGroups are every other target group of the account and
	// region, with their targets but without attributes and tags.
	OtherTargetGroups []TargetGroup
	// Instances are the EC2 instances among the targets of TargetGroups,
	// by instance ID.
	Instances map[string]Instance
}

// TargetGroup is a target group with its registered targets.
type TargetGroup struct {
	TargetGroup elbtypes.TargetGroup
	// Attributes and Tags are read for the NLB's groups only.
	Attributes map[string]string `json:",omitempty"`
	Tags       map[string]string `json:",omitempty"`
	Targets    []elbtypes.TargetHealthDescription
}

// ARN returns the target group's ARN.
func (g TargetGroup) ARN() string { return aws.ToString(g.TargetGroup.TargetGroupArn) }

// Name returns the target group's name.
func (g TargetGroup) Name() string { return aws.ToString(g.TargetGroup.TargetGroupName) }

// Instance is an EC2 instance that is a target of the NLB.
type Instance struct {
	ID string
	// Found is false when DescribeInstances no longer returns the
	// instance, as happens some time after it was terminated.
	Found bool
	State ec2types.InstanceStateName
	// PrivateIPAddress is the primary private IPv4 address, or empty. A
	// target group of target type ip can reach the instance through it.
	PrivateIPAddress string
	// SecondaryIPAddresses are the other private IPv4 addresses and the
	// IPv6 addresses of the instance's network interfaces, which a target
	// group of target type ip can also reach it through.
	SecondaryIPAddresses []string
	Tags                 map[string]string
	// AutoScalingGroup is the value of the aws:autoscaling:groupName tag,
	// or empty.
	AutoScalingGroup string
	// TerminationProtection and StopProtection are the instance attributes
	// disableApiTermination and disableApiStop.
	TerminationProtection bool
	StopProtection        bool
}

// Name returns the load balancer's name.
func (inv *Inventory) Name() string { return aws.ToString(inv.LoadBalancer.LoadBalancerName) }

// ARN returns the load balancer's ARN.
func (inv *Inventory) ARN() string { return aws.ToString(inv.LoadBalancer.LoadBalancerArn) }

// LoadBalancerName returns the name in a load balancer name or ARN: the
// NAME of an ARN whose resource part is loadbalancer/net/NAME/ID, and the
// argument itself when it is not an ARN.
func LoadBalancerName(nameOrARN string) string {
	if !strings.HasPrefix(nameOrARN, "arn:") {
		return nameOrARN
	}
	parts := strings.Split(metricDimension(nameOrARN), "/")
	if len(parts) != 3 {
		return nameOrARN
	}
	return parts[1]
}

// metricDimension returns the value of the CloudWatch dimension
// LoadBalancer for a load balancer ARN, such as "net/NAME/ID".
func metricDimension(arn string) string {
	_, resource, ok := strings.Cut(arn, ":loadbalancer/")
	if !ok {
		return ""
	}
	return resource
}

// ReadInventory reads the NLB named by nameOrARN, its listeners,
// attributes, tags and target groups, every other target group of the
// account with its targets, and the EC2 instances among the NLB's targets.
// A load balancer of another type is an error, and a missing one wraps
// ErrLoadBalancerNotFound.
func ReadInventory(ctx context.Context, c Clients, nameOrARN string) (*Inventory, error) {
	lb, err := describeLoadBalancer(ctx, c.ELBv2, nameOrARN)
	if err != nil {
		return nil, err
	}
	if lb.Type != elbtypes.LoadBalancerTypeEnumNetwork {
		return nil, fmt.Errorf("load balancer %s is of type %s, not network: decommission removes only the NLB of the migration, so name the NLB in decommission.load_balancer",
			aws.ToString(lb.LoadBalancerName), lb.Type)
	}
	inv := &Inventory{LoadBalancer: lb}
	arn := inv.ARN()

	attributes, err := c.ELBv2.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("read the attributes of load balancer %s: %w", arn, err)
	}
	inv.Attributes = attributeMap(attributes.Attributes, func(a elbtypes.LoadBalancerAttribute) (*string, *string) { return a.Key, a.Value })

	listeners := elbv2.NewDescribeListenersPaginator(c.ELBv2, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(arn)})
	for listeners.HasMorePages() {
		page, err := listeners.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the listeners of load balancer %s: %w", arn, err)
		}
		inv.Listeners = append(inv.Listeners, page.Listeners...)
	}

	groups, err := readTargetGroups(ctx, c.ELBv2)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if slices.Contains(g.TargetGroup.LoadBalancerArns, arn) {
			inv.TargetGroups = append(inv.TargetGroups, g)
		} else {
			inv.OtherTargetGroups = append(inv.OtherTargetGroups, g)
		}
	}
	for i := range inv.TargetGroups {
		g := &inv.TargetGroups[i]
		out, err := c.ELBv2.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(g.ARN())})
		if err != nil {
			return nil, fmt.Errorf("read the attributes of target group %s: %w", g.ARN(), err)
		}
		g.Attributes = attributeMap(out.Attributes, func(a elbtypes.TargetGroupAttribute) (*string, *string) { return a.Key, a.Value })
	}

	if err := readTags(ctx, c.ELBv2, inv); err != nil {
		return nil, err
	}
	if inv.Instances, err = readInstances(ctx, c.EC2, instanceTargets(inv.TargetGroups)); err != nil {
		return nil, err
	}
	return inv, nil
}

// describeLoadBalancer returns the load balancer with the name or ARN.
func describeLoadBalancer(ctx context.Context, api ELBv2API, nameOrARN string) (elbtypes.LoadBalancer, error) {
	in := &elbv2.DescribeLoadBalancersInput{Names: []string{nameOrARN}}
	if strings.HasPrefix(nameOrARN, "arn:") {
		in = &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{nameOrARN}}
	}
	out, err := api.DescribeLoadBalancers(ctx, in)
	if isErrorCode(err, "LoadBalancerNotFound") || (err == nil && len(out.LoadBalancers) == 0) {
		return elbtypes.LoadBalancer{}, fmt.Errorf("load balancer %s: %w", nameOrARN, ErrLoadBalancerNotFound)
	}
	if err != nil {
		return elbtypes.LoadBalancer{}, fmt.Errorf("describe load balancer %s: %w", nameOrARN, err)
	}
	return out.LoadBalancers[0], nil
}

// readTargetGroups returns every target group of the account with its
// targets.
func readTargetGroups(ctx context.Context, api ELBv2API) ([]TargetGroup, error) {
	var groups []TargetGroup
	pages := elbv2.NewDescribeTargetGroupsPaginator(api, &elbv2.DescribeTargetGroupsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the target groups: %w", err)
		}
		for _, tg := range page.TargetGroups {
			groups = append(groups, TargetGroup{TargetGroup: tg})
		}
	}
	for i := range groups {
		out, err := api.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: groups[i].TargetGroup.TargetGroupArn})
		if err != nil {
			return nil, fmt.Errorf("list the targets of target group %s: %w", groups[i].ARN(), err)
		}
		groups[i].Targets = out.TargetHealthDescriptions
	}
	return groups, nil
}

// readTags reads the tags of the load balancer and of its target groups.
func readTags(ctx context.Context, api ELBv2API, inv *Inventory) error {
	arns := []string{inv.ARN()}
	for _, g := range inv.TargetGroups {
		arns = append(arns, g.ARN())
	}
	tags := map[string]map[string]string{}
	for chunk := range slices.Chunk(arns, maxTagResources) {
		out, err := api.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: chunk})
		if err != nil {
			return fmt.Errorf("read the tags of %s: %w", strings.Join(chunk, ", "), err)
		}
		for _, d := range out.TagDescriptions {
			tags[aws.ToString(d.ResourceArn)] = attributeMap(d.Tags, func(t elbtypes.Tag) (*string, *string) { return t.Key, t.Value })
		}
	}
	inv.Tags = tags[inv.ARN()]
	for i := range inv.TargetGroups {
		inv.TargetGroups[i].Tags = tags[inv.TargetGroups[i].ARN()]
	}
	return nil
}

// instanceTargets returns the distinct IDs of the targets of the groups of
// target type instance, in order of appearance.
func instanceTargets(groups []TargetGroup) []string {
	var ids []string
	for _, g := range groups {
		if g.TargetGroup.TargetType != elbtypes.TargetTypeEnumInstance {
			continue
		}
		for _, t := range g.Targets {
			if id := targetID(t); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// readInstances reads the state, tags and protection attributes of the
// instances. It filters by instance-id instead of passing InstanceIds,
// because EC2 rejects the whole request when one ID no longer exists.
func readInstances(ctx context.Context, api EC2API, ids []string) (map[string]Instance, error) {
	instances := map[string]Instance{}
	for _, id := range ids {
		instances[id] = Instance{ID: id}
	}
	for chunk := range slices.Chunk(ids, maxFilterValues) {
		pages := ec2.NewDescribeInstancesPaginator(api, &ec2.DescribeInstancesInput{
			Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: chunk}},
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describe instances %s: %w", strings.Join(chunk, ", "), err)
			}
			for _, r := range page.Reservations {
				for _, found := range r.Instances {
					instance := Instance{
						ID:                   aws.ToString(found.InstanceId),
						Found:                true,
						PrivateIPAddress:     aws.ToString(found.PrivateIpAddress),
						SecondaryIPAddresses: secondaryAddresses(found),
						Tags:                 attributeMap(found.Tags, func(t ec2types.Tag) (*string, *string) { return t.Key, t.Value }),
					}
					if found.State != nil {
						instance.State = found.State.Name
					}
					instance.AutoScalingGroup = instance.Tags[AutoScalingGroupTag]
					instances[instance.ID] = instance
				}
			}
		}
	}

	for _, id := range ids {
		instance := instances[id]
		if !instance.Found || instance.State == ec2types.InstanceStateNameTerminated {
			continue
		}
		var err error
		if instance.TerminationProtection, err = instanceFlag(ctx, api, id, ec2types.InstanceAttributeNameDisableApiTermination); err != nil {
			return nil, err
		}
		if instance.StopProtection, err = instanceFlag(ctx, api, id, ec2types.InstanceAttributeNameDisableApiStop); err != nil {
			return nil, err
		}
		instances[id] = instance
	}
	return instances, nil
}

// secondaryAddresses returns the private IPv4 addresses of the instance's
// network interfaces other than its primary one, and their IPv6
// addresses, without duplicates.
func secondaryAddresses(instance ec2types.Instance) []string {
	primary := aws.ToString(instance.PrivateIpAddress)
	var addresses []string
	add := func(address string) {
		if address != "" && address != primary && !slices.Contains(addresses, address) {
			addresses = append(addresses, address)
		}
	}
	for _, ni := range instance.NetworkInterfaces {
		for _, a := range ni.PrivateIpAddresses {
			add(aws.ToString(a.PrivateIpAddress))
		}
		for _, a := range ni.Ipv6Addresses {
			add(aws.ToString(a.Ipv6Address))
		}
	}
	return addresses
}

// instanceFlag returns a boolean instance attribute.
func instanceFlag(ctx context.Context, api EC2API, id string, name ec2types.InstanceAttributeName) (bool, error) {
	out, err := api.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: name})
	if err != nil {
		return false, fmt.Errorf("read attribute %s of instance %s: %w", name, id, err)
	}
	var value *ec2types.AttributeBooleanValue
	switch name {
	case ec2types.InstanceAttributeNameDisableApiTermination:
		value = out.DisableApiTermination
	case ec2types.InstanceAttributeNameDisableApiStop:
		value = out.DisableApiStop
	}
	if value == nil {
		return false, fmt.Errorf("read attribute %s of instance %s: the response has no value", name, id)
	}
	return aws.ToBool(value.Value), nil
}

// attributeMap returns key/value pairs as a map. kv returns an item's key
// and value.
func attributeMap[T any](items []T, kv func(T) (*string, *string)) map[string]string {
	m := make(map[string]string, len(items))
	for _, item := range items {
		k, v := kv(item)
		m[aws.ToString(k)] = aws.ToString(v)
	}
	return m
}

// isErrorCode reports whether err is an AWS API error with the code.
func isErrorCode(err error, code string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == code
}

// targetID returns the ID of a registered target, or "" when the
// description has none.
func targetID(t elbtypes.TargetHealthDescription) string {
	if t.Target == nil {
		return ""
	}
	return aws.ToString(t.Target.Id)
}
