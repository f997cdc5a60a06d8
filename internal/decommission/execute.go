package decommission

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// ErrRejected is wrapped by Execute's error when it changed nothing because
// a check failed or the confirmation did not match.
var ErrRejected = errors.New("decommission rejected")

// Status is the outcome of one step of Execute.
type Status string

// The outcomes of a step.
const (
	StatusDone        Status = "done"
	StatusAlreadyDone Status = "already done"
	StatusFailed      Status = "failed"
	// StatusNotAttempted is a step after a failure, or every step of a
	// rejected run.
	StatusNotAttempted Status = "not attempted"
)

// The steps of Execute, in order.
const (
	StepSnapshot           = "write snapshot"
	StepDeleteRecords      = "delete NLB records"
	StepDeleteLoadBalancer = "delete load balancer"
	StepDeleteTargetGroup  = "delete target group"
	StepTerminateInstance  = "terminate instance"
	StepStopInstance       = "stop instance"
)

// Result is the outcome of one step.
type Result struct {
	Step     string `json:"step"`
	Resource string `json:"resource"`
	Status   Status `json:"status"`
	Message  string `json:"message,omitempty"`
	// Err is the error of a failed step.
	Err error `json:"-"`
}

// Report is the outcome of every step of one Execute run.
type Report struct {
	// SnapshotFile is the snapshot written by this run or, for a resumed
	// plan, the snapshot it was read from.
	SnapshotFile string   `json:"snapshot_file,omitempty"`
	Results      []Result `json:"results"`
}

// DefaultDeleteTimeout is the ExecuteOptions.DeleteTimeout that Execute
// uses when the option is zero.
const DefaultDeleteTimeout = 10 * time.Minute

// ExecuteOptions configure Execute.
type ExecuteOptions struct {
	// Confirm is the load balancer name that the operator typed, which
	// must equal the plan's.
	Confirm string
	// SnapshotDir is the directory of the snapshot file.
	SnapshotDir string
	// DeleteTimeout is how long to wait for the NLB to be gone before
	// its target groups are deleted. Zero means DefaultDeleteTimeout.
	DeleteTimeout time.Duration
	// Now is the clock of the snapshot's time. Nil means time.Now.
	Now func() time.Time
}

// step is one change of Execute. run returns StatusDone or
// StatusAlreadyDone with a message, or an error.
type step struct {
	name, resource string
	run            func(ctx context.Context) (Status, string, error)
}

// Execute carries out the plan: it writes the snapshot, deletes the NLB
// records with a compare-and-swap, deletes the NLB, deletes the planned
// target groups and terminates (or stops) the planned instances. It stops
// at the first failure. Each step first looks whether its work is already
// done, so a rerun with a new plan, or with the plan of the newest
// snapshot once the NLB is gone, finishes the job.
//
// Execute changes nothing and returns an error wrapping ErrRejected when a
// check of the plan failed or opts.Confirm is not the NLB's name.
// Otherwise the error is that of the failed step, or nil.
func Execute(ctx context.Context, c Clients, plan *Plan, opts ExecuteOptions) (*Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DeleteTimeout <= 0 {
		opts.DeleteTimeout = DefaultDeleteTimeout
	}
	report := &Report{SnapshotFile: plan.resumedFrom}
	steps := planSteps(c, plan, opts, report)

	var rejection error
	if failed := Failed(plan.Checks); len(failed) > 0 {
		var names []string
		for _, check := range failed {
			names = append(names, check.Name)
		}
		rejection = fmt.Errorf("%w: check(s) %s failed", ErrRejected, strings.Join(names, ", "))
	} else if opts.Confirm != plan.LoadBalancerName {
		rejection = fmt.Errorf("%w: the confirmation %q is not the load balancer's name %q; type the name to confirm", ErrRejected, opts.Confirm, plan.LoadBalancerName)
	}
	if rejection != nil {
		for _, s := range steps {
			report.Results = append(report.Results, Result{Step: s.name, Resource: s.resource, Status: StatusNotAttempted})
		}
		return report, rejection
	}

	var failure error
	for _, s := range steps {
		result := Result{Step: s.name, Resource: s.resource, Status: StatusNotAttempted}
		if failure == nil {
			status, message, err := s.run(ctx)
			result.Status, result.Message = status, message
			if err != nil {
				result.Status, result.Message, result.Err = StatusFailed, err.Error(), err
				failure = fmt.Errorf("%s %s: %w", s.name, s.resource, err)
			}
		}
		report.Results = append(report.Results, result)
	}
	return report, failure
}

// planSteps returns the steps of the plan in order.
func planSteps(c Clients, plan *Plan, opts ExecuteOptions, report *Report) []step {
	steps := []step{{name: StepSnapshot, resource: opts.SnapshotDir, run: func(context.Context) (Status, string, error) {
		if plan.resumedFrom != "" {
			return StatusAlreadyDone, "resumed from " + plan.resumedFrom, nil
		}
		path, err := WriteSnapshot(opts.SnapshotDir, plan, opts.Now())
		if err != nil {
			return "", "", err
		}
		report.SnapshotFile = path
		return StatusDone, "wrote " + path, nil
	}}}

	for _, zone := range recordZones(plan.Records) {
		steps = append(steps, step{name: StepDeleteRecords, resource: "zone " + zone, run: func(ctx context.Context) (Status, string, error) {
			return deleteNLBRecords(ctx, c.Route53, zone, pairsInZone(plan.Records, zone))
		}})
	}

	steps = append(steps, step{name: StepDeleteLoadBalancer, resource: plan.LoadBalancerARN, run: func(ctx context.Context) (Status, string, error) {
		return deleteLoadBalancer(ctx, c.ELBv2, plan.LoadBalancerARN, opts.DeleteTimeout)
	}})

	for _, r := range plan.Resources {
		if r.Kind != KindTargetGroup || r.Action != ActionDelete {
			continue
		}
		steps = append(steps, step{name: StepDeleteTargetGroup, resource: r.ID, run: func(ctx context.Context) (Status, string, error) {
			return deleteTargetGroup(ctx, c.ELBv2, r.ID)
		}})
	}

	// The instance steps share one listing of the account's target
	// groups, read when the first of them runs.
	var groups []TargetGroup
	for _, r := range plan.Resources {
		if r.Kind != KindInstance || r.Action == ActionKeep {
			continue
		}
		name := StepTerminateInstance
		if r.Action == ActionStop {
			name = StepStopInstance
		}
		steps = append(steps, step{name: name, resource: r.ID, run: func(ctx context.Context) (Status, string, error) {
			if groups == nil {
				var err error
				if groups, err = readTargetGroups(ctx, c.ELBv2); err != nil {
					return "", "", err
				}
			}
			return changeInstance(ctx, c.EC2, r.ID, r.Action, groups)
		}})
	}
	return steps
}

// recordZones returns the distinct zones of the pairs in order.
func recordZones(pairs []RecordPair) []string {
	var zones []string
	seen := map[string]bool{}
	for _, p := range pairs {
		if !seen[p.Set.ZoneID] {
			seen[p.Set.ZoneID] = true
			zones = append(zones, p.Set.ZoneID)
		}
	}
	return zones
}

func pairsInZone(pairs []RecordPair, zone string) []RecordPair {
	var in []RecordPair
	for _, p := range pairs {
		if p.Set.ZoneID == zone {
			in = append(in, p)
		}
	}
	return in
}

// deleteLoadBalancer deletes the load balancer unless it is gone, and
// waits until DescribeLoadBalancers no longer finds it, because its
// target groups stay in use until then.
func deleteLoadBalancer(ctx context.Context, api ELBv2API, arn string, timeout time.Duration) (Status, string, error) {
	_, err := describeLoadBalancer(ctx, api, arn)
	if errors.Is(err, ErrLoadBalancerNotFound) {
		return StatusAlreadyDone, "the load balancer no longer exists", nil
	}
	if err != nil {
		return "", "", err
	}
	if _, err := api.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arn)}); err != nil {
		return "", "", err
	}
	waiter := elbv2.NewLoadBalancersDeletedWaiter(api)
	if err := waiter.Wait(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}}, timeout); err != nil {
		return "", "", fmt.Errorf("the deletion was accepted, but the load balancer was still there after %s: %w", timeout, err)
	}
	return StatusDone, "deleted the load balancer and its listeners", nil
}

// deleteTargetGroup deletes the target group unless it is gone.
func deleteTargetGroup(ctx context.Context, api ELBv2API, arn string) (Status, string, error) {
	_, err := api.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if isErrorCode(err, "TargetGroupNotFound") {
		return StatusAlreadyDone, "the target group no longer exists", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("describe the target group: %w", err)
	}
	if _, err := api.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)}); err != nil {
		return "", "", err
	}
	return StatusDone, "deleted the target group", nil
}

// changeInstance terminates or stops one instance. First it checks again,
// in case either changed since the plan was made, that no target group of
// groups has it as a target by instance ID or IP address, and that it is
// in no Auto Scaling group. groups are the account's target groups as read
// during this run.
func changeInstance(ctx context.Context, api EC2API, id string, action Action, groups []TargetGroup) (Status, string, error) {
	instances, err := readInstances(ctx, api, []string{id})
	if err != nil {
		return "", "", err
	}
	instance := instances[id]
	var registered []string
	for _, g := range groups {
		if address, ok := registration(g, instance); ok {
			registered = append(registered, g.Name()+byAddress(address))
		}
	}
	switch {
	case !instance.Found:
		return StatusAlreadyDone, "the instance no longer exists", nil
	case instance.State == ec2types.InstanceStateNameTerminated || instance.State == ec2types.InstanceStateNameShuttingDown:
		return StatusAlreadyDone, "the instance is " + string(instance.State), nil
	case action == ActionStop && (instance.State == ec2types.InstanceStateNameStopped || instance.State == ec2types.InstanceStateNameStopping):
		return StatusAlreadyDone, "the instance is " + string(instance.State), nil
	case len(registered) > 0:
		return "", "", fmt.Errorf("the instance is now registered in target group %s, so it was left as it is; review the plan and run the command again",
			strings.Join(registered, ", "))
	case instance.AutoScalingGroup != "":
		return "", "", fmt.Errorf("the instance now belongs to Auto Scaling group %s, so it was left as it is; review the plan and run the command again",
			instance.AutoScalingGroup)
	}

	if action == ActionStop {
		out, err := api.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
		if err != nil {
			return "", "", err
		}
		return StatusDone, stateChange(out.StoppingInstances), nil
	}
	out, err := api.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return "", "", err
	}
	return StatusDone, stateChange(out.TerminatingInstances), nil
}

func stateChange(changes []ec2types.InstanceStateChange) string {
	if len(changes) == 0 || changes[0].PreviousState == nil || changes[0].CurrentState == nil {
		return "the request was accepted"
	}
	return fmt.Sprintf("%s -> %s", changes[0].PreviousState.Name, changes[0].CurrentState.Name)
}
