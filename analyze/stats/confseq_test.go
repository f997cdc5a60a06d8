package stats

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The expected values in this file come from testdata/reference.py, a
// separate Python transcription of the same formulas, and where noted from
// the closed form it prints.

func TestMeanSequenceZeros(t *testing.T) {
	// With 1000 zeros every bet is truncated at 3/4 and v_i = (1/(2i))², so
	// U = (log 40 + ψ(3/4)·Σ 1/(4i²)) / 750 in closed form.
	s := sequenceOf(make([]float64, 1000), 0.025)
	assert.InDelta(t, 0.005267181370428431, s.upper, 1e-15)
	assert.Equal(t, 0.0, s.lower)
}

func TestMeanSequenceOnesMirrorZeros(t *testing.T) {
	// The bounds treat x and 1 − x alike, so 50 ones give 1 − U(50 zeros).
	ones := make([]float64, 50)
	for i := range ones {
		ones[i] = 1
	}
	s := sequenceOf(ones, 0.025)
	assert.InDelta(t, 1-0.10526387073953651, s.lower, 1e-15)
	assert.Equal(t, 1.0, s.upper)
}

func TestMeanSequenceConstant(t *testing.T) {
	x := make([]float64, 1000)
	for i := range x {
		x[i] = 0.01
	}
	s := sequenceOf(x, 0.025)
	assert.InDelta(t, 0.004746626176663447, s.lower, 1e-15)
	assert.InDelta(t, 0.015253373823336806, s.upper, 1e-15)
}

func TestMeanSequenceMixed(t *testing.T) {
	// Bets below the truncation, so the plug-in variance matters.
	var x []float64
	for range 20 {
		x = append(x, 0, 0.01, 0, 0.5, 0, 0.02, 0, 0, 1, 0)
	}
	s := sequenceOf(x, 0.025)
	assert.InDelta(t, 0.05980158782089569, s.lower, 1e-14)
	assert.InDelta(t, 0.2444506425429889, s.upper, 1e-14)
}

func TestMeanSequenceSingleObservation(t *testing.T) {
	// One observation cannot narrow [0, 1] at this level: the half-width is
	// (log 40 + 0.09·ψ(3/4))/0.75 ≈ 4.99.
	s := sequenceOf([]float64{0.2}, 0.025)
	assert.Equal(t, 0.0, s.lower)
	assert.Equal(t, 1.0, s.upper)
}

func TestMeanSequenceExpectedZerosMatchSeen(t *testing.T) {
	// 500 zeros seen and 500 projected in batches of 10 land near the bound
	// of 1000 zeros seen, as the WAIT projection assumes.
	s := sequenceOf(make([]float64, 500), 0.025)
	for range 50 {
		s.addExpected(10, 0, 0)
	}
	assert.InEpsilon(t, 0.005267181370428431, s.upper, 0.001)
}
