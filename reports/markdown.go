package reports

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteMarkdown writes a short summary of r for a ticket: the report's
// window, the totals per path, and each section's title with its sentences
// and tables. Figures are listed by title, query and window, without the
// chart. Text from the report is escaped, so a client subject such as
// "<script>" shows as written and adds no markup. It returns an error
// wrapping ErrInvalidReport, before writing anything, when r breaks the
// rules of its types.
func WriteMarkdown(w io.Writer, r Report) error {
	if err := r.validate(); err != nil {
		return err
	}

	out := bufio.NewWriter(w)
	fmt.Fprintln(out, "# Cutover report")
	fmt.Fprintln(out)
	fmt.Fprintf(out, "- Generated: %s\n", formatTime(r.Generated))
	if r.Database != "" {
		fmt.Fprintf(out, "- Database: %s\n", escapeMarkdown(r.Database))
	}
	fmt.Fprintf(out, "- Window: %s\n", r.Window)

	fmt.Fprintln(out)
	fmt.Fprintln(out, "## Totals")
	fmt.Fprintln(out)
	if len(r.Totals) == 0 {
		fmt.Fprintln(out, "No totals.")
	} else {
		writeMarkdownTable(out, totalsTable(r.Totals))
	}

	for _, section := range r.Sections {
		fmt.Fprintln(out)
		writeMarkdownSection(out, section, r.Database)
	}
	return out.Flush()
}

// writeMarkdownSection writes one section. database goes into the command
// that lists all rows of a truncated table.
func writeMarkdownSection(out *bufio.Writer, section Section, database string) {
	fmt.Fprintf(out, "## %s\n", escapeMarkdown(section.Title))
	fmt.Fprintln(out)
	if section.Query != "" {
		fmt.Fprintf(out, "Window: %s. Query `%s`.\n", section.Window, section.Query)
	} else {
		fmt.Fprintf(out, "Window: %s.\n", section.Window)
	}
	if section.Empty != "" {
		fmt.Fprintln(out)
		fmt.Fprintf(out, "*%s*\n", escapeMarkdown(section.Empty))
	}
	for _, paragraph := range section.Text {
		fmt.Fprintln(out)
		fmt.Fprintln(out, escapeMarkdown(paragraph))
	}
	if len(section.Figures) > 0 {
		fmt.Fprintln(out)
		for _, figure := range section.Figures {
			fmt.Fprintf(out, "- Figure: %s (query `%s`, window %s)", escapeMarkdown(figure.Title), figure.Query, figure.Window)
			if figure.Note != "" {
				fmt.Fprintf(out, ". %s", escapeMarkdown(figure.Note))
			}
			fmt.Fprintln(out)
		}
	}
	for _, table := range section.Tables {
		fmt.Fprintln(out)
		if table.Title != "" {
			fmt.Fprintf(out, "**%s**\n", escapeMarkdown(table.Title))
			fmt.Fprintln(out)
		}
		writeMarkdownTable(out, table)
		if rowCount := table.shownRows(); rowCount != "" {
			fmt.Fprintln(out)
			fmt.Fprintf(out, "%s `%s` lists them all.\n", rowCount, queryCommand(database, section.Window, table.Query))
		}
	}
}

// totalsTable formats the totals as the columns of query report_totals.
func totalsTable(totals []PathTotals) Table {
	table := Table{Columns: []string{"path", "connections", "failed", "unknown", "clients", "first_seen", "last_seen"}}
	for _, row := range totals {
		table.Rows = append(table.Rows, []string{
			row.Path,
			strconv.FormatInt(row.Connections, 10),
			strconv.FormatInt(row.Failed, 10),
			strconv.FormatInt(row.Unknown, 10),
			strconv.FormatInt(row.Clients, 10),
			formatOptionalTime(row.FirstSeen),
			formatOptionalTime(row.LastSeen),
		})
	}
	return table
}

// writeMarkdownTable writes a GitHub-flavoured Markdown table.
func writeMarkdownTable(out *bufio.Writer, table Table) {
	writeMarkdownRow(out, table.Columns)
	out.WriteString("|" + strings.Repeat(" --- |", len(table.Columns)) + "\n")
	for _, row := range table.Rows {
		writeMarkdownRow(out, row)
	}
}

func writeMarkdownRow(out *bufio.Writer, cells []string) {
	out.WriteString("|")
	for _, cell := range cells {
		out.WriteString(" ")
		out.WriteString(escapeMarkdown(cell))
		out.WriteString(" |")
	}
	out.WriteString("\n")
}

// markdownEscaper backslash-escapes the characters that start emphasis,
// code, links, HTML, headings or table cells in CommonMark and GitHub-flavoured
// Markdown, and turns line breaks into spaces so that a value stays on its
// line or in its table cell.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`,
	"`", "\\`",
	`*`, `\*`,
	`_`, `\_`,
	`[`, `\[`,
	`]`, `\]`,
	`<`, `\<`,
	`>`, `\>`,
	`|`, `\|`,
	`#`, `\#`,
	"\r\n", " ",
	"\n", " ",
	"\r", " ",
)

func escapeMarkdown(text string) string {
	return markdownEscaper.Replace(text)
}
