package sim

import "time"

// TrustPolicy is the client certificate verification of one path: the
// contents of its trust store and the checks it makes. Certificates that pass every check
// still fail when they are outside their validity period.
type TrustPolicy struct {
	// Intermediates is true when the trust store holds the intermediate CAs
	// that CohortMissingIntermediate clients do not send. Without them the
	// verifier cannot build those clients' chains and rejects them as
	// untrusted.
	Intermediates bool
	// CheckCRL is true when the verifier rejects the CohortRevoked
	// certificates: the ALB trust store has their CRL, or nginx has it in
	// ssl_crl.
	CheckCRL bool
	// MaxChainDepth is the number of certificates, leaf and root included,
	// of the longest chain the verifier accepts. nginx's ssl_verify_depth N
	// accepts N+2 certificates.
	MaxChainDepth int
}

// ALBMaxChainDepth is the ALB's quota on the client certificate chain.
// NOTE: the AWS quota page gives a depth of 4 but not whether it counts the
// root. The model counts it, so the 4-certificate chains of the default
// population pass.
const ALBMaxChainDepth = 4

// DefaultALBTrust returns the ALB trust store of DefaultConfig: the roots
// and the CRL, without the intermediates of CohortMissingIntermediate, and
// the ALB's chain depth quota.
func DefaultALBTrust() TrustPolicy {
	return TrustPolicy{CheckCRL: true, MaxChainDepth: ALBMaxChainDepth}
}

// DefaultTerminatorTrust returns the nginx verification of DefaultConfig:
// a CA bundle with the intermediates, ssl_crl, and ssl_verify_depth 2,
// which accepts the 4-certificate chains of the default population.
func DefaultTerminatorTrust() TrustPolicy {
	return TrustPolicy{Intermediates: true, CheckCRL: true, MaxChainDepth: 4}
}

func (p *TrustPolicy) validate(field string, bad func(string, ...any)) {
	if p.MaxChainDepth < 2 {
		bad("invalid %s.MaxChainDepth %d: want at least 2 certificates (a leaf and its root)", field, p.MaxChainDepth)
	}
}

// LatencyShift delays the responses whose target processing time is above
// a threshold, as a path whose slowest requests take longer would. The
// shift keeps the order of the times, so every quantile of the times above
// Above moves by Delay and every quantile below stays where it is.
type LatencyShift struct {
	// Above is the target processing time above which a response is
	// delayed.
	Above time.Duration
	// Delay is added to the target processing time of those responses.
	Delay time.Duration
}

// apply returns the target processing time targetTime (µs) after the
// shift. A negative targetTime, where no target responded, stays as it is.
func (s *LatencyShift) apply(targetTime int64) int64 {
	if s.Delay == 0 || targetTime <= s.Above.Microseconds() {
		return targetTime
	}
	return targetTime + s.Delay.Microseconds()
}

// validateCohorts checks Config.Cohorts: known cohorts other than
// CohortValid, each once, with shares that sum to at most 1.
func (c *Config) validateCohorts(bad func(string, ...any)) {
	seen := make(map[Cohort]bool, len(c.Cohorts))
	total := 0.0
	for _, cs := range c.Cohorts {
		switch {
		case cs.Cohort <= CohortValid || int(cs.Cohort) >= len(cohortNames):
			bad("invalid cohort %v in Cohorts: want a cohort other than valid, which takes the clients left over", cs.Cohort)
		case seen[cs.Cohort]:
			bad("duplicate cohort %v in Cohorts: give each cohort one share", cs.Cohort)
		}
		seen[cs.Cohort] = true
		if cs.Share < 0 || cs.Share > 1 {
			bad("invalid share %v of cohort %v: want 0 to 1", cs.Share, cs.Cohort)
		}
		total += cs.Share
	}
	if total > 1+1e-9 {
		bad("invalid Cohorts: the shares sum to %v, want at most 1", total)
	}
}
