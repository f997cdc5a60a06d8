package sim

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// Config describes one simulated migration window. DefaultConfig fills every
// field; Run rejects a Config that Validate rejects, and treats no zero value
// as "use the default".
type Config struct {
	// AccountID is the 12-digit AWS account that owns the load balancer and
	// appears in every object key.
	AccountID string
	// Region is the AWS Region, such as "eu-west-1".
	Region string
	// Prefix is the S3 key prefix configured for the logs, without the
	// "AWSLogs/..." part that ELB appends, and without leading or trailing
	// slashes. Empty means no prefix.
	Prefix string
	// LoadBalancerName and LoadBalancerID form the ALB's resource ID
	// "app/<name>/<id>". The ID is 16 lower-case hex digits.
	LoadBalancerName string
	LoadBalancerID   string
	// ListenerPort is the HTTPS listener's port.
	ListenerPort int
	// DomainName is the host name that clients send as SNI and Host.
	DomainName string
	// Nodes are the ALB's nodes. At least one must be active at every moment
	// of the run; Run returns an error when a connection finds none.
	Nodes []Node
	// Targets are the "ip:port" addresses of the instances behind the ALB.
	Targets []string
	// ALBTargetGroupName and ALBTargetGroupID name the target group that
	// holds Targets: "targetgroup/<name>/<id>" in the access log's
	// target_group_arn and in the TargetGroup dimension of the ALB's
	// metrics. The ID is 16 lower-case hex digits.
	ALBTargetGroupName string
	ALBTargetGroupID   string

	// Terminators are the EC2 instances behind the NLB, where nginx
	// terminates mutual TLS. The NLB sends each connection to one of them by
	// a hash of the client's address and port.
	Terminators []Terminator
	// NLBSubnets are the IPv4 CIDRs of the NLB's subnets, one per
	// Availability Zone, each /28 or larger. The NLB node in each subnet
	// health-checks every terminator from an address in that subnet.
	NLBSubnets []string
	// ErrorLogLocation is the time zone of the terminators' error-log
	// times, which nginx writes in the server's local time.
	ErrorLogLocation *time.Location
	// NLBName and NLBID form the NLB's resource ID "net/<name>/<id>", the
	// LoadBalancer dimension of its metrics. The ID is 16 lower-case hex
	// digits.
	NLBName string
	NLBID   string
	// NLBTargetGroupName and NLBTargetGroupID name the NLB's target group,
	// which holds the Terminators: "targetgroup/<name>/<id>".
	NLBTargetGroupName string
	NLBTargetGroupID   string
	// TerminatorLogEvents sends the terminators' nginx lines as CloudWatch
	// Logs events instead of objects, when the writer passed to Run is also
	// a LogEventWriter. With any other writer, Run writes objects.
	TerminatorLogEvents bool
	// TerminatorLogGroupPrefix starts the names of the log groups that
	// receive the events: "<prefix>/nginx/access" and "<prefix>/nginx/error".
	// Run checks it even when TerminatorLogEvents is false.
	TerminatorLogGroupPrefix string

	// Start is the simulated clock at the beginning of the run, and Duration
	// its length. No line is later than Start+Duration.
	// NOTE: no connection is open at Start, so the first minutes of a run
	// carry fewer requests than the same minutes in a longer run.
	Start    time.Time
	Duration time.Duration
	// PopulationStart and PopulationDuration are the period that the
	// certificates' validity is drawn for: which certificates expire soon,
	// and which during the period. Zero means Start and Duration. Set them
	// to the whole migration when it is simulated in consecutive runs, so
	// that every run has the same certificates.
	PopulationStart    time.Time
	PopulationDuration time.Duration

	// ALBWeight is the Route 53 weight of the ALB record, 0 to 100; the NLB
	// record has 100-ALBWeight. A resolver that refreshes its cache picks
	// the ALB with probability ALBWeight/100.
	ALBWeight int
	// AliasTTL is how long a resolver that honours the TTL keeps an answer.
	// Alias records to ELB get the load balancer's 60 s TTL.
	AliasTTL time.Duration
	// Resolvers is the number of DNS resolvers the clients sit behind.
	Resolvers int
	// TTLIgnoringShare is the share of resolvers that keep an answer longer
	// than AliasTTL (5 minutes to a day).
	TTLIgnoringShare float64

	// Clients is the number of client identities.
	Clients int
	// Cohorts are the shares of the clients in each cohort other than
	// CohortValid, which takes the rest. A population of 20 or more
	// clients gets at least one client in each cohort with a positive
	// share.
	Cohorts []CohortShare
	// LeadPartnerShare is the share of the clients, outside
	// CohortMissingIntermediate, that belong to the first organization.
	// All of them use the organization's resolver, so that one resolver's
	// DNS answer moves the whole partner between the paths. Zero spreads the
	// clients over the organizations with a Zipf-like weight, and lets a
	// fifth of them use public resolvers.
	LeadPartnerShare float64
	// PeakHour is the UTC hour (0 to 24) of the daily traffic peak, and
	// TroughRatio the traffic 12 hours from the peak as a share of the peak
	// traffic, in (0, 1].
	PeakHour    float64
	TroughRatio float64
	// RateScale multiplies every client's request rate. Benchmarks raise it
	// to get millions of lines from the same population.
	RateScale float64

	// ALBTrust and TerminatorTrust are how the ALB and nginx on the
	// terminators verify client certificates.
	ALBTrust        TrustPolicy
	TerminatorTrust TrustPolicy
	// ALBTargetDelay slows the slower responses of the targets behind the
	// ALB. The zero value slows none.
	ALBTargetDelay LatencyShift

	// MalformedRate is the share of lines written damaged (truncated, with an
	// unterminated quote, or with an invalid timestamp), from 0 to below 1.
	MalformedRate float64
	// MaxLinesPerObject is the number of lines after which a node starts
	// another object for the same interval, as ALB nodes do under high load.
	MaxLinesPerObject int

	// Seed selects the simulated population and traffic. The same Config
	// gives byte-identical objects.
	Seed uint64
}

// Node is one ALB node. Its address names the objects it delivers and fills
// the ip_address field. ALB adds and removes nodes as load changes, so a node
// is active only from From until Until.
type Node struct {
	// IP is the node's IPv4 or IPv6 address.
	IP string
	// Zone is the node's Availability Zone, such as "eu-west-1a".
	Zone string
	// From and Until bound the time the node accepts connections. A zero
	// From means from the start of the run, and a zero Until to its end.
	From, Until time.Time
}

// Terminator is one EC2 instance behind the NLB that runs nginx.
type Terminator struct {
	// InstanceID is the EC2 instance ID, such as "i-0a1b2c3d4e5f60718". It
	// names the instance's log objects.
	InstanceID string
	// IP is the instance's private IPv4 address.
	IP string
}

// The defaults that DefaultConfig uses and the tests rely on.
const (
	// DefaultMalformedRate damages one line in 20,000.
	DefaultMalformedRate = 1.0 / 20000
	// DefaultAliasTTL is the TTL of an alias record to a load balancer.
	DefaultAliasTTL = 60 * time.Second
	// DefaultTerminatorLogGroupPrefix is the log group prefix of the
	// terminators' log events.
	DefaultTerminatorLogGroupPrefix = "/cutover-sim"
)

// DefaultConfig returns a one-day run from start with 300 clients behind 40
// resolvers, in the cohorts of DefaultCohortShares, with 10 percent of DNS
// answers going to the ALB (a first migration step), traffic peaking at
// 14:00 UTC, six ALB nodes in three zones, and three nginx terminators
// behind an NLB in three zones, logging in UTC. The node set changes during
// the day: one node per zone is added for the hours around 14:00, and one
// node is replaced. The added nodes do not follow a
// changed PeakHour; set Nodes as well. The terminators' logs go out as
// objects, not as log events. The ALB trust store holds the roots and
// CRLs but not the intermediates of CohortMissingIntermediate, and nginx
// holds all three. The ALB adds no latency.
func DefaultConfig(start time.Time) Config {
	start = start.UTC()
	return Config{
		AccountID:        "123456789012",
		Region:           "eu-west-1",
		LoadBalancerName: "partner-api",
		LoadBalancerID:   "3f2b8c1d9e4a7b60",
		ListenerPort:     443,
		DomainName:       "mtls.api.example.com",
		Nodes:            defaultNodes(start, "eu-west-1", 14),
		Targets: []string{
			"10.0.11.21:8443", "10.0.11.37:8443",
			"10.0.12.14:8443", "10.0.12.58:8443",
			"10.0.13.9:8443", "10.0.13.44:8443",
		},
		ALBTargetGroupName: "partner-api-tg",
		ALBTargetGroupID:   "1431f8721f6c073f",
		Terminators: []Terminator{
			{InstanceID: "i-0a1b2c3d4e5f60718", IP: "10.0.31.15"},
			{InstanceID: "i-07e3f9a2c4d1b5086", IP: "10.0.32.40"},
			{InstanceID: "i-0c58d2e7f1a3b9640", IP: "10.0.33.8"},
		},
		NLBSubnets:               []string{"10.0.21.0/24", "10.0.22.0/24", "10.0.23.0/24"},
		ErrorLogLocation:         time.UTC,
		NLBName:                  "partner-api-nlb",
		NLBID:                    "8d41c07e2b96f305",
		NLBTargetGroupName:       "partner-api-nginx",
		NLBTargetGroupID:         "5e0a9f3c71b2d648",
		TerminatorLogGroupPrefix: DefaultTerminatorLogGroupPrefix,
		Start:                    start,
		Duration:                 24 * time.Hour,
		ALBWeight:                10,
		AliasTTL:                 DefaultAliasTTL,
		Resolvers:                40,
		TTLIgnoringShare:         0.1,
		Clients:                  300,
		Cohorts:                  DefaultCohortShares(),
		ALBTrust:                 DefaultALBTrust(),
		TerminatorTrust:          DefaultTerminatorTrust(),
		PeakHour:                 14,
		TroughRatio:              0.15,
		RateScale:                1,
		MalformedRate:            DefaultMalformedRate,
		MaxLinesPerObject:        50000,
		Seed:                     1,
	}
}

// defaultNodes returns two permanent nodes per zone, one extra node per zone
// from three hours before the first peak after start until four hours after
// it, and a replacement of one node in the second zone nine hours in.
func defaultNodes(start time.Time, region string, peakHour int) []Node {
	peak := start.Truncate(24 * time.Hour).Add(time.Duration(peakHour) * time.Hour)
	if peak.Add(4 * time.Hour).Before(start) {
		peak = peak.Add(24 * time.Hour)
	}
	replaced := start.Add(9 * time.Hour)
	nodes := []Node{
		{IP: "10.0.1.27", Zone: region + "a"},
		{IP: "10.0.1.143", Zone: region + "a"},
		{IP: "10.0.2.86", Zone: region + "b"},
		{IP: "10.0.2.150", Zone: region + "b", Until: replaced},
		{IP: "10.0.2.201", Zone: region + "b", From: replaced.Add(-5 * time.Minute)},
		{IP: "10.0.3.12", Zone: region + "c"},
		{IP: "10.0.3.199", Zone: region + "c"},
	}
	for i, ip := range []string{"10.0.1.64", "10.0.2.33", "10.0.3.71"} {
		nodes = append(nodes, Node{
			IP:    ip,
			Zone:  region + string(rune('a'+i)),
			From:  peak.Add(-3 * time.Hour),
			Until: peak.Add(4 * time.Hour),
		})
	}
	return nodes
}

var (
	accountIDPattern  = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	lbNamePattern     = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)
	lbIDPattern       = regexp.MustCompile(`^[0-9a-f]{16}$`)
	instanceIDPattern = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)
	// logGroupPattern matches the characters CloudWatch Logs allows in a
	// log group name. The longest group name, "<prefix>/nginx/access", must
	// stay within CloudWatch Logs' maximum of 512 characters.
	logGroupPattern = regexp.MustCompile(`^[A-Za-z0-9_./#-]{1,499}$`)
)

// Validate returns an error that names every field Run cannot use, with its
// value and what it must be, or nil.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if !accountIDPattern.MatchString(c.AccountID) {
		bad("invalid AccountID %q: want 12 digits", c.AccountID)
	}
	if !regionPattern.MatchString(c.Region) {
		bad("invalid Region %q: want a Region name such as eu-west-1", c.Region)
	}
	if strings.HasPrefix(c.Prefix, "/") || strings.HasSuffix(c.Prefix, "/") || strings.Contains(c.Prefix, "AWSLogs") {
		bad("invalid Prefix %q: remove leading and trailing slashes and the AWSLogs part", c.Prefix)
	}
	if !lbNamePattern.MatchString(c.LoadBalancerName) {
		bad("invalid LoadBalancerName %q: want 1 to 32 letters, digits or hyphens, not starting or ending with a hyphen", c.LoadBalancerName)
	}
	if !lbIDPattern.MatchString(c.LoadBalancerID) {
		bad("invalid LoadBalancerID %q: want 16 lower-case hex digits", c.LoadBalancerID)
	}
	c.validateNames(bad)
	if c.ListenerPort < 1 || c.ListenerPort > 65535 {
		bad("invalid ListenerPort %d: want 1 to 65535", c.ListenerPort)
	}
	if c.DomainName == "" || strings.ContainsAny(c.DomainName, " \"/:") {
		bad("invalid DomainName %q: want a host name", c.DomainName)
	}
	c.validateNodes(bad)
	if len(c.Targets) == 0 {
		bad("missing Targets: set at least one ip:port")
	}
	for _, t := range c.Targets {
		if _, err := netip.ParseAddrPort(t); err != nil {
			bad("invalid target %q: want ip:port", t)
		}
	}

	c.validateTerminators(bad)

	if c.Start.IsZero() {
		bad("missing Start: set the simulated start time")
	}
	if c.Duration <= 0 {
		bad("invalid Duration %v: want a positive duration", c.Duration)
	}
	if c.ALBWeight < 0 || c.ALBWeight > 100 {
		bad("invalid ALBWeight %d: want 0 to 100", c.ALBWeight)
	}
	if c.PopulationDuration < 0 {
		bad("invalid PopulationDuration %v: want a positive duration, or 0 for Duration", c.PopulationDuration)
	}
	if c.AliasTTL <= 0 {
		bad("invalid AliasTTL %v: want a positive duration such as 60s", c.AliasTTL)
	}
	if c.Resolvers < 1 {
		bad("invalid Resolvers %d: want at least 1", c.Resolvers)
	}
	if c.TTLIgnoringShare < 0 || c.TTLIgnoringShare > 1 {
		bad("invalid TTLIgnoringShare %v: want 0 to 1", c.TTLIgnoringShare)
	}
	if c.Clients < 1 {
		bad("invalid Clients %d: want at least 1", c.Clients)
	}
	c.validateCohorts(bad)
	if c.LeadPartnerShare < 0 || c.LeadPartnerShare >= 1 {
		bad("invalid LeadPartnerShare %v: want 0 to below 1", c.LeadPartnerShare)
	}
	c.ALBTrust.validate("ALBTrust", bad)
	c.TerminatorTrust.validate("TerminatorTrust", bad)
	if c.ALBTargetDelay.Above < 0 || c.ALBTargetDelay.Delay < 0 {
		bad("invalid ALBTargetDelay %+v: want durations of 0 or more", c.ALBTargetDelay)
	}
	if c.PeakHour < 0 || c.PeakHour >= 24 {
		bad("invalid PeakHour %v: want 0 to below 24", c.PeakHour)
	}
	if c.TroughRatio <= 0 || c.TroughRatio > 1 {
		bad("invalid TroughRatio %v: want more than 0 and at most 1", c.TroughRatio)
	}
	if c.RateScale <= 0 {
		bad("invalid RateScale %v: want a positive number", c.RateScale)
	}
	if c.MalformedRate < 0 || c.MalformedRate >= 1 {
		bad("invalid MalformedRate %v: want 0 to below 1", c.MalformedRate)
	}
	if c.MaxLinesPerObject < 1 {
		bad("invalid MaxLinesPerObject %d: want at least 1", c.MaxLinesPerObject)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("sim: %w", errors.Join(errs...))
}

func (c *Config) validateNodes(bad func(string, ...any)) {
	if len(c.Nodes) == 0 {
		bad("missing Nodes: set at least one ALB node")
	}
	for _, n := range c.Nodes {
		if _, err := netip.ParseAddr(n.IP); err != nil {
			bad("invalid node IP %q: want an IPv4 or IPv6 address", n.IP)
		}
		if n.Zone == "" {
			bad("missing Zone for node %s", n.IP)
		}
		if !n.From.IsZero() && !n.Until.IsZero() && !n.Until.After(n.From) {
			bad("invalid window for node %s: Until %v is not after From %v", n.IP, n.Until, n.From)
		}
	}
}

// validateNames checks the names and IDs that only the metrics and the
// log events use, and the ALB's target group.
func (c *Config) validateNames(bad func(string, ...any)) {
	names := []struct{ field, value string }{
		{"ALBTargetGroupName", c.ALBTargetGroupName},
		{"NLBName", c.NLBName},
		{"NLBTargetGroupName", c.NLBTargetGroupName},
	}
	for _, n := range names {
		if !lbNamePattern.MatchString(n.value) {
			bad("invalid %s %q: want 1 to 32 letters, digits or hyphens, not starting or ending with a hyphen", n.field, n.value)
		}
	}
	ids := []struct{ field, value string }{
		{"ALBTargetGroupID", c.ALBTargetGroupID},
		{"NLBID", c.NLBID},
		{"NLBTargetGroupID", c.NLBTargetGroupID},
	}
	for _, id := range ids {
		if !lbIDPattern.MatchString(id.value) {
			bad("invalid %s %q: want 16 lower-case hex digits", id.field, id.value)
		}
	}
	if !logGroupPattern.MatchString(c.TerminatorLogGroupPrefix) || strings.HasSuffix(c.TerminatorLogGroupPrefix, "/") {
		bad("invalid TerminatorLogGroupPrefix %q: want 1 to 499 letters, digits or _ . / # -, not ending with a slash, such as %s",
			c.TerminatorLogGroupPrefix, DefaultTerminatorLogGroupPrefix)
	}
}

func (c *Config) validateTerminators(bad func(string, ...any)) {
	if len(c.Terminators) == 0 {
		bad("missing Terminators: set at least one instance behind the NLB")
	}
	seen := make(map[string]bool, len(c.Terminators))
	for _, t := range c.Terminators {
		if !instanceIDPattern.MatchString(t.InstanceID) {
			bad("invalid terminator InstanceID %q: want i- and 8 or 17 lower-case hex digits", t.InstanceID)
		}
		if seen[t.InstanceID] {
			bad("duplicate terminator InstanceID %q: give each instance its own ID", t.InstanceID)
		}
		seen[t.InstanceID] = true
		if a, err := netip.ParseAddr(t.IP); err != nil || !a.Is4() {
			bad("invalid IP %q for terminator %s: want an IPv4 address", t.IP, t.InstanceID)
		}
	}
	if len(c.NLBSubnets) == 0 {
		bad("missing NLBSubnets: set the CIDR of at least one NLB subnet")
	}
	for _, s := range c.NLBSubnets {
		p, err := netip.ParsePrefix(s)
		if err != nil || !p.Addr().Is4() || p.Bits() > 28 {
			bad("invalid NLB subnet %q: want an IPv4 CIDR of /28 or larger, such as 10.0.21.0/24", s)
		}
	}
	if c.ErrorLogLocation == nil {
		bad("missing ErrorLogLocation: set time.UTC or a zone from time.LoadLocation")
	}
}

// populationPeriod returns PopulationStart and PopulationDuration, or Start
// and Duration where they are zero.
func (c *Config) populationPeriod() (time.Time, time.Duration) {
	start, duration := c.PopulationStart, c.PopulationDuration
	if start.IsZero() {
		start = c.Start
	}
	if duration == 0 {
		duration = c.Duration
	}
	return start, duration
}

// End returns the end of the run, Start+Duration.
func (c *Config) End() time.Time { return c.Start.Add(c.Duration) }

// ELB returns the load balancer's resource ID as the logs write it,
// "app/<name>/<id>".
func (c *Config) ELB() string { return "app/" + c.LoadBalancerName + "/" + c.LoadBalancerID }

// NLB returns the NLB's resource ID, "net/<name>/<id>".
func (c *Config) NLB() string { return "net/" + c.NLBName + "/" + c.NLBID }

// ALBTargetGroup returns the ALB's target group as the TargetGroup
// dimension names it, "targetgroup/<name>/<id>".
func (c *Config) ALBTargetGroup() string {
	return "targetgroup/" + c.ALBTargetGroupName + "/" + c.ALBTargetGroupID
}

// NLBTargetGroup returns the NLB's target group as the TargetGroup
// dimension names it, "targetgroup/<name>/<id>".
func (c *Config) NLBTargetGroup() string {
	return "targetgroup/" + c.NLBTargetGroupName + "/" + c.NLBTargetGroupID
}

// TerminatorAccessLogGroup returns the log group of the terminators'
// access-log events, "<TerminatorLogGroupPrefix>/nginx/access".
func (c *Config) TerminatorAccessLogGroup() string {
	return c.TerminatorLogGroupPrefix + "/nginx/access"
}

// TerminatorErrorLogGroup returns the log group of the terminators'
// error-log events, "<TerminatorLogGroupPrefix>/nginx/error".
func (c *Config) TerminatorErrorLogGroup() string { return c.TerminatorLogGroupPrefix + "/nginx/error" }
