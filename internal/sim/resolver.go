package sim

import "time"

// path is the way a connection reaches the service.
type path uint8

const (
	pathNLB path = iota
	pathALB
)

// resolver is a caching DNS resolver. It keeps each answer for pin and then
// asks Route 53 again, which picks the ALB or the NLB record by weight. All
// clients behind one resolver get the same answer until it expires, so whole
// populations move between paths together.
//
// The cache is modelled as fixed epochs of length pin, offset by phase: a
// resolver with many clients refreshes an expired answer almost at once, so
// refreshes land close to the epoch boundaries. The answer in each epoch is a
// hash of the seed, the resolver and the epoch, which makes it independent of
// the order in which clients ask.
type resolver struct {
	id    uint64
	pin   int64 // µs an answer stays cached
	phase int64 // µs offset of the epoch boundaries
}

// ttlIgnoringPins are the cache times of resolvers and client caches that
// ignore the TTL, from a resolver with a minimum cache time to a JVM that
// caches an address for the life of the process.
var ttlIgnoringPins = []time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}

func newResolvers(cfg *Config) []resolver {
	r := newRand(cfg.Seed, streamResolvers)
	resolvers := make([]resolver, cfg.Resolvers)
	for i := range resolvers {
		pin := cfg.AliasTTL
		if r.Float64() < cfg.TTLIgnoringShare {
			pin = ttlIgnoringPins[r.IntN(len(ttlIgnoringPins))]
		}
		resolvers[i] = resolver{
			id:    uint64(i),
			pin:   pin.Microseconds(),
			phase: r.Int64N(pin.Microseconds()),
		}
	}
	return resolvers
}

// epoch returns the number of the cache epoch that contains t (µs).
func (r *resolver) epoch(t int64) uint64 {
	e := (t - r.phase) / r.pin
	if t < r.phase {
		e--
	}
	return uint64(e)
}

// answer returns the path of the answer the resolver holds at t (µs) when
// the ALB record has weight albWeight out of 100.
func (r *resolver) answer(seed uint64, t int64, albWeight int) path {
	u := unitFloat(hash3(seed, r.id, r.epoch(t)))
	if u*100 < float64(albWeight) {
		return pathALB
	}
	return pathNLB
}

// node returns the index into active of the node a client connects to at
// t: the first address of the resolver's cached answer, in the order the
// client received it.
func (r *resolver) node(seed uint64, t int64, client int, active []int) int {
	h := hash3(seed^0x5bd1e995, r.id<<32|uint64(client), r.epoch(t))
	return active[h%uint64(len(active))]
}
