package stats

import "math"

// ebTruncation caps each bet λ of the empirical Bernstein confidence
// sequence. Waudby-Smith and Ramdas use 1/2 or 3/4. 3/4 is used here because
// it matters most when failures are rare: with no failures at all the upper
// bound after n clients is about log(1/α)/(0.75·n), against log(1/α)/(0.5·n)
// with 1/2.
const ebTruncation = 0.75

// meanSequence is a one-pass, time-uniform confidence sequence for the mean
// of observations in [0, 1]: the predictable plug-in empirical Bernstein
// (PrPl-EB) confidence sequence of Waudby-Smith and Ramdas.
//
// After t observations x_1..x_t the bounds are
//
//	Σλ_i·x_i / Σλ_i  ±  (log(1/α) + Σ v_i·ψ(λ_i)) / Σλ_i
//
// with ψ(λ) = −log(1−λ) − λ, v_i = (x_i − μ̂_{i−1})², and the bet
//
//	λ_i = min(√(2·log(1/α) / (σ̂²_{i−1}·i·log(1+i))), ebTruncation),
//
// where μ̂_i = (1/2 + Σ_{j≤i} x_j)/(i+1) and σ̂²_i = (1/4 + Σ_{j≤i} (x_j −
// μ̂_j)²)/(i+1) only use earlier observations when λ_i and v_i need them.
// Each bound holds, with probability at least 1 − α, at every t at once, so a
// bound may be read after every observation. The sequence keeps the running
// intersection of all bounds so far. That needs the observations in an order
// fixed before their values are seen (first seen first, say) and each with the
// same conditional mean given the ones before it.
type meanSequence struct {
	logInvAlpha float64

	// n, sumX and sumSq give μ̂ and σ̂².
	n, sumX, sumSq float64

	// sumLambda, sumLambdaX and sumVPsi are the sums in the bounds.
	sumLambda, sumLambdaX, sumVPsi float64

	lower, upper float64
}

// newMeanSequence starts a confidence sequence whose lower bound and upper
// bound each fail with probability at most alpha.
func newMeanSequence(alpha float64) *meanSequence {
	return &meanSequence{logInvAlpha: math.Log(1 / alpha), lower: 0, upper: 1}
}

// add takes the next observation, which must lie in [0, 1].
func (s *meanSequence) add(x float64) {
	t := s.n + 1
	muPrev := (0.5 + s.sumX) / t
	varPrev := (0.25 + s.sumSq) / t
	lambda := s.bet(t, varPrev)

	s.accumulate(1, lambda, x, (x-muPrev)*(x-muPrev))
	s.sumX += x
	s.n = t
	mu := (0.5 + s.sumX) / (t + 1)
	s.sumSq += (x - mu) * (x - mu)
	s.intersect()
}

// addExpected advances the sequence by count observations that are not yet
// seen, as if each had the given mean and variance: their expected
// contribution to every sum, with the bet evaluated at the middle of the
// batch. The WAIT projections use it to ask how many more clients like the
// ones seen so far would settle a check. The bounds it gives are estimates,
// not confidence bounds.
func (s *meanSequence) addExpected(count, mean, variance float64) {
	if count <= 0 {
		return
	}
	tMid := s.n + (count+1)/2
	before := tMid - 1 - s.n
	muPrev := (0.5 + s.sumX + before*mean) / tMid
	varPrev := (0.25 + s.sumSq + before*variance) / tMid
	lambda := s.bet(tMid, varPrev)

	v := variance + (mean-muPrev)*(mean-muPrev)
	s.accumulate(count, lambda, mean, v)
	s.sumX += count * mean
	s.sumSq += count * variance
	s.n += count
	s.intersect()
}

// bet returns λ for observation number t given σ̂² of the ones before it.
func (s *meanSequence) bet(t, varPrev float64) float64 {
	return math.Min(math.Sqrt(2*s.logInvAlpha/(varPrev*t*math.Log1p(t))), ebTruncation)
}

// accumulate adds count observations with bet lambda, value x and variance
// term v to the sums in the bounds.
func (s *meanSequence) accumulate(count, lambda, x, v float64) {
	s.sumLambda += count * lambda
	s.sumLambdaX += count * lambda * x
	s.sumVPsi += count * v * psi(lambda)
}

// psiTruncated is psi(ebTruncation), the most common value by far when
// failures are rare.
var psiTruncated = -math.Log1p(-ebTruncation) - ebTruncation

// psi returns −log(1−λ) − λ.
func psi(lambda float64) float64 {
	if lambda == ebTruncation {
		return psiTruncated
	}
	return -math.Log1p(-lambda) - lambda
}

// intersect narrows the bounds to the ones after the latest observation.
func (s *meanSequence) intersect() {
	center := s.sumLambdaX / s.sumLambda
	half := (s.logInvAlpha + s.sumVPsi) / s.sumLambda
	s.lower = math.Max(s.lower, center-half)
	s.upper = math.Min(s.upper, center+half)
}

// clone returns an independent copy, for projections that must not change
// the sequence they start from.
func (s *meanSequence) clone() *meanSequence {
	c := *s
	return &c
}
