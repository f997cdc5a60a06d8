package stats

import (
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// ClientSamples is one client's latency samples on one path.
type ClientSamples struct {
	// Client is the client identity. Each may appear once per path.
	Client string
	// Seconds holds one value per request: the time to the response headers
	// (ALB target_processing_time, nginx $upstream_header_time), in seconds.
	// Values must be finite and 0 or more.
	Seconds []float64
	// Counts, when not nil, holds how many requests took each value of
	// Seconds, so that logs with millisecond resolution can be passed as
	// distinct values. It must have the length of Seconds, and each count
	// must be 0 or more. Nil means one request per value.
	Counts []int
}

// count returns the number of requests of value i.
func (c ClientSamples) count(i int) float64 {
	if c.Counts == nil {
		return 1
	}
	return float64(c.Counts[i])
}

// QuantileOptions tunes CompareQuantile. The zero value is ready to use for
// a single look.
type QuantileOptions struct {
	// Look is the number of this evaluation, counting from 1, among the
	// repeated evaluations of the same comparison: the gate passes the number
	// of earlier evaluations in the migration step plus one. 0 means 1.
	Look int
	// ALBClientsPerHour and NLBClientsPerHour set how the WAIT projection
	// shares future clients between the paths, as in RateOptions.
	ALBClientsPerHour, NLBClientsPerHour float64
}

// QuantileComparison is the result of CompareQuantile. Latencies are in
// seconds.
type QuantileComparison struct {
	Verdict Verdict
	// Quantile is the probability q of the quantile compared: 0.99 for p99.
	Quantile float64
	// ALB and NLB are the estimated quantiles of all requests on each path
	// (the smallest sample with at least the fraction q of samples at or
	// below it), or 0 for a path without samples.
	ALB, NLB float64
	// ALBLower, ALBUpper, NLBLower and NLBUpper bound each path's quantile.
	// A lower bound is 0 and an upper bound is +Inf where the data cannot
	// bound the quantile. Encoders that reject +Inf, such as encoding/json,
	// need that case handled.
	ALBLower, ALBUpper, NLBLower, NLBUpper float64
	// Ratio and Slack define non-inferiority: the ALB quantile may be up to
	// NLB·(1+Ratio) + Slack.
	Ratio, Slack float64
	// Alpha is the error rate allowed over all looks, and LookAlpha the part
	// of it spent on this look: Alpha/(Look·(Look+1)). Each of the four
	// bounds is wrong with probability at most LookAlpha/2.
	Alpha, LookAlpha float64
	Look             int
	// ALBClients and NLBClients count the clients with at least one sample,
	// and ALBSamples and NLBSamples the samples.
	ALBClients, NLBClients int
	ALBSamples, NLBSamples int
	// ALBDesignEffect and NLBDesignEffect are the design effects of the
	// clustering by client: how many times larger the variance of the
	// fraction of samples at or below the quantile is than if every sample
	// came from a different client. They are at least 1.
	ALBDesignEffect, NLBDesignEffect float64
	// NeedALB and NeedNLB estimate how many more clients each path needs
	// before the verdict leaves WAIT, as in RateComparison. They assume
	// future looks spend LookAlpha, so they are somewhat low: later looks
	// spend less.
	NeedALB, NeedNLB int
	// Method names the method, for reports.
	Method string
}

// TimeToDecision estimates how long until both paths have gathered the
// clients that the WAIT verdict needs, at the given arrival rates of new
// clients per hour, as RateComparison.TimeToDecision does.
func (c QuantileComparison) TimeToDecision(albPerHour, nlbPerHour float64) time.Duration {
	return timeToDecision(c.NeedALB, c.NeedNLB, albPerHour, nlbPerHour)
}

// quantileMethod names the method of CompareQuantile.
const quantileMethod = "distribution-free order-statistic interval at the effective sample size " +
	"(design effect over clients, Korn-Graubard degrees of freedom), " +
	"alpha spent over looks as alpha/(k(k+1))"

// CompareQuantile tests whether the ALB's q-quantile of latency is no worse
// than the NLB's times (1+ratio) plus slack seconds.
//
// Each path's quantile gets a confidence interval that respects clustering
// by client: the distribution-free interval from order statistics, computed
// at an effective sample size n/deff instead of n. deff is the design effect
// of the fraction of samples at or below the estimated quantile, with clients
// as clusters. The effective size is further shrunk by
// (t_{n−1}/t_{K−1})² at the bound's level, where K is the number of clients,
// so that few clients give wide intervals. With one sample per client this is
// exactly the textbook order-statistic interval.
//
// The verdict is PASS when ALBUpper < NLBLower·(1+ratio) + slack, FAIL when
// ALBLower > NLBUpper·(1+ratio) + slack, and WAIT otherwise. Repeated looks
// are handled by spending alpha: look k uses alpha/(k·(k+1)), and these sum
// to alpha over any number of looks. So a wrong PASS, or a wrong FAIL, has
// probability at most alpha over all looks, as far as each look's interval
// holds. The intervals are large-sample approximations in the number of
// clients, and a path needs at least 2 clients to get any bound.
//
// An error is returned for a sample that is negative, infinite or NaN, a
// client listed twice on one path, q outside (0, 1), a negative or
// non-finite ratio or slack, an alpha outside (0, 1), or a negative look.
func CompareQuantile(alb, nlb []ClientSamples, q, ratio, slack, alpha float64, opts QuantileOptions) (QuantileComparison, error) {
	if err := checkQuantileArgs(q, ratio, slack, alpha, opts); err != nil {
		return QuantileComparison{}, err
	}
	albPath, err := summarize("ALB", alb, q)
	if err != nil {
		return QuantileComparison{}, err
	}
	nlbPath, err := summarize("NLB", nlb, q)
	if err != nil {
		return QuantileComparison{}, err
	}

	look := max(opts.Look, 1)
	lookAlpha := alpha / (float64(look) * float64(look+1))
	side := lookAlpha / 2
	c := QuantileComparison{
		Quantile:        q,
		ALB:             albPath.estimate,
		NLB:             nlbPath.estimate,
		Ratio:           ratio,
		Slack:           slack,
		Alpha:           alpha,
		LookAlpha:       lookAlpha,
		Look:            look,
		ALBClients:      albPath.clients,
		NLBClients:      nlbPath.clients,
		ALBSamples:      int(albPath.n),
		NLBSamples:      int(nlbPath.n),
		ALBDesignEffect: albPath.designEffect,
		NLBDesignEffect: nlbPath.designEffect,
		Method:          quantileMethod,
	}
	c.ALBLower, c.ALBUpper = albPath.bounds(q, side, float64(albPath.clients))
	c.NLBLower, c.NLBUpper = nlbPath.bounds(q, side, float64(nlbPath.clients))
	c.Verdict = quantileVerdict(c.ALBLower, c.ALBUpper, c.NLBLower, c.NLBUpper, ratio, slack)
	if c.Verdict == Wait {
		weightALB, weightNLB := splitWeights(opts.ALBClientsPerHour, opts.NLBClientsPerHour, c.ALBClients, c.NLBClients)
		c.NeedALB, c.NeedNLB = projectQuantiles(albPath, nlbPath, q, ratio, slack, side, weightALB, weightNLB)
	}
	return c, nil
}

// quantileVerdict compares ALB bounds against the NLB bounds scaled by the
// ratio and shifted by the slack. FAIL is checked first, as in verdictOf.
func quantileVerdict(albLower, albUpper, nlbLower, nlbUpper, ratio, slack float64) Verdict {
	switch {
	case albLower > nlbUpper*(1+ratio)+slack:
		return Fail
	case albUpper < nlbLower*(1+ratio)+slack:
		return Pass
	default:
		return Wait
	}
}

// checkQuantileArgs validates the scalar arguments of CompareQuantile.
func checkQuantileArgs(q, ratio, slack, alpha float64, opts QuantileOptions) error {
	if !(q > 0 && q < 1) {
		return fmt.Errorf("invalid quantile %v: want a probability strictly between 0 and 1, such as 0.99 for p99", q)
	}
	if !(ratio >= 0) || math.IsInf(ratio, 1) {
		return fmt.Errorf("invalid ratio %v: want a finite value of 0 or more, such as 0.1 for 10 percent", ratio)
	}
	if !(slack >= 0) || math.IsInf(slack, 1) {
		return fmt.Errorf("invalid slack %v: want a finite number of seconds, 0 or more", slack)
	}
	if opts.Look < 0 {
		return fmt.Errorf("invalid look %d: want the 1-based number of this evaluation", opts.Look)
	}
	if err := checkArrivalRates(opts.ALBClientsPerHour, opts.NLBClientsPerHour); err != nil {
		return err
	}
	return checkAlpha(alpha)
}

// quantilePath is one path's samples reduced to what CompareQuantile uses.
type quantilePath struct {
	// values holds the path's distinct sample values in increasing order,
	// and cum the number of samples at or below each.
	values, cum []float64
	// n is the number of samples.
	n float64
	// clients counts the clients with at least one sample.
	clients int
	// estimate is the empirical q-quantile of the samples, or 0 when there
	// are none.
	estimate float64
	// designEffect is the design effect of the fraction of samples at or
	// below estimate, at least 1.
	designEffect float64
}

// atRank returns the r-th smallest sample, r from 1 to n.
func (p quantilePath) atRank(r float64) float64 {
	i, _ := slices.BinarySearch(p.cum, r)
	return p.values[min(i, len(p.values)-1)]
}

// summarize checks one path's clients and computes its estimate and design
// effect.
func summarize(path string, clients []ClientSamples, q float64) (quantilePath, error) {
	p := quantilePath{designEffect: 1}
	if err := checkSamples(path, clients); err != nil {
		return quantilePath{}, err
	}
	weights := map[float64]float64{}
	for _, c := range clients {
		var m float64
		for i, s := range c.Seconds {
			if k := c.count(i); k > 0 {
				weights[s] += k
				m += k
			}
		}
		if m > 0 {
			p.clients++
			p.n += m
		}
	}
	if p.n == 0 {
		return p, nil
	}
	p.values, p.cum = cumulative(weights)
	// The empirical quantile: the smallest value with at least the fraction
	// q of the samples at or below it.
	p.estimate = p.atRank(math.Max(1, math.Ceil(q*p.n-1e-9)))
	p.designEffect = designEffect(clients, p.estimate, p.clients, p.n)
	return p, nil
}

// designEffect returns the design effect of the fraction of samples at or
// below cut, with clients as clusters. Client i has m_i samples, of which a_i
// are at or below cut. The design effect is the with-replacement cluster
// variance estimate K/(K−1)·Σ(a_i − p̂·m_i)²/n² over the simple random sample
// estimate p̂(1−p̂)/(n−1). Both estimates carry the same small-sample factor,
// so one sample per client gives exactly 1. The result is at least 1, because
// a design effect below 1 would claim more than independent samples could
// show.
func designEffect(clients []ClientSamples, cut float64, k int, n float64) float64 {
	if k < 2 {
		return 1
	}

	// Count each client's samples at or below the cut.
	counts := make([]float64, 0, k)
	sizes := make([]float64, 0, k)
	var below float64
	for _, c := range clients {
		var a, m float64
		for i, s := range c.Seconds {
			w := c.count(i)
			m += w
			if s <= cut {
				a += w
			}
		}
		if m == 0 {
			continue
		}
		counts = append(counts, a)
		sizes = append(sizes, m)
		below += a
	}

	// Compare the two variance estimates.
	pHat := below / n
	srs := pHat * (1 - pHat) / (n - 1)
	if srs <= 0 {
		return 1
	}
	var sum float64
	for i := range counts {
		r := counts[i] - pHat*sizes[i]
		sum += r * r
	}
	cluster := float64(k) / float64(k-1) * sum / (n * n)
	return math.Max(1, cluster/srs)
}

// bounds returns the lower and upper confidence bounds of the q-quantile,
// each wrong with probability at most side, as if the path had the given
// number of clients, each with as many samples on average as seen so far.
// The projections pass more clients than seen; CompareQuantile passes the
// clients seen.
func (p quantilePath) bounds(q, side, clients float64) (float64, float64) {
	if clients < 2 || p.n == 0 {
		return 0, math.Inf(1)
	}
	n := p.n * clients / float64(p.clients)
	tSamples := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(1 - side)
	tClients := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: clients - 1}.Quantile(1 - side)
	effective := n / p.designEffect * (tSamples / tClients) * (tSamples / tClients)

	// The upper bound is the order statistic of the smallest rank u with
	// P(Binomial(n, q) ≥ u) ≤ side. The lower bound is that of the largest
	// rank l with P(Binomial(n, q) ≤ l−1) ≤ side. Both use the effective n,
	// with ranks on the continuous scale of the beta function, and each
	// rank's fraction of the effective n is carried over to the samples.
	// A rank below 1 or above the effective n has no order statistic, so
	// that side stays unbounded.
	seen := p.n
	lower, upper := 0.0, math.Inf(1)
	if l, ok := rankBelow(q, effective, 1-side); ok && l >= 1 {
		lower = p.atRank(max(math.Floor(l/effective*seen), 1))
	}
	if u := rankAbove(q, effective, side); u <= effective {
		upper = p.atRank(min(math.Ceil(u/effective*seen), seen))
	}
	return lower, upper
}

// rankCDF returns P(U_(r) ≤ q) for the r-th smallest of n uniform samples,
// which is P(Binomial(n, q) ≥ r), extended to real r and n through the beta
// distribution of order statistics.
func rankCDF(q, n, r float64) float64 {
	return distuv.Beta{Alpha: r, Beta: n - r + 1}.CDF(q)
}

// rankAbove returns the smallest real rank r in (0, n+1) with rankCDF ≤
// level. rankCDF falls from 1 to 0 as r grows, so one exists.
func rankAbove(q, n, level float64) float64 {
	lo, hi := 0.0, n+1
	for range 80 {
		mid := (lo + hi) / 2
		if rankCDF(q, n, mid) <= level {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// rankBelow returns the largest real rank r in (0, n+1) with rankCDF ≥
// level, and false when even the smallest rank falls short of it.
func rankBelow(q, n, level float64) (float64, bool) {
	lo, hi := 0.0, n+1
	if rankCDF(q, n, 1e-9) < level {
		return 0, false
	}
	for range 80 {
		mid := (lo + hi) / 2
		if rankCDF(q, n, mid) >= level {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, true
}

// projectQuantiles estimates how many more clients each path needs before
// CompareQuantile leaves WAIT, if new clients bring samples like those seen
// so far and the design effects stay the same. A path without samples
// borrows the other path's; with none on either path the need is unknown.
// The projection aims at PASS when the ALB estimate is below the limit set by
// the NLB estimate and at FAIL when it is above.
func projectQuantiles(albPath, nlbPath quantilePath, q, ratio, slack, side, weightALB, weightNLB float64) (int, int) {
	if albPath.n == 0 && nlbPath.n == 0 {
		return NeedUnknown, NeedUnknown
	}
	albModel, nlbModel := albPath, nlbPath
	if albModel.n == 0 {
		albModel = nlbPath
	}
	if nlbModel.n == 0 {
		nlbModel = albPath
	}
	limit := nlbModel.estimate*(1+ratio) + slack
	if albModel.estimate == limit {
		return NeedUnknown, NeedUnknown
	}
	towardPass := albModel.estimate < limit

	schedule := growthSchedule{held: float64(albPath.clients + nlbPath.clients), fraction: 0.1}
	for {
		total := schedule.next()
		addedALB, addedNLB := math.Ceil(weightALB*total), math.Ceil(weightNLB*total)
		albClients := float64(albPath.clients) + addedALB
		nlbClients := float64(nlbPath.clients) + addedNLB
		if albClients > maxProjectedClients || nlbClients > maxProjectedClients {
			return NeedUnknown, NeedUnknown
		}
		albLower, albUpper := albModel.bounds(q, side, albClients)
		nlbLower, nlbUpper := nlbModel.bounds(q, side, nlbClients)
		verdict := quantileVerdict(albLower, albUpper, nlbLower, nlbUpper, ratio, slack)
		if (towardPass && verdict == Pass) || (!towardPass && verdict == Fail) {
			return int(addedALB), int(addedNLB)
		}
	}
}
