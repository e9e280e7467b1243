package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/honeyreport/honeyreport/site"
)

// siteLine is one S3 server access log line.
func siteLine(t time.Time, ip, op, ua string) string {
	req := `REST.GET.BUCKET - "GET /honey-bucket HTTP/1.1" 200 - 1234 - 7 -`
	if op == "put" {
		req = `REST.PUT.OBJECT upload.txt "PUT /honey-bucket/upload.txt HTTP/1.1" 403 AccessDenied 243 12 5 -`
	}
	return fmt.Sprintf(`79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be honey-bucket [%s] %s - 3E57427F3EXAMPLE %s "-" "%s" - x= SigV4 - AuthHeader honey-bucket.s3.amazonaws.com TLSv1.2 - -`,
		t.UTC().Format("02/Jan/2006:15:04:05 -0700"), ip, req, ua)
}

// hostileUA is in every week's log: it must come out inert in every
// page, the history and the feed.
const hostileUA = `<script>alert(1)</script>]]></content><entry>&amp;`

// siteWeek is what the log holds for one ISO week.
type siteWeek struct {
	period         string
	monday         time.Time // the Monday after the week: its run's now
	alerts, ips    int
	writes         int64
	newSources     int // -1: not compared
	previousPeriod string
}

// writeSiteLog writes three weeks of events, 2026-W48 to 2026-W50, and
// returns what each holds.
func writeSiteLog(t *testing.T, path string) []siteWeek {
	t.Helper()
	d := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	lines := []string{
		// 2026-W48: 4 alerts from 2 sources.
		siteLine(d("2026-11-23T10:00:00Z"), "8.8.8.8", "get", hostileUA),
		siteLine(d("2026-11-24T10:00:00Z"), "8.8.8.8", "get", "aws-cli/2.4.0"),
		siteLine(d("2026-11-25T10:00:00Z"), "8.8.8.8", "get", "aws-cli/2.4.0"),
		siteLine(d("2026-11-29T23:59:59Z"), "1.1.1.1", "get", "curl/8.0"),
		// 2026-W49: 5 alerts from 3 sources, 2 of them new, 1 write.
		siteLine(d("2026-11-30T00:00:00Z"), "8.8.8.8", "get", hostileUA),
		siteLine(d("2026-12-01T10:00:00Z"), "8.8.8.8", "get", "aws-cli/2.4.0"),
		siteLine(d("2026-12-02T10:00:00Z"), "9.9.9.9", "put", "curl/8.0"),
		siteLine(d("2026-12-03T10:00:00Z"), "9.9.9.10", "get", "curl/8.0"),
		siteLine(d("2026-12-04T10:00:00Z"), "9.9.9.10", "get", "curl/8.0"),
		// 2026-W50: 1 alert from 1 new source.
		siteLine(d("2026-12-09T10:00:00Z"), "1.0.0.1", "get", hostileUA),
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return []siteWeek{
		{"2026-W48", d("2026-11-30T06:00:00Z"), 4, 2, 0, -1, ""},
		{"2026-W49", d("2026-12-07T06:00:00Z"), 5, 3, 1, 2, "2026-W48"},
		{"2026-W50", d("2026-12-14T06:00:00Z"), 1, 1, 0, 1, "2026-W49"},
	}
}

// runWeek runs the README workflow's report step as of now.
func runWeek(t *testing.T, dir, log string, now time.Time, extra ...string) {
	t.Helper()
	vars := map[string]string{"SOURCE_DATE_EPOCH": fmt.Sprint(now.Unix())}
	args := append([]string{"report", log, "--window", "last-week", "--site", filepath.Join(dir, "site"), "-o", filepath.Join(dir, "report.html"),
		"--no-system-geoip", "-q"}, extra...)
	if _, stderr, code := runCmd(t, vars, args...); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
}

// TestSiteHistory runs three weekly jobs into one site, re-runs the
// middle week, then prunes to two weeks; after each step it checks the
// front page, history.json, the feed and every link against the periods'
// summaries.
func TestSiteHistory(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "access.log")
	weeks := writeSiteLog(t, log)
	root := filepath.Join(dir, "site")
	for _, w := range weeks {
		runWeek(t, dir, log, w.monday)
	}
	checkSite(t, root, weeks)

	// A re-run of the middle week, later: only its folder and the pages
	// listing the periods change.
	before := readTree(t, root)
	runWeek(t, dir, log, weeks[1].monday.Add(26*time.Hour))
	after := readTree(t, root)
	var changed []string
	for name, b := range after {
		if a, ok := before[name]; !ok || !bytes.Equal(a, b) {
			changed = append(changed, name)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			changed = append(changed, name+" (removed)")
		}
	}
	slices.Sort(changed)
	want := []string{"feed.xml", "history.json", "index.html", "reports/2026-W49/events.csv.gz", "reports/2026-W49/index.html", "reports/2026-W49/summary.json"}
	// The events are the same; their file may or may not differ.
	if !slices.Contains(changed, "reports/2026-W49/events.csv.gz") {
		want = slices.DeleteFunc(want, func(s string) bool { return s == "reports/2026-W49/events.csv.gz" })
	}
	if !slices.Equal(changed, want) {
		t.Errorf("re-running 2026-W49 changed %q, want %q", changed, want)
	}
	checkSite(t, root, weeks)

	// --site-keep 2 removes the oldest week.
	runWeek(t, dir, log, weeks[2].monday, "--site-keep", "2")
	if _, err := os.Stat(filepath.Join(root, "reports", "2026-W48")); err == nil {
		t.Error("--site-keep 2 kept 2026-W48")
	}
	checkSite(t, root, weeks[1:])
}

// atomFeed is what the test reads of an Atom 1.0 feed (RFC 4287).
type atomFeed struct {
	XMLName xml.Name     `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string       `xml:"id"`
	Title   string       `xml:"title"`
	Updated string       `xml:"updated"`
	Authors []atomPerson `xml:"author"`
	Links   []atomLink   `xml:"link"`
	Entries []struct {
		ID      string       `xml:"id"`
		Title   string       `xml:"title"`
		Updated string       `xml:"updated"`
		Authors []atomPerson `xml:"author"`
		Links   []atomLink   `xml:"link"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
}

// checkSite checks the site at root against weeks, oldest first.
func checkSite(t *testing.T, root string, weeks []siteWeek) {
	t.Helper()
	var h site.History
	if err := json.Unmarshal(mustRead(t, filepath.Join(root, "history.json")), &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Periods) != len(weeks) {
		t.Fatalf("history.json lists %d periods, want %d", len(h.Periods), len(weeks))
	}
	index := string(mustRead(t, filepath.Join(root, "index.html")))
	rows := periodRows(t, index)
	if len(rows) != len(weeks) {
		t.Fatalf("index.html lists %d periods, want %d: %q", len(rows), len(weeks), rows)
	}
	for i, w := range weeks {
		e := h.Periods[len(weeks)-1-i] // newest first
		s := readSummaryJSON(t, filepath.Join(root, "reports", w.period, "summary.json"))
		news := -1
		if e.NewSources != nil {
			news = *e.NewSources
		}
		if e.Period != w.period || e.Alerts != int64(w.alerts) || e.UniqueIPs != w.ips || e.WriteAttempts != w.writes || news != w.newSources {
			t.Errorf("history.json %s: %d alerts, %d IPs, %d writes, %d new; want %s: %d, %d, %d, %d",
				e.Period, e.Alerts, e.UniqueIPs, e.WriteAttempts, news, w.period, w.alerts, w.ips, w.writes, w.newSources)
		}
		if s.Totals.Events != e.Alerts || s.Totals.Attempts != e.Attempts || s.Totals.UniqueIPs != e.UniqueIPs || s.KeyFindings != e.KeyFindings {
			t.Errorf("history.json %s disagrees with its summary.json: %+v", e.Period, s.Totals)
		}
		if w.previousPeriod != "" && (s.Comparison == nil || !strings.Contains(s.Comparison.Baseline.Path, w.previousPeriod)) {
			t.Errorf("%s was not compared with the site's %s: %+v", w.period, w.previousPeriod, s.Comparison)
		}
		topCountry, topASN := "", ""
		if len(s.Countries) > 0 {
			topCountry = s.Countries[0].Code
		}
		if len(s.ASNs) > 0 {
			topASN = fmt.Sprintf("AS%d %s", s.ASNs[0].ASN, s.ASNs[0].Org)
		}
		newCell := "–"
		if w.newSources >= 0 {
			newCell = fmt.Sprint(w.newSources)
		}
		row := rows[len(weeks)-1-i]
		want := []string{w.period + "last week (" + w.period + ": " + e.Since[:10] + " – " + dayBefore(t, e.Until) + ")", fmt.Sprint(w.alerts), fmt.Sprint(w.alerts),
			fmt.Sprint(w.ips), newCell, fmt.Sprint(w.writes), strings.TrimSpace(topCountry), strings.TrimSpace(topASN), "0", "events.csv.gz · summary.json"}
		if !slices.Equal(row, want) {
			t.Errorf("index.html row %d:\n got %q\nwant %q", i, row, want)
		}
	}
	// The trend: one bar per period, oldest first, in the static SVG and
	// in the ECharts options.
	bars := trendBars(t, index)
	var want []string
	for _, w := range weeks {
		want = append(want, fmt.Sprintf("%s Alerts: %d alert", w.period, w.alerts))
	}
	if !slices.EqualFunc(bars, want, strings.HasPrefix) {
		t.Errorf("trend bars %q, want %q", bars, want)
	}
	if !bytes.Equal(mustRead(t, filepath.Join(root, "latest", "index.html")), mustRead(t, filepath.Join(root, "reports", weeks[len(weeks)-1].period, "index.html"))) {
		t.Error("latest/index.html is not the newest period's report")
	}
	if _, err := os.Stat(filepath.Join(root, ".nojekyll")); err != nil {
		t.Error(err)
	}

	// The feed, read as Atom: the feed's id, title, updated, author and
	// links (RFC 4287 4.1.1), and each entry's id, title, updated, link
	// and content (4.1.2).
	raw := mustRead(t, filepath.Join(root, "feed.xml"))
	var f atomFeed
	if err := xml.Unmarshal(raw, &f); err != nil {
		t.Fatalf("feed.xml: %v", err)
	}
	if !strings.HasPrefix(f.ID, "urn:uuid:") || f.Title == "" || !rfc3339(f.Updated) || len(f.Authors) == 0 || f.Authors[0].Name == "" {
		t.Errorf("feed: id %q, title %q, updated %q, authors %v", f.ID, f.Title, f.Updated, f.Authors)
	}
	if !hasLink(f.Links, "self", "feed.xml") {
		t.Errorf("feed links %v: no rel=self", f.Links)
	}
	if len(f.Entries) != len(weeks) {
		t.Fatalf("feed has %d entries, want %d", len(f.Entries), len(weeks))
	}
	ids := map[string]bool{}
	for i, e := range f.Entries {
		w := weeks[len(weeks)-1-i]
		ids[e.ID] = true
		if !strings.HasPrefix(e.ID, "urn:uuid:") || !strings.HasPrefix(e.Title, w.period) || !rfc3339(e.Updated) || e.Updated > f.Updated {
			t.Errorf("entry %d: id %q, title %q, updated %q", i, e.ID, e.Title, e.Updated)
		}
		if !hasLink(e.Links, "alternate", "reports/"+w.period+"/index.html") {
			t.Errorf("entry %s: links %v", w.period, e.Links)
		}
		if e.Content.Type != "html" || !strings.Contains(e.Content.Body, "<li>") || !strings.Contains(e.Content.Body, fmt.Sprintf("%d alert", w.alerts)) {
			t.Errorf("entry %s: content %s %q", w.period, e.Content.Type, e.Content.Body)
		}
		if strings.Contains(e.Content.Body, "<script") {
			t.Errorf("entry %s: the hostile user agent is live HTML in the content", w.period)
		}
	}
	if len(ids) != len(weeks) {
		t.Errorf("entry ids not unique: %v", ids)
	}
	if bytes.Contains(raw, []byte("<script")) || bytes.Contains(raw, []byte("<entry>&")) {
		t.Error("feed.xml holds a raw hostile string")
	}
	checkLinks(t, root)
}

func dayBefore(t *testing.T, until string) string {
	u, err := time.Parse(time.RFC3339, until)
	if err != nil {
		t.Fatal(err)
	}
	return u.AddDate(0, 0, -1).Format("2006-01-02")
}

func rfc3339(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

func hasLink(links []atomLink, rel, href string) bool {
	return slices.ContainsFunc(links, func(l atomLink) bool { return l.Rel == rel && l.Href == href })
}

// periodRows returns the text of each cell of the front page's table of
// periods, row by row.
func periodRows(t *testing.T, page string) [][]string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	var walk func(n *html.Node, in bool)
	walk = func(n *html.Node, in bool) {
		if n.Type == html.ElementNode && n.Data == "section" && attr(n, "id") == "periods" {
			in = true
		}
		if in && n.Type == html.ElementNode && n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" {
			var row []string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.Data == "td" {
					row = append(row, strings.TrimSpace(textOf(c)))
				}
			}
			rows = append(rows, row)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	walk(doc, false)
	return rows
}

// trendBars returns the tooltips of the trend's static bars.
func trendBars(t *testing.T, page string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var bars []string
	var walk func(n *html.Node, in bool)
	walk = func(n *html.Node, in bool) {
		if n.Type == html.ElementNode && attr(n, "id") == "chart-trend" {
			in = true
		}
		if in && n.Type == html.ElementNode && n.Data == "rect" {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.Data == "title" {
					bars = append(bars, textOf(c))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	walk(doc, false)
	return bars
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}

// checkLinks checks every href and src of every page in the site at root:
// a fragment, or a relative path to a file in the site. The one exception
// is an outbound link (rel=noopener) to a data source's home page in a
// report's attributions, which loads nothing.
func checkLinks(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		doc, err := html.Parse(bytes.NewReader(mustRead(t, p)))
		if err != nil {
			return err
		}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			for _, a := range n.Attr {
				if a.Key != "href" && a.Key != "src" {
					continue
				}
				u, err := url.Parse(a.Val)
				switch {
				case err != nil:
					t.Errorf("%s: <%s %s=%q>: %v", rel, n.Data, a.Key, a.Val, err)
				case u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "/"):
					if n.Data != "a" || a.Key != "href" || !strings.Contains(attr(n, "rel"), "noopener") || u.Scheme != "https" && u.Scheme != "http" {
						t.Errorf("%s: <%s %s=%q> is not relative", rel, n.Data, a.Key, a.Val)
					}
				case u.Path == "":
					// A fragment of the page itself.
				default:
					target := path.Join(path.Dir(filepath.ToSlash(rel)), u.Path)
					if strings.HasPrefix(target, "../") {
						t.Errorf("%s: %s=%q leaves the site", rel, a.Key, a.Val)
					} else if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(target))); err != nil || !fi.Mode().IsRegular() {
						t.Errorf("%s: %s=%q: no file %s in the site", rel, a.Key, a.Val, target)
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// readTree reads every file under root, by slash-separated relative path.
func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = mustRead(t, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
