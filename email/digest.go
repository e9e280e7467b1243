package email

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/honeyreport/honeyreport/report"
	"github.com/honeyreport/honeyreport/templates"
)

// digestRows bounds each of the digest's tables: the attached report
// has the rest.
const digestRows = 10

// Image is a chart shown in the digest, attached inline as a PNG.
type Image struct {
	CID   string // Content-ID, without angle brackets
	Title string
	Alt   string
	PNG   []byte
	// Src is where the digest's <img> finds it: cid:CID in a message,
	// a data: URL in the page (WritePage).
	Src template.URL
}

// digest is what digest.html renders: the report with its tables cut.
type digest struct {
	report.Report
	Subject  string
	Images   []Image
	TI       *tiRollup
	Attached string // attachment names, "" for none
	// Page is the digest as a web page of its own (WritePage): the
	// charts inline as data: URLs, under a CSP allowing nothing else.
	Page bool
}

func parseDigest() (*template.Template, error) {
	css := func(s string) func() template.CSS { return func() template.CSS { return template.CSS(s) } }
	t, err := template.New("digest.html").Funcs(template.FuncMap{
		"num":   report.Num,
		"num0":  func(n int) string { return report.Num(int64(n)) },
		"len64": func(v []report.EventRow) int64 { return int64(len(v)) },
		"th":    css("padding:4px 6px;border-bottom:2px solid #e3e7ef;color:#5d6679;font-size:12px;"),
		"td":    css("padding:4px 6px;border-bottom:1px solid #e3e7ef;vertical-align:top;overflow-wrap:anywhere;word-break:break-word;"),
		"tone":  tone,
		"rows":  rows,
	}).ParseFS(templates.FS, "digest.html")
	if err != nil {
		return nil, fmt.Errorf("parse digest template: %w", err)
	}
	return t, nil
}

// tone is the colour of a headline tone or a threat severity.
func tone(s string) template.CSS {
	switch s {
	case "bad", "high":
		return "#e5484d"
	case "warn", "warning":
		return "#f5a524"
	case "information":
		return "#3e9fd6"
	}
	return "#4f6bed"
}

// rows groups stats n to a row.
func rows(s []report.Stat, n int) [][]report.Stat {
	var out [][]report.Stat
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	if len(s) > 0 {
		out = append(out, s)
	}
	return out
}

func firstN[T any](s []T, n int) []T { return s[:min(len(s), n)] }

// writeDigest renders the HTML digest of rep for a message, its images
// referenced by cid:.
func writeDigest(w io.Writer, rep *report.Report, subject string, images []Image, attached []string) error {
	images = slices.Clone(images)
	for i := range images {
		images[i].Src = template.URL("cid:" + url.PathEscape(images[i].CID))
	}
	return renderDigest(w, digest{Report: *rep, Subject: subject, Images: images, TI: newTIRollup(rep), Attached: strings.Join(attached, ", ")})
}

// WritePage renders the digest of a message (subject, images as in
// Message) as a page of its own, one file with the charts inline, for a
// site's period folder: what the mail said, readable in a browser.
func WritePage(w io.Writer, rep *report.Report, subject string, images []Image) error {
	images = slices.Clone(images)
	for i := range images {
		images[i].Src = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(images[i].PNG))
	}
	return renderDigest(w, digest{Report: *rep, Subject: subject, Images: images, TI: newTIRollup(rep), Page: true})
}

func renderDigest(w io.Writer, d digest) error {
	t, err := parseDigest()
	if err != nil {
		return err
	}
	d.TopIPs = firstN(d.TopIPs, digestRows)
	d.Countries = firstN(d.Countries, digestRows)
	d.ASNs = firstN(d.ASNs, digestRows)
	d.UserAgents = firstN(d.UserAgents, digestRows)
	d.Writes = firstN(d.Writes, digestRows)
	d.Principals = firstN(d.Principals, digestRows)
	if err := t.Execute(w, d); err != nil {
		return fmt.Errorf("render digest: %w", err)
	}
	return nil
}

// tiRollup is the digest's threat-intelligence part: one sentence and the
// worst sources, one row each with every provider's verdict rolled up.
type tiRollup struct {
	Summary string
	Rows    []report.RollUpRow
}

// newTIRollup sums up rep's threat intelligence, nil when it did not run.
func newTIRollup(rep *report.Report) *tiRollup {
	t := rep.Threat
	if !t.Ran {
		return nil
	}
	r := &tiRollup{}
	switch {
	case t.AllFailed:
		r.Summary = "Every provider failed: nothing is known about the sources."
	case t.Flagged == 0:
		r.Summary = fmt.Sprintf("No source flagged by %s.", strings.Join(t.Providers, ", "))
	default:
		var parts []string
		for _, c := range t.BySeverity {
			parts = append(parts, fmt.Sprintf("%s %s", report.Plural(c.Events, "IP"), c.Label.Short))
		}
		r.Summary = fmt.Sprintf("%s flagged by %s: %s.", report.Plural(int64(t.Flagged), "source"), strings.Join(t.Providers, ", "), strings.Join(parts, ", "))
	}
	if t.Incomplete != "" {
		r.Summary += " " + t.Incomplete + "."
	}
	r.Rows = firstN(t.RollUp, digestRows)
	return r
}
