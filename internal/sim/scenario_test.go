package sim

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/ingest/albconn"
	"github.com/cutover-dev/cutover/ingest/identity"
	"github.com/cutover-dev/cutover/ingest/terminator"
)

// scenarioDuration is long enough for every scenario's fault to show on the
// ALB at its default weight of 10, and short enough for a quick test.
const scenarioDuration = 3 * time.Hour

// scenarioRun is the output of one scenario's Run, read back.
type scenarioRun struct {
	*run
	cfg      Config
	scenario Scenario
	// byKey are the identities by their canonical "subject|serial".
	byKey map[string]*Identity
	// alb are the well-formed ALB connection-log lines.
	alb []albConnection
	// nginx are the nginx access-log records of all terminators, and
	// nginxInstance the instance ID of each.
	nginx         []terminator.Record
	nginxInstance []string
}

// albConnection is one well-formed ALB connection-log line.
type albConnection struct {
	key    string // canonical "subject|serial", "" without a certificate
	status string
}

// runScenario runs the named scenario from testStart for scenarioDuration
// with seed 1, once per test binary.
func runScenario(t *testing.T, name string) *scenarioRun {
	t.Helper()
	cfg, s, err := ScenarioConfig(name, testStart, scenarioDuration, 1)
	require.NoError(t, err)
	r := &scenarioRun{run: cachedRun(t, "scenario "+name, cfg), cfg: cfg, scenario: s, byKey: map[string]*Identity{}}

	ids, err := Identities(cfg)
	require.NoError(t, err)
	for i := range ids {
		if ids[i].Certificate == nil {
			continue
		}
		r.byKey[canonicalKey(t, ids[i].Certificate.Subject, ids[i].Certificate.Serial)] = &ids[i]
	}

	eachConnection(t, r.run, func(rec *albconn.Record) {
		c := albConnection{status: rec.TLSVerifyStatus.String}
		if rec.LeafClientCertSubject.Valid && rec.LeafClientCertSubject.String != "-" {
			c.key = canonicalKey(t, rec.LeafClientCertSubject.String, rec.LeafClientCertSerialNumber.String)
		}
		r.alb = append(r.alb, c)
	})
	for instance, l := range readNginxLogs(t, r.writer, nil) {
		r.nginx = append(r.nginx, l.access...)
		for range l.access {
			r.nginxInstance = append(r.nginxInstance, instance)
		}
	}
	return r
}

func canonicalKey(t *testing.T, subject, serial string) string {
	dn, err := identity.CanonicalDN(subject)
	require.NoError(t, err, subject)
	s, err := identity.CanonicalSerial(serial)
	require.NoError(t, err, serial)
	return dn + "|" + s
}

// nginxKey returns the canonical "subject|serial" of an nginx record, or ""
// for a record without a certificate.
func nginxKey(rec *terminator.Record) string {
	if !rec.Subject.Valid {
		return ""
	}
	return rec.Subject.String + "|" + rec.Serial.String
}

// cohortLines returns the ALB statuses and nginx outcomes of the lines of
// the identities in cohort, by value.
func (r *scenarioRun) cohortLines(cohort Cohort) (alb, nginx map[string]int) {
	alb, nginx = map[string]int{}, map[string]int{}
	for _, c := range r.alb {
		if id := r.byKey[c.key]; id != nil && id.Cohort == cohort {
			alb[c.status]++
		}
	}
	for i := range r.nginx {
		if id := r.byKey[nginxKey(&r.nginx[i])]; id != nil && id.Cohort == cohort {
			nginx[r.nginx[i].Outcome]++
		}
	}
	return alb, nginx
}

func TestScenarioConfigUnknownName(t *testing.T) {
	_, _, err := ScenarioConfig("no-such-scenario", testStart, time.Hour, 1)
	require.ErrorIs(t, err, ErrUnknownScenario)
	for _, name := range ScenarioNames() {
		assert.Contains(t, err.Error(), name, "the error lists the valid names")
	}
}

func TestScenariosTruthAndConfig(t *testing.T) {
	names := ScenarioNames()
	assert.Equal(t, []string{"healthy", "missing-intermediate", "revoked-cohort", "deep-chain", "slow-alb",
		"low-traffic", "big-partner-one-resolver"}, names)

	for _, s := range Scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			cfg, got, err := ScenarioConfig(s.Name, testStart, 2*time.Hour, 7)
			require.NoError(t, err)
			require.NoError(t, cfg.Validate())
			assert.Equal(t, s.Name, got.Name)
			assert.Equal(t, 2*time.Hour, cfg.Duration)
			assert.Equal(t, uint64(7), cfg.Seed)
			assert.Equal(t, testStart, cfg.Start)
			assert.NotEmpty(t, got.Description)

			// A cohort and an ALB reason come with a fault that is not about
			// latency, and only with one.
			assert.Equal(t, got.Fault && !got.Latency, got.ALBReason != "", "ALBReason %q", got.ALBReason)
			assert.Equal(t, got.ALBReason != "", got.Cohort != "", "Cohort %q", got.Cohort)
			assert.False(t, got.LowTraffic && got.Fault, "a low-traffic scenario has no fault")
			if got.ALBReason != "" {
				assert.True(t, strings.HasPrefix(got.ALBReason, "Failed:"), got.ALBReason)
			}
		})
	}
}

func TestDefaultConfigCohorts(t *testing.T) {
	cfg := DefaultConfig(testStart)
	assert.Equal(t, DefaultCohortShares(), cfg.Cohorts)
	assert.Equal(t, DefaultALBTrust(), cfg.ALBTrust)
	assert.Equal(t, DefaultTerminatorTrust(), cfg.TerminatorTrust)
	assert.Zero(t, cfg.ALBTargetDelay)
	assert.Zero(t, cfg.LeadPartnerShare)
}

func TestConfigValidateScenarioFields(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"valid cohort", func(c *Config) { c.Cohorts = append(c.Cohorts, CohortShare{CohortValid, 0.1}) }, "invalid cohort valid"},
		{"duplicate cohort", func(c *Config) { c.Cohorts = append(c.Cohorts, CohortShare{CohortExpired, 0.1}) }, "duplicate cohort expired"},
		{"negative share", func(c *Config) { c.Cohorts = []CohortShare{{CohortRevoked, -0.1}} }, "invalid share -0.1 of cohort revoked"},
		{"shares over 1", func(c *Config) {
			c.Cohorts = []CohortShare{{CohortRevoked, 0.6}, {CohortExpired, 0.6}}
		}, "the shares sum to 1.2"},
		{"lead partner share", func(c *Config) { c.LeadPartnerShare = 1 }, "invalid LeadPartnerShare 1"},
		{"ALB chain depth", func(c *Config) { c.ALBTrust.MaxChainDepth = 1 }, "invalid ALBTrust.MaxChainDepth 1"},
		{"terminator chain depth", func(c *Config) { c.TerminatorTrust.MaxChainDepth = 0 }, "invalid TerminatorTrust.MaxChainDepth 0"},
		{"negative delay", func(c *Config) { c.ALBTargetDelay.Delay = -time.Millisecond }, "invalid ALBTargetDelay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig(testStart)
			tt.change(&cfg)
			err := cfg.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestScenarioHealthyPathsAgree(t *testing.T) {
	r := runScenario(t, "healthy")
	assert.Zero(t, r.summary.ConnectionsByStatus["Failed:ClientCertUntrusted"], "untrusted connections on the ALB")

	// Every identity whose certificate stays valid or invalid for the whole
	// run gets the same outcome on both paths: an ALB success where nginx
	// logs "ok", a failure where it rejects. Transient handshake failures
	// (UnmappedConnectionError) leave no nginx access line, so they are left
	// out.
	albOK := map[string]map[bool]bool{}
	for _, c := range r.alb {
		id := r.byKey[c.key]
		if id == nil || id.Cohort == CohortExpiringSoon || id.Cohort == CohortNotYetValid || c.status == "Failed:UnmappedConnectionError" {
			continue
		}
		if albOK[c.key] == nil {
			albOK[c.key] = map[bool]bool{}
		}
		albOK[c.key][c.status == "Success"] = true
	}
	compared := 0
	for i := range r.nginx {
		key := nginxKey(&r.nginx[i])
		seen, ok := albOK[key]
		if !ok {
			continue
		}
		compared++
		ok = r.nginx[i].Outcome == "ok"
		assert.True(t, seen[ok] && len(seen) == 1, "identity %s: nginx outcome %s, ALB successes and failures %v",
			key, r.nginx[i].Outcome, seen)
	}
	assert.Greater(t, compared, 1000, "nginx lines of identities seen on the ALB")
}

// TestScenarioCohortFailsOnALBOnly checks the scenarios whose cohort fails on
// the ALB and succeeds on nginx.
func TestScenarioCohortFailsOnALBOnly(t *testing.T) {
	tests := []struct {
		scenario string
		cohort   Cohort
	}{
		{"missing-intermediate", CohortMissingIntermediate},
		{"revoked-cohort", CohortRevoked},
		{"deep-chain", CohortDeepChain},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			r := runScenario(t, tt.scenario)
			alb, nginx := r.cohortLines(tt.cohort)

			assert.Equal(t, []string{r.scenario.ALBReason}, slices.Collect(mapKeys(alb)), "ALB statuses of the cohort")
			assert.Equal(t, []string{"ok"}, slices.Collect(mapKeys(nginx)), "nginx outcomes of the cohort")
			assert.Positive(t, nginx["ok"], "nginx lines of the cohort")

			// The cohort's share of the ALB's connections is at least twice
			// the policy's margin of 0.002 on the handshake failure rate.
			failed := r.summary.ConnectionsByStatus[r.scenario.ALBReason]
			assert.Equal(t, alb[r.scenario.ALBReason], failed, "Summary count of %s", r.scenario.ALBReason)
			share := float64(failed) / float64(r.summary.ALB.Connections)
			assert.GreaterOrEqual(t, share, 0.004, "cohort's share of the ALB connections")
		})
	}
}

func mapKeys(m map[string]int) func(func(string) bool) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return slices.Values(keys)
}

func TestScenarioMissingIntermediateCohortIsFabrikam(t *testing.T) {
	cfg, s, err := ScenarioConfig("missing-intermediate", testStart, scenarioDuration, 1)
	require.NoError(t, err)
	ids, err := Identities(cfg)
	require.NoError(t, err)
	members := 0
	for _, id := range ids {
		if id.Certificate == nil {
			continue
		}
		inCohort := id.Cohort == CohortMissingIntermediate
		assert.Equal(t, inCohort, strings.Contains(id.Certificate.Subject, s.Cohort), "subject %s", id.Certificate.Subject)
		if inCohort {
			members++
		}
	}
	assert.Equal(t, 15, members, "5 percent of 300 clients")
}

func TestScenarioDeepChainIssuer(t *testing.T) {
	r := runScenario(t, "deep-chain")
	deep := 0
	for i := range r.nginx {
		id := r.byKey[nginxKey(&r.nginx[i])]
		if id == nil || id.Cohort != CohortDeepChain {
			continue
		}
		deep++
		assert.Equal(t, deepChainCA.subject, r.nginx[i].IssuerRaw.String)
		assert.Equal(t, 6, id.Certificate.ChainDepth)
	}
	assert.Positive(t, deep)
}

// quantile returns the q-quantile of sorted values, by the nearest rank.
func quantile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// responseHeaderTimes returns the sorted times to response headers, in ms,
// of the ALB's well-formed access lines (target_processing_time) and of
// nginx's access lines ($upstream_header_time).
func responseHeaderTimes(t *testing.T, r *scenarioRun) (alb, nlb []float64) {
	for _, o := range r.objects {
		if o.kind != kindAccess {
			continue
		}
		for _, line := range o.lines {
			class, fields := classify(line, accessFieldCount, accessTime)
			if class != lineWellFormed {
				continue
			}
			v, err := strconv.ParseFloat(fields[accessTargetTime-1].Value, 64)
			require.NoError(t, err)
			if v >= 0 {
				alb = append(alb, v*1000)
			}
		}
	}
	for i := range r.nginx {
		if v := r.nginx[i].UpstreamHeaderTime; v.Valid {
			nlb = append(nlb, v.Float64*1000)
		}
	}
	slices.Sort(alb)
	slices.Sort(nlb)
	return alb, nlb
}

func TestScenarioSlowALB(t *testing.T) {
	r := runScenario(t, "slow-alb")
	alb, nlb := responseHeaderTimes(t, r)
	require.Greater(t, len(alb), 10000, "ALB target times")
	above := float64(slowALBAbove.Milliseconds())
	delay := float64(slowALBDelay.Milliseconds())

	// The ALB delays every time above the threshold, so none of its times
	// falls in the gap that the delay opens. The ALB rounds to the nearest
	// ms, so the gap's ends can occur. nginx's times fill the gap.
	inGap := func(times []float64) int {
		n := 0
		for _, v := range times {
			if v > above && v < above+delay {
				n++
			}
		}
		return n
	}
	assert.Zero(t, inGap(alb), "ALB times between %v and %v ms", above, above+delay)
	assert.Greater(t, inGap(nlb), len(nlb)/50, "NLB times between %v and %v ms", above, above+delay)

	// The threshold lies between the median and the p90, so the delay
	// moves the p90 and the p99 and leaves the median.
	require.Less(t, quantile(nlb, 0.5), above, "NLB median")
	require.Greater(t, quantile(nlb, 0.9), above, "NLB p90")

	// The two paths serve different clients, whose mixes differ by chance.
	// In the healthy scenario over 3 hours with seeds 1 to 4, the ALB's
	// p99 minus the NLB's ranged from -16 to +8 ms, and the medians were
	// within 3 ms. So the ALB's lead is the delay within 15 ms at the p99
	// and the p90, and nothing within 3 ms at the median.
	gap := func(q float64) float64 { return quantile(alb, q) - quantile(nlb, q) }
	assert.InDelta(t, delay, gap(0.99), 15, "ALB p99 minus NLB p99")
	assert.InDelta(t, delay, gap(0.9), 15, "ALB p90 minus NLB p90")
	assert.InDelta(t, 0, gap(0.5), 3, "ALB p50 minus NLB p50")
}

func TestLatencyShiftApply(t *testing.T) {
	shift := LatencyShift{Above: 90 * time.Millisecond, Delay: 30 * time.Millisecond}
	tests := []struct {
		name       string
		shift      LatencyShift
		in, expect int64
	}{
		{"below", shift, 45_000, 45_000},
		{"at threshold", shift, 90_000, 90_000},
		{"above", shift, 90_001, 120_001},
		{"no response", shift, -1, -1},
		{"zero shift", LatencyShift{}, 500_000, 500_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.expect, tt.shift.apply(tt.in))
		})
	}
}

func TestScenarioLowTraffic(t *testing.T) {
	r := runScenario(t, "low-traffic")
	assert.True(t, r.scenario.LowTraffic)
	total := r.summary.ALB.Connections + r.summary.NLB.Connections
	assert.Positive(t, total, "connections")
	assert.Less(t, total, 100, "connections on both paths in %v", scenarioDuration)
	assert.Less(t, r.summary.ALB.Connections, 30, "connections on the ALB")
}

func TestScenarioBigPartnerOneResolver(t *testing.T) {
	r := runScenario(t, "big-partner-one-resolver")
	const partner = "O=Woodgrove Bank"

	// Count the partner's connections on both paths, by the resolver of
	// the identity: ALB connection lines, and nginx connections by
	// terminator and $connection.
	byResolver := map[int]int{}
	partnerConnections, all := 0, 0
	count := func(key string) {
		all++
		id := r.byKey[key]
		if id == nil || !strings.Contains(id.Certificate.Subject, partner) {
			return
		}
		partnerConnections++
		byResolver[id.Resolver]++
	}
	for _, c := range r.alb {
		count(c.key)
	}
	seen := map[string]bool{}
	for i := range r.nginx {
		rec := &r.nginx[i]
		conn := r.nginxInstance[i] + " " + rec.ConnectionID.String
		if seen[conn] {
			continue
		}
		seen[conn] = true
		count(nginxKey(rec))
	}

	require.NotEmpty(t, byResolver)
	largest := 0
	for _, n := range byResolver {
		largest = max(largest, n)
	}
	assert.Equal(t, partnerConnections, largest, "the partner's connections on its largest resolver, of %v", byResolver)
	assert.GreaterOrEqual(t, float64(partnerConnections)/float64(all), 0.25, "the partner's share of the connections")
}

func TestScenariosDeterministic(t *testing.T) {
	for _, name := range ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			objects := func(seed uint64) map[string][]byte {
				cfg, _, err := ScenarioConfig(name, testStart, 20*time.Minute, seed)
				require.NoError(t, err)
				w := newMemWriter()
				_, err = Run(context.Background(), cfg, w)
				require.NoError(t, err)
				return w.objects
			}
			first, again, other := objects(3), objects(3), objects(4)
			require.Equal(t, len(first), len(again), "objects")
			for key, body := range first {
				assert.True(t, bytes.Equal(body, again[key]), "object %s differs between runs", key)
			}
			same := len(first) == len(other)
			for key, body := range first {
				same = same && bytes.Equal(body, other[key])
			}
			assert.False(t, same, "seeds 3 and 4 give the same objects")
		})
	}
}
