package analyze

import (
	"time"

	"github.com/cutover-dev/cutover/analyze/stats"
)

// Verdict is a check's verdict, or the overall one.
type Verdict = stats.Verdict

// The verdicts. Skip marks a check that did not run, such as the traffic
// share without a configured weight. Skip does not change the overall verdict.
const (
	Pass         = stats.Pass
	Fail         = stats.Fail
	Wait         = stats.Wait
	Skip Verdict = "SKIP"
)

// The names of the checks, in the order Evaluate returns them.
const (
	CheckFreshness           = "freshness"
	CheckCompleteness        = "completeness"
	CheckPassthroughEvidence = "passthrough_evidence"
	CheckTrafficShare        = "traffic_share"
	CheckHandshakeRate       = "handshake_failure_rate"
	CheckNewFailureReason    = "new_failure_reason"
	CheckClientsLeftBehind   = "clients_left_behind"
	CheckHeaderTimeP50       = "response_header_time_p50"
	CheckHeaderTimeP90       = "response_header_time_p90"
	CheckHeaderTimeP99       = "response_header_time_p99"
	CheckHTTP5xxRate         = "http_5xx_rate"
	CheckClient4xx           = "client_4xx"
)

// Result is the outcome of Evaluate.
type Result struct {
	// Verdict is FAIL when any check fails, else WAIT when any waits, else
	// PASS.
	Verdict Verdict `json:"verdict"`
	// Window is the judged window.
	Window Window `json:"window"`
	Mode   string `json:"mode"`
	// Baseline is the baseline window when the checks compared the ALB
	// against it instead of the current NLB traffic, else nil.
	Baseline *Window `json:"baseline,omitempty"`
	Checks   []Check `json:"checks"`
	// Waived summarises the connections that waivers took out of the checks,
	// per waiver and path.
	Waived []Waived `json:"waived"`
	// ExpiredWaivers names the policy's waivers that have expired and cover
	// nothing any longer.
	ExpiredWaivers []string `json:"expired_waivers"`
}

// Check is one check's verdict with the numbers behind it.
type Check struct {
	Name    string  `json:"name"`
	Verdict Verdict `json:"verdict"`
	// ALB, NLB and Margin are the compared values as text with units, such
	// as "0.31 %" or "412 ms", for tables.
	ALB    string `json:"alb"`
	NLB    string `json:"nlb"`
	Margin string `json:"margin"`
	// Sentence explains the verdict and what the operator should do next.
	Sentence string `json:"sentence"`
	// Query is the named query whose rows the check reads.
	Query string `json:"query"`
	// Values contains the check's numbers for machines, such as the bounds
	// of a difference. Keys are snake_case, with the unit in the key's name.
	Values map[string]float64 `json:"values,omitempty"`
	// Clients lists the client identities that the check names: the
	// clients left behind, the clients with a new failure reason, the
	// clients whose 4xx rate is worse on the ALB.
	Clients []ClientFinding `json:"clients,omitempty"`
	// Wait is the estimated time, at the current traffic rate, before the
	// verdict can leave WAIT. It is 0 when the check is not waiting, and
	// math.MaxInt64 (stats.Forever) when no amount of data is projected to
	// settle it.
	Wait time.Duration `json:"-"`
	// WaitSeconds is Wait in whole seconds for JSON: absent when the check
	// is not waiting, and -1 when no amount of data is projected to settle
	// it.
	WaitSeconds int64 `json:"wait_seconds,omitempty"`
}

// ClientFinding is one client that a check names.
type ClientFinding struct {
	Client  string `json:"client"`
	Subject string `json:"subject,omitempty"`
	Serial  string `json:"serial,omitempty"`
	// Reason is the raw reason the ALB logged, such as
	// "Failed:ClientCertUntrusted", and Outcome its taxonomy word.
	Reason  string `json:"reason,omitempty"`
	Outcome string `json:"outcome,omitempty"`
	// ALBFailed and ALBTotal count the client's failed and total connections
	// on the ALB, or its 4xx and total requests for the client_4xx check.
	// NLBOK and NLBTotal count its successful and total connections (or
	// requests) on the NLB.
	ALBFailed int `json:"alb_failed"`
	ALBTotal  int `json:"alb_total"`
	NLBOK     int `json:"nlb_ok"`
	NLBTotal  int `json:"nlb_total"`
	// First and Last bound the client's failures on the ALB.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// Waived counts what one waiver took out of the checks on one path.
type Waived struct {
	Waiver      string   `json:"waiver"`
	Reason      string   `json:"reason"`
	Until       string   `json:"until"`
	Path        string   `json:"path"`
	Clients     int      `json:"clients"`
	Connections int      `json:"connections"`
	Failed      int      `json:"failed"`
	Outcomes    []string `json:"outcomes"`
}
