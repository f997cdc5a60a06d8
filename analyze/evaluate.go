package analyze

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cutover-dev/cutover/analyze/stats"
	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/internal/policy"
)

// Options are the settings of one evaluation besides its inputs.
type Options struct {
	Policy policy.Policy
	// Now is the time at which waivers are checked, because a waiver covers
	// nothing at or after its expiry. To judge a past window as it stood
	// then, pass its end.
	Now time.Time
	// ALBWeight is the ALB's share of the Route 53 weight in percent, 0 to
	// 100, or a negative value when it is unknown, which skips the traffic
	// share check.
	ALBWeight float64
}

// Evaluate runs every check on in and returns their verdicts. It returns an
// error only for inputs that cannot be judged at all, such as a window
// whose end is not after its start.
func Evaluate(in Inputs, opts Options) (Result, error) {
	if !in.Window.From.Before(in.Window.To) {
		return Result{}, fmt.Errorf("analyze: the judged window %s to %s is empty: widen the window or shorten the settle time",
			in.Window.From.Format(time.RFC3339), in.Window.To.Format(time.RFC3339))
	}
	if in.Mode != ModeVerify && in.Mode != ModePassthrough {
		return Result{}, fmt.Errorf("analyze: unknown mode %q: want %s or %s", in.Mode, ModeVerify, ModePassthrough)
	}
	if opts.ALBWeight > 100 || math.IsNaN(opts.ALBWeight) {
		return Result{}, fmt.Errorf("analyze: invalid ALB weight %v: use a percentage from 0 to 100, or a negative value when the weight is unknown", opts.ALBWeight)
	}
	e := newEvaluation(in, opts)
	// Empty lists, not null, in JSON.
	res := Result{Window: in.Window, Mode: in.Mode, Waived: append([]Waived{}, e.waived...), ExpiredWaivers: []string{}}
	if e.useBaseline {
		w := in.Baseline.Window
		res.Baseline = &w
	}
	for _, i := range opts.Policy.Analyze.Waivers.Expired(opts.Now) {
		res.ExpiredWaivers = append(res.ExpiredWaivers, opts.Policy.Analyze.Waivers.Label(i))
	}

	res.Checks = append(res.Checks, e.freshness(), e.completeness())
	if in.Mode == ModePassthrough {
		res.Checks = append(res.Checks, e.passthroughEvidence())
	}
	res.Checks = append(res.Checks,
		e.trafficShare(),
		e.handshakeRate(),
		e.newFailureReason(),
		e.clientsLeftBehind(),
	)
	res.Checks = append(res.Checks, e.headerTimes()...)
	res.Checks = append(res.Checks, e.http5xxRate(), e.client4xx())
	res.Verdict = overall(res.Checks)
	for i := range res.Checks {
		switch w := res.Checks[i].Wait; {
		case w >= stats.Forever:
			res.Checks[i].WaitSeconds = -1
		case w > 0:
			res.Checks[i].WaitSeconds = int64(math.Ceil(w.Seconds()))
		}
		for k, v := range res.Checks[i].Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				delete(res.Checks[i].Values, k)
			}
		}
	}
	return res, nil
}

// overall combines the checks' verdicts: FAIL before WAIT before PASS.
func overall(checks []Check) Verdict {
	v := Pass
	for _, c := range checks {
		switch c.Verdict {
		case Fail:
			return Fail
		case Wait:
			v = Wait
		}
	}
	return v
}

// evaluation holds the inputs regrouped per client and path, with waived
// connections set apart.
type evaluation struct {
	in   Inputs
	opts Options
	pol  policy.Analyze

	// alb and nlb are the clients' handshakes on each path. nlb is the
	// baseline's when useBaseline is true, and nlbNow always the current
	// window's.
	alb, nlb, nlbNow map[string]*clientHandshakes
	// albRequests and nlbRequests are the request counts per client, and
	// albTimes and nlbTimes the header times. The NLB's come from the
	// baseline when useBaseline is true.
	albRequests, nlbRequests map[string]*RequestCounts
	albTimes, nlbTimes       []HeaderTimes
	useBaseline              bool
	// nlbShare is the NLB's share of the current window's connections, or
	// NaN without connections.
	nlbShare float64
	waived   []Waived
}

// clientHandshakes is one client's connections on one path.
type clientHandshakes struct {
	client Client
	// total counts connections with an outcome, ok those that succeeded,
	// and unknown those without an outcome.
	total, ok, unknown int
	// failed counts failed connections per outcome, and reasons the raw
	// reasons per outcome.
	failed  map[outcome.Outcome]int
	reasons map[outcome.Outcome]map[string]int
	// firstFailure and lastFailure bound the failed connections, and
	// firstOK and lastOK the successful ones.
	firstFailure, lastFailure, firstOK, lastOK time.Time
	// firstVerification and lastVerification bound the failed
	// verifications, leaving out broken-off handshakes and missing
	// certificates.
	firstVerification, lastVerification time.Time
}

func (c *clientHandshakes) failures() int { return c.total - c.ok }

func newEvaluation(in Inputs, opts Options) *evaluation {
	e := &evaluation{in: in, opts: opts, pol: opts.Policy.Analyze}
	waived := make(map[[2]string]*waivedAcc)
	e.alb = e.groupHandshakes(in.Handshakes, PathALB, waived)
	e.nlbNow = e.groupHandshakes(in.Handshakes, PathNLB, waived)
	e.nlb = e.nlbNow
	e.albRequests = e.groupRequests(in.Requests, PathALB)
	e.nlbRequests = e.groupRequests(in.Requests, PathNLB)
	e.albTimes = e.filterTimes(in.HeaderTimes, PathALB)
	e.nlbTimes = e.filterTimes(in.HeaderTimes, PathNLB)

	albConns, nlbConns := connections(e.alb), connections(e.nlbNow)
	e.nlbShare = math.NaN()
	if albConns+nlbConns > 0 {
		e.nlbShare = float64(nlbConns) / float64(albConns+nlbConns)
	}
	if in.Baseline != nil && albConns+nlbConns > 0 && e.nlbShare < e.pol.Baseline.MinNLBShare {
		e.useBaseline = true
		e.nlb = e.groupHandshakes(in.Baseline.Handshakes, PathNLB, waived)
		e.nlbRequests = e.groupRequests(in.Baseline.Requests, PathNLB)
		e.nlbTimes = e.filterTimes(in.Baseline.HeaderTimes, PathNLB)
	}
	e.waived = finishWaived(waived, opts.Policy.Analyze.Waivers)
	return e
}

// waivedAcc accumulates one waiver's connections on one path.
type waivedAcc struct {
	index   int
	path    string
	clients map[string]bool
	conns   int
	failed  int
	outcome map[string]bool
}

// groupHandshakes groups the handshake rows of one path per client, leaving
// out and counting those a waiver covers.
func (e *evaluation) groupHandshakes(rows []HandshakeGroup, path string, waived map[[2]string]*waivedAcc) map[string]*clientHandshakes {
	out := make(map[string]*clientHandshakes)
	for _, r := range rows {
		if r.Path != path || r.Count <= 0 {
			continue
		}
		if i := e.waiverOf(r); i >= 0 {
			key := [2]string{fmt.Sprint(i), path}
			w := waived[key]
			if w == nil {
				w = &waivedAcc{index: i, path: path, clients: map[string]bool{}, outcome: map[string]bool{}}
				waived[key] = w
			}
			w.clients[r.Client.Key] = true
			w.conns += r.Count
			if r.Outcome != outcome.OK && r.Outcome != outcome.NotVerified {
				w.failed += r.Count
			}
			w.outcome[cmp.Or(string(r.Outcome), "unknown")] = true
			continue
		}
		c := out[r.Client.Key]
		if c == nil {
			c = &clientHandshakes{client: r.Client, failed: map[outcome.Outcome]int{}, reasons: map[outcome.Outcome]map[string]int{}}
			out[r.Client.Key] = c
		}
		switch r.Outcome {
		case outcome.NotVerified:
			c.unknown += r.Count
		case outcome.OK:
			c.total += r.Count
			c.ok += r.Count
			c.lastOK = later(c.lastOK, r.Last)
			if c.firstOK.IsZero() || r.First.Before(c.firstOK) {
				c.firstOK = r.First
			}
		default:
			c.total += r.Count
			c.failed[r.Outcome] += r.Count
			if c.reasons[r.Outcome] == nil {
				c.reasons[r.Outcome] = map[string]int{}
			}
			c.reasons[r.Outcome][r.Reason] += r.Count
			if c.firstFailure.IsZero() || r.First.Before(c.firstFailure) {
				c.firstFailure = r.First
			}
			c.lastFailure = later(c.lastFailure, r.Last)
			if verificationOutcome(r.Outcome) {
				if c.firstVerification.IsZero() || r.First.Before(c.firstVerification) {
					c.firstVerification = r.First
				}
				c.lastVerification = later(c.lastVerification, r.Last)
			}
		}
	}
	return out
}

// waiverOf returns the index of the waiver that covers all of a group's
// connections, or -1. A group whose newest connection is at or after a
// waiver's expiry is not covered by it.
// TODO: a group that straddles a waiver's expiry is judged as a whole by its
// newest connection. Splitting it needs the rows by time.
func (e *evaluation) waiverOf(r HandshakeGroup) int {
	return e.pol.Waivers.Match(policy.Record{
		Path:    r.Path,
		Subject: r.Client.Subject,
		Serial:  r.Client.Serial,
		Outcome: r.Outcome,
		Time:    r.Last,
	}, e.opts.Now)
}

// requestWaived reports whether a waiver covers a client's requests. Only a
// waiver that names no outcomes, or names ok, can cover them, because
// requests are sent on connections that succeeded.
func (e *evaluation) requestWaived(path string, c Client) bool {
	return e.pol.Waivers.Match(policy.Record{
		Path: path, Subject: c.Subject, Serial: c.Serial, Outcome: outcome.OK, Time: e.in.Window.To.Add(-time.Nanosecond),
	}, e.opts.Now) >= 0
}

func (e *evaluation) groupRequests(rows []RequestCounts, path string) map[string]*RequestCounts {
	out := make(map[string]*RequestCounts)
	for _, r := range rows {
		if r.Path != path || e.requestWaived(path, r.Client) {
			continue
		}
		c := out[r.Client.Key]
		if c == nil {
			c = &RequestCounts{Path: path, Client: r.Client}
			out[r.Client.Key] = c
		}
		c.Requests += r.Requests
		c.Status5xx += r.Status5xx
		c.Status4xx += r.Status4xx
	}
	return out
}

func (e *evaluation) filterTimes(rows []HeaderTimes, path string) []HeaderTimes {
	var out []HeaderTimes
	for _, r := range rows {
		if r.Path == path && !e.requestWaived(path, r.Client) {
			out = append(out, r)
		}
	}
	return out
}

func finishWaived(acc map[[2]string]*waivedAcc, ws policy.Waivers) []Waived {
	var out []Waived
	for _, a := range acc {
		w := ws[a.index]
		var outcomes []string
		for o := range a.outcome {
			outcomes = append(outcomes, o)
		}
		slices.Sort(outcomes)
		out = append(out, Waived{
			Waiver:      ws.Label(a.index),
			Reason:      w.Reason,
			Until:       w.Until.UTC().Format(time.RFC3339),
			Path:        a.path,
			Clients:     len(a.clients),
			Connections: a.conns,
			Failed:      a.failed,
			Outcomes:    outcomes,
		})
	}
	slices.SortFunc(out, func(a, b Waived) int {
		return cmp.Or(cmp.Compare(a.Waiver, b.Waiver), cmp.Compare(a.Path, b.Path))
	})
	return out
}

// connections counts the connections with an outcome.
func connections(m map[string]*clientHandshakes) int {
	n := 0
	for _, c := range m {
		n += c.total
	}
	return n
}

// clientsWithTraffic counts the clients with at least one connection with
// an outcome.
func clientsWithTraffic(m map[string]*clientHandshakes) int {
	n := 0
	for _, c := range m {
		if c.total > 0 {
			n++
		}
	}
	return n
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// sortedKeys returns a map's keys in sorted order, so that output is stable.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// nlbLabel names the NLB side's evidence for sentences: the current window
// or the baseline.
func (e *evaluation) nlbLabel() string {
	if e.useBaseline {
		return "the NLB in the baseline window"
	}
	return "the NLB"
}
