package report

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// Raster draws static charts as PNG images, for email, where neither SVG
// nor script runs. A Raster holds the parsed font and world outline; it is
// safe for concurrent use (each PNG call has its own face and image).
type Raster struct {
	font *opentype.Font
	land [][][2]float32 // rings in map units
}

// NewRaster prepares to draw charts with worldMap (the TopoJSON asset) as
// the map's outline; "" draws the map's bubbles on an empty sea.
func NewRaster(worldMap string) (*Raster, error) {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("parse chart font: %w", err)
	}
	r := &Raster{font: f}
	if worldMap != "" {
		path, err := landPath(worldMap)
		if err != nil {
			return nil, err
		}
		r.land = parseRings(path)
	}
	return r, nil
}

// emailStackWidth is the timeline's viewBox width in a PNG, shown about
// 550 px wide: its 12-unit text stays readable.
const emailStackWidth = 640

// ErrNoChart is returned by PNG for a chart with no data.
var ErrNoChart = errors.New("chart has no data")

// PNG writes chart c as a PNG image px pixels wide; its height keeps the
// chart's proportions. The same chart gives the same bytes.
func (r *Raster) PNG(w io.Writer, c *Chart, px int) error {
	if px < 1 {
		return fmt.Errorf("chart %s: width %d px", c.ID, px)
	}
	scale := float64(px) / float64(width(c, emailStackWidth))
	face, err := opentype.NewFace(r.font, &opentype.FaceOptions{Size: 12 * scale, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return fmt.Errorf("chart %s: %w", c.ID, err)
	}
	defer face.Close()
	cv := &rasterCanvas{s: scale, face: face, rings: r.land, z: vector.NewRasterizer(1, 1)}
	// Any non-empty land makes drawMap paint it; the canvas holds the rings.
	if !drawChart(cv, c, "land", emailStackWidth) {
		return fmt.Errorf("chart %s: %w", c.ID, ErrNoChart)
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, cv.img)
}

// The light theme's colours (report.css): card, muted text, rules and land.
var (
	cardColor  = color.RGBA{0xff, 0xff, 0xff, 0xff}
	mutedColor = color.RGBA{0x5d, 0x66, 0x79, 0xff}
	lineColor  = color.RGBA{0xe3, 0xe7, 0xef, 0xff}
)

// rasterCanvas is the canvas that paints into an image, s pixels a unit.
type rasterCanvas struct {
	img   *image.RGBA
	s     float64
	face  font.Face
	rings [][][2]float32
	z     *vector.Rasterizer
}

func (cv *rasterCanvas) open(w, h int) {
	cv.img = image.NewRGBA(image.Rect(0, 0, int(math.Ceil(float64(w)*cv.s)), int(math.Ceil(float64(h)*cv.s))))
	draw.Draw(cv.img, cv.img.Bounds(), image.NewUniform(cardColor), image.Point{}, draw.Src)
}

func (cv *rasterCanvas) group(string) {}
func (cv *rasterCanvas) end()         {}

// fill paints the polygons (closed, in units) with c, rasterizing only
// their bounding box.
func (cv *rasterCanvas) fill(c color.Color, polys ...[][2]float32) {
	minX, minY := float32(math.Inf(1)), float32(math.Inf(1))
	maxX, maxY := float32(math.Inf(-1)), float32(math.Inf(-1))
	s := float32(cv.s)
	for _, p := range polys {
		for _, q := range p {
			minX, minY = min(minX, q[0]*s), min(minY, q[1]*s)
			maxX, maxY = max(maxX, q[0]*s), max(maxY, q[1]*s)
		}
	}
	box := image.Rect(int(math.Floor(float64(minX))), int(math.Floor(float64(minY))), int(math.Ceil(float64(maxX))), int(math.Ceil(float64(maxY)))).Intersect(cv.img.Bounds())
	if box.Empty() {
		return
	}
	cv.z.Reset(box.Dx(), box.Dy())
	ox, oy := float32(box.Min.X), float32(box.Min.Y)
	for _, p := range polys {
		if len(p) < 3 {
			continue
		}
		cv.z.MoveTo(p[0][0]*s-ox, p[0][1]*s-oy)
		for _, q := range p[1:] {
			cv.z.LineTo(q[0]*s-ox, q[1]*s-oy)
		}
		cv.z.ClosePath()
	}
	cv.z.Draw(cv.img, box, image.NewUniform(c), image.Point{})
}

func box(x, y, w, h float64) [][2]float32 {
	return [][2]float32{{float32(x), float32(y)}, {float32(x + w), float32(y)}, {float32(x + w), float32(y + h)}, {float32(x), float32(y + h)}}
}

func (cv *rasterCanvas) line(_ string, x1, y1, x2, y2 float64) {
	// Rules are horizontal or vertical: a box one unit across.
	cv.fill(lineColor, box(min(x1, x2)-0.5*b2f(x1 == x2), min(y1, y2)-0.5*b2f(y1 == y2), math.Abs(x2-x1)+b2f(x1 == x2), math.Abs(y2-y1)+b2f(y1 == y2)))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (cv *rasterCanvas) text(x, y float64, anchor string, middle bool, s string) {
	d := font.Drawer{Dst: cv.img, Src: image.NewUniform(mutedColor), Face: cv.face}
	px, py := x*cv.s, y*cv.s
	switch anchor {
	case "end":
		px -= float64(d.MeasureString(s)) / 64
	case "middle":
		px -= float64(d.MeasureString(s)) / 128
	}
	if middle {
		py += float64(cv.face.Metrics().CapHeight) / 128
	}
	d.Dot = fixed.Point26_6{X: fixed.Int26_6(math.Round(px * 64)), Y: fixed.Int26_6(math.Round(py * 64))}
	d.DrawString(s)
}

func (cv *rasterCanvas) rect(x, y, w, h float64, fill, _ string) {
	cv.fill(parseColor(fill, 0xff), box(x, y, w, h))
}

// arc is the points of a circle's arc from angle a over turn radians
// (clockwise from the top, as sector measures them).
func arc(cx, cy, r, a, turn float64) [][2]float32 {
	n := max(2, int(math.Ceil(math.Abs(turn)/(2*math.Pi)*96)))
	pts := make([][2]float32, 0, n+1)
	for i := 0; i <= n; i++ {
		t := a + turn*float64(i)/float64(n)
		pts = append(pts, [2]float32{float32(cx + r*math.Sin(t)), float32(cy - r*math.Cos(t))})
	}
	return pts
}

func (cv *rasterCanvas) sector(cx, cy, r0, r1, a, frac float64, fill string) {
	turn := frac * 2 * math.Pi
	outer := arc(cx, cy, r1, a, turn)
	inner := arc(cx, cy, r0, a+turn, -turn)
	cv.fill(parseColor(fill, 0xff), append(outer, inner...))
}

func (cv *rasterCanvas) ring(cx, cy, r0, r1 float64, c string) {
	// Opposite windings: the inner circle cuts the hole.
	cv.fill(parseColor(c, 0xff), arc(cx, cy, r1, 0, 2*math.Pi), arc(cx, cy, r0, 0, -2*math.Pi))
}

func (cv *rasterCanvas) bubble(cx, cy, r float64, fill, _ string) {
	cv.fill(parseColor(fill, 0xbf), arc(cx, cy, r, 0, 2*math.Pi))
	cv.fill(cardColor, arc(cx, cy, r+0.5, 0, 2*math.Pi), arc(cx, cy, math.Max(r-0.5, 0), 0, -2*math.Pi))
}

func (cv *rasterCanvas) land(string) {
	if len(cv.rings) > 0 {
		cv.fill(lineColor, cv.rings...)
	}
}

// parseColor reads our own "#rrggbb" colours, with alpha a
// (premultiplied, as image/color wants).
func parseColor(s string, a uint8) color.Color {
	if len(s) != 7 || s[0] != '#' {
		return mutedColor
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return mutedColor
	}
	pm := func(c uint64) uint8 { return uint8(c * uint64(a) / 0xff) }
	return color.RGBA{pm(v >> 16 & 0xff), pm(v >> 8 & 0xff), pm(v & 0xff), a}
}

// parseRings reads landPath's output back into rings: "M x y l dx dy ... z",
// integers, relative after the first point.
func parseRings(path string) [][][2]float32 {
	var rings [][][2]float32
	var cur [][2]float32
	var nums []int
	flush := func() {
		if len(nums) >= 2 {
			x, y := nums[0], nums[1]
			cur = append(cur, [2]float32{float32(x), float32(y)})
			for i := 2; i+1 < len(nums); i += 2 {
				x, y = x+nums[i], y+nums[i+1]
				cur = append(cur, [2]float32{float32(x), float32(y)})
			}
			rings = append(rings, cur)
		}
		cur, nums = nil, nums[:0]
	}
	for i := 0; i < len(path); {
		c := path[i]
		switch {
		case c == 'M':
			flush()
			i++
		case c == 'z':
			flush()
			i++
		case c == 'l' || c == ' ':
			i++
		default:
			j := i + 1
			for j < len(path) && path[j] >= '0' && path[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(path[i:j])
			if err != nil {
				i = j
				continue
			}
			nums = append(nums, n)
			i = j
		}
	}
	flush()
	return rings
}
