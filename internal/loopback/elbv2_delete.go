package loopback

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
)

// deleteLoadBalancer deletes a load balancer and its listeners, as AWS
// does. Its target groups stay, with the load balancer's ARN removed from
// their LoadBalancerArns. Deletion protection rejects the request with
// OperationNotPermitted. An ARN that no load balancer has succeeds, as the
// ELBv2 API reference documents, so the action is idempotent.
func (e *ELBv2) deleteLoadBalancer(w http.ResponseWriter, query awsQueryRequest) {
	arn := query.Get("LoadBalancerArn")
	if arn == "" {
		e.writeError(w, validationError("LoadBalancerArn is missing"))
		return
	}

	if apiErr := e.removeLoadBalancer(arn); apiErr != nil {
		e.writeError(w, apiErr)
		return
	}
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, deleteLoadBalancerResult{})
}

func (e *ELBv2) removeLoadBalancer(arn string) *elbv2Error {
	e.mu.Lock()
	defer e.mu.Unlock()

	i := slices.IndexFunc(e.loadBalancers, func(lb LoadBalancer) bool { return lb.ARN == arn })
	if i < 0 {
		return nil
	}
	if e.loadBalancers[i].Attributes["deletion_protection.enabled"] == "true" {
		return &elbv2Error{
			status:  http.StatusBadRequest,
			code:    "OperationNotPermitted",
			message: fmt.Sprintf("Load balancer '%s' cannot be deleted because deletion protection is enabled", arn),
		}
	}

	e.loadBalancers = slices.Delete(e.loadBalancers, i, i+1)
	e.listeners = slices.DeleteFunc(e.listeners, func(l Listener) bool { return l.LoadBalancerARN == arn })
	for j := range e.targetGroups {
		tg := &e.targetGroups[j]
		if !slices.Contains(tg.LoadBalancerARNs, arn) {
			continue
		}
		// Describe handlers read the slice after they release e.mu, so
		// the change builds a new slice instead of writing into it.
		remaining := slices.DeleteFunc(slices.Clone(tg.LoadBalancerARNs), func(a string) bool { return a == arn })
		tg.LoadBalancerARNs = remaining
	}
	return nil
}

// deleteTargetGroup deletes a target group and its registrations. It
// rejects the request with ResourceInUse while a load balancer still uses
// the group.
//
// NOTE: AWS rejects the deletion while a listener action or a rule
// forwards to the group. The server models no actions or rules, so it
// counts a group as in use while its LoadBalancerARNs is not empty.
func (e *ELBv2) deleteTargetGroup(w http.ResponseWriter, query awsQueryRequest) {
	arn := query.Get("TargetGroupArn")
	if arn == "" {
		e.writeError(w, validationError("TargetGroupArn is missing"))
		return
	}

	if apiErr := e.removeTargetGroup(arn); apiErr != nil {
		e.writeError(w, apiErr)
		return
	}
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, deleteTargetGroupResult{})
}

func (e *ELBv2) removeTargetGroup(arn string) *elbv2Error {
	e.mu.Lock()
	defer e.mu.Unlock()

	i := slices.IndexFunc(e.targetGroups, func(tg TargetGroup) bool { return tg.ARN == arn })
	if i < 0 {
		// NOTE: The ELBv2 API reference lists no TargetGroupNotFound error
		// for DeleteTargetGroup, so an unknown ARN succeeds here as it
		// does for DeleteLoadBalancer. This was not checked against AWS.
		return nil
	}
	if users := e.targetGroups[i].LoadBalancerARNs; len(users) > 0 {
		return &elbv2Error{
			status:  http.StatusBadRequest,
			code:    "ResourceInUse",
			message: fmt.Sprintf("Target group '%s' is currently in use by a listener or a rule of load balancer %s", arn, users[0]),
		}
	}
	e.targetGroups = slices.Delete(e.targetGroups, i, i+1)
	return nil
}

// The delete outputs have no members, and the SDK reads an empty
// ActionResult element.

type deleteLoadBalancerResult struct {
	XMLName xml.Name `xml:"DeleteLoadBalancerResult"`
}

type deleteTargetGroupResult struct {
	XMLName xml.Name `xml:"DeleteTargetGroupResult"`
}
