package browsertest

// The helpers in this file need no browser, so they build without the tag
// browser and their unit tests run in go test ./....

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Paths and metrics of the totals table that the browser test compares with
// query report_totals.
var (
	totalsPaths   = []string{"alb", "nlb"}
	totalsMetrics = []string{"connections", "failed"}
)

// totalKey names one cell of the totals table.
type totalKey struct {
	path, metric string
}

// totalsCell is one td[data-path][data-metric] cell of the report page.
type totalsCell struct {
	Path   string `json:"path"`
	Metric string `json:"metric"`
	Text   string `json:"text"`
}

// parseQueryTotals reads the rows that cutover query -o json report_totals
// prints: a JSON array with one object per path.
func parseQueryTotals(data []byte) (map[totalKey]int64, error) {
	var rows []map[string]any
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	if err := decoder.Decode(&rows); err != nil {
		return nil, fmt.Errorf("invalid report_totals output: %w", err)
	}

	totals := make(map[totalKey]int64)
	for i, row := range rows {
		path, ok := row["path"].(string)
		if !ok {
			return nil, fmt.Errorf("report_totals row %d has no string column path", i)
		}
		for _, metric := range totalsMetrics {
			number, ok := row[metric].(json.Number)
			if !ok {
				return nil, fmt.Errorf("report_totals row %s has no numeric column %s", path, metric)
			}
			value, err := number.Int64()
			if err != nil {
				return nil, fmt.Errorf("report_totals row %s column %s is %s, not an integer", path, metric, number)
			}
			totals[totalKey{path, metric}] = value
		}
	}
	return totals, nil
}

// compareTotals compares the totals cells of the page with the values of
// query report_totals, for every path in totalsPaths and metric in
// totalsMetrics. It returns one message per difference.
func compareTotals(want map[totalKey]int64, cells []totalsCell) []string {
	var problems []string
	for _, path := range totalsPaths {
		for _, metric := range totalsMetrics {
			key := totalKey{path, metric}
			var texts []string
			for _, cell := range cells {
				if cell.Path == path && cell.Metric == metric {
					texts = append(texts, cell.Text)
				}
			}

			expected, queried := want[key]
			switch {
			case !queried:
				problems = append(problems, fmt.Sprintf("totals %s %s: query report_totals returned no value", path, metric))
			case len(texts) == 0:
				problems = append(problems, fmt.Sprintf("totals %s %s: no cell td[data-path=%q][data-metric=%q] on the page", path, metric, path, metric))
			case len(texts) > 1:
				problems = append(problems, fmt.Sprintf("totals %s %s: %d cells on the page, expected 1", path, metric, len(texts)))
			default:
				got, err := strconv.ParseInt(texts[0], 10, 64)
				if err != nil {
					problems = append(problems, fmt.Sprintf("totals %s %s: page shows %q, not an integer", path, metric, texts[0]))
				} else if got != expected {
					problems = append(problems, fmt.Sprintf("totals %s %s: page shows %d, query report_totals returns %d", path, metric, got, expected))
				}
			}
		}
	}
	return problems
}

// reportWindow is the window of a report. A zero From or To is unbounded.
type reportWindow struct {
	From, To time.Time
}

// parseReportWindow reads the window of report.json, whose times keep the
// full precision that the report's queries used.
func parseReportWindow(reportJSON []byte) (reportWindow, error) {
	var report struct {
		Window *struct {
			From *time.Time `json:"from"`
			To   *time.Time `json:"to"`
		} `json:"window"`
	}
	if err := json.Unmarshal(reportJSON, &report); err != nil {
		return reportWindow{}, fmt.Errorf("invalid report.json: %w", err)
	}
	if report.Window == nil {
		return reportWindow{}, fmt.Errorf("report.json has no window")
	}

	var w reportWindow
	if report.Window.From != nil {
		w.From = report.Window.From.UTC()
	}
	if report.Window.To != nil {
		w.To = report.Window.To.UTC()
	}
	return w, nil
}

// queryArgs returns the flags that give cutover query the same window.
func (w reportWindow) queryArgs() []string {
	var args []string
	if !w.From.IsZero() {
		args = append(args, "--from", w.From.Format(time.RFC3339Nano))
	}
	if !w.To.IsZero() {
		args = append(args, "--to", w.To.Format(time.RFC3339Nano))
	}
	return args
}

// compareHTMLWindow checks the data-from and data-to attributes of the
// page's #window element against the window of report.json. The page shows
// whole seconds and an empty attribute for an unbounded end.
func compareHTMLWindow(w reportWindow, htmlFrom, htmlTo string) []string {
	var problems []string
	ends := []struct {
		name string
		want time.Time
		got  string
	}{
		{"data-from", w.From, htmlFrom},
		{"data-to", w.To, htmlTo},
	}
	for _, end := range ends {
		want := ""
		if !end.want.IsZero() {
			want = end.want.Truncate(time.Second).Format(time.RFC3339)
		}
		if end.got != want {
			problems = append(problems, fmt.Sprintf("#window %s is %q, report.json gives %q", end.name, end.got, want))
		}
	}
	return problems
}

// loopbackAddrs are the hosts that a page of the test may reach over HTTP.
var loopbackAddrs = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}

// isAllowedURL reports whether the report page may load rawURL: a file: or
// data: URL, or an HTTP or WebSocket URL whose host is 127.0.0.1 or ::1.
func isAllowedURL(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "file", "data":
		return true
	case "http", "https", "ws", "wss":
		addr, err := netip.ParseAddr(u.Hostname())
		return err == nil && slices.Contains(loopbackAddrs, addr)
	default:
		return false
	}
}

func TestParseQueryTotals(t *testing.T) {
	data := []byte(`[
  {"path": "alb", "connections": 22736, "failed": 2976, "unknown": 0, "first_seen": "2026-12-03T00:00:00.349967Z"},
  {"path": "nlb", "connections": 239935, "failed": 7724, "unknown": 0, "first_seen": null}
]`)
	got, err := parseQueryTotals(data)
	if err != nil {
		t.Fatalf("parseQueryTotals: %v", err)
	}
	want := map[totalKey]int64{
		{"alb", "connections"}: 22736,
		{"alb", "failed"}:      2976,
		{"nlb", "connections"}: 239935,
		{"nlb", "failed"}:      7724,
	}
	if len(got) != len(want) {
		t.Errorf("parseQueryTotals returned %d values, expected %d: %v", len(got), len(want), got)
	}
	for key, value := range want {
		if got[key] != value {
			t.Errorf("%s %s = %d, expected %d", key.path, key.metric, got[key], value)
		}
	}
}

func TestParseQueryTotalsRejects(t *testing.T) {
	cases := map[string]string{
		"not JSON":          `connections`,
		"no path":           `[{"connections": 1, "failed": 0}]`,
		"missing metric":    `[{"path": "alb", "connections": 1}]`,
		"fractional metric": `[{"path": "alb", "connections": 1.5, "failed": 0}]`,
		"string metric":     `[{"path": "alb", "connections": "1", "failed": 0}]`,
	}
	for name, data := range cases {
		if _, err := parseQueryTotals([]byte(data)); err == nil {
			t.Errorf("%s: parseQueryTotals(%s) returned no error", name, data)
		}
	}
}

func TestCompareTotals(t *testing.T) {
	want := map[totalKey]int64{
		{"alb", "connections"}: 10,
		{"alb", "failed"}:      2,
		{"nlb", "connections"}: 30,
		{"nlb", "failed"}:      0,
	}
	matching := []totalsCell{
		{"alb", "connections", "10"},
		{"alb", "failed", "2"},
		{"alb", "unknown", "7"},
		{"nlb", "connections", "30"},
		{"nlb", "failed", "0"},
	}
	if problems := compareTotals(want, matching); len(problems) != 0 {
		t.Errorf("matching cells: unexpected problems %q", problems)
	}

	cases := []struct {
		name  string
		cells []totalsCell
		want  string
	}{
		{"changed value", replaceCell(matching, totalsCell{"nlb", "failed", "1"}), "totals nlb failed: page shows 1, query report_totals returns 0"},
		{"not an integer", replaceCell(matching, totalsCell{"alb", "connections", "10 000"}), `totals alb connections: page shows "10 000", not an integer`},
		{"missing cell", matching[1:], `totals alb connections: no cell td[data-path="alb"][data-metric="connections"] on the page`},
		{"duplicate cell", append(slices.Clone(matching), totalsCell{"alb", "failed", "2"}), "totals alb failed: 2 cells on the page, expected 1"},
	}
	for _, c := range cases {
		problems := compareTotals(want, c.cells)
		if len(problems) != 1 || problems[0] != c.want {
			t.Errorf("%s: problems %q, expected [%q]", c.name, problems, c.want)
		}
	}

	delete(want, totalKey{"nlb", "connections"})
	problems := compareTotals(want, matching)
	if len(problems) != 1 || problems[0] != "totals nlb connections: query report_totals returned no value" {
		t.Errorf("value missing from the query: problems %q", problems)
	}
}

// replaceCell returns a copy of cells with the cell of the same path and
// metric as cell replaced by it.
func replaceCell(cells []totalsCell, cell totalsCell) []totalsCell {
	out := slices.Clone(cells)
	for i := range out {
		if out[i].Path == cell.Path && out[i].Metric == cell.Metric {
			out[i] = cell
		}
	}
	return out
}

func TestReportWindow(t *testing.T) {
	bounded, err := parseReportWindow([]byte(`{"window": {"from": "2026-12-03T06:00:00.25Z", "to": "2026-12-03T12:00:00Z"}}`))
	if err != nil {
		t.Fatalf("parseReportWindow: %v", err)
	}
	args := strings.Join(bounded.queryArgs(), " ")
	if args != "--from 2026-12-03T06:00:00.25Z --to 2026-12-03T12:00:00Z" {
		t.Errorf("bounded window: query arguments %q", args)
	}
	if problems := compareHTMLWindow(bounded, "2026-12-03T06:00:00Z", "2026-12-03T12:00:00Z"); len(problems) != 0 {
		t.Errorf("bounded window: unexpected problems %q", problems)
	}
	if problems := compareHTMLWindow(bounded, "2026-12-03T07:00:00Z", "2026-12-03T12:00:00Z"); len(problems) != 1 {
		t.Errorf("bounded window, other start: problems %q, expected one", problems)
	}

	whole, err := parseReportWindow([]byte(`{"window": {"from": null, "to": null}}`))
	if err != nil {
		t.Fatalf("parseReportWindow: %v", err)
	}
	if args := whole.queryArgs(); len(args) != 0 {
		t.Errorf("whole database: query arguments %q, expected none", args)
	}
	if problems := compareHTMLWindow(whole, "", ""); len(problems) != 0 {
		t.Errorf("whole database: unexpected problems %q", problems)
	}

	if _, err := parseReportWindow([]byte(`{"totals": []}`)); err == nil {
		t.Errorf("parseReportWindow accepted report.json without a window")
	}
}

func TestIsAllowedURL(t *testing.T) {
	cases := map[string]bool{
		"file:///tmp/report/report.html":    true,
		"data:image/png;base64,iVBORw0KGgo": true,
		"http://127.0.0.1:8080/x.png":       true,
		"ws://[::1]:9000/socket":            true,
		"http://example.invalid/x.png":      false,
		"https://203.0.113.7/x.css":         false,
		"http://localhost/x.png":            false,
		"http://127.0.0.2/x.png":            false,
		"ftp://127.0.0.1/x":                 false,
		"blob:https://example.invalid/1":    false,
	}
	for rawURL, want := range cases {
		if got := isAllowedURL(rawURL); got != want {
			t.Errorf("isAllowedURL(%q) = %v, expected %v", rawURL, got, want)
		}
	}
}
