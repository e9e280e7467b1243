package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/report"
	"github.com/honeyreport/honeyreport/synth"
)

// windowEvent is one line of the window fixture.
type windowEvent struct {
	at, ip, ua string
}

// windowFixture spans 2026-10-31 to 2026-11-09 with events on the edges
// of the windows the tests ask for.
var windowFixture = []windowEvent{
	{"2026-10-31T23:59:59Z", "192.0.2.1", "curl/8.4"},
	{"2026-11-01T00:00:00Z", "192.0.2.1", "curl/8.4"},                     // exactly --since
	{"2026-11-02T00:00:00Z", "198.51.100.7", "nightly-check/1.0"},         // first of last week
	{"2026-11-03T12:00:00Z", "198.51.100.8", "nightly-check/1.0"},         // CIDR and UA
	{"2026-11-04T08:00:00Z", "52.95.110.1", "aws-sdk-go/1.44"},            // AS16509
	{"2026-11-04T09:00:00Z", "52.95.110.1", "aws-sdk-go/1.44"},            // AS16509
	{"2026-11-05T23:59:59Z", "203.0.113.9", "python-requests/2.31"},       // end of --until's day
	{"2026-11-06T00:00:00Z", "203.0.113.9", "python-requests/2.31"},       // a second later
	{"2026-11-06T00:00:01Z", "203.0.113.9", "python-requests/2.31"},       //
	{"2026-11-08T23:59:59Z", "2001:db8::7", "Mozilla/5.0"},                // last of last week
	{"2026-11-09T00:00:00Z", "2001:db8::7", "Mozilla/5.0"},                // out of last week
	{"2026-11-04T10:00:00Z", "192.0.2.250", "Go-http-client/1.1 scanner"}, // the owner's own
}

// writeWindowFixture writes the fixture as an S3 server access log.
func writeWindowFixture(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	for i, e := range windowFixture {
		at, err := time.Parse(time.RFC3339, e.at)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be honey-bucket [%s] %s - REQ%04d REST.GET.OBJECT backups/db.sql "GET /honey-bucket/backups/db.sql HTTP/1.1" 403 AccessDenied 243 - 7 - "-" "%s" - id%04d= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader honey-bucket.s3.us-west-1.amazonaws.com TLSv1.2 - -`+"\n",
			at.Format("02/Jan/2006:15:04:05 -0700"), e.ip, i, e.ua, i)
	}
	path := filepath.Join(dir, "access.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantIn counts the fixture's events in [since, until) and not from the
// excluded addresses: the expectation, worked out apart from the filter.
func wantIn(t *testing.T, since, until string, excluded ...string) (n int64) {
	t.Helper()
	s, _ := time.Parse(time.RFC3339, since)
	u, _ := time.Parse(time.RFC3339, until)
	for _, e := range windowFixture {
		at, _ := time.Parse(time.RFC3339, e.at)
		out := at.Before(s) || !at.Before(u)
		for _, x := range excluded {
			out = out || e.ip == x
		}
		if !out {
			n++
		}
	}
	return n
}

func TestReportWindow(t *testing.T) {
	dir := t.TempDir()
	log := writeWindowFixture(t, dir)
	total := int64(len(windowFixture))
	// 2026-11-11T12:00:00Z, a Wednesday: last week is 2026-11-02 to 2026-11-08.
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "1794398400"}
	tests := []struct {
		name       string
		args       []string
		window     *report.WindowJSON
		events     int64
		days       [2]string
		stderrHas  string
		reportHas  []string
		reportLack []string
	}{
		{
			name:   "middle with UTC edges",
			args:   []string{"--since", "2026-11-01T00:00:00Z", "--until", "2026-11-05"},
			window: &report.WindowJSON{Since: "2026-11-01T00:00:00Z", Until: "2026-11-06T00:00:00Z", Label: "2026-11-01 – 2026-11-05"},
			// In: exactly --since, and --until's day to its last second;
			// out: a second before, and the next day's first two seconds.
			events:    7,
			days:      [2]string{"2026-11-01", "2026-11-05"},
			reportHas: []string{"2026-11-01 – 2026-11-05 (5 days)", "outside the window", "Window: 2026-11-01 – 2026-11-05"},
		},
		{
			name:   "last week",
			args:   []string{"--window", "last-week"},
			window: &report.WindowJSON{Since: "2026-11-02T00:00:00Z", Until: "2026-11-09T00:00:00Z", Label: "last week (2026-W45: 2026-11-02 – 2026-11-08)"},
			events: 9, // Monday 00:00:00 to Sunday 23:59:59
			days:   [2]string{"2026-11-02", "2026-11-08"},
		},
		{
			name:       "empty window",
			args:       []string{"--since", "2026-12-01", "--until", "2026-12-03"},
			window:     &report.WindowJSON{Since: "2026-12-01T00:00:00Z", Until: "2026-12-04T00:00:00Z", Label: "2026-12-01 – 2026-12-03"},
			events:     0,
			days:       [2]string{"2026-12-01", "2026-12-03"},
			stderrHas:  "no events in the window 2026-12-01 – 2026-12-03: 12 events outside it\n", // no rules: no "excluded"
			reportHas:  []string{"No events in the window", "2026-12-01 – 2026-12-03 (3 days)"},
			reportLack: []string{"No events were found in the inputs"},
		},
		{
			name:   "relative",
			args:   []string{"--since", "10d"},
			window: &report.WindowJSON{Since: "2026-11-01T12:00:00Z", Until: "2026-11-11T12:00:00Z", Label: "2026-11-01T12:00:00Z – 2026-11-11T12:00:00Z"},
			events: wantIn(t, "2026-11-01T12:00:00Z", "2026-11-11T12:00:00Z"),
			days:   [2]string{"2026-11-01", "2026-11-11"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			o := func(name string) string { return filepath.Join(out, name) }
			args := append([]string{"report", log, "-o", o("r.html"), "--json", o("s.json"), "--md", o("s.md"), "--export", o("e.csv"), "--no-system-geoip"}, tt.args...)
			_, stderr, code := runCmd(t, epoch, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderrHas, stderr)
			}
			s := readSummaryJSON(t, o("s.json"))
			if !reflect.DeepEqual(s.Window, tt.window) {
				t.Errorf("window %+v, want %+v", s.Window, tt.window)
			}
			if s.Totals.Events != tt.events || s.Inputs[0].Events != tt.events || s.Inputs[0].OutsideWindow != total-tt.events {
				t.Errorf("events %d, input events %d, outside %d; want %d in, %d out", s.Totals.Events, s.Inputs[0].Events, s.Inputs[0].OutsideWindow, tt.events, total-tt.events)
			}
			var monthly int64
			for _, m := range s.Monthly {
				monthly += m.Count
			}
			if monthly != tt.events {
				t.Errorf("monthly sums to %d", monthly)
			}
			rows, err := csv.NewReader(bytes.NewReader(mustRead(t, o("e.csv")))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(rows)-1) != tt.events {
				t.Errorf("export has %d events, want %d", len(rows)-1, tt.events)
			}
			html := string(mustRead(t, o("r.html")))
			md := string(mustRead(t, o("s.md")))
			for _, want := range tt.reportHas {
				if !strings.Contains(html, want) && !strings.Contains(md, want) {
					t.Errorf("report lacks %q", want)
				}
			}
			for _, bad := range tt.reportLack {
				if strings.Contains(html, bad) || strings.Contains(md, bad) {
					t.Errorf("report has %q", bad)
				}
			}
			// The timeline's axis is the window, whether or not events
			// fell on its first and last days; with no event, there is
			// no chart.
			axis := fmt.Sprintf("Daily alerts from %s to %s", tt.days[0], tt.days[1])
			if got := strings.Contains(html, axis); got != (tt.events > 0) {
				t.Errorf("timeline %q shown: %v, want %v", axis, got, tt.events > 0)
			}
		})
	}
}

func TestReportExclude(t *testing.T) {
	dir := t.TempDir()
	log := writeWindowFixture(t, dir)
	rules := filepath.Join(dir, "own-scanners.txt")
	os.WriteFile(rules, []byte("# our own monitoring\n192.0.2.250  # the nightly scanner box\n\nAS16509\n"), 0o644)
	config := filepath.Join(dir, "config.yaml")
	os.WriteFile(config, []byte("exclude:\n  - 198.51.100.0/24\n"), 0o644)
	out := t.TempDir()
	o := func(name string) string { return filepath.Join(out, name) }
	_, stderr, code := runCmd(t, fixedEpoch, "report", log, "-o", o("r.html"), "--json", o("s.json"), "--export", o("e.csv"), "--no-system-geoip",
		"--config", config, "--exclude", "@"+rules, "--exclude", "2001:db8::7", "--exclude-ua", `^python-requests/`, "--exclude", "203.0.113.0/24")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s := readSummaryJSON(t, o("s.json"))
	want := []report.ExcludedJSON{
		{Rule: "198.51.100.0/24", Events: 2, Attempts: 2}, // config first
		{Rule: "192.0.2.250", Events: 1, Attempts: 1},
		{Rule: "AS16509", Events: 2, Attempts: 2},
		{Rule: "2001:db8::7", Events: 2, Attempts: 2},
		{Rule: "203.0.113.0/24", Events: 3, Attempts: 3}, // before the UA rule: flags first, then --exclude-ua
		{Rule: "ua:^python-requests/", Events: 0, Attempts: 0},
	}
	if !reflect.DeepEqual(s.Excluded, want) {
		t.Errorf("excluded %+v\nwant     %+v", s.Excluded, want)
	}
	kept := wantIn(t, "0001-01-01T00:00:00Z", "9999-01-01T00:00:00Z", "198.51.100.7", "198.51.100.8", "192.0.2.250", "52.95.110.1", "2001:db8::7", "203.0.113.9")
	if s.Totals.Events != kept || kept != 2 || s.Window != nil || s.Inputs[0].OutsideWindow != 0 {
		t.Errorf("events %d, want %d; window %+v", s.Totals.Events, kept, s.Window)
	}
	if s.Inputs[0].Events != kept || s.Inputs[0].Filtered != int64(len(windowFixture))-kept {
		t.Errorf("input: %d events, %d filtered", s.Inputs[0].Events, s.Inputs[0].Filtered)
	}
	rows, err := csv.NewReader(bytes.NewReader(mustRead(t, o("e.csv")))).ReadAll()
	if err != nil || int64(len(rows)-1) != kept {
		t.Errorf("export has %d events, want %d (%v)", len(rows)-1, kept, err)
	}
	html := string(mustRead(t, o("r.html")))
	for _, frag := range []string{"Left out by exclusion rules (10 events)", "<td class=\"mono\">AS16509</td><td class=\"num\">2</td>", "excluded by a rule"} {
		if !strings.Contains(html, frag) {
			t.Errorf("report lacks %q", frag)
		}
	}
}

func TestFilterUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("203.0.113.7\n10.0.0.300\n"), 0o644)
	badConfig := filepath.Join(dir, "config.yaml")
	os.WriteFile(badConfig, []byte("exclude:\n  - not-an-ip\n"), 0o644)
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--since", "yesterday"}, "--since"},
		{[]string{"--since", "2026-11-05", "--until", "2026-11-04"}, "is not before --until"},
		{[]string{"--window", "last-year"}, "--window"},
		{[]string{"--window", "last-week", "--until", "2026-11-04"}, "not with --since or --until"},
		{[]string{"--exclude", "10.0.0.256"}, "--exclude"},
		{[]string{"--exclude", "@" + bad}, "bad.txt:2"},
		{[]string{"--exclude", "@" + filepath.Join(dir, "missing.txt")}, "missing.txt"},
		{[]string{"--exclude-ua", "("}, "--exclude-ua"},
		{[]string{"--config", badConfig}, "not-an-ip"},
	} {
		args := append([]string{"report", "testdata/dump.txt", "-o", filepath.Join(dir, "r.html")}, tt.args...)
		_, stderr, code := runCmd(t, nil, args...)
		if code != 2 || !strings.Contains(stderr, tt.msg) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.msg)
		}
	}
}

// TestWindowAgainstGenerator: windowed, excluded counts of a generated log
// read in parallel are exactly the generator's.
func TestWindowAgainstGenerator(t *testing.T) {
	dir := t.TempDir()
	g, err := synth.New(synth.Config{Events: 20000, IPs: 1500, Seed: 15, IPv6Share: 0.05,
		Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := synth.WriteS3Access(&buf, g.Ascending(), "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"); err != nil {
		t.Fatal(err)
	}
	// Two inputs, read by two workers at once, each with its own tally.
	lines := bytes.SplitAfter(buf.Bytes(), []byte("\n"))
	logs := []string{filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")}
	for i, part := range [][][]byte{lines[:len(lines)/2], lines[len(lines)/2:]} {
		if err := os.WriteFile(logs[i], bytes.Join(part, nil), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	since, until := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 29, 0, 0, 0, 0, time.UTC)
	// Exclude the busiest source in the window, by its address, and a
	// user agent family, by expression.
	perIP := map[netip.Addr]int{}
	for r := range g.Ascending() {
		if !r.Time.Before(since) && r.Time.Before(until) {
			perIP[r.Source]++
		}
	}
	var busiest netip.Addr
	for a, n := range perIP {
		if n > perIP[busiest] || n == perIP[busiest] && a.Less(busiest) {
			busiest = a
		}
	}
	uaRule := regexp.MustCompile(`^python-requests/`)
	var want struct{ in, outside, byIP, byUA int64 }
	ips := map[netip.Addr]bool{}
	for r := range g.Ascending() {
		switch {
		case r.Time.Before(since) || !r.Time.Before(until):
			want.outside++
		case r.Source == busiest:
			want.byIP++
		case uaRule.MatchString(r.UserAgent):
			want.byUA++
		default:
			want.in++
			ips[r.Source] = true
		}
	}
	if want.byIP == 0 || want.byUA == 0 || want.outside == 0 {
		t.Fatalf("the generated log does not exercise every count: %+v", want)
	}
	out := t.TempDir()
	o := func(name string) string { return filepath.Join(out, name) }
	_, stderr, code := runCmd(t, fixedEpoch, "report", logs[0], logs[1], "-o", o("r.html"), "--json", o("s.json"), "--export", o("e.csv"), "--no-system-geoip", "-q",
		"--workers", "2", "--since", "2024-01-15", "--until", "2024-01-28", "--exclude", busiest.String(), "--exclude-ua", uaRule.String())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s := readSummaryJSON(t, o("s.json"))
	var outside, records int64
	for _, in := range s.Inputs {
		outside += in.OutsideWindow
		records += in.Events + in.Filtered + in.Skipped
	}
	if s.Totals.Events != want.in || s.Totals.UniqueIPs != len(ips) || outside != want.outside {
		t.Errorf("events %d, unique IPs %d, outside %d; generator: %d, %d, %d", s.Totals.Events, s.Totals.UniqueIPs, outside, want.in, len(ips), want.outside)
	}
	// The log is in time order: the first half is mostly before the window.
	if len(s.Inputs) != 2 || s.Inputs[0].OutsideWindow == 0 || s.Inputs[1].OutsideWindow == 0 {
		t.Errorf("inputs %+v", s.Inputs)
	}
	wantRules := []report.ExcludedJSON{{Rule: busiest.String(), Events: want.byIP, Attempts: want.byIP}, {Rule: "ua:" + uaRule.String(), Events: want.byUA, Attempts: want.byUA}}
	if !reflect.DeepEqual(s.Excluded, wantRules) {
		t.Errorf("excluded %+v, generator %+v", s.Excluded, wantRules)
	}
	if records != 20000 {
		t.Errorf("the inputs account for %d records of 20000", records)
	}
	rows, err := csv.NewReader(bytes.NewReader(mustRead(t, o("e.csv")))).ReadAll()
	if err != nil || int64(len(rows)-1) != want.in {
		t.Errorf("export has %d events, generator %d (%v)", len(rows)-1, want.in, err)
	}
}
