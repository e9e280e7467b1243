package main

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/s3input/s3test"
)

// TestS3SameAsDisk is the s3:// inputs' acceptance check: a report on
// s3://trail/AWSLogs/ and s3://logs/access/ with --window last-week,
// read from an S3 server on loopback, equals the report on the same
// trees synced to disk; only objects dated in the window, or the week
// before it (which the report compares with), are downloaded; and the
// credentials, from the environment, appear in no output.
func TestS3SameAsDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 60 days of logs")
	}
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	if err := s3test.WriteTrees(dir, s3test.TreeConfig{Start: start, Days: 60, Events: 3000, Seed: 18}); err != nil {
		t.Fatal(err)
	}
	srv := s3test.NewServer(t)
	total := srv.PutDir(t, dir)
	s3test.SetEnv(t)
	// A Wednesday 55 days in: last week is days 48 to 54 of the trees.
	now := time.Date(2026, 10, 28, 12, 0, 0, 0, time.UTC)
	vars := map[string]string{"AWS_ENDPOINT_URL_S3": srv.URL, "SOURCE_DATE_EPOCH": strconv.FormatInt(now.Unix(), 10)}
	out := t.TempDir()
	run := func(name string, inputs ...string) (summary map[string]any, outputs string) {
		t.Helper()
		args := append([]string{"report", "--window", "last-week", "--no-system-geoip", "-o", filepath.Join(out, name+".html"),
			"--json", filepath.Join(out, name+".json"), "--md", filepath.Join(out, name+".md"), "--export", filepath.Join(out, name+".csv")}, inputs...)
		stdout, stderr, code := runCmd(t, vars, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", name, code, stderr)
		}
		all := stdout + stderr
		for _, ext := range []string{".html", ".json", ".md", ".csv"} {
			b, err := os.ReadFile(filepath.Join(out, name+ext))
			if err != nil {
				t.Fatal(err)
			}
			all += string(b)
		}
		return comparableSummary(t, filepath.Join(out, name+".json")), all
	}
	fromS3, s3Out := run("s3", "s3://"+s3test.TrailBucket+"/AWSLogs/", "s3://"+s3test.LogBucket+"/access/")
	fromDisk, _ := run("disk", filepath.Join(dir, s3test.TrailBucket, "AWSLogs"), filepath.Join(dir, s3test.LogBucket, "access"))

	for _, secret := range []string{s3test.AccessKeyID, s3test.SecretAccessKey} {
		if strings.Contains(s3Out, secret) {
			t.Errorf("output holds the credential %q", secret)
		}
	}

	// Downloads: each listed object once (the export reads again), and
	// only those dated from the week before last week to a day after
	// last week.
	gets := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Method == "GET" && r.Key != "" {
			gets[r.Bucket+"/"+r.Key]++
		}
	}
	from, until := time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC)
	for k, n := range gets {
		at, ok := keyDate(path.Base(k))
		if !ok || at.Before(from.Add(-time.Hour)) || !at.Before(until.Add(24*time.Hour)) {
			t.Errorf("downloaded %s, dated outside the weeks", k)
		}
		if n != 2 {
			t.Errorf("%s: %d downloads, want 2 (report and export)", k, n)
		}
	}
	if len(gets) == 0 || len(gets)*3 > total {
		t.Errorf("downloaded %d of %d objects", len(gets), total)
	}

	// The inputs differ (keys, not paths; the disk run read every file)
	// and so do the counts of events outside the window that each read.
	if ev := fromS3["totals"].(map[string]any)["events"]; ev == nil || ev == 0.0 {
		t.Fatalf("no events in the window: %v", fromS3["totals"])
	}
	diffSummaries(t, fromS3, fromDisk)
}

// keyDate is the delivery date in a CloudTrail or access-log object name.
func keyDate(name string) (time.Time, bool) {
	if i := strings.Index(name, "_CloudTrail_"); i >= 0 {
		parts := strings.Split(name[i:], "_")
		if len(parts) > 3 {
			t, err := time.Parse("20060102T1504Z", parts[3])
			return t, err == nil
		}
	}
	if len(name) > 19 {
		t, err := time.Parse("2006-01-02-15-04-05", name[:19])
		return t, err == nil
	}
	return time.Time{}, false
}

// TestS3Inputs covers what the acceptance test does not: overlapping
// prefixes read once, a listing that fails stops the run before any
// output, and a bad URL or concurrency is a usage error.
func TestS3Inputs(t *testing.T) {
	srv := s3test.NewServer(t)
	srv.Put(t, "trail", "AWSLogs/1/a.json", []byte(`{"Records":[{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2026-10-20T00:00:00Z","sourceIPAddress":"203.0.113.7","requestParameters":{"bucketName":"b","key":"k"}}]}`))
	s3test.SetEnv(t)
	vars := map[string]string{"AWS_ENDPOINT_URL": srv.URL}
	out := filepath.Join(t.TempDir(), "r.html")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{name: "overlapping prefixes", args: []string{"s3://trail/AWSLogs/", "s3://trail/AWSLogs/1/"}, stderr: "1 event (1 attempt) from 1 unique IP in 1 input"},
		{name: "missing bucket", args: []string{"s3://nosuchbucket/x/"}, code: 1, stderr: "list s3://nosuchbucket/x/: NoSuchBucket"},
		{name: "empty prefix", args: []string{"s3://trail/nothing/"}, code: 1, stderr: "s3://trail/nothing/: no object"},
		{name: "no bucket name", args: []string{"s3:///x"}, code: 2, stderr: "no bucket name"},
		{name: "concurrency", args: []string{"s3://trail/", "--s3-concurrency", "0"}, code: 2, stderr: "--s3-concurrency must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCmd(t, vars, append([]string{"report", "--no-system-geoip", "-o", out}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr:\n%s\nwant %d, %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
}

// TestS3EventsReadOnce: the site's events.csv.gz and the email's
// events.csv attachment come from one more read of the inputs, so each
// object is fetched twice in all (the report, then the events), not
// three times, and both files hold the same events.
func TestS3EventsReadOnce(t *testing.T) {
	dir := t.TempDir()
	if err := s3test.WriteTrees(dir, s3test.TreeConfig{Start: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Days: 3, Events: 200, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	srv := s3test.NewServer(t)
	srv.PutDir(t, dir)
	s3test.SetEnv(t)
	srv.Reset()
	out := t.TempDir()
	vars := map[string]string{"AWS_ENDPOINT_URL_S3": srv.URL, "SOURCE_DATE_EPOCH": "1700000000"}
	_, stderr, code := runCmd(t, vars, "report", "s3://"+s3test.TrailBucket+"/AWSLogs/", "--no-system-geoip", "-q",
		"-o", filepath.Join(out, "r.html"), "--site", filepath.Join(out, "site"),
		"--email", filepath.Join(out, "d.eml"), "--email-attach", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	gets := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Method == "GET" && r.Key != "" {
			gets[r.Key]++
		}
	}
	if len(gets) == 0 {
		t.Fatal("no object fetched")
	}
	for key, n := range gets {
		if n != 2 {
			t.Errorf("%s fetched %d times, want 2", key, n)
		}
	}
	periods, err := filepath.Glob(filepath.Join(out, "site", "reports", "*", "events.csv.gz"))
	if err != nil || len(periods) != 1 {
		t.Fatalf("site events files %v (%v)", periods, err)
	}
	attached := attachments(t, mustRead(t, filepath.Join(out, "d.eml")))["events.csv"]
	if len(attached) == 0 || !bytes.Equal(attached, gunzip(t, periods[0])) {
		t.Errorf("the email's events.csv (%d bytes) differs from the site's", len(attached))
	}
}
