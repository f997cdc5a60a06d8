package sim

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Scenario is a named variant of DefaultConfig with a known truth: whether
// the ALB path has a fault that the NLB path does not, and which. An
// analysis of the scenario's logs is right when it finds that fault and no
// other.
type Scenario struct {
	// Name is the scenario's name, such as "missing-intermediate".
	Name string
	// Description is a one- or two-sentence account of the simulated
	// case.
	Description string
	// Fault is true when the ALB path fails clients or requests that the
	// NLB path serves, or serves them more slowly.
	Fault bool
	// Cohort describes the clients that the fault hits, or names their
	// common subject DN part. It is empty when the fault hits no cohort.
	Cohort string
	// ALBReason is the tls_verify_status that the ALB logs for the
	// cohort's connections, such as "Failed:ClientCertUntrusted", or "".
	ALBReason string
	// Latency is true when the fault is slower responses on the ALB path.
	Latency bool
	// LowTraffic is true when the run has too few connections for any
	// verdict, so a sound analysis returns WAIT and waits for more data.
	LowTraffic bool

	configure func(*Config)
}

// ErrUnknownScenario is the error that ScenarioConfig returns, wrapped, for
// a name that Scenarios does not list.
var ErrUnknownScenario = errors.New("unknown scenario")

// The sizes of the scenarios' faults.
const (
	// scenarioCohortShare is the share of the clients in the failing
	// cohort of revoked-cohort and deep-chain. Revoked clients send a
	// quarter of the usual rate, so 5 percent of the clients bring about
	// 1 percent of the connections, and more on the ALB, where they retry.
	scenarioCohortShare = 0.05
	// slowALBDelay is how much slower the ALB path's slower responses are.
	slowALBDelay = 30 * time.Millisecond
	// slowALBAbove is the target processing time above which slow-alb
	// delays a response. It lies above the median of the simulated times
	// and below their p90, so the p50 stays and the p90 and p99 move by
	// slowALBDelay. In 3-hour runs of this package with seeds 1 to 4, the
	// median was 41 to 52 ms, the p90 133 to 172 ms and the p99 350 to
	// 430 ms.
	slowALBAbove = 90 * time.Millisecond
)

// healthyCohorts returns DefaultCohortShares without
// CohortMissingIntermediate, the one cohort that fails on the ALB only, and
// with extra added.
func healthyCohorts(extra ...CohortShare) []CohortShare {
	shares := slices.DeleteFunc(DefaultCohortShares(), func(cs CohortShare) bool {
		return cs.Cohort == CohortMissingIntermediate
	})
	for _, e := range extra {
		i := slices.IndexFunc(shares, func(cs CohortShare) bool { return cs.Cohort == e.Cohort })
		if i >= 0 {
			shares[i] = e
		} else {
			shares = append(shares, e)
		}
	}
	return shares
}

// Scenarios returns the named scenarios, the healthy one first.
func Scenarios() []Scenario {
	return []Scenario{
		{
			Name: "healthy",
			Description: "Both paths treat every client alike: expired, not yet valid, revoked and certificate-less " +
				"clients fail on both, and no cohort fails on the ALB only.",
			configure: func(c *Config) { c.Cohorts = healthyCohorts() },
		},
		{
			Name: "missing-intermediate",
			Description: "The ALB trust store lacks the intermediate CAs of Fabrikam's issuing CA, which its clients do not send. " +
				"The ALB rejects every Fabrikam client as untrusted, and nginx, which has the intermediates, accepts them.",
			Fault:     true,
			Cohort:    `O=Fabrikam\, Inc.`,
			ALBReason: "Failed:ClientCertUntrusted",
			configure: func(c *Config) {
				c.Cohorts = healthyCohorts(CohortShare{CohortMissingIntermediate, 0.05})
				c.ALBTrust.Intermediates = false
				c.TerminatorTrust.Intermediates = true
			},
		},
		{
			Name: "revoked-cohort",
			Description: "5 percent of the clients have revoked certificates. The ALB trust store has the CRL and rejects them, " +
				"and nginx, without ssl_crl, accepts them.",
			Fault:     true,
			Cohort:    "clients with revoked certificates (cohort revoked), spread over the organizations",
			ALBReason: "Failed:ClientCertCrlHit",
			configure: func(c *Config) {
				c.Cohorts = healthyCohorts(CohortShare{CohortRevoked, scenarioCohortShare})
				c.ALBTrust.CheckCRL = true
				c.TerminatorTrust.CheckCRL = false
			},
		},
		{
			Name: "deep-chain",
			Description: fmt.Sprintf("5 percent of the clients have certificates with chains of 6 certificates, longer than the ALB's "+
				"maximum of %d. nginx, with ssl_verify_depth 4, accepts them.", ALBMaxChainDepth),
			Fault:     true,
			Cohort:    "clients whose certificates " + deepChainCA.subject + " issued (cohort deep-chain)",
			ALBReason: "Failed:ClientCertMaxChainDepthExceeded",
			configure: func(c *Config) {
				c.Cohorts = healthyCohorts(CohortShare{CohortDeepChain, scenarioCohortShare})
				c.ALBTrust.MaxChainDepth = ALBMaxChainDepth
				c.TerminatorTrust.MaxChainDepth = deepChainCA.chainDepth
			},
		},
		{
			Name: "slow-alb",
			Description: fmt.Sprintf("The targets behind the ALB take %v longer for every response slower than %v, "+
				"so the ALB path's p90 and p99 time to response headers are %v worse and its median is the same.",
				slowALBDelay, slowALBAbove, slowALBDelay),
			Fault:   true,
			Latency: true,
			configure: func(c *Config) {
				c.Cohorts = healthyCohorts()
				c.ALBTargetDelay = LatencyShift{Above: slowALBAbove, Delay: slowALBDelay}
			},
		},
		{
			Name: "low-traffic",
			Description: "Healthy, but 12 clients behind 4 resolvers send a fiftieth of the usual rate, " +
				"so neither path has enough connections for a verdict.",
			LowTraffic: true,
			configure: func(c *Config) {
				c.Cohorts = healthyCohorts()
				c.Clients = 12
				c.Resolvers = 4
				c.RateScale = 0.02
			},
		},
		{
			Name: "big-partner-one-resolver",
			Description: "Healthy, but Woodgrove Bank has 40 percent of the clients, all behind its one resolver, " +
				"so the whole partner moves between the paths at once.",
			configure: func(c *Config) {
				c.Cohorts = healthyCohorts()
				c.LeadPartnerShare = 0.4
			},
		},
	}
}

// ScenarioNames returns the names of Scenarios, in the same order.
func ScenarioNames() []string {
	var names []string
	for _, s := range Scenarios() {
		names = append(names, s.Name)
	}
	return names
}

// ScenarioConfig returns the Config of the named scenario, a run of
// duration from start with seed, and the scenario. Every other field is
// DefaultConfig's unless the scenario changes it. It returns an error
// wrapping ErrUnknownScenario for a name that Scenarios does not list.
func ScenarioConfig(name string, start time.Time, duration time.Duration, seed uint64) (Config, Scenario, error) {
	for _, s := range Scenarios() {
		if s.Name != name {
			continue
		}
		cfg := DefaultConfig(start)
		cfg.Duration = duration
		cfg.Seed = seed
		s.configure(&cfg)
		return cfg, s, nil
	}
	return Config{}, Scenario{}, fmt.Errorf("sim: %w %q: want one of %s", ErrUnknownScenario, name, strings.Join(ScenarioNames(), ", "))
}
