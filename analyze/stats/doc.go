// Package stats holds the statistics behind `cutover analyze` and `cutover
// gate`: non-inferiority comparisons of the ALB path against the NLB path,
// each ending in a Verdict of PASS, FAIL or WAIT.
//
// The package is plain Go over plain values. It does not read the store: the
// caller aggregates the logs per client identity and passes slices of
// ClientCounts or ClientSamples.
//
// Terms used throughout:
//
//	client       one client identity (certificate subject and serial, or IP
//	             address where no certificate is logged). Clients are the
//	             statistical unit: connections of one client are not
//	             independent draws, because clients retry and move together.
//	margin       how much worse the ALB may be and still pass: an absolute
//	             difference of failure rates, or a ratio plus a slack in
//	             seconds for latency quantiles.
//	look         one evaluation of a check. The gate evaluates the same check
//	             again and again as data arrive, so every method here keeps its
//	             error rate over all looks, not just over one.
//	alpha        the probability, over all looks, of a wrong PASS when the ALB
//	             is worse by the margin or more (and separately of a wrong
//	             FAIL when it is not).
//
// CompareRates and CompareQuantile are the methods for decisions.
// NaiveRateTest is a fixed-sample baseline that treats connections as
// independent and ignores repeated looks. It exists so that an evaluation can
// show what the other two guard against, and must not drive the gate.
//
// Every function is deterministic: nothing here draws random numbers, so the
// same input always gives the same verdict. docs/statistics.md describes the
// methods, their assumptions and their sources.
package stats
