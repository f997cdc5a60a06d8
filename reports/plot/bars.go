package plot

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	gonumplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// BarSeries is one set of bars on a grouped bar chart. Values[i] is the bar
// in group i. A NaN value leaves that bar out.
type BarSeries struct {
	Name   string
	Values []float64
}

// BarOptions configures Bars. Only YLabel is required.
type BarOptions struct {
	Title string

	// YLabel names the quantity and its unit, such as "failures (count)".
	YLabel string

	// XLabel names what the groups are. It may be empty.
	XLabel string

	// Width and Height are the chart size. Zero means DefaultWidth or
	// DefaultHeight.
	Width, Height vg.Length

	// EmbedFonts embeds the Liberation Sans font data in the SVG, which
	// adds several hundred kilobytes.
	EmbedFonts bool
}

// Bars draws one bar per series in each group, side by side, and returns
// the chart as an SVG document. The y axis always includes zero, which is
// the base of every bar. It returns ErrMissingYLabel when opts.YLabel is
// empty.
func Bars(opts BarOptions, groups []string, series ...BarSeries) ([]byte, error) {
	if err := checkYLabel(opts.YLabel); err != nil {
		return nil, err
	}
	width, height, err := resolveSize(opts.Width, opts.Height)
	if err != nil {
		return nil, err
	}
	if err := validateBars(groups, series); err != nil {
		return nil, err
	}

	p := newPlot(opts.Title, opts.XLabel, opts.YLabel, false)
	p.NominalX(groups...)

	bars := newBarPlotter(len(groups), series)
	p.Add(bars)

	if len(series) < 2 {
		return renderSVG(p, nil, width, height, opts.EmbedFonts)
	}
	legend := newLegend()
	for i, s := range series {
		legend.Add(s.Name, bars.styles[i])
	}
	return renderSVG(p, &legend, width, height, opts.EmbedFonts)
}

func validateBars(groups []string, series []BarSeries) error {
	if len(groups) == 0 {
		return errors.New("plot: missing groups (pass at least one group name)")
	}
	if len(series) == 0 {
		return errors.New("plot: missing bar series (pass at least one BarSeries)")
	}

	for i, s := range series {
		if s.Name == "" && len(series) > 1 {
			return fmt.Errorf("plot: bar series %d is missing a Name (the legend shows a name for each series)", i)
		}
		if len(s.Values) != len(groups) {
			return fmt.Errorf("plot: bar series %q has %d values for %d groups (pass one value per group, NaN for none)", s.Name, len(s.Values), len(groups))
		}
		for j, v := range s.Values {
			if math.IsInf(v, 0) {
				return fmt.Errorf("plot: bar series %q has an invalid infinite value in group %q (use NaN to leave the bar out)", s.Name, groups[j])
			}
		}
	}
	return nil
}

// groupWidth is the share of the space between two group centres that the
// bars of one group fill.
const groupWidth = 0.8

// barPlotter draws all bar series. The bars of group g are centred on x = g,
// which is where gonumplot.Plot.NominalX puts the group name.
type barPlotter struct {
	groupCount int
	series     []BarSeries
	styles     []barStyle
}

var (
	_ gonumplot.Plotter    = (*barPlotter)(nil)
	_ gonumplot.DataRanger = (*barPlotter)(nil)
)

func newBarPlotter(groupCount int, series []BarSeries) *barPlotter {
	bp := &barPlotter{groupCount: groupCount, series: series}
	for i := range series {
		style := i % styleCount
		bp.styles = append(bp.styles, barStyle{
			fill:    tint(palette[style], 0.5),
			pattern: hatchPatterns[style],
		})
	}
	return bp
}

// Plot implements gonumplot.Plotter.
func (bp *barPlotter) Plot(c draw.Canvas, p *gonumplot.Plot) {
	trX, trY := p.Transforms(&c)
	barWidth := groupWidth / float64(len(bp.series))
	base := trY(0)

	for s, series := range bp.series {
		for g, value := range series.Values {
			if math.IsNaN(value) {
				continue
			}
			left := float64(g) - groupWidth/2 + float64(s)*barWidth
			bar := vg.Rectangle{
				Min: vg.Point{X: trX(left), Y: min(base, trY(value))},
				Max: vg.Point{X: trX(left + barWidth), Y: max(base, trY(value))},
			}
			bp.styles[s].draw(&c, bar)
		}
	}
}

// DataRange implements gonumplot.DataRanger. The y range always includes
// zero, the base of the bars.
func (bp *barPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin = -0.5
	xmax = float64(bp.groupCount) - 0.5
	for _, series := range bp.series {
		for _, v := range series.Values {
			if !math.IsNaN(v) {
				ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
			}
		}
	}
	return xmin, xmax, ymin, ymax
}

// barStyle is the look of one bar series: a light fill, a hatch pattern in
// black over it and a black outline.
type barStyle struct {
	fill    color.Color
	pattern hatch
}

var _ gonumplot.Thumbnailer = barStyle{}

var (
	barOutline = draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}
	hatchLine  = draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}
)

func (bs barStyle) draw(c *draw.Canvas, bar vg.Rectangle) {
	corners := []vg.Point{
		bar.Min,
		{X: bar.Max.X, Y: bar.Min.Y},
		bar.Max,
		{X: bar.Min.X, Y: bar.Max.Y},
	}
	c.FillPolygon(bs.fill, corners)
	c.StrokeLines(hatchLine, bs.pattern.lines(bar)...)
	c.StrokeLines(barOutline, append(corners, bar.Min))
}

// Thumbnail implements gonumplot.Thumbnailer with a small square bar.
func (bs barStyle) Thumbnail(c *draw.Canvas) {
	side := min(c.Size().X, c.Size().Y)
	centre := c.Center()
	bs.draw(c, vg.Rectangle{
		Min: vg.Point{X: centre.X - side/2, Y: centre.Y - side/2},
		Max: vg.Point{X: centre.X + side/2, Y: centre.Y + side/2},
	})
}

// tint mixes c with white. A share of 0 keeps c and 1 gives white.
func tint(c color.Color, share float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 {
		channel := float64(v >> 8)
		return uint8(math.Round(channel + (255-channel)*share))
	}
	return color.RGBA{R: mix(r), G: mix(g), B: mix(b), A: 0xFF}
}
