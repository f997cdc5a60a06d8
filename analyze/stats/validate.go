package stats

import (
	"fmt"
	"math"
	"slices"
)

// validCounts validates one path's clients and returns those with trials, in
// the order given. It returns an error for a negative count, more failures
// than trials, or a client listed twice.
func validCounts(path string, clients []ClientCounts) ([]ClientCounts, error) {
	out := make([]ClientCounts, 0, len(clients))
	seen := make(map[string]bool, len(clients))
	for _, c := range clients {
		if c.Trials < 0 || c.Failures < 0 || c.Failures > c.Trials {
			return nil, fmt.Errorf("invalid %s counts for client %q: %d failures of %d trials", path, c.Client, c.Failures, c.Trials)
		}
		if seen[c.Client] {
			return nil, fmt.Errorf("client %q listed twice on the %s path: merge its counts first", c.Client, path)
		}
		seen[c.Client] = true
		if c.Trials > 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

// checkSamples validates one path's latency samples. Each client must be
// listed once, with as many counts as values when it has counts, and every
// value and count must be finite and 0 or more.
func checkSamples(path string, clients []ClientSamples) error {
	seen := make(map[string]bool, len(clients))
	for _, c := range clients {
		if seen[c.Client] {
			return fmt.Errorf("client %q listed twice on the %s path: merge its samples first", c.Client, path)
		}
		seen[c.Client] = true
		if c.Counts != nil && len(c.Counts) != len(c.Seconds) {
			return fmt.Errorf("client %q on the %s path has %d counts for %d values: want one per value", c.Client, path, len(c.Counts), len(c.Seconds))
		}
		for i, s := range c.Seconds {
			if !(s >= 0) || math.IsInf(s, 1) {
				return fmt.Errorf("invalid %s latency %v s for client %q: want a finite value of 0 or more", path, s, c.Client)
			}
			if k := c.count(i); k < 0 {
				return fmt.Errorf("invalid %s count %v for client %q: want 0 or more", path, k, c.Client)
			}
		}
	}
	return nil
}

// cumulative returns the values of weights in increasing order and, for
// each, the total weight at or below it.
func cumulative(weights map[float64]float64) (values, cum []float64) {
	values = make([]float64, 0, len(weights))
	for v := range weights {
		values = append(values, v)
	}
	slices.Sort(values)
	cum = make([]float64, len(values))
	var total float64
	for i, v := range values {
		total += weights[v]
		cum[i] = total
	}
	return values, cum
}
