package reports

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Section IDs. They are the HTML element IDs and the JSON ids of the
// sections, so links and browser tests can rely on them.
const (
	SectionTimeline     = "timeline"
	SectionHandshakes   = "handshakes"
	SectionLatency      = "latency"
	SectionClients      = "clients"
	SectionExpiring     = "expiring"
	SectionPreflight    = "preflight"
	SectionDecommission = "decommission"
)

// SectionIDs lists the valid section IDs in the order the report shows them.
var SectionIDs = []string{
	SectionTimeline,
	SectionHandshakes,
	SectionLatency,
	SectionClients,
	SectionExpiring,
	SectionPreflight,
	SectionDecommission,
}

// Report is the content of one post-migration report.
type Report struct {
	// Generated is when the report was made. It is required.
	Generated time.Time
	// Database names the DuckDB file the queries read.
	Database string
	// Window is the time window of the whole report.
	Window Window
	// Totals has one row per path, from query report_totals.
	Totals []PathTotals
	// Sections are rendered in this order. Each ID may occur once.
	Sections []Section
}

// Window is the time window [From, To) that a query read. A zero From or To
// is unbounded, as the named queries read a NULL window_start or window_end.
type Window struct {
	From, To time.Time
}

// PathTotals is one row of query report_totals: the connection attempts of
// one path in the window, health checks left out.
type PathTotals struct {
	// Path is "alb" or "nlb".
	Path        string
	Connections int64
	Failed      int64
	Unknown     int64
	Clients     int64
	// FirstSeen and LastSeen are zero when the path had no connection.
	FirstSeen, LastSeen time.Time
}

// Section is one part of the report, built from one named query.
type Section struct {
	// ID is one of SectionIDs.
	ID    string
	Title string
	// Query is the name of the named query behind the section, such as
	// report_handshakes_by_interval, or empty.
	Query   string
	Window  Window
	Figures []Figure
	Tables  []Table
	// Text holds the section's key sentences, one paragraph each.
	Text []string
	// Empty is the reason the section has no data, such as "No preflight
	// run in the database.", or empty when it has data.
	Empty string
}

// Figure is one chart of a section.
type Figure struct {
	Title string
	// SVG is the chart as an SVG document, such as the output of
	// plot.TimeSeries. WriteHTML inlines it and rejects SVG with scripts,
	// event handler attributes or links to other documents.
	SVG []byte
	// Query is the name of the named query the chart draws. It is required.
	Query  string
	Window Window
	// Note is an optional sentence shown under the chart, such as why a
	// series is missing.
	Note string
}

// Table is a table of a section, with its cells already formatted.
type Table struct {
	// Title is optional.
	Title   string
	Columns []string
	// Rows must each have one cell per column.
	Rows [][]string
	// TotalRows is the number of rows before the report kept only the
	// first len(Rows), so that a long table stays short. Zero means that
	// Rows holds them all.
	TotalRows int
	// Query is the named query that lists all TotalRows rows. It is
	// required when TotalRows is more than len(Rows).
	Query string
}

// truncated reports whether the table shows fewer rows than it has.
func (t Table) truncated() bool {
	return t.TotalRows > len(t.Rows)
}

// queryNamePattern matches the names of the files in the queries folder
// without the .sql suffix.
var queryNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// ErrInvalidReport is the error that the Write functions wrap when a report
// breaks the rules documented on its types.
var ErrInvalidReport = errors.New("invalid report")

// figureID returns the HTML element ID of the index-th figure (from 0) of
// the section with ID sectionID.
func figureID(sectionID string, index int) string {
	return fmt.Sprintf("%s-figure-%d", sectionID, index+1)
}

// String describes the window with RFC 3339 times in UTC, such as
// "2025-03-01T12:00:00Z to 2025-03-01T18:00:00Z".
func (w Window) String() string {
	switch {
	case w.From.IsZero() && w.To.IsZero():
		return "whole database"
	case w.To.IsZero():
		return "from " + formatTime(w.From) + " on"
	case w.From.IsZero():
		return "before " + formatTime(w.To)
	default:
		return formatTime(w.From) + " to " + formatTime(w.To)
	}
}

func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

func (w Window) validate() error {
	if !w.From.IsZero() && !w.To.IsZero() && !w.To.After(w.From) {
		return fmt.Errorf("window end %s is not after its start %s", formatTime(w.To), formatTime(w.From))
	}
	return nil
}

// validate checks the rules that the renderers rely on, so that every
// format either renders the whole report or returns an error.
func (r Report) validate() error {
	if err := r.validateFields(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidReport, err)
	}
	return nil
}

func (r Report) validateFields() error {
	if r.Generated.IsZero() {
		return errors.New("generated time is missing")
	}
	if err := r.Window.validate(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for i, totals := range r.Totals {
		if totals.Path == "" {
			return fmt.Errorf("totals row %d: path is missing", i)
		}
	}

	known := make(map[string]bool, len(SectionIDs))
	for _, id := range SectionIDs {
		known[id] = true
	}
	seen := make(map[string]bool, len(r.Sections))
	for _, section := range r.Sections {
		if !known[section.ID] {
			return fmt.Errorf("section %q: unknown ID, expected one of %v", section.ID, SectionIDs)
		}
		if seen[section.ID] {
			return fmt.Errorf("section %q occurs more than once", section.ID)
		}
		seen[section.ID] = true
		if err := section.validate(); err != nil {
			return fmt.Errorf("section %q: %w", section.ID, err)
		}
	}
	return nil
}

func (s Section) validate() error {
	if s.Title == "" {
		return errors.New("title is missing")
	}
	if s.Query != "" && !queryNamePattern.MatchString(s.Query) {
		return fmt.Errorf("invalid query name %q: expected lower-case letters, digits and underscores", s.Query)
	}
	if err := s.Window.validate(); err != nil {
		return err
	}
	for i, figure := range s.Figures {
		if err := figure.validate(); err != nil {
			return fmt.Errorf("figure %d (%q): %w", i+1, figure.Title, err)
		}
	}
	for i, table := range s.Tables {
		if err := table.validate(); err != nil {
			return fmt.Errorf("table %d (%q): %w", i+1, table.Title, err)
		}
	}
	return nil
}

func (f Figure) validate() error {
	if f.Title == "" {
		return errors.New("title is missing")
	}
	if f.Query == "" {
		return errors.New("query name is missing")
	}
	if !queryNamePattern.MatchString(f.Query) {
		return fmt.Errorf("invalid query name %q: expected lower-case letters, digits and underscores", f.Query)
	}
	if err := f.Window.validate(); err != nil {
		return err
	}
	if _, err := inlineSVG(f.SVG); err != nil {
		return err
	}
	return nil
}

func (t Table) validate() error {
	if len(t.Columns) == 0 {
		return errors.New("no columns")
	}
	for i, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("row %d has %d cells, expected %d (one per column)", i+1, len(row), len(t.Columns))
		}
	}
	if t.TotalRows != 0 && t.TotalRows < len(t.Rows) {
		return fmt.Errorf("total rows %d is less than the %d rows shown (set it to 0 or to at least the rows shown)", t.TotalRows, len(t.Rows))
	}
	if t.Query != "" && !queryNamePattern.MatchString(t.Query) {
		return fmt.Errorf("invalid query name %q: expected lower-case letters, digits and underscores", t.Query)
	}
	if t.truncated() && t.Query == "" {
		return fmt.Errorf("query name is missing, but the table shows %d of %d rows (name the query that lists them all)", len(t.Rows), t.TotalRows)
	}
	return nil
}

// queryCommand returns the cutover command line that runs the named query
// on database with the window's bounds, such as
// "cutover query --db cutover.duckdb --from 2025-03-01T12:00:00Z certs_failing".
func queryCommand(database string, window Window, query string) string {
	parts := []string{"cutover", "query"}
	if database != "" {
		parts = append(parts, "--db", shellQuote(database))
	}
	if !window.From.IsZero() {
		parts = append(parts, "--from", formatTime(window.From))
	}
	if !window.To.IsZero() {
		parts = append(parts, "--to", formatTime(window.To))
	}
	parts = append(parts, query)
	return strings.Join(parts, " ")
}

// shellQuote returns word unchanged when a POSIX shell reads it as one word
// as it is, and otherwise wraps it in single quotes.
func shellQuote(word string) string {
	if word != "" && strings.Trim(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-") == "" {
		return word
	}
	return "'" + strings.ReplaceAll(word, "'", `'\''`) + "'"
}

// shownRows returns the sentence that counts the rows a truncated table
// shows, such as "The first 20 of 247 rows.", or "" when it shows them all.
func (t Table) shownRows() string {
	if !t.truncated() {
		return ""
	}
	return fmt.Sprintf("The first %d of %d rows.", len(t.Rows), t.TotalRows)
}
