package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIdentitiesCohorts(t *testing.T) {
	cfg := DefaultConfig(testStart)
	ids, err := Identities(cfg)
	require.NoError(t, err)
	require.Len(t, ids, cfg.Clients)

	const day = 24 * time.Hour
	cohorts := map[Cohort]int{}
	for _, id := range ids {
		cohorts[id.Cohort]++
		cert := id.Certificate
		if id.Cohort == CohortNoCertificate {
			assert.Nil(t, cert, "identity %d", id.Index)
			continue
		}
		require.NotNil(t, cert, "identity %d", id.Index)
		assert.True(t, cert.NotBefore.Before(cert.NotAfter), "identity %d: validity period", id.Index)

		switch id.Cohort {
		case CohortExpired:
			assert.True(t, cert.NotAfter.Before(cfg.Start), "identity %d: expired certificate still valid at start", id.Index)
		case CohortExpiringSoon:
			assert.True(t, cert.NotAfter.After(cfg.Start) && cert.NotAfter.Before(cfg.Start.Add(30*day)),
				"identity %d: NotAfter %v not within 30 days of the start", id.Index, cert.NotAfter)
		case CohortNotYetValid:
			assert.True(t, cert.NotBefore.After(cfg.Start), "identity %d: NotBefore %v not after the start", id.Index, cert.NotBefore)
		case CohortMissingIntermediate:
			assert.Equal(t, issuingCAs[missingIntermediateCA].subject, cert.Issuer)
			assert.Equal(t, 4, cert.ChainDepth)
		default:
			assert.True(t, cert.NotAfter.After(cfg.End().Add(30*day)), "identity %d: valid certificate expires too soon", id.Index)
			assert.True(t, cert.NotBefore.Before(cfg.Start), "identity %d: valid certificate not valid yet", id.Index)
		}
	}
	for c := CohortValid; c <= CohortNoCertificate; c++ {
		assert.Positive(t, cohorts[c], "cohort %v", c)
	}
	assert.Greater(t, cohorts[CohortValid], cfg.Clients*3/4, "valid certificates")
}

func TestIdentitiesExpiryDuringRun(t *testing.T) {
	cfg := DefaultConfig(testStart)
	ids, err := Identities(cfg)
	require.NoError(t, err)

	during := 0
	for _, id := range ids {
		if id.Cohort == CohortExpiringSoon && id.Certificate.NotAfter.Before(cfg.End()) {
			during++
		}
	}
	assert.Equal(t, 1, during, "certificates that expire during a one-day run")
}

// Consecutive runs of one migration with the same population period have
// the same certificates, and without it each run draws validity from its
// own start.
func TestIdentitiesPopulationPeriod(t *testing.T) {
	whole := DefaultConfig(testStart)
	whole.Duration = 8 * time.Hour
	first, err := Identities(whole)
	require.NoError(t, err)

	later := whole
	later.Start, later.Duration = testStart.Add(5*time.Hour), 30*time.Minute
	later.PopulationStart, later.PopulationDuration = whole.Start, whole.Duration
	same, err := Identities(later)
	require.NoError(t, err)
	assert.Equal(t, first, same)

	later.PopulationStart, later.PopulationDuration = time.Time{}, 0
	own, err := Identities(later)
	require.NoError(t, err)
	assert.NotEqual(t, first, own)

	later.PopulationDuration = -time.Hour
	_, err = Identities(later)
	assert.ErrorContains(t, err, "PopulationDuration")
}

func TestIdentitiesVariety(t *testing.T) {
	ids, err := Identities(DefaultConfig(testStart))
	require.NoError(t, err)

	serials := map[string]bool{}
	keys := map[string]bool{}
	keyTypes := map[KeyType]bool{}
	issuers := map[string]bool{}
	subjects := map[string]int{}
	ipv6, ipv4, noUserAgent, noSNI, http2, tls12, retrying := 0, 0, 0, 0, 0, 0, 0
	for _, id := range ids {
		require.NotEmpty(t, id.SourceIPs, "identity %d has no source address", id.Index)
		for _, ip := range id.SourceIPs {
			if ip.Is4() {
				ipv4++
			} else {
				ipv6++
			}
		}
		if id.UserAgent == "" {
			noUserAgent++
		}
		if !id.SendsSNI {
			noSNI++
		}
		if id.Behaviour.HTTP2 {
			http2++
		}
		if !id.Behaviour.TLS13 {
			tls12++
		}
		if id.Behaviour.RetryOnFailure {
			retrying++
			assert.Positive(t, id.Behaviour.MaxRetries)
			assert.Positive(t, id.Behaviour.RetryBackoff)
		}
		assert.Positive(t, id.Behaviour.PeakRequestRate)
		assert.GreaterOrEqual(t, id.Behaviour.RequestsPerConnection, 1.0)

		cert := id.Certificate
		if cert == nil {
			assert.Empty(t, id.Key())
			continue
		}
		assert.False(t, serials[cert.Serial], "serial %s used twice", cert.Serial)
		serials[cert.Serial] = true
		keys[id.Key()] = true
		keyTypes[cert.Key] = true
		issuers[cert.Issuer] = true
		subjects[cert.Subject]++
		assert.Regexp(t, `^[1-7][0-9A-F]+$`, cert.Serial)
		assert.Regexp(t, `^CN=[^,]+,(OU=[^,]+,)?O=.+,C=[A-Z]{2}$`, cert.Subject)
	}

	assert.Len(t, keys, len(serials), "identity keys are unique")
	assert.Len(t, keyTypes, 4, "key types")
	assert.Len(t, issuers, len(issuingCAs), "issuing CAs")
	renewed := 0
	for _, n := range subjects {
		if n > 1 {
			renewed++
		}
	}
	assert.Positive(t, renewed, "subjects shared by an expired certificate and its renewal")
	for name, n := range map[string]int{
		"IPv4 addresses": ipv4, "IPv6 addresses": ipv6, "clients without User-Agent": noUserAgent,
		"clients without SNI": noSNI, "HTTP/2 clients": http2, "TLS 1.2 clients": tls12, "retrying clients": retrying,
	} {
		assert.Positive(t, n, name)
	}
}

func TestIdentitiesSmallPopulation(t *testing.T) {
	cfg := DefaultConfig(testStart)
	cfg.Clients = 3
	ids, err := Identities(cfg)
	require.NoError(t, err)
	assert.Len(t, ids, 3)
}

func TestResolverAnswerPinnedPerEpoch(t *testing.T) {
	cfg := DefaultConfig(testStart)
	cfg.Resolvers = 200
	cfg.TTLIgnoringShare = 0.5
	resolvers := newResolvers(&cfg)
	start := cfg.Start.UnixMicro()

	alb, answers, longPins := 0, 0, 0
	for i := range resolvers {
		r := &resolvers[i]
		if r.pin > DefaultAliasTTL.Microseconds() {
			longPins++
		}
		for e := range int64(50) {
			at := start + e*r.pin
			p := r.answer(cfg.Seed, at, 30)
			// Every moment of the same epoch gets the same answer.
			epochStart := r.phase + int64(r.epoch(at))*r.pin
			assert.Equal(t, p, r.answer(cfg.Seed, epochStart, 30))
			assert.Equal(t, p, r.answer(cfg.Seed, epochStart+r.pin-1, 30))
			if p == pathALB {
				alb++
			}
			answers++
		}
		assert.Equal(t, pathNLB, r.answer(cfg.Seed, start, 0), "weight 0")
		assert.Equal(t, pathALB, r.answer(cfg.Seed, start, 100), "weight 100")
	}
	share := float64(alb) / float64(answers)
	assert.InDelta(t, 0.30, share, 0.02, "share of ALB answers at weight 30")
	assert.Positive(t, longPins, "resolvers that ignore the TTL")
	assert.Less(t, longPins, len(resolvers), "resolvers that honour the TTL")
}
