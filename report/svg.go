package report

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Static is a chart's data as plain values, drawn by drawChart as
// inline SVG (staticSVG) and as PNG (Raster): the chart a reader sees with scripts off (on screen and in
// print), and until report.js replaces it. One of Bars, Slices, Stack, Heat and
// Points is set.
type Static struct {
	Bars   []StaticBar // horizontal bars, top to bottom
	Slices []StaticBar // donut slices, clockwise from the top
	Stack  *StaticStack
	Heat   *[7][24]int64 // rows Monday first, columns UTC hours
	Points []StaticPoint // map bubbles, drawn in order (last on top)
	Legend []StaticBar   // colour keys for Points; Value unused
	Unit   string        // what a value counts: "alerts", "IPs"
}

// StaticBar is one labelled value. Label is already cleaned and cut for
// the chart; Title is the whole label for the tooltip.
type StaticBar struct {
	Label, Title string
	Value        int64
	Color        string
}

// StaticStack is the timeline: Series stacked over the X buckets.
type StaticStack struct {
	X      []string
	Series []StaticSeries
}

type StaticSeries struct {
	Name, Color string
	Values      []int64 // aligned with X
}

// StaticPoint is a map bubble at the interactive map's position; Size is
// the interactive symbol size (diameter).
type StaticPoint struct {
	Lon, Lat float64
	Size     int
	Color    string
	Title    string
	Value    int64
}

// svgWriter is the canvas that builds one SVG element. Every string goes
// through esc; numbers are formatted with a fixed precision so the bytes
// do not depend on the platform.
type svgWriter struct {
	b strings.Builder
}

func (w *svgWriter) f(format string, args ...any) { fmt.Fprintf(&w.b, format, args...) }

// esc escapes s for SVG text and for attribute values in double quotes.
func esc(s string) string { return template.HTMLEscapeString(s) }

// n1 formats a coordinate with at most one decimal.
func n1(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// staticSVG draws c.Static; land is the world map's outline as path data
// ("" draws bubbles on an empty sea). It returns "" for a chart with no data.
func staticSVG(c *Chart, land string) template.HTML {
	w := &svgWriter{}
	if !drawChart(w, c, land, stackWidth) {
		return ""
	}
	w.b.WriteString("</svg>")
	// Every string was escaped by the canvas; the rest is our own markup.
	return template.HTML(w.b.String())
}

// open starts the element. The box around it is the role="img" element
// with the chart's description, so the drawing needs no label of its own.
func (w *svgWriter) open(width, height int) {
	w.f(`<svg class="static" viewBox="0 0 %d %d" width="100%%" height="100%%">`, width, height)
}

func (w *svgWriter) title(tip string) {
	if tip != "" {
		w.f(`<title>%s</title>`, esc(tip))
	}
}

func (w *svgWriter) group(tip string) {
	w.b.WriteString("<g>")
	w.title(tip)
}

func (w *svgWriter) end() { w.b.WriteString("</g>") }

func (w *svgWriter) line(class string, x1, y1, x2, y2 float64) {
	w.f(`<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s"/>`, class, n1(x1), n1(y1), n1(x2), n1(y2))
}

func (w *svgWriter) text(x, y float64, anchor string, middle bool, s string) {
	w.f(`<text x="%s" y="%s"`, n1(x), n1(y))
	if anchor != "" {
		w.f(` text-anchor="%s"`, anchor)
	}
	if middle {
		w.b.WriteString(` dominant-baseline="middle"`)
	}
	w.f(`>%s</text>`, esc(s))
}

func (w *svgWriter) rect(x, y, width, height float64, fill, tip string) {
	w.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"`, n1(x), n1(y), n1(width), n1(height), fill)
	if tip == "" {
		w.b.WriteString("/>")
		return
	}
	w.b.WriteString(">")
	w.title(tip)
	w.b.WriteString("</rect>")
}

func (w *svgWriter) sector(cx, cy, r0, r1, a, frac float64, fill string) {
	b := a + frac*2*math.Pi
	large := 0
	if frac > 0.5 {
		large = 1
	}
	pt := func(r, t float64) string { return n1(cx+r*math.Sin(t)) + " " + n1(cy-r*math.Cos(t)) }
	w.f(`<path d="M%sA%s %s 0 %d 1 %sL%sA%s %s 0 %d 0 %sZ" fill="%s"/>`,
		pt(r1, a), n1(r1), n1(r1), large, pt(r1, b), pt(r0, b), n1(r0), n1(r0), large, pt(r0, a), fill)
}

func (w *svgWriter) ring(cx, cy, r0, r1 float64, color string) {
	w.f(`<circle cx="%s" cy="%s" r="%s" fill="none" stroke="%s" stroke-width="%s"/>`, n1(cx), n1(cy), n1((r0+r1)/2), color, n1(r1-r0))
}

func (w *svgWriter) bubble(cx, cy, r float64, fill, tip string) {
	w.f(`<circle cx="%s" cy="%s" r="%s" fill="%s" fill-opacity="0.75" stroke="#fff" stroke-width="1">`, n1(cx), n1(cy), n1(r), fill)
	w.title(tip)
	w.b.WriteString("</circle>")
}

func (w *svgWriter) land(path string) { w.f(`<path class="land" d="%s"/>`, path) }
