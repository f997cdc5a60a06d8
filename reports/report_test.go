package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/reports/plot"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// hostileSubject is a client subject that would run a script if a renderer
// did not escape it.
const hostileSubject = `CN=<script>alert("x")</script>,O=Acme & Co`

var (
	windowStart = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	windowEnd   = time.Date(2025, 3, 1, 18, 0, 0, 0, time.UTC)
)

// sampleReport returns a report with two sections, the first with a real
// chart from plot.TimeSeries.
func sampleReport(t *testing.T) Report {
	t.Helper()

	times := []time.Time{windowStart, windowStart.Add(15 * time.Minute), windowStart.Add(30 * time.Minute)}
	svg, err := plot.TimeSeries(plot.TimeSeriesOptions{
		Title:     "Failed connections per path",
		YLabel:    "failed (%)",
		YFromZero: true,
	},
		plot.Series{Name: "NLB mTLS", Times: times, Values: []float64{0.4, 0.5, 0.3}},
		plot.Series{Name: "ALB mTLS", Times: times, Values: []float64{0.6, 1.2, 0.7}},
	)
	require.NoError(t, err)

	window := Window{From: windowStart, To: windowEnd}
	return Report{
		Generated: time.Date(2025, 3, 2, 9, 30, 0, 0, time.UTC),
		Database:  "cutover.duckdb",
		Window:    window,
		Totals: []PathTotals{
			{Path: "alb", Connections: 10954, Failed: 87, Unknown: 3, Clients: 41,
				FirstSeen: windowStart.Add(2 * time.Second), LastSeen: windowEnd.Add(-time.Second)},
			{Path: "nlb", Connections: 32017, Failed: 12, Unknown: 0, Clients: 44,
				FirstSeen: windowStart, LastSeen: windowEnd.Add(-3 * time.Second)},
		},
		Sections: []Section{
			{
				ID:     SectionHandshakes,
				Title:  "Handshakes",
				Query:  "report_handshakes_by_interval",
				Window: window,
				Text:   []string{"The ALB failed 0.79% of connections and the NLB 0.04%."},
				Figures: []Figure{{
					Title:  "Failed connections per path",
					SVG:    svg,
					Query:  "report_handshakes_by_interval",
					Window: window,
					Note:   "The NLB line is flat because nginx logs no reason.",
				}},
			},
			{
				ID:     SectionClients,
				Title:  "Clients that failed on the ALB",
				Query:  "report_failures_by_reason",
				Window: window,
				Text:   []string{"2 client identities failed, led by " + hostileSubject + "."},
				Tables: []Table{{
					Title:   "Failures by reason",
					Columns: []string{"subject", "reason_raw", "connections"},
					Rows: [][]string{
						{hostileSubject, "Failed:ClientCertUntrusted", "80"},
						{"CN=billing|batch", "Failed:ClientCertExpired", "7"},
					},
					TotalRows: 5,
					Query:     "certs_failing",
				}},
			},
		},
	}
}

// checkGolden compares got with testdata/name, or rewrites the file when the
// test runs with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./reports -update to create the golden file")
	assert.Equal(t, string(want), string(got), "output differs from %s; rerun with -update if the change is intended", path)
}

func TestWriteMarkdownGolden(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, WriteMarkdown(&out, sampleReport(t)))
	checkGolden(t, "report.md", out.Bytes())
}

func TestWriteJSONGolden(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, WriteJSON(&out, sampleReport(t)))
	checkGolden(t, "report.json", out.Bytes())
}

func TestWriteMarkdownEscapesHostileText(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, WriteMarkdown(&out, sampleReport(t)))

	assert.NotContains(t, out.String(), "<script>")
	assert.Contains(t, out.String(), `\<script\>`)
	assert.Contains(t, out.String(), `CN=billing\|batch`, "a | in a cell must not split the cell")
}

func TestWriteJSONOmitsSVG(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, WriteJSON(&out, sampleReport(t)))

	assert.NotContains(t, out.String(), "<svg")
	assert.NotContains(t, out.String(), `"svg"`)
	assert.Contains(t, out.String(), `"id": "handshakes-figure-1"`)
}

func TestWindowString(t *testing.T) {
	tests := []struct {
		window Window
		want   string
	}{
		{Window{}, "whole database"},
		{Window{From: windowStart}, "from 2025-03-01T12:00:00Z on"},
		{Window{To: windowEnd}, "before 2025-03-01T18:00:00Z"},
		{Window{From: windowStart, To: windowEnd}, "2025-03-01T12:00:00Z to 2025-03-01T18:00:00Z"},
		{Window{From: windowStart.In(time.FixedZone("CET", 3600))}, "from 2025-03-01T12:00:00Z on"},
	}
	for _, test := range tests {
		assert.Equal(t, test.want, test.window.String())
	}
}

func TestWriteRejectsInvalidReport(t *testing.T) {
	script := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	tests := []struct {
		name   string
		modify func(r *Report)
	}{
		{"missing generated time", func(r *Report) { r.Generated = time.Time{} }},
		{"reversed window", func(r *Report) { r.Window = Window{From: windowEnd, To: windowStart} }},
		{"totals without path", func(r *Report) { r.Totals[0].Path = "" }},
		{"unknown section ID", func(r *Report) { r.Sections[0].ID = "summary" }},
		{"duplicate section ID", func(r *Report) { r.Sections[1].ID = r.Sections[0].ID }},
		{"section without title", func(r *Report) { r.Sections[0].Title = "" }},
		{"invalid section query", func(r *Report) { r.Sections[0].Query = "report totals" }},
		{"figure without query", func(r *Report) { r.Sections[0].Figures[0].Query = "" }},
		{"figure without SVG", func(r *Report) { r.Sections[0].Figures[0].SVG = nil }},
		{"figure SVG with script", func(r *Report) { r.Sections[0].Figures[0].SVG = script }},
		{"table row with missing cell", func(r *Report) { r.Sections[1].Tables[0].Rows[0] = []string{"CN=a"} }},
		{"table without columns", func(r *Report) { r.Sections[1].Tables[0] = Table{} }},
		{"truncated table without query", func(r *Report) { r.Sections[1].Tables[0].Query = "" }},
		{"total rows below rows shown", func(r *Report) { r.Sections[1].Tables[0].TotalRows = 1 }},
	}
	writers := map[string]func(*bytes.Buffer, Report) error{
		"html":     func(b *bytes.Buffer, r Report) error { return WriteHTML(b, r) },
		"markdown": func(b *bytes.Buffer, r Report) error { return WriteMarkdown(b, r) },
		"json":     func(b *bytes.Buffer, r Report) error { return WriteJSON(b, r) },
	}
	for _, test := range tests {
		for format, write := range writers {
			t.Run(test.name+"/"+format, func(t *testing.T) {
				report := sampleReport(t)
				test.modify(&report)

				var out bytes.Buffer
				err := write(&out, report)

				require.ErrorIs(t, err, ErrInvalidReport)
				assert.Zero(t, out.Len(), "nothing may be written for an invalid report")
			})
		}
	}
}

func TestWriteMarkdownTruncatedTable(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, WriteMarkdown(&out, sampleReport(t)))

	assert.Contains(t, out.String(), "The first 2 of 5 rows. `cutover query --db cutover.duckdb"+
		" --from 2025-03-01T12:00:00Z --to 2025-03-01T18:00:00Z certs_failing` lists them all.")
}

func TestWriteJSONTableTotalRows(t *testing.T) {
	report := sampleReport(t)
	report.Sections[1].Tables = append(report.Sections[1].Tables, Table{Columns: []string{"a"}, Rows: [][]string{{"1"}}})

	var out bytes.Buffer
	require.NoError(t, WriteJSON(&out, report))

	var doc struct {
		Sections []struct {
			Tables []struct {
				Rows      [][]string `json:"rows"`
				TotalRows int        `json:"total_rows"`
				Query     string     `json:"query"`
			} `json:"tables"`
		} `json:"sections"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &doc))
	tables := doc.Sections[1].Tables
	require.Len(t, tables, 2)
	assert.Len(t, tables[0].Rows, 2)
	assert.Equal(t, 5, tables[0].TotalRows)
	assert.Equal(t, "certs_failing", tables[0].Query)
	assert.Equal(t, 1, tables[1].TotalRows, "a table without TotalRows counts its rows")
}

func TestQueryCommand(t *testing.T) {
	tests := []struct {
		name     string
		database string
		window   Window
		want     string
	}{
		{name: "whole database", database: "cutover.duckdb", want: "cutover query --db cutover.duckdb certs_failing"},
		{name: "no database", want: "cutover query certs_failing"},
		{name: "window start only", database: "a.duckdb", window: Window{From: windowStart},
			want: "cutover query --db a.duckdb --from 2025-03-01T12:00:00Z certs_failing"},
		{name: "quoted path", database: "/tmp/my db's.duckdb",
			want: `cutover query --db '/tmp/my db'\''s.duckdb' certs_failing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, queryCommand(tt.database, tt.window, "certs_failing"))
		})
	}
}
