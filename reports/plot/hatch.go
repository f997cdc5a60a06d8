package plot

import (
	"math"

	"gonum.org/v1/plot/vg"
)

// hatch is a fill pattern of parallel lines, so that bar series differ in
// print and for readers who cannot tell the fill colours apart.
type hatch int

const (
	hatchNone       hatch = iota
	hatchForward          // lines rising to the right, like "/"
	hatchBackward         // lines falling to the right, like "\"
	hatchCross            // both diagonals
	hatchHorizontal       // horizontal lines
	hatchVertical         // vertical lines
	hatchGrid             // horizontal and vertical lines
)

// hatchSpacing is the distance between neighbouring hatch lines, measured
// at right angles to them.
const hatchSpacing = vg.Length(3.5)

// lines returns the hatch line segments clipped to r. The lines sit at
// fixed multiples of hatchSpacing in canvas coordinates, so the pattern
// lines up across bars.
func (h hatch) lines(r vg.Rectangle) [][]vg.Point {
	switch h {
	case hatchForward:
		return diagonalLines(r, 1)
	case hatchBackward:
		return diagonalLines(r, -1)
	case hatchCross:
		return append(diagonalLines(r, 1), diagonalLines(r, -1)...)
	case hatchHorizontal:
		return horizontalLines(r)
	case hatchVertical:
		return verticalLines(r)
	case hatchGrid:
		return append(horizontalLines(r), verticalLines(r)...)
	default:
		return nil
	}
}

// diagonalLines returns the lines y = slope·x + k, with slope 1 or -1,
// clipped to r.
func diagonalLines(r vg.Rectangle, slope float64) [][]vg.Point {
	minX, maxX := float64(r.Min.X), float64(r.Max.X)
	minY, maxY := float64(r.Min.Y), float64(r.Max.Y)

	// The lines are hatchSpacing apart at right angles, which is √2 times
	// that along the y axis.
	step := float64(hatchSpacing) * math.Sqrt2

	// The intercept k ranges over the lines that cross r.
	kMin, kMax := minY-maxX, maxY-minX
	if slope < 0 {
		kMin, kMax = minY+minX, maxY+maxX
	}

	var lines [][]vg.Point
	for n := math.Ceil(kMin / step); n*step <= kMax; n++ {
		k := n * step

		// The x interval on which the line stays inside r vertically.
		x0, x1 := minY-k, maxY-k
		if slope < 0 {
			x0, x1 = k-maxY, k-minY
		}
		x0, x1 = math.Max(x0, minX), math.Min(x1, maxX)
		if x0 >= x1 {
			continue
		}

		lines = append(lines, []vg.Point{
			{X: vg.Length(x0), Y: vg.Length(slope*x0 + k)},
			{X: vg.Length(x1), Y: vg.Length(slope*x1 + k)},
		})
	}
	return lines
}

func horizontalLines(r vg.Rectangle) [][]vg.Point {
	var lines [][]vg.Point
	for _, y := range gridPositions(r.Min.Y, r.Max.Y) {
		lines = append(lines, []vg.Point{{X: r.Min.X, Y: y}, {X: r.Max.X, Y: y}})
	}
	return lines
}

func verticalLines(r vg.Rectangle) [][]vg.Point {
	var lines [][]vg.Point
	for _, x := range gridPositions(r.Min.X, r.Max.X) {
		lines = append(lines, []vg.Point{{X: x, Y: r.Min.Y}, {X: x, Y: r.Max.Y}})
	}
	return lines
}

// gridPositions returns the multiples of hatchSpacing strictly between low
// and high. Lines on the edge would only thicken the outline.
func gridPositions(low, high vg.Length) []vg.Length {
	var positions []vg.Length
	for n := math.Floor(float64(low/hatchSpacing)) + 1; vg.Length(n)*hatchSpacing < high; n++ {
		positions = append(positions, vg.Length(n)*hatchSpacing)
	}
	return positions
}
