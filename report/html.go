package report

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/templates"
)

// parseTemplates parses the embedded templates (the report, a site's
// front page, the partials they share), with land as the static map's
// outline (path data from landPath). It is called once per page written;
// the templates are small, and a package-level parsed template would be a
// global.
func parseTemplates(land string) (*template.Template, error) {
	t, err := template.New("report.html").Funcs(template.FuncMap{
		"svg":  func(c *Chart) template.HTML { return staticSVG(c, land) },
		"num":  num,
		"num0": func(n int) string { return num(int64(n)) },
		"pct":  pct,
		"chart": func(charts map[string]*Chart, id string) *Chart {
			return charts[id]
		},
		"sevClass": func(s string) string {
			switch s {
			case "high", "warning", "information":
				return "sev-" + s
			}
			return "sev-none"
		},
		"meter":        func(f float64) string { return fmt.Sprintf("%.3f", f) },
		"eventColumns": eventColumns,
		// args builds the argument map of a partial: args "Caption" "x" "Rows" .Rows.
		"args": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("args: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("args: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
	}).ParseFS(templates.FS, "report.html", "site.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse report templates: %w", err)
	}
	return t, nil
}

// page is what report.html renders.
type page struct {
	*Report
	CSP      string
	CSS      template.CSS
	ECharts  template.JS
	TopoJSON template.JS
	JS       template.JS
	WorldMap template.JS
}

// WriteHTML writes rep as one self-contained HTML document with a
// Content-Security-Policy that admits only the inline code in it.
func WriteHTML(w io.Writer, rep *Report, a assets.Assets) error {
	land, err := landPath(a.WorldMap)
	if err != nil {
		return err
	}
	t, err := parseTemplates(land)
	if err != nil {
		return err
	}
	a, err = inlineAssets(a)
	if err != nil {
		return err
	}
	p := page{
		Report: rep,
		// Assets are our own files or vendored releases checked by
		// scripts/update-assets.sh and the test above; never data.
		CSS:      template.CSS(a.CSS),
		ECharts:  template.JS(a.ECharts),
		TopoJSON: template.JS(a.TopoJSON),
		JS:       template.JS(a.JS),
		WorldMap: template.JS(a.WorldMap),
		CSP:      contentSecurityPolicy([]string{a.ECharts, a.TopoJSON, a.JS}, []string{a.CSS}),
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := t.Execute(bw, p); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return bw.Flush()
}

// inlineAssets checks that every asset can sit inside its <script> or
// <style> element and returns them as a browser will hash them for the
// CSP.
func inlineAssets(a assets.Assets) (assets.Assets, error) {
	for name, s := range map[string]string{"ECharts": a.ECharts, "TopoJSON": a.TopoJSON, "JS": a.JS, "WorldMap": a.WorldMap} {
		if containsLower(s, "</script") || containsLower(s, "<!--") {
			return a, fmt.Errorf("asset %s cannot be inlined: it contains </script or <!--", name)
		}
	}
	if containsLower(a.CSS, "</style") {
		return a, fmt.Errorf("asset CSS cannot be inlined: it contains </style")
	}
	// The HTML parser turns CRLF and CR into LF before a browser hashes an
	// inline block for the CSP, so hash (and write) the text as it will
	// see it. echarts.min.js has CRs inside template literals, where
	// JavaScript normalises them the same way.
	nl := strings.NewReplacer("\r\n", "\n", "\r", "\n")
	a.ECharts, a.TopoJSON, a.JS, a.CSS, a.WorldMap = nl.Replace(a.ECharts), nl.Replace(a.TopoJSON), nl.Replace(a.JS), nl.Replace(a.CSS), nl.Replace(a.WorldMap)
	return a, nil
}

// containsLower reports whether strings.ToLower(s) contains sub, a
// lower-case ASCII string starting with '<' (which has no other case),
// without making the lower-case copy: ECharts is a megabyte, and not
// ASCII, so that copy is made rune by rune and costs more than the check.
// Like strings.ToLower it lower-cases rune by rune, so "İ" matches "i".
func containsLower(s, sub string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0; {
		rest, k := s[i+1:], 1
		for ; k < len(sub); k++ {
			r, size := utf8.DecodeRuneInString(rest)
			if size == 0 || unicode.ToLower(r) != rune(sub[k]) {
				break
			}
			rest = rest[size:]
		}
		if k == len(sub) {
			return true
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}
