package main

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cutover-dev/cutover/reports"
	"github.com/cutover-dev/cutover/reports/plot"
)

// reportPaths are the two paths in the order the report shows them.
var reportPaths = []string{"alb", "nlb"}

// expiringWithin is the horizon of the report's expiring section.
const expiringWithin = 30 * 24 * time.Hour

// failingIdentitiesShown is how many rows of certs_failing the clients
// section lists.
const failingIdentitiesShown = 20

// timeSeriesFigure draws the series as a figure of query. It returns false
// without an error when no series has a finite value.
func (b reportBuilder) timeSeriesFigure(title, query string, opts plot.TimeSeriesOptions, series ...plot.Series) (reports.Figure, bool, error) {
	svg, err := plot.TimeSeries(opts, series...)
	if errors.Is(err, plot.ErrNoData) {
		return reports.Figure{}, false, nil
	}
	if err != nil {
		return reports.Figure{}, false, fmt.Errorf("draw %q: %w", title, err)
	}
	return reports.Figure{Title: title, SVG: svg, Query: query, Window: b.window}, true, nil
}

// seriesByPath returns one series per path, named by name, with the
// bucket_start times and the values of column value from that path's rows.
func seriesByPath(t table, value string, name func(path string) string) []plot.Series {
	var series []plot.Series
	for _, path := range reportPaths {
		s := plot.Series{Name: name(path)}
		for _, row := range t.rows {
			if stringValue(cellValue(t, row, "path")) != path {
				continue
			}
			s.Times = append(s.Times, timeValue(cellValue(t, row, "bucket_start")))
			s.Values = append(s.Values, floatValue(cellValue(t, row, value)))
		}
		series = append(series, s)
	}
	return series
}

func (b reportBuilder) timelineSection(decisions table) (reports.Section, error) {
	section := reports.Section{
		ID:     reports.SectionTimeline,
		Title:  "ALB share and gate decisions",
		Query:  "report_share_by_interval",
		Window: b.window,
	}
	shares, err := b.query("report_share_by_interval", nil)
	if err != nil {
		return section, err
	}

	observed := plot.Series{Name: "ALB observed share"}
	configured := plot.Series{Name: "ALB configured weight"}
	for _, row := range shares.rows {
		at := timeValue(cellValue(shares, row, "bucket_start"))
		observed.Times = append(observed.Times, at)
		observed.Values = append(observed.Values, floatValue(cellValue(shares, row, "alb_share_percent")))
		configured.Times = append(configured.Times, at)
		configured.Values = append(configured.Values, floatValue(cellValue(shares, row, "alb_weight_percent")))
	}

	var markers []plot.Marker
	for _, row := range decisions.rows {
		markers = append(markers, plot.Marker{
			Time:  timeValue(cellValue(decisions, row, "time")),
			Label: stringValue(cellValue(decisions, row, "kind")) + " " + stringValue(cellValue(decisions, row, "verdict")),
		})
	}

	opts := plot.TimeSeriesOptions{
		Title:     "ALB share of connections",
		YLabel:    "share of connections (%)",
		Markers:   markers,
		YFromZero: true,
	}
	figure, ok, err := b.timeSeriesFigure("ALB share of connections and configured weight", "report_share_by_interval", opts, observed, configured)
	if err != nil {
		return section, err
	}
	if ok {
		section.Figures = append(section.Figures, figure)
	}
	if len(decisions.rows) > 0 {
		section.Tables = append(section.Tables, reportTable("Gate decisions (report_gate_decisions)", decisions, 0))
	} else {
		section.Text = append(section.Text, "No gate decision in the window.")
	}
	if !ok && len(decisions.rows) == 0 {
		section.Text = nil
		section.Empty = "No connection and no gate decision in the window."
	}
	return section, nil
}

func (b reportBuilder) handshakesSection() (reports.Section, error) {
	section := reports.Section{
		ID:     reports.SectionHandshakes,
		Title:  "Handshake failures",
		Query:  "report_handshakes_by_interval",
		Window: b.window,
	}
	byInterval, err := b.query("report_handshakes_by_interval", nil)
	if err != nil {
		return section, err
	}
	series := seriesByPath(byInterval, "failed_percent", func(path string) string { return path })
	opts := plot.TimeSeriesOptions{Title: "Failure rate per path", YLabel: "failure rate (%)", YFromZero: true}
	figure, ok, err := b.timeSeriesFigure("Failure rate per path", "report_handshakes_by_interval", opts, series...)
	if err != nil {
		return section, err
	}
	if ok {
		section.Figures = append(section.Figures, figure)
	}

	reasons, err := b.query("report_failures_by_reason", nil)
	if err != nil {
		return section, err
	}
	if len(reasons.rows) > 0 {
		svg, err := failuresByReasonBars(reasons)
		if err != nil {
			return section, err
		}
		section.Figures = append(section.Figures, reports.Figure{
			Title:  "Failed connections by reason",
			SVG:    svg,
			Query:  "report_failures_by_reason",
			Window: b.window,
		})
		section.Tables = append(section.Tables, reportTable("Failed connections by path and reason (report_failures_by_reason)", reasons, 0))
	}
	if len(section.Figures) == 0 {
		section.Empty = "No connection in the window."
	}
	return section, nil
}

// failuresByReasonBars draws one group per reason with one bar per path.
// A failure without a logged reason is grouped under its outcome.
func failuresByReasonBars(reasons table) ([]byte, error) {
	var groups []string
	counts := make(map[string]map[string]float64)
	for _, row := range reasons.rows {
		reason := stringValue(cellValue(reasons, row, "reason_raw"))
		if reason == "" {
			reason = stringValue(cellValue(reasons, row, "outcome"))
		}
		if _, ok := counts[reason]; !ok {
			groups = append(groups, reason)
			counts[reason] = make(map[string]float64)
		}
		path := stringValue(cellValue(reasons, row, "path"))
		counts[reason][path] += floatValue(cellValue(reasons, row, "connections"))
	}

	var series []plot.BarSeries
	for _, path := range reportPaths {
		s := plot.BarSeries{Name: path}
		for _, group := range groups {
			value, ok := counts[group][path]
			if !ok {
				value = math.NaN()
			}
			s.Values = append(s.Values, value)
		}
		series = append(series, s)
	}
	opts := plot.BarOptions{Title: "Failed connections by reason", YLabel: "failed connections (count)", XLabel: "reason"}
	svg, err := plot.Bars(opts, groups, series...)
	if err != nil {
		return nil, fmt.Errorf("draw failed connections by reason: %w", err)
	}
	return svg, nil
}

func (b reportBuilder) latencySection() (reports.Section, error) {
	section := reports.Section{
		ID:     reports.SectionLatency,
		Title:  "Latency",
		Query:  "report_latency_by_interval",
		Window: b.window,
	}
	latency, err := b.query("report_latency_by_interval", nil)
	if err != nil {
		return section, err
	}

	charts := []struct {
		title, column, yLabel string
	}{
		{"time to response headers", "header", "time to response headers (ms)"},
		{"TLS handshake time", "handshake", "TLS handshake time (ms)"},
	}
	for _, chart := range charts {
		var series []plot.Series
		for _, quantile := range []string{"p50", "p90", "p99"} {
			column := chart.column + "_" + quantile + "_ms"
			series = append(series, seriesByPath(latency, column, func(path string) string { return path + " " + quantile })...)
		}
		title := "Quantiles of the " + chart.title + " per path"
		opts := plot.TimeSeriesOptions{Title: title, YLabel: chart.yLabel, YFromZero: true}
		figure, ok, err := b.timeSeriesFigure(title, "report_latency_by_interval", opts, series...)
		if err != nil {
			return section, err
		}
		if ok {
			section.Figures = append(section.Figures, figure)
		}
	}
	if len(section.Figures) == 0 {
		section.Empty = "No request or handshake time logged in the window."
	}
	return section, nil
}

func (b reportBuilder) clientsSection() (reports.Section, error) {
	section := reports.Section{
		ID:     reports.SectionClients,
		Title:  "Clients left behind and failing",
		Query:  "certs_left_behind",
		Window: b.window,
	}
	leftBehind, err := b.query("certs_left_behind", nil)
	if err != nil {
		return section, err
	}
	failing, err := b.query("certs_failing", nil)
	if err != nil {
		return section, err
	}
	if len(leftBehind.rows) == 0 && len(failing.rows) == 0 {
		section.Empty = "No client failed a connection in the window."
		return section, nil
	}

	if len(leftBehind.rows) > 0 {
		section.Tables = append(section.Tables, reportTable("Certificates the NLB accepts and the ALB only rejects (certs_left_behind)", leftBehind, 0))
	} else {
		section.Text = append(section.Text, "No certificate is left behind: none that the NLB accepts fails on the ALB only.")
	}
	if len(failing.rows) > 0 {
		title := fmt.Sprintf("Identities with failed connections, first %d rows (certs_failing)", failingIdentitiesShown)
		section.Tables = append(section.Tables, reportTable(title, failing, failingIdentitiesShown))
	}
	return section, nil
}

func (b reportBuilder) expiringSection() (reports.Section, error) {
	section := reports.Section{
		ID:     reports.SectionExpiring,
		Title:  "Certificates expiring within 30 days",
		Query:  "certs_expiring",
		Window: b.window,
	}
	within := fmt.Sprintf("%d seconds", int64(expiringWithin.Seconds()))
	expiring, err := b.query("certs_expiring", map[string]any{"within": within})
	if err != nil {
		return section, err
	}
	if len(expiring.rows) == 0 {
		section.Empty = "No certificate seen in the window expires within 30 days."
		return section, nil
	}
	section.Tables = append(section.Tables, reportTable("", expiring, 0))
	return section, nil
}

func (b reportBuilder) preflightSection() (reports.Section, error) {
	section := reports.Section{
		ID:     reports.SectionPreflight,
		Title:  "Preflight predictions against ALB outcomes",
		Query:  "report_preflight_vs_outcome",
		Window: b.window,
	}
	outcomes, err := b.query("report_preflight_vs_outcome", nil)
	if err != nil {
		return section, err
	}
	if len(outcomes.rows) == 0 {
		section.Empty = "No preflight run in the database."
		return section, nil
	}

	matches := make(map[string]int)
	for _, row := range outcomes.rows {
		matches[stringValue(cellValue(outcomes, row, "match"))]++
	}
	section.Text = append(section.Text, fmt.Sprintf(
		"Of %d predictions of the latest preflight run, the ALB confirmed %d and contradicted %d, and %d identities made no ALB connection.",
		len(outcomes.rows), matches["confirmed"], matches["contradicted"], matches["unseen"]))
	section.Tables = append(section.Tables, reportTable("", outcomes, 0))
	return section, nil
}

// decommissionSection lists the rows of report_gate_decisions whose kind is
// decommission.
func (b reportBuilder) decommissionSection(decisions table) reports.Section {
	section := reports.Section{
		ID:     reports.SectionDecommission,
		Title:  "Decommission",
		Query:  "report_gate_decisions",
		Window: b.window,
	}
	runs := table{columns: decisions.columns}
	for _, row := range decisions.rows {
		if stringValue(cellValue(decisions, row, "kind")) == "decommission" {
			runs.rows = append(runs.rows, slices.Clone(row))
		}
	}
	if len(runs.rows) == 0 {
		section.Empty = "No decommission has run."
		return section
	}
	section.Tables = append(section.Tables, reportTable("Decommission runs (report_gate_decisions)", runs, 0))
	return section
}
