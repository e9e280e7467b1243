package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/report"
)

// weekEvent is one line of the three-week comparison fixture.
type weekEvent struct {
	at, ip, op, status, code string
}

// weeksFixture covers three ISO weeks: 2026-W46 (11-09 – 11-15), W47 and
// W48. W47 against W46: 9.9.9.9 is new, 8.8.8.8 returns, 192.0.2.5 and
// 1.1.1.1 go quiet; W47 has the first write attempt.
var weeksFixture = []weekEvent{
	{"2026-11-09T10:00:00Z", "8.8.8.8", "REST.GET.OBJECT", "403", "AccessDenied"},
	{"2026-11-10T10:00:00Z", "8.8.8.8", "REST.GET.OBJECT", "403", "AccessDenied"},
	{"2026-11-15T23:59:59Z", "8.8.8.8", "REST.GET.OBJECT", "403", "AccessDenied"},
	{"2026-11-11T10:00:00Z", "1.1.1.1", "REST.GET.OBJECT", "403", "AccessDenied"},
	{"2026-11-12T10:00:00Z", "192.0.2.5", "REST.GET.OBJECT", "404", "NoSuchKey"},
	{"2026-11-13T10:00:00Z", "192.0.2.5", "REST.GET.OBJECT", "404", "NoSuchKey"},

	{"2026-11-16T00:00:00Z", "8.8.8.8", "REST.GET.OBJECT", "403", "AccessDenied"},
	{"2026-11-17T10:00:00Z", "9.9.9.9", "REST.GET.OBJECT", "403", "AccessDenied"},
	{"2026-11-18T10:00:00Z", "9.9.9.9", "REST.PUT.OBJECT", "403", "AccessDenied"},

	{"2026-11-23T10:00:00Z", "9.9.9.9", "REST.GET.OBJECT", "403", "AccessDenied"},
	{"2026-11-24T10:00:00Z", "192.0.2.5", "REST.GET.OBJECT", "404", "NoSuchKey"},
}

func writeWeeksFixture(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	for i, e := range weeksFixture {
		at, err := time.Parse(time.RFC3339, e.at)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be honey-bucket [%s] %s - REQ%04d %s backups/db.sql "GET /honey-bucket/backups/db.sql HTTP/1.1" %s %s 243 - 7 - "-" "curl/8.4" - id%04d= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader honey-bucket.s3.us-west-1.amazonaws.com TLSv1.2 - -`+"\n",
			at.Format("02/Jan/2006:15:04:05 -0700"), e.ip, i, e.op, e.status, e.code, i)
	}
	path := filepath.Join(dir, "access.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// epochAt is SOURCE_DATE_EPOCH set to day.
func epochAt(t *testing.T, day string) map[string]string {
	t.Helper()
	at, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"SOURCE_DATE_EPOCH": strconv.FormatInt(at.Unix(), 10)}
}

func changeKeys(cs []report.ChangeJSON) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Key)
	}
	return out
}

// checkW47 checks the comparison of W47 with W46, whatever the baseline
// was made from.
func checkW47(t *testing.T, c *report.ComparisonJSON, kind string) {
	t.Helper()
	if c == nil {
		t.Fatal("no comparison in the summary")
	}
	if c.Baseline.Kind != kind {
		t.Errorf("baseline kind %q, want %q", c.Baseline.Kind, kind)
	}
	s := c.Sources
	if got, want := [3][]string{changeKeys(s.New), changeKeys(s.Returning), changeKeys(s.GoneQuiet)},
		[3][]string{{"9.9.9.9"}, {"8.8.8.8"}, {"192.0.2.5", "1.1.1.1"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("sources new/returning/gone = %v, want %v", got, want)
	}
	if s.NewCount != 1 || s.ReturningCount != 1 || s.GoneQuietCount != 2 {
		t.Errorf("source counts %d/%d/%d", s.NewCount, s.ReturningCount, s.GoneQuietCount)
	}
	if r := s.Returning; len(r) == 1 && (r[0].Count != 1 || r[0].Previous != 3) {
		t.Errorf("8.8.8.8 count %d previous %d, want 1 and 3", r[0].Count, r[0].Previous)
	}
	if got := changeKeys(c.Operations.New); !reflect.DeepEqual(got, []string{"PutObject"}) {
		t.Errorf("new operations %v", got)
	}
	if got := changeKeys(c.Errors.GoneQuiet); !reflect.DeepEqual(got, []string{"NoSuchKey"}) {
		t.Errorf("gone error codes %v", got)
	}
	want := map[string][2]int64{"alerts": {3, 6}, "unique_ips": {2, 3}, "write_attempts": {1, 0}, "access_denied": {3, 4}}
	for _, d := range c.Headline {
		if w, ok := want[d.Name]; ok && (d.Current != w[0] || d.Previous != w[1] || d.Change != w[0]-w[1]) {
			t.Errorf("headline %s = %+v, want %v", d.Name, d, w)
		}
	}
	if len(c.Headline) != 8 {
		t.Errorf("%d headline deltas, want 8", len(c.Headline))
	}
	if !c.FirstWriteAttempt || !c.WritesEver {
		t.Errorf("first write attempt %v, ever %v: want both", c.FirstWriteAttempt, c.WritesEver)
	}
}

// TestReportBaselineChain runs week 46 into a summary, week 47 against it
// (and, without a baseline, against the previous window of the same log),
// then week 48 against week 47's summary.
func TestReportBaselineChain(t *testing.T) {
	dir := t.TempDir()
	o := func(name string) string { return filepath.Join(dir, name) }
	log := writeWeeksFixture(t, dir)
	run := func(epoch map[string]string, args ...string) {
		t.Helper()
		args = append([]string{"report", log, "--no-system-geoip", "-q"}, args...)
		if _, stderr, code := runCmd(t, epoch, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	run(epochAt(t, "2026-11-17"), "--window", "last-week", "-o", o("w46.html"), "--json", o("w46.json"))
	if c := readSummaryJSON(t, o("w46.json")).Comparison; c != nil {
		t.Errorf("W46 has no earlier events, yet a comparison: %+v", c.Baseline)
	}

	run(epochAt(t, "2026-11-24"), "--window", "last-week", "--baseline", o("w46.json"),
		"-o", o("w47.html"), "--json", o("w47.json"), "--md", o("w47.md"))
	w47 := readSummaryJSON(t, o("w47.json"))
	checkW47(t, w47.Comparison, "summary")
	if p := w47.Comparison.Baseline.Path; p != o("w46.json") {
		t.Errorf("baseline path %q", p)
	}
	html := string(mustRead(t, o("w47.html")))
	for _, frag := range []string{`<section id="changed"`, `<a href="#changed">What changed</a>`, "First write attempts on record",
		"<td>Sources (IPs)</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">2</td>",
		"Compared with summary w46.json, last week (2026-W46: 2026-11-09 – 2026-11-15).", "<td class=\"mono\">9.9.9.9</td>", "<td class=\"mono\">192.0.2.5</td>", "<td>Write attempts</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">&#43;1</td>"} {
		if !strings.Contains(html, frag) {
			t.Errorf("W47 report lacks %q", frag)
		}
	}
	if strings.Index(html, `id="changed"`) > strings.Index(html, `id="time"`) {
		t.Error("What changed is not near the top")
	}
	md := string(mustRead(t, o("w47.md")))
	for _, frag := range []string{"## What changed", "| Sources (IPs) | 1 | 1 | 2 |", "| Alerts | 3 | 6 | −3 |",
		"- Sources: 1 new, 1 returning, 2 gone quiet (busiest new: 9.9.9.9).", "**First write attempts** on record", "- Operations: new PutObject."} {
		if !strings.Contains(md, frag) {
			t.Errorf("W47 Markdown lacks %q:\n%s", frag, md)
		}
	}

	// The same week without a baseline compares with W46 from the log.
	run(epochAt(t, "2026-11-24"), "--window", "last-week", "-o", o("w47b.html"), "--json", o("w47b.json"))
	w47b := readSummaryJSON(t, o("w47b.json"))
	checkW47(t, w47b.Comparison, "previous_window")
	if l := w47b.Comparison.Baseline.Label; l != "previous window 2026-11-09 – 2026-11-15" {
		t.Errorf("previous window label %q", l)
	}

	// Next week, this week's summary is the baseline.
	run(epochAt(t, "2026-12-01"), "--window", "last-week", "--baseline", o("w47.json"), "-o", o("w48.html"), "--json", o("w48.json"))
	c := readSummaryJSON(t, o("w48.json")).Comparison
	if c == nil {
		t.Fatal("W48: no comparison")
	}
	s := c.Sources
	if got, want := [3][]string{changeKeys(s.New), changeKeys(s.Returning), changeKeys(s.GoneQuiet)},
		[3][]string{{"192.0.2.5"}, {"9.9.9.9"}, {"8.8.8.8"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("W48 sources new/returning/gone = %v, want %v", got, want)
	}
	// No writes this week, but the history says there were some: no
	// "first" then either.
	if c.FirstWriteAttempt || !c.WritesEver {
		t.Errorf("W48 first write %v, ever %v", c.FirstWriteAttempt, c.WritesEver)
	}

	// One file rolled forward: read whole before it is replaced.
	run(epochAt(t, "2026-12-01"), "--window", "last-week", "--baseline", o("w48.json"), "-o", o("w48.html"), "--json", o("w48.json"))
	if c := readSummaryJSON(t, o("w48.json")).Comparison; c == nil || c.Sources.ReturningCount != 2 || c.Sources.NewCount != 0 {
		t.Errorf("W48 against itself: %+v", c)
	}
}

// TestReportBadBaseline: a baseline that cannot be compared with is a
// usage error naming the file, found before any log is read or output
// written.
func TestReportBadBaseline(t *testing.T) {
	dir := t.TempDir()
	o := func(name string) string { return filepath.Join(dir, name) }
	log := writeWeeksFixture(t, dir)
	files := map[string]string{
		"v2.json":    `{"schema": "honeyreport.summary/v2", "totals": {}}`,
		"other.json": `{"name": "not a summary"}`,
		"text.json":  "this is not JSON\n",
		"cut.json":   `{"schema": "honeyreport.summary/v1", "ips": [`,
	}
	for name, body := range files {
		if err := os.WriteFile(o(name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ name, file, want string }{
		{"wrong schema", "v2.json", `schema "honeyreport.summary/v2", want honeyreport.summary/v1`},
		{"no schema", "other.json", "not a honeyreport JSON summary"},
		{"not JSON", "text.json", "not a honeyreport JSON summary"},
		{"truncated", "cut.json", "not a honeyreport JSON summary"},
		{"missing", "missing.json", "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runCmd(t, fixedEpoch, "report", log, "--no-system-geoip", "-q", "--baseline", o(tc.file), "-o", o("r.html"))
			if code != 2 || !strings.Contains(stderr, o(tc.file)) || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q: want 2 naming %s and %q", code, stderr, tc.file, tc.want)
			}
			if _, err := os.Stat(o("r.html")); err == nil {
				t.Error("a report was written")
			}
		})
	}
}
