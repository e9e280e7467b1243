package report

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Static is a chart's data as plain values, drawn as inline SVG by
// staticSVG: the chart a reader sees with scripts off (on screen and in
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

// svgWriter builds one SVG element. Every string from the model goes
// through text or attr, which escape it; numbers are formatted with a
// fixed precision so the bytes do not depend on the platform.
type svgWriter struct {
	b    strings.Builder
	unit string
}

func (w *svgWriter) f(format string, args ...any) { fmt.Fprintf(&w.b, format, args...) }

// esc escapes s for SVG text and for attribute values in double quotes.
func esc(s string) string { return template.HTMLEscapeString(s) }

// fit cuts s to at most n runes, ending it with an ellipsis when cut.
func fit(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return cutRunes(s, n-1) + "…"
}

// n1 formats a coordinate with at most one decimal.
func n1(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// open starts the element. The box around it is the role="img" element
// with the chart's description, so the drawing needs no label of its own.
func (w *svgWriter) open(width, height int) {
	w.f(`<svg class="static" viewBox="0 0 %d %d" width="100%%" height="100%%">`, width, height)
}

func (w *svgWriter) tip(label string, v int64) {
	unit := w.unit
	if v == 1 {
		unit = strings.TrimSuffix(unit, "s")
	}
	w.f(`<title>%s: %s %s</title>`, esc(label), num(v), esc(unit))
}

// staticSVG draws c.Static; land is the world map's outline as path data
// ("" draws bubbles on an empty sea). It returns "" for a chart with no data.
func staticSVG(c *Chart, land string) template.HTML {
	s := c.Static
	w := &svgWriter{unit: s.Unit}
	switch {
	case len(s.Bars) > 0:
		w.bars(c, s.Bars)
	case len(s.Slices) > 0:
		w.donut(c, s.Slices)
	case s.Stack != nil:
		w.stack(c, s.Stack)
	case s.Heat != nil:
		w.heat(c, s.Heat)
	case c.Size == "map":
		w.worldMap(c, s, land)
	default:
		return ""
	}
	w.b.WriteString("</svg>")
	// Every string was escaped above; the rest is our own markup.
	return template.HTML(w.b.String())
}

// height is the viewBox height for the chart's box size, so the drawing
// keeps the box's proportions at its usual width.
func height(size string) int {
	switch size {
	case "tall":
		return 440
	case "wide":
		return 340
	case "map":
		return 400
	}
	return 300
}

// barLabelRunes is as many characters as the bar labels' column holds
// at 12 px (about 7 px each), wide characters included.
const barLabelRunes = 28

func (w *svgWriter) bars(c *Chart, bars []StaticBar) {
	const W, labelW, right = 600, 210, 56
	H := height(c.Size)
	w.open(W, H)
	var top int64 = 1
	for _, b := range bars {
		top = max(top, b.Value)
	}
	row := float64(H-8) / float64(max(len(bars), 4))
	bh := math.Min(row*0.7, 28)
	w.f(`<line class="axis" x1="%d" y1="4" x2="%d" y2="%d"/>`, labelW, labelW, H-4)
	for i, b := range bars {
		y := 4 + row*float64(i)
		bw := float64(W-labelW-right) * float64(b.Value) / float64(top)
		w.b.WriteString("<g>")
		w.tip(orDefault(b.Title, b.Label), b.Value)
		w.f(`<text x="%d" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`, labelW-6, n1(y+row/2), esc(fit(b.Label, barLabelRunes)))
		w.f(`<rect x="%d" y="%s" width="%s" height="%s" fill="%s"/>`, labelW, n1(y+(row-bh)/2), n1(math.Max(bw, 1)), n1(bh), b.Color)
		w.f(`<text x="%s" y="%s" dominant-baseline="middle">%s</text>`, n1(float64(labelW)+bw+4), n1(y+row/2), num(b.Value))
		w.b.WriteString("</g>")
	}
}

func (w *svgWriter) donut(c *Chart, slices []StaticBar) {
	const W, cx, r0, r1 = 600, 170.0, 70.0, 120.0
	H := height(c.Size)
	cy := float64(H) / 2
	w.open(W, H)
	var total int64
	for _, s := range slices {
		total += s.Value
	}
	if total <= 0 {
		total = 1
	}
	a := 0.0
	for _, s := range slices {
		frac := float64(s.Value) / float64(total)
		w.b.WriteString("<g>")
		w.tip(orDefault(s.Title, s.Label), s.Value)
		if frac >= 0.9999 {
			// One slice is the whole ring; an arc from a point to itself draws nothing.
			w.f(`<circle cx="%s" cy="%s" r="%s" fill="none" stroke="%s" stroke-width="%s"/>`, n1(cx), n1(cy), n1((r0+r1)/2), s.Color, n1(r1-r0))
		} else if frac > 0 {
			b := a + frac*2*math.Pi
			large := 0
			if frac > 0.5 {
				large = 1
			}
			pt := func(r, t float64) string { return n1(cx+r*math.Sin(t)) + " " + n1(cy-r*math.Cos(t)) }
			w.f(`<path d="M%sA%s %s 0 %d 1 %sL%sA%s %s 0 %d 0 %sZ" fill="%s"/>`,
				pt(r1, a), n1(r1), n1(r1), large, pt(r1, b), pt(r0, b), n1(r0), n1(r0), large, pt(r0, a), s.Color)
			a = b
		}
		w.b.WriteString("</g>")
	}
	w.legend(slices, 320, cy-float64(len(slices))*11, true)
}

// legend lists colour keys in a column from (x, y), with values when asked.
func (w *svgWriter) legend(keys []StaticBar, x, y float64, values bool) {
	for i, k := range keys {
		yy := y + float64(i)*22
		w.f(`<g><rect x="%s" y="%s" width="12" height="12" fill="%s"/>`, n1(x), n1(yy), k.Color)
		label := esc(fit(k.Label, 30))
		if values {
			label += " (" + num(k.Value) + ")"
		}
		w.f(`<text x="%s" y="%s" dominant-baseline="middle">%s</text></g>`, n1(x+18), n1(yy+6), label)
	}
}

// axisStep is the gridline interval for values up to most: 1, 2 or 5
// times a power of ten, giving at most about five lines.
func axisStep(most int64) int64 {
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p*4 >= most {
				return m * p
			}
		}
	}
}

func (w *svgWriter) stack(c *Chart, st *StaticStack) {
	const W, left, right, top, bottom = 1000, 48, 12, 36, 28
	H := height(c.Size)
	w.open(W, H)
	n := len(st.X)
	totals := make([]int64, n)
	for _, s := range st.Series {
		for i, v := range s.Values {
			totals[i] += v
		}
	}
	var most int64
	for _, t := range totals {
		most = max(most, t)
	}
	step := axisStep(most)
	ymax := max(1, (most+step-1)/step) * step
	plotH := float64(H - top - bottom)
	for v := int64(0); v <= ymax; v += step {
		y := float64(H-bottom) - plotH*float64(v)/float64(ymax)
		w.f(`<line class="grid" x1="%d" y1="%s" x2="%d" y2="%s"/>`, left, n1(y), W-right, n1(y))
		w.f(`<text x="%d" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`, left-4, n1(y), num(v))
	}
	slot := float64(W-left-right) / float64(max(n, 1))
	bw := math.Max(slot*0.8, 0.5)
	for i := range n {
		x := float64(left) + slot*float64(i) + (slot-bw)/2
		base := float64(H - bottom)
		for _, s := range st.Series {
			v := s.Values[i]
			if v == 0 {
				continue
			}
			h := plotH * float64(v) / float64(ymax)
			base -= h
			w.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s">`, n1(x), n1(base), n1(bw), n1(h), s.Color)
			w.tip(st.X[i]+" "+s.Name, v)
			w.b.WriteString("</rect>")
		}
	}
	// About eight date labels, whatever the number of bars.
	every := max(1, (n+7)/8)
	for i := 0; i < n; i += every {
		w.f(`<text x="%s" y="%d" text-anchor="middle">%s</text>`, n1(float64(left)+slot*(float64(i)+0.5)), H-8, esc(st.X[i]))
	}
	x := float64(left)
	for _, s := range st.Series {
		w.f(`<g><rect x="%s" y="6" width="12" height="12" fill="%s"/><text x="%s" y="12" dominant-baseline="middle">%s</text></g>`, n1(x), s.Color, n1(x+16), esc(fit(s.Name, 24)))
		x += 16 + 7.5*float64(utf8.RuneCountInString(fit(s.Name, 24))) + 14
	}
}

// heatColors is the interactive heatmap's colour ramp, from none to most.
var heatColors = [][3]float64{{0xee, 0xf1, 0xfd}, {0x93, 0xa5, 0xf5}, {0x4f, 0x6b, 0xed}, {0x2b, 0x3a, 0x9e}}

func heatColor(v, most int64) string {
	f := float64(v) / float64(max(most, 1)) * float64(len(heatColors)-1)
	i := min(int(f), len(heatColors)-2)
	t := f - float64(i)
	var rgb [3]int
	for k := range rgb {
		rgb[k] = int(math.Round(heatColors[i][k] + (heatColors[i+1][k]-heatColors[i][k])*t))
	}
	return fmt.Sprintf("#%02x%02x%02x", rgb[0], rgb[1], rgb[2])
}

func (w *svgWriter) heat(c *Chart, cells *[7][24]int64) {
	const W, left, top, cw, ch = 600, 40, 4, 23, 34
	H := height(c.Size)
	w.open(W, H)
	var most int64
	for _, row := range cells {
		for _, v := range row {
			most = max(most, v)
		}
	}
	for r, row := range cells {
		w.f(`<text x="%d" y="%d" text-anchor="end" dominant-baseline="middle">%s</text>`, left-6, top+r*ch+ch/2, weekdays[r])
		for h, v := range row {
			w.f(`<rect x="%d" y="%d" width="%d" height="%d" fill="%s">`, left+h*cw, top+r*ch, cw-1, ch-1, heatColor(v, most))
			w.tip(fmt.Sprintf("%s %02d:00 UTC", weekdays[r], h), v)
			w.b.WriteString("</rect>")
		}
	}
	for h := 0; h < 24; h += 2 {
		w.f(`<text x="%d" y="%d" text-anchor="middle">%02d</text>`, left+h*cw+cw/2, top+7*ch+14, h)
	}
	w.f(`<text x="%d" y="%d" text-anchor="middle">hour (UTC)</text>`, left+12*cw, top+7*ch+34)
	// The scale: none to the busiest cell.
	for k := range 5 {
		w.f(`<rect x="%d" y="%d" width="20" height="10" fill="%s"/>`, left+8*cw+k*20, H-16, heatColor(most*int64(k)/4, most))
	}
	w.f(`<text x="%d" y="%d" text-anchor="end" dominant-baseline="middle">0</text>`, left+8*cw-4, H-11)
	w.f(`<text x="%d" y="%d" dominant-baseline="middle">%s</text>`, left+8*cw+104, H-11, num(most))
}
