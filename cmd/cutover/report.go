package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/store"
	"github.com/cutover-dev/cutover/queries"
	"github.com/cutover-dev/cutover/reports"
)

func newReportCommand(g *globals, e env) *cobra.Command {
	var (
		window windowFlags
		wait   time.Duration
		out    string
	)
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the post-migration report as HTML, Markdown and JSON",
		Long: `Write the post-migration report of the window (--since or --from/--to; the
whole database without them) into --out: report.html (one self-contained
page with charts), report.md (a summary for tickets) and report.json. The
report shows the totals per path, the ALB's share against the gate's weights,
handshake failures, latency, the clients that fail, certificates that expire
within 30 days, the latest preflight's predictions against the ALB's outcomes
and the decommission runs. It prints the files written and their sizes, and
exits 0 whatever the report shows.`,
		Example: `  cutover report --out ./cutover-report
  cutover report --since 6h --out /tmp/report`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := window.window(e.now())
			if err != nil {
				return err
			}
			db, err := openStore(cmd.Context(), g, store.Options{Path: g.db, ReadOnly: true, Wait: wait})
			if err != nil {
				return err
			}
			defer db.Close()

			builder := reportBuilder{
				ctx:    cmd.Context(),
				db:     db,
				dbPath: g.db,
				window: reports.Window{From: w.From, To: w.To},
			}
			report, err := builder.build(e.now())
			if err != nil {
				return err
			}
			listing, err := writeReportFiles(out, report)
			if err != nil {
				return err
			}
			return listing.write(e.stdout, g.output)
		},
	}
	window.register(cmd)
	cmd.Flags().Lookup("since").Usage = "only the last DURATION before now, such as 2h, 90m or 7d (default: the whole database)"
	cmd.Flags().DurationVar(&wait, "wait", 0, "how long to wait for another process that holds the database, such as 30s")
	cmd.Flags().StringVar(&out, "out", "./cutover-report", "folder to write report.html, report.md and report.json into; created if missing")
	return cmd
}

// writeReportFiles renders the report in each format and writes the files
// into dir. It returns a listing with one row per file: its path and size in
// bytes.
func writeReportFiles(dir string, report reports.Report) (table, error) {
	listing := table{columns: []string{"file", "bytes"}}
	formats := []struct {
		name  string
		write func(io.Writer, reports.Report) error
	}{
		{"report.html", reports.WriteHTML},
		{"report.md", reports.WriteMarkdown},
		{"report.json", reports.WriteJSON},
	}

	// Render every format before writing any file, so that an invalid
	// report leaves no partial set of files behind.
	rendered := make([][]byte, len(formats))
	for i, format := range formats {
		var buf bytes.Buffer
		if err := format.write(&buf, report); err != nil {
			return listing, fmt.Errorf("render %s: %w", format.name, err)
		}
		rendered[i] = buf.Bytes()
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return listing, fmt.Errorf("create report folder: %w", err)
	}
	for i, format := range formats {
		path := filepath.Join(dir, format.name)
		if err := os.WriteFile(path, rendered[i], 0o644); err != nil {
			return listing, fmt.Errorf("write report: %w", err)
		}
		listing.rows = append(listing.rows, []any{path, int64(len(rendered[i]))})
	}
	return listing, nil
}

// reportBuilder runs the named queries of the report on one database and
// window.
type reportBuilder struct {
	ctx    context.Context
	db     *store.DB
	dbPath string
	window reports.Window
	// generated is the report's creation time, which build sets.
	generated time.Time
}

// query runs the named query with the builder's window and the variables.
func (b reportBuilder) query(name string, vars map[string]any) (table, error) {
	q, ok := queries.Lookup(name)
	if !ok {
		return table{}, fmt.Errorf("named query %s is missing from this build", name)
	}
	res, err := b.db.QueryVariables(b.ctx, store.Window{From: b.window.From, To: b.window.To}, vars, q.SQL)
	if err != nil {
		return table{}, fmt.Errorf("query %s on %s: %w", name, b.dbPath, err)
	}
	return table{columns: res.Columns, rows: res.Rows}, nil
}

// build runs every query of the report and fills the report. generated is
// the report's creation time.
func (b reportBuilder) build(generated time.Time) (reports.Report, error) {
	b.generated = generated
	report := reports.Report{
		Generated: generated.UTC(),
		Database:  b.dbPath,
		Window:    b.window,
	}
	totals, err := b.totals()
	if err != nil {
		return report, err
	}
	report.Totals = totals

	decisions, err := b.query("report_gate_decisions", nil)
	if err != nil {
		return report, err
	}
	builders := []func() (reports.Section, error){
		func() (reports.Section, error) { return b.timelineSection(decisions) },
		b.handshakesSection,
		b.latencySection,
		b.clientsSection,
		b.expiringSection,
		b.preflightSection,
		func() (reports.Section, error) { return b.decommissionSection(decisions), nil },
	}
	for _, build := range builders {
		section, err := build()
		if err != nil {
			return report, err
		}
		report.Sections = append(report.Sections, section)
	}
	return report, nil
}

func (b reportBuilder) totals() ([]reports.PathTotals, error) {
	t, err := b.query("report_totals", nil)
	if err != nil {
		return nil, err
	}
	var totals []reports.PathTotals
	for _, row := range t.rows {
		cell := func(name string) any { return cellValue(t, row, name) }
		totals = append(totals, reports.PathTotals{
			Path:        stringValue(cell("path")),
			Connections: int64Value(cell("connections")),
			Failed:      int64Value(cell("failed")),
			Unknown:     int64Value(cell("unknown")),
			Clients:     int64Value(cell("clients")),
			FirstSeen:   timeValue(cell("first_seen")),
			LastSeen:    timeValue(cell("last_seen")),
		})
	}
	return totals, nil
}

// cellValue returns the named column of row, or nil when t has no such
// column.
func cellValue(t table, row []any, name string) any {
	i := t.column(name)
	if i < 0 {
		return nil
	}
	return row[i]
}

// floatValue converts a numeric query value to float64. NULL and
// non-numeric values become NaN, which the charts draw as gaps.
func floatValue(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	case int:
		return float64(x)
	case int8:
		return float64(x)
	case int16:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case uint8:
		return float64(x)
	case uint16:
		return float64(x)
	case uint32:
		return float64(x)
	case uint64:
		return float64(x)
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case interface{ Float64() float64 }:
		// DuckDB DECIMAL values scan as duckdb.Decimal.
		return x.Float64()
	}
	return math.NaN()
}

// int64Value converts a count from a query to int64, 0 for NULL.
func int64Value(v any) int64 {
	f := floatValue(v)
	if math.IsNaN(f) {
		return 0
	}
	return int64(f)
}

// timeValue returns v as a time, or the zero time for NULL.
func timeValue(v any) time.Time {
	t, _ := v.(time.Time)
	return t
}

// reportTable formats the columns of t, the result of the named query, as
// a report table, NULL as an empty cell. With limit > 0, only the first
// limit rows are kept, and the table's TotalRows and Query tell the reader
// how many there are and how to list them all.
func reportTable(title string, t table, query string, limit int) reports.Table {
	out := reports.Table{Title: title, Columns: t.columns, TotalRows: len(t.rows), Query: query}
	for i, row := range t.rows {
		if limit > 0 && i >= limit {
			break
		}
		cells := make([]string, len(row))
		for j, v := range row {
			if v != nil {
				cells[j] = formatValue(v)
			}
		}
		out.Rows = append(out.Rows, cells)
	}
	return out
}
