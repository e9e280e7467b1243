package site

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/report"
)

// stubAssets keep the pages small; the browser test uses the real ones.
var stubAssets = assets.Assets{ECharts: "/* echarts */", JS: "/* report.js */", CSS: "/* css */"}

const hostile = `<script>alert(1)</script>"'&]]><!--`

// summary is a period's JSON summary with the numbers the site lists.
type testSummary struct {
	events   int64
	ips      int
	country  string
	org      string
	high     []string // IPs with a high verdict
	findings string
	newSrc   int // -1: no comparison
}

func (s testSummary) write(w io.Writer) error {
	sum := report.SummaryJSON{
		Schema: report.SummarySchema, GeneratedAt: "2026-12-01T00:00:00Z",
		Totals:      report.TotalsJSON{Events: s.events, Attempts: 2 * s.events, UniqueIPs: s.ips, Writes: 1},
		KeyFindings: s.findings,
	}
	if s.country != "" {
		sum.Countries = []report.CountryJSON{{Code: "ZZ", Name: s.country, Count: s.events, IPs: s.ips}}
	}
	if s.org != "" {
		sum.ASNs = []report.ASNJSON{{ASN: 64500, Org: s.org, Count: s.events, IPs: s.ips}}
	}
	for _, ip := range s.high {
		// Two providers' verdicts on one source count it once.
		sum.ThreatIntel.Findings = append(sum.ThreatIntel.Findings, report.FindingJSON{IP: ip, Provider: "a", Severity: "high"},
			report.FindingJSON{IP: ip, Provider: "b", Severity: "high"})
	}
	sum.ThreatIntel.Findings = append(sum.ThreatIntel.Findings, report.FindingJSON{IP: "192.0.2.99", Provider: "a", Severity: "warning"})
	if s.newSrc >= 0 {
		sum.Comparison = &report.ComparisonJSON{Baseline: report.BaselineJSON{Label: "before"}, Sources: report.ChangesJSON{NewCount: s.newSrc}}
	}
	return sum.WriteJSON(w)
}

func text(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func add(t *testing.T, dir, name string, s testSummary, o Options, extra ...File) *Result {
	t.Helper()
	res, err := Add(dir, Period{Name: name, Report: text("<p>report " + name + "</p>"), Summary: s.write, Events: text("time,ip\n"), Extra: extra}, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func opts() Options {
	return Options{Title: "Site " + hostile, GeneratedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), ToolVersion: "test", Assets: stubAssets}
}

func readHistoryFile(t *testing.T, dir string) History {
	t.Helper()
	var h History
	b, err := os.ReadFile(filepath.Join(dir, HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestAddLists(t *testing.T) {
	dir := t.TempDir()
	add(t, dir, "2026-W47", testSummary{events: 3, ips: 2, country: "Nowhere", org: hostile, findings: "- three " + hostile + "\n", newSrc: -1}, opts())
	res := add(t, dir, "2026-W48", testSummary{events: 7, ips: 4, high: []string{"192.0.2.1", "192.0.2.2"}, findings: "- **seven**\n", newSrc: 2}, opts(),
		File{"digest.html", text("<p>digest</p>")})
	if len(res.Skipped) != 0 || len(res.Pruned) != 0 {
		t.Errorf("skipped %v, pruned %v", res.Skipped, res.Pruned)
	}
	h := readHistoryFile(t, dir)
	if len(h.Periods) != 2 || h.Periods[0].Period != "2026-W48" || h.Periods[1].Period != "2026-W47" {
		t.Fatalf("periods %+v", h.Periods)
	}
	w48, w47 := h.Periods[0], h.Periods[1]
	if w48.Alerts != 7 || w48.Attempts != 14 || w48.UniqueIPs != 4 || w48.WriteAttempts != 1 || w48.TIHigh != 2 || w48.NewSources == nil || *w48.NewSources != 2 ||
		w48.TopCountry != nil || w48.Since != "2026-11-23T00:00:00Z" || w48.Until != "2026-11-30T00:00:00Z" || !slices.Equal(w48.Files, []string{"digest.html", "events.csv.gz", "index.html", "summary.json"}) {
		t.Errorf("2026-W48: %+v", w48)
	}
	if w47.NewSources != nil || w47.TopCountry == nil || w47.TopCountry.Name != "Nowhere" || w47.TopASN == nil || w47.TopASN.Key != "AS64500" || w47.TopASN.Name != hostile {
		t.Errorf("2026-W47: %+v", w47)
	}
	zr, err := gzip.NewReader(bytes.NewReader(mustRead(t, filepath.Join(dir, "reports/2026-W48/events.csv.gz"))))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); string(b) != "time,ip\n" {
		t.Errorf("events.csv.gz holds %q", b)
	}
	if got := string(mustRead(t, filepath.Join(dir, LatestFile))); got != "<p>report 2026-W48</p>" {
		t.Errorf("latest/index.html is %q", got)
	}

	// Everything from a summary is escaped in the front page and the feed.
	index := string(mustRead(t, filepath.Join(dir, IndexFile)))
	feed := string(mustRead(t, filepath.Join(dir, FeedFile)))
	for name, page := range map[string]string{"index.html": index, "feed.xml": feed} {
		if strings.Contains(page, "<script>alert") || strings.Contains(page, "]]><!--") {
			t.Errorf("%s holds the hostile string raw", name)
		}
	}
	for _, want := range []string{`href="reports/2026-W48/index.html"`, `href="reports/2026-W48/digest.html"`, `href="reports/2026-W47/events.csv.gz"`,
		`href="latest/index.html"`, `href="feed.xml"`, "AS64500 &lt;script&gt;alert(1)&lt;/s…", `<abbr title="Nowhere">ZZ</abbr>`} {
		if !strings.Contains(index, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	// The content is HTML (goldmark's, raw HTML off) escaped in XML.
	var f struct {
		Entries []struct {
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(feed), &f); err != nil || len(f.Entries) != 2 {
		t.Fatalf("feed: %v, %d entries", err, len(f.Entries))
	}
	if f.Entries[0].Content != "<ul>\n<li><strong>seven</strong></li>\n</ul>\n" || strings.Contains(f.Entries[1].Content, "<script") {
		t.Errorf("feed contents %q", f.Entries)
	}
	// The feed's id is made once and kept.
	id := readHistoryFile(t, dir).ID
	o := opts()
	o.Title = "renamed"
	add(t, dir, "2026-W49", testSummary{events: 1, ips: 1, newSrc: 1}, o)
	if got := readHistoryFile(t, dir).ID; got != id || !strings.HasPrefix(id, "urn:uuid:") {
		t.Errorf("feed id %q, then %q", id, got)
	}
}

// TestAddReusesHistory: an entry is read again from its summary when the
// summary changed, and reused when not.
func TestAddReusesHistory(t *testing.T) {
	dir := t.TempDir()
	add(t, dir, "2026-11", testSummary{events: 3, ips: 1, newSrc: -1}, opts())
	add(t, dir, "2026-12", testSummary{events: 4, ips: 1, newSrc: -1}, opts())
	// A history entry that lies about a summary it matches is believed ...
	h := readHistoryFile(t, dir)
	h.Periods[1].Alerts = 99
	b, _ := json.Marshal(h)
	mustWrite(t, filepath.Join(dir, HistoryFile), string(b))
	add(t, dir, "2026-12", testSummary{events: 5, ips: 1, newSrc: -1}, opts())
	if h := readHistoryFile(t, dir); h.Periods[1].Alerts != 99 || h.Periods[0].Alerts != 5 {
		t.Errorf("alerts %d, %d; want the kept 99 and the new 5", h.Periods[1].Alerts, h.Periods[0].Alerts)
	}
	// ... and one whose summary changed is not.
	var sb bytes.Buffer
	testSummary{events: 8, ips: 1, newSrc: -1}.write(&sb)
	mustWrite(t, filepath.Join(dir, "reports/2026-11/summary.json"), sb.String())
	add(t, dir, "2026-12", testSummary{events: 5, ips: 1, newSrc: -1}, opts())
	if h := readHistoryFile(t, dir); h.Periods[1].Alerts != 8 {
		t.Errorf("alerts %d, want 8 from the changed summary", h.Periods[1].Alerts)
	}
}

func TestAddSkipsAndPrunes(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"2026-11-01", "2026-11-02", "2026-11-03"} {
		add(t, dir, name, testSummary{events: 1, ips: 1, newSrc: -1}, opts())
	}
	// Not periods: left alone, never pruned.
	mustWrite(t, filepath.Join(dir, "reports/notes/keep.txt"), "mine")
	mustWrite(t, filepath.Join(dir, "reports/2026-11-02/summary.json"), "not json")
	// What an interrupted run leaves.
	mustWrite(t, filepath.Join(dir, "reports/.2026-11-01.new-XYZ/index.html"), "half")

	o := opts()
	o.Keep = 2
	res := add(t, dir, "2026-11-04", testSummary{events: 1, ips: 1, newSrc: -1}, o)
	if len(res.Skipped) != 1 || !strings.HasPrefix(res.Skipped[0], "reports/2026-11-02: summary.json: not a JSON summary") {
		t.Errorf("skipped %q", res.Skipped)
	}
	if !slices.Equal(res.Pruned, []string{"2026-11-01"}) {
		t.Errorf("pruned %q, want 2026-11-01 (2026-11-02 is not listed)", res.Pruned)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "reports"))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"2026-11-02", "2026-11-03", "2026-11-04", "notes"}) {
		t.Errorf("reports/ holds %q", names)
	}
}

// TestAddFailureKeepsPeriod: a period whose files fail to render leaves
// the period as it was, and nothing beside it.
func TestAddFailureKeepsPeriod(t *testing.T) {
	dir := t.TempDir()
	add(t, dir, "2026-W48", testSummary{events: 1, ips: 1, newSrc: -1}, opts())
	before := mustRead(t, filepath.Join(dir, "reports/2026-W48/index.html"))
	boom := errors.New("boom")
	_, err := Add(dir, Period{Name: "2026-W48", Report: text("<p>new</p>"), Summary: func(io.Writer) error { return boom }}, opts())
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	if got := mustRead(t, filepath.Join(dir, "reports/2026-W48/index.html")); !bytes.Equal(got, before) {
		t.Errorf("the period changed: %q", got)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "reports"))
	if len(ents) != 1 {
		t.Errorf("reports/ holds %d entries, want the one period", len(ents))
	}
}

func TestAddRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, period, extra, want string
	}{
		{"not a period", "../x", "", "not a period name"},
		{"path in extra", "2026-W48", "a/digest.html", "not a plain file name"},
		{"dot extra", "2026-W48", ".htaccess", "not a plain file name"},
		{"own file", "2026-W48", "summary.json", "the period's own file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var extra []File
			if tt.extra != "" {
				extra = append(extra, File{tt.extra, text("x")})
			}
			_, err := Add(dir, Period{Name: tt.period, Report: text("r"), Summary: text("{}"), Extra: extra}, opts())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("refused periods wrote %d entries", len(ents))
	}
}

func TestPrevious(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"2026-W46", "2026-W47", "2026-W49", "2026-11-01_2026-11-15"} {
		mustWrite(t, filepath.Join(dir, "reports", name, SummaryFile), "{}")
	}
	mustWrite(t, filepath.Join(dir, "reports", "2026-W45", "index.html"), "no summary")
	for _, tt := range []struct {
		since time.Time
		want  string
	}{
		{day("2026-11-30"), "2026-W47"},
		{day("2026-12-07"), "2026-W49"},
		{day("2026-12-03"), "2026-W47"}, // W49 is not over by then
		{day("2026-11-16"), "2026-W46"}, // ends with 2026-11-01_2026-11-15, and is shorter
		{day("2026-11-10"), ""},         // every period is still running
		{day("2026-11-01"), ""},
	} {
		got, ok := Previous(dir, tt.since)
		want := ""
		if tt.want != "" {
			want = filepath.Join(dir, "reports", tt.want, SummaryFile)
		}
		if got != want || ok != (want != "") {
			t.Errorf("Previous(%s) = %q, %v; want %q", tt.since.Format(dateFmt), got, ok, want)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustWrite(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAddKeepsTitle: a period that gives no title (a quiet week names no
// bucket) keeps the site's; a new site without one gets DefaultTitle.
func TestAddKeepsTitle(t *testing.T) {
	dir := t.TempDir()
	o := opts()
	o.Title = ""
	add(t, dir, "2026-W47", testSummary{events: 0}, o)
	if got := readHistoryFile(t, dir).Title; got != DefaultTitle {
		t.Errorf("new site without a title: %q, want %q", got, DefaultTitle)
	}
	o.Title = "Honeybucket report: acme-backup"
	add(t, dir, "2026-W48", testSummary{events: 3, ips: 1, newSrc: 1}, o)
	o.Title = ""
	add(t, dir, "2026-W49", testSummary{events: 0}, o)
	if got := readHistoryFile(t, dir).Title; got != "Honeybucket report: acme-backup" {
		t.Errorf("after a quiet week the title is %q", got)
	}
	page, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil || !strings.Contains(string(page), "<title>Honeybucket report: acme-backup") {
		t.Errorf("front page title: %v\n%.400s", err, page)
	}
}
