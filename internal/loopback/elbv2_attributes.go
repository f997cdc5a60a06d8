package loopback

import (
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// maxDescribeTagsResources is the largest number of ARNs that one
// DescribeTags request takes (ELBv2 API reference).
const maxDescribeTagsResources = 20

// defaultLoadBalancerAttributes returns the attributes that a new load
// balancer of lbType has in AWS, as the LoadBalancerAttribute page of the
// ELBv2 API reference documents their defaults. Only the main attributes
// are modelled.
func defaultLoadBalancerAttributes(lbType string) map[string]string {
	attributes := map[string]string{
		"deletion_protection.enabled": "false",
		"access_logs.s3.enabled":      "false",
	}
	switch lbType {
	case "application":
		// An application load balancer always balances across zones.
		attributes["load_balancing.cross_zone.enabled"] = "true"
		attributes["idle_timeout.timeout_seconds"] = "60"
		attributes["routing.http2.enabled"] = "true"
	case "network":
		attributes["load_balancing.cross_zone.enabled"] = "false"
	}
	return attributes
}

// defaultTargetGroupAttributes returns the attributes that a new target
// group with the protocol has in AWS, as the TargetGroupAttribute page of
// the ELBv2 API reference documents their defaults. HTTP and HTTPS groups
// get the application load balancer's defaults, and TCP, TLS, UDP and
// TCP_UDP groups get the network load balancer's. Only the main attributes
// are modelled.
func defaultTargetGroupAttributes(protocol string) map[string]string {
	attributes := map[string]string{
		"deregistration_delay.timeout_seconds": "300",
		"stickiness.enabled":                   "false",
	}
	switch protocol {
	case "HTTP", "HTTPS":
		attributes["stickiness.type"] = "lb_cookie"
		attributes["load_balancing.algorithm.type"] = "round_robin"
		attributes["slow_start.duration_seconds"] = "0"
	case "TCP", "TLS", "UDP", "TCP_UDP":
		attributes["stickiness.type"] = "source_ip"
		attributes["proxy_protocol_v2.enabled"] = "false"
		// New UDP and TCP_UDP groups close connections when the
		// deregistration delay ends, and the other protocols do not.
		terminate := protocol == "UDP" || protocol == "TCP_UDP"
		attributes["deregistration_delay.connection_termination.enabled"] = fmt.Sprint(terminate)
	}
	return attributes
}

// withDefaults returns a new map with the defaults, overridden by values.
// Either map may be nil.
func withDefaults(values, defaults map[string]string) map[string]string {
	merged := make(map[string]string, len(defaults)+len(values))
	maps.Copy(merged, defaults)
	maps.Copy(merged, values)
	return merged
}

// checkLoadBalancerAttributes checks the values of the boolean attributes
// that the server acts on or that differ by type.
func checkLoadBalancerAttributes(attributes map[string]string) error {
	for _, key := range []string{"deletion_protection.enabled", "load_balancing.cross_zone.enabled"} {
		if value, ok := attributes[key]; ok && value != "true" && value != "false" {
			return fmt.Errorf("invalid value %q for attribute %s, want true or false", value, key)
		}
	}
	return nil
}

// SetLoadBalancerAttributes sets the attributes of the load balancer with
// the ARN. Like ModifyLoadBalancerAttributes, it changes the listed keys
// and keeps the others. It returns an error when the load balancer is not
// stored or a boolean attribute's value is not "true" or "false".
func (e *ELBv2) SetLoadBalancerAttributes(arn string, attributes map[string]string) error {
	if err := checkLoadBalancerAttributes(attributes); err != nil {
		return fmt.Errorf("set attributes of load balancer %s: %w", arn, err)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	i := slices.IndexFunc(e.loadBalancers, func(lb LoadBalancer) bool { return lb.ARN == arn })
	if i < 0 {
		return fmt.Errorf("set attributes of load balancer %s: load balancer not found", arn)
	}
	// Describe handlers read these maps after they release e.mu, so a
	// change replaces the map instead of writing into it.
	e.loadBalancers[i].Attributes = withDefaults(attributes, e.loadBalancers[i].Attributes)
	return nil
}

// SetTargetGroupAttributes sets the attributes of the target group with the
// ARN. Like ModifyTargetGroupAttributes, it changes the listed keys and
// keeps the others. It returns an error when the target group is not
// stored.
func (e *ELBv2) SetTargetGroupAttributes(arn string, attributes map[string]string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := slices.IndexFunc(e.targetGroups, func(tg TargetGroup) bool { return tg.ARN == arn })
	if i < 0 {
		return fmt.Errorf("set attributes of target group %s: target group not found", arn)
	}
	e.targetGroups[i].Attributes = withDefaults(attributes, e.targetGroups[i].Attributes)
	return nil
}

// AddTags adds tags to the load balancer, target group or listener with
// the ARN. Like the AddTags action, it gives a key that the resource
// already has the new value. It returns an error when no such resource is stored.
func (e *ELBv2) AddTags(arn string, tags map[string]string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if i := slices.IndexFunc(e.loadBalancers, func(lb LoadBalancer) bool { return lb.ARN == arn }); i >= 0 {
		e.loadBalancers[i].Tags = withDefaults(tags, e.loadBalancers[i].Tags)
		return nil
	}
	if i := slices.IndexFunc(e.targetGroups, func(tg TargetGroup) bool { return tg.ARN == arn }); i >= 0 {
		e.targetGroups[i].Tags = withDefaults(tags, e.targetGroups[i].Tags)
		return nil
	}
	if i := slices.IndexFunc(e.listeners, func(l Listener) bool { return l.ARN == arn }); i >= 0 {
		e.listeners[i].Tags = withDefaults(tags, e.listeners[i].Tags)
		return nil
	}
	return fmt.Errorf("add tags to %s: no load balancer, target group or listener has this ARN", arn)
}

func (e *ELBv2) describeLoadBalancerAttributes(w http.ResponseWriter, query awsQueryRequest) {
	arn := query.Get("LoadBalancerArn")
	if arn == "" {
		e.writeError(w, validationError("LoadBalancerArn is missing"))
		return
	}

	e.mu.Lock()
	lb, ok := e.loadBalancerByARN(arn)
	e.mu.Unlock()
	if !ok {
		e.writeError(w, loadBalancerNotFound(fmt.Sprintf("Load balancer '%s' not found", arn)))
		return
	}

	result := describeLoadBalancerAttributesResult{Attributes: attributesXML(lb.Attributes)}
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, result)
}

func (e *ELBv2) describeTargetGroupAttributes(w http.ResponseWriter, query awsQueryRequest) {
	arn := query.Get("TargetGroupArn")
	if arn == "" {
		e.writeError(w, validationError("TargetGroupArn is missing"))
		return
	}

	e.mu.Lock()
	tg, ok := e.targetGroupBy(func(tg TargetGroup) bool { return tg.ARN == arn })
	e.mu.Unlock()
	if !ok {
		e.writeError(w, targetGroupNotFound(fmt.Sprintf("Target group '%s' not found", arn)))
		return
	}

	result := describeTargetGroupAttributesResult{Attributes: attributesXML(tg.Attributes)}
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, result)
}

// describeTags returns the tags of each requested resource in the
// request's order. One unknown ARN fails the whole request with the
// not-found error of its resource type.
func (e *ELBv2) describeTags(w http.ResponseWriter, query awsQueryRequest) {
	arns := query.List("ResourceArns")
	if len(arns) == 0 {
		e.writeError(w, validationError("ResourceArns is missing, specify 1 to %d ARNs", maxDescribeTagsResources))
		return
	}
	if len(arns) > maxDescribeTagsResources {
		e.writeError(w, validationError("ResourceArns has %d ARNs, the maximum is %d", len(arns), maxDescribeTagsResources))
		return
	}

	var result describeTagsResult
	for _, arn := range arns {
		tags, apiErr := e.tagsOf(arn)
		if apiErr != nil {
			e.writeError(w, apiErr)
			return
		}
		result.TagDescriptions = append(result.TagDescriptions, tagDescriptionXML{ResourceArn: arn, Tags: tagsXML(tags)})
	}
	writeAWSQueryResult(w, ELBv2Namespace, query.Action, result)
}

// tagsOf returns the tags of the resource with the ARN. A stored trust
// store has no tags in this model.
func (e *ELBv2) tagsOf(arn string) (map[string]string, *elbv2Error) {
	e.mu.Lock()
	defer e.mu.Unlock()

	switch resourceType := elbv2ResourceType(arn); resourceType {
	case "loadbalancer":
		if lb, ok := e.loadBalancerByARN(arn); ok {
			return lb.Tags, nil
		}
		return nil, loadBalancerNotFound(fmt.Sprintf("Load balancers '[%s]' not found", arn))
	case "targetgroup":
		if tg, ok := e.targetGroupBy(func(tg TargetGroup) bool { return tg.ARN == arn }); ok {
			return tg.Tags, nil
		}
		return nil, targetGroupNotFound(fmt.Sprintf("One or more target groups not found: '%s'", arn))
	case "listener":
		if l, ok := e.listenerByARN(arn); ok {
			return l.Tags, nil
		}
		return nil, listenerNotFound(fmt.Sprintf("One or more listeners not found: '%s'", arn))
	case "truststore":
		if _, ok := e.trustStoreByARN(arn); ok {
			return nil, nil
		}
		return nil, trustStoreNotFound(fmt.Sprintf("Trust store '%s' not found", arn))
	case "listener-rule":
		// Rules are not modelled, so no rule exists.
		return nil, &elbv2Error{status: http.StatusBadRequest, code: "RuleNotFound", message: fmt.Sprintf("One or more rules not found: '%s'", arn)}
	default:
		return nil, validationError("'%s' is not a valid Elastic Load Balancing resource ARN", arn)
	}
}

// elbv2ResourceType returns the resource type of an Elastic Load Balancing
// ARN, such as "loadbalancer" for
// arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/net/NAME/ID, or
// "" when the ARN is not one.
func elbv2ResourceType(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "elasticloadbalancing" {
		return ""
	}
	resourceType, _, ok := strings.Cut(parts[5], "/")
	if !ok {
		return ""
	}
	return resourceType
}

// The types below are the XML shapes of the attribute and tag outputs.

type describeLoadBalancerAttributesResult struct {
	XMLName    xml.Name       `xml:"DescribeLoadBalancerAttributesResult"`
	Attributes []attributeXML `xml:"Attributes>member"`
}

type describeTargetGroupAttributesResult struct {
	XMLName    xml.Name       `xml:"DescribeTargetGroupAttributesResult"`
	Attributes []attributeXML `xml:"Attributes>member"`
}

// attributeXML is a LoadBalancerAttribute or TargetGroupAttribute, which
// have the same members.
type attributeXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func attributesXML(attributes map[string]string) []attributeXML {
	var items []attributeXML
	for _, key := range slices.Sorted(maps.Keys(attributes)) {
		items = append(items, attributeXML{Key: key, Value: attributes[key]})
	}
	return items
}

type describeTagsResult struct {
	XMLName         xml.Name            `xml:"DescribeTagsResult"`
	TagDescriptions []tagDescriptionXML `xml:"TagDescriptions>member"`
}

type tagDescriptionXML struct {
	ResourceArn string   `xml:"ResourceArn"`
	Tags        []tagXML `xml:"Tags>member"`
}

type tagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func tagsXML(tags map[string]string) []tagXML {
	var items []tagXML
	for _, key := range slices.Sorted(maps.Keys(tags)) {
		items = append(items, tagXML{Key: key, Value: tags[key]})
	}
	return items
}
