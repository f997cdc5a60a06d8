package policy

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// exampleNLBARN is the ARN that the errors about load_balancer show.
const exampleNLBARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/partner-api-nlb/50dc6c495c0c9188"

// The parts of a load balancer's ARN,
// arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/net/NAME/ID.
var (
	// partitionPattern matches aws and the other partitions, such as
	// aws-cn and aws-us-gov.
	partitionPattern = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	// regionPattern matches a region code such as eu-west-1 or us-gov-west-1.
	regionPattern = regexp.MustCompile(`^[a-z]+(-[a-z]+)+-[0-9]+$`)
	// accountIDPattern matches an AWS account ID, which is 12 digits.
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// loadBalancerIDPattern matches the ID that ends a load balancer's ARN,
	// such as 50dc6c495c0c9188.
	// NOTE: hexadecimal digits of any length is an assumption from the
	// ARNs in AWS's examples, not a documented format.
	loadBalancerIDPattern = regexp.MustCompile(`^[0-9a-f]+$`)
)

// loadBalancerNamePattern matches the characters that a load balancer name
// may have. loadBalancerNameProblem checks the other rules for the Name of
// CreateLoadBalancer in the Elastic Load Balancing API version 2015-12-01.
var loadBalancerNamePattern = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

// otherLoadBalancerTypes describes the load balancer types other than net
// that an Elastic Load Balancing ARN can name, by the type part of the ARN.
var otherLoadBalancerTypes = map[string]string{
	"app": "an application load balancer",
	"gwy": "a gateway load balancer",
}

// decommission checks d and writes its zone IDs in canonical form.
func (v *validator) decommission(path string, d *Decommission) {
	v.loadBalancer(path+".load_balancer", d.LoadBalancer)
	v.positiveDuration(path+".drain_time", d.DrainTime)

	flows := d.BackgroundNewFlows
	if flows < 0 || math.IsNaN(flows) || math.IsInf(flows, 0) {
		v.fail(path+".background_new_flows", "invalid value %g: expected a number of new flows per minute of 0 or more, such as 5", flows)
	}

	v.positiveDuration(path+".look_back", d.LookBack)
	v.zones(path+".zones", d.Zones)
	v.snapshotDir(path+".snapshot_dir", d.SnapshotDir)
}

// loadBalancer checks that lb is the name of a load balancer or the ARN of
// a network load balancer.
func (v *validator) loadBalancer(path, lb string) {
	if lb == "" {
		v.fail(path, "missing load balancer: set the name or the ARN of the NLB to remove, such as partner-api-nlb")
		return
	}
	if strings.HasPrefix(lb, "arn:") {
		if err := checkNLBARN(lb); err != nil {
			v.fail(path, "%v", err)
		}
		return
	}
	if problem := loadBalancerNameProblem(lb); problem != "" {
		v.fail(path, "invalid load balancer name %q: expected 1 to 32 letters, digits and hyphens, such as partner-api-nlb, or the NLB's ARN, but the name %s", lb, problem)
	}
}

// checkNLBARN returns an error when arn is not the ARN of a network load
// balancer. The ARN of an application or a gateway load balancer gets an
// error of its own, because the decommission removes the NLB.
func checkNLBARN(arn string) error {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("invalid load balancer ARN %q: expected the ARN of a network load balancer, such as %s, but %s", arn, exampleNLBARN, fmt.Sprintf(format, args...))
	}

	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return invalid("it has %d parts separated by colons instead of 6", len(parts))
	}
	partition, service, region, account, resource := parts[1], parts[2], parts[3], parts[4], parts[5]
	switch {
	case !partitionPattern.MatchString(partition):
		return invalid("its partition %q is not an AWS partition such as aws", partition)
	case service != "elasticloadbalancing":
		return invalid("its service is %q, not elasticloadbalancing", service)
	case !regionPattern.MatchString(region):
		return invalid("its region %q is not a region code such as eu-west-1", region)
	case !accountIDPattern.MatchString(account):
		return invalid("its account ID %q is not 12 digits", account)
	}

	fields := strings.Split(resource, "/")
	if len(fields) >= 2 && fields[0] == "loadbalancer" {
		if kind, ok := otherLoadBalancerTypes[fields[1]]; ok {
			return fmt.Errorf("invalid load balancer ARN %q: it names %s, but the decommission removes the NLB, so set the name or the ARN (loadbalancer/net/...) of the NLB", arn, kind)
		}
	}
	if len(fields) != 4 || fields[0] != "loadbalancer" || fields[1] != "net" {
		return invalid("its resource %q is not loadbalancer/net/NAME/ID", resource)
	}
	if problem := loadBalancerNameProblem(fields[2]); problem != "" {
		return invalid("the name %q in it %s", fields[2], problem)
	}
	if !loadBalancerIDPattern.MatchString(fields[3]) {
		return invalid("its load balancer ID %q is not hexadecimal digits", fields[3])
	}
	return nil
}

// loadBalancerNameProblem returns what makes name an invalid load balancer
// name, as a predicate such as "is longer than 32 characters", or "" for a
// valid name.
func loadBalancerNameProblem(name string) string {
	switch {
	case name == "":
		return "is empty"
	case !loadBalancerNamePattern.MatchString(name):
		return "has a character other than a letter, digit or hyphen"
	case len(name) > 32:
		return "is longer than 32 characters"
	case strings.HasPrefix(name, "-"):
		return "starts with a hyphen"
	case strings.HasSuffix(name, "-"):
		return "ends with a hyphen"
	case strings.HasPrefix(name, "internal-"):
		return `starts with "internal-", which Elastic Load Balancing does not allow`
	}
	return ""
}

// zones checks that zones are distinct hosted zone IDs and removes their
// "/hostedzone/" prefix.
func (v *validator) zones(path string, zones []string) {
	first := make(map[string]int)
	for i, zone := range zones {
		itemPath := fmt.Sprintf("%s[%d]", path, i)
		if strings.TrimPrefix(zone, "/hostedzone/") == "" {
			v.fail(itemPath, "missing hosted zone ID: write the ID of a zone to search, such as Z0123456789ABCDEFGHIJ, or remove the item")
			continue
		}
		canonical, err := canonicalZoneID(zone)
		if err != nil {
			v.fail(itemPath, "%v", err)
			continue
		}

		zones[i] = canonical
		if earlier, ok := first[canonical]; ok {
			v.fail(itemPath, "hosted zone %s is already listed at %s[%d]", canonical, path, earlier)
			continue
		}
		first[canonical] = i
	}
}

// snapshotDir checks that dir names a local directory.
func (v *validator) snapshotDir(path, dir string) {
	if strings.TrimSpace(dir) == "" {
		v.fail(path, "missing snapshot directory: set a local directory such as .cutover/snapshots")
		return
	}
	if scheme, _, ok := strings.Cut(dir, "://"); ok {
		v.fail(path, "unsupported URL scheme %q in %q: expected a local directory such as .cutover/snapshots", scheme, dir)
	}
}
