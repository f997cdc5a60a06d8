package reports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parsedHTML is what the tests read from the HTML output, parsed as XML.
type parsedHTML struct {
	// ids maps each id attribute to its element name.
	ids map[string]string
	// figcaptions holds the text of each figcaption, by the id of its figure.
	figcaptions map[string]string
	// cells holds the text of each element with data-path and data-metric,
	// keyed "path/metric".
	cells map[string]string
	// urls lists the attribute values, text and comments that contain
	// http:// or https://, except in xmlns attributes.
	urls []string
}

// parseHTML parses the output with encoding/xml in strict mode, so it fails
// on any output that is not well-formed.
func parseHTML(t *testing.T, output []byte) parsedHTML {
	t.Helper()
	parsed := parsedHTML{ids: map[string]string{}, figcaptions: map[string]string{}, cells: map[string]string{}}

	decoder := xml.NewDecoder(bytes.NewReader(output))
	decoder.Strict = true
	var figureID, cellKey string
	var text strings.Builder
	for {
		token, err := decoder.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "HTML output is not well-formed")

		switch tok := token.(type) {
		case xml.StartElement:
			attrs := map[string]string{}
			for _, attr := range tok.Attr {
				isNamespace := attr.Name.Space == "xmlns" || (attr.Name.Space == "" && attr.Name.Local == "xmlns")
				if !isNamespace && containsURL(attr.Value) {
					parsed.urls = append(parsed.urls, attr.Name.Local+"="+attr.Value)
				}
				attrs[attr.Name.Local] = attr.Value
			}
			if id, ok := attrs["id"]; ok {
				_, duplicate := parsed.ids[id]
				assert.False(t, duplicate, "duplicate id %q", id)
				parsed.ids[id] = tok.Name.Local
			}
			if tok.Name.Local == "figure" {
				figureID = attrs["id"]
			}
			if tok.Name.Local == "figcaption" || (attrs["data-path"] != "" && attrs["data-metric"] != "") {
				text.Reset()
			}
			if attrs["data-path"] != "" && attrs["data-metric"] != "" {
				cellKey = attrs["data-path"] + "/" + attrs["data-metric"]
			}
		case xml.EndElement:
			switch {
			case tok.Name.Local == "figcaption":
				parsed.figcaptions[figureID] = text.String()
			case tok.Name.Local == "td" && cellKey != "":
				parsed.cells[cellKey] = text.String()
				cellKey = ""
			}
		case xml.CharData:
			text.Write(tok)
			if containsURL(string(tok)) {
				parsed.urls = append(parsed.urls, string(tok))
			}
		case xml.Comment:
			if containsURL(string(tok)) {
				parsed.urls = append(parsed.urls, string(tok))
			}
		}
	}
	return parsed
}

func containsURL(text string) bool {
	return strings.Contains(text, "http://") || strings.Contains(text, "https://")
}

func writeSampleHTML(t *testing.T) []byte {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, WriteHTML(&out, sampleReport(t)))
	return out.Bytes()
}

func TestWriteHTMLIsWellFormed(t *testing.T) {
	output := writeSampleHTML(t)

	parsed := parseHTML(t, output)

	assert.Equal(t, "section", parsed.ids["totals"])
	assert.Equal(t, "section", parsed.ids[SectionHandshakes])
	assert.Equal(t, "section", parsed.ids[SectionClients])
	assert.Equal(t, "figure", parsed.ids["handshakes-figure-1"])
}

func TestWriteHTMLFigureCaption(t *testing.T) {
	parsed := parseHTML(t, writeSampleHTML(t))

	caption := parsed.figcaptions["handshakes-figure-1"]
	assert.Contains(t, caption, "Failed connections per path")
	assert.Contains(t, caption, "report_handshakes_by_interval")
	assert.Contains(t, caption, "2025-03-01T12:00:00Z to 2025-03-01T18:00:00Z")
}

func TestWriteHTMLInlinesSVG(t *testing.T) {
	output := string(writeSampleHTML(t))

	assert.NotContains(t, output, "<?xml")
	assert.Equal(t, 1, strings.Count(output, "<svg "))
	figure := output[strings.Index(output, `<figure id="handshakes-figure-1"`):]
	assert.Less(t, strings.Index(figure, "<svg "), strings.Index(figure, "</figure>"), "SVG must be inside its figure")
}

func TestWriteHTMLTotalsCells(t *testing.T) {
	parsed := parseHTML(t, writeSampleHTML(t))

	want := map[string]string{
		"alb/connections": "10954",
		"alb/failed":      "87",
		"alb/unknown":     "3",
		"alb/clients":     "41",
		"alb/first_seen":  "2025-03-01T12:00:02Z",
		"alb/last_seen":   "2025-03-01T17:59:59Z",
		"nlb/connections": "32017",
		"nlb/failed":      "12",
		"nlb/unknown":     "0",
		"nlb/clients":     "44",
		"nlb/first_seen":  "2025-03-01T12:00:00Z",
		"nlb/last_seen":   "2025-03-01T17:59:57Z",
	}
	assert.Equal(t, want, parsed.cells)
	assert.Contains(t, string(writeSampleHTML(t)), `<td class="number" data-path="alb" data-metric="connections">10954</td>`)
}

func TestWriteHTMLHasNoExternalURLs(t *testing.T) {
	output := writeSampleHTML(t)

	parsed := parseHTML(t, output)

	assert.Empty(t, parsed.urls)
	namespaces := strings.Count(string(output), `xmlns="http://www.w3.org/2000/svg"`) +
		strings.Count(string(output), `xmlns:xlink="http://www.w3.org/1999/xlink"`)
	urls := strings.Count(string(output), "http://") + strings.Count(string(output), "https://")
	assert.Equal(t, namespaces, urls, "every URL must be an SVG namespace")
	assert.NotContains(t, string(output), "<script")
	assert.NotContains(t, string(output), "<link")
}

func TestWriteHTMLEscapesHostileText(t *testing.T) {
	report := sampleReport(t)
	report.Database = "<b>db</b>"
	report.Sections[0].Title = `Handshakes <img src=x onerror="alert(1)">`

	var out bytes.Buffer
	require.NoError(t, WriteHTML(&out, report))
	output := out.String()

	assert.NotContains(t, output, "<script")
	assert.NotContains(t, output, "<img")
	assert.NotContains(t, output, "<b>db")
	assert.Contains(t, output, "CN=&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;,O=Acme &amp; Co")
	parseHTML(t, out.Bytes())
}

func TestWriteHTMLEmptySection(t *testing.T) {
	report := sampleReport(t)
	report.Sections = append(report.Sections, Section{
		ID:    SectionPreflight,
		Title: "Preflight predictions",
		Query: "report_preflight_vs_outcome",
		Empty: "No preflight run in the database.",
	})

	var out bytes.Buffer
	require.NoError(t, WriteHTML(&out, report))

	parsed := parseHTML(t, out.Bytes())
	assert.Equal(t, "section", parsed.ids[SectionPreflight])
	assert.Contains(t, out.String(), `<p class="empty">No preflight run in the database.</p>`)
	assert.Contains(t, out.String(), "Window: whole database.")
}

func TestWriteHTMLNumbersFigures(t *testing.T) {
	report := sampleReport(t)
	second := report.Sections[0].Figures[0]
	second.Title = "Failed connections per path, again"
	report.Sections[0].Figures = append(report.Sections[0].Figures, second)

	var out bytes.Buffer
	require.NoError(t, WriteHTML(&out, report))

	parsed := parseHTML(t, out.Bytes())
	assert.Equal(t, "figure", parsed.ids["handshakes-figure-1"])
	assert.Equal(t, "figure", parsed.ids["handshakes-figure-2"])
	assert.Contains(t, parsed.figcaptions["handshakes-figure-2"], "again")
}

func TestWriteHTMLIsDeterministic(t *testing.T) {
	assert.Equal(t, writeSampleHTML(t), writeSampleHTML(t))
}

func TestInlineSVGStripsDeclaration(t *testing.T) {
	svg, err := inlineSVG([]byte("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><g/></svg>"))

	require.NoError(t, err)
	assert.Equal(t, `<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>`, svg)
}

func TestInlineSVGRejectsUnsafeMarkup(t *testing.T) {
	tests := map[string]string{
		"not XML":          `<svg><g></svg>`,
		"root not svg":     `<html><body/></html>`,
		"doctype":          `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>`,
		"script element":   `<svg><script>alert(1)</script></svg>`,
		"foreignObject":    `<svg><foreignObject><p>x</p></foreignObject></svg>`,
		"event handler":    `<svg onload="alert(1)"/>`,
		"external href":    `<svg><image href="https://example.com/a.png"/></svg>`,
		"external xlink":   `<svg xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="other.svg#a"/></svg>`,
		"external css url": `<svg><rect style="fill:url(https://example.com/p.svg#g)"/></svg>`,
		"css import":       `<svg><style>@import "x.css";</style></svg>`,
		"two roots":        `<svg/><svg/>`,
		"empty":            " \n",
	}
	for name, svg := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := inlineSVG([]byte(svg))
			assert.Error(t, err)
		})
	}
}

func TestInlineSVGAllowsLocalReferences(t *testing.T) {
	svg := `<svg xmlns:xlink="http://www.w3.org/1999/xlink"><defs><style>@font-face{src: url(data:font/ttf;base64,AAAA)}</style></defs>` +
		`<use xlink:href="#a"/><rect style="fill:url(#g)"/></svg>`

	_, err := inlineSVG([]byte(svg))

	assert.NoError(t, err)
}

func TestWriteHTMLTruncatedTable(t *testing.T) {
	output := string(writeSampleHTML(t))

	assert.Contains(t, output, `<p class="rows">The first 2 of 5 rows. <code>cutover query --db cutover.duckdb`+
		` --from 2025-03-01T12:00:00Z --to 2025-03-01T18:00:00Z certs_failing</code> lists them all.</p>`)
	assert.Equal(t, strings.Count(output, "<table"), strings.Count(output, `<div class="table-scroll">`),
		"every table sits in a scroll box")
}

func TestWriteHTMLFigureNote(t *testing.T) {
	parsed := parseHTML(t, writeSampleHTML(t))

	assert.Contains(t, parsed.figcaptions["handshakes-figure-1"], "The NLB line is flat because nginx logs no reason.")
}

func TestWriteHTMLLongColumnsWrap(t *testing.T) {
	report := sampleReport(t)
	long := strings.Repeat("arn:aws:elasticloadbalancing:", 4)
	report.Sections[1].Tables[0].Rows[1][1] = long

	var out bytes.Buffer
	require.NoError(t, WriteHTML(&out, report))

	assert.Contains(t, out.String(), `<td class="long">`+long+`</td>`)
	assert.Contains(t, out.String(), `<td>CN=billing|batch</td>`, "a column of short cells keeps its default wrapping")
	assert.Contains(t, out.String(), `<th>reason_<wbr/>raw</th>`)
}
