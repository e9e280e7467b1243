package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/internal/golden"
	"github.com/honeyreport/honeyreport/s3input/s3test"
)

func TestAthenaSQL(t *testing.T) {
	// Wednesday 2026-10-28: last week is 2026-10-19 to 2026-10-25.
	vars := map[string]string{"SOURCE_DATE_EPOCH": strconv.FormatInt(time.Date(2026, 10, 28, 12, 0, 0, 0, time.UTC).Unix(), 10)}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{name: "last-week", args: []string{"--table", "cloudtrail_logs", "--bucket", "acme-honeybucket", "--window", "last-week"}},
		{name: "since", args: []string{"--table", "security.org_trail", "--bucket", "acme.honey-bucket", "--since", "2026-10-01"}},
		{name: "all", args: []string{"--bucket", "acme-honeybucket"}},
		{name: "partitioned", args: []string{"--table", "cloudtrail_logs_pp", "--bucket", "acme-honeybucket", "--window", "last-week", "--partition", "timestamp"}},
		{name: "bad partition", args: []string{"--bucket", "acme", "--partition", "day\" OR 1=1"}, code: 2, stderr: "want a column name"},
		{name: "no bucket", code: 2, stderr: "--bucket: the honeybucket's name is required"},
		{name: "quote in bucket", args: []string{"--bucket", "x' OR '1'='1"}, code: 2, stderr: "not an S3 bucket name"},
		{name: "bad table", args: []string{"--bucket", "acme", "--table", "t; DROP TABLE t"}, code: 2, stderr: "want TABLE or DATABASE.TABLE"},
		{name: "bad window", args: []string{"--bucket", "acme", "--window", "fortnight"}, code: 2, stderr: "fortnight"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCmd(t, vars, append([]string{"athena-sql"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d, %q", code, stderr, tt.code, tt.stderr)
			}
			if tt.code == 0 {
				golden.Check(t, filepath.Join("testdata", "athena-sql", strings.ReplaceAll(tt.name, " ", "-")+".sql.golden"), []byte(stdout))
			}
		})
	}
}

// athenaResult emulates Athena running the athena-sql query over the
// CloudTrail files below dir: S3 events whose requestParameters name
// bucket, with eventTime in [since, until), oldest first, written as
// Athena writes results (every value quoted, NULL empty, the identity's
// fields flattened, requestParameters as JSON text). Like a table
// partitioned by day, it reads only the files whose yyyy/MM/dd folder is
// within days (inclusive), when given.
func athenaResult(t *testing.T, dir, bucket string, since, until time.Time, days [2]string) []byte {
	t.Helper()
	type row struct {
		time string
		line []byte
	}
	var rows []row
	quote := func(v string) string { return `"` + strings.ReplaceAll(v, `"`, `""`) + `"` }
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if days[0] != "" {
			day := dayFolder.FindString(filepath.ToSlash(path))
			if day == "" {
				t.Fatalf("%s: no day folder", path)
			}
			if day = strings.Trim(day, "/"); day < days[0] || day > days[1] {
				return nil
			}
		}
		var doc struct{ Records []map[string]any }
		if err := json.Unmarshal(gunzip(t, path), &doc); err != nil {
			return err
		}
		for _, rec := range doc.Records {
			params, _ := rec["requestParameters"].(map[string]any)
			at, _ := rec["eventTime"].(string)
			if rec["eventSource"] != "s3.amazonaws.com" || params["bucketName"] != bucket || at < since.Format(time.RFC3339) || at >= until.Format(time.RFC3339) {
				continue
			}
			vals := map[string]any{}
			for k, v := range rec {
				vals[strings.ToLower(k)] = v
			}
			ident, _ := rec["userIdentity"].(map[string]any)
			for k, v := range ident {
				vals["useridentity_"+strings.ToLower(k)] = v
			}
			var line []string
			for _, c := range ingest.AthenaColumns {
				switch v := vals[c].(type) {
				case nil:
					line = append(line, "")
				case string:
					line = append(line, quote(v))
				default:
					j, _ := json.Marshal(v)
					line = append(line, quote(string(j)))
				}
			}
			rows = append(rows, row{at, []byte(strings.Join(line, ","))})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for i, c := range ingest.AthenaColumns {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(c))
	}
	b.WriteByte('\n')
	for _, r := range rows {
		b.Write(r.line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// TestAthenaSameCounts: the Athena result of the printed query, for last
// week, gives the report the CloudTrail tree gives for last week.
func TestAthenaSameCounts(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	if err := s3test.WriteTrees(dir, s3test.TreeConfig{Start: start, Days: 60, Events: 1000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	if moved := deliverLate(t, filepath.Join(dir, s3test.TrailBucket)); moved == 0 {
		t.Fatal("no file delivered after midnight: the partition bounds are not tested")
	}
	now := time.Date(2026, 10, 28, 12, 0, 0, 0, time.UTC)
	vars := map[string]string{"SOURCE_DATE_EPOCH": strconv.FormatInt(now.Unix(), 10)}
	sql, _, code := runCmd(t, vars, "athena-sql", "--bucket", s3test.HoneyBucket, "--window", "last-week", "--partition", "timestamp")
	since, until := time.Date(2026, 10, 19, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC)
	// The emulation applies these bounds: the query must say the same.
	if code != 0 || !strings.Contains(sql, "eventtime >= '"+since.Format(time.RFC3339)+"'") || !strings.Contains(sql, "eventtime < '"+until.Format(time.RFC3339)+"'") ||
		!strings.Contains(sql, "'$.bucketName') = '"+s3test.HoneyBucket+"'") {
		t.Fatalf("query does not select last week's events on %s:\n%s", s3test.HoneyBucket, sql)
	}
	// The partition bounds must hold every delivery of the window's
	// events: the tree delivers files minutes after their events, across
	// midnight too.
	bounds := partitionBounds.FindStringSubmatch(sql)
	if bounds == nil {
		t.Fatalf("query does not bound the day partition:\n%s", sql)
	}
	csvPath := filepath.Join(t.TempDir(), "result.csv")
	if err := os.WriteFile(csvPath, athenaResult(t, filepath.Join(dir, s3test.TrailBucket), s3test.HoneyBucket, since, until, [2]string{bounds[1], bounds[2]}), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	base := baselineFile(t)
	report := func(name string, in string) map[string]any {
		js := filepath.Join(out, name+".json")
		// --baseline: the Athena result holds only the window, so the
		// tree's run must not compare with the week before either.
		_, stderr, code := runCmd(t, vars, "report", in, "--window", "last-week", "--baseline", base, "--no-system-geoip", "-q", "-o", filepath.Join(out, name+".html"), "--json", js)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		return comparableSummary(t, js)
	}
	fromAthena := report("athena", csvPath)
	fromTree := report("tree", filepath.Join(dir, s3test.TrailBucket))
	if ev := fromTree["totals"].(map[string]any)["events"]; ev == nil || ev == 0.0 {
		t.Fatalf("no events in the window: %v", fromTree["totals"])
	}
	diffSummaries(t, fromAthena, fromTree)
}

// deliverLate moves each CloudTrail file below dir into the day folder
// of its delivery, as CloudTrail files them: delivery comes up to 15
// minutes after a file's last event (here: 15 minutes), so the events of
// a day's last minutes arrive in the next day's folder. It returns how
// many files moved.
func deliverLate(t *testing.T, dir string) int {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json.gz") {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	moved := 0
	for _, path := range paths {
		var doc struct {
			Records []struct{ EventTime time.Time }
		}
		if err := json.Unmarshal(gunzip(t, path), &doc); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		last := doc.Records[len(doc.Records)-1].EventTime
		day := last.Add(15 * time.Minute).Format("2006/01/02")
		if strings.HasSuffix(filepath.ToSlash(filepath.Dir(path)), "/"+day) {
			continue
		}
		to := filepath.Join(filepath.Dir(path), "..", "..", "..", filepath.FromSlash(day), filepath.Base(path))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path, to); err != nil {
			t.Fatal(err)
		}
		moved++
	}
	return moved
}

var (
	dayFolder       = regexp.MustCompile(`/[0-9]{4}/[0-9]{2}/[0-9]{2}/`)
	partitionBounds = regexp.MustCompile(`"timestamp" >= '([0-9/]+)'\n  AND "timestamp" <= '([0-9/]+)'`)
)

// baselineFile writes an empty earlier summary for --baseline.
func baselineFile(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	_, stderr, code := runCmd(t, nil, "demo", "--no-system-geoip", "-q", "-o", filepath.Join(dir, "d.html"), "--json", filepath.Join(dir, "base.json"))
	if code != 0 {
		t.Fatal(stderr)
	}
	return filepath.Join(dir, "base.json")
}

// comparableSummary reads a JSON summary without what depends on how the
// events were stored rather than on the events: the inputs, and the
// counts of events read outside the window.
func comparableSummary(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	delete(s, "inputs")
	// The one finding that counts what was read outside the window.
	if kf, ok := s["key_findings"].(string); ok {
		lines := strings.Split(kf, "\n")
		s["key_findings"] = strings.Join(slices.DeleteFunc(lines, func(l string) bool { return strings.HasPrefix(l, "- Window ") }), "\n")
	}
	if tot, ok := s["totals"].(map[string]any); ok {
		for k := range tot {
			if strings.Contains(k, "outside") || strings.Contains(k, "input") || strings.Contains(k, "bytes") {
				delete(tot, k)
			}
		}
	}
	return s
}

func diffSummaries(t *testing.T, got, want map[string]any) {
	t.Helper()
	for k := range want {
		if !reflect.DeepEqual(got[k], want[k]) {
			a, _ := json.Marshal(got[k])
			b, _ := json.Marshal(want[k])
			t.Errorf("summary %q differs:\n got:  %.400s\n want: %.400s", k, a, b)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("summary %q only in one", k)
		}
	}
}
