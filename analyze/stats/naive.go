package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// naiveMethod names the method of NaiveRateTest.
const naiveMethod = "naive baseline: Farrington-Manning score test on pooled connections " +
	"(connections independent, one fixed-sample look)"

// NaiveRateTest is the naive baseline for CompareRates: the
// Farrington–Manning score test of H0: p_ALB − p_NLB ≥ margin on connections
// pooled over all clients, at one-sided level alpha.
//
// It treats every connection as an independent draw and is valid for one
// look at a sample size fixed in advance. Traffic breaks both: connections of
// one client are correlated, and the gate looks again every few minutes. So
// it is too confident, and its error rate grows with every look. It exists so
// that an evaluation can compare CompareRates against what a fixed-sample test
// would have decided. Do not use it for decisions.
//
// The score statistic at difference δ is
//
//	z(δ) = (p̂_ALB − p̂_NLB − δ) / √(p̃_ALB(1−p̃_ALB)/n_ALB + p̃_NLB(1−p̃_NLB)/n_NLB),
//
// where p̃ are the maximum likelihood estimates under p_ALB − p_NLB = δ. The
// verdict is PASS when z(margin) < −z_{1−alpha}, FAIL when z(margin) >
// z_{1−alpha}, and WAIT otherwise. Lower and Upper are the score interval
// (the δ where z(δ) equals ±z_{1−alpha}), so PASS is the same as Upper <
// margin. NeedALB and NeedNLB count connections. The arguments are checked as
// for CompareRates.
func NaiveRateTest(alb, nlb []ClientCounts, margin, alpha float64) (RateComparison, error) {
	return naiveRateTest(alb, nlb, margin, alpha, true)
}

// naiveRateTest is NaiveRateTest, with the WAIT projection only when project
// is true, as for compareRates.
func naiveRateTest(alb, nlb []ClientCounts, margin, alpha float64, project bool) (RateComparison, error) {
	albData, nlbData, err := rateInputs(alb, nlb, margin, alpha)
	if err != nil {
		return RateComparison{}, err
	}

	c := RateComparison{
		ALBRate:        albData.pooled(),
		NLBRate:        nlbData.pooled(),
		Lower:          -1,
		Upper:          1,
		Margin:         margin,
		Alpha:          alpha,
		ALBClients:     len(albData.x),
		NLBClients:     len(nlbData.x),
		ALBConnections: albData.trials,
		NLBConnections: nlbData.trials,
		ALBPooledRate:  albData.pooled(),
		NLBPooledRate:  nlbData.pooled(),
		Verdict:        Wait,
		NeedALB:        NeedUnknown,
		NeedNLB:        NeedUnknown,
		Unit:           "connections",
		Method:         naiveMethod,
	}
	c.Difference = c.ALBRate - c.NLBRate
	if albData.trials == 0 || nlbData.trials == 0 {
		return c, nil
	}

	table := twoByTwo{
		x1: float64(albData.failures), n1: float64(albData.trials),
		x2: float64(nlbData.failures), n2: float64(nlbData.trials),
	}
	critical := distuv.UnitNormal.Quantile(1 - alpha)
	c.Verdict = table.verdict(margin, critical)
	c.Lower = table.solve(critical)
	c.Upper = table.solve(-critical)
	c.NeedALB, c.NeedNLB = 0, 0
	if c.Verdict == Wait && project {
		c.NeedALB, c.NeedNLB = table.project(margin, critical)
	}
	return c, nil
}

// twoByTwo holds pooled failures x and connections n of the ALB (1) and the
// NLB (2). Counts are float64 so that projections can scale them.
type twoByTwo struct {
	x1, n1, x2, n2 float64
}

// verdict applies the Farrington–Manning test at margin.
func (t twoByTwo) verdict(margin, critical float64) Verdict {
	z := t.score(margin)
	switch {
	case z > critical:
		return Fail
	case z < -critical:
		return Pass
	default:
		return Wait
	}
}

// score returns the Farrington–Manning statistic z(delta). It is 0 where the
// restricted variance is 0, which happens only when both observed rates are
// equal to each other and to 0 or 1, and delta is 0.
func (t twoByTwo) score(delta float64) float64 {
	p1, p2 := t.x1/t.n1, t.x2/t.n2
	r2 := t.restrictedMLE(delta)
	r1 := r2 + delta
	variance := r1*(1-r1)/t.n1 + r2*(1-r2)/t.n2
	if variance <= 0 {
		return 0
	}
	return (p1 - p2 - delta) / math.Sqrt(variance)
}

// restrictedMLE returns the maximum likelihood estimate of the NLB rate p2
// under p1 = p2 + delta. The log-likelihood is concave in p2 on
// [max(0, −delta), min(1, 1−delta)], so bisection on the sign of its
// derivative finds the maximum, at an end of that interval when the
// derivative does not change sign. 52 halvings leave an error below 1e−15,
// far below any rate that matters here.
func (t twoByTwo) restrictedMLE(delta float64) float64 {
	lo, hi := math.Max(0, -delta), math.Min(1, 1-delta)
	for range 52 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		if t.slope(mid, delta) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// slope returns the derivative in p2 of the log-likelihood under
// p1 = p2 + delta, leaving out terms whose count is 0.
func (t twoByTwo) slope(p2, delta float64) float64 {
	p1 := p2 + delta
	var d float64
	if t.x1 > 0 {
		d += t.x1 / p1
	}
	if t.n1 > t.x1 {
		d -= (t.n1 - t.x1) / (1 - p1)
	}
	if t.x2 > 0 {
		d += t.x2 / p2
	}
	if t.n2 > t.x2 {
		d -= (t.n2 - t.x2) / (1 - p2)
	}
	return d
}

// solve returns the delta in (−1, 1) where z(delta) equals target, or −1 or 1
// when z stays on one side of it, to within 1e−11. z decreases as delta
// grows.
func (t twoByTwo) solve(target float64) float64 {
	lo, hi := -1.0, 1.0
	for range 38 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		if t.score(mid) > target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// project estimates how many more connections each path needs before the
// test leaves WAIT, if the pooled rates stay as they are and each path keeps
// its share of the connections. It gives up, with NeedUnknown, past a
// million connections per path or a hundred times those seen, whichever is
// more.
func (t twoByTwo) project(margin, critical float64) (int, int) {
	p1, p2 := t.x1/t.n1, t.x2/t.n2
	if p1-p2 == margin {
		return NeedUnknown, NeedUnknown
	}
	limit := math.Max(maxProjectedClients, 100*math.Max(t.n1, t.n2))
	share1 := t.n1 / (t.n1 + t.n2)
	schedule := growthSchedule{held: t.n1 + t.n2, fraction: 0.02}
	for {
		total := schedule.next()
		added1, added2 := math.Ceil(share1*total), math.Ceil((1-share1)*total)
		if t.n1+added1 > limit || t.n2+added2 > limit {
			return NeedUnknown, NeedUnknown
		}
		grown := twoByTwo{
			x1: p1 * (t.n1 + added1), n1: t.n1 + added1,
			x2: p2 * (t.n2 + added2), n2: t.n2 + added2,
		}
		if grown.verdict(margin, critical) != Wait {
			return int(added1), int(added2)
		}
	}
}
