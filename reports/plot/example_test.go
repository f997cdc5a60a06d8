package plot_test

import (
	"fmt"
	"log"
	"math"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/reports/plot"
)

func ExampleTimeSeries() {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	times := []time.Time{start, start.Add(time.Minute), start.Add(2 * time.Minute), start.Add(3 * time.Minute)}

	svg, err := plot.TimeSeries(plot.TimeSeriesOptions{
		Title:     "p99 handshake latency",
		YLabel:    "latency (ms)",
		YFromZero: true,
		Markers:   []plot.Marker{{Time: start.Add(2 * time.Minute), Label: "gate: proceed"}},
	},
		// NaN leaves a gap in the NLB line.
		plot.Series{Name: "NLB mTLS", Times: times, Values: []float64{41, 43, math.NaN(), 40}},
		plot.Series{Name: "ALB mTLS", Times: times, Values: []float64{52, 55, 51, 50}},
	)
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(strings.Contains(string(svg), "<svg"))
	// Output: true
}

func ExampleBars() {
	svg, err := plot.Bars(plot.BarOptions{Title: "Failures by reason", YLabel: "failures (count)"},
		[]string{"expired certificate", "unknown CA", "handshake timeout"},
		plot.BarSeries{Name: "NLB mTLS", Values: []float64{12, 3, 7}},
		plot.BarSeries{Name: "ALB mTLS", Values: []float64{10, 5, 0}},
	)
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(strings.Contains(string(svg), "unknown CA"))
	// Output: true
}
