package analyze

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/analyze/stats"
	"github.com/cutover-dev/cutover/ingest/outcome"
)

// remedies maps each failure outcome to the usual fix for an ALB rejection
// with that outcome.
var remedies = map[outcome.Outcome]string{
	outcome.Untrusted:    "add the issuing CA and its intermediates to the ALB trust store",
	outcome.Revoked:      "the ALB trust store's CRL rejects these certificates and the old path did not: have them renewed",
	outcome.CRLError:     "check the CRLs in the ALB trust store: the ALB could not process one",
	outcome.ChainTooLong: "the ALB accepts chains of at most 4 certificates: have these clients send a shorter chain or issue from a shallower CA",
	outcome.TooLarge:     "the ALB limits the size of client certificates: have these clients use smaller certificates",
	outcome.Expired:      "have the certificates renewed",
	outcome.NotYetValid:  "check the clients' clocks and the certificates' start dates",
	outcome.Unsupported:  "the ALB does not accept these certificates' key or signature type: have them reissued",
	outcome.BadPurpose:   "the certificates lack the client-authentication purpose the ALB requires: have them reissued",
	outcome.Incompatible: "the certificates do not fit the listener's security policy: choose a policy that accepts them or have them reissued",
}

// remedy returns the hint for an outcome, or a general one.
func remedy(o outcome.Outcome) string {
	if r, ok := remedies[o]; ok {
		return r
	}
	return "compare the ALB's verification settings with the old terminators' for these clients"
}

// handshakeRate compares the paths' handshake failure rates per connection,
// clients as clusters.
func (e *evaluation) handshakeRate() Check {
	margin := e.pol.Margins.HandshakeFailureRate
	c := Check{Name: CheckHandshakeRate, Query: "analyze_handshakes", Margin: points(margin)}
	alb, nlb := clientCounts(e.alb), clientCounts(e.nlb)
	res, err := stats.ComparePairedRates(alb, nlb, margin, e.pol.Statistics.Alpha)
	if err != nil {
		return errorCheck(c, err)
	}
	c.ALB = fmt.Sprintf("%s of %d", pct(res.ALBRate), res.ALBConnections)
	c.NLB = fmt.Sprintf("%s of %d", pct(res.NLBRate), res.NLBConnections)
	c.Values = map[string]float64{
		"alb_rate": res.ALBRate, "nlb_rate": res.NLBRate, "nlb_pooled_rate": res.NLBPooledRate, "difference": res.Difference,
		"lower": clampRate(res.Lower), "upper": clampRate(res.Upper), "margin": margin,
		"alb_connections": float64(res.ALBConnections), "nlb_connections": float64(res.NLBConnections),
		"paired_clients": float64(res.PairedClients), "alb_only_clients": float64(res.ALBOnlyClients),
		"alb_only_connections": float64(res.ALBOnlyConnections), "alb_only_failures": float64(res.ALBOnlyFailures),
	}
	if w, ok := e.waitForSamples(&c, res.ALBConnections, res.NLBConnections, res.PairedClients,
		e.pol.Statistics.MinConnections, "connections"); ok {
		return w
	}
	bounds := fmt.Sprintf("The difference lies between %s and %s", points(res.Lower), points(res.Upper))
	same := fmt.Sprintf("For the %s seen on both paths", plural(res.PairedClients, "client", "clients"))
	switch res.Verdict {
	case stats.Pass:
		c.Verdict = Pass
		c.Sentence = fmt.Sprintf("%s, the ALB fails %s of handshakes and %s %s. %s, below the margin of %s.",
			same, pct(res.ALBRate), e.nlbLabel(), pct(res.NLBRate), bounds, points(margin))
	case stats.Fail:
		c.Verdict = Fail
		o, cohort, reason := e.excessReason()
		c.Sentence = fmt.Sprintf("%s, the ALB fails %s of handshakes against %s on %s. %s, above the margin of %s. "+
			"Most of the excess is %s (%s) from %s: %s. Halt and roll back the step.",
			same, pct(res.ALBRate), pct(res.NLBRate), e.nlbLabel(), bounds, points(margin), o, reason, cohort, remedy(o))
	default:
		c.Verdict = Wait
		c.Wait = e.timeFor(res.NeedALB, res.NeedNLB, res.ALBConnections, res.NLBConnections)
		c.Sentence = fmt.Sprintf("%s, the ALB fails %s of handshakes and %s %s. %s, so it is neither below nor above the margin of %s yet.",
			same, pct(res.ALBRate), e.nlbLabel(), pct(res.NLBRate), bounds, points(margin)) +
			e.projectionText(projection{needALB: res.NeedALB, needNLB: res.NeedNLB, haveALB: res.ALBConnections, haveNLB: res.NLBConnections,
				paired: res.PairedClients, unit: "connections", wait: c.Wait})
	}
	return c
}

// waitForSamples returns a WAIT check when either path lacks the minimum
// units or clients, or when the NLB carries too little traffic and no
// baseline replaces it.
//
// albN and nlbN count the units of the clients seen on both paths, and
// paired those clients, because the paired comparisons use only them.
func (e *evaluation) waitForSamples(c *Check, albN, nlbN, paired, minN int, unit string) (Check, bool) {
	minClients := e.pol.Statistics.MinClients
	if !e.useBaseline && !math.IsNaN(e.nlbShare) && e.nlbShare < e.pol.Baseline.MinNLBShare {
		c.Verdict = Wait
		c.Sentence = fmt.Sprintf("The NLB carries %s of connections, below the %s that the policy compares against: "+
			"set a baseline window from before the shift (--baseline-from/--baseline-to or analyze.baseline).",
			pct(e.nlbShare), pct(e.pol.Baseline.MinNLBShare))
		return *c, true
	}
	if albN >= minN && nlbN >= minN && paired >= minClients {
		return Check{}, false
	}
	needALB, needNLB := max(0, minN-albN), max(0, minN-nlbN)
	c.Verdict = Wait
	c.Wait = e.timeFor(needALB, needNLB, albN, nlbN)
	c.Sentence = fmt.Sprintf("Too little data to judge: at least %d %s on each path from %s seen on both are needed "+
		"(statistics.min_%s and min_clients), and there are %d on the ALB and %d on %s from %s.", minN, unit,
		plural(minClients, "client", "clients"), unit, albN, nlbN, e.nlbLabel(), plural(paired, "client", "clients"))
	c.Sentence += e.projectionText(projection{needALB: needALB, needNLB: needNLB, haveALB: albN, haveNLB: nlbN,
		paired: -1, unit: unit, wait: c.Wait})
	return *c, true
}

// projection is the data still needed that a WAIT sentence reports.
type projection struct {
	// needALB and needNLB are the further units each path needs, or
	// stats.NeedUnknown.
	needALB, needNLB int
	// haveALB and haveNLB are the units each path has in the window.
	haveALB, haveNLB int
	// paired counts the clients seen on both paths, or is -1 for a check
	// that does not pair clients.
	paired int
	// unit is the plural noun of the units, such as "connections".
	unit string
	// wait is the time from timeFor.
	wait time.Duration
}

// projectionText returns sentences, each with a leading space, that state
// how much more data each path needs and how long that takes at the current
// rate. When either is unknown, the sentences state the reason instead.
func (e *evaluation) projectionText(p projection) string {
	if p.needALB == stats.NeedUnknown || p.needNLB == stats.NeedUnknown {
		switch {
		case p.haveALB == 0:
			return fmt.Sprintf(" The ALB has no %s in the window, so the check cannot project how many it needs.", p.unit)
		case p.haveNLB == 0:
			return fmt.Sprintf(" %s has no %s in the window, so the check cannot project how many it needs.", capitalize(e.nlbLabel()), p.unit)
		case p.paired == 0:
			return fmt.Sprintf(" No client has %s on both paths yet, so the check cannot project how many it needs.", p.unit)
		}
		return " No projected amount of further data settles it, because the estimate is too close to the margin."
	}

	var text string
	switch {
	case p.needALB > 0 && p.needNLB > 0:
		text = fmt.Sprintf(" It needs about %d more %s on the ALB and %d on the NLB.", p.needALB, p.unit, p.needNLB)
	case p.needALB > 0:
		text = fmt.Sprintf(" It needs about %d more %s on the ALB.", p.needALB, p.unit)
	case p.needNLB > 0:
		text = fmt.Sprintf(" It needs about %d more %s on the NLB.", p.needNLB, p.unit)
	}

	switch {
	case p.wait <= 0:
		return text
	case p.wait < stats.Forever:
		return text + " At the current rate that takes about " + roundDuration(p.wait) + "."
	case e.useBaseline && p.needNLB > 0:
		return text + " The baseline window's NLB data does not grow: widen the baseline window (--baseline-from/--baseline-to or analyze.baseline)."
	case p.needALB > 0 && p.haveALB == 0:
		return text + fmt.Sprintf(" The ALB has no %s in the window, so the time cannot be estimated.", p.unit)
	case p.needNLB > 0 && p.haveNLB == 0:
		return text + fmt.Sprintf(" %s has no %s in the window, so the time cannot be estimated.", capitalize(e.nlbLabel()), p.unit)
	}
	return text + " At the current rate that takes too long to estimate."
}

// timeFor estimates how long the paths take to gather the needed units at
// the rate seen in the window. The baseline's NLB side does not grow.
func (e *evaluation) timeFor(needALB, needNLB, haveALB, haveNLB int) time.Duration {
	hours := e.in.Window.Duration().Hours()
	albRate := float64(haveALB) / hours
	nlbRate := float64(haveNLB) / hours
	if e.useBaseline && needNLB > 0 {
		return stats.Forever
	}
	return max(stats.TimeToNeed(needALB, albRate), stats.TimeToNeed(needNLB, nlbRate))
}

// clientCounts turns the clients' handshakes into the statistics' input, in
// key order so that results are reproducible.
func clientCounts(m map[string]*clientHandshakes) []stats.ClientCounts {
	out := make([]stats.ClientCounts, 0, len(m))
	for _, k := range sortedKeys(m) {
		h := m[k]
		if h.total > 0 {
			out = append(out, stats.ClientCounts{Client: k, Trials: h.total, Failures: h.failures()})
		}
	}
	return out
}

// excessReason returns the outcome whose ALB rate exceeds the NLB's most,
// the clients that fail with it on the ALB, and its raw reasons.
func (e *evaluation) excessReason() (outcome.Outcome, string, string) {
	// Only clients seen on both paths make up the compared rates.
	alb := map[string]*clientHandshakes{}
	for k, h := range e.alb {
		if n := e.nlb[k]; n != nil && n.total > 0 {
			alb[k] = h
		}
	}
	albConns, nlbConns := float64(connections(alb)), float64(connections(e.nlb))
	albBy, nlbBy := failuresByOutcome(alb), failuresByOutcome(e.nlb)
	var best outcome.Outcome
	bestExcess := math.Inf(-1)
	for _, o := range outcome.All() {
		if albBy[o] == 0 {
			continue
		}
		excess := float64(albBy[o]) / albConns
		if nlbConns > 0 {
			excess -= float64(nlbBy[o]) / nlbConns
		}
		if excess > bestExcess {
			best, bestExcess = o, excess
		}
	}
	var clients []Client
	reasons := map[string]int{}
	for _, k := range sortedKeys(alb) {
		h := alb[k]
		if h.failed[best] > 0 {
			clients = append(clients, h.client)
			for r, n := range h.reasons[best] {
				reasons[r] += n
			}
		}
	}
	return best, DescribeCohort(clients), topReasons(reasons)
}

func failuresByOutcome(m map[string]*clientHandshakes) map[outcome.Outcome]int {
	out := map[outcome.Outcome]int{}
	for _, h := range m {
		for o, n := range h.failed {
			out[o] += n
		}
	}
	return out
}

// topReasons lists raw reasons by count, most frequent first.
func topReasons(m map[string]int) string {
	keys := sortedKeys(m)
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(m[b], m[a]) })
	for i, k := range keys {
		if k == "" {
			keys[i] = "no reason logged"
		}
	}
	return listSome(keys)
}

// newFailureReason looks for a failure outcome that clients hit on the ALB
// and that no client hit on the NLB.
//
// Let s be the larger of the ALB's share of connections and the share of
// clients seen on the ALB only. If the paths treated clients alike, each
// client that hits an outcome would show it on the ALB alone with
// probability at most s. The chance that the first k clients with that outcome all show it
// on the ALB alone is then at most s^k, however often the check looks,
// because the count only grows. The check fails at the smallest k with
// s^k ≤ alpha/16, alpha spread over the taxonomy's 16 words, and waits below
// it.
func (e *evaluation) newFailureReason() Check {
	c := Check{Name: CheckNewFailureReason, Query: "analyze_handshakes", Margin: "none on the ALB only"}
	s := e.albOnlyChance()
	k := math.Inf(1)
	if s > 0 && s < 1 {
		k = math.Max(1, math.Ceil(math.Log(e.pol.Statistics.Alpha/float64(len(outcome.All())))/math.Log(s)))
	}
	c.Values = map[string]float64{"alb_only_chance": s, "clients_to_fail": k}

	albClients := clientsByOutcome(e.alb)
	nlbClients := clientsByOutcome(e.nlb)
	// The ALB logs a handshake that broke off before it read a certificate
	// as Failed:UnmappedConnectionError without certificate fields, which
	// maps to no_cert. nginx logs the same event as a handshake error, so
	// either word on the NLB counts as seen for both.
	for _, pair := range [][2]outcome.Outcome{{outcome.NoCert, outcome.HandshakeError}, {outcome.HandshakeError, outcome.NoCert}} {
		if len(nlbClients[pair[0]]) == 0 && len(nlbClients[pair[1]]) > 0 {
			nlbClients[pair[0]] = nlbClients[pair[1]]
		}
	}
	var failing, waiting []string
	for _, o := range outcome.All() {
		if o == outcome.OK || len(albClients[o]) == 0 || len(nlbClients[o]) > 0 {
			continue
		}
		n := len(albClients[o])
		if float64(n) >= k {
			failing = append(failing, string(o))
			for _, key := range albClients[o] {
				c.Clients = append(c.Clients, e.finding(key, o))
			}
		} else {
			waiting = append(waiting, fmt.Sprintf("%s (%s)", o, plural(n, "client", "clients")))
		}
	}
	c.ALB = fmt.Sprintf("%d failure outcomes", len(albClients))
	if len(failing)+len(waiting) > 0 {
		var only []string
		for _, o := range outcome.All() {
			if len(albClients[o]) > 0 && len(nlbClients[o]) == 0 && o != outcome.OK {
				only = append(only, string(o))
			}
		}
		c.ALB += ", on the ALB only: " + strings.Join(only, ", ")
	}
	c.NLB = fmt.Sprintf("%d failure outcomes", len(nlbClients))
	switch {
	case len(failing) > 0:
		c.Verdict = Fail
		var parts []string
		for _, o := range failing {
			oc := outcome.Outcome(o)
			var clients []Client
			reasons := map[string]int{}
			for _, key := range albClients[oc] {
				clients = append(clients, e.alb[key].client)
				for r, n := range e.alb[key].reasons[oc] {
					reasons[r] += n
				}
			}
			parts = append(parts, fmt.Sprintf("%s (%s) from %s: %s", o, topReasons(reasons), DescribeCohort(clients), remedy(oc)))
		}
		c.Sentence = fmt.Sprintf("The ALB rejects clients for a reason %s never shows: %s. Halt and roll back the step.",
			e.nlbLabel(), strings.Join(parts, "; "))
	case len(waiting) > 0:
		c.Verdict = Wait
		c.Sentence = fmt.Sprintf("Some outcomes appear on the ALB only, from too few clients to tell chance from cause (%d needed at this traffic split): %s. Watch them as data arrives.",
			int(k), strings.Join(waiting, ", "))
		if math.IsInf(k, 1) {
			c.Sentence = fmt.Sprintf("Some outcomes appear on the ALB only (%s). With nearly all traffic on the ALB, no number of clients can tell chance from cause: compare with a baseline window.",
				strings.Join(waiting, ", "))
		}
	default:
		c.Verdict = Pass
		c.Sentence = "Every failure outcome on the ALB also occurs on " + e.nlbLabel() + "."
	}
	return c
}

// albOnlyChance returns s, the per-client chance described at
// newFailureReason, or NaN when neither path has connections.
func (e *evaluation) albOnlyChance() float64 {
	albConns, nlbConns := connections(e.alb), connections(e.nlb)
	if albConns+nlbConns == 0 {
		return math.NaN()
	}
	s := float64(albConns) / float64(albConns+nlbConns)
	union, albOnly := 0, 0
	for k, h := range e.alb {
		if h.total == 0 {
			continue
		}
		union++
		if n := e.nlb[k]; n == nil || n.total == 0 {
			albOnly++
		}
	}
	for k, h := range e.nlb {
		if a := e.alb[k]; h.total > 0 && (a == nil || a.total == 0) {
			union++
		}
	}
	if union > 0 {
		s = math.Max(s, float64(albOnly)/float64(union))
	}
	return s
}

// clientsByOutcome lists, per failure outcome, the keys of the clients that
// failed with it, in key order.
func clientsByOutcome(m map[string]*clientHandshakes) map[outcome.Outcome][]string {
	out := map[outcome.Outcome][]string{}
	for _, k := range sortedKeys(m) {
		for o, n := range m[k].failed {
			if n > 0 {
				out[o] = append(out[o], k)
			}
		}
	}
	return out
}

// finding describes one ALB client and outcome for a check's client list.
func (e *evaluation) finding(key string, o outcome.Outcome) ClientFinding {
	h := e.alb[key]
	f := ClientFinding{
		Client: key, Subject: h.client.Subject, Serial: h.client.Serial, Outcome: string(o),
		ALBFailed: h.failed[o], ALBTotal: h.total, First: h.firstFailure, Last: h.lastFailure,
	}
	var reasons []string
	for r := range h.reasons[o] {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	f.Reason = strings.Join(reasons, ", ")
	if n := e.nlb[key]; n != nil {
		f.NLBOK, f.NLBTotal = n.ok, n.total
	}
	return f
}

// verificationOutcome reports whether an outcome is a verdict on the
// certificate, as opposed to a broken-off handshake or a missing
// certificate, which can happen to any client on any path.
func verificationOutcome(o outcome.Outcome) bool {
	return o != outcome.OK && o != outcome.NotVerified && o != outcome.HandshakeError && o != outcome.NoCert
}

// clientsLeftBehind lists the certificate identities that the NLB still
// accepts and the ALB only rejects: no successful ALB connection, a failed
// verification on the ALB, and successful NLB connections both before the
// last failed ALB verification and after the first. So the NLB accepted the
// certificate while the ALB rejected it. A certificate that expired, or
// became valid, during the window fails on one path only before or after
// the other path's successes, and is not listed. With the baseline as the
// NLB side, any success there counts, except for an expiry or a start of
// validity, which time alone may explain.
func (e *evaluation) clientsLeftBehind() Check {
	c := Check{Name: CheckClientsLeftBehind, Query: "analyze_handshakes", Margin: "none"}
	var clients []Client
	reasons := map[string]int{}
	byOutcome := map[outcome.Outcome]int{}
	for _, key := range sortedKeys(e.alb) {
		h := e.alb[key]
		if h.client.IPOnly() || h.ok > 0 {
			continue
		}
		o, n := mainVerificationFailure(h)
		if n == 0 {
			continue
		}
		nlb := e.nlb[key]
		if nlb == nil || nlb.ok == 0 {
			continue
		}
		if e.useBaseline {
			if o == outcome.Expired || o == outcome.NotYetValid {
				continue
			}
		} else if !nlb.lastOK.After(h.firstVerification) || !nlb.firstOK.Before(h.lastVerification) {
			continue
		}
		f := e.finding(key, o)
		c.Clients = append(c.Clients, f)
		clients = append(clients, h.client)
		for r, n := range h.reasons[o] {
			reasons[r] += n
		}
		byOutcome[o]++
	}
	c.ALB = fmt.Sprintf("%d left behind", len(c.Clients))
	c.Values = map[string]float64{"clients": float64(len(c.Clients))}
	if len(c.Clients) == 0 {
		c.Verdict = Pass
		c.Sentence = "No client that " + e.nlbLabel() + " accepts is only rejected by the ALB."
		return c
	}
	main := outcome.Outcome("")
	for _, o := range outcome.All() {
		if byOutcome[o] > byOutcome[main] {
			main = o
		}
	}
	c.Verdict = Fail
	verb := "are"
	if len(c.Clients) == 1 {
		verb = "is"
	}
	c.Sentence = fmt.Sprintf("%s that %s accepts %s only rejected by the ALB, mostly %s (%s): %s. "+
		"They break on the next step: %s, or waive them in the policy. Halt and roll back the step.",
		plural(len(c.Clients), "client", "clients"), e.nlbLabel(), verb, main, topReasons(reasons), DescribeCohort(clients), remedy(main))
	return c
}

// mainVerificationFailure returns a client's most frequent verification
// outcome on a path and its count, or 0 when it has none.
func mainVerificationFailure(h *clientHandshakes) (outcome.Outcome, int) {
	var best outcome.Outcome
	n := 0
	for _, o := range outcome.All() {
		if verificationOutcome(o) && h.failed[o] > n {
			best, n = o, h.failed[o]
		}
	}
	return best, n
}

// capitalize upper-cases the first letter of a sentence.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// errorCheck turns a statistics error into a WAIT that shows the error.
// The inputs come from the store, so an error here is a defect, but one
// check must not hide the others.
func errorCheck(c Check, err error) Check {
	c.Verdict = Wait
	c.Sentence = "Internal error, so the check cannot be judged: " + err.Error() + ". Report this as a cutover defect."
	return c
}
