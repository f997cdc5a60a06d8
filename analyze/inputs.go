package analyze

import (
	"time"

	"github.com/cutover-dev/cutover/ingest/outcome"
)

// The paths, as the schema's path column spells them.
const (
	PathNLB = "nlb"
	PathALB = "alb"
)

// The ALB's client certificate modes, which decide where the ALB path's
// verification evidence comes from.
const (
	// ModeVerify: the ALB verifies client certificates and logs the result
	// in its connection log.
	ModeVerify = "verify"
	// ModePassthrough: the ALB forwards the certificate in the
	// X-Amzn-Mtls-Clientcert headers, and the targets behind it verify it
	// and log the result (terminator_tls rows with path alb).
	ModePassthrough = "passthrough"
)

// Inputs is everything Evaluate judges: the store's rows for one window,
// already grouped. Package store fills it from the named queries whose names
// start with analyze_, and the evaluation tool fills it from simulated records.
type Inputs struct {
	// Window is the judged window: the requested one without the newest
	// Settle.
	Window Window
	// Mode is ModeVerify or ModePassthrough.
	Mode string
	// Handshakes contains the connection attempts of both paths in the
	// window, without health checks.
	Handshakes []HandshakeGroup
	// Requests contains the request counts per path and client.
	Requests []RequestCounts
	// HeaderTimes contains the times to the response headers per path and
	// client.
	HeaderTimes []HeaderTimes
	// Sources lists each source of evidence with its newest record.
	Sources []Source
	// Gaps lists the 5-minute intervals of the ALB logs that lack an object
	// of a node that delivered objects before and after them.
	Gaps []Gap
	// Baseline contains the NLB path's evidence in the baseline window, or
	// nil when none is set. Its Handshakes, Requests and HeaderTimes have only
	// NLB rows.
	Baseline *Baseline
}

// Window is a time window: From inclusive, To exclusive.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Duration returns the length of the window.
func (w Window) Duration() time.Duration { return w.To.Sub(w.From) }

// Baseline is the NLB path's evidence in a window from before the shift.
type Baseline struct {
	Window      Window
	Handshakes  []HandshakeGroup
	Requests    []RequestCounts
	HeaderTimes []HeaderTimes
}

// Client is one client identity: the canonical leaf certificate subject and
// serial, or the client IP address where no certificate was logged.
type Client struct {
	// Key identifies the client across both paths: "SUBJECT / SERIAL", or
	// "ip:ADDRESS" for an IP-only identity.
	Key string
	// Subject and Serial are the canonical subject DN and serial, or "".
	Subject, Serial string
	// IP is the client address of an IP-only identity, or "".
	IP string
}

// IPOnly reports whether the identity is a client IP address, the weaker
// identity used where no certificate is logged.
func (c Client) IPOnly() bool { return c.Subject == "" && c.Serial == "" }

// HandshakeGroup counts the connection attempts of one client on one path
// with one outcome and raw reason.
type HandshakeGroup struct {
	Path   string
	Client Client
	// Outcome is the taxonomy word, or outcome.NotVerified when the log gives
	// no outcome. Such connections count as unknown, neither ok nor failed.
	Outcome outcome.Outcome
	// Reason is the raw reason as logged, such as
	// "Failed:ClientCertUntrusted" or "SUCCESS", or "".
	Reason string
	Count  int
	// First and Last are the times of the earliest and latest attempt.
	First, Last time.Time
}

// RequestCounts counts one client's requests on one path.
type RequestCounts struct {
	Path   string
	Client Client
	// Requests counts requests with a status code. Status5xx and Status4xx
	// count those with a 5xx or 4xx code from the load balancer: the ALB's
	// elb_status_code, or the terminator's status on the NLB path.
	Requests, Status5xx, Status4xx int
}

// HeaderTimes is one client's times to the response headers on one path:
// ALB target_processing_time, nginx $upstream_header_time or the other
// proxies' equivalent. The logs have millisecond resolution, so the times
// are kept as distinct values with their counts.
type HeaderTimes struct {
	Path   string
	Client Client
	// Seconds and Counts are parallel: Counts[i] requests took Seconds[i].
	Seconds []float64
	Counts  []int
}

// Source is one source of evidence: the ALB access, ALB connection or NLB
// TLS log of one load balancer, one terminator instance's log, or one load
// balancer's CloudWatch metrics.
type Source struct {
	// Kind is the source column of the source_freshness query, such as
	// alb_access, alb_connection, terminator_nginx or cloudwatch.
	Kind string
	// Name is the load balancer or instance.
	Name string
	// Log is "access" or "error" for a terminator log, else "".
	Log string
	// Path is the path whose evidence the source contains: PathALB or
	// PathNLB, or "" for CloudWatch.
	Path string
	// Newest is the time of the newest record in the window, zero when the
	// window has none.
	Newest time.Time
	// Rows counts the source's rows in the window.
	Rows int
}

// Gap is one 5-minute interval of one ALB log that lacks objects.
type Gap struct {
	// Kind is alb_access or alb_connection.
	Kind         string
	LoadBalancer string
	// IntervalEnd is the end of the 5-minute interval, as in the object
	// names.
	IntervalEnd time.Time
	// Missing lists the addresses of the nodes that delivered no object for
	// the interval.
	Missing []string
}
