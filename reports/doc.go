// Package reports renders the post-migration report of cutover report from
// plain data: one self-contained HTML file, a Markdown summary for tickets
// and JSON.
//
// The caller fills a Report from the named queries report_* (see the
// queries folder) and draws the figures with package reports/plot, so this
// package needs neither DuckDB nor the store. The HTML has its CSS inline
// and each figure's SVG inlined, and it loads nothing from the network.
package reports
