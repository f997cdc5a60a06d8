package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"gonum.org/v1/gonum/stat/distuv"
)

// simPath simulates one path of a migration as the gate observes it: clients
// arrive over time and keep connecting, each with its own failure rate and
// its own traffic volume, so connections are clustered by client.
type simPath struct {
	meanRate      float64
	concentration float64
	rng           *rand.Rand
	clients       []simClient
}

type simClient struct {
	name           string
	rate           float64
	perLook        float64
	trials, failed int
}

// arrive adds n clients. Their failure rates follow a beta distribution with
// mean meanRate, and their connections per look a Pareto distribution capped
// at 500, so a few clients carry much of the traffic.
func (p *simPath) arrive(n int) {
	a := p.meanRate * p.concentration
	b := (1 - p.meanRate) * p.concentration
	rates := distuv.Beta{Alpha: a, Beta: b, Src: p.rng}
	volume := distuv.Pareto{Xm: 2, Alpha: 1.5, Src: p.rng}
	for range n {
		p.clients = append(p.clients, simClient{
			name:    fmt.Sprint(len(p.clients)),
			rate:    rates.Rand(),
			perLook: math.Min(math.Floor(volume.Rand()), 500),
		})
	}
}

// step lets every client make its connections for one look.
func (p *simPath) step() {
	for i := range p.clients {
		c := &p.clients[i]
		n := int(c.perLook)
		c.trials += n
		c.failed += int(distuv.Binomial{N: float64(n), P: c.rate, Src: p.rng}.Rand())
	}
}

// counts returns the clients in arrival order.
func (p *simPath) counts() []ClientCounts {
	out := make([]ClientCounts, len(p.clients))
	for i, c := range p.clients {
		out[i] = ClientCounts{Client: c.name, Trials: c.trials, Failures: c.failed}
	}
	return out
}

// lookResult records whether each method returned PASS at any look of one
// run, and whether the naive test returned PASS at the last look alone.
type lookResult struct{ anytime, naive, naiveLast bool }

// simulateRun runs one migration of the given number of looks, with
// newPerLook clients arriving on each path before every look, and evaluates
// both rate methods at every look. concentration is a+b of the beta
// distribution of client failure rates: small values spread the rates far
// apart (strong clustering), large ones make every connection an independent
// draw with the path's mean rate. The WAIT projections are left out because
// they do not change verdicts.
func simulateRun(rng *rand.Rand, albRate, nlbRate, margin, alpha, concentration float64, looks, newPerLook int) lookResult {
	alb := &simPath{meanRate: albRate, concentration: concentration, rng: rng}
	nlb := &simPath{meanRate: nlbRate, concentration: concentration, rng: rng}
	var r lookResult
	for look := 1; look <= looks; look++ {
		alb.arrive(newPerLook)
		nlb.arrive(newPerLook)
		alb.step()
		nlb.step()
		albCounts, nlbCounts := alb.counts(), nlb.counts()
		if !r.anytime {
			c, err := compareRates(albCounts, nlbCounts, margin, alpha, RateOptions{}, false)
			if err != nil {
				panic(err)
			}
			r.anytime = c.Verdict == Pass
		}
		if !r.naive || look == looks {
			c, err := naiveRateTest(albCounts, nlbCounts, margin, alpha, false)
			if err != nil {
				panic(err)
			}
			r.naive = r.naive || c.Verdict == Pass
			r.naiveLast = look == looks && c.Verdict == Pass
		}
	}
	return r
}

func TestRepeatedLooksFalsePassRate(t *testing.T) {
	// Simulated migrations, each looked at 72 times (every 5 minutes for 6
	// hours), with the ALB exactly at NLB + margin, so every PASS is false.
	// Clients arrive slowly (4 per look per path, 288 by the end), so the
	// margin is wide enough that CompareRates can pass at all within 72
	// looks; TestRepeatedLooksPowerWhenEqual checks that it does.
	const (
		looks   = 72
		alpha   = 0.05
		margin  = 0.04
		nlbRate = 0.01
	)
	cases := []struct {
		name          string
		runs          int
		concentration float64
		seed          uint64
	}{
		// Every connection an independent draw: only the repeated looks can
		// push the naive test past alpha.
		{name: "independent connections", runs: 300, concentration: 1e6, seed: 1},
		// Client failure rates spread widely: clustering adds to the looks.
		{name: "clustered by client", runs: 500, concentration: 4, seed: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(20240611, tc.seed))
			var anytime, naive, naiveLast int
			for range tc.runs {
				r := simulateRun(rng, nlbRate+margin, nlbRate, margin, alpha, tc.concentration, looks, 4)
				if r.anytime {
					anytime++
				}
				if r.naive {
					naive++
				}
				if r.naiveLast {
					naiveLast++
				}
			}
			runs := float64(tc.runs)
			// Simulation slack: three binomial standard errors of a rate of
			// alpha estimated from this many runs.
			limit := alpha + 3*math.Sqrt(alpha*(1-alpha)/runs)
			t.Logf("false PASS at any of %d looks: anytime %.3f, naive %.3f; naive at the last look alone %.3f; limit %.3f",
				looks, float64(anytime)/runs, float64(naive)/runs, float64(naiveLast)/runs, limit)
			assert.LessOrEqual(t, float64(anytime)/runs, limit, "CompareRates false PASS rate")
			assert.Greater(t, float64(naive)/runs, limit, "NaiveRateTest false PASS rate")
		})
	}
}

func TestRepeatedLooksPowerWhenEqual(t *testing.T) {
	// The clustered migrations with the ALB as good as the NLB: CompareRates
	// must reach PASS in most runs, or its low false PASS rate shows nothing.
	const (
		runs, looks = 100, 72
		alpha       = 0.05
		margin      = 0.04
		nlbRate     = 0.01
	)
	rng := rand.New(rand.NewPCG(20240611, 3))
	var passed int
	for range runs {
		if simulateRun(rng, nlbRate, nlbRate, margin, alpha, 4, looks, 4).anytime {
			passed++
		}
	}
	t.Logf("PASS within %d looks with equal rates: %d of %d runs", looks, passed, runs)
	assert.GreaterOrEqual(t, passed, 80)
}
