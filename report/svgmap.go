package report

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The static map is equirectangular, cropped to the latitudes people live
// at (Antarctica is left out, as on the interactive map).
const (
	mapW            = 1000
	mapNorth        = 84.0
	mapSouth        = -58.0
	mapScale        = mapW / 360.0
	mapH            = 394 // (mapNorth - mapSouth) * mapScale, whole units
	antarcticaID    = "010"
	antimeridianLon = 150.0
)

func project(lon, lat float64) (x, y float64) {
	return (lon + 180) * mapScale, (mapNorth - lat) * mapScale
}

// topology is the part of a TopoJSON document the map needs.
type topology struct {
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Objects struct {
		Countries struct {
			Geometries []struct {
				Type string          `json:"type"`
				ID   string          `json:"id"`
				Arcs json.RawMessage `json:"arcs"`
			} `json:"geometries"`
		} `json:"countries"`
	} `json:"objects"`
	Arcs [][][2]float64 `json:"arcs"`
}

// landPath turns the world TopoJSON into SVG path data for every country,
// projected like the bubbles. The result depends only on the asset, so
// WriteHTML computes it once per report.
func landPath(topoJSON string) (string, error) {
	var t topology
	if err := json.Unmarshal([]byte(topoJSON), &t); err != nil {
		return "", fmt.Errorf("decode world map: %w", err)
	}
	// Decode the arcs: delta-encoded and quantised when there is a transform.
	arcs := make([][][2]float64, len(t.Arcs))
	for i, arc := range t.Arcs {
		pts := make([][2]float64, len(arc))
		var x, y float64
		for j, p := range arc {
			if t.Transform != nil {
				x, y = x+p[0], y+p[1]
				pts[j] = [2]float64{x*t.Transform.Scale[0] + t.Transform.Translate[0], y*t.Transform.Scale[1] + t.Transform.Translate[1]}
			} else {
				pts[j] = p
			}
		}
		arcs[i] = pts
	}
	ring := func(idx []int) ([][2]float64, error) {
		var out [][2]float64
		for k, a := range idx {
			rev := a < 0
			if rev {
				a = ^a
			}
			if a >= len(arcs) {
				return nil, fmt.Errorf("decode world map: arc %d of %d", a, len(arcs))
			}
			pts := arcs[a]
			for j := range pts {
				p := pts[j]
				if rev {
					p = pts[len(pts)-1-j]
				}
				if k > 0 && j == 0 {
					continue // shared with the previous arc's end
				}
				out = append(out, p)
			}
		}
		return out, nil
	}
	var b strings.Builder
	for _, g := range t.Objects.Countries.Geometries {
		if g.ID == antarcticaID {
			continue
		}
		var polys [][][]int
		switch g.Type {
		case "Polygon":
			var p [][]int
			if err := json.Unmarshal(g.Arcs, &p); err != nil {
				return "", fmt.Errorf("decode world map: country %s: %w", g.ID, err)
			}
			polys = [][][]int{p}
		case "MultiPolygon":
			if err := json.Unmarshal(g.Arcs, &polys); err != nil {
				return "", fmt.Errorf("decode world map: country %s: %w", g.ID, err)
			}
		default:
			continue
		}
		for _, poly := range polys {
			for _, idx := range poly {
				r, err := ring(idx)
				if err != nil {
					return "", err
				}
				writeRing(&b, r)
			}
		}
	}
	return b.String(), nil
}

// writeRing appends one closed ring in relative integer coordinates,
// which keep the path small; points that round to the last one are
// dropped.
func writeRing(b *strings.Builder, r [][2]float64) {
	// A ring that crosses the antimeridian (Russia, Fiji) would stroke
	// across the whole map: move its western half east, as report.js does.
	var west, east bool
	for _, p := range r {
		west = west || p[0] < -antimeridianLon
		east = east || p[0] > antimeridianLon
	}
	var pts [][2]int
	for _, p := range r {
		lon := p[0]
		if west && east && lon < 0 {
			lon += 360
		}
		x, y := project(lon, p[1])
		q := [2]int{int(math.Round(x)), int(math.Round(y))}
		if len(pts) > 0 && pts[len(pts)-1] == q {
			continue
		}
		pts = append(pts, q)
	}
	if len(pts) > 1 && pts[0] == pts[len(pts)-1] {
		pts = pts[:len(pts)-1]
	}
	if len(pts) < 3 {
		return
	}
	b.WriteString("M" + strconv.Itoa(pts[0][0]) + " " + strconv.Itoa(pts[0][1]))
	b.WriteByte('l')
	for i := 1; i < len(pts); i++ {
		dx, dy := pts[i][0]-pts[i-1][0], pts[i][1]-pts[i-1][1]
		if i > 1 && dx >= 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(dx))
		if dy >= 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(dy))
	}
	b.WriteByte('z')
}
