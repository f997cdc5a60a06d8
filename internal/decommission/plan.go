package decommission

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// Action is the change that the decommission makes to a resource.
type Action string

// The actions of a plan.
const (
	ActionDelete    Action = "delete"
	ActionTerminate Action = "terminate"
	ActionStop      Action = "stop"
	// ActionKeep leaves the resource as it is.
	ActionKeep Action = "keep"
)

// ResourceKind is the type of a resource in a plan.
type ResourceKind string

// The kinds of resources in a plan.
const (
	KindRecord       ResourceKind = "record"
	KindLoadBalancer ResourceKind = "load-balancer"
	KindListener     ResourceKind = "listener"
	KindTargetGroup  ResourceKind = "target-group"
	KindInstance     ResourceKind = "instance"
	// KindTarget is a target that is not an instance: an IP address, a
	// Lambda function or an application load balancer.
	KindTarget ResourceKind = "target"
)

// Resource is one resource that the plan changes or leaves alone.
type Resource struct {
	Kind ResourceKind `json:"kind"`
	// ID is the ARN, the instance ID, the address and port of an IP target
	// or, for a record, its name, type, set identifier and zone.
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	Action Action `json:"action"`
	Reason string `json:"reason"`
}

// Plan is every resource that the decommission would touch and every one
// that it leaves alone, with the checks that allow it.
type Plan struct {
	LoadBalancerName string    `json:"load_balancer_name"`
	LoadBalancerARN  string    `json:"load_balancer_arn"`
	StopOnly         bool      `json:"stop_only"`
	CreatedAt        time.Time `json:"created_at"`
	Checks           []Check   `json:"checks"`
	// Records are the gate's record pairs as read. Execute deletes their
	// NLB records exactly as read.
	Records   []RecordPair `json:"records"`
	Resources []Resource   `json:"resources"`

	// inventory is the account state that the plan was built from, which
	// Execute writes to the snapshot. It is nil for a plan that was read
	// from a snapshot.
	inventory *Inventory
	// resumedFrom is the snapshot file that the plan was read from, or
	// empty.
	resumedFrom string
}

// PlanOptions set how BuildPlan treats instances.
type PlanOptions struct {
	// StopOnly stops the candidate instances instead of terminating them.
	StopOnly bool
	Now      time.Time
}

// BuildPlan decides what happens to each resource in the inventory. It
// deletes the NLB records, the NLB with its listeners, and each of its
// target groups that no other load balancer uses. It terminates, or with
// StopOnly stops, each instance target that is not terminated and not
// protected. No other target group may have the instance as a target, by
// ID or IP address, and no Auto Scaling group may contain it. IP, Lambda
// and ALB targets never change.
func BuildPlan(inv *Inventory, records []RecordPair, checks []Check, opts PlanOptions) *Plan {
	plan := &Plan{
		LoadBalancerName: inv.Name(),
		LoadBalancerARN:  inv.ARN(),
		StopOnly:         opts.StopOnly,
		CreatedAt:        opts.Now.UTC(),
		Checks:           checks,
		Records:          records,
		inventory:        inv,
	}
	plan.Resources = append(plan.Resources, planRecords(records)...)
	plan.Resources = append(plan.Resources, Resource{Kind: KindLoadBalancer, ID: inv.ARN(), Name: inv.Name(), Action: ActionDelete,
		Reason: "the NLB of the migration"})
	for _, l := range inv.Listeners {
		plan.Resources = append(plan.Resources, Resource{Kind: KindListener, ID: aws.ToString(l.ListenerArn),
			Name: fmt.Sprintf("%s:%d", l.Protocol, aws.ToInt32(l.Port)), Action: ActionDelete, Reason: "deleted with the NLB"})
	}

	kept := map[string]string{} // ARN of a kept NLB group to the reason
	for _, g := range inv.TargetGroups {
		r := Resource{Kind: KindTargetGroup, ID: g.ARN(), Name: g.Name(), Action: ActionDelete, Reason: "used by no load balancer other than the NLB"}
		if others := otherLoadBalancers(g, inv.ARN()); len(others) > 0 {
			r.Action = ActionKeep
			r.Reason = "also used by load balancer " + strings.Join(others, ", ")
			kept[g.ARN()] = r.Reason
		}
		plan.Resources = append(plan.Resources, r)
	}

	for _, id := range instanceTargets(inv.TargetGroups) {
		plan.Resources = append(plan.Resources, planInstance(inv, inv.Instances[id], kept, opts.StopOnly))
	}
	for _, g := range inv.TargetGroups {
		if g.TargetGroup.TargetType == elbtypes.TargetTypeEnumInstance {
			continue
		}
		for _, t := range g.Targets {
			id := targetID(t)
			if t.Target != nil && t.Target.Port != nil {
				id = fmt.Sprintf("%s:%d", id, aws.ToInt32(t.Target.Port))
			}
			plan.Resources = append(plan.Resources, Resource{Kind: KindTarget, ID: id, Name: g.Name(), Action: ActionKeep,
				Reason: fmt.Sprintf("a target of type %s in target group %s; the decommission changes only instance targets", g.TargetGroup.TargetType, g.Name())})
		}
	}
	return plan
}

// planRecords plans the deletion of each NLB record and lists each ALB
// record as kept.
func planRecords(records []RecordPair) []Resource {
	var resources []Resource
	for _, p := range records {
		if p.NLB != nil {
			resources = append(resources, Resource{Kind: KindRecord, ID: describeRecord(p.Set.ZoneID, *p.NLB), Action: ActionDelete,
				Reason: fmt.Sprintf("the NLB's weighted record, at weight %d", aws.ToInt64(p.NLB.Weight))})
		}
		if p.ALB != nil {
			resources = append(resources, Resource{Kind: KindRecord, ID: describeRecord(p.Set.ZoneID, *p.ALB), Action: ActionKeep,
				Reason: fmt.Sprintf("the ALB's weighted record, at weight %d, which serves the clients", aws.ToInt64(p.ALB.Weight))})
		}
	}
	return resources
}

// otherLoadBalancers returns the load balancers other than nlbARN that use
// the group.
func otherLoadBalancers(g TargetGroup, nlbARN string) []string {
	var others []string
	for _, arn := range g.TargetGroup.LoadBalancerArns {
		if arn != nlbARN {
			others = append(others, arn)
		}
	}
	return others
}

// planInstance decides whether an instance target is terminated (or
// stopped) or kept. kept maps the NLB's target groups that stay to the
// reason.
func planInstance(inv *Inventory, instance Instance, kept map[string]string, stopOnly bool) Resource {
	r := Resource{Kind: KindInstance, ID: instance.ID, Name: instance.Tags["Name"], Action: ActionTerminate}
	if stopOnly {
		r.Action = ActionStop
	}

	var reasons []string
	for _, g := range inv.TargetGroups {
		if address, ok := registration(g, instance); ok && kept[g.ARN()] != "" {
			reasons = append(reasons, fmt.Sprintf("registered in target group %s%s, which is %s", g.Name(), byAddress(address), kept[g.ARN()]))
		}
	}
	for _, g := range inv.OtherTargetGroups {
		address, ok := registration(g, instance)
		if !ok {
			continue
		}
		reason := fmt.Sprintf("also registered in target group %s", g.Name())
		if lbs := g.TargetGroup.LoadBalancerArns; len(lbs) > 0 {
			reason += " of load balancer " + strings.Join(lbs, ", ")
		}
		if address != "" {
			reason += "," + byAddress(address)
		}
		reasons = append(reasons, reason)
	}
	switch {
	case !instance.Found:
		reasons = append(reasons, "no longer exists in EC2")
	case instance.State == ec2types.InstanceStateNameTerminated || instance.State == ec2types.InstanceStateNameShuttingDown:
		reasons = append(reasons, "already "+string(instance.State))
	case stopOnly && (instance.State == ec2types.InstanceStateNameStopped || instance.State == ec2types.InstanceStateNameStopping):
		reasons = append(reasons, "already "+string(instance.State))
	}
	if instance.AutoScalingGroup != "" {
		reasons = append(reasons, fmt.Sprintf("belongs to Auto Scaling group %s, which would replace it", instance.AutoScalingGroup))
	}
	if instance.TerminationProtection && !stopOnly {
		reasons = append(reasons, "has termination protection (disableApiTermination)")
	}
	if instance.StopProtection && stopOnly {
		reasons = append(reasons, "has stop protection (disableApiStop)")
	}

	if len(reasons) > 0 {
		r.Action = ActionKeep
		r.Reason = strings.Join(reasons, "; ")
		return r
	}
	r.Reason = "registered only in the NLB's target groups, by instance ID and by IP address, in no Auto Scaling group and without protection"
	return r
}

// registration reports whether the group has the instance as a target on
// any port, by its instance ID or by one of its IP addresses. address is
// the IP address of an IP target and empty for an instance target.
//
// An IP target outside the instance's VPC with the same address, such as
// one in a peered VPC, also counts. That errs toward keeping the instance.
func registration(g TargetGroup, instance Instance) (address string, ok bool) {
	addresses := instance.SecondaryIPAddresses
	if instance.PrivateIPAddress != "" {
		addresses = append([]string{instance.PrivateIPAddress}, addresses...)
	}
	for _, t := range g.Targets {
		id := targetID(t)
		if id == "" {
			continue
		}
		if id == instance.ID {
			return "", true
		}
		if i := slices.IndexFunc(addresses, func(a string) bool { return sameAddress(a, id) }); i >= 0 {
			return addresses[i], true
		}
	}
	return "", false
}

// sameAddress reports whether two IP addresses are equal, comparing IPv6
// addresses by value because EC2 and ELB may spell them differently.
func sameAddress(a, b string) bool {
	x, errX := netip.ParseAddr(a)
	y, errY := netip.ParseAddr(b)
	if errX != nil || errY != nil {
		return a == b
	}
	return x == y
}

// byAddress returns " by its private IP ADDRESS" for an IP target, or ""
// for an instance target.
func byAddress(address string) string {
	if address == "" {
		return ""
	}
	if ip, err := netip.ParseAddr(address); err == nil && ip.Is6() {
		return " by its IPv6 address " + address
	}
	return " by its private IP " + address
}

// ToChange returns the resources whose action is not ActionKeep.
func (p *Plan) ToChange() []Resource {
	var changed []Resource
	for _, r := range p.Resources {
		if r.Action != ActionKeep {
			changed = append(changed, r)
		}
	}
	return changed
}
