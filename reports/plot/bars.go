package plot

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"

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

	// Horizontal lists the groups down the y axis, the first at the top,
	// with bars that grow to the right, so that long group names stay
	// readable. YLabel still names the quantity and XLabel the groups,
	// so YLabel is then drawn under the x axis and XLabel beside the y
	// axis.
	Horizontal bool

	// Width and Height are the chart size. Zero means DefaultWidth or
	// DefaultHeight.
	Width, Height vg.Length

	// EmbedFonts embeds the Liberation Sans font data in the SVG, which
	// adds several hundred kilobytes.
	EmbedFonts bool
}

// Bars draws one bar per series in each group, side by side, and returns
// the chart as an SVG document. The value axis always includes zero, which
// is the base of every bar. It returns ErrMissingYLabel when opts.YLabel is
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

	bars := newBarPlotter(len(groups), series, opts.Horizontal)
	var p *gonumplot.Plot
	if opts.Horizontal {
		// The grid marks the values, which run along the x axis here.
		p = newPlot(opts.Title, opts.YLabel, opts.XLabel, gridLines{vertical: true})
		// NominalY puts name i at y = i, from the bottom up, so the
		// names go in reversed to put the first group at the top.
		reversed := slices.Clone(groups)
		slices.Reverse(reversed)
		p.NominalY(reversed...)
	} else {
		p = newPlot(opts.Title, opts.XLabel, opts.YLabel, gridLines{horizontal: true})
		p.NominalX(groups...)
	}
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

// barPlotter draws all bar series. The bars of group g are centred on
// x = g, which is where gonumplot.Plot.NominalX puts the group name. When
// horizontal, they are centred on y = groupCount-1-g instead, which is
// where NominalY puts the name when the groups go in reversed.
type barPlotter struct {
	groupCount int
	series     []BarSeries
	styles     []barStyle
	horizontal bool
}

var (
	_ gonumplot.Plotter    = (*barPlotter)(nil)
	_ gonumplot.DataRanger = (*barPlotter)(nil)
)

func newBarPlotter(groupCount int, series []BarSeries, horizontal bool) *barPlotter {
	bp := &barPlotter{groupCount: groupCount, series: series, horizontal: horizontal}
	for i := range series {
		style := i % styleCount
		bp.styles = append(bp.styles, barStyle{
			fill:    tint(palette[style], 0.5),
			pattern: hatchPatterns[style],
		})
	}
	return bp
}

// Plot implements gonumplot.Plotter. The series of a group are drawn left
// to right, or top to bottom when horizontal, in the order of the legend.
func (bp *barPlotter) Plot(c draw.Canvas, p *gonumplot.Plot) {
	trX, trY := p.Transforms(&c)
	barWidth := groupWidth / float64(len(bp.series))

	for s, series := range bp.series {
		for g, value := range series.Values {
			if math.IsNaN(value) {
				continue
			}
			var bar vg.Rectangle
			if bp.horizontal {
				top := float64(bp.groupCount-1-g) + groupWidth/2 - float64(s)*barWidth
				base := trX(0)
				bar = vg.Rectangle{
					Min: vg.Point{X: min(base, trX(value)), Y: trY(top - barWidth)},
					Max: vg.Point{X: max(base, trX(value)), Y: trY(top)},
				}
			} else {
				left := float64(g) - groupWidth/2 + float64(s)*barWidth
				base := trY(0)
				bar = vg.Rectangle{
					Min: vg.Point{X: trX(left), Y: min(base, trY(value))},
					Max: vg.Point{X: trX(left + barWidth), Y: max(base, trY(value))},
				}
			}
			bp.styles[s].draw(&c, bar)
		}
	}
}

// DataRange implements gonumplot.DataRanger. The value range always
// includes zero, the base of the bars.
func (bp *barPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	groupMin := -0.5
	groupMax := float64(bp.groupCount) - 0.5
	var valueMin, valueMax float64
	for _, series := range bp.series {
		for _, v := range series.Values {
			if !math.IsNaN(v) {
				valueMin, valueMax = math.Min(valueMin, v), math.Max(valueMax, v)
			}
		}
	}
	if bp.horizontal {
		return valueMin, valueMax, groupMin, groupMax
	}
	return groupMin, groupMax, valueMin, valueMax
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
