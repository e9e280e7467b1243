package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/report"
	"github.com/honeyreport/honeyreport/synth"
)

// fixedEpoch makes every output reproducible.
var fixedEpoch = map[string]string{"SOURCE_DATE_EPOCH": "1700000000"}

func readSummaryJSON(t *testing.T, path string) report.SummaryJSON {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s report.SummaryJSON
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

// TestReportMixedInputs runs the whole pipeline on three formats at once
// and checks every output, twice, for byte-identical results.
func TestReportMixedInputs(t *testing.T) {
	var first map[string][]byte
	for run := 0; run < 2; run++ {
		dir := t.TempDir()
		o := func(name string) string { return filepath.Join(dir, name) }
		_, stderr, code := runCmd(t, fixedEpoch, "report", "testdata/dump.txt", "testdata/lake.ndjson", "testdata/access.log",
			"-o", o("r.html"), "--json", o("s.json"), "--md", o("s.md"), "--export", o("e.csv"), "--no-system-geoip", "-q")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		s := readSummaryJSON(t, o("s.json"))
		if s.Schema != "honeyreport.summary/v1" || s.GeneratedAt != "2023-11-14T22:13:20Z" {
			t.Errorf("schema %q generated_at %q", s.Schema, s.GeneratedAt)
		}
		if len(s.Inputs) != 3 || s.Inputs[0].Format != "breachinsider" || s.Inputs[1].Format != "cloudtrail" || s.Inputs[2].Format != "s3-access" {
			t.Errorf("inputs = %+v", s.Inputs)
		}
		var perInput int64
		for _, in := range s.Inputs {
			perInput += in.Events
			if in.SHA256 == "" || in.Bytes == 0 {
				t.Errorf("input %s lacks checksum or size", in.Path)
			}
		}
		// S3's own work (the access log's lifecycle transition) is read
		// and exported but in no total.
		var aws int64
		for _, o := range s.AWSOperations {
			aws += o.Count
		}
		if s.Totals.Events+aws != perInput || s.Totals.Events == 0 || aws != 1 {
			t.Errorf("totals.events %d + %d AWS-internal, inputs sum %d", s.Totals.Events, aws, perInput)
		}
		rows, err := csv.NewReader(bytes.NewReader(mustRead(t, o("e.csv")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(rows)-1) != perInput {
			t.Errorf("export has %d rows, summary %d events", len(rows)-1, s.Totals.Events)
		}
		got := map[string][]byte{}
		for _, n := range []string{"r.html", "s.json", "s.md", "e.csv"} {
			got[n] = mustRead(t, o(n))
		}
		if !bytes.Contains(got["r.html"], []byte("Content-Security-Policy")) {
			t.Error("report lacks its CSP")
		}
		if first == nil {
			first = got
			continue
		}
		for n := range got {
			if !bytes.Equal(got[n], first[n]) {
				t.Errorf("%s differs between two runs with SOURCE_DATE_EPOCH set", n)
			}
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

// gunzip reads the gzip-compressed file at path whole.
func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// TestBadInputs: bad files are reported by name and never cost the good
// ones; only a run with nothing usable fails.
func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := write("empty.txt", nil)
	binary := write("x.bin", []byte{0x7f, 'E', 'L', 'F', 0, 1, 2, 3, 0, 0, 0, 9})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(mustRead(t, "testdata/dump.txt"))
	zw.Close()
	truncated := write("trunc.txt.gz", gz.Bytes()[:gz.Len()/2])
	unknown := write("notes.txt", []byte("just some\nnotes\n"))

	t.Run("only bad", func(t *testing.T) {
		_, stderr, code := runCmd(t, nil, "report", empty, binary, unknown, "-o", filepath.Join(dir, "r.html"), "--no-system-geoip")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		for _, want := range []string{"no events in 3 inputs", "1 empty", "2 not a supported format", "x.bin"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "r.html")); err == nil {
			t.Error("a report was written with no events")
		}
	})
	t.Run("bad beside good", func(t *testing.T) {
		out := filepath.Join(dir, "s.json")
		_, stderr, code := runCmd(t, nil, "report", empty, binary, truncated, "testdata/lake.ndjson", "-o", filepath.Join(dir, "r.html"), "--json", out, "--no-system-geoip")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, want := range []string{"empty.txt", "x.bin: binary data", "trunc.txt.gz"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		s := readSummaryJSON(t, out)
		if s.Inputs[2].Events == 0 || s.Inputs[2].Error == "" {
			t.Errorf("truncated gzip: want the events before the cut and an error, got %+v", s.Inputs[2])
		}
		if s.Inputs[3].Events == 0 {
			t.Error("the good input lost its events")
		}
	})
}

func TestStdinAndExportNDJSON(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	e := &env{stdin: bytes.NewReader(mustRead(t, "testdata/lake.ndjson")), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	err := run(t.Context(), []string{"report", "-", "-o", filepath.Join(dir, "r.html"), "--export", filepath.Join(dir, "e.ndjson"), "--no-system-geoip", "-q"}, e)
	if err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(string(mustRead(t, filepath.Join(dir, "e.ndjson")))), "\n")
	var ev map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
		t.Fatal(err)
	}
	if ev["file"] != "-" || ev["format"] != "cloudtrail" {
		t.Errorf("first exported event = %v", ev)
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := runCmd(t, fixedEpoch, "demo", "-o", filepath.Join(dir, "demo.html"), "--json", filepath.Join(dir, "s.json"), "--no-system-geoip")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s := readSummaryJSON(t, filepath.Join(dir, "s.json"))
	if s.Totals.Events < 100 || s.Totals.Countries < 5 || s.Totals.ASNs < 5 {
		t.Errorf("demo is too thin: %+v", s.Totals)
	}
	for _, ip := range s.IPs {
		if ip.IPClass == "public" && ip.Country == "" {
			t.Errorf("public IP %s has no country", ip.IP)
		}
	}
}

func TestLookup(t *testing.T) {
	out, stderr, code := runCmd(t, nil, "lookup", "--json", "--no-system-geoip", "1.1.1.1", "10.1.2.3", "::ffff:8.8.8.8")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []report.IPProfile
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].IPDetail == nil || got[0].Threat == nil {
		t.Fatalf("lookup --json lacks the detail: %s", out)
	}
	if got[0].ASN != 13335 || got[1].IPClass != "private" || got[1].Country != "" || got[2].IP != "8.8.8.8" || got[2].ASN != 15169 {
		t.Errorf("lookup = %+v", got)
	}
	table, _, code := runCmd(t, nil, "lookup", "--no-system-geoip", "1.1.1.1")
	if code != 0 || !strings.Contains(table, "AS13335") || !strings.Contains(table, "ORGANISATION") {
		t.Errorf("table output:\n%s", table)
	}
	if _, _, code := runCmd(t, nil, "lookup", "not-an-ip"); code != 2 {
		t.Errorf("bad address: exit %d, want 2", code)
	}
}

// TestRealCSV checks exact counts on the real BreachInsider export (CI has
// ../shared/data; a fresh clone skips).
func TestRealCSV(t *testing.T) {
	path := filepath.Join("..", "shared", "data", "breachinsider-honeybucket-2022-02.csv")
	if _, err := os.Stat(path); err != nil {
		t.Skip("real data not present:", err)
	}
	dir := t.TempDir()
	_, stderr, code := runCmd(t, fixedEpoch, "report", path, "-o", filepath.Join(dir, "r.html"), "--json", filepath.Join(dir, "s.json"), "--no-system-geoip")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s := readSummaryJSON(t, filepath.Join(dir, "s.json"))
	ops := map[string]int64{}
	for _, op := range s.Operations {
		ops[op.Name] = op.Count
	}
	if s.Totals.Events != 301 || s.Totals.UniqueIPs != 224 || ops["HeadBucket"] != 159 || ops["ListObjects"] != 138 || ops["PutObject"] != 4 {
		t.Errorf("totals %+v, operations %v", s.Totals, ops)
	}
}

func TestSite(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	_, stderr, code := runCmd(t, fixedEpoch, "report", "testdata/dump.txt", "testdata/lake.ndjson", "--site", site,
		"--export", filepath.Join(dir, "e.csv"), "-o", filepath.Join(dir, "r.html"), "--json", filepath.Join(dir, "s.json"), "--no-system-geoip", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"index.html", "latest/index.html", "history.json", "feed.xml", ".nojekyll"} {
		if _, err := os.Stat(filepath.Join(site, name)); err != nil {
			t.Errorf("site lacks %s: %v", name, err)
		}
	}
	// Without a window the period is the events' days.
	period := filepath.Join(site, "reports", "2021-03-19_2022-03-01")
	if events := gunzip(t, filepath.Join(period, "events.csv.gz")); !bytes.Equal(events, mustRead(t, filepath.Join(dir, "e.csv"))) {
		t.Error("the site's events.csv.gz differs from --export")
	}
	for _, html := range []string{filepath.Join(period, "index.html"), filepath.Join(site, "latest", "index.html")} {
		if !bytes.Equal(mustRead(t, html), mustRead(t, filepath.Join(dir, "r.html"))) {
			t.Errorf("the site's %s differs from -o", html)
		}
	}
	if !bytes.Equal(mustRead(t, filepath.Join(period, "summary.json")), mustRead(t, filepath.Join(dir, "s.json"))) {
		t.Error("the site's summary.json differs from --json")
	}
	if s := readSummaryJSON(t, filepath.Join(period, "summary.json")); s.Totals.Events == 0 || len(s.IPs) != s.Totals.UniqueIPs {
		t.Errorf("the site's summary.json: %d events, %d of %d IPs listed", s.Totals.Events, len(s.IPs), s.Totals.UniqueIPs)
	}
	if _, _, code := runCmd(t, nil, "report", "testdata/dump.txt", "-o", "-", "--json", "-"); code != 2 {
		t.Errorf("two outputs on stdout: exit %d, want 2", code)
	}
}

// TestHostileLogEndToEnd: attacker strings read from a real log file come
// out of every writer inert. (report/ tests every HTML context and opens
// the page in Chromium; this checks the whole path from the parser.)
func TestHostileLogEndToEnd(t *testing.T) {
	dir := t.TempDir()
	o := func(n string) string { return filepath.Join(dir, n) }
	_, stderr, code := runCmd(t, fixedEpoch, "report", "ingest/testdata/breachinsider/hostile.txt",
		"-o", o("r.html"), "--md", o("s.md"), "--json", o("s.json"), "--export", o("e.csv"), "--no-system-geoip", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	html := string(mustRead(t, o("r.html")))
	for _, bad := range []string{"<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>"} {
		if strings.Contains(html, bad) {
			t.Errorf("report contains %q unescaped", bad)
		}
	}
	if !strings.Contains(html, "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;") {
		t.Error("the hostile user agent is missing from the report (want it shown, escaped)")
	}
	if js := string(mustRead(t, o("s.json"))); strings.Contains(js, "<script") {
		t.Error("JSON summary holds a raw <script")
	}
	if md := string(mustRead(t, o("s.md"))); strings.Contains(md, "<script>") {
		t.Error("Markdown summary holds a raw <script>")
	}
}

// TestWorkersDoNotChangeOutput: reading files in parallel (and splitting
// large ones) must give the same bytes as reading them one by one.
func TestWorkersDoNotChangeOutput(t *testing.T) {
	dir := t.TempDir()
	g, err := synth.New(synth.Config{Events: 5000, IPs: 300, Seed: 3, IPv6Share: 0.05,
		Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 1, 1, 0, 20, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(dir, "ct")
	if _, err := synth.WriteCloudTrailTree(tree, g.Ascending()); err != nil {
		t.Fatal(err)
	}
	var outs [2][]byte
	for i, workers := range []string{"1", "4"} {
		out := filepath.Join(dir, "r"+workers+".html")
		if _, stderr, code := runCmd(t, fixedEpoch, "report", tree, "--workers", workers, "-o", out, "--no-system-geoip", "-q"); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		outs[i] = mustRead(t, out)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("the report differs between 1 and 4 workers")
	}
}

func TestStdinWithoutExport(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	e := &env{stdin: bytes.NewReader(mustRead(t, "testdata/access.log")), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	err := run(t.Context(), []string{"report", "-", "-o", filepath.Join(dir, "r.html"), "--json", filepath.Join(dir, "s.json"), "--no-system-geoip", "-q"}, e)
	if err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	if s := readSummaryJSON(t, filepath.Join(dir, "s.json")); s.Inputs[0].Path != "-" || s.Inputs[0].Format != "s3-access" || s.Totals.Events == 0 {
		t.Errorf("inputs = %+v", s.Inputs)
	}
}

// lookup --json writes snake_case keys throughout, a threat verdict's too.
func TestLookupJSONKeys(t *testing.T) {
	feed := filepath.Join(t.TempDir(), "block.txt")
	if err := os.WriteFile(feed, []byte("1.1.1.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCmd(t, nil, "lookup", "--json", "--no-system-geoip", "--feed", "block="+feed, "1.1.1.1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	snake := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	verdicts := 0 // array elements: the profile, its verdict, its category
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if !snake.MatchString(k) {
					t.Errorf("key %q is not snake_case", k)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				verdicts++
				walk(x)
			}
		}
	}
	walk(got)
	if verdicts < 3 {
		t.Errorf("no threat verdict in %s", out)
	}
}
