package plot

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestOutputIsDeterministic(t *testing.T) {
	charts := []struct {
		name string
		draw func() ([]byte, error)
	}{
		{
			name: "time series",
			draw: func() ([]byte, error) {
				return TimeSeries(TimeSeriesOptions{
					Title:   "p99 latency",
					YLabel:  "latency (ms)",
					Markers: []Marker{{Time: testStart.Add(2 * time.Minute), Label: "gate: hold"}},
				},
					minuteSeries("NLB", 1, 2, math.NaN(), 4),
					minuteSeries("ALB", 4, 3, 2, 1),
				)
			},
		},
		{
			name: "bars",
			draw: func() ([]byte, error) {
				return Bars(BarOptions{YLabel: "failures (count)"}, failureReasons,
					BarSeries{Name: "NLB", Values: []float64{1, 2, 3}},
					BarSeries{Name: "ALB", Values: []float64{3, 2, 1}},
				)
			},
		},
	}

	for _, chart := range charts {
		t.Run(chart.name, func(t *testing.T) {
			first, err := chart.draw()
			if err != nil {
				t.Fatalf("first draw: %v", err)
			}
			second, err := chart.draw()
			if err != nil {
				t.Fatalf("second draw: %v", err)
			}
			if !bytes.Equal(first, second) {
				t.Errorf("two draws of the same input differ (%d and %d bytes)", len(first), len(second))
			}
		})
	}
}

func TestFontsNeedNoNetwork(t *testing.T) {
	tests := []struct {
		name       string
		embedFonts bool
	}{
		{name: "font named", embedFonts: false},
		{name: "font embedded", embedFonts: true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg, err := TimeSeries(TimeSeriesOptions{YLabel: "latency (ms)", EmbedFonts: tt.embedFonts},
				minuteSeries("NLB", 1, 2, 3),
			)
			if err != nil {
				t.Fatalf("TimeSeries: %v", err)
			}
			text := string(svg)

			if !strings.Contains(text, "font-family:'Liberation Sans',Arimo,Arial,Helvetica,sans-serif;") {
				t.Error("text style does not name Liberation Sans with its fallbacks")
			}
			if strings.Contains(text, "url(http") || strings.Contains(text, `href="http`) {
				t.Error("SVG refers to a network resource")
			}

			embedded := strings.Contains(text, "@font-face") && strings.Contains(text, "url(data:font/ttf;")
			if embedded != tt.embedFonts {
				t.Errorf("font data embedded = %v, want %v", embedded, tt.embedFonts)
			}
		})
	}
}

// TestStylesAreDistinct checks that each series style differs from the
// others in more than colour.
func TestStylesAreDistinct(t *testing.T) {
	if len(dashPatterns) != styleCount || len(glyphShapes) != styleCount || len(hatchPatterns) != styleCount {
		t.Fatalf("style lists have lengths %d, %d, %d, %d, want all equal",
			len(palette), len(dashPatterns), len(glyphShapes), len(hatchPatterns))
	}

	seen := map[string]int{}
	for i := range styleCount {
		for kind, value := range map[string]any{
			"colour": palette[i],
			"dashes": dashPatterns[i],
			"glyph":  glyphShapes[i],
			"hatch":  hatchPatterns[i],
		} {
			key := fmt.Sprintf("%s %T %v", kind, value, value)
			if previous, ok := seen[key]; ok {
				t.Errorf("styles %d and %d have the same %s", previous, i, kind)
			}
			seen[key] = i
		}
	}
}
