package analyze

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// maxListed is the maximum number of items a sentence names before it adds
// "and N more".
const maxListed = 3

// freshness checks that each log source has records in the window and that
// its newest one is recent enough. The query also lists CloudWatch metrics,
// but they are not judged here because no check reads them.
func (e *evaluation) freshness() Check {
	c := Check{Name: CheckFreshness, Query: "source_freshness", Margin: "newest record ≤ " + e.pol.Window.Freshness.String() + " before the window's end"}
	limit := e.in.Window.To.Add(-e.pol.Window.Freshness)
	var empty, stale []string
	paths := map[string]int{}
	var albNewest, nlbNewest, albStalest, nlbStalest time.Time
	for _, s := range e.in.Sources {
		if s.Kind == "cloudwatch" || !e.judgedSource(s) {
			continue
		}
		switch {
		case s.Rows == 0 || s.Newest.IsZero():
			empty = append(empty, sourceLabel(s, ""))
			continue
		case s.Newest.Before(limit):
			stale = append(stale, sourceLabel(s, "newest "+s.Newest.UTC().Format(time.RFC3339)))
		}
		paths[s.Path]++
		switch s.Path {
		case PathALB:
			albNewest, albStalest = later(albNewest, s.Newest), earlier(albStalest, s.Newest)
		case PathNLB:
			nlbNewest, nlbStalest = later(nlbNewest, s.Newest), earlier(nlbStalest, s.Newest)
		}
	}
	c.ALB = ageText(albNewest, albStalest, e.in.Window.To)
	c.NLB = ageText(nlbNewest, nlbStalest, e.in.Window.To)
	var missingPaths []string
	for _, p := range []string{PathALB, PathNLB} {
		if paths[p] == 0 {
			missingPaths = append(missingPaths, strings.ToUpper(p))
		}
	}
	switch {
	case len(missingPaths) > 0:
		c.Verdict = Wait
		c.Sentence = fmt.Sprintf("No %s evidence has records in the window: ingest the %s logs for the window, then analyze again.",
			strings.Join(missingPaths, " or "), e.expectedSources(missingPaths))
	case len(empty) > 0 || len(stale) > 0:
		c.Verdict = Wait
		var parts []string
		if len(empty) > 0 {
			parts = append(parts, "without records in the window: "+listSome(empty))
		}
		if len(stale) > 0 {
			parts = append(parts, "stale: "+listSome(stale))
		}
		c.Sentence = fmt.Sprintf("Some sources are behind (%s): ingest again, or wait for their logs to arrive, because the other checks judge a partial view until then.",
			strings.Join(parts, "; "))
	default:
		c.Verdict = Pass
		c.Sentence = "Every log source has records within " + e.pol.Window.Freshness.String() + " of the window's end."
	}
	return c
}

// judgedSource reports whether a source contains evidence that the checks
// read in this mode. In verify mode these are the ALB's own logs, and in
// passthrough mode the ALB's access log and the logs of the targets behind
// it. The NLB path's sources count in both modes.
func (e *evaluation) judgedSource(s Source) bool {
	if e.in.Mode == ModePassthrough && s.Kind == "alb_connection" {
		return false
	}
	return s.Path == PathALB || s.Path == PathNLB
}

// expectedSources names the logs that supply the given paths.
func (e *evaluation) expectedSources(paths []string) string {
	var names []string
	for _, p := range paths {
		switch {
		case p == "ALB" && e.in.Mode == ModePassthrough:
			names = append(names, "ALB access log and the targets' (--terminator ... for the targets behind the ALB)")
		case p == "ALB":
			names = append(names, "ALB connection and access")
		default:
			names = append(names, "terminator (or NLB TLS)")
		}
	}
	return strings.Join(names, " and ")
}

// sourceLabel names a source for sentences, with a note in its brackets
// when note is not "".
func sourceLabel(s Source, note string) string {
	var details []string
	if s.Log != "" {
		details = append(details, s.Log)
	}
	if note != "" {
		details = append(details, note)
	}
	label := s.Kind + " " + s.Name
	if len(details) > 0 {
		label += " (" + strings.Join(details, ", ") + ")"
	}
	return label
}

// earlier returns the earlier of two times, ignoring a zero a.
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// ageText returns how long before end a path's freshest and stalest sources
// have their newest records, or "none" without sources.
func ageText(newest, stalest, end time.Time) string {
	if newest.IsZero() {
		return "none"
	}
	fresh, stale := end.Sub(newest).Round(time.Second), end.Sub(stalest).Round(time.Second)
	if fresh == stale {
		return "newest " + fresh.String() + " before end"
	}
	return fmt.Sprintf("newest %s, stalest source %s before end", fresh, stale)
}

// completeness checks that the ALB logs have no gaps, which are 5-minute
// intervals in which a node that delivered objects before and after
// delivered nothing. A gap within the freshness limit of the window's end
// may still fill, so the check waits. An older gap will not fill, because
// the node was idle (the ALB writes no object for an interval without
// traffic) or the object was lost. The other checks judge the records that
// arrived, so an older gap is reported and the check passes.
func (e *evaluation) completeness() Check {
	c := Check{Name: CheckCompleteness, Query: "analyze_gaps", Margin: "no gap in the newest " + e.pol.Window.Freshness.String()}
	recent := e.in.Window.To.Add(-e.pol.Window.Freshness)
	var newer, older []string
	for _, g := range e.in.Gaps {
		item := fmt.Sprintf("%s %s at %s from %s", g.Kind, g.LoadBalancer, g.IntervalEnd.UTC().Format("15:04"), strings.Join(g.Missing, ", "))
		if g.IntervalEnd.After(recent) {
			newer = append(newer, item)
		} else {
			older = append(older, item)
		}
	}
	c.Values = map[string]float64{"recent_gaps": float64(len(newer)), "older_gaps": float64(len(older))}
	c.ALB = fmt.Sprintf("%d recent, %d older gaps", len(newer), len(older))
	olderText := ""
	if len(older) > 0 {
		verb := "lack"
		if len(older) == 1 {
			verb = "lacks"
		}
		olderText = fmt.Sprintf(" %s %s an object from a node (%s). An idle node writes no object and a lost object will not arrive, so the checks judge the records that did.",
			plural(len(older), "older interval", "older intervals"), verb, listSome(older))
	}
	if len(newer) > 0 {
		c.Verdict = Wait
		c.Sentence = fmt.Sprintf("ALB log objects are missing for %s (%s). They may still arrive, so ingest again in a few minutes.%s",
			plural(len(newer), "recent interval", "recent intervals"), listSome(newer), olderText)
		return c
	}
	c.Verdict = Pass
	c.Sentence = "Every ALB node delivered an object for each recent 5-minute interval." + olderText
	return c
}

// passthroughEvidence checks, in passthrough mode, that the targets behind
// the ALB logged verification outcomes, because the ALB itself verifies
// nothing.
func (e *evaluation) passthroughEvidence() Check {
	c := Check{Name: CheckPassthroughEvidence, Query: "analyze_handshakes", Margin: "outcomes logged by the targets"}
	known, unknown := 0, 0
	for _, h := range e.alb {
		known += h.total
		unknown += h.unknown
	}
	c.ALB = fmt.Sprintf("%d with outcome, %d without", known, unknown)
	c.Values = map[string]float64{"with_outcome": float64(known), "without_outcome": float64(unknown)}
	switch {
	case known == 0 && unknown == 0:
		c.Verdict = Wait
		c.Sentence = "No connection to a target behind the ALB is in the window: ingest the targets' logs with --terminator and the ALB's target addresses, so that their rows have path alb."
	case known == 0:
		c.Verdict = Wait
		c.Sentence = "The targets behind the ALB log connections but no verification outcome: log the verification result (nginx $ssl_client_verify, Envoy %DOWNSTREAM_PEER_CERT_V_END% with the TLS error, HAProxy %[ssl_c_verify])."
	default:
		c.Verdict = Pass
		c.Sentence = "The targets behind the ALB log the outcome of their certificate verification, which the checks use as the ALB path's outcome."
	}
	return c
}

// trafficShare compares the ALB's observed share of connections with the
// configured weight.
func (e *evaluation) trafficShare() Check {
	c := Check{Name: CheckTrafficShare, Query: "analyze_handshakes"}
	albConns, nlbConns := connections(e.alb), connections(e.nlbNow)
	albClients, nlbClients := clientsWithTraffic(e.alb), clientsWithTraffic(e.nlbNow)
	union := map[string]bool{}
	for k, h := range e.alb {
		if h.total > 0 {
			union[k] = true
		}
	}
	for k, h := range e.nlbNow {
		if h.total > 0 {
			union[k] = true
		}
	}
	connShare, clientShare := math.NaN(), math.NaN()
	if albConns+nlbConns > 0 {
		connShare = float64(albConns) / float64(albConns+nlbConns)
	}
	if len(union) > 0 {
		clientShare = float64(albClients) / float64(len(union))
	}
	c.ALB = fmt.Sprintf("%s of connections, %d of %d clients", pct(connShare), albClients, len(union))
	c.NLB = fmt.Sprintf("%s of connections, %s", pct(1-connShare), plural(nlbClients, "client", "clients"))
	c.Values = map[string]float64{"alb_connection_share": connShare, "alb_client_share": clientShare}
	tol := e.pol.Margins.TrafficShare
	if e.opts.ALBWeight < 0 {
		c.Verdict = Skip
		c.Margin = "no weight given"
		c.Sentence = "No ALB weight was given (--alb-weight), so the observed share is shown but not judged. The gate reads the weight from Route 53."
		return c
	}
	weight := e.opts.ALBWeight / 100
	c.Values["alb_weight"] = weight
	c.Margin = fmt.Sprintf("weight %s ± %s", pct(weight), pct(tol))
	switch {
	case math.IsNaN(connShare):
		c.Verdict = Wait
		c.Sentence = "No connection is in the window on either path, so the share cannot be compared with the weight."
	case math.Abs(connShare-weight) <= tol:
		c.Verdict = Pass
		c.Sentence = fmt.Sprintf("The ALB carries %s of connections, within %s of its weight of %s.", pct(connShare), pct(tol), pct(weight))
	default:
		c.Verdict = Wait
		c.Sentence = fmt.Sprintf("The ALB carries %s of connections against a weight of %s. Resolvers that cache records past the TTL, "+
			"and clients that pin addresses, lag behind the weight. Wait for the share to settle, and check the DNS records if it does not.",
			pct(connShare), pct(weight))
	}
	return c
}

// listSome joins up to maxListed items and adds how many more there are.
func listSome(items []string) string {
	if len(items) <= maxListed {
		return strings.Join(items, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(items[:maxListed], "; "), len(items)-maxListed)
}

// pct formats a fraction as a percentage, "n/a" for NaN.
func pct(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f %%", x*100)
}

// points formats a difference of fractions in percentage points.
// A difference of rates lies in [−1, 1], so wider bounds are shown as those.
func points(x float64) string {
	return fmt.Sprintf("%+.2f pt", clampRate(x)*100)
}

// clampRate limits a bound on a difference of rates to [−1, 1], the range of
// the difference itself.
func clampRate(x float64) float64 {
	return math.Max(-1, math.Min(1, x))
}

// plural formats a count with the singular or plural noun, as in "1 client"
// or "2 clients".
func plural(n int, singular, pluralNoun string) string {
	if n == 1 {
		return "1 " + singular
	}
	return fmt.Sprintf("%d %s", n, pluralNoun)
}

// roundDuration rounds a duration for sentences.
func roundDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "a minute"
	case d < time.Hour:
		return d.Round(time.Minute).String()
	case d < 48*time.Hour:
		return d.Round(10 * time.Minute).String()
	}
	return fmt.Sprintf("%.0f days", d.Hours()/24)
}
