package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/honeyreport/honeyreport/internal/golden"
)

// staticCharts draws every chart of rep, in id order, with the real
// world map.
func staticCharts(t testing.TB, rep *Report) string {
	t.Helper()
	land, err := landPath(realAssets(t).WorldMap)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	ids := make([]string, 0, len(rep.Charts))
	for id := range rep.Charts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		b.WriteString("<!-- " + id + " -->\n" + string(staticSVG(rep.Charts[id], land)) + "\n")
	}
	return b.String()
}

func TestStaticChartsGolden(t *testing.T) {
	rep := Build(smallInput())
	got := staticCharts(t, rep)
	golden.Check(t, "testdata/small.svg.golden", []byte(got))
	if again := staticCharts(t, Build(smallInput())); again != got {
		t.Error("static charts differ between two renderings of the same input")
	}
	for id, c := range rep.Charts {
		if staticSVG(c, "") == "" {
			t.Errorf("chart %s has no static drawing", id)
		}
	}
}

func TestLandPath(t *testing.T) {
	land, err := landPath(realAssets(t).WorldMap)
	if err != nil {
		t.Fatal(err)
	}
	// Every country but Antarctica, as closed rings inside the map.
	if n := strings.Count(land, "M"); n < 200 {
		t.Errorf("world outline has %d rings, want the 110m countries' (over 200)", n)
	}
	if strings.Count(land, "M") != strings.Count(land, "z") {
		t.Error("world outline has an unclosed ring")
	}
	for _, bad := range []string{`{"objects":{"countries":{"geometries":[{"type":"Polygon","arcs":[[5]]}]}},"arcs":[]}`, `not json`} {
		if _, err := landPath(bad); err == nil {
			t.Errorf("landPath(%s) succeeded", bad)
		}
	}
}

// TestStaticChartsHostile draws the hostile report's charts: every label
// is text (no element or attribute comes from data), long labels are cut
// with an ellipsis and kept whole in the tooltip.
func TestStaticChartsHostile(t *testing.T) {
	rep := Build(hostileInput())
	elems := map[string]bool{"svg": true, "g": true, "rect": true, "line": true, "path": true, "circle": true, "text": true, "title": true}
	attrs := map[string]bool{"class": true, "viewBox": true, "width": true, "height": true, "x": true, "y": true, "x1": true, "x2": true, "y1": true, "y2": true,
		"cx": true, "cy": true, "r": true, "d": true, "fill": true, "fill-opacity": true, "stroke": true, "stroke-width": true, "text-anchor": true, "dominant-baseline": true}
	for id, c := range rep.Charts {
		out := string(staticSVG(c, ""))
		if out == "" {
			t.Errorf("%s: no static drawing", id)
			continue
		}
		doc, err := html.Parse(strings.NewReader("<!DOCTYPE html><body>" + out))
		if err != nil {
			t.Fatal(err)
		}
		var titles, texts []string
		for n := range doc.Descendants() {
			if n.Type != html.ElementNode || n.Data == "html" || n.Data == "head" || n.Data == "body" {
				continue
			}
			if !elems[n.Data] {
				t.Errorf("%s: element <%s> in the static chart", id, n.Data)
			}
			for _, a := range n.Attr {
				if !attrs[a.Key] {
					t.Errorf("%s: attribute %s=%q on <%s>", id, a.Key, a.Val, n.Data)
				}
			}
			switch n.Data {
			case "title":
				titles = append(titles, textOf(n))
			case "text":
				texts = append(texts, textOf(n))
			}
		}
		if len(titles) == 0 {
			t.Errorf("%s: no tooltips", id)
		}
		all := strings.Join(titles, "\n") + strings.Join(texts, "\n")
		// The weekday, family and severity labels are ours.
		if id != "weekday" && id != "uafamilies" && id != "threat" && !strings.Contains(all, "<script>alert(1)</script>") {
			t.Errorf("%s: the payload is not shown as text", id)
		}
		if id == "useragents" {
			// Every cut label has its whole text in its tooltip.
			cut := 0
			for _, s := range texts {
				prefix, ok := strings.CutSuffix(s, "…")
				if !ok {
					continue
				}
				cut++
				if !slices.ContainsFunc(titles, func(tt string) bool { return strings.HasPrefix(tt, prefix) && len(tt) > len(s)+len(": 2 alerts") }) {
					t.Errorf("useragents: label %q has no tooltip with the whole agent", s)
				}
			}
			if cut == 0 {
				t.Errorf("useragents: no label cut with an ellipsis: %q", texts)
			}
		}
	}
}

func TestTimeBuckets(t *testing.T) {
	days := func(n int) []time.Time {
		d := make([]time.Time, n)
		for i := range d {
			d[i] = time.Date(2021, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
		}
		return d
	}
	for _, tc := range []struct {
		name        string
		days        int
		buckets     int
		first, last string
	}{
		{"daily", 40, 40, "2021-12-30", "2022-02-07"},
		{"weekly", 200, 29, "2021-12-27", "2022-07-11"},
		{"monthly", 1000, 34, "2021-12", "2024-09"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			labels, bucket := timeBuckets(days(tc.days))
			if len(labels) != tc.buckets || labels[0] != tc.first || labels[len(labels)-1] != tc.last {
				t.Errorf("got %d buckets %s .. %s, want %d %s .. %s", len(labels), labels[0], labels[len(labels)-1], tc.buckets, tc.first, tc.last)
			}
			if len(bucket) != tc.days || bucket[0] != 0 || bucket[tc.days-1] != len(labels)-1 {
				t.Errorf("day buckets %v..., want one per day from 0 to %d", bucket[:3], len(labels)-1)
			}
		})
	}
}

// BenchmarkStaticCharts draws the real report's static charts, world
// outline included: the time the SVG adds to writing the HTML report.
func BenchmarkStaticCharts(b *testing.B) {
	in, ok := realCSVInput(b)
	if !ok {
		b.Skip("real data not present")
	}
	rep := Build(in)
	world := realAssets(b).WorldMap
	b.ReportAllocs()
	for b.Loop() {
		land, err := landPath(world)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range rep.Charts {
			staticSVG(c, land)
		}
	}
}
