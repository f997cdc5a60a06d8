package reports

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

//go:embed report.html.tmpl
var htmlTemplateText string

var htmlTemplate = template.Must(template.New("report").Parse(htmlTemplateText))

// htmlReport is the report as the HTML template reads it: times already
// formatted and each SVG checked and marked as safe HTML.
type htmlReport struct {
	Generated string
	Database  string
	Window    htmlWindow
	Totals    []htmlTotals
	Sections  []htmlSection
}

type htmlWindow struct {
	// From and To are RFC 3339 times, empty where the window is unbounded.
	From, To string
	Text     string
}

type htmlTotals struct {
	PathTotals
	FirstSeen, LastSeen string
}

type htmlSection struct {
	Section
	Window  htmlWindow
	Figures []htmlFigure
	Tables  []htmlTable
}

type htmlFigure struct {
	ID     string
	Title  string
	Query  string
	Window htmlWindow
	Note   string
	SVG    template.HTML
}

type htmlTable struct {
	Table
	// Long marks the columns with a cell of more than longCellRunes runes.
	// Their cells wrap anywhere, so that a long message or ARN does not
	// widen the table past the page, while short cells such as times
	// break only where the text allows.
	Long []bool
	// Headers are the column names with a line break opportunity (<wbr/>)
	// after each underscore, so that a name such as alb_share_before does
	// not set the width of a column of short numbers.
	Headers []template.HTML
	// ShownRows and Command are empty unless the table is truncated.
	ShownRows string
	Command   string
}

// longCellRunes is the length above which a cell's column counts as long.
const longCellRunes = 80

func breakableHeaders(columns []string) []template.HTML {
	headers := make([]template.HTML, len(columns))
	for i, column := range columns {
		parts := strings.Split(column, "_")
		for j, part := range parts {
			parts[j] = template.HTMLEscapeString(part)
		}
		headers[i] = template.HTML(strings.Join(parts, "_<wbr/>"))
	}
	return headers
}

func longColumns(t Table) []bool {
	long := make([]bool, len(t.Columns))
	for _, row := range t.Rows {
		for i, cell := range row {
			if utf8.RuneCountInString(cell) > longCellRunes {
				long[i] = true
			}
		}
	}
	return long
}

// WriteHTML writes r as one self-contained HTML file: CSS inline, each
// figure's SVG inlined, and no scripts or references to other files. Each
// section is a <section> element with the section's ID, and each figure a
// <figure> with ID "SECTION-figure-N" (N from 1). Each table sits in a
// <div class="table-scroll">, which scrolls sideways when the table is wider
// than the page. A truncated table is followed by a <p class="rows"> that
// gives the command listing all its rows. Each totals cell carries
// data-path and data-metric attributes named after the columns of query
// report_totals. Void elements are closed with />, so the page also parses
// as XML unless its text contains control characters. It returns an error
// wrapping ErrInvalidReport, before writing anything, when r breaks the
// rules of its types.
func WriteHTML(w io.Writer, r Report) error {
	if err := r.validate(); err != nil {
		return err
	}
	view, err := newHTMLReport(r)
	if err != nil {
		return err
	}
	return htmlTemplate.Execute(w, view)
}

func newHTMLReport(r Report) (htmlReport, error) {
	view := htmlReport{
		Generated: formatTime(r.Generated),
		Database:  r.Database,
		Window:    newHTMLWindow(r.Window),
	}
	for _, totals := range r.Totals {
		view.Totals = append(view.Totals, htmlTotals{
			PathTotals: totals,
			FirstSeen:  formatOptionalTime(totals.FirstSeen),
			LastSeen:   formatOptionalTime(totals.LastSeen),
		})
	}
	for _, section := range r.Sections {
		viewSection := htmlSection{Section: section, Window: newHTMLWindow(section.Window)}
		for i, figure := range section.Figures {
			svg, err := inlineSVG(figure.SVG)
			if err != nil {
				return htmlReport{}, err
			}
			viewSection.Figures = append(viewSection.Figures, htmlFigure{
				ID:     figureID(section.ID, i),
				Title:  figure.Title,
				Query:  figure.Query,
				Window: newHTMLWindow(figure.Window),
				Note:   figure.Note,
				// inlineSVG rejected scripts, event handlers and external
				// references, so the markup can go into the page as it is.
				SVG: template.HTML(svg),
			})
		}
		for _, table := range section.Tables {
			viewTable := htmlTable{Table: table, Long: longColumns(table), Headers: breakableHeaders(table.Columns), ShownRows: table.shownRows()}
			if viewTable.ShownRows != "" {
				viewTable.Command = queryCommand(r.Database, section.Window, table.Query)
			}
			viewSection.Tables = append(viewSection.Tables, viewTable)
		}
		view.Sections = append(view.Sections, viewSection)
	}
	return view, nil
}

func newHTMLWindow(w Window) htmlWindow {
	return htmlWindow{
		From: formatOptionalTime(w.From),
		To:   formatOptionalTime(w.To),
		Text: w.String(),
	}
}

// formatOptionalTime formats t as RFC 3339 in UTC, or returns "" for the
// zero time.
func formatOptionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}
