package main

import (
	"context"
	"time"

	"github.com/cutover-dev/cutover/analyze"
	"github.com/cutover-dev/cutover/analyze/stats"
	"github.com/cutover-dev/cutover/ingest/outcome"
	"github.com/cutover-dev/cutover/internal/policy"
	"github.com/cutover-dev/cutover/internal/sim"
)

// The methods whose handshake verdicts the report compares.
const (
	methodPaired = iota // ComparePairedRates, what analyze uses
	methodNaive         // NaiveRateTest on pooled connections
	methodClient        // CompareRates, client-averaged
	methods
)

// run is the outcome of one scenario and seed under each policy.
type run []judged

// judged is one run's verdicts at every look under one policy.
type judged struct {
	// overall and naive are the overall verdicts of analyze and of analyze
	// with its rate checks replaced by the naive test.
	overall, naive []analyze.Verdict
	// handshake holds the handshake failure rate check's verdict per
	// method.
	handshake [methods][]analyze.Verdict
	// failedChecks counts, per check, the looks at which it failed, and
	// waitingAtEnd lists the checks that waited at the last look.
	failedChecks map[string]int
	waitingAtEnd []string
}

// evaluate simulates one run and judges it at every look under every
// policy.
func evaluate(ctx context.Context, cfg config, scenario string, seed uint64) (run, error) {
	simCfg, _, err := sim.ScenarioConfig(scenario, cfg.start, cfg.duration, seed)
	if err != nil {
		return nil, err
	}
	simCfg.ALBWeight = cfg.albWeight
	rec, err := record(ctx, simCfg)
	if err != nil {
		return nil, err
	}
	r := make(run, len(cfg.policies))
	for i := range r {
		r[i].failedChecks = map[string]int{}
	}
	acc := newAccumulator()
	added := 0
	looks := int(cfg.duration / lookInterval)
	for k := 1; k <= looks; k++ {
		lookAt := cfg.start.Add(lookInterval * time.Duration(k))
		var in analyze.Inputs
		inputsAt := time.Time{}
		for i, np := range cfg.policies {
			end := lookAt.Add(-np.policy.Analyze.Window.Settle)
			window := analyze.Window{From: cfg.start, To: end}
			if !window.From.Before(window.To) {
				r[i].appendWait()
				continue
			}
			if !end.Equal(inputsAt) {
				for ; added < len(rec.bins) && !cfg.start.Add(lookInterval*time.Duration(added+1)).After(end); added++ {
					acc.add(rec.bins[added])
				}
				in, inputsAt = acc.inputs(window), end
			}
			if err := r[i].judge(in, np.policy, float64(cfg.albWeight), k == looks); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

// judge evaluates one look under one policy and records its verdicts.
func (j *judged) judge(in analyze.Inputs, pol policy.Policy, albWeight float64, last bool) error {
	res, err := analyze.Evaluate(in, analyze.Options{Policy: pol, Now: in.Window.To, ALBWeight: albWeight})
	if err != nil {
		return err
	}
	j.overall = append(j.overall, res.Verdict)
	naiveChecks := make([]analyze.Check, len(res.Checks))
	copy(naiveChecks, res.Checks)
	for i, c := range res.Checks {
		if c.Verdict == analyze.Fail {
			j.failedChecks[c.Name]++
		}
		switch c.Name {
		case analyze.CheckHandshakeRate:
			j.handshake[methodPaired] = append(j.handshake[methodPaired], c.Verdict)
			naiveV, clientV := otherMethods(in, pol.Analyze, false)
			j.handshake[methodNaive] = append(j.handshake[methodNaive], naiveV)
			j.handshake[methodClient] = append(j.handshake[methodClient], clientV)
			naiveChecks[i].Verdict = naiveV
		case analyze.CheckHTTP5xxRate:
			naiveV, _ := otherMethods(in, pol.Analyze, true)
			naiveChecks[i].Verdict = naiveV
		}
	}
	j.naive = append(j.naive, combine(naiveChecks))
	if last {
		for _, c := range res.Checks {
			if c.Verdict == analyze.Wait {
				j.waitingAtEnd = append(j.waitingAtEnd, c.Name)
			}
		}
	}
	return nil
}

// appendWait records a look before any data could be judged.
func (j *judged) appendWait() {
	j.overall = append(j.overall, analyze.Wait)
	j.naive = append(j.naive, analyze.Wait)
	for m := range j.handshake {
		j.handshake[m] = append(j.handshake[m], analyze.Wait)
	}
}

// otherMethods judges a rate check with the naive test and the
// client-averaged test. A check that waits for its minimum sample waits for
// every method, so that the methods differ only in their statistics.
func otherMethods(in analyze.Inputs, pol policy.Analyze, requests bool) (analyze.Verdict, analyze.Verdict) {
	alb, nlb := countsOf(in, analyze.PathALB, requests), countsOf(in, analyze.PathNLB, requests)
	margin := pol.Margins.HandshakeFailureRate
	minN := pol.Statistics.MinConnections
	if requests {
		margin = pol.Margins.HTTP5xxRate
		minN = pol.Statistics.MinRequests
	}
	if !enough(alb, minN, pol.Statistics.MinClients) || !enough(nlb, minN, pol.Statistics.MinClients) {
		return analyze.Wait, analyze.Wait
	}
	naive, err := stats.NaiveRateTest(alb, nlb, margin, pol.Statistics.Alpha)
	if err != nil {
		panic(err) // the inputs are built above and always valid
	}
	client, err := stats.CompareRates(alb, nlb, margin, pol.Statistics.Alpha, stats.RateOptions{})
	if err != nil {
		panic(err)
	}
	return naive.Verdict, client.Verdict
}

// countsOf sums one path's connections (or requests) per client.
func countsOf(in analyze.Inputs, path string, requests bool) []stats.ClientCounts {
	index := map[string]int{}
	var out []stats.ClientCounts
	add := func(key string, trials, failures int) {
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, stats.ClientCounts{Client: key})
		}
		out[i].Trials += trials
		out[i].Failures += failures
	}
	if requests {
		for _, rc := range in.Requests {
			if rc.Path == path {
				add(rc.Client.Key, rc.Requests, rc.Status5xx)
			}
		}
		return out
	}
	for _, g := range in.Handshakes {
		if g.Path != path || g.Outcome == outcome.NotVerified {
			continue
		}
		failed := 0
		if g.Outcome != outcome.OK {
			failed = g.Count
		}
		add(g.Client.Key, g.Count, failed)
	}
	return out
}

func enough(counts []stats.ClientCounts, minN, minClients int) bool {
	n, clients := 0, 0
	for _, c := range counts {
		n += c.Trials
		if c.Trials > 0 {
			clients++
		}
	}
	return n >= minN && clients >= minClients
}

// combine is analyze's rule for the overall verdict.
func combine(checks []analyze.Check) analyze.Verdict {
	v := analyze.Pass
	for _, c := range checks {
		switch c.Verdict {
		case analyze.Fail:
			return analyze.Fail
		case analyze.Wait:
			v = analyze.Wait
		}
	}
	return v
}
