package reports

import (
	_ "embed"
	"html/template"
	"io"
	"time"
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
}

type htmlFigure struct {
	ID     string
	Title  string
	Query  string
	Window htmlWindow
	SVG    template.HTML
}

// WriteHTML writes r as one self-contained HTML file: CSS inline, each
// figure's SVG inlined, and no scripts or references to other files. Each
// section is a <section> element with the section's ID, each figure a
// <figure> with ID "SECTION-figure-N" (N from 1), and each totals cell
// carries data-path and data-metric attributes named after the columns of
// query report_totals. Void elements are closed with />, so the page also
// parses as XML unless its text contains control characters. It returns an
// error wrapping ErrInvalidReport, before writing anything, when r breaks
// the rules of its types.
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
				// inlineSVG rejected scripts, event handlers and external
				// references, so the markup can go into the page as it is.
				SVG: template.HTML(svg),
			})
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
