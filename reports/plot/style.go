package plot

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"strings"

	gonumplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Default chart size, used when an option's Width or Height is zero.
const (
	DefaultWidth  = 16 * vg.Centimeter
	DefaultHeight = 8 * vg.Centimeter
)

// ErrMissingYLabel is returned when the options have no YLabel. Every chart
// must label its y axis with the quantity and its unit.
var ErrMissingYLabel = errors.New(`plot: missing YLabel (set it to the quantity and its unit, such as "p99 latency (ms)")`)

// sansFont is Liberation Sans, which gonum.org/v1/plot registers in
// font.DefaultCache at init. Arimo, Arial and Helvetica have the same glyph
// widths (fontconfig's 30-metric-aliases.conf groups them), so text laid
// out with it still fits when a viewer substitutes one of them.
var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Font sizes in points.
const (
	titleFontSize  = 11
	labelFontSize  = 10
	tickFontSize   = 8
	legendFontSize = 9
	markerFontSize = 8
)

// palette is the Okabe–Ito colour-blind-safe palette (Color Universal
// Design, republished by Wong in Nature Methods, 2011) without its yellow,
// which is too light on white. The order puts the two most distinct colours
// first, because most charts compare two paths.
var palette = []color.Color{
	color.RGBA{R: 0x00, G: 0x72, B: 0xB2, A: 0xFF}, // blue
	color.RGBA{R: 0xD5, G: 0x5E, B: 0x00, A: 0xFF}, // vermillion
	color.RGBA{R: 0x00, G: 0x9E, B: 0x73, A: 0xFF}, // bluish green
	color.RGBA{R: 0xCC, G: 0x79, B: 0xA7, A: 0xFF}, // reddish purple
	color.RGBA{R: 0xE6, G: 0x9F, B: 0x00, A: 0xFF}, // orange
	color.RGBA{R: 0x56, G: 0xB4, B: 0xE9, A: 0xFF}, // sky blue
	color.RGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xFF}, // black
}

// dashPatterns are the line dash patterns in points (on, off, ...).
// The first series is drawn solid.
var dashPatterns = [][]vg.Length{
	nil,
	{vg.Points(6), vg.Points(3)},
	{vg.Points(1.5), vg.Points(2)},
	{vg.Points(6), vg.Points(2), vg.Points(1.5), vg.Points(2)},
	{vg.Points(10), vg.Points(3)},
	{vg.Points(3), vg.Points(3)},
	{vg.Points(6), vg.Points(2), vg.Points(1.5), vg.Points(2), vg.Points(1.5), vg.Points(2)},
}

// glyphShapes are the point markers. Filled shapes come first because they
// stay distinct at small sizes.
var glyphShapes = []draw.GlyphDrawer{
	draw.CircleGlyph{},
	draw.PyramidGlyph{},
	draw.BoxGlyph{},
	draw.CrossGlyph{},
	draw.RingGlyph{},
	draw.PlusGlyph{},
	draw.TriangleGlyph{},
}

// hatchPatterns are the bar fill patterns, one per bar series.
var hatchPatterns = []hatch{
	hatchNone,
	hatchForward,
	hatchBackward,
	hatchCross,
	hatchHorizontal,
	hatchVertical,
	hatchGrid,
}

// NOTE: palette, dashPatterns, glyphShapes and hatchPatterns have the same
// length, so a series with index i and one with index i+7 look the same.
// Charts with more than seven series are not distinguishable without the
// legend order.
var styleCount = len(palette)

var (
	gridColor   = color.Gray{Y: 0xDD}
	markerColor = color.Gray{Y: 0x44}
)

// resolveSize applies the defaults to a requested chart size and rejects a
// negative one.
func resolveSize(width, height vg.Length) (vg.Length, vg.Length, error) {
	if width < 0 || height < 0 {
		return 0, 0, fmt.Errorf("plot: invalid size %v × %v (width and height must be positive, or zero for the default)", width, height)
	}
	if width == 0 {
		width = DefaultWidth
	}
	if height == 0 {
		height = DefaultHeight
	}
	return width, height, nil
}

func checkYLabel(label string) error {
	if strings.TrimSpace(label) == "" {
		return ErrMissingYLabel
	}
	return nil
}

// gridLines selects the lines of the light grid behind the data.
type gridLines struct {
	// horizontal lines mark the y ticks and vertical lines the x ticks.
	horizontal, vertical bool
}

// newPlot returns a plot with the package fonts, the given labels and a
// light grid behind the data.
func newPlot(title, xLabel, yLabel string, lines gridLines) *gonumplot.Plot {
	p := gonumplot.New()

	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sansFont, titleFontSize)
	p.Title.Padding = vg.Points(6)

	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, axis := range []*gonumplot.Axis{&p.X, &p.Y} {
		axis.Label.TextStyle.Font = font.From(sansFont, labelFontSize)
		axis.Tick.Label.Font = font.From(sansFont, tickFontSize)
	}

	grid := plotter.NewGrid()
	grid.Horizontal = draw.LineStyle{}
	grid.Vertical = draw.LineStyle{}
	if lines.horizontal {
		grid.Horizontal = draw.LineStyle{Color: gridColor, Width: vg.Points(0.5)}
	}
	if lines.vertical {
		grid.Vertical = draw.LineStyle{Color: gridColor, Width: vg.Points(0.5)}
	}
	p.Add(grid)

	return p
}

func newLegend() gonumplot.Legend {
	legend := gonumplot.NewLegend()
	legend.TextStyle.Font = font.From(sansFont, legendFontSize)
	legend.Top = true
	legend.Left = true
	legend.ThumbnailWidth = vg.Points(24)
	legend.Padding = vg.Points(2)
	return legend
}

// legendGap is the space on each side of a legend, between it and the plot
// and between it and the right edge.
const legendGap = 4 * vg.Millimeter

// renderSVG draws p on an SVG canvas of the given size. A non-nil legend
// goes to the right of the plot so that it never covers data, with its top
// level with the top of the data area.
func renderSVG(p *gonumplot.Plot, legend *gonumplot.Legend, width, height vg.Length, embedFonts bool) ([]byte, error) {
	canvas := vgsvg.NewWith(vgsvg.UseWH(width, height), vgsvg.EmbedFonts(embedFonts))
	whole := draw.New(canvas)

	if legend == nil {
		p.Draw(whole)
	} else {
		legendWidth := legendGap + legend.Rectangle(whole).Size().X + legendGap
		if legendWidth >= width/2 {
			return nil, fmt.Errorf("plot: legend is %v wide, more than half of the %v chart width (shorten the series names or widen the chart)", legendWidth, width)
		}

		var titleHeight vg.Length
		if p.Title.Text != "" {
			titleHeight = p.Title.TextStyle.Rectangle(p.Title.Text).Size().Y + p.Title.Padding
		}

		p.Draw(draw.Crop(whole, 0, -legendWidth, 0, 0))
		legend.Draw(draw.Crop(whole, width-legendWidth+legendGap, -legendGap, 0, -titleHeight))
	}

	var out bytes.Buffer
	if _, err := canvas.WriteTo(&out); err != nil {
		return nil, fmt.Errorf("plot: writing SVG: %w", err)
	}
	return bytes.ReplaceAll(out.Bytes(), svgFontFamily, svgFontFamilyWithFallbacks), nil
}

// vgsvg names only the font's own family in each text element's style, so
// renderSVG adds the metric-compatible fallbacks of sansFont. The @font-face
// rule of an embedded font is written as font-family:"Liberation Sans" and
// does not match.
var (
	svgFontFamily              = []byte("font-family:Liberation Sans;")
	svgFontFamilyWithFallbacks = []byte("font-family:'Liberation Sans',Arimo,Arial,Helvetica,sans-serif;")
)
