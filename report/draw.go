package report

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// canvas is what a static chart draws on: the SVG writer (svg.go) for the
// HTML report and the raster one (png.go) for email. Each chart is drawn
// once, in drawChart, so the SVG and the PNG of a chart are the same
// drawing. Coordinates are in the chart's viewBox units. Strings are
// untrusted and unescaped: escaping is the SVG writer's job. A tip is a
// tooltip, "" for none; rasters have no tooltips and ignore it.
type canvas interface {
	open(width, height int)
	// group starts a group of marks sharing tip; end closes it.
	group(tip string)
	end()
	// line is a 1-unit rule; class is "axis" or "grid".
	line(class string, x1, y1, x2, y2 float64)
	// text draws s from (x, y): anchor "" starts there, "end" and
	// "middle" end or centre it; middle centres it vertically on y
	// instead of sitting on it.
	text(x, y float64, anchor string, middle bool, s string)
	rect(x, y, w, h float64, fill, tip string)
	// sector is the slice of the ring between radii r0 and r1 from angle
	// a (radians clockwise from the top) over frac of a turn; ring is the
	// whole ring.
	sector(cx, cy, r0, r1, a, frac float64, fill string)
	ring(cx, cy, r0, r1 float64, color string)
	// bubble is a map marker: translucent fill, white edge.
	bubble(cx, cy, r float64, fill, tip string)
	// land fills the world outline, path data from landPath.
	land(path string)
}

// fit cuts s to at most n runes, ending it with an ellipsis when cut.
func fit(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return cutRunes(s, n-1) + "…"
}

// tip is a mark's tooltip: "label: 1,234 alerts".
func tip(label string, v int64, unit string) string {
	if v == 1 {
		unit = strings.TrimSuffix(unit, "s")
	}
	return label + ": " + num(v) + " " + unit
}

// drawChart draws c.Static on cv; land is the world map's outline as path
// data ("" draws bubbles on an empty sea), stackW the timeline's width. It
// reports false, having drawn nothing, for a chart with no data.
func drawChart(cv canvas, c *Chart, land string, stackW int) bool {
	s := c.Static
	switch {
	case len(s.Bars) > 0:
		drawBars(cv, c.Size, s.Bars, s.Unit)
	case len(s.Slices) > 0:
		drawDonut(cv, c.Size, s.Slices, s.Unit)
	case s.Stack != nil:
		drawStack(cv, c.Size, stackW, s.Stack, s.Unit)
	case s.Heat != nil:
		drawHeat(cv, c.Size, s.Heat, s.Unit)
	case c.Size == "map":
		drawMap(cv, s, land)
	default:
		return false
	}
	return true
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

// width is the viewBox width of a chart, with the timeline stackW wide.
func width(c *Chart, stackW int) int {
	switch {
	case c.Size == "map":
		return mapW
	case c.Static.Stack != nil:
		return stackW
	}
	return 600
}

// barLabelRunes is as many characters as the bar labels' column holds
// at 12 px (about 7 px each), wide characters included.
const barLabelRunes = 28

func drawBars(cv canvas, size string, bars []StaticBar, unit string) {
	const W, labelW, right = 600, 210, 56
	H := height(size)
	cv.open(W, H)
	var top int64 = 1
	for _, b := range bars {
		top = max(top, b.Value)
	}
	row := float64(H-8) / float64(max(len(bars), 4))
	bh := math.Min(row*0.7, 28)
	cv.line("axis", labelW, 4, labelW, float64(H-4))
	for i, b := range bars {
		y := 4 + row*float64(i)
		bw := float64(W-labelW-right) * float64(b.Value) / float64(top)
		cv.group(tip(orDefault(b.Title, b.Label), b.Value, unit))
		cv.text(labelW-6, y+row/2, "end", true, fit(b.Label, barLabelRunes))
		cv.rect(labelW, y+(row-bh)/2, math.Max(bw, 1), bh, b.Color, "")
		cv.text(float64(labelW)+bw+4, y+row/2, "", true, num(b.Value))
		cv.end()
	}
}

func drawDonut(cv canvas, size string, slices []StaticBar, unit string) {
	const W, cx, r0, r1 = 600, 170.0, 70.0, 120.0
	H := height(size)
	cy := float64(H) / 2
	cv.open(W, H)
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
		cv.group(tip(orDefault(s.Title, s.Label), s.Value, unit))
		if frac >= 0.9999 {
			// One slice is the whole ring; an arc from a point to itself draws nothing.
			cv.ring(cx, cy, r0, r1, s.Color)
		} else if frac > 0 {
			cv.sector(cx, cy, r0, r1, a, frac, s.Color)
			a += frac * 2 * math.Pi
		}
		cv.end()
	}
	legend(cv, slices, 320, cy-float64(len(slices))*11, true)
}

// legend lists colour keys in a column from (x, y), with values when asked.
func legend(cv canvas, keys []StaticBar, x, y float64, values bool) {
	for i, k := range keys {
		yy := y + float64(i)*22
		cv.group("")
		cv.rect(x, yy, 12, 12, k.Color, "")
		label := fit(k.Label, 30)
		if values {
			label += " (" + num(k.Value) + ")"
		}
		cv.text(x+18, yy+6, "", true, label)
		cv.end()
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

// stackWidth is the timeline's viewBox width in the HTML report, where it
// spans the page; email shows it in a 600 px column, drawn narrower so its
// text is not shrunk to nothing (Raster).
const stackWidth = 1000

func drawStack(cv canvas, size string, W int, st *StaticStack, unit string) {
	const left, right, bottom = 48, 12, 28
	H := height(size)
	cv.open(W, H)
	// The legend runs along the top, in as many rows as it needs.
	type key struct {
		x, y float64
		s    StaticSeries
	}
	var keys []key
	x, y := float64(left), 6.0
	for _, s := range st.Series {
		w := 16 + 7.5*float64(utf8.RuneCountInString(fit(s.Name, 24))) + 14
		if x > left && x+w-14 > float64(W-right) {
			x, y = left, y+20
		}
		keys = append(keys, key{x, y, s})
		x += w
	}
	top := int(y) + 30
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
		cv.line("grid", left, y, float64(W-right), y)
		cv.text(left-4, y, "end", true, num(v))
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
			cv.rect(x, base, bw, h, s.Color, tip(st.X[i]+" "+s.Name, v, unit))
		}
	}
	// About one date label per 125 units, whatever the number of bars.
	labels := max(2, W/125)
	every := max(1, (n+labels-1)/labels)
	for i := 0; i < n; i += every {
		cv.text(float64(left)+slot*(float64(i)+0.5), float64(H-8), "middle", false, st.X[i])
	}
	for _, k := range keys {
		cv.group("")
		cv.rect(k.x, k.y, 12, 12, k.s.Color, "")
		cv.text(k.x+16, k.y+6, "", true, fit(k.s.Name, 24))
		cv.end()
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

func drawHeat(cv canvas, size string, cells *[7][24]int64, unit string) {
	const W, left, top, cw, ch = 600, 40, 4, 23, 34
	H := height(size)
	cv.open(W, H)
	var most int64
	for _, row := range cells {
		for _, v := range row {
			most = max(most, v)
		}
	}
	for r, row := range cells {
		cv.text(left-6, top+float64(r*ch)+ch/2, "end", true, weekdays[r])
		for h, v := range row {
			cv.rect(float64(left+h*cw), float64(top+r*ch), cw-1, ch-1, heatColor(v, most), tip(fmt.Sprintf("%s %02d:00 UTC", weekdays[r], h), v, unit))
		}
	}
	for h := 0; h < 24; h += 2 {
		cv.text(float64(left+h*cw+cw/2), top+7*ch+14, "middle", false, fmt.Sprintf("%02d", h))
	}
	cv.text(left+12*cw, top+7*ch+34, "middle", false, "hour (UTC)")
	// The scale: none to the busiest cell.
	for k := range 5 {
		cv.rect(float64(left+8*cw+k*20), float64(H-16), 20, 10, heatColor(most*int64(k)/4, most), "")
	}
	cv.text(left+8*cw-4, float64(H-11), "end", true, "0")
	cv.text(left+8*cw+104, float64(H-11), "", true, num(most))
}

func drawMap(cv canvas, s Static, land string) {
	cv.open(mapW, mapH)
	if land != "" {
		cv.land(land)
	}
	// The interactive symbol size is a diameter in pixels on a map about
	// 700 px wide; this map is 1000 units wide.
	for _, p := range s.Points {
		x, y := project(p.Lon, p.Lat)
		cv.bubble(x, y, float64(p.Size)*0.7, p.Color, tip(p.Title, p.Value, s.Unit))
	}
	if len(s.Legend) > 0 {
		legend(cv, s.Legend, 12, float64(mapH)-12-22*float64(len(s.Legend)), false)
	}
}
