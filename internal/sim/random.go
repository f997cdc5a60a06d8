package sim

import (
	"math"
	"math/rand/v2"
)

// Random streams. Each part of the model draws from its own PCG stream of
// the seed, so that a change in how one part draws does not shift the others.
const (
	streamPopulation uint64 = iota + 1
	streamTraits
	streamResolvers
	streamTraffic
	streamDamage
	streamDelivery
	streamTerminators
)

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// mix64 is the SplitMix64 finalizer: a fast bijective hash with good
// avalanche, used to derive values from (seed, id, time) without state.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash3 combines three values into one well-mixed 64-bit value.
func hash3(a, b, c uint64) uint64 {
	return mix64(mix64(mix64(a)^b+0x9e3779b97f4a7c15) ^ c)
}

// unitFloat maps a hash to [0, 1).
func unitFloat(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// poisson draws from a Poisson distribution with the given mean: Knuth's
// product method for small means, a rounded normal approximation above 30,
// where its error is far below the model's own.
func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 30 {
		n := math.Round(mean + math.Sqrt(mean)*r.NormFloat64())
		return int(max(n, 0))
	}
	limit := math.Exp(-mean)
	n := 0
	for p := r.Float64(); p > limit; p *= r.Float64() {
		n++
	}
	return n
}

// logNormal draws a log-normal value with the given median and shape sigma.
func logNormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// geometric draws a count of at least 1 with the given mean.
func geometric(r *rand.Rand, mean float64) int {
	if mean <= 1 {
		return 1
	}
	p := 1 / mean
	u := 1 - r.Float64() // in (0, 1]
	return 1 + int(math.Log(u)/math.Log1p(-p))
}

// pickWeighted returns an index into weights, drawn with probability
// proportional to its weight.
func pickWeighted(r *rand.Rand, weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	u := r.Float64() * total
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}
