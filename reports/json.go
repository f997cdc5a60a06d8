package reports

import (
	"encoding/json"
	"io"
	"time"
)

// jsonReport is the JSON document that WriteJSON writes. Keys are snake_case, every key is
// present, empty lists are [] and unknown times are null.
type jsonReport struct {
	Generated time.Time     `json:"generated"`
	Database  string        `json:"database"`
	Window    jsonWindow    `json:"window"`
	Totals    []jsonTotals  `json:"totals"`
	Sections  []jsonSection `json:"sections"`
}

// jsonWindow holds RFC 3339 times in UTC, null where the window is
// unbounded.
type jsonWindow struct {
	From *time.Time `json:"from"`
	To   *time.Time `json:"to"`
}

type jsonTotals struct {
	Path        string     `json:"path"`
	Connections int64      `json:"connections"`
	Failed      int64      `json:"failed"`
	Unknown     int64      `json:"unknown"`
	Clients     int64      `json:"clients"`
	FirstSeen   *time.Time `json:"first_seen"`
	LastSeen    *time.Time `json:"last_seen"`
}

type jsonSection struct {
	ID      string       `json:"id"`
	Title   string       `json:"title"`
	Query   string       `json:"query"`
	Window  jsonWindow   `json:"window"`
	Figures []jsonFigure `json:"figures"`
	Tables  []jsonTable  `json:"tables"`
	Text    []string     `json:"text"`
	Empty   string       `json:"empty"`
}

type jsonFigure struct {
	ID     string     `json:"id"`
	Title  string     `json:"title"`
	Query  string     `json:"query"`
	Window jsonWindow `json:"window"`
	Note   string     `json:"note"`
}

// jsonTable holds the rows that the report shows. total_rows counts all
// rows of the table, which can be more, and query names the named query
// that lists them all, or is "".
type jsonTable struct {
	Title     string     `json:"title"`
	Columns   []string   `json:"columns"`
	Rows      [][]string `json:"rows"`
	TotalRows int        `json:"total_rows"`
	Query     string     `json:"query"`
}

// WriteJSON writes r as indented JSON with snake_case keys. Figures carry
// their id (as in the HTML), title, query and window but not the SVG. It
// returns an error wrapping ErrInvalidReport, before writing anything, when
// r breaks the rules of its types.
func WriteJSON(w io.Writer, r Report) error {
	if err := r.validate(); err != nil {
		return err
	}

	doc := jsonReport{
		Generated: r.Generated.UTC(),
		Database:  r.Database,
		Window:    newJSONWindow(r.Window),
		Totals:    []jsonTotals{},
		Sections:  []jsonSection{},
	}
	for _, totals := range r.Totals {
		doc.Totals = append(doc.Totals, jsonTotals{
			Path:        totals.Path,
			Connections: totals.Connections,
			Failed:      totals.Failed,
			Unknown:     totals.Unknown,
			Clients:     totals.Clients,
			FirstSeen:   optionalTime(totals.FirstSeen),
			LastSeen:    optionalTime(totals.LastSeen),
		})
	}
	for _, section := range r.Sections {
		doc.Sections = append(doc.Sections, newJSONSection(section))
	}

	encoder := json.NewEncoder(w)
	encoder.SetIndent("", "  ")
	return encoder.Encode(doc)
}

func newJSONSection(section Section) jsonSection {
	out := jsonSection{
		ID:      section.ID,
		Title:   section.Title,
		Query:   section.Query,
		Window:  newJSONWindow(section.Window),
		Figures: []jsonFigure{},
		Tables:  []jsonTable{},
		Text:    nonNilStrings(section.Text),
		Empty:   section.Empty,
	}
	for i, figure := range section.Figures {
		out.Figures = append(out.Figures, jsonFigure{
			ID:     figureID(section.ID, i),
			Title:  figure.Title,
			Query:  figure.Query,
			Window: newJSONWindow(figure.Window),
			Note:   figure.Note,
		})
	}
	for _, table := range section.Tables {
		rows := make([][]string, 0, len(table.Rows))
		for _, row := range table.Rows {
			rows = append(rows, nonNilStrings(row))
		}
		out.Tables = append(out.Tables, jsonTable{
			Title:     table.Title,
			Columns:   nonNilStrings(table.Columns),
			Rows:      rows,
			TotalRows: max(table.TotalRows, len(rows)),
			Query:     table.Query,
		})
	}
	return out
}

func newJSONWindow(w Window) jsonWindow {
	return jsonWindow{From: optionalTime(w.From), To: optionalTime(w.To)}
}

// optionalTime returns t in UTC, or nil for the zero time.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	utc := t.UTC()
	return &utc
}

func nonNilStrings(values []string) []string {
	if values == nil {
		return []string{}
	}
	return values
}
