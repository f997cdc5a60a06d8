package plot

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

var failureReasons = []string{"expired certificate", "unknown CA", "handshake timeout"}

// fillStyle returns the SVG fill style of the bars of series number index.
func fillStyle(index int) string {
	r, g, b, _ := tint(palette[index], 0.5).RGBA()
	return fmt.Sprintf("fill:#%02X%02X%02X", r>>8, g>>8, b>>8)
}

func TestBarsTwoSeriesThreeGroups(t *testing.T) {
	svg, err := Bars(BarOptions{Title: "Failures by reason", YLabel: "failures (count)", XLabel: "reason"},
		failureReasons,
		BarSeries{Name: "NLB mTLS", Values: []float64{12, 3, 7}},
		BarSeries{Name: "ALB mTLS", Values: []float64{10, 5, math.NaN()}},
	)
	if err != nil {
		t.Fatalf("Bars: %v", err)
	}

	doc := parseSVG(t, svg)
	if doc.root.Name.Local != "svg" {
		t.Errorf("root element = <%s>, want <svg>", doc.root.Name.Local)
	}
	if got := attribute(doc.root, "width"); got != "453.54pt" {
		t.Errorf("width = %q, want the default 453.54pt", got)
	}

	wantTexts := append([]string{"Failures by reason", "failures (count)", "reason", "NLB mTLS", "ALB mTLS"}, failureReasons...)
	for _, text := range wantTexts {
		if !doc.hasText(text) {
			t.Errorf("no <text> %q in %q", text, doc.texts)
		}
	}

	// Each series has one filled rectangle per bar and one in the legend.
	// The NaN value of the second series has no bar.
	if fills := doc.pathsWithStyle(fillStyle(0)); len(fills) != 3+1 {
		t.Errorf("got %d rectangles in the first fill, want 4", len(fills))
	}
	if fills := doc.pathsWithStyle(fillStyle(1)); len(fills) != 2+1 {
		t.Errorf("got %d rectangles in the second fill, want 3", len(fills))
	}
}

func TestBarsNegativeValue(t *testing.T) {
	svg, err := Bars(BarOptions{YLabel: "change (count)"}, []string{"a", "b"},
		BarSeries{Name: "delta", Values: []float64{-4, 6}},
	)
	if err != nil {
		t.Fatalf("Bars: %v", err)
	}

	doc := parseSVG(t, svg)
	if !doc.hasText("0") {
		t.Errorf("no tick label \"0\" at the bar base: %q", doc.texts)
	}
	if fills := doc.pathsWithStyle(fillStyle(0)); len(fills) != 2 {
		t.Errorf("got %d bars, want 2 and no legend for one series", len(fills))
	}
}

func TestBarsMissingYLabel(t *testing.T) {
	_, err := Bars(BarOptions{}, []string{"a"}, BarSeries{Name: "NLB", Values: []float64{1}})
	if !errors.Is(err, ErrMissingYLabel) {
		t.Errorf("error = %v, want ErrMissingYLabel", err)
	}
}

func TestBarsInvalidInput(t *testing.T) {
	tests := []struct {
		name    string
		groups  []string
		series  []BarSeries
		wantErr string
	}{
		{name: "no groups", series: []BarSeries{{Name: "NLB"}}, wantErr: "missing groups"},
		{name: "no series", groups: []string{"a"}, wantErr: "missing bar series"},
		{
			name:    "length mismatch",
			groups:  []string{"a", "b"},
			series:  []BarSeries{{Name: "NLB", Values: []float64{1}}},
			wantErr: "1 values for 2 groups",
		},
		{
			name:    "infinite value",
			groups:  []string{"a"},
			series:  []BarSeries{{Name: "NLB", Values: []float64{math.Inf(-1)}}},
			wantErr: `infinite value in group "a"`,
		},
		{
			name:    "unnamed series",
			groups:  []string{"a"},
			series:  []BarSeries{{Name: "NLB", Values: []float64{1}}, {Values: []float64{2}}},
			wantErr: "bar series 1 is missing a Name",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Bars(BarOptions{YLabel: "failures (count)"}, tt.groups, tt.series...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestBarsHorizontal(t *testing.T) {
	longReason := "SSL_do_handshake() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading)"
	groups := []string{"expired", longReason}
	svg, err := Bars(BarOptions{YLabel: "failures (count)", XLabel: "reason", Horizontal: true}, groups,
		BarSeries{Name: "alb", Values: []float64{12, math.NaN()}},
		BarSeries{Name: "nlb", Values: []float64{10, 3}},
	)
	if err != nil {
		t.Fatalf("Bars: %v", err)
	}

	doc := parseSVG(t, svg)
	for _, text := range append([]string{"failures (count)", "reason", "alb", "nlb"}, groups...) {
		if !doc.hasText(text) {
			t.Errorf("no <text> %q in %q", text, doc.texts)
		}
	}
	if fills := doc.pathsWithStyle(fillStyle(0)); len(fills) != 1+1 {
		t.Errorf("got %d rectangles in the first fill, want 2", len(fills))
	}
	if fills := doc.pathsWithStyle(fillStyle(1)); len(fills) != 2+1 {
		t.Errorf("got %d rectangles in the second fill, want 3", len(fills))
	}
}
