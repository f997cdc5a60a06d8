package plot

import (
	"testing"

	"gonum.org/v1/plot/vg"
)

func TestHatchLinesStayInsideBar(t *testing.T) {
	bar := vg.Rectangle{
		Min: vg.Point{X: 10.3, Y: 4.1},
		Max: vg.Point{X: 31.7, Y: 60.9},
	}

	for _, pattern := range hatchPatterns {
		lines := pattern.lines(bar)
		if pattern == hatchNone {
			if len(lines) != 0 {
				t.Errorf("hatchNone gave %d lines, want none", len(lines))
			}
			continue
		}

		if len(lines) == 0 {
			t.Errorf("pattern %d gave no lines", pattern)
		}
		for _, line := range lines {
			if len(line) != 2 {
				t.Fatalf("pattern %d gave a line of %d points, want 2", pattern, len(line))
			}
			for _, point := range line {
				if !insideWithTolerance(bar, point) {
					t.Errorf("pattern %d has point %v outside the bar %v", pattern, point, bar)
				}
			}
		}
	}
}

func insideWithTolerance(r vg.Rectangle, p vg.Point) bool {
	const tolerance = 1e-9
	return p.X >= r.Min.X-tolerance && p.X <= r.Max.X+tolerance &&
		p.Y >= r.Min.Y-tolerance && p.Y <= r.Max.Y+tolerance
}
