package stats

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// pairedMethod names the method of ComparePairedRates.
const pairedMethod = "rates within each client seen on both paths, NLB reweighted to the ALB's client mix, " +
	"normal-mixture confidence sequence"

// PairedRates is the result of ComparePairedRates: a RateComparison over
// the clients seen on both paths, and what the other clients did.
type PairedRates struct {
	RateComparison
	// PairedClients counts the clients seen on both paths, each compared
	// with itself.
	PairedClients int
	// ALBOnlyClients, ALBOnlyConnections and ALBOnlyFailures describe the
	// clients seen on the ALB and not on the NLB, which the comparison
	// leaves out.
	ALBOnlyClients, ALBOnlyConnections, ALBOnlyFailures int
}

// ComparePairedRates tests whether the ALB fails no more of the same
// clients' connections than the NLB, plus margin, under repeated looks.
//
// The question is about a fixed population of clients that DNS splits
// between the paths, so each client seen on both paths is compared with
// itself. Client i has n_i ALB connections, with failure proportion a_i on
// the ALB and b_i on the NLB. With N the paired clients' ALB connections,
// the difference is
//
//	D = Σ (n_i/N)(a_i − b_i)
//
// the ALB's failure rate over these clients minus the NLB's rate
// reweighted to the ALB's mix of clients. Differences between clients (a
// partner whose certificates are expired fails on both paths) cancel, and
// so does the mix of clients that DNS happens to send to each path. The
// variance, given the clients, is
//
//	Σ (n_i/N)² (a_i(1−a_i)/n_i + b_i(1−b_i)/m_i)      (m_i NLB connections)
//
// treating each client's connections on a path as independent draws at the
// client's own rate. Each a(1−a) is at least π(1−π), with π the path's
// background rate (see backgroundRates), so that a client without failures,
// and a path with rare events, never has a variance of 0. The bounds D ∓ z·s
// use the normal-mixture boundary described at CompareClusteredRates, so
// they hold under repeated looks as far as D is close to normal.
//
// Clients seen on one path only have no rate of their own on the other
// path. Clients also differ too much (some fail every connection) for
// another group of clients to stand in for that rate. So these clients are
// left out and counted in ALBOnlyClients and the fields beside it. Connections whose certificate the
// log does not name (an ALB handshake that broke off before the certificate
// was read) are among them, under the client's address. The checks of
// package analyze that look for failure reasons and clients left behind
// cover them, and the baseline pairs them when the NLB carries too little.
//
// The verdict is FAIL when Lower > margin, PASS when Upper < margin, and
// WAIT otherwise. ALBRate is the paired clients' ALB rate and NLBRate the
// reweighted NLB rate. ALBClients and NLBClients count all clients.
// NeedALB and NeedNLB count connections. The errors are those of
// CompareClusteredRates.
func ComparePairedRates(alb, nlb []ClientCounts, margin, alpha float64) (PairedRates, error) {
	if err := checkRateArgs(margin, alpha); err != nil {
		return PairedRates{}, err
	}
	albBy, err := indexCounts("ALB", alb)
	if err != nil {
		return PairedRates{}, err
	}
	nlbBy, err := indexCounts("NLB", nlb)
	if err != nil {
		return PairedRates{}, err
	}

	var r PairedRates
	var pairs []ratePair
	var albOnly, nlbOnly []ClientCounts
	for _, key := range sortedKeysOf(albBy) {
		a := albBy[key]
		b, ok := nlbBy[key]
		if !ok {
			r.ALBOnlyClients++
			r.ALBOnlyConnections += a.Trials
			r.ALBOnlyFailures += a.Failures
			albOnly = append(albOnly, a)
			continue
		}
		pairs = append(pairs, ratePair{n: float64(a.Trials), fa: float64(a.Failures), m: float64(b.Trials), fb: float64(b.Failures)})
	}
	for _, key := range sortedKeysOf(nlbBy) {
		if _, ok := albBy[key]; !ok {
			nlbOnly = append(nlbOnly, nlbBy[key])
		}
	}
	r.PairedClients = len(pairs)
	p := summarizePairs(pairs, albOnly, nlbOnly)
	rho := mixtureRho(margin)
	r.RateComparison = RateComparison{
		ALBRate: p.albRate, NLBRate: p.nlbRate, Difference: p.albRate - p.nlbRate,
		Margin: margin, Alpha: alpha,
		ALBClients: len(albBy), NLBClients: len(nlbBy),
		ALBConnections: int(p.n), NLBConnections: int(p.m),
		ALBPooledRate: p.albRate, NLBPooledRate: p.nlbPooled,
		Unit: "connections", Method: pairedMethod,
	}
	r.Lower, r.Upper = mixtureBounds(r.Difference, p.variance, rho, alpha)
	r.Verdict = verdictOf(r.Lower, r.Upper, margin)
	if r.Verdict == Wait {
		r.NeedALB, r.NeedNLB = projectPaired(p, margin, rho, alpha)
	}
	return r, nil
}

// ratePair is one client's counts on both paths.
type ratePair struct {
	n, fa, m, fb float64
}

// pairSummary is ComparePairedRates' estimate and variance.
type pairSummary struct {
	n, m             float64 // paired connections on the ALB and the NLB
	albRate, nlbRate float64 // nlbRate reweighted to the ALB's mix
	nlbPooled        float64
	variance         float64
	albUnit, nlbUnit float64 // variance × connections, per path
	clients          int
	nlbSize          float64 // the NLB's effective size 1/Σ(w²/m)
}

func summarizePairs(pairs []ratePair, albOnly, nlbOnly []ClientCounts) pairSummary {
	var s pairSummary
	s.clients = len(pairs)
	var fa, fb float64
	for _, p := range pairs {
		s.n += p.n
		s.m += p.m
		fa += p.fa
		fb += p.fb
	}
	ub := clusterPathOf(nlbOnly)
	allNLB := s.m + ub.trials
	if s.n == 0 || allNLB == 0 {
		s.variance = math.Inf(1)
		return s
	}
	s.albRate = fa / s.n
	s.nlbPooled = (fb + ub.failures) / allNLB
	piA, piB := backgroundRates(pairs, albOnly, nlbOnly)
	var va, vb, inv float64
	for _, p := range pairs {
		w := p.n / s.n
		a, b := p.fa/p.n, p.fb/p.m
		s.nlbRate += w * b
		va += w * w * math.Max(a*(1-a), piA*(1-piA)) / p.n
		vb += w * w * math.Max(b*(1-b), piB*(1-piB)) / p.m
		inv += w * w / p.m
	}
	s.m = allNLB
	s.nlbSize = 1 / inv
	s.variance = va + vb
	s.albUnit, s.nlbUnit = va*s.n, vb*s.nlbSize
	return s
}

// clusterPathOf sums counts that indexCounts has already validated.
func clusterPathOf(clients []ClientCounts) clusteredPath {
	p, _ := clusterPath("", clients)
	return p
}

// backgroundRates returns each path's failure rate over the clients that
// did not fail every connection, with one failure and one success added:
// (F+1)/(N+2). It is the least rate a client's variance assumes, because a
// client with no failures so far may still fail as often as the others.
// Clients that failed every connection are left out of it, because their
// failures are certain (an expired or untrusted certificate) and would
// otherwise lift every client's variance. Clients seen on one path only
// count on their path.
func backgroundRates(pairs []ratePair, albOnly, nlbOnly []ClientCounts) (float64, float64) {
	var fa, na, fb, nb float64
	add := func(f, n *float64, failures, trials float64) {
		if failures < trials {
			*f += failures
			*n += trials
		}
	}
	for _, p := range pairs {
		add(&fa, &na, p.fa, p.n)
		add(&fb, &nb, p.fb, p.m)
	}
	for _, c := range albOnly {
		add(&fa, &na, float64(c.Failures), float64(c.Trials))
	}
	for _, c := range nlbOnly {
		add(&fb, &nb, float64(c.Failures), float64(c.Trials))
	}
	return (fa + 1) / (na + 2), (fb + 1) / (nb + 2)
}

// projectPaired estimates how many more connections each path needs before
// ComparePairedRates leaves WAIT, assuming the rates stay the same and each
// path's variance falls in proportion to its connections. New connections
// are split between the paths in the proportion seen so far. It returns
// NeedUnknown for both without paired connections, when the estimate equals
// the margin, or past 1e9 connections on a path.
func projectPaired(p pairSummary, margin, rho, alpha float64) (int, int) {
	d := p.albRate - p.nlbRate
	if p.n == 0 || d == margin {
		return NeedUnknown, NeedUnknown
	}
	towardPass := d < margin
	wALB, wNLB := splitWeights(0, 0, int(p.n), int(p.m))
	schedule := growthSchedule{held: p.n + p.m, fraction: 0.02}
	for {
		total := schedule.next()
		addALB, addNLB := math.Ceil(wALB*total), math.Ceil(wNLB*total)
		nALB, nNLB := p.n+addALB, p.nlbSize*(p.m+addNLB)/p.m
		if nALB > 1e9 || p.m+addNLB > 1e9 {
			return NeedUnknown, NeedUnknown
		}
		lower, upper := mixtureBounds(d, p.albUnit/nALB+p.nlbUnit/nNLB, rho, alpha)
		if (towardPass && upper < margin) || (!towardPass && lower > margin) {
			return int(addALB), int(addNLB)
		}
	}
}

// indexCounts validates one path's clients and indexes those with trials by
// client.
func indexCounts(path string, clients []ClientCounts) (map[string]ClientCounts, error) {
	valid, err := validCounts(path, clients)
	if err != nil {
		return nil, err
	}
	out := make(map[string]ClientCounts, len(valid))
	for _, c := range valid {
		out[c.Client] = c
	}
	return out, nil
}

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// pairedQuantileMethod names the method of ComparePairedQuantile.
const pairedQuantileMethod = "quantiles over the clients seen on both paths, NLB reweighted to the ALB's client mix, " +
	"Woodruff interval from the within-client variance, alpha spent over looks as alpha/(k(k+1))"

// PairedQuantile is the result of ComparePairedQuantile.
type PairedQuantile struct {
	QuantileComparison
	// PairedClients counts the clients with samples on both paths, and
	// ALBOnlySamples the ALB samples of the other clients, left out.
	PairedClients  int
	ALBOnlySamples int
}

// ComparePairedQuantile tests whether the ALB's q-quantile of latency is no
// worse than the NLB's times (1+ratio) plus slack seconds for the same
// clients.
//
// Only clients with samples on both paths count. The ALB's distribution is
// that of all their ALB samples. The NLB's gives each client the weight it
// has on the ALB (w_i, its share of the ALB samples), so both describe the
// same mix of clients and differences between clients cancel. Each path's
// quantile gets a Woodruff interval: the quantiles of the distribution at
// q ∓ z·se, where se² = Σ w_i² F_i(1−F_i)/m_i is the variance of the
// distribution function at the estimate from the clients' own samples (F_i
// the client's fraction at or below the estimate, m_i its samples on the
// path), and z the normal quantile at 1 − LookAlpha/2. Alpha is spent over
// looks as in CompareQuantile, and the verdict follows the same rule.
//
// The errors are those of CompareQuantile.
func ComparePairedQuantile(alb, nlb []ClientSamples, q, ratio, slack, alpha float64, opts QuantileOptions) (PairedQuantile, error) {
	if err := checkQuantileArgs(q, ratio, slack, alpha, opts); err != nil {
		return PairedQuantile{}, err
	}
	p, err := PreparePairedSamples(alb, nlb)
	if err != nil {
		return PairedQuantile{}, err
	}
	return p.Compare(q, ratio, slack, alpha, opts)
}

// PairedSamples contains the samples of ComparePairedQuantile, validated,
// paired and merged, so that several quantiles of the same samples can be
// compared after one preparation.
type PairedSamples struct {
	albSide, nlbSide []weightedClient
	albMix, nlbMix   mixture
	albOnlySamples   int
}

// PreparePairedSamples validates and pairs the samples for Compare. It
// returns the sample errors of ComparePairedQuantile.
func PreparePairedSamples(alb, nlb []ClientSamples) (*PairedSamples, error) {
	albBy, err := indexSamples("ALB", alb)
	if err != nil {
		return nil, err
	}
	nlbBy, err := indexSamples("NLB", nlb)
	if err != nil {
		return nil, err
	}
	p := &PairedSamples{}
	var total float64
	for _, key := range sortedKeysOf(albBy) {
		a := albBy[key]
		b, ok := nlbBy[key]
		if !ok {
			p.albOnlySamples += int(a.n)
			continue
		}
		p.albSide = append(p.albSide, a)
		p.nlbSide = append(p.nlbSide, b)
		total += a.n
	}
	for i := range p.albSide {
		w := p.albSide[i].n / total
		p.albSide[i].weight, p.nlbSide[i].weight = w, w
	}
	if len(p.albSide) > 0 {
		p.albMix, p.nlbMix = newMixture(p.albSide), newMixture(p.nlbSide)
	}
	return p, nil
}

// Compare runs ComparePairedQuantile on prepared samples.
func (p *PairedSamples) Compare(q, ratio, slack, alpha float64, opts QuantileOptions) (PairedQuantile, error) {
	if err := checkQuantileArgs(q, ratio, slack, alpha, opts); err != nil {
		return PairedQuantile{}, err
	}
	res := PairedQuantile{PairedClients: len(p.albSide), ALBOnlySamples: p.albOnlySamples}
	look := max(opts.Look, 1)
	lookAlpha := alpha / (float64(look) * float64(look+1))
	z := distuv.UnitNormal.Quantile(1 - lookAlpha/2)

	c := QuantileComparison{Quantile: q, Ratio: ratio, Slack: slack, Alpha: alpha, LookAlpha: lookAlpha, Look: look,
		ALBClients: len(p.albSide), NLBClients: len(p.nlbSide), Method: pairedQuantileMethod,
		ALBLower: 0, ALBUpper: math.Inf(1), NLBLower: 0, NLBUpper: math.Inf(1), ALBDesignEffect: 1, NLBDesignEffect: 1}
	for _, s := range p.albSide {
		c.ALBSamples += int(s.n)
	}
	for _, s := range p.nlbSide {
		c.NLBSamples += int(s.n)
	}
	if len(p.albSide) < 2 {
		c.Verdict = Wait
		c.NeedALB, c.NeedNLB = NeedUnknown, NeedUnknown
		res.QuantileComparison = c
		return res, nil
	}
	albEst, albSE := p.albMix.at(q), quantileSE(p.albSide, p.albMix.at(q), q)
	nlbEst, nlbSE := p.nlbMix.at(q), quantileSE(p.nlbSide, p.nlbMix.at(q), q)
	c.ALB, c.ALBLower, c.ALBUpper = p.albMix.bounds(albEst, albSE, q, z, 1)
	c.NLB, c.NLBLower, c.NLBUpper = p.nlbMix.bounds(nlbEst, nlbSE, q, z, 1)
	c.Verdict = quantileVerdict(c.ALBLower, c.ALBUpper, c.NLBLower, c.NLBUpper, ratio, slack)
	if c.Verdict == Wait {
		c.NeedALB, c.NeedNLB = NeedUnknown, NeedUnknown
		towardPass := c.ALB < c.NLB*(1+ratio)+slack
		for f := 1.05; f < 1000; f *= 1.05 {
			_, al, au := p.albMix.bounds(albEst, albSE, q, z, f)
			_, nl, nu := p.nlbMix.bounds(nlbEst, nlbSE, q, z, f)
			v := quantileVerdict(al, au, nl, nu, ratio, slack)
			if (towardPass && v == Pass) || (!towardPass && v == Fail) {
				c.NeedALB = int(math.Ceil(float64(c.ALBSamples) * (f - 1)))
				c.NeedNLB = int(math.Ceil(float64(c.NLBSamples) * (f - 1)))
				break
			}
		}
	}
	res.QuantileComparison = c
	return res, nil
}

// weightedClient is one client's samples on one path, sorted, with its
// weight in the paired mixture.
type weightedClient struct {
	values, cum []float64 // distinct values and samples at or below each
	n           float64
	weight      float64
}

// fractionAtOrBelow returns the client's fraction of samples at or below x.
func (c weightedClient) fractionAtOrBelow(x float64) float64 {
	i, found := slices.BinarySearch(c.values, x)
	if found {
		return c.cum[i] / c.n
	}
	if i == 0 {
		return 0
	}
	return c.cum[i-1] / c.n
}

func indexSamples(path string, clients []ClientSamples) (map[string]weightedClient, error) {
	if err := checkSamples(path, clients); err != nil {
		return nil, err
	}
	out := make(map[string]weightedClient, len(clients))
	for _, c := range clients {
		type vc struct{ v, c float64 }
		var pairs []vc
		for i, s := range c.Seconds {
			if k := c.count(i); k > 0 {
				pairs = append(pairs, vc{s, k})
			}
		}
		if len(pairs) == 0 {
			continue
		}
		slices.SortFunc(pairs, func(a, b vc) int { return cmp.Compare(a.v, b.v) })
		var w weightedClient
		for _, p := range pairs {
			if n := len(w.values); n > 0 && w.values[n-1] == p.v {
				w.cum[n-1] += p.c
			} else {
				w.values = append(w.values, p.v)
				w.cum = append(w.cum, w.n+p.c)
			}
			w.n += p.c
			w.cum[len(w.cum)-1] = w.n
		}
		out[c.Client] = w
	}
	return out, nil
}

// mixture is the clients' weighted mixture distribution on one path.
type mixture struct {
	values, cum []float64
}

// newMixture builds the mixture of the clients' samples, each client
// weighted by its weight.
func newMixture(clients []weightedClient) mixture {
	// Latencies are logged in milliseconds, so the values repeat and a map
	// of weights per value is faster than sorting every sample.
	weights := map[float64]float64{}
	for _, c := range clients {
		prev := 0.0
		for i, v := range c.values {
			weights[v] += c.weight * (c.cum[i] - prev) / c.n
			prev = c.cum[i]
		}
	}
	var m mixture
	m.values, m.cum = cumulative(weights)
	return m
}

// quantileSE returns the standard error of the mixture's distribution
// function at x, the estimated q-quantile. A floor of the binomial variance
// q(1−q)·Σw²/n, at the mixture's effective sample size, keeps a quantile
// that every client has at the same value from getting a zero-width
// interval.
func quantileSE(clients []weightedClient, x, q float64) float64 {
	var v, inv float64
	for _, c := range clients {
		f := c.fractionAtOrBelow(x)
		v += c.weight * c.weight * f * (1 - f) / c.n
		inv += c.weight * c.weight / c.n
	}
	return math.Sqrt(math.Max(v, q*(1-q)*inv))
}

// at returns the smallest value with at least the fraction f of the
// mixture at or below it: 0 for f ≤ 0 and +Inf for f beyond the total.
func (m mixture) at(f float64) float64 {
	if f > m.cum[len(m.cum)-1]*(1-1e-12) {
		return math.Inf(1)
	}
	if f <= 0 {
		return 0
	}
	i, _ := slices.BinarySearch(m.cum, f*(1-1e-12))
	return m.values[min(i, len(m.values)-1)]
}

// bounds returns the estimate and its Woodruff bounds at multiplier z, as
// if the path had growth times its samples.
func (m mixture) bounds(estimate, se, q, z, growth float64) (float64, float64, float64) {
	h := z * se / math.Sqrt(growth)
	return estimate, m.at(q - h), m.at(q + h)
}
