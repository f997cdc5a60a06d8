package policy

import (
	"math"
	"net/netip"
	"regexp"
	"time"

	"github.com/cutover-dev/cutover/ingest/outcome"
)

// Version is the policy file version that this package reads.
const Version = 1

// The values of a waiver's path and of Record.Path, as the schema's path
// column spells them.
const (
	PathNLB = "nlb"
	PathALB = "alb"
)

// Policy is the content of a policy file.
type Policy struct {
	// Version is the file format version. It is required and must be Version,
	// so that a later format is never read as this one.
	Version int `yaml:"version"`
	// Name names the migration in reports, such as "partner-api".
	Name string `yaml:"name"`
	// Description is free text for the people who read the reports.
	Description string `yaml:"description"`
	// Analyze holds what `cutover analyze` judges by. The gate reuses it.
	Analyze Analyze `yaml:"analyze"`
	// Gate holds what `cutover gate` moves and how, or nil when the file has
	// no gate section. A gate section takes DefaultGate for the fields that
	// it leaves out. RequireGate returns it, or the error to report without
	// it.
	Gate *Gate `yaml:"gate"`
	// Decommission sets which NLB `cutover decommission` removes and the
	// evidence it needs first, or is nil when the file has no decommission
	// section. A decommission
	// section takes DefaultDecommission for the fields that it leaves out.
	// RequireDecommission returns it, or the error to report without it.
	Decommission *Decommission `yaml:"decommission"`

	// File is the name of the file the policy was loaded from, as given to
	// Load or Parse, and "" for Default.
	File string `yaml:"-"`
}

// Analyze is the analyze section: the checks' margins, the statistics, the
// window rules, the health-check sources and the waivers.
type Analyze struct {
	Window       Window       `yaml:"window"`
	Baseline     Baseline     `yaml:"baseline"`
	Statistics   Statistics   `yaml:"statistics"`
	Margins      Margins      `yaml:"margins"`
	HealthChecks HealthChecks `yaml:"health_checks"`
	Waivers      Waivers      `yaml:"waivers"`
}

// Window is the set of rules about which data of the analysed window is
// judged.
type Window struct {
	// Settle is how much of the newest data is never judged, counted back from
	// the window's end, because ALB logs arrive every 5 minutes on a best
	// effort basis. Zero judges everything.
	Settle time.Duration `yaml:"settle"`
	// Freshness is the maximum age of a source's newest record at the end of
	// the judged window. A source whose newest record is older is stale, and
	// its checks WAIT.
	Freshness time.Duration `yaml:"freshness"`
	// CompletenessInterval is the length of the intervals in which the
	// completeness check expects records from every source.
	CompletenessInterval time.Duration `yaml:"completeness_interval"`
	// LookInterval is how often the gate evaluates the checks. The latency
	// checks spend their error rate per look, and count one look per
	// interval of the analysed window, however often anyone actually looked.
	LookInterval time.Duration `yaml:"look_interval"`
}

// Baseline is an optional window of the NLB path from before the shift. When
// the NLB's share of traffic falls below MinNLBShare, checks compare the ALB
// against this window instead of against the current NLB traffic.
type Baseline struct {
	// From is the start of the baseline window, inclusive. A date stands for
	// its first instant in UTC.
	From time.Time `yaml:"from"`
	// To is the end of the baseline window, exclusive. A date stands for the
	// end of that day in UTC.
	To time.Time `yaml:"to" date:"end"`
	// MinNLBShare is the NLB's share of traffic, as a fraction of 1, below
	// which the baseline replaces the current NLB traffic.
	MinNLBShare float64 `yaml:"min_nlb_share"`
}

// IsSet reports whether the policy has a baseline window.
func (b Baseline) IsSet() bool {
	return !b.From.IsZero()
}

// Statistics is the set of parameters of the statistical tests.
type Statistics struct {
	// Alpha is the error level of every test: the probability, at most, that
	// a check passes although the ALB path is worse than the margin allows.
	Alpha float64 `yaml:"alpha"`
	// MinClients is the minimum number of distinct client identities on each
	// path before a check that compares clients can pass or fail.
	MinClients int `yaml:"min_clients"`
	// MinConnections is the minimum number of connections on each path before
	// the handshake checks can pass or fail.
	MinConnections int `yaml:"min_connections"`
	// MinRequests is the minimum number of requests on each path before the
	// latency and 5xx checks can pass or fail.
	MinRequests int `yaml:"min_requests"`
}

// Margins is the set of amounts by which the ALB path may be worse than the
// NLB path. Rates are fractions of 1 and their margins are absolute
// differences: a handshake failure rate margin of 0.002 lets the ALB fail 0.2
// percentage points more handshakes than the NLB.
type Margins struct {
	// HandshakeFailureRate is the margin for the share of connections whose
	// handshake or client certificate verification failed.
	HandshakeFailureRate float64 `yaml:"handshake_failure_rate"`
	// HTTP5xxRate is the margin for the share of requests with a 5xx status
	// code.
	HTTP5xxRate float64 `yaml:"http_5xx_rate"`
	// ResponseHeaderTime is the set of margins for the quantiles of the time to
	// the backend's response headers: ALB target_processing_time against
	// nginx $upstream_header_time or its equivalent.
	ResponseHeaderTime LatencyMargins `yaml:"response_header_time"`
	// Client4xxRate is the margin for each client identity's share of requests
	// with a 4xx status code.
	Client4xxRate float64 `yaml:"client_4xx_rate"`
	// TrafficShare is the tolerance between the ALB's observed share of
	// traffic and the weight configured in Route 53, in either direction.
	TrafficShare float64 `yaml:"traffic_share"`
}

// LatencyMargins is the set of margins for the latency quantiles.
type LatencyMargins struct {
	P50 LatencyMargin `yaml:"p50"`
	P90 LatencyMargin `yaml:"p90"`
	P99 LatencyMargin `yaml:"p99"`
}

// QuantileMargin is the margin of one latency quantile.
type QuantileMargin struct {
	// Quantile is the quantile as a fraction, such as 0.99 for p99.
	Quantile float64
	LatencyMargin
}

// Quantiles returns the margins in the order p50, p90, p99.
func (m LatencyMargins) Quantiles() []QuantileMargin {
	return []QuantileMargin{{0.50, m.P50}, {0.90, m.P90}, {0.99, m.P99}}
}

// LatencyMargin is the margin of one latency quantile: the ALB's quantile
// may exceed the NLB's by Ratio of the NLB's value plus Slack.
type LatencyMargin struct {
	// Ratio is the relative margin as a fraction, such as 0.1 for 10 percent.
	Ratio float64 `yaml:"ratio"`
	// Slack is the absolute margin, added to the relative one so that fast
	// quantiles of a few milliseconds do not fail on jitter.
	Slack time.Duration `yaml:"slack"`
}

// Limit returns the largest ALB quantile that the margin allows for the NLB
// quantile nlb: nlb × (1 + Ratio) + Slack.
func (m LatencyMargin) Limit(nlb time.Duration) time.Duration {
	return time.Duration(math.Round(float64(nlb)*(1+m.Ratio))) + m.Slack
}

// HealthChecks is the set of rules that recognise the load balancers' health
// checks, which analyze leaves out of every rate. Records whose user agent
// starts with "ELB-HealthChecker" are always health checks.
type HealthChecks struct {
	// CIDRs are the source networks of health checks, usually the load
	// balancers' subnets. The loader stores them masked, so 10.0.21.7/24
	// becomes 10.0.21.0/24.
	CIDRs []netip.Prefix `yaml:"cidrs"`
	// UserAgents are further user agent prefixes of health checks, such as
	// "kube-probe/".
	UserAgents []string `yaml:"user_agents"`
	// Paths are the request paths of health checks, such as "/healthz",
	// compared with the request path without its query string.
	Paths []string `yaml:"paths"`
}

// Waivers is the list of waivers, in file order.
type Waivers []Waiver

// Waiver is an accepted difference between the paths. Analyze shows the
// records that a waiver covers apart from the others and leaves them out of
// the checks, until the waiver expires.
//
// A waiver covers the records on its Path that match one of its identities
// and one of its Outcomes. A record matches the identities when its subject
// is in Subjects or matches one of SubjectPatterns, or when its serial is in
// Serials. A waiver without identities matches every identity, and one
// without Outcomes every outcome, but a waiver must set at least one of the
// two.
type Waiver struct {
	// Name names the waiver in reports and must differ from the other
	// waivers' names. It is optional, and Waivers.Label falls back to the
	// waiver's position.
	Name string `yaml:"name"`
	// Path is PathNLB or PathALB, or "" for both paths.
	Path string `yaml:"path"`
	// Subjects are leaf certificate subject DNs. Validate writes them in the
	// canonical form of identity.CanonicalDN, so any spelling that it reads
	// may be used.
	Subjects []string `yaml:"subjects"`
	// SubjectPatterns are regular expressions in Go's RE2 syntax, each of
	// which must match the whole canonical subject DN, such as
	// `CN=legacy-[^,]+,O=Example,C=DE`.
	SubjectPatterns []string `yaml:"subject_patterns"`
	// Serials are leaf certificate serial numbers. Validate writes them in
	// the canonical form of identity.CanonicalSerial.
	Serials []string `yaml:"serials"`
	// Outcomes are words of the outcome taxonomy.
	Outcomes []outcome.Outcome `yaml:"outcomes"`
	// Reason is the justification for accepting the difference. It is
	// required.
	Reason string `yaml:"reason"`
	// Until is the expiry: the waiver covers records before this instant,
	// and only while the clock is before it. It is required. A date stands for
	// the end of that day in UTC.
	Until time.Time `yaml:"until" date:"end"`
	// ApprovedBy names who approved the waiver. It is optional.
	ApprovedBy string `yaml:"approved_by"`

	// patterns are the compiled SubjectPatterns, anchored at both ends. They
	// are set by Validate.
	patterns []*regexp.Regexp
}

// Default returns the policy that applies without a policy file. docs/policy.md
// lists the same values with their reasons.
func Default() Policy {
	return Policy{
		Version: Version,
		Analyze: Analyze{
			Window: Window{
				Settle:               10 * time.Minute,
				Freshness:            15 * time.Minute,
				CompletenessInterval: 5 * time.Minute,
				LookInterval:         5 * time.Minute,
			},
			Baseline: Baseline{MinNLBShare: 0.05},
			Statistics: Statistics{
				Alpha:          0.05,
				MinClients:     10,
				MinConnections: 1000,
				MinRequests:    1000,
			},
			Margins: Margins{
				HandshakeFailureRate: 0.002,
				HTTP5xxRate:          0.001,
				ResponseHeaderTime: LatencyMargins{
					P50: LatencyMargin{Ratio: 0.10, Slack: 5 * time.Millisecond},
					P90: LatencyMargin{Ratio: 0.10, Slack: 10 * time.Millisecond},
					P99: LatencyMargin{Ratio: 0.20, Slack: 25 * time.Millisecond},
				},
				Client4xxRate: 0.01,
				TrafficShare:  0.10,
			},
		},
	}
}
