package synth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/internal/golden"
)

func newGen(t testing.TB, cfg Config) *Generator {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// writeAll renders every format into memory: name -> bytes. The CloudTrail
// tree is flattened into one text of "== path" headers and JSON bodies.
func writeAll(t *testing.T, g *Generator) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	var b bytes.Buffer
	if err := WriteBreachInsider(&b, g.Descending()); err != nil {
		t.Fatal(err)
	}
	out["breachinsider.txt"] = slices.Clone(b.Bytes())
	b.Reset()
	if err := WriteBreachCSV(&b, g.Descending()); err != nil {
		t.Fatal(err)
	}
	out["breachinsider.csv"] = slices.Clone(b.Bytes())
	b.Reset()
	if err := WriteS3Access(&b, g.Ascending(), g.OwnerID()); err != nil {
		t.Fatal(err)
	}
	out["s3access.log"] = slices.Clone(b.Bytes())
	b.Reset()
	dir := t.TempDir()
	if _, err := WriteCloudTrailTree(dir, g.Ascending()); err != nil {
		t.Fatal(err)
	}
	for _, f := range cloudTrailFiles(t, dir) {
		rel, _ := filepath.Rel(dir, f)
		fmt.Fprintf(&b, "== %s\n%s\n", filepath.ToSlash(rel), gunzipFile(t, f))
	}
	out["cloudtrail.txt"] = slices.Clone(b.Bytes())
	return out
}

func cloudTrailFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

func gunzipFile(t *testing.T, path string) []byte {
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

func TestDeterministic(t *testing.T) {
	cfg := Config{Events: 2000, IPs: 300, Seed: 7}
	a := writeAll(t, newGen(t, cfg))
	b := writeAll(t, newGen(t, cfg))
	cfg.Seed = 8
	c := writeAll(t, newGen(t, cfg))
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s: two runs with the same seed differ", name)
		}
		if bytes.Equal(a[name], c[name]) {
			t.Errorf("%s: seeds 7 and 8 give the same output", name)
		}
	}
}

func TestDescendingReversesAscending(t *testing.T) {
	g := newGen(t, Config{Events: 3000, IPs: 200, Seed: 3})
	var asc []Record
	for r := range g.Ascending() {
		asc = append(asc, *r)
	}
	var desc []Record
	for r := range g.Descending() {
		desc = append(desc, *r)
	}
	slices.Reverse(desc)
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	reqID := regexp.MustCompile(`^[0-9A-Z]{16}$`)
	ids := map[string]bool{}
	if len(asc) != 3000 || len(desc) != 3000 {
		t.Fatalf("got %d ascending, %d descending records, want 3000", len(asc), len(desc))
	}
	for i := range asc {
		a, d := asc[i], desc[i]
		if a.EventID != d.EventID || !a.Time.Equal(d.Time) || a.Source != d.Source || a.Alert != i+1 {
			t.Fatalf("record %d: ascending %+v, descending %+v", i, a, d)
		}
		if !uuid.MatchString(a.EventID) || !reqID.MatchString(a.RequestID) || ids[a.EventID] {
			t.Fatalf("record %d: event ID %q, request ID %q: malformed or repeated", i, a.EventID, a.RequestID)
		}
		ids[a.EventID] = true
		if i > 0 && a.Time.Before(asc[i-1].Time) {
			t.Fatalf("record %d at %s is older than record %d at %s", i, a.Time, i-1, asc[i-1].Time)
		}
	}
}

func TestExpected(t *testing.T) {
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		cfg       Config
		wantIPs   int
		checkMix  bool
		wantPriv  int
		minIPv6   int
		wantFirst time.Time
	}{
		{name: "empty", cfg: Config{Events: 0, IPs: 5}, wantIPs: 0},
		{name: "one event", cfg: Config{Events: 1, IPs: 1, Start: start, End: start.Add(time.Hour)}, wantIPs: 1},
		{name: "fewer events than IPs", cfg: Config{Events: 50, IPs: 500}, wantIPs: 50},
		{name: "default IPs", cfg: Config{Events: 4000}, wantIPs: 200, wantPriv: 2},
		{name: "no IPv6", cfg: Config{Events: 5000, IPs: 1000, IPv6Share: -1}, wantIPs: 1000, wantPriv: 2, checkMix: true},
		{name: "demo", cfg: DemoConfig(), wantIPs: 290, wantPriv: 2, minIPv6: 5},
		{name: "large", cfg: Config{Events: 60000, IPs: 3000, Seed: 9}, wantIPs: 3000, wantPriv: 2, checkMix: true, minIPv6: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGen(t, tt.cfg)
			e := g.Expected()
			if e.Events != int64(tt.cfg.Events) {
				t.Errorf("events = %d, want %d", e.Events, tt.cfg.Events)
			}
			if e.UniqueIPs != tt.wantIPs {
				t.Errorf("unique IPs = %d, want %d", e.UniqueIPs, tt.wantIPs)
			}
			if e.Private != tt.wantPriv {
				t.Errorf("private IPs = %d, want %d", e.Private, tt.wantPriv)
			}
			if tt.cfg.IPv6Share < 0 && e.IPv6 != 0 {
				t.Errorf("IPv6 = %d with IPv6 turned off", e.IPv6)
			}
			if e.IPv6 < tt.minIPv6 {
				t.Errorf("IPv6 = %d, want at least %d", e.IPv6, tt.minIPv6)
			}
			var sum int64
			for _, n := range e.Ops {
				sum += n
			}
			if sum != e.Events {
				t.Errorf("ops sum to %d, want %d", sum, e.Events)
			}
			if e.Attempts < e.Events {
				t.Errorf("attempts %d < events %d", e.Attempts, e.Events)
			}
			cfg := g.cfg
			if e.Events > 0 && (e.First.Before(cfg.Start) || !e.Last.Before(cfg.End)) {
				t.Errorf("events from %s to %s fall outside %s..%s", e.First, e.Last, cfg.Start, cfg.End)
			}
			if !tt.checkMix {
				return
			}
			share := func(op string) float64 { return float64(e.Ops[op]) / float64(e.Events) }
			for _, c := range []struct {
				op     string
				lo, hi float64
			}{
				{OpHeadBucket, 0.50, 0.56},
				{OpListObjects, 0.42, 0.48},
				{OpPutObject, 0.008, 0.025},
				{OpGetObject, 0.001, 0.012},
			} {
				if s := share(c.op); s < c.lo || s > c.hi {
					t.Errorf("%s share %.3f outside [%.3f, %.3f]", c.op, s, c.lo, c.hi)
				}
			}
			if r := float64(e.Attempts) / float64(e.Events); r < 1.05 || r > 1.6 {
				t.Errorf("attempts per event %.2f, want mostly 1 with some repeats", r)
			}
			if e.AccessDenied == 0 || e.Authenticated == 0 || e.CloudTrailNonS3 == 0 {
				t.Errorf("want some access denied, authenticated and non-S3 CloudTrail events: %+v", e)
			}
		})
	}
}

// TestShape checks the traffic looks like a honeybucket's: one hosting /24
// makes a large share of the events, most addresses come once or twice,
// and the user agents are varied but led by Go's and Boto3's.
func TestShape(t *testing.T) {
	g := newGen(t, Config{Events: 20000, IPs: 2000, Seed: 5})
	perNet := map[netip.Prefix]int{}
	perIP := map[netip.Addr]int{}
	agentsSeen := map[string]int{}
	for r := range g.Ascending() {
		p, _ := r.Source.Prefix(24)
		if r.Source.Is6() {
			p, _ = r.Source.Prefix(48)
		}
		perNet[p]++
		perIP[r.Source]++
		agentsSeen[r.UserAgent]++
	}
	heavy := perNet[netip.MustParsePrefix(heavyNet)]
	if share := float64(heavy) / 20000; share < 0.15 || share > 0.45 {
		t.Errorf("heavy-hitter /24 has %.2f of events, want 0.15..0.45", share)
	}
	few := 0
	for _, n := range perIP {
		if n <= 10 {
			few++
		}
	}
	if few < len(perIP)*3/4 {
		t.Errorf("%d of %d addresses visit at most 10 times, want most", few, len(perIP))
	}
	if len(agentsSeen) < 20 {
		t.Errorf("%d distinct user agents, want at least 20", len(agentsSeen))
	}
	if agentsSeen["Go-http-client/1.1"] < 2000 {
		t.Errorf("Go-http-client/1.1 in %d events, want it among the most common", agentsSeen["Go-http-client/1.1"])
	}
}

func TestConfigErrors(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"negative events", Config{Events: -1}},
		{"negative IPs", Config{Events: 1, IPs: -1}},
		{"end before start", Config{Events: 1, Start: t0, End: t0.Add(-time.Hour)}},
		{"empty span", Config{Events: 1, Start: t0, End: t0}},
		{"IPv6 share above 1", Config{Events: 1, IPv6Share: 1.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil {
				t.Errorf("New(%+v) succeeded, want an error", tt.cfg)
			}
		})
	}
}

func TestWritersRejectWrongOrder(t *testing.T) {
	g := newGen(t, Config{Events: 200, IPs: 20})
	if err := WriteBreachInsider(io.Discard, g.Ascending()); err == nil {
		t.Error("WriteBreachInsider accepted oldest-first records")
	}
	if err := WriteBreachCSV(io.Discard, g.Ascending()); err == nil {
		t.Error("WriteBreachCSV accepted oldest-first records")
	}
	if err := WriteS3Access(io.Discard, g.Descending(), g.OwnerID()); err == nil {
		t.Error("WriteS3Access accepted newest-first records")
	}
	if _, err := WriteCloudTrailTree(t.TempDir(), g.Descending()); err == nil {
		t.Error("WriteCloudTrailTree accepted newest-first records")
	}
}

func TestBreachInsiderWellFormed(t *testing.T) {
	g := newGen(t, Config{Events: 1500, IPs: 200, Seed: 11})
	e := g.Expected()
	var b bytes.Buffer
	if err := WriteBreachInsider(&b, g.Descending()); err != nil {
		t.Fatal(err)
	}
	header := regexp.MustCompile(`^Alert #(\d+) – (\S+)$`)
	var alerts, details, errs int
	next := int(e.Events)
	sc := bufio.NewScanner(&b)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	for i, line := range lines {
		switch {
		case header.MatchString(line):
			m := header.FindStringSubmatch(line)
			if m[1] != fmt.Sprint(next) {
				t.Fatalf("line %d: alert #%s, want #%d (newest first, no gaps)", i+1, m[1], next)
			}
			next--
			alerts++
			want := []string{"Event ID: ", "Event DateTime", m[2], "Alarm DateTime", "", "Source IP", "", "Request User Agent", "", "Repeated Attempts", "", "AWS Request Details"}
			for k, w := range want {
				if got := lines[i+1+k]; w != "" && !strings.HasPrefix(got, w) {
					t.Fatalf("line %d: %q, want %q", i+2+k, got, w)
				}
			}
			if _, err := netip.ParseAddr(lines[i+7]); err != nil {
				t.Fatalf("line %d: source IP: %v", i+8, err)
			}
		case line == "AWS Request Details":
			details++
		case line == "Error Code":
			errs++
		}
	}
	if alerts != int(e.Events) || details != alerts {
		t.Errorf("%d alert headers and %d request details, want %d", alerts, details, e.Events)
	}
	var wantErrs int64
	for _, n := range e.Errors {
		wantErrs += n
	}
	if int64(errs) != wantErrs {
		t.Errorf("%d error blocks, want %d", errs, wantErrs)
	}
}

func TestBreachCSVWellFormed(t *testing.T) {
	g := newGen(t, Config{Events: 1500, IPs: 200, Seed: 12})
	e := g.Expected()
	var b bytes.Buffer
	if err := WriteBreachCSV(&b, g.Descending()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rows[0], ","), strings.TrimSpace(csvHeader); got != want {
		t.Fatalf("header %q, want %q", got, want)
	}
	rows = rows[1:]
	if len(rows) != int(e.Events) {
		t.Fatalf("%d rows, want %d", len(rows), e.Events)
	}
	alert := regexp.MustCompile(`^ \d+-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	var attempts int64
	for i, r := range rows {
		if !alert.MatchString(r[5]) {
			t.Fatalf("row %d: Alert %q", i+2, r[5])
		}
		if _, err := netip.ParseAddr(r[9]); err != nil {
			t.Fatalf("row %d: %v", i+2, err)
		}
		var n int64
		fmt.Sscan(r[11], &n)
		attempts += n
	}
	if attempts != e.Attempts {
		t.Errorf("attempts %d, want %d", attempts, e.Attempts)
	}
}

// s3Fields splits an access log line into fields: space-separated, except
// that "quoted" and [bracketed] fields keep their spaces.
func s3Fields(line string) []string {
	var out []string
	for line != "" {
		var end int
		switch line[0] {
		case '"':
			end = strings.Index(line[1:], `"`) + 2
		case '[':
			end = strings.Index(line, "]") + 1
		default:
			end = strings.IndexByte(line, ' ')
			if end < 0 {
				end = len(line)
			}
		}
		out = append(out, line[:end])
		line = strings.TrimPrefix(line[end:], " ")
	}
	return out
}

func TestS3AccessWellFormed(t *testing.T) {
	g := newGen(t, Config{Events: 1500, IPs: 200, Seed: 13})
	e := g.Expected()
	var b bytes.Buffer
	if err := WriteS3Access(&b, g.Ascending(), g.OwnerID()); err != nil {
		t.Fatal(err)
	}
	ops := map[string]string{"REST.HEAD.BUCKET": OpHeadBucket, "REST.GET.BUCKET": OpListObjects, "REST.PUT.OBJECT": OpPutObject, "REST.GET.OBJECT": OpGetObject}
	got := map[string]int64{}
	var denied int64
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	for i, line := range lines {
		f := s3Fields(line)
		if len(f) != 26 {
			t.Fatalf("line %d: %d fields, want 26: %q", i+1, len(f), line)
		}
		if _, err := time.Parse(s3TimeLayout, f[2]); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if _, err := netip.ParseAddr(f[3]); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		got[ops[f[6]]]++
		if f[10] == "AccessDenied" {
			denied++
			if f[9] != "403" {
				t.Errorf("line %d: AccessDenied with status %s", i+1, f[9])
			}
		}
		for _, q := range []int{8, 15, 16} {
			if !strings.HasPrefix(f[q], `"`) {
				t.Fatalf("line %d: field %d %q is not quoted", i+1, q+1, f[q])
			}
		}
	}
	if len(lines) != int(e.Events) || denied != e.AccessDenied {
		t.Errorf("%d lines, %d denied; want %d, %d", len(lines), denied, e.Events, e.AccessDenied)
	}
	for op, n := range e.Ops {
		if got[op] != n {
			t.Errorf("%s: %d lines, want %d", op, got[op], n)
		}
	}
}

func TestCloudTrailWellFormed(t *testing.T) {
	g := newGen(t, Config{Events: 3500, IPs: 300, Seed: 14, Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)})
	e := g.Expected()
	dir := t.TempDir()
	n, err := WriteCloudTrailTree(dir, g.Ascending())
	if err != nil {
		t.Fatal(err)
	}
	files := cloudTrailFiles(t, dir)
	if len(files) != n || n < 4 {
		t.Fatalf("wrote %d files, found %d, want at least 4", n, len(files))
	}
	name := regexp.MustCompile(`^AWSLogs/123456789012/CloudTrail/eu-west-1/(\d{4}/\d\d/\d\d)/123456789012_CloudTrail_eu-west-1_(\d{8}T\d{4}Z)_[0-9A-Za-z]{16}\.json\.gz$`)
	type record struct {
		EventVersion string
		UserIdentity struct {
			Type, PrincipalID, AccountID string
		}
		EventTime, EventSource, EventName, AwsRegion, SourceIPAddress, UserAgent string
		RequestParameters                                                        map[string]string
		ResponseElements                                                         json.RawMessage
		RequestID, EventID, EventType, RecipientAccountID, EventCategory         string
		ErrorCode                                                                string
		ReadOnly, ManagementEvent                                                bool
		Resources                                                                []map[string]string
	}
	ops := map[string]int64{}
	var nonS3, denied int64
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		m := name.FindStringSubmatch(filepath.ToSlash(rel))
		if m == nil {
			t.Fatalf("file name %s", rel)
		}
		var doc struct{ Records []record }
		if err := json.Unmarshal(gunzipFile(t, f), &doc); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if len(doc.Records) == 0 || len(doc.Records) > CloudTrailFileRecords {
			t.Fatalf("%s: %d records", rel, len(doc.Records))
		}
		for _, r := range doc.Records {
			if r.EventTime[:10] != strings.ReplaceAll(m[1], "/", "-") {
				t.Fatalf("%s: event of %s in the directory of another day", rel, r.EventTime)
			}
			if r.EventSource != "s3.amazonaws.com" {
				nonS3++
				if r.EventCategory != "Management" || !r.ManagementEvent {
					t.Errorf("%s: non-S3 event %s is not a management event", rel, r.EventName)
				}
				continue
			}
			ops[r.EventName]++
			if r.ErrorCode == "AccessDenied" {
				denied++
			}
			if r.EventCategory != "Data" || r.ManagementEvent || r.EventType != "AwsApiCall" || r.RecipientAccountID != "123456789012" ||
				r.UserIdentity.Type != "AWSAccount" || r.RequestParameters["bucketName"] != DefaultBucket || r.RequestParameters["Host"] == "" ||
				string(r.ResponseElements) != "null" || len(r.Resources) == 0 || r.EventID == "" || r.RequestID == "" {
				t.Fatalf("%s: incomplete S3 data event %+v", rel, r)
			}
			if _, err := netip.ParseAddr(r.SourceIPAddress); err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
		}
	}
	if nonS3 != e.CloudTrailNonS3 || denied != e.AccessDenied {
		t.Errorf("%d non-S3 events, %d denied; want %d, %d", nonS3, denied, e.CloudTrailNonS3, e.AccessDenied)
	}
	for op, n := range e.Ops {
		if ops[op] != n {
			t.Errorf("%s: %d records, want %d", op, ops[op], n)
		}
	}
}

func TestTimeFormats(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		tm := time.Unix(r.Int64N(4e9), r.Int64N(1e9)).UTC()
		for _, c := range []struct {
			layout string
			fast   func([]byte, time.Time) []byte
		}{
			{eventTimeLayout, appendEventTime},
			{alarmTimeLayout, appendAlarmTime},
			{s3TimeLayout, appendS3Time},
		} {
			if got, want := string(c.fast(nil, tm)), tm.Format(c.layout); got != want {
				t.Fatalf("%s: got %q, want %q", tm, got, want)
			}
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "ctl \x00\x1f\n\t", "é ü 中文 \u2028", "bad \xff utf8", "<script>&"} {
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if got != want {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	}
}

// TestGolden pins the exact output of every writer for a few events, so a
// change to the generator shows up in review (and in the demo sample,
// which must then be regenerated: go generate ./demo).
func TestGolden(t *testing.T) {
	g := newGen(t, Config{Events: 6, IPs: 4, Seed: 42, Start: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC)})
	for name, got := range writeAll(t, g) {
		golden.Check(t, filepath.Join("testdata", name+".golden"), got)
	}
}
