package plot

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/vg"
)

var testStart = time.Date(2025, 3, 1, 22, 0, 0, 0, time.UTC)

// minuteSeries returns a series with one value a minute from testStart.
func minuteSeries(name string, values ...float64) Series {
	times := make([]time.Time, len(values))
	for i := range values {
		times[i] = testStart.Add(time.Duration(i) * time.Minute)
	}
	return Series{Name: name, Times: times, Values: values}
}

func TestTimeSeriesTwoSeries(t *testing.T) {
	tests := []struct {
		name          string
		width, height vg.Length
		wantWidth     string
		wantHeight    string
	}{
		{name: "default size", wantWidth: "453.54pt", wantHeight: "226.77pt"},
		{name: "custom size", width: 10 * vg.Centimeter, height: 6 * vg.Centimeter, wantWidth: "283.46pt", wantHeight: "170.08pt"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := TimeSeriesOptions{
				Title:  "p99 handshake latency",
				YLabel: "latency (ms)",
				Width:  tt.width,
				Height: tt.height,
			}
			svg, err := TimeSeries(opts,
				minuteSeries("NLB mTLS", 40, 42, 45, 41),
				minuteSeries("ALB mTLS", 55, 53, 58, 60),
			)
			if err != nil {
				t.Fatalf("TimeSeries: %v", err)
			}

			doc := parseSVG(t, svg)
			if doc.root.Name.Local != "svg" {
				t.Errorf("root element = <%s>, want <svg>", doc.root.Name.Local)
			}
			if got := attribute(doc.root, "width"); got != tt.wantWidth {
				t.Errorf("width = %q, want %q", got, tt.wantWidth)
			}
			if got := attribute(doc.root, "height"); got != tt.wantHeight {
				t.Errorf("height = %q, want %q", got, tt.wantHeight)
			}
			for _, text := range []string{"p99 handshake latency", "NLB mTLS", "ALB mTLS", "latency (ms)", DefaultTimeLabel} {
				if !doc.hasText(text) {
					t.Errorf("no <text> %q in %q", text, doc.texts)
				}
			}
		})
	}
}

func TestTimeSeriesLineStyles(t *testing.T) {
	svg, err := TimeSeries(TimeSeriesOptions{YLabel: "latency (ms)"},
		minuteSeries("NLB mTLS", 40, 42, 45, 41),
		minuteSeries("ALB mTLS", 55, 53, 58, 60),
	)
	if err != nil {
		t.Fatalf("TimeSeries: %v", err)
	}
	doc := parseSVG(t, svg)

	// Each series has one data line and one legend line.
	first := doc.pathsWithStyle("stroke:#0072B2;")
	if len(first) != 2 {
		t.Fatalf("got %d paths stroked in the first colour, want 2", len(first))
	}
	for _, path := range first {
		if strings.Contains(path.style, "stroke-dasharray") {
			t.Errorf("first series line is dashed (style %q), want solid", path.style)
		}
	}

	second := doc.pathsWithStyle("stroke:#D55E00;", "stroke-dasharray:6,3")
	if len(second) != 2 {
		t.Errorf("got %d dashed paths in the second colour, want 2", len(second))
	}

	// Circles are filled arcs and triangles are filled three-point paths.
	circles := doc.pathsWithStyle("fill:#0072B2")
	if len(circles) == 0 || !strings.Contains(circles[0].data, "A") {
		t.Errorf("first series glyphs = %v, want filled circles", circles)
	}
	triangles := doc.pathsWithStyle("fill:#D55E00")
	if len(triangles) == 0 || strings.Count(triangles[0].data, "L") != 2 {
		t.Errorf("second series glyphs = %v, want filled triangles", triangles)
	}
}

func TestTimeSeriesSingleSeriesHasNoLegend(t *testing.T) {
	svg, err := TimeSeries(TimeSeriesOptions{YLabel: "latency (ms)"}, minuteSeries("NLB mTLS", 1, 2, 3))
	if err != nil {
		t.Fatalf("TimeSeries: %v", err)
	}

	doc := parseSVG(t, svg)
	if doc.hasText("NLB mTLS") {
		t.Errorf("single-series chart has a legend entry: %q", doc.texts)
	}
}

func TestTimeSeriesGapsBreakLine(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name         string
		values       []float64
		wantSegments int
	}{
		{name: "no gap", values: []float64{1, 2, 3, 4, 5, 6}, wantSegments: 1},
		{name: "one gap", values: []float64{1, 2, 3, nan, 5, 6}, wantSegments: 2},
		{name: "two gaps", values: []float64{1, 2, nan, 4, 5, nan, 7, 8}, wantSegments: 3},
		{name: "leading and trailing NaN", values: []float64{nan, 2, 3, 4, nan}, wantSegments: 1},
		{name: "isolated point", values: []float64{1, 2, nan, 4, nan, 6, 7}, wantSegments: 2},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg, err := TimeSeries(TimeSeriesOptions{YLabel: "requests (per s)"}, minuteSeries("NLB", tt.values...))
			if err != nil {
				t.Fatalf("TimeSeries: %v", err)
			}

			doc := parseSVG(t, svg)
			lines := doc.pathsWithStyle("stroke:#0072B2;")
			if len(lines) != tt.wantSegments {
				t.Errorf("got %d line paths, want %d", len(lines), tt.wantSegments)
			}

			finite := 0
			for _, v := range tt.values {
				if !math.IsNaN(v) {
					finite++
				}
			}
			if glyphs := doc.pathsWithStyle("fill:#0072B2"); len(glyphs) != finite {
				t.Errorf("got %d glyphs, want one for each of the %d finite values", len(glyphs), finite)
			}
		})
	}
}

func TestTimeSeriesMarkers(t *testing.T) {
	markers := []Marker{
		{Time: testStart.Add(3 * time.Minute), Label: "gate: proceed"},
		{Time: testStart.Add(1 * time.Minute), Label: "gate: hold"},
		{Time: testStart.Add(2 * time.Minute)},
	}
	svg, err := TimeSeries(TimeSeriesOptions{YLabel: "latency (ms)", Markers: markers},
		minuteSeries("NLB", 40, 42, 45, 41, 43),
	)
	if err != nil {
		t.Fatalf("TimeSeries: %v", err)
	}

	doc := parseSVG(t, svg)
	for _, label := range []string{"gate: proceed", "gate: hold"} {
		if !doc.hasText(label) {
			t.Errorf("no <text> %q in %q", label, doc.texts)
		}
	}
	if lines := doc.pathsWithStyle("stroke:#444444;", "stroke-dasharray:3,2"); len(lines) != len(markers) {
		t.Errorf("got %d dashed marker lines, want %d", len(lines), len(markers))
	}
}

func TestTimeSeriesMarkerWidensRange(t *testing.T) {
	late := testStart.Add(3 * time.Hour)
	svg, err := TimeSeries(TimeSeriesOptions{YLabel: "latency (ms)", Markers: []Marker{{Time: late, Label: "rollback"}}},
		minuteSeries("NLB", 40, 42, 45),
	)
	if err != nil {
		t.Fatalf("TimeSeries: %v", err)
	}

	doc := parseSVG(t, svg)
	if !doc.hasText("rollback") {
		t.Errorf("no <text> for a marker after the data: %q", doc.texts)
	}
	if !doc.hasText("01:00") {
		t.Errorf("time axis does not reach the marker at 01:00, tick labels %q", doc.texts)
	}
}

func TestTimeSeriesYFromZero(t *testing.T) {
	tests := []struct {
		name      string
		yFromZero bool
		wantZero  bool
	}{
		{name: "from zero", yFromZero: true, wantZero: true},
		{name: "data range", yFromZero: false, wantZero: false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg, err := TimeSeries(TimeSeriesOptions{YLabel: "latency (ms)", YFromZero: tt.yFromZero},
				minuteSeries("NLB", 40, 42, 45, 41),
			)
			if err != nil {
				t.Fatalf("TimeSeries: %v", err)
			}

			doc := parseSVG(t, svg)
			if got := doc.hasText("0"); got != tt.wantZero {
				t.Errorf("tick label \"0\" present = %v, want %v (texts %q)", got, tt.wantZero, doc.texts)
			}
		})
	}
}

func TestTimeSeriesMissingYLabel(t *testing.T) {
	for _, label := range []string{"", "  "} {
		_, err := TimeSeries(TimeSeriesOptions{YLabel: label}, minuteSeries("NLB", 1, 2))
		if !errors.Is(err, ErrMissingYLabel) {
			t.Errorf("YLabel %q: error = %v, want ErrMissingYLabel", label, err)
		}
	}
}

func TestTimeSeriesInvalidInput(t *testing.T) {
	unsorted := minuteSeries("NLB", 1, 2, 3)
	unsorted.Times[2] = testStart.Add(-time.Minute)

	tests := []struct {
		name    string
		opts    TimeSeriesOptions
		series  []Series
		wantErr string
	}{
		{name: "no series", wantErr: "missing series"},
		{
			name:    "length mismatch",
			series:  []Series{{Name: "NLB", Times: []time.Time{testStart}, Values: []float64{1, 2}}},
			wantErr: "1 times but 2 values",
		},
		{name: "unsorted times", series: []Series{unsorted}, wantErr: "not sorted by time"},
		{name: "infinite value", series: []Series{minuteSeries("NLB", 1, math.Inf(1))}, wantErr: "infinite value"},
		{
			name:    "unnamed series",
			series:  []Series{minuteSeries("NLB", 1), minuteSeries("", 2)},
			wantErr: "series 1 is missing a Name",
		},
		{
			name:    "negative size",
			opts:    TimeSeriesOptions{Width: -1},
			series:  []Series{minuteSeries("NLB", 1)},
			wantErr: "invalid size",
		},
		{
			name:    "zero marker time",
			opts:    TimeSeriesOptions{Markers: []Marker{{Label: "gate"}}},
			series:  []Series{minuteSeries("NLB", 1)},
			wantErr: "missing its Time",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.YLabel = "latency (ms)"
			_, err := TimeSeries(tt.opts, tt.series...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestTimeSeriesNoData(t *testing.T) {
	tests := []struct {
		name   string
		series []Series
	}{
		{name: "empty series", series: []Series{{Name: "NLB"}}},
		{name: "all NaN", series: []Series{minuteSeries("NLB", math.NaN(), math.NaN())}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := TimeSeries(TimeSeriesOptions{YLabel: "latency (ms)"}, tt.series...)
			if !errors.Is(err, ErrNoData) {
				t.Errorf("error = %v, want ErrNoData", err)
			}
		})
	}
}

func TestGlyphIndices(t *testing.T) {
	nan := math.NaN()

	// The value at index 2*maxGlyphs-2 sits between two NaN values. Its
	// index is even, but the thinning step of two reaches it only through
	// the rule for isolated values, because the NaNs shift the count.
	isolated := make([]float64, 2*maxGlyphs)
	isolated[2*maxGlyphs-3] = nan
	isolated[2*maxGlyphs-1] = nan

	tests := []struct {
		name        string
		values      []float64
		series      int
		seriesCount int
		want        []int
	}{
		{name: "few values", values: []float64{1, 2, nan, 4}, seriesCount: 1, want: []int{0, 1, 3}},
		{name: "every other value", values: make([]float64, 2*maxGlyphs), seriesCount: 1, want: evenNumbers(2 * maxGlyphs)},
		{name: "second series shifted", values: make([]float64, 2*maxGlyphs), series: 1, seriesCount: 2, want: oddNumbers(2 * maxGlyphs)},
		{name: "isolated value kept", values: isolated, seriesCount: 1, want: append(evenNumbers(2*maxGlyphs-3), 2*maxGlyphs-2)},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := glyphIndices(tt.values, tt.series, tt.seriesCount)
			if !slices.Equal(got, tt.want) {
				t.Errorf("glyphIndices = %v, want %v", got, tt.want)
			}
		})
	}
}

func evenNumbers(below int) []int {
	var numbers []int
	for i := 0; i < below; i += 2 {
		numbers = append(numbers, i)
	}
	return numbers
}

func oddNumbers(below int) []int {
	var numbers []int
	for i := 1; i < below; i += 2 {
		numbers = append(numbers, i)
	}
	return numbers
}

func TestTimeSeriesLeavesEmptySeriesOutOfLegend(t *testing.T) {
	nan := math.NaN()
	svg, err := TimeSeries(TimeSeriesOptions{YLabel: "handshake time (ms)"},
		minuteSeries("alb p50", 40, 42, 45),
		minuteSeries("nlb p50", nan, nan, nan),
		minuteSeries("alb p90", 80, 85, 90),
	)
	if err != nil {
		t.Fatalf("TimeSeries: %v", err)
	}

	doc := parseSVG(t, svg)
	for _, name := range []string{"alb p50", "alb p90"} {
		if !doc.hasText(name) {
			t.Errorf("no legend entry %q in %q", name, doc.texts)
		}
	}
	if doc.hasText("nlb p50") {
		t.Errorf("series without values has a legend entry: %q", doc.texts)
	}
	// The third series keeps the style of index 2, as it has in a chart
	// where the second series has values.
	if lines := doc.pathsWithStyle("stroke:#009E73;"); len(lines) != 2 {
		t.Errorf("got %d paths in the third colour, want the data line and the legend line", len(lines))
	}
}
