package main

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/cutover-dev/cutover/reports"
	"github.com/cutover-dev/cutover/reports/plot"
)

// reportPaths are the two paths in the order the report shows them.
var reportPaths = []string{"alb", "nlb"}

// expiringWithin is the horizon of the report's expiring section.
const expiringWithin = 30 * 24 * time.Hour

// reportRowsShown is the maximum number of rows the report shows of a table
// that grows with the number of clients, so that the HTML page stays short.
// Each such table states its total rows and the query that lists them all.
const reportRowsShown = 20

// reportChartWidth is the width of the report's charts. It fits the 60rem
// column of the HTML page (907 of its 960 CSS pixels) and leaves room for the
// labels of the gate decisions on the timeline.
const reportChartWidth = 24 * vg.Centimeter

// timeSeriesFigure draws the series as a figure of query, reportChartWidth
// wide. It returns false without an error when no series has a finite
// value.
func (b reportBuilder) timeSeriesFigure(title, query string, opts plot.TimeSeriesOptions, series ...plot.Series) (reports.Figure, bool, error) {
	opts.Width = reportChartWidth
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
			Label: decisionLabel(decisions, row),
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
		if len(markers) > 0 {
			figure.Note = "A dashed line marks each gate decision. Waits are not labelled."
		}
		section.Figures = append(section.Figures, figure)
	}
	if len(decisions.rows) > 0 {
		// Every decision of one migration has the same state file, so the
		// section names it once and the table leaves the column out.
		decisionRows := decisions
		if location, ok := uniformValue(decisions, "state_location"); ok {
			decisionRows = withoutColumn(decisions, "state_location")
			section.Text = append(section.Text, "Every decision is recorded in the state file "+formatValue(location)+".")
		}
		decisionRows = mergeShares(firstSentences(decisionRows, "message"))
		section.Text = append(section.Text, "Each message is cut to its first sentence. The named query report_gate_decisions returns them whole.")
		section.Tables = append(section.Tables, reportTable("Gate decisions (report_gate_decisions)", decisionRows, "report_gate_decisions", 0))
	} else {
		section.Text = append(section.Text, "No gate decision in the window.")
	}
	if !ok && len(decisions.rows) == 0 {
		section.Text = nil
		section.Empty = "No connection and no gate decision in the window."
	}
	return section, nil
}

// uniformValue returns the value of column when it is the same non-NULL
// value in every row of t, and false otherwise.
func uniformValue(t table, column string) (any, bool) {
	if t.column(column) < 0 || len(t.rows) == 0 {
		return nil, false
	}
	first := cellValue(t, t.rows[0], column)
	if first == nil {
		return nil, false
	}
	for _, row := range t.rows[1:] {
		if formatValue(cellValue(t, row, column)) != formatValue(first) {
			return nil, false
		}
	}
	return first, true
}

// splitExpired returns the rows of certs_expiring whose certificate has not
// expired, and the number of rows whose days_left is negative.
func splitExpired(expiring table) (table, int) {
	upcoming := table{columns: expiring.columns}
	expired := 0
	for _, row := range expiring.rows {
		if floatValue(cellValue(expiring, row, "days_left")) < 0 {
			expired++
			continue
		}
		upcoming.rows = append(upcoming.rows, row)
	}
	return upcoming, expired
}

// decommissionSteps returns the steps and results of a decommission's audit
// message, which is a sentence followed by the steps separated by "; ".
func decommissionSteps(message string) []string {
	_, steps, ok := strings.Cut(message, ". ")
	steps = strings.TrimSuffix(steps, ".")
	if !ok || steps == "" {
		return nil
	}
	return strings.Split(steps, "; ")
}

// decisionLabel returns the timeline's label of a gate decision: the step's
// new weight, the rollback's, or FAIL for an evaluation with a failed check.
// An evaluation that waits gets no label, only its line, so that the labels
// of the changes stay readable.
func decisionLabel(decisions table, row []any) string {
	after := formatValue(cellValue(decisions, row, "alb_share_after"))
	switch kind := stringValue(cellValue(decisions, row, "kind")); kind {
	case "step":
		return "step to " + after + " %"
	case "rollback":
		return "rollback to " + after + " %"
	case "evaluation":
		if verdict := stringValue(cellValue(decisions, row, "verdict")); verdict != "HALT-WAIT" {
			return strings.TrimPrefix(verdict, "HALT-")
		}
		return ""
	default:
		return kind
	}
}

// mergeShares returns a copy of t with the columns alb_share_before and
// alb_share_after replaced by one column alb_share, such as "10 → 25", so
// that the decisions table fits the page.
func mergeShares(t table) table {
	before, after := t.column("alb_share_before"), t.column("alb_share_after")
	if before < 0 || after < 0 {
		return t
	}
	out := withoutColumn(t, "alb_share_after")
	merged := out.column("alb_share_before")
	out.columns[merged] = "alb_share"
	for i, row := range out.rows {
		row[merged] = formatValue(t.rows[i][before]) + " → " + formatValue(t.rows[i][after])
	}
	return out
}

// firstSentences returns a copy of t whose column holds only the first
// sentence of each text.
func firstSentences(t table, column string) table {
	i := t.column(column)
	if i < 0 {
		return t
	}
	out := table{columns: t.columns}
	for _, row := range t.rows {
		row = slices.Clone(row)
		if text, ok := row[i].(string); ok {
			if end := strings.Index(text, ". "); end >= 0 {
				row[i] = text[:end+1]
			}
		}
		out.rows = append(out.rows, row)
	}
	return out
}

// withoutColumn returns a copy of t without column.
func withoutColumn(t table, column string) table {
	i := t.column(column)
	if i < 0 {
		return t
	}
	out := table{columns: slices.Delete(slices.Clone(t.columns), i, i+1)}
	for _, row := range t.rows {
		out.rows = append(out.rows, slices.Delete(slices.Clone(row), i, i+1))
	}
	return out
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
			Title:  "Failed connections by outcome",
			SVG:    svg,
			Query:  "report_failures_by_reason",
			Window: b.window,
			Note:   "The outcome is the class of failure that both paths share. The table below lists each reason as logged (reason_raw).",
		})
		section.Tables = append(section.Tables, reportTable("Failed connections by path and reason (report_failures_by_reason)", reasons, "report_failures_by_reason", reportRowsShown))
	}
	if len(section.Figures) == 0 {
		section.Empty = "No connection in the window."
	}
	return section, nil
}

// failuresByReasonBars draws one group of bars per outcome, the taxonomy
// word that both paths share, with one bar per path. The ALB and the NLB's
// terminator log different reason_raw texts for the same failure, so groups
// by reason_raw would each hold the bar of one path only. A failure without
// an outcome is grouped under its reason_raw.
func failuresByReasonBars(reasons table) ([]byte, error) {
	var groups []string
	counts := make(map[string]map[string]float64)
	for _, row := range reasons.rows {
		group := stringValue(cellValue(reasons, row, "outcome"))
		if group == "" {
			group = stringValue(cellValue(reasons, row, "reason_raw"))
		}
		if _, ok := counts[group]; !ok {
			groups = append(groups, group)
			counts[group] = make(map[string]float64)
		}
		path := stringValue(cellValue(reasons, row, "path"))
		counts[group][path] += floatValue(cellValue(reasons, row, "connections"))
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
	opts := plot.BarOptions{
		Title:      "Failed connections by outcome",
		YLabel:     "failed connections (count)",
		XLabel:     "outcome",
		Horizontal: true,
		Width:      reportChartWidth,
		Height:     barChartHeight(len(groups)),
	}
	svg, err := plot.Bars(opts, groups, series...)
	if err != nil {
		return nil, fmt.Errorf("draw failed connections by outcome: %w", err)
	}
	return svg, nil
}

// barChartHeight returns the height of a horizontal bar chart with the
// given number of groups: room for the title and the x axis, and 0.9 cm
// per group, but at least plot.DefaultHeight.
func barChartHeight(groups int) vg.Length {
	return max(plot.DefaultHeight, 3*vg.Centimeter+vg.Length(groups)*0.9*vg.Centimeter)
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
		if !ok {
			continue
		}
		if chart.column == "handshake" {
			figure.Note = handshakeTimeNote(pathsWithoutValues(latency, "handshake_p50_ms"))
		}
		section.Figures = append(section.Figures, figure)
	}
	if len(section.Figures) == 0 {
		section.Empty = "No request or handshake time logged in the window."
	}
	return section, nil
}

// pathsWithoutValues returns the paths of reportPaths for which column is
// NULL in every row of t.
func pathsWithoutValues(t table, column string) []string {
	var paths []string
	for _, path := range reportPaths {
		found := false
		for _, row := range t.rows {
			if stringValue(cellValue(t, row, "path")) == path && !math.IsNaN(floatValue(cellValue(t, row, column))) {
				found = true
				break
			}
		}
		if !found {
			paths = append(paths, path)
		}
	}
	return paths
}

// handshakeTimeNote explains why the handshake time chart has no lines for
// the paths, or returns "" when every path has some.
func handshakeTimeNote(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	var note strings.Builder
	fmt.Fprintf(&note, "No %s connection in the window logged a TLS handshake time, so the chart has no %s lines.",
		strings.Join(paths, " or "), strings.Join(paths, " or "))
	if slices.Contains(paths, "nlb") {
		note.WriteString(" On the NLB path the time comes from the TLS terminator's log:" +
			" HAProxy logs it as %Th and Envoy as downstream_handshake_us, but nginx logs none.")
	}
	if slices.Contains(paths, "alb") {
		note.WriteString(" The ALB connection log has it as tls_handshake_latency, but only for successful handshakes.")
	}
	return note.String()
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
		section.Tables = append(section.Tables, reportTable("Certificates the NLB accepts and the ALB only rejects (certs_left_behind)", leftBehind, "certs_left_behind", reportRowsShown))
	} else {
		section.Text = append(section.Text, "No certificate is left behind: none that the NLB accepts fails on the ALB only.")
	}
	if len(failing.rows) > 0 {
		section.Tables = append(section.Tables, reportTable("Identities with failed connections (certs_failing)", failing, "certs_failing", reportRowsShown))
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
	// Without an end, the window ends when the report is made, so that
	// days_left counts from the time the report shows.
	if b.window.To.IsZero() {
		b.window.To = b.generated
	}
	expiring, err := b.query("certs_expiring", map[string]any{"within": within})
	if err != nil {
		return section, err
	}
	upcoming, expired := splitExpired(expiring)
	if expired > 0 {
		section.Text = append(section.Text, fmt.Sprintf(
			"%d certificates seen in the window had expired already: certs_expiring lists them with a negative days_left, and the clients section lists their failures.", expired))
	}
	if len(upcoming.rows) == 0 {
		section.Empty = "No certificate seen in the window expires within 30 days."
		return section, nil
	}
	section.Tables = append(section.Tables, reportTable("", upcoming, "certs_expiring", reportRowsShown))
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
		len(outcomes.rows), matches["confirmed"], matches["contradicted"], matches["unseen"]),
		"A confirmed accept can still have failed ALB connections, such as those of a certificate that expired after the run.")
	first := outcomes.rows[0]
	section.Text = append(section.Text, fmt.Sprintf(
		"The run was at %s, and the ALB columns count connections from %s on.",
		formatValue(cellValue(outcomes, first, "run_at")), formatValue(cellValue(outcomes, first, "alb_since"))))
	section.Tables = append(section.Tables, preflightSummaryTable(outcomes))

	notable := table{columns: preflightDetailColumns}
	for _, row := range outcomes.rows {
		match := stringValue(cellValue(outcomes, row, "match"))
		verdict := stringValue(cellValue(outcomes, row, "verdict"))
		if match != "contradicted" && verdict != "reject" {
			continue
		}
		cells := make([]any, len(preflightDetailColumns))
		for i, column := range preflightDetailColumns {
			cells[i] = cellValue(outcomes, row, column)
		}
		notable.rows = append(notable.rows, cells)
	}
	if len(notable.rows) == 0 {
		section.Text = append(section.Text, "No prediction was contradicted and none predicted a rejection.")
		return section, nil
	}
	section.Tables = append(section.Tables, reportTable("Contradicted predictions and predicted rejections (report_preflight_vs_outcome)",
		notable, "report_preflight_vs_outcome", reportRowsShown))
	return section, nil
}

// preflightDetailColumns are the columns of report_preflight_vs_outcome in
// the preflight section's list of predictions. run_at and alb_since are the
// same on every row, so the section states them once.
var preflightDetailColumns = []string{
	"subject", "serial", "verdict", "status", "match",
	"nlb_connections", "alb_connections", "alb_failed", "alb_top_reason",
}

// preflightSummaryTable counts the rows of report_preflight_vs_outcome per
// predicted verdict and status and ALB match: the identities, and the sums
// of their NLB connections, ALB connections and failed ALB connections. A
// NULL match, a prediction of unknown that the ALB saw, shows as "not
// judged".
func preflightSummaryTable(outcomes table) reports.Table {
	type key struct{ verdict, status, match string }
	type counts struct{ identities, nlb, alb, albFailed int64 }
	var keys []key
	sums := make(map[key]*counts)
	for _, row := range outcomes.rows {
		k := key{
			verdict: stringValue(cellValue(outcomes, row, "verdict")),
			status:  stringValue(cellValue(outcomes, row, "status")),
			match:   stringValue(cellValue(outcomes, row, "match")),
		}
		if k.match == "" {
			k.match = "not judged"
		}
		sum, ok := sums[k]
		if !ok {
			sum = &counts{}
			sums[k] = sum
			keys = append(keys, k)
		}
		sum.identities++
		sum.nlb += int64Value(cellValue(outcomes, row, "nlb_connections"))
		sum.alb += int64Value(cellValue(outcomes, row, "alb_connections"))
		sum.albFailed += int64Value(cellValue(outcomes, row, "alb_failed"))
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.verdict, b.verdict), cmp.Compare(a.status, b.status), cmp.Compare(a.match, b.match))
	})

	summary := reports.Table{
		Title:   "Predictions per verdict and ALB outcome (report_preflight_vs_outcome)",
		Columns: []string{"verdict", "status", "match", "identities", "nlb_connections", "alb_connections", "alb_failed"},
	}
	for _, k := range keys {
		sum := sums[k]
		summary.Rows = append(summary.Rows, []string{
			k.verdict, k.status, k.match,
			strconv.FormatInt(sum.identities, 10),
			strconv.FormatInt(sum.nlb, 10),
			strconv.FormatInt(sum.alb, 10),
			strconv.FormatInt(sum.albFailed, 10),
		})
	}
	return summary
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
	for _, row := range runs.rows {
		steps := decommissionSteps(stringValue(cellValue(runs, row, "message")))
		if len(steps) == 0 {
			continue
		}
		stepTable := table{columns: []string{"step"}}
		for _, step := range steps {
			stepTable.rows = append(stepTable.rows, []any{step})
		}
		title := "Steps of the run at " + formatValue(cellValue(runs, row, "time"))
		section.Tables = append(section.Tables, reportTable(title, stepTable, "report_gate_decisions", 0))
	}
	runs = mergeShares(withoutColumn(firstSentences(runs, "message"), "state_location"))
	section.Tables = append([]reports.Table{reportTable("Decommission runs (report_gate_decisions)", runs, "report_gate_decisions", 0)}, section.Tables...)
	return section
}
