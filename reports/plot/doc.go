// Package plot draws the report's time-series and grouped bar charts as SVG
// with gonum.org/v1/plot.
//
// The functions take plain slices, so the package does not depend on the
// store. Every chart can be read without colour: each series has its own
// dash pattern and glyph shape (time series) or fill tint and hatching
// (bars), and a legend is drawn when there is more than one series.
//
// Text is measured with the Liberation Sans font that gonum.org/v1/plot
// embeds (from codeberg.org/go-fonts/liberation), so no system font and no
// network access is needed to draw. By default the SVG names the font
// family without embedding it, followed by the metric-compatible Arimo,
// Arial and Helvetica, so a viewer without Liberation Sans substitutes a
// font of the same widths where it has one. Set EmbedFonts to make the file
// independent of installed fonts, at the cost of several hundred kilobytes
// per chart.
//
// Drawing the same input twice gives the same bytes.
package plot
