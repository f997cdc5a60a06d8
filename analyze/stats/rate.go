package stats

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/stat"
)

// ClientCounts is one client's connections on one path.
type ClientCounts struct {
	// Client is the client identity. Each may appear once per path.
	Client string
	// Trials is the number of connections (handshake attempts).
	Trials int
	// Failures is how many of them failed. It is at most Trials.
	Failures int
}

// RateOptions tunes CompareRates. The zero value is ready to use.
type RateOptions struct {
	// ALBClientsPerHour and NLBClientsPerHour are the rates at which new
	// clients appear on each path. They only set how the WAIT projection
	// shares future clients between the paths; when both are zero, the
	// projection keeps the split seen so far.
	ALBClientsPerHour, NLBClientsPerHour float64
}

// RateComparison is the result of a failure-rate comparison. Rates are
// fractions (0.001 is 0.1 %), and Lower, Upper and Margin are differences
// ALB − NLB in the same unit.
type RateComparison struct {
	Verdict Verdict
	// ALBRate and NLBRate are the rates compared. For CompareRates they are
	// the mean over clients of each client's failure proportion, so that every
	// client counts once. For NaiveRateTest they are the pooled rates
	// (failures over connections). A path without data has rate 0.
	ALBRate, NLBRate float64
	// Difference is ALBRate − NLBRate.
	Difference float64
	// Lower and Upper bound the true difference. PASS needs Upper < Margin
	// and FAIL needs Lower > Margin. Each bound is wrong with probability at
	// most Alpha; for CompareRates that holds over all looks at once.
	Lower, Upper float64
	Margin       float64
	Alpha        float64
	// ALBClients and NLBClients count the clients with at least one
	// connection.
	ALBClients, NLBClients int
	// ALBConnections and NLBConnections count the connections.
	ALBConnections, NLBConnections int
	// ALBPooledRate and NLBPooledRate are failures over connections on each
	// path. CompareRates reports them for context only: its decision does not
	// use them.
	ALBPooledRate, NLBPooledRate float64
	// ALBDesignEffect and NLBDesignEffect are, for CompareClusteredRates, how
	// many times larger each rate's variance is than if every connection
	// were an independent draw, at least 1. The other methods leave them 0.
	ALBDesignEffect, NLBDesignEffect float64
	// NeedALB and NeedNLB estimate how many more units (see Unit) each path
	// needs before the verdict leaves WAIT, if the new ones look like those
	// seen so far. They are 0 unless the verdict is WAIT, and NeedUnknown
	// when no projection up to a million per path settles the check.
	NeedALB, NeedNLB int
	// Unit is the unit of NeedALB and NeedNLB: "clients" or "connections".
	Unit string
	// Method names the method, for reports.
	Method string
}

// TimeToDecision estimates how long until both paths have gathered what the
// WAIT verdict needs, at the given arrival rates of new units per hour. It
// returns 0 for a PASS or FAIL and Forever when a need is NeedUnknown.
func (c RateComparison) TimeToDecision(albPerHour, nlbPerHour float64) time.Duration {
	return timeToDecision(c.NeedALB, c.NeedNLB, albPerHour, nlbPerHour)
}

// rateMethod names the method of CompareRates.
const rateMethod = "empirical Bernstein confidence sequence over clients, " +
	"one per path at alpha/2 per bound"

// CompareRates tests whether the ALB's failure rate is no worse than the
// NLB's plus margin, with clients as the unit and valid under repeated looks.
//
// Each client contributes one observation, its failure proportion
// Failures/Trials, so the rates compared are means over clients. For each
// path a time-uniform confidence sequence (see meanSequence) bounds that mean
// at level alpha/2 per side, and the bounds on the difference are
//
//	Lower = L_ALB − U_NLB,  Upper = U_ALB − L_NLB.
//
// The verdict is FAIL when Lower > margin, PASS when Upper < margin, and WAIT
// otherwise. By the union bound a wrong PASS (the ALB is worse by margin or
// more) has probability at most alpha over any number of looks, and so does a
// wrong FAIL. The guarantee assumes clients independent of each other with a
// common mean. It is exact when each client's counts are fixed once it first
// appears in the slice, and the clients keep their order between looks with
// new clients appended. When earlier clients' counts keep growing,
// as they do between the gate's looks, it is an approximation, which the
// package tests check by simulation.
//
// Clients with no trials are ignored. An error is returned for a negative
// count, more failures than trials, a client listed twice on one path, a
// margin outside [0, 1), or an alpha outside (0, 1).
func CompareRates(alb, nlb []ClientCounts, margin, alpha float64, opts RateOptions) (RateComparison, error) {
	return compareRates(alb, nlb, margin, alpha, opts, true)
}

// compareRates is CompareRates, with the WAIT projection only when project
// is true. The simulation tests leave it out: it does not change the verdict
// and costs more than the rest.
func compareRates(alb, nlb []ClientCounts, margin, alpha float64, opts RateOptions, project bool) (RateComparison, error) {
	// rateInputs checks the margin and alpha again. Checking them here first
	// reports them ahead of an invalid arrival rate.
	if err := checkRateArgs(margin, alpha); err != nil {
		return RateComparison{}, err
	}
	if err := checkArrivalRates(opts.ALBClientsPerHour, opts.NLBClientsPerHour); err != nil {
		return RateComparison{}, err
	}
	albData, nlbData, err := rateInputs(alb, nlb, margin, alpha)
	if err != nil {
		return RateComparison{}, err
	}

	// One confidence sequence per path, each side at alpha/2.
	albSeq := sequenceOf(albData.x, alpha/2)
	nlbSeq := sequenceOf(nlbData.x, alpha/2)

	c := RateComparison{
		ALBRate:        albData.mean(),
		NLBRate:        nlbData.mean(),
		Lower:          albSeq.lower - nlbSeq.upper,
		Upper:          albSeq.upper - nlbSeq.lower,
		Margin:         margin,
		Alpha:          alpha,
		ALBClients:     len(albData.x),
		NLBClients:     len(nlbData.x),
		ALBConnections: albData.trials,
		NLBConnections: nlbData.trials,
		ALBPooledRate:  albData.pooled(),
		NLBPooledRate:  nlbData.pooled(),
		Unit:           "clients",
		Method:         rateMethod,
	}
	c.Difference = c.ALBRate - c.NLBRate
	c.Verdict = verdictOf(c.Lower, c.Upper, margin)
	if c.Verdict == Wait && project {
		weightALB, weightNLB := splitWeights(opts.ALBClientsPerHour, opts.NLBClientsPerHour, c.ALBClients, c.NLBClients)
		c.NeedALB, c.NeedNLB = projectRates(albSeq, nlbSeq, albData.x, nlbData.x, margin, weightALB, weightNLB)
	}
	return c, nil
}

// verdictOf turns bounds on a difference into a verdict against the margin.
// FAIL is checked first because the bounds can only cross when a confidence
// sequence has failed, and halting is then the safer outcome.
func verdictOf(lower, upper, margin float64) Verdict {
	switch {
	case lower > margin:
		return Fail
	case upper < margin:
		return Pass
	default:
		return Wait
	}
}

// pathCounts is one path's clients reduced to what the rate tests use.
type pathCounts struct {
	// x holds each client's failure proportion, in the order given.
	x                []float64
	trials, failures int
}

// mean returns the mean over clients of the failure proportions, or 0.
func (p pathCounts) mean() float64 {
	if len(p.x) == 0 {
		return 0
	}
	return stat.Mean(p.x, nil)
}

// pooled returns failures over trials, or 0.
func (p pathCounts) pooled() float64 {
	if p.trials == 0 {
		return 0
	}
	return float64(p.failures) / float64(p.trials)
}

// proportions checks one path's clients and reduces them to pathCounts.
func proportions(path string, clients []ClientCounts) (pathCounts, error) {
	var p pathCounts
	valid, err := validCounts(path, clients)
	if err != nil {
		return pathCounts{}, err
	}
	for _, c := range valid {
		p.x = append(p.x, float64(c.Failures)/float64(c.Trials))
		p.trials += c.Trials
		p.failures += c.Failures
	}
	return p, nil
}

// sequenceOf runs a confidence sequence at the given alpha per side over x.
func sequenceOf(x []float64, alpha float64) *meanSequence {
	s := newMeanSequence(alpha)
	for _, v := range x {
		s.add(v)
	}
	return s
}

// rateInputs checks the margin and alpha of a rate comparison and returns
// the per-client proportions of each path.
func rateInputs(alb, nlb []ClientCounts, margin, alpha float64) (albData, nlbData pathCounts, err error) {
	if err := checkRateArgs(margin, alpha); err != nil {
		return pathCounts{}, pathCounts{}, err
	}
	if albData, err = proportions("ALB", alb); err != nil {
		return pathCounts{}, pathCounts{}, err
	}
	if nlbData, err = proportions("NLB", nlb); err != nil {
		return pathCounts{}, pathCounts{}, err
	}
	return albData, nlbData, nil
}

// checkRateArgs validates a margin on a difference of rates and alpha.
func checkRateArgs(margin, alpha float64) error {
	if !(margin >= 0 && margin < 1) {
		return fmt.Errorf("invalid margin %v: want a difference of rates in [0, 1), such as 0.005 for 0.5 percentage points", margin)
	}
	return checkAlpha(alpha)
}

// checkArrivalRates rejects negative, infinite or NaN arrival rates.
func checkArrivalRates(albPerHour, nlbPerHour float64) error {
	for _, r := range []float64{albPerHour, nlbPerHour} {
		if !(r >= 0) || math.IsInf(r, 1) {
			return fmt.Errorf("invalid arrival rate %v per hour: want a finite value of 0 or more", r)
		}
	}
	return nil
}

// projectRates estimates how many more clients each path needs before
// CompareRates leaves WAIT, if new clients have the mean and variance of the
// failure proportions seen so far on their path. A path without clients
// borrows the other path's, and with no clients at all the projection
// assumes no failures, which makes the need a lower bound: no data can settle
// the check sooner. The projection aims at PASS when the estimated difference
// is below the margin and at FAIL when it is above.
func projectRates(albSeq, nlbSeq *meanSequence, albX, nlbX []float64, margin, weightALB, weightNLB float64) (int, int) {
	albMean, albVar := momentsOr(albX, nlbX)
	nlbMean, nlbVar := momentsOr(nlbX, albX)
	towardPass := albMean-nlbMean < margin
	if albMean-nlbMean == margin {
		return NeedUnknown, NeedUnknown
	}

	a, n := albSeq.clone(), nlbSeq.clone()
	var addedALB, addedNLB float64
	schedule := growthSchedule{held: float64(len(albX) + len(nlbX)), fraction: 0.02}
	for {
		total := schedule.next()
		targetALB, targetNLB := math.Ceil(weightALB*total), math.Ceil(weightNLB*total)
		if float64(len(albX))+targetALB > maxProjectedClients || float64(len(nlbX))+targetNLB > maxProjectedClients {
			return NeedUnknown, NeedUnknown
		}
		a.addExpected(targetALB-addedALB, albMean, albVar)
		n.addExpected(targetNLB-addedNLB, nlbMean, nlbVar)
		addedALB, addedNLB = targetALB, targetNLB

		settled := a.upper-n.lower < margin
		if !towardPass {
			settled = a.lower-n.upper > margin
		}
		if settled {
			return int(addedALB), int(addedNLB)
		}
	}
}

// momentsOr returns the mean and population variance of x, or of other when
// x is empty, or zeros when both are.
func momentsOr(x, other []float64) (float64, float64) {
	switch {
	case len(x) > 0:
		return stat.PopMeanVariance(x, nil)
	case len(other) > 0:
		return stat.PopMeanVariance(other, nil)
	default:
		return 0, 0
	}
}
