package decommission

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/cutover-dev/cutover/internal/gate"
	"github.com/cutover-dev/cutover/internal/policy"
	"github.com/cutover-dev/cutover/internal/timefmt"
)

// The names of the checks, in the order RunChecks returns them.
const (
	CheckNLBWeightZero      = "nlb_weight_zero"
	CheckNLBFlowMetrics     = "nlb_flow_metrics"
	CheckNLBNewFlows        = "nlb_new_flows"
	CheckNLBOnlyClients     = "nlb_only_clients"
	CheckOtherDNSRecords    = "other_dns_records"
	CheckPrivateLink        = "privatelink"
	CheckElasticIPs         = "elastic_ips"
	CheckDeletionProtection = "deletion_protection"
)

// aliasTTL is how long resolvers cache the response to a query for an
// alias record.
//
// NOTE: an alias record has no TTL of its own, and Route 53 responds with
// the TTL of its target. The Route 53 FAQ (DNS failover) states that alias
// records to ELB load balancers have a fixed TTL of 60 seconds. Alias
// records to other targets get the same 60 seconds here, which is a guess.
const aliasTTL = 60 * time.Second

// maxListedClients is the number of NLB-only client identities that the
// nlb_only_clients message names.
const maxListedClients = 10

// Check is the result of one safety check.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	// Message is a sentence or two with the numbers behind the result and,
	// for a failed check, what to do.
	Message string `json:"message"`
}

// CheckInput is the input of the checks besides the inventory.
type CheckInput struct {
	// Settings are the policy's decommission section: DrainTime,
	// BackgroundNewFlows and LookBack.
	Settings policy.Decommission
	// Zones are the hosted zones to search for other records that point at
	// the NLB, from Policy.DecommissionZones.
	Zones []string
	// Records are the gate's record pairs as read now, from ReadRecords.
	Records []RecordPair
	// NLBZeroSince is the gate state's NLBZeroSince.
	NLBZeroSince time.Time
	// NLBOnlyClients are the client identities seen only on the NLB in the
	// last Settings.LookBack.
	NLBOnlyClients []string
	// ClientDataProblem is a sentence on why NLBOnlyClients may be
	// incomplete, such as a client database that does not cover
	// Settings.LookBack or ALB data that is stale. When it is not empty,
	// nlb_only_clients fails with it.
	ClientDataProblem string
	Now               time.Time
}

// RunChecks runs every check and returns the results in a fixed order. An
// error means that a check could not read what it needs, and then the
// decommission cannot go ahead either.
func RunChecks(ctx context.Context, c Clients, inv *Inventory, in CheckInput) ([]Check, error) {
	checks := []Check{checkWeightZero(in)}

	metrics, err := checkFlowMetrics(ctx, c.CloudWatch, inv)
	if err != nil {
		return nil, err
	}
	checks = append(checks, metrics)
	if metrics.Passed {
		flows, err := checkNewFlows(ctx, c.CloudWatch, inv, in)
		if err != nil {
			return nil, err
		}
		checks = append(checks, flows)
	} else {
		checks = append(checks, Check{Name: CheckNLBNewFlows,
			Message: fmt.Sprintf("The new flows on the NLB cannot be measured without the %s metric (see %s).", newFlowCountMetric, CheckNLBFlowMetrics)})
	}

	checks = append(checks, checkNLBOnlyClients(in))

	records, err := checkOtherRecords(ctx, c.Route53, inv, in)
	if err != nil {
		return nil, err
	}
	privateLink, err := checkPrivateLink(ctx, c.EC2, inv)
	if err != nil {
		return nil, err
	}
	addresses, err := checkElasticIPs(ctx, c.EC2, inv)
	if err != nil {
		return nil, err
	}
	return append(checks, records, privateLink, addresses, checkDeletionProtection(inv)), nil
}

// Failed returns the checks that did not pass.
func Failed(checks []Check) []Check {
	var failed []Check
	for _, c := range checks {
		if !c.Passed {
			failed = append(failed, c)
		}
	}
	return failed
}

// checkWeightZero checks that every NLB record has weight 0 or was deleted.
// The ALB record of each pair with an NLB record must have a weight above 0,
// and the NLB weight must have been 0 for longer than the records' TTL plus
// the drain time. The ALB weight matters because Route 53 routes
// to every record with equal probability when all records of a name and
// type have weight 0 (Route 53 API reference, ResourceRecordSet.Weight).
//
// NOTE: with health checks or EvaluateTargetHealth, Route 53 also answers
// with the NLB record at weight 0 while every record with weight is
// unhealthy (Route 53 Developer Guide, "Weighted routing"). This check
// does not read health.
func checkWeightZero(in CheckInput) Check {
	check := Check{Name: CheckNLBWeightZero}
	if len(in.Records) == 0 {
		check.Message = "No gate record set was read, so the NLB's weight is unknown; list the record sets under gate.records."
		return check
	}

	var weighted, albZero []string
	var deleted int
	var ttl time.Duration
	for _, p := range in.Records {
		for _, r := range []*r53types.ResourceRecordSet{p.NLB, p.ALB} {
			if r != nil {
				ttl = max(ttl, recordTTL(*r))
			}
		}
		switch {
		case p.NLB == nil:
			deleted++
		case aws.ToInt64(p.NLB.Weight) != 0:
			weighted = append(weighted, fmt.Sprintf("%s: weight %d", p.Set, aws.ToInt64(p.NLB.Weight)))
		case p.ALB == nil || aws.ToInt64(p.ALB.Weight) <= 0:
			albZero = append(albZero, p.Set.String())
		}
	}
	if len(weighted) > 0 {
		check.Message = fmt.Sprintf("The NLB records still have weight (%s); move all traffic to the ALB with cutover gate first.",
			strings.Join(weighted, "; "))
		return check
	}
	if len(albZero) > 0 {
		check.Message = fmt.Sprintf("The NLB records have weight 0, but the ALB record has weight 0 too in %s. When every record of a weighted set has weight 0, Route 53 answers with all of them, so the NLB still gets traffic. Set the ALB weight above 0 with cutover gate first.",
			strings.Join(albZero, "; "))
		return check
	}
	if in.NLBZeroSince.IsZero() {
		check.Message = "The NLB records have weight 0, but the gate state has no nlb_zero_since, so the drain time cannot be measured; run cutover gate so that it records when the NLB weight reached 0."
		return check
	}

	need := ttl + in.Settings.DrainTime
	elapsed := in.Now.Sub(in.NLBZeroSince)
	since := fmt.Sprintf("since %s (%s ago)", in.NLBZeroSince.UTC().Format(time.RFC3339), timefmt.Duration(elapsed))
	if elapsed <= need {
		check.Message = fmt.Sprintf("The NLB records have weight 0 %s, which is not longer than their TTL of %s plus the drain time of %s; run the command again in %s.",
			since, timefmt.Duration(ttl), timefmt.Duration(in.Settings.DrainTime), timefmt.Duration(need-elapsed+time.Second))
		return check
	}
	check.Passed = true
	check.Message = fmt.Sprintf("The NLB records of %d record set(s) have weight 0 %s, longer than their TTL of %s plus the drain time of %s.",
		len(in.Records), since, timefmt.Duration(ttl), timefmt.Duration(in.Settings.DrainTime))
	if deleted > 0 {
		check.Message += fmt.Sprintf(" %d of them are already deleted.", deleted)
	}
	return check
}

// recordTTL returns how long resolvers may cache a record: its TTL, or
// aliasTTL for an alias record.
func recordTTL(r r53types.ResourceRecordSet) time.Duration {
	if r.TTL == nil {
		return aliasTTL
	}
	return time.Duration(*r.TTL) * time.Second
}

// checkNLBOnlyClients checks that no client identity was seen only on the
// NLB and that the client data has no problem that could hide one.
func checkNLBOnlyClients(in CheckInput) Check {
	check := Check{Name: CheckNLBOnlyClients}
	lookBack := timefmt.Duration(in.Settings.LookBack)
	var clients string
	if len(in.NLBOnlyClients) > 0 {
		listed := in.NLBOnlyClients[:min(len(in.NLBOnlyClients), maxListedClients)]
		names := strings.Join(listed, ", ")
		if more := len(in.NLBOnlyClients) - len(listed); more > 0 {
			names += fmt.Sprintf(" and %d more", more)
		}
		clients = fmt.Sprintf("%d client identities were seen only on the NLB in the last %s: %s. They would lose the service; move them to the ALB, or confirm that they are gone and wait until the look-back no longer covers them.",
			len(in.NLBOnlyClients), lookBack, names)
	}

	switch {
	case in.ClientDataProblem != "":
		check.Message = strings.TrimSpace(in.ClientDataProblem + " " + clients)
	case clients != "":
		check.Message = clients
	default:
		check.Passed = true
		check.Message = fmt.Sprintf("No client identity was seen only on the NLB in the last %s.", lookBack)
	}
	return check
}

// checkOtherRecords checks that no record other than the gate's NLB
// records points at the NLB's DNS name.
func checkOtherRecords(ctx context.Context, api gate.Route53API, inv *Inventory, in CheckInput) (Check, error) {
	check := Check{Name: CheckOtherDNSRecords}
	dnsName := aws.ToString(inv.LoadBalancer.DNSName)
	if len(in.Zones) == 0 {
		check.Message = "No hosted zone was given to search for other records that point at the NLB; list them under decommission.zones."
		return check, nil
	}
	var gateSets []gate.RecordSet
	for _, p := range in.Records {
		gateSets = append(gateSets, p.Set)
	}
	found, err := findRecordsPointingAt(ctx, api, in.Zones, dnsName, gateSets)
	if err != nil {
		return Check{}, err
	}
	if len(found) > 0 {
		check.Message = fmt.Sprintf("%d other record(s) point at the NLB's DNS name %s: %s. Point them at the ALB or delete them first.",
			len(found), dnsName, strings.Join(found, "; "))
		return check, nil
	}
	check.Passed = true
	check.Message = fmt.Sprintf("No other record in zone(s) %s points at the NLB's DNS name %s.", strings.Join(in.Zones, ", "), dnsName)
	return check, nil
}

// checkPrivateLink checks that no VPC endpoint service uses the NLB.
func checkPrivateLink(ctx context.Context, api EC2API, inv *Inventory) (Check, error) {
	check := Check{Name: CheckPrivateLink}
	var services []string
	pages := ec2.NewDescribeVpcEndpointServiceConfigurationsPaginator(api, &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return Check{}, fmt.Errorf("list the VPC endpoint services: %w", err)
		}
		for _, s := range page.ServiceConfigurations {
			if s.ServiceState != ec2types.ServiceStateDeleted && slices.Contains(s.NetworkLoadBalancerArns, inv.ARN()) {
				services = append(services, fmt.Sprintf("%s (%s)", aws.ToString(s.ServiceId), aws.ToString(s.ServiceName)))
			}
		}
	}
	if len(services) > 0 {
		check.Message = fmt.Sprintf("VPC endpoint service(s) %s use the NLB, so PrivateLink consumers connect through it. Remove the NLB from the service (aws ec2 modify-vpc-endpoint-service-configuration --remove-network-load-balancer-arns %s) or delete the service first.",
			strings.Join(services, ", "), inv.ARN())
		return check, nil
	}
	check.Passed = true
	check.Message = "No VPC endpoint service uses the NLB."
	return check, nil
}

// checkElasticIPs checks that the NLB's subnet mappings have no Elastic IP
// allocation.
func checkElasticIPs(ctx context.Context, api EC2API, inv *Inventory) (Check, error) {
	check := Check{Name: CheckElasticIPs}
	mapped := map[string]string{} // allocation ID to the address in the subnet mapping
	var allocations []string
	for _, zone := range inv.LoadBalancer.AvailabilityZones {
		for _, address := range zone.LoadBalancerAddresses {
			if id := aws.ToString(address.AllocationId); id != "" {
				allocations = append(allocations, id)
				mapped[id] = aws.ToString(address.IpAddress)
			}
		}
	}
	if len(allocations) == 0 {
		check.Passed = true
		check.Message = "The NLB has no Elastic IP address."
		return check, nil
	}

	// A filter, unlike AllocationIds, does not fail the request for an
	// allocation that was released.
	out, err := api.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{
		Filters: []ec2types.Filter{{Name: aws.String("allocation-id"), Values: allocations}},
	})
	if err != nil {
		return Check{}, fmt.Errorf("describe Elastic IP addresses %s: %w", strings.Join(allocations, ", "), err)
	}
	for _, a := range out.Addresses {
		mapped[aws.ToString(a.AllocationId)] = aws.ToString(a.PublicIp)
	}
	var named []string
	for _, id := range allocations {
		named = append(named, fmt.Sprintf("%s (%s)", mapped[id], id))
	}
	check.Message = fmt.Sprintf("The NLB has Elastic IP address(es) %s. Clients may allow-list these addresses and would lose the service without warning; the decommission does not delete an NLB with Elastic IPs, so confirm with the clients that no one uses the addresses and delete the NLB by hand.",
		strings.Join(named, ", "))
	return check, nil
}

// checkDeletionProtection checks that deletion protection is off.
func checkDeletionProtection(inv *Inventory) Check {
	check := Check{Name: CheckDeletionProtection}
	if inv.Attributes["deletion_protection.enabled"] == "true" {
		check.Message = fmt.Sprintf("Deletion protection is on for the NLB; if it is to be deleted, turn it off with aws elbv2 modify-load-balancer-attributes --load-balancer-arn %s --attributes Key=deletion_protection.enabled,Value=false and run the command again.",
			inv.ARN())
		return check
	}
	check.Passed = true
	check.Message = "Deletion protection is off for the NLB."
	return check
}
