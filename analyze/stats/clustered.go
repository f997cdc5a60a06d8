package stats

import (
	"math"
)

// clusteredMethod names the method of CompareClusteredRates.
const clusteredMethod = "connection-weighted rates with client-clustered variance, " +
	"normal-mixture confidence sequence"

// CompareClusteredRates tests whether the ALB's failure rate, failures over
// connections, is no worse than the NLB's plus margin. Clients are clusters:
// the variance of each path's rate is estimated from how the clients'
// failures scatter around it, not from the number of connections. The bounds
// hold under repeated looks.
//
// For each path with N connections, F failures and G clients, the rate is
// p = F/N, and its variance is the larger of
//
//	cluster  G/(G−1) · Σ (f_i − p·n_i)² / N²   (client i: n_i trials, f_i failures)
//	floor    p̃(1−p̃)/N with p̃ = (F+1)/(N+2)
//
// The cluster term is the with-replacement (CR1) sandwich estimate for a
// ratio. The floor is the binomial variance at a rate pulled away from 0, so
// that a path with no failures yet still has a bound of about z/N above 0:
// rare events never give a zero variance. A path with fewer than 2 clients
// has no variance estimate and the check waits.
//
// With D = p_ALB − p_NLB and s² the sum of the two variances, the bounds are
// D ± z·s, where z comes from the normal-mixture boundary of Robbins in
// intrinsic time I = 1/s²:
//
//	z = √( (Iρ²+1)/(Iρ²) · 2·log(√(Iρ²+1)/alpha) )
//
// with ρ = max(margin, 0.001)/4. At alpha 0.05, z is then 3.66 where s is a
// quarter of the margin, about where a PASS at D = 0 first becomes possible,
// and smallest (3.04) where s is about margin/11. The boundary holds for a
// Gaussian random walk at every I at once, so the bounds are an asymptotic
// confidence sequence. They are valid under repeated looks to the extent
// that the rates' estimates are close to normal. For rare events, the floor
// and the policy's minimum sample sizes support that.
// Each bound is wrong with probability at most alpha.
//
// The verdict is FAIL when Lower > margin, PASS when Upper < margin, and
// WAIT otherwise. NeedALB and NeedNLB count connections.
//
// Clients with no trials are ignored. An error is returned for a negative
// count, more failures than trials, a client listed twice on one path, a
// margin outside [0, 1), or an alpha outside (0, 1).
func CompareClusteredRates(alb, nlb []ClientCounts, margin, alpha float64) (RateComparison, error) {
	if err := checkRateArgs(margin, alpha); err != nil {
		return RateComparison{}, err
	}
	albPath, err := clusterPath("ALB", alb)
	if err != nil {
		return RateComparison{}, err
	}
	nlbPath, err := clusterPath("NLB", nlb)
	if err != nil {
		return RateComparison{}, err
	}

	c := RateComparison{
		ALBRate:         albPath.rate(),
		NLBRate:         nlbPath.rate(),
		Margin:          margin,
		Alpha:           alpha,
		ALBClients:      albPath.clients,
		NLBClients:      nlbPath.clients,
		ALBConnections:  int(albPath.trials),
		NLBConnections:  int(nlbPath.trials),
		ALBDesignEffect: albPath.designEffect(),
		NLBDesignEffect: nlbPath.designEffect(),
		Unit:            "connections",
		Method:          clusteredMethod,
	}
	c.ALBPooledRate, c.NLBPooledRate = c.ALBRate, c.NLBRate
	c.Difference = c.ALBRate - c.NLBRate
	rho := mixtureRho(margin)
	c.Lower, c.Upper = mixtureBounds(c.Difference, albPath.variance()+nlbPath.variance(), rho, alpha)
	c.Verdict = verdictOf(c.Lower, c.Upper, margin)
	if c.Verdict == Wait {
		c.NeedALB, c.NeedNLB = projectClustered(albPath, nlbPath, margin, rho, alpha)
	}
	return c, nil
}

// clusteredPath contains the sums over one path's clients that
// CompareClusteredRates uses.
type clusteredPath struct {
	clients          int
	trials, failures float64
	// sumFF, sumFN and sumNN are Σf², Σf·n and Σn² over clients, from which
	// Σ(f − p·n)² follows for any p.
	sumFF, sumFN, sumNN float64
}

func clusterPath(path string, clients []ClientCounts) (clusteredPath, error) {
	var p clusteredPath
	valid, err := validCounts(path, clients)
	if err != nil {
		return clusteredPath{}, err
	}
	for _, c := range valid {
		n, f := float64(c.Trials), float64(c.Failures)
		p.clients++
		p.trials += n
		p.failures += f
		p.sumFF += f * f
		p.sumFN += f * n
		p.sumNN += n * n
	}
	return p, nil
}

// rate returns failures over trials, or 0 without trials.
func (p clusteredPath) rate() float64 {
	if p.trials == 0 {
		return 0
	}
	return p.failures / p.trials
}

// clusterVariance returns the CR1 variance of the rate, or +Inf with fewer
// than 2 clients.
func (p clusteredPath) clusterVariance() float64 {
	if p.clients < 2 {
		return math.Inf(1)
	}
	r := p.rate()
	ss := p.sumFF - 2*r*p.sumFN + r*r*p.sumNN
	g := float64(p.clients)
	return math.Max(0, g/(g-1)*ss/(p.trials*p.trials))
}

// floorVariance returns the binomial variance at the rate (F+1)/(N+2).
func (p clusteredPath) floorVariance() float64 {
	if p.trials == 0 {
		return math.Inf(1)
	}
	q := (p.failures + 1) / (p.trials + 2)
	return q * (1 - q) / p.trials
}

// variance returns the variance of the rate that CompareClusteredRates
// uses: the larger of the cluster estimate and the floor.
func (p clusteredPath) variance() float64 {
	return math.Max(p.clusterVariance(), p.floorVariance())
}

// designEffect returns the cluster variance over the binomial variance at
// the observed rate, at least 1, or 1 when either is unknown or 0.
func (p clusteredPath) designEffect() float64 {
	r := p.rate()
	binomial := r * (1 - r) / p.trials
	cluster := p.clusterVariance()
	if !(binomial > 0) || math.IsInf(cluster, 1) {
		return 1
	}
	return math.Max(1, cluster/binomial)
}

// mixtureRho returns the mixture's scale for a margin.
func mixtureRho(margin float64) float64 {
	return MixtureRho(margin)
}

// MixtureRho returns the scale ρ of the normal mixture that the rate
// comparisons use for a margin: max(margin, 0.001)/4.
func MixtureRho(margin float64) float64 {
	return math.Max(margin, 0.001) / 4
}

// mixtureZ returns the normal-mixture boundary's multiplier of the standard
// error s: the bound on |estimate − truth| is z·s at every s at once with
// probability at least 1 − alpha.
func mixtureZ(s, rho, alpha float64) float64 {
	ir := rho * rho / (s * s) // intrinsic time times ρ²
	return math.Sqrt((ir + 1) / ir * 2 * math.Log(math.Sqrt(ir+1)/alpha))
}

// mixtureBounds returns estimate ∓ z·s for a variance, or infinite bounds
// when the variance is unknown.
func mixtureBounds(estimate, variance, rho, alpha float64) (float64, float64) {
	if math.IsInf(variance, 1) || math.IsNaN(variance) {
		return math.Inf(-1), math.Inf(1)
	}
	s := math.Sqrt(variance)
	if s == 0 {
		return estimate, estimate
	}
	h := mixtureZ(s, rho, alpha) * s
	return estimate - h, estimate + h
}

// projectClustered estimates how many more connections each path needs
// before CompareClusteredRates leaves WAIT, assuming the rates stay the same
// and each path's variance falls in proportion to its connections. New
// connections are split between the paths in the proportion seen so far, or
// half each. A path without clients uses the other's per-connection variance.
// It returns NeedUnknown for both when the estimate equals the margin, when
// neither path has a variance, or past 1e9 connections on a path.
func projectClustered(alb, nlb clusteredPath, margin, rho, alpha float64) (int, int) {
	d := alb.rate() - nlb.rate()
	if d == margin {
		return NeedUnknown, NeedUnknown
	}
	towardPass := d < margin
	albUnit, nlbUnit := unitVariance(alb), unitVariance(nlb)
	if math.IsInf(albUnit, 1) {
		albUnit = nlbUnit
	}
	if math.IsInf(nlbUnit, 1) {
		nlbUnit = albUnit
	}
	if math.IsInf(albUnit, 1) {
		return NeedUnknown, NeedUnknown
	}
	wALB, wNLB := splitWeights(0, 0, int(alb.trials), int(nlb.trials))
	schedule := growthSchedule{held: alb.trials + nlb.trials, fraction: 0.02}
	for {
		total := schedule.next()
		addALB, addNLB := math.Ceil(wALB*total), math.Ceil(wNLB*total)
		nALB, nNLB := alb.trials+addALB, nlb.trials+addNLB
		if nALB > 1e9 || nNLB > 1e9 {
			return NeedUnknown, NeedUnknown
		}
		lower, upper := mixtureBounds(d, albUnit/nALB+nlbUnit/nNLB, rho, alpha)
		if (towardPass && upper < margin) || (!towardPass && lower > margin) {
			return int(addALB), int(addNLB)
		}
	}
}

// unitVariance returns a path's variance times its connections: the
// variance one connection contributes, or +Inf when it is unknown.
func unitVariance(p clusteredPath) float64 {
	v := p.variance()
	if math.IsInf(v, 1) {
		return v
	}
	return v * p.trials
}

// MixtureBounds returns estimate ∓ z·s for an estimate with the given
// variance, where z is the normal-mixture multiplier that
// CompareClusteredRates uses with scale rho, so that other checks can bound
// a difference of rates the same way. An infinite or NaN variance gives
// infinite bounds.
func MixtureBounds(estimate, variance, rho, alpha float64) (float64, float64) {
	return mixtureBounds(estimate, variance, rho, alpha)
}
