package loopback

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// targetHealthStates are the values of TargetHealthStateEnum
// (aws-sdk-go-v2 elasticloadbalancingv2 v1.64.0).
var targetHealthStates = []string{"initial", "healthy", "unhealthy", "unhealthy.draining", "unused", "draining", "unavailable"}

// targetHealthReasons are the values of TargetHealthReasonEnum
// (aws-sdk-go-v2 elasticloadbalancingv2 v1.64.0).
var targetHealthReasons = []string{
	"Elb.RegistrationInProgress", "Elb.InitialHealthChecking", "Target.ResponseCodeMismatch",
	"Target.Timeout", "Target.FailedHealthChecks", "Target.NotRegistered", "Target.NotInUse",
	"Target.DeregistrationInProgress", "Target.InvalidState", "Target.IpUnusable",
	"Target.HealthCheckDisabled", "Elb.InternalError",
}

// Target is a target registered with a target group, with the health that
// DescribeTargetHealth reports for it.
type Target struct {
	// ID is the instance ID, IP address, Lambda function ARN or load
	// balancer ARN, as the target group's type requires.
	ID string
	// Port is the port the target receives traffic on. Zero means the
	// target group's port.
	Port int32
	// AvailabilityZone is the zone of an IP target outside the VPC, such
	// as "all". Empty leaves it out of responses.
	AvailabilityZone string
	// Health is a TargetHealthStateEnum value, such as "healthy" or
	// "draining". Empty means "healthy". A target group without a load
	// balancer reports every target as "unused", whatever Health is.
	Health string
	// HealthReason is a TargetHealthReasonEnum value, such as
	// "Target.Timeout", or empty.
	HealthReason string
	// HealthDescription is the free text that explains HealthReason, or
	// empty.
	HealthDescription string
}

// RegisterTargets registers targets with the target group that has the
// ARN. A target with the ID and port of a registered one replaces it, so
// that tests can change a target's health. It returns an error when the
// target group is not stored or a target is invalid, and then registers
// none of them.
func (e *ELBv2) RegisterTargets(targetGroupARN string, targets ...Target) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := slices.IndexFunc(e.targetGroups, func(tg TargetGroup) bool { return tg.ARN == targetGroupARN })
	if i < 0 {
		return fmt.Errorf("register targets with %s: target group not found", targetGroupARN)
	}
	tg := e.targetGroups[i]
	added, err := normalizeTargets(tg, targets)
	if err != nil {
		return fmt.Errorf("register targets with %s: %w", targetGroupARN, err)
	}

	// Describe handlers read the slice after they release e.mu, so the
	// change builds a new slice instead of writing into the stored one.
	merged := slices.Clone(tg.Targets)
	for _, target := range added {
		j := slices.IndexFunc(merged, func(t Target) bool { return t.ID == target.ID && t.Port == target.Port })
		if j >= 0 {
			merged[j] = target
		} else {
			merged = append(merged, target)
		}
	}
	e.targetGroups[i].Targets = merged
	return nil
}

// normalizeTargets returns copies of targets with their defaults filled
// in. It returns an error when a target has no ID, an invalid port, health
// state or reason, or the same ID and port as another one in the list.
func normalizeTargets(tg TargetGroup, targets []Target) ([]Target, error) {
	var normalized []Target
	for _, target := range targets {
		if target.ID == "" {
			return nil, fmt.Errorf("target ID is missing")
		}
		if target.Port == 0 {
			target.Port = tg.Port
		}
		if target.Port < 0 || target.Port > 65535 {
			return nil, fmt.Errorf("target %s: invalid port %d, want 1 to 65535", target.ID, target.Port)
		}
		if target.Health == "" {
			target.Health = "healthy"
		}
		if !slices.Contains(targetHealthStates, target.Health) {
			return nil, fmt.Errorf("target %s: invalid health %q, want one of %s",
				target.ID, target.Health, strings.Join(targetHealthStates, ", "))
		}
		if target.HealthReason != "" && !slices.Contains(targetHealthReasons, target.HealthReason) {
			return nil, fmt.Errorf("target %s: invalid health reason %q, want one of %s",
				target.ID, target.HealthReason, strings.Join(targetHealthReasons, ", "))
		}
		if slices.ContainsFunc(normalized, func(t Target) bool { return t.ID == target.ID && t.Port == target.Port }) {
			return nil, fmt.Errorf("target %s port %d is listed twice", target.ID, target.Port)
		}
		normalized = append(normalized, target)
	}
	return normalized, nil
}

// requestedTargets parses the Targets list of DescribeTargetHealth, whose
// members awsQuery sends as Targets.member.N.Id, .Port and
// .AvailabilityZone. A missing port is 0.
func requestedTargets(query awsQueryRequest) ([]Target, *elbv2Error) {
	var targets []Target
	for i := 1; ; i++ {
		prefix := "Targets.member." + strconv.Itoa(i) + "."
		if !query.form.Has(prefix + "Id") {
			return targets, nil
		}
		target := Target{ID: query.Get(prefix + "Id"), AvailabilityZone: query.Get(prefix + "AvailabilityZone")}
		if raw := query.Get(prefix + "Port"); raw != "" {
			port, err := strconv.ParseInt(raw, 10, 32)
			if err != nil || port < 1 || port > 65535 {
				return nil, validationError("%sPort %q is invalid, want an integer from 1 to 65535", prefix, raw)
			}
			target.Port = int32(port)
		}
		targets = append(targets, target)
	}
}

// describeTargetHealth reports every registered target, or the requested
// ones in the request's order. A requested target that is not registered
// is "unused" with the reason Target.NotRegistered, and one requested
// without a port matches each registration of its ID. The Include
// parameter (anomaly detection) is ignored.
func (e *ELBv2) describeTargetHealth(w http.ResponseWriter, query awsQueryRequest) {
	arn := query.Get("TargetGroupArn")
	if arn == "" {
		e.writeError(w, validationError("TargetGroupArn is missing"))
		return
	}
	requested, apiErr := requestedTargets(query)
	if apiErr != nil {
		e.writeError(w, apiErr)
		return
	}

	e.mu.Lock()
	tg, ok := e.targetGroupBy(func(tg TargetGroup) bool { return tg.ARN == arn })
	e.mu.Unlock()
	if !ok {
		e.writeError(w, targetGroupNotFound(fmt.Sprintf("Target groups '%s' not found", arn)))
		return
	}

	var result describeTargetHealthResult
	if len(requested) == 0 {
		for _, target := range tg.Targets {
			result.TargetHealthDescriptions = append(result.TargetHealthDescriptions, targetHealthXMLOf(tg, target))
		}
		writeAWSQueryResult(w, ELBv2Namespace, query.Action, result)
		return
	}

	for _, want := range requested {
		matched := false
		for _, target := range tg.Targets {
			if target.ID == want.ID && (want.Port == 0 || target.Port == want.Port) {
				result.TargetHealthDescriptions = append(result.TargetHealthDescriptions, targetHealthXMLOf(tg, target))
				matched = true
			}
		}
		if matched {
			continue
		}
		// NOTE: AWS returns InvalidTarget for an ID that names no instance
		// or an IP outside the VPC. The server stores no instances, so it
		// treats every unknown ID as a valid target that is not registered.
		port := want.Port
		if port == 0 {
			port = tg.Port
		}
		result.TargetHealthDescriptions = append(result.TargetHealthDescriptions, targetHealthDescriptionXML{
			Target: targetDescriptionXML{ID: want.ID, Port: port, AvailabilityZone: want.AvailabilityZone},
			TargetHealth: targetHealthXML{
				State:       "unused",
				Reason:      "Target.NotRegistered",
				Description: "Target is not registered to the target group",
			},
		})
	}
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, result)
}

// targetHealthXMLOf returns the health of a registered target. A target
// group that no load balancer uses reports its targets as "unused" with
// the reason Target.NotInUse, as AWS does after the load balancer is
// deleted.
func targetHealthXMLOf(tg TargetGroup, target Target) targetHealthDescriptionXML {
	health := targetHealthXML{State: target.Health, Reason: target.HealthReason, Description: target.HealthDescription}
	if len(tg.LoadBalancerARNs) == 0 {
		health = targetHealthXML{
			State:       "unused",
			Reason:      "Target.NotInUse",
			Description: "Target group is not configured to receive traffic from the load balancer",
		}
	}
	item := targetHealthDescriptionXML{
		Target:       targetDescriptionXML{ID: target.ID, Port: target.Port, AvailabilityZone: target.AvailabilityZone},
		TargetHealth: health,
	}
	// The health check port defaults to "traffic-port", the target's
	// port, and no other health check port is modelled.
	if target.Port != 0 {
		item.HealthCheckPort = strconv.Itoa(int(target.Port))
	}
	return item
}

// The types below are the XML shapes of the DescribeTargetHealth output.

type describeTargetHealthResult struct {
	XMLName                  xml.Name                     `xml:"DescribeTargetHealthResult"`
	TargetHealthDescriptions []targetHealthDescriptionXML `xml:"TargetHealthDescriptions>member"`
}

type targetHealthDescriptionXML struct {
	Target          targetDescriptionXML `xml:"Target"`
	HealthCheckPort string               `xml:"HealthCheckPort,omitempty"`
	TargetHealth    targetHealthXML      `xml:"TargetHealth"`
}

type targetDescriptionXML struct {
	ID               string `xml:"Id"`
	Port             int32  `xml:"Port,omitempty"`
	AvailabilityZone string `xml:"AvailabilityZone,omitempty"`
}

type targetHealthXML struct {
	State       string `xml:"State"`
	Reason      string `xml:"Reason,omitempty"`
	Description string `xml:"Description,omitempty"`
}
