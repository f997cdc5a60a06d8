package plot

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/plot/vg"
)

// DefaultTimeLabel is the x-axis label of a time-series chart when
// TimeSeriesOptions.XLabel is empty. The axis always shows UTC.
const DefaultTimeLabel = "time (UTC)"

// ErrNoData is returned when no series has a single finite value to draw.
var ErrNoData = errors.New("plot: no data (every series is empty or all NaN)")

// Series is one line on a time-series chart. Values[i] is the value at
// Times[i]. A NaN value is a gap that breaks the line. Times must not
// decrease.
type Series struct {
	Name   string
	Times  []time.Time
	Values []float64
}

// Marker is a vertical dashed line at Time with a short Label next to its
// top, such as a gate decision.
type Marker struct {
	Time  time.Time
	Label string
}

// TimeSeriesOptions configures TimeSeries. Only YLabel is required.
type TimeSeriesOptions struct {
	Title string

	// YLabel names the quantity and its unit, such as "p99 latency (ms)".
	YLabel string

	// XLabel defaults to DefaultTimeLabel.
	XLabel string

	// Width and Height are the chart size. Zero means DefaultWidth or
	// DefaultHeight.
	Width, Height vg.Length

	// Markers are drawn over the data. The x axis grows to include every
	// marker.
	Markers []Marker

	// YFromZero extends the y axis to include zero.
	YFromZero bool

	// EmbedFonts embeds the Liberation Sans font data in the SVG, which
	// adds several hundred kilobytes.
	EmbedFonts bool
}

// TimeSeries draws the series as lines against UTC time and returns the
// chart as an SVG document. A series without a finite value is left out of
// the chart and its legend. It returns ErrMissingYLabel when opts.YLabel is
// empty and ErrNoData when no series has a finite value.
func TimeSeries(opts TimeSeriesOptions, series ...Series) ([]byte, error) {
	if err := checkYLabel(opts.YLabel); err != nil {
		return nil, err
	}
	width, height, err := resolveSize(opts.Width, opts.Height)
	if err != nil {
		return nil, err
	}
	if err := validateSeries(series); err != nil {
		return nil, err
	}
	if err := validateMarkers(opts.Markers); err != nil {
		return nil, err
	}

	xLabel := opts.XLabel
	if xLabel == "" {
		xLabel = DefaultTimeLabel
	}
	p := newPlot(opts.Title, xLabel, opts.YLabel, gridLines{horizontal: true, vertical: true})
	p.X.Tick.Marker = timeTicker{}

	legend := newLegend()
	for i, s := range series {
		// A series without a finite value would only add a legend entry
		// for a line that is not there. The others keep the style of
		// their index, so charts that pass the same series in the same
		// order draw each series alike.
		if !hasFiniteValue(s.Values) {
			continue
		}
		line := newSeriesPlotter(s, i, len(series))
		p.Add(line)
		legend.Add(s.Name, line)
	}
	if len(opts.Markers) > 0 {
		p.Add(newMarkerPlotter(opts.Markers))
	}

	if opts.YFromZero {
		p.Y.Min = math.Min(p.Y.Min, 0)
		p.Y.Max = math.Max(p.Y.Max, 0)
	}

	if len(series) < 2 {
		return renderSVG(p, nil, width, height, opts.EmbedFonts)
	}
	return renderSVG(p, &legend, width, height, opts.EmbedFonts)
}

func validateSeries(series []Series) error {
	if len(series) == 0 {
		return errors.New("plot: missing series (pass at least one Series)")
	}

	finite := 0
	for i, s := range series {
		if s.Name == "" && len(series) > 1 {
			return fmt.Errorf("plot: series %d is missing a Name (the legend shows a name for each series)", i)
		}
		if len(s.Times) != len(s.Values) {
			return fmt.Errorf("plot: series %q has %d times but %d values (they must pair up)", s.Name, len(s.Times), len(s.Values))
		}

		for j, v := range s.Values {
			if math.IsInf(v, 0) {
				return fmt.Errorf("plot: series %q has an invalid infinite value at %s (use NaN for a gap)", s.Name, s.Times[j].UTC().Format(time.RFC3339Nano))
			}
			if !math.IsNaN(v) {
				finite++
			}
			if j > 0 && s.Times[j].Before(s.Times[j-1]) {
				return fmt.Errorf("plot: series %q is not sorted by time (%s comes after %s, so sort it by Times)", s.Name,
					s.Times[j].UTC().Format(time.RFC3339Nano), s.Times[j-1].UTC().Format(time.RFC3339Nano))
			}
		}
	}

	if finite == 0 {
		return ErrNoData
	}
	return nil
}

func hasFiniteValue(values []float64) bool {
	for _, v := range values {
		if !math.IsNaN(v) {
			return true
		}
	}
	return false
}

func validateMarkers(markers []Marker) error {
	for i, m := range markers {
		if m.Time.IsZero() {
			return fmt.Errorf("plot: marker %d (%q) is missing its Time", i, m.Label)
		}
	}
	return nil
}

// sortedMarkers returns a copy of markers ordered by time, so that label
// placement does not depend on the caller's order.
func sortedMarkers(markers []Marker) []Marker {
	sorted := slices.Clone(markers)
	slices.SortStableFunc(sorted, func(a, b Marker) int {
		return a.Time.Compare(b.Time)
	})
	return sorted
}
