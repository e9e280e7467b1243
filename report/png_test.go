package report

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strings"
	"testing"
)

// TestPNG draws every chart of the small and hostile reports: each is a
// PNG of the asked width, in the chart's proportions, with more than the
// background in it, and the same bytes every time.
func TestPNG(t *testing.T) {
	r, err := NewRaster(realAssets(t).WorldMap)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]Input{"small": smallInput(), "hostile": hostileInput()} {
		rep := Build(in)
		for id, c := range rep.Charts {
			var a, b bytes.Buffer
			if err := r.PNG(&a, c, 600); err != nil {
				t.Errorf("%s/%s: %v", name, id, err)
				continue
			}
			if err := r.PNG(&b, c, 600); err != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("%s/%s: two drawings differ (err %v)", name, id, err)
			}
			img, err := png.Decode(&a)
			if err != nil {
				t.Errorf("%s/%s: %v", name, id, err)
				continue
			}
			wantH := (600*height(c.Size) + width(c, emailStackWidth) - 1) / width(c, emailStackWidth)
			if c.Size == "map" {
				wantH = (600*mapH + mapW - 1) / mapW
			}
			if got := img.Bounds().Size(); got != image.Pt(600, wantH) {
				t.Errorf("%s/%s: %v, want 600x%d", name, id, got, wantH)
			}
			if n := colours(img); n < 3 {
				t.Errorf("%s/%s: %d colours; the chart is blank", name, id, n)
			}
		}
	}
	empty := &Chart{ID: "chart-x"}
	if err := r.PNG(&bytes.Buffer{}, empty, 600); !errors.Is(err, ErrNoChart) {
		t.Errorf("empty chart: %v, want ErrNoChart", err)
	}
}

// colours counts the distinct colours of img, up to 100.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= 100 {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// TestParseRings reads the path writeRing writes back into the same points.
func TestParseRings(t *testing.T) {
	var sb strings.Builder
	writeRing(&sb, [][2]float64{{-180, 84}, {-170, 84}, {-170, 74}, {-180, 84}})
	got := parseRings(sb.String())
	if len(got) != 1 || len(got[0]) != 3 {
		t.Fatalf("parseRings(%q) = %v", sb.String(), got)
	}
	x, y := project(-170, 74)
	if p := got[0][2]; p[0] != float32(int(x+0.5)) || p[1] != float32(int(y+0.5)) {
		t.Errorf("third point %v, want (%v, %v)", p, x, y)
	}
}

// boxes is a canvas that records the rectangles drawn.
type boxes struct {
	svgWriter
	rects [][4]float64
}

func (b *boxes) rect(x, y, w, h float64, fill, tip string) {
	b.rects = append(b.rects, [4]float64{x, y, w, h})
}

// TestStackLegendWraps: a timeline with many operations, drawn as narrow
// as email draws it, keeps every legend key inside the drawing.
func TestStackLegendWraps(t *testing.T) {
	st := &StaticStack{X: []string{"2022-01-01", "2022-01-02"}}
	for i := range 8 {
		st.Series = append(st.Series, StaticSeries{Name: fmt.Sprintf("PutBucketLifecycleConfiguration%d", i), Color: "#123456", Values: []int64{1, 2}})
	}
	for _, w := range []int{emailStackWidth, stackWidth} {
		b := &boxes{}
		drawStack(b, "wide", w, st, "alerts")
		var keys int
		for _, r := range b.rects {
			if r[2] == 12 && r[3] == 12 {
				keys++
				if r[0]+12+16+7.5*24 > float64(w) {
					t.Errorf("width %d: legend key at x=%v runs past the edge", w, r[0])
				}
			}
		}
		if keys != 8 {
			t.Errorf("width %d: %d legend keys, want 8", w, keys)
		}
	}
}
