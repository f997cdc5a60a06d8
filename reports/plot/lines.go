package plot

import (
	"math"

	gonumplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

const (
	lineWidth   = vg.Length(1.25)
	glyphRadius = vg.Length(2.5)

	// maxGlyphs is the maximum number of glyphs on one series. Glyphs
	// identify the series without colour and do not mark every sample,
	// because hundreds of them would merge into a thick band.
	maxGlyphs = 20
)

// seriesPlotter draws one Series as a line broken at NaN values, with
// glyphs on some of its points. It also draws its own legend thumbnail.
type seriesPlotter struct {
	// segments are the runs of consecutive finite points.
	segments [][]plotter.XY
	glyphs   []plotter.XY
	line     draw.LineStyle
	glyph    draw.GlyphStyle
}

var (
	_ gonumplot.Plotter     = (*seriesPlotter)(nil)
	_ gonumplot.DataRanger  = (*seriesPlotter)(nil)
	_ gonumplot.GlyphBoxer  = (*seriesPlotter)(nil)
	_ gonumplot.Thumbnailer = (*seriesPlotter)(nil)
)

// newSeriesPlotter styles s as series number index of count.
func newSeriesPlotter(s Series, index, count int) *seriesPlotter {
	style := index % styleCount
	sp := &seriesPlotter{
		line: draw.LineStyle{
			Color:  palette[style],
			Width:  lineWidth,
			Dashes: dashPatterns[style],
		},
		glyph: draw.GlyphStyle{
			Color:  palette[style],
			Radius: glyphRadius,
			Shape:  glyphShapes[style],
		},
	}

	var segment []plotter.XY
	for i, v := range s.Values {
		if math.IsNaN(v) {
			if len(segment) > 0 {
				sp.segments = append(sp.segments, segment)
				segment = nil
			}
			continue
		}
		segment = append(segment, plotter.XY{X: timeToX(s.Times[i]), Y: v})
	}
	if len(segment) > 0 {
		sp.segments = append(sp.segments, segment)
	}

	for _, i := range glyphIndices(s.Values, index, count) {
		sp.glyphs = append(sp.glyphs, plotter.XY{X: timeToX(s.Times[i]), Y: s.Values[i]})
	}
	return sp
}

// glyphIndices returns the indices of values that get a glyph, in order.
// Every finite value gets one when there are at most maxGlyphs. Otherwise
// every step-th finite value does, with the start shifted by series so that
// glyphs of overlapping series do not sit on top of each other. A finite
// value between two gaps always gets a glyph, because it has no line and
// would otherwise be invisible.
func glyphIndices(values []float64, series, seriesCount int) []int {
	var finite []int
	for i, v := range values {
		if !math.IsNaN(v) {
			finite = append(finite, i)
		}
	}

	selected := make([]bool, len(values))
	if len(finite) <= maxGlyphs {
		for _, i := range finite {
			selected[i] = true
		}
	} else {
		step := (len(finite) + maxGlyphs - 1) / maxGlyphs
		offset := series % seriesCount * step / seriesCount
		for k := offset; k < len(finite); k += step {
			selected[finite[k]] = true
		}
	}

	for _, i := range finite {
		gapBefore := i == 0 || math.IsNaN(values[i-1])
		gapAfter := i == len(values)-1 || math.IsNaN(values[i+1])
		if gapBefore && gapAfter {
			selected[i] = true
		}
	}

	var indices []int
	for i, ok := range selected {
		if ok {
			indices = append(indices, i)
		}
	}
	return indices
}

// Plot implements gonumplot.Plotter. Each segment is stroked as its own
// path, so a gap leaves the line open.
func (sp *seriesPlotter) Plot(c draw.Canvas, p *gonumplot.Plot) {
	trX, trY := p.Transforms(&c)

	for _, segment := range sp.segments {
		if len(segment) < 2 {
			continue
		}
		points := make([]vg.Point, len(segment))
		for i, xy := range segment {
			points[i] = vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
		}
		c.StrokeLines(sp.line, c.ClipLinesXY(points)...)
	}

	for _, xy := range sp.glyphs {
		c.DrawGlyph(sp.glyph, vg.Point{X: trX(xy.X), Y: trY(xy.Y)})
	}
}

// DataRange implements gonumplot.DataRanger.
func (sp *seriesPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, segment := range sp.segments {
		for _, xy := range segment {
			xmin, xmax = math.Min(xmin, xy.X), math.Max(xmax, xy.X)
			ymin, ymax = math.Min(ymin, xy.Y), math.Max(ymax, xy.Y)
		}
	}
	return xmin, xmax, ymin, ymax
}

// GlyphBoxes implements gonumplot.GlyphBoxer, so that the axes leave room
// for glyphs at the edge of the data.
func (sp *seriesPlotter) GlyphBoxes(p *gonumplot.Plot) []gonumplot.GlyphBox {
	boxes := make([]gonumplot.GlyphBox, len(sp.glyphs))
	for i, xy := range sp.glyphs {
		boxes[i] = gonumplot.GlyphBox{
			X:         p.X.Norm(xy.X),
			Y:         p.Y.Norm(xy.Y),
			Rectangle: sp.glyph.Rectangle(),
		}
	}
	return boxes
}

// Thumbnail implements gonumplot.Thumbnailer with a short line and one glyph.
func (sp *seriesPlotter) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(sp.line, c.Min.X, y, c.Max.X, y)
	c.DrawGlyph(sp.glyph, c.Center())
}

// markerPlotter draws Markers as thin dashed vertical lines across the data
// area, with each label at the top beside its line.
type markerPlotter struct {
	markers []Marker
	line    draw.LineStyle
	label   text.Style
}

var (
	_ gonumplot.Plotter    = (*markerPlotter)(nil)
	_ gonumplot.DataRanger = (*markerPlotter)(nil)
)

// markerLabelPadding is the space between a marker line and its label, and
// between labels.
const markerLabelPadding = vg.Length(2)

func newMarkerPlotter(markers []Marker) *markerPlotter {
	return &markerPlotter{
		markers: sortedMarkers(markers),
		line: draw.LineStyle{
			Color:  markerColor,
			Width:  vg.Points(0.75),
			Dashes: []vg.Length{vg.Points(3), vg.Points(2)},
		},
		label: text.Style{
			Color:   markerColor,
			Font:    font.From(sansFont, markerFontSize),
			XAlign:  draw.XLeft,
			YAlign:  draw.YTop,
			Handler: gonumplot.DefaultTextHandler,
		},
	}
}

// Plot implements gonumplot.Plotter. A label goes right of its line, or left
// of it when it would run past the data area. A label that would overlap an
// earlier one moves down a row.
func (mp *markerPlotter) Plot(c draw.Canvas, p *gonumplot.Plot) {
	trX, _ := p.Transforms(&c)

	// rowEnds[r] is the right edge of the last label placed in row r.
	var rowEnds []vg.Length
	for _, m := range mp.markers {
		x := trX(timeToX(m.Time))
		c.StrokeLine2(mp.line, x, c.Min.Y, x, c.Max.Y)
		if m.Label == "" {
			continue
		}

		style := mp.label
		labelWidth := style.Width(m.Label)
		anchor := x + markerLabelPadding
		left := anchor
		if left+labelWidth > c.Max.X {
			style.XAlign = draw.XRight
			anchor = x - markerLabelPadding
			left = anchor - labelWidth
		}

		row := 0
		for row < len(rowEnds) && rowEnds[row]+markerLabelPadding > left {
			row++
		}
		if row == len(rowEnds) {
			rowEnds = append(rowEnds, 0)
		}
		rowEnds[row] = left + labelWidth

		rowHeight := style.Height(m.Label)
		y := c.Max.Y - markerLabelPadding - vg.Length(row)*rowHeight
		c.FillText(style, vg.Point{X: anchor, Y: y}, m.Label)
	}
}

// DataRange implements gonumplot.DataRanger. It covers the marker times. The
// y range it returns is +Inf to -Inf, which leaves the data's y range
// unchanged because gonumplot.Plot.Add takes the minimum and maximum.
func (mp *markerPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, m := range mp.markers {
		x := timeToX(m.Time)
		xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
	}
	return xmin, xmax, math.Inf(1), math.Inf(-1)
}
