package analyze

import (
	"fmt"
	"math"
	"time"

	"github.com/cutover-dev/cutover/analyze/stats"
	"github.com/cutover-dev/cutover/internal/policy"
)

// look returns the number of this evaluation among the gate's repeated
// ones, counting one look per look interval since the window's start. The
// quantile checks spend alpha per look, so a longer window spends alpha as
// if the gate had looked at every interval of it, whether it did or not.
func (e *evaluation) look() int {
	interval := e.pol.Window.LookInterval
	if interval <= 0 {
		return 1
	}
	return max(1, int(math.Ceil(float64(e.in.Window.Duration())/float64(interval))))
}

// headerTimes compares the paths' p50, p90 and p99 of the time to the
// response headers.
func (e *evaluation) headerTimes() []Check {
	names := []string{CheckHeaderTimeP50, CheckHeaderTimeP90, CheckHeaderTimeP99}
	samples, err := stats.PreparePairedSamples(clientSamples(e.albTimes), clientSamples(e.nlbTimes))
	var out []Check
	for i, qm := range e.pol.Margins.ResponseHeaderTime.Quantiles() {
		out = append(out, e.headerTime(names[i], samples, err, qm))
	}
	return out
}

func (e *evaluation) headerTime(name string, samples *stats.PairedSamples, prepErr error, qm policy.QuantileMargin) Check {
	c := Check{Name: name, Query: "analyze_header_times",
		Margin: fmt.Sprintf("NLB × %.2f + %s", 1+qm.Ratio, qm.Slack)}
	if prepErr != nil {
		return errorCheck(c, prepErr)
	}
	res, err := samples.Compare(qm.Quantile, qm.Ratio, qm.Slack.Seconds(), e.pol.Statistics.Alpha,
		stats.QuantileOptions{Look: e.look()})
	if err != nil {
		return errorCheck(c, err)
	}
	label := fmt.Sprintf("p%.0f", qm.Quantile*100)
	c.ALB, c.NLB = "no data", "no data"
	if res.ALBSamples > 0 {
		c.ALB = fmt.Sprintf("%s [%s, %s]", ms(res.ALB), ms(res.ALBLower), ms(res.ALBUpper))
	}
	if res.NLBSamples > 0 {
		c.NLB = fmt.Sprintf("%s [%s, %s]", ms(res.NLB), ms(res.NLBLower), ms(res.NLBUpper))
	}
	c.Values = map[string]float64{
		"alb_seconds": res.ALB, "nlb_seconds": res.NLB,
		"alb_lower_seconds": finite(res.ALBLower), "alb_upper_seconds": finite(res.ALBUpper),
		"nlb_lower_seconds": finite(res.NLBLower), "nlb_upper_seconds": finite(res.NLBUpper),
		"alb_requests": float64(res.ALBSamples), "nlb_requests": float64(res.NLBSamples),
		"look": float64(res.Look), "look_alpha": res.LookAlpha,
		"paired_clients": float64(res.PairedClients), "alb_only_requests": float64(res.ALBOnlySamples),
	}
	if w, ok := e.waitForSamples(&c, res.ALBSamples, res.NLBSamples, res.PairedClients,
		e.pol.Statistics.MinRequests, "requests"); ok {
		return w
	}
	limitText := fmt.Sprintf("%s × %.2f + %s", label, 1+qm.Ratio, qm.Slack)
	switch res.Verdict {
	case stats.Pass:
		c.Verdict = Pass
		c.Sentence = fmt.Sprintf("The ALB's %s time to response headers is %s, at most %s, within %s of %s (%s).",
			label, ms(res.ALB), ms(res.ALBUpper), limitText, e.nlbLabel(), ms(res.NLB))
	case stats.Fail:
		c.Verdict = Fail
		c.Sentence = fmt.Sprintf("The ALB's %s time to response headers is %s, at least %s, beyond %s of %s (%s, at most %s). "+
			"Halt, and look at the targets behind the ALB (instance type, connection reuse, health) before the next step.",
			label, ms(res.ALB), ms(res.ALBLower), limitText, e.nlbLabel(), ms(res.NLB), ms(res.NLBUpper))
	default:
		c.Verdict = Wait
		c.Wait = e.timeFor(res.NeedALB, res.NeedNLB, res.ALBSamples, res.NLBSamples)
		c.Sentence = fmt.Sprintf("The ALB's %s is %s and %s's %s. Their bounds overlap the limit %s, so the check neither passes nor fails yet.",
			label, ms(res.ALB), e.nlbLabel(), ms(res.NLB), limitText) +
			e.projectionText(projection{needALB: res.NeedALB, needNLB: res.NeedNLB, haveALB: res.ALBSamples, haveNLB: res.NLBSamples,
				paired: res.PairedClients, unit: "requests", wait: c.Wait})
	}
	return c
}

// clientSamples turns header times into the statistics' input.
func clientSamples(rows []HeaderTimes) []stats.ClientSamples {
	byClient := map[string]*stats.ClientSamples{}
	var order []string
	for _, r := range rows {
		s := byClient[r.Client.Key]
		if s == nil {
			s = &stats.ClientSamples{Client: r.Client.Key}
			byClient[r.Client.Key] = s
			order = append(order, r.Client.Key)
		}
		s.Seconds = append(s.Seconds, r.Seconds...)
		if r.Counts != nil {
			s.Counts = append(s.Counts, r.Counts...)
		} else {
			for range r.Seconds {
				s.Counts = append(s.Counts, 1)
			}
		}
	}
	out := make([]stats.ClientSamples, 0, len(order))
	for _, k := range order {
		out = append(out, *byClient[k])
	}
	return out
}

// http5xxRate compares the paths' 5xx rates per request, clients as
// clusters.
func (e *evaluation) http5xxRate() Check {
	margin := e.pol.Margins.HTTP5xxRate
	c := Check{Name: CheckHTTP5xxRate, Query: "analyze_requests", Margin: points(margin)}
	alb, nlb := requestCounts(e.albRequests, false), requestCounts(e.nlbRequests, false)
	res, err := stats.ComparePairedRates(alb, nlb, margin, e.pol.Statistics.Alpha)
	if err != nil {
		return errorCheck(c, err)
	}
	c.ALB = fmt.Sprintf("%s of %d", pct(res.ALBRate), res.ALBConnections)
	c.NLB = fmt.Sprintf("%s of %d", pct(res.NLBRate), res.NLBConnections)
	c.Values = map[string]float64{
		"alb_rate": res.ALBRate, "nlb_rate": res.NLBRate, "lower": clampRate(res.Lower), "upper": clampRate(res.Upper), "margin": margin,
		"alb_requests": float64(res.ALBConnections), "nlb_requests": float64(res.NLBConnections),
	}
	if w, ok := e.waitForSamples(&c, res.ALBConnections, res.NLBConnections, res.PairedClients,
		e.pol.Statistics.MinRequests, "requests"); ok {
		return w
	}
	bounds := fmt.Sprintf("The difference lies between %s and %s", points(res.Lower), points(res.Upper))
	switch res.Verdict {
	case stats.Pass:
		c.Verdict = Pass
		c.Sentence = fmt.Sprintf("The ALB returns 5xx for %s of requests and %s for %s. %s, below the margin of %s.",
			pct(res.ALBRate), e.nlbLabel(), pct(res.NLBRate), bounds, points(margin))
	case stats.Fail:
		c.Verdict = Fail
		c.Sentence = fmt.Sprintf("The ALB returns 5xx for %s of requests against %s on %s. %s, above the margin of %s. "+
			"Halt, and check the ALB's target health and elb_status_code 502/503/504 in the access log.",
			pct(res.ALBRate), pct(res.NLBRate), e.nlbLabel(), bounds, points(margin))
	default:
		c.Verdict = Wait
		c.Wait = e.timeFor(res.NeedALB, res.NeedNLB, res.ALBConnections, res.NLBConnections)
		c.Sentence = fmt.Sprintf("The ALB returns 5xx for %s of requests and %s for %s. %s, so it is neither below nor above the margin of %s yet.",
			pct(res.ALBRate), e.nlbLabel(), pct(res.NLBRate), bounds, points(margin)) +
			e.projectionText(projection{needALB: res.NeedALB, needNLB: res.NeedNLB, haveALB: res.ALBConnections, haveNLB: res.NLBConnections,
				paired: res.PairedClients, unit: "requests", wait: c.Wait})
	}
	return c
}

// requestCounts turns request counts into the statistics' input: 4xx as
// failures when client4xx is true, else 5xx.
func requestCounts(m map[string]*RequestCounts, client4xx bool) []stats.ClientCounts {
	out := make([]stats.ClientCounts, 0, len(m))
	for _, k := range sortedKeys(m) {
		r := m[k]
		f := r.Status5xx
		if client4xx {
			f = r.Status4xx
		}
		if r.Requests > 0 {
			out = append(out, stats.ClientCounts{Client: k, Trials: r.Requests, Failures: f})
		}
	}
	return out
}

// minClientRequests is the minimum number of NLB requests a client needs
// before its own NLB 4xx rate is a reference for its ALB rate.
const minClientRequests = 20

// client4xx looks for clients whose share of 4xx responses is higher on the
// ALB than on the NLB by more than the margin. Renamed or missing
// X-Amzn-Mtls-Clientcert headers make the targets respond with 401 or 403.
//
// Each client's ALB 4xx rate is compared with its own NLB rate, as a
// difference of binomial rates under the normal-mixture boundary of
// CompareClusteredRates, at alpha divided by the number of clients. Clients
// with fewer than minClientRequests NLB requests are not judged, because
// their own rate is unknown and clients differ too much for the NLB's rate
// over all clients to stand in for it.
//
// The check is a screen. It fails when a client is worse beyond doubt, and
// it passes when none is and both paths have the policy's minimum of
// requests. A PASS does not show that every client is within the margin.
func (e *evaluation) client4xx() Check {
	margin := e.pol.Margins.Client4xxRate
	c := Check{Name: CheckClient4xx, Query: "analyze_requests", Margin: points(margin) + " per client"}
	var nlbAll, nlb4xx, albAll int
	for _, r := range e.nlbRequests {
		nlbAll += r.Requests
		nlb4xx += r.Status4xx
	}
	for _, r := range e.albRequests {
		albAll += r.Requests
	}
	clients := 0
	for _, r := range e.albRequests {
		if r.Requests > 0 {
			clients++
		}
	}
	alpha := e.pol.Statistics.Alpha / float64(max(clients, 1))
	rho := stats.MixtureRho(margin)
	worst := math.Inf(-1)
	unjudged := 0
	for _, k := range sortedKeys(e.albRequests) {
		a := e.albRequests[k]
		if a.Requests == 0 {
			continue
		}
		n := e.nlbRequests[k]
		if n == nil || n.Requests < minClientRequests {
			unjudged++
			continue
		}
		refN, refF := n.Requests, n.Status4xx
		pa, pn := float64(a.Status4xx)/float64(a.Requests), float64(refF)/float64(refN)
		v := binomialVariance(a.Status4xx, a.Requests) + binomialVariance(refF, refN)
		lower, _ := stats.MixtureBounds(pa-pn, v, rho, alpha)
		worst = math.Max(worst, pa-pn)
		if lower > margin {
			f := ClientFinding{Client: k, Subject: a.Client.Subject, Serial: a.Client.Serial,
				ALBFailed: a.Status4xx, ALBTotal: a.Requests}
			if n := e.nlbRequests[k]; n != nil {
				f.NLBOK, f.NLBTotal = n.Requests-n.Status4xx, n.Requests
			}
			c.Clients = append(c.Clients, f)
		}
	}
	c.ALB = fmt.Sprintf("%s, %s", plural(clients, "client", "clients"), plural(albAll, "request", "requests"))
	c.NLB = fmt.Sprintf("%s 4xx over all clients", pct(ratio(nlb4xx, nlbAll)))
	c.Values = map[string]float64{"clients_flagged": float64(len(c.Clients)), "clients_not_judged": float64(unjudged),
		"largest_difference": finite(worst)}
	notJudged := ""
	if unjudged > 0 {
		verb := "are"
		if unjudged == 1 {
			verb = "is"
		}
		notJudged = fmt.Sprintf(" %s with fewer than %d requests on %s %s not judged, because clients differ widely in their 4xx rates and only a client's own NLB rate is a fair reference.",
			plural(unjudged, "client", "clients"), minClientRequests, e.nlbLabel(), verb)
	}
	switch {
	case len(c.Clients) > 0:
		c.Verdict = Fail
		var named []Client
		for _, f := range c.Clients {
			named = append(named, e.albRequests[f.Client].Client)
		}
		verb := "get"
		if len(named) == 1 {
			verb = "gets"
		}
		c.Sentence = fmt.Sprintf("%s %s more 4xx responses on the ALB than on %s, beyond the margin of %s. "+
			"Halt, and check that the targets read the X-Amzn-Mtls-Clientcert headers that the ALB sends "+
			"(the targets respond with 401 or 403 otherwise) and the ALB's routing rules.",
			DescribeCohort(named), verb, e.nlbLabel(), points(margin))
	case albAll < e.pol.Statistics.MinRequests || nlbAll < e.pol.Statistics.MinRequests:
		c.Verdict = Wait
		c.Sentence = fmt.Sprintf("Too little data to screen clients for 4xx: at least %d requests on each path are needed (statistics.min_requests), and there are %d on the ALB and %d on %s.",
			e.pol.Statistics.MinRequests, albAll, nlbAll, e.nlbLabel())
	default:
		c.Verdict = Pass
		c.Sentence = "No client gets more 4xx responses on the ALB than on " + e.nlbLabel() + " beyond the margin." + notJudged
	}
	return c
}

func binomialVariance(f, n int) float64 {
	q := (float64(f) + 1) / (float64(n) + 2)
	return q * (1 - q) / float64(n)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// ms formats seconds as a duration rounded to 0.1 ms, or "∞" for +Inf.
func ms(s float64) string {
	if math.IsInf(s, 1) {
		return "∞"
	}
	return time.Duration(s * float64(time.Second)).Round(100 * time.Microsecond).String()
}

// finite returns x, or -1 for an infinite or NaN x, because JSON cannot
// encode those.
func finite(x float64) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return -1
	}
	return x
}
