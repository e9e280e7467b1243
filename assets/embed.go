// Package assets holds the files every HTML report inlines: Apache ECharts,
// the world map geometry, and our own stylesheet and script. They are
// embedded in the binary so a report needs no network to build or to open.
//
// The vendored files change only through scripts/update-assets.sh, which
// records their upstream versions and SHA-256 sums in README.md; licences
// are in LICENSES/.
package assets

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
)

//go:embed echarts.min.js topojson-client.min.js countries-110m.json report.css report.js
var files embed.FS

// Assets is the text inlined into a report. Tests pass stub values so that
// golden files hold the report's markup rather than a megabyte of vendored
// JavaScript.
type Assets struct {
	ECharts  string // echarts.min.js
	TopoJSON string // topojson-client.min.js: turns WorldMap into GeoJSON in the page
	// WorldMap is countries-110m TopoJSON, HTML-escaped so that it can sit
	// inside a <script type="application/json"> element.
	WorldMap string
	CSS      string // report.css
	JS       string // report.js
}

// Load returns the embedded assets. It fails only if the embedded files are
// unusable (a bad refresh), which tests catch.
func Load() (Assets, error) {
	read := func(name string) (string, error) {
		b, err := files.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("read embedded asset %s: %w", name, err)
		}
		return string(b), nil
	}
	var a Assets
	var err error
	if a.ECharts, err = read("echarts.min.js"); err != nil {
		return a, err
	}
	if a.TopoJSON, err = read("topojson-client.min.js"); err != nil {
		return a, err
	}
	if a.CSS, err = read("report.css"); err != nil {
		return a, err
	}
	if a.JS, err = read("report.js"); err != nil {
		return a, err
	}
	world, err := files.ReadFile("countries-110m.json")
	if err != nil {
		return a, fmt.Errorf("read embedded asset countries-110m.json: %w", err)
	}
	if !json.Valid(world) {
		return a, fmt.Errorf("embedded asset countries-110m.json is not valid JSON")
	}
	// HTMLEscape rewrites <, >, & and U+2028/U+2029 inside JSON strings as
	// \u escapes, so the data cannot end its <script> element.
	var buf bytes.Buffer
	json.HTMLEscape(&buf, world)
	a.WorldMap = buf.String()
	return a, nil
}
