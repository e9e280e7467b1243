package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honeyreport/honeyreport/report"
)

func opsString(ops []report.OpJSON) string {
	var parts []string
	for _, o := range ops {
		parts = append(parts, fmt.Sprintf("%s %d", o.Name, o.Count))
	}
	return strings.Join(parts, ", ")
}

// TestReportShortOperationName: one CloudTrail record with a 4-character
// eventName used to panic in IsWrite and kill the whole report.
func TestReportShortOperationName(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "trail.json")
	rec := `{"eventTime":"2022-03-01T10:00:0%dZ","eventSource":"s3.amazonaws.com","eventName":%q,"sourceIPAddress":"192.0.2.%d","userAgent":"curl/8"}`
	body := `{"Records":[` + fmt.Sprintf(rec, 0, "Abcd", 1) + "," + fmt.Sprintf(rec, 1, "PutObject", 2) + "," + fmt.Sprintf(rec, 2, "Abcdef", 3) + `]}`
	if err := os.WriteFile(in, []byte(body), 0o666); err != nil {
		t.Fatal(err)
	}
	out, js := filepath.Join(dir, "r.html"), filepath.Join(dir, "s.json")
	_, stderr, code := runCmd(t, fixedEpoch, "report", in, "-o", out, "--json", js, "--no-system-geoip", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s := readSummaryJSON(t, js)
	if s.Totals.Events != 3 || s.Totals.Writes != 1 {
		t.Errorf("%d events, %d writes; want 3, 1 (only PutObject)", s.Totals.Events, s.Totals.Writes)
	}
	if got := opsString(s.UnmappedOperations); got != "Abcd 1, Abcdef 1" {
		t.Errorf("unmapped operations %q", got)
	}
	html := string(mustRead(t, out))
	for _, want := range []string{"unmapped operation <span class=\"mono\">Abcd</span>, 1 events", "unmapped operation <span class=\"mono\">Abcdef</span>"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestReportOperationNames: AWS's documented access log example reads as
// the API names, and the same requests as CloudTrail records and as access
// log lines count each operation under one name.
func TestReportOperationNames(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "s.json")
	run := func(inputs ...string) report.SummaryJSON {
		t.Helper()
		args := append([]string{"report"}, inputs...)
		args = append(args, "-o", filepath.Join(dir, "r.html"), "--json", js, "--no-system-geoip", "-q")
		if _, stderr, code := runCmd(t, fixedEpoch, args...); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		return readSummaryJSON(t, js)
	}
	s := run("ingest/testdata/ops/aws-example.log")
	if got, want := opsString(s.Operations), "GetBucketVersioning 2, GetBucketLogging 1, GetBucketPolicy 1, PutObject 1"; got != want {
		t.Errorf("AWS example: operations %q, want %q", got, want)
	}

	ct := run("ingest/testdata/ops/same.ndjson")
	both := run("ingest/testdata/ops/same.ndjson", "ingest/testdata/ops/same.log")
	if len(both.Operations) != len(ct.Operations) || len(ct.Operations) < 20 {
		t.Fatalf("CloudTrail alone %d operations, with the access log %d", len(ct.Operations), len(both.Operations))
	}
	for i, o := range both.Operations {
		if c := ct.Operations[i]; o.Name != c.Name || o.Count != 2*c.Count {
			t.Errorf("%s %d with the access log, %s %d in CloudTrail alone", o.Name, o.Count, c.Name, c.Count)
		}
	}
	if both.Totals.Writes != 2*ct.Totals.Writes || len(both.UnmappedOperations) != 0 {
		t.Errorf("writes %d vs %d; unmapped %v", both.Totals.Writes, ct.Totals.Writes, both.UnmappedOperations)
	}
}

// TestReportAWSOperations: S3's own lifecycle work is kept out of the
// attacker totals, counted apart, and exported with its logged name.
func TestReportAWSOperations(t *testing.T) {
	dir := t.TempDir()
	o := func(name string) string { return filepath.Join(dir, name) }
	_, stderr, code := runCmd(t, fixedEpoch, "report", "testdata/access.log", "-o", o("r.html"), "--json", o("s.json"),
		"--export", o("e.csv"), "--no-system-geoip", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s := readSummaryJSON(t, o("s.json"))
	if got := opsString(s.AWSOperations); got != "S3.TRANSITION_SIA.OBJECT 1" {
		t.Errorf("aws_operations %q", got)
	}
	for _, op := range s.Operations {
		if strings.HasPrefix(op.Name, "S3.") {
			t.Errorf("%s counted among the attacker's operations", op.Name)
		}
	}
	if s.Inputs[0].Events != s.Totals.Events+1 {
		t.Errorf("input has %d events, totals %d: want one apart", s.Inputs[0].Events, s.Totals.Events)
	}
	html := string(mustRead(t, o("r.html")))
	if !strings.Contains(html, `AWS-internal operation <span class="mono">S3.TRANSITION_SIA.OBJECT</span>, 1 events`) {
		t.Error("report does not list the AWS-internal operation")
	}
	csv := string(mustRead(t, o("e.csv")))
	if !strings.Contains(strings.SplitN(csv, "\n", 2)[0], ",raw_operation") ||
		!strings.Contains(csv, ",DeleteObjects,") || !strings.Contains(csv, ",BATCH.DELETE.OBJECT,") {
		t.Errorf("export lacks the operation or its raw name:\n%s", csv)
	}
}
