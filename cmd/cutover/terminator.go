package main

import (
	"net/netip"
	"time"
	_ "time/tzdata" // --log-timezone on machines without a zoneinfo database

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/ingest"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// terminatorFlags are the ingest flags for the logs of TLS-terminating
// proxies.
type terminatorFlags struct {
	proxy       string
	instance    string
	trafficPath string
	timezone    string
	healthCheck []string
	albNodes    []string
}

func (f *terminatorFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.proxy, "terminator", "",
		"read every object of the SOURCEs as a log of this proxy: nginx, envoy or haproxy (table terminator_tls)")
	cmd.Flags().StringVar(&f.instance, "instance", "",
		"instance name for --terminator logs (default: the first EC2 instance ID in each key or stream name, else the first folder below the SOURCE or the stream name)")
	cmd.Flags().StringVar(&f.trafficPath, "path", ingest.TrafficPathNLB,
		"traffic path the --terminator instances served: nlb or alb")
	cmd.Flags().StringVar(&f.timezone, "log-timezone", "UTC",
		"IANA time zone of the local times in nginx error logs and HAProxy logs, such as Europe/Berlin")
	cmd.Flags().StringArrayVar(&f.healthCheck, "health-check-cidr", nil,
		"CIDR of a subnet of the load balancer in front of the --terminator instances, such as 10.0.21.0/24; records from it are health checks (repeatable)")
	cmd.Flags().StringArrayVar(&f.albNodes, "alb-node-cidr", nil,
		"CIDR of an ALB subnet, for instances that serve both load balancers: records from it are the ALB path, with the client taken from X-Forwarded-For (repeatable)")
}

// options returns the ingest options the flags set, or nil without
// --terminator. The other flags need --terminator.
func (f *terminatorFlags) options(cmd *cobra.Command) (*ingest.TerminatorOptions, error) {
	if f.proxy == "" {
		for _, name := range []string{"instance", "path", "log-timezone", "health-check-cidr", "alb-node-cidr"} {
			if cmd.Flags().Changed(name) {
				return nil, newUsageError("cutover ingest --help", "--%s applies only to --terminator logs: add --terminator nginx, envoy or haproxy", name)
			}
		}
		return nil, nil
	}
	proxy := terminator.Source(f.proxy)
	if ingest.TerminatorKind(proxy) == "" {
		return nil, newUsageError("cutover ingest --help", "invalid --terminator %q: expected nginx, envoy or haproxy", f.proxy)
	}
	if f.trafficPath != ingest.TrafficPathNLB && f.trafficPath != ingest.TrafficPathALB {
		return nil, newUsageError("cutover ingest --help", "invalid --path %q: expected nlb or alb", f.trafficPath)
	}
	location, err := time.LoadLocation(f.timezone)
	if err != nil || f.timezone == "" {
		return nil, newUsageError("cutover ingest --help", "invalid --log-timezone %q: expected an IANA time zone name such as UTC or Europe/Berlin", f.timezone)
	}
	subnets, err := parseCIDRs("health-check-cidr", f.healthCheck)
	if err != nil {
		return nil, err
	}
	albNodes, err := parseCIDRs("alb-node-cidr", f.albNodes)
	if err != nil {
		return nil, err
	}
	return &ingest.TerminatorOptions{Proxy: proxy, Instance: f.instance, TrafficPath: f.trafficPath, Location: location,
		HealthCheckSubnets: subnets, ALBNodeSubnets: albNodes}, nil
}

// parseCIDRs parses the values of the flag named flag.
func parseCIDRs(flag string, values []string) ([]netip.Prefix, error) {
	var subnets []netip.Prefix
	for _, cidr := range values {
		subnet, err := netip.ParsePrefix(cidr)
		if err != nil {
			return nil, newUsageError("cutover ingest --help", "invalid --%s %q: expected a CIDR such as 10.0.21.0/24", flag, cidr)
		}
		subnets = append(subnets, subnet.Masked())
	}
	return subnets, nil
}
