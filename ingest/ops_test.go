package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/honeyreport/honeyreport/internal/golden"
)

// TestOpsEveryLogOperation reads testdata/ops/every.log, one access log
// line for every operation in s3ops.tsv (two for those that differ on a
// bucket and on a key), and compares what each became with
// every.ops.golden. With -update both files are rewritten from the table:
// review the golden's diff against AWS's documentation.
func TestOpsEveryLogOperation(t *testing.T) {
	logPath := filepath.Join("testdata", "ops", "every.log")
	if golden.Update() {
		var lines []string
		names := make([]string, 0, len(opTab.logOps))
		for name := range opTab.logOps {
			names = append(names, name)
		}
		slices.Sort(names)
		for i, name := range names {
			keys := []string{"-"}
			if opTab.logOps[name].keyAPI != "" {
				keys = append(keys, "canary.txt")
			}
			for _, k := range keys {
				lines = append(lines, fmt.Sprintf(`79a59df9 honey-bucket [06/Feb/2019:00:%02d:%02d +0000] 192.0.2.3 - R%03d %s %s "GET /honey-bucket HTTP/1.1" 200 - 1 - 7 - "-" "curl/8.5.0" -`,
					len(lines)/60, len(lines)%60, i, name, k))
			}
		}
		if err := os.WriteFile(logPath, []byte(strings.Join(lines, "\n")+"\n"), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	evs, st := readAll(t, logPath, FormatS3Access)
	if st.Skipped != 0 {
		t.Fatalf("%d lines skipped: %v", st.Skipped, st.Errors)
	}
	var got strings.Builder
	seen := map[string]bool{}
	for _, ev := range evs {
		class := "read"
		switch {
		case ev.Op.IsWrite():
			class = "write"
		case ev.Op.IsAWSInternal():
			class = "aws"
		}
		key := ev.Key
		if key == "" {
			key = "-"
		}
		raw := ev.RawOp
		if raw == "" {
			raw = string(ev.Op)
		}
		fmt.Fprintf(&got, "%s\t%s\t%s\t%s\n", raw, key, ev.Op, class)
		seen[raw] = true
		if !ev.Op.Known() {
			t.Errorf("%s became %s, which the table does not know", raw, ev.Op)
		}
	}
	for name := range opTab.logOps {
		if !seen[name] {
			t.Errorf("%s has no line in %s: run go test -update", name, logPath)
		}
	}
	golden.Check(t, filepath.Join("testdata", "ops", "every.ops.golden"), []byte(got.String()))
}

// TestOpsDocumented checks the mappings the S3 API reference states, each
// written out here rather than read from the table.
func TestOpsDocumented(t *testing.T) {
	for _, tt := range []struct {
		op, key string
		want    Operation
		write   bool
	}{
		{"REST.GET.BUCKET", "", "ListObjects", false},
		{"REST.HEAD.BUCKET", "", "HeadBucket", false},
		{"REST.GET.SERVICE", "", "ListBuckets", false},
		{"REST.GET.VERSIONING", "", "GetBucketVersioning", false},
		{"REST.GET.LOGGING_STATUS", "", "GetBucketLogging", false},
		{"REST.GET.BUCKETPOLICY", "", "GetBucketPolicy", false},
		{"REST.PUT.BUCKETPOLICY", "", "PutBucketPolicy", true},
		{"REST.DELETE.BUCKETPOLICY", "", "DeleteBucketPolicy", true},
		{"REST.GET.ACL", "", "GetBucketAcl", false},
		{"REST.GET.ACL", "a.txt", "GetObjectAcl", false},
		{"REST.PUT.ACL", "", "PutBucketAcl", true},
		{"REST.PUT.ACL", "a.txt", "PutObjectAcl", true},
		{"REST.GET.OBJECT", "a.txt", "GetObject", false},
		{"REST.HEAD.OBJECT", "a.txt", "HeadObject", false},
		{"WEBSITE.GET.OBJECT", "a.txt", "GetObject", false},
		{"REST.PUT.OBJECT", "a.txt", "PutObject", true},
		{"REST.POST.OBJECT", "a.txt", "PutObject", true},
		{"REST.DELETE.OBJECT", "a.txt", "DeleteObject", true},
		{"REST.COPY.OBJECT", "a.txt", "CopyObject", true},
		{"REST.COPY.PART", "a.txt", "UploadPartCopy", true},
		{"REST.PUT.PART", "a.txt", "UploadPart", true},
		{"REST.POST.UPLOADS", "a.txt", "CreateMultipartUpload", true},
		{"REST.POST.UPLOAD", "a.txt", "CompleteMultipartUpload", true},
		{"REST.DELETE.UPLOAD", "a.txt", "AbortMultipartUpload", true},
		{"REST.GET.UPLOAD", "a.txt", "ListParts", false},
		{"REST.GET.UPLOADS", "", "ListMultipartUploads", false},
		{"REST.GET.BUCKETVERSIONS", "", "ListObjectVersions", false},
		{"BATCH.DELETE.OBJECT", "a.txt", "DeleteObjects", true},
		{"REST.POST.MULTI_OBJECT_DELETE", "", "DeleteObjects", true},
		{"REST.POST.RESTORE", "a.txt", "RestoreObject", true},
		{"SOAP.ListAllMyBuckets", "", "ListBuckets", false},
		{"SOAP.GetBucketLoggingStatus", "", "GetBucketLogging", false},
		{"S3.EXPIRE.OBJECT", "a.txt", "S3.EXPIRE.OBJECT", false},
		{"S3.TRANSITION_GIR.OBJECT", "a.txt", "S3.TRANSITION_GIR.OBJECT", false},
		// Not in the table: kept as logged.
		{"REST.GET.NEWTHING", "", "REST.GET.NEWTHING", false},
		{"-", "", OpUnknown, false},
	} {
		var d s3AccessDecoder
		got, raw := d.op([]byte(tt.op), []byte(tt.key))
		if got != tt.want || got.IsWrite() != tt.write {
			t.Errorf("s3Op(%s, key %q) = %s (write %v), want %s (write %v)", tt.op, tt.key, got, got.IsWrite(), tt.want, tt.write)
		}
		if wantRaw := tt.op; got == Operation(tt.op) || got == OpUnknown {
			if raw != "" {
				t.Errorf("s3Op(%s) raw %q, want none", tt.op, raw)
			}
		} else if raw != wantRaw {
			t.Errorf("s3Op(%s) raw %q", tt.op, raw)
		}
		if aws := strings.HasPrefix(tt.op, "S3."); got.IsAWSInternal() != aws {
			t.Errorf("%s: IsAWSInternal %v, want %v", tt.op, got.IsAWSInternal(), aws)
		}
		// The decoder keeps the last operation: asking again, with and
		// without a key, must not mix the answers up.
		if again, _ := d.op([]byte(tt.op), []byte(tt.key)); again != got {
			t.Errorf("s3Op(%s) again = %s, first %s", tt.op, again, got)
		}
	}
	var d s3AccessDecoder
	for _, tt := range []struct {
		op, key string
		want    Operation
	}{
		{"REST.GET.ACL", "", "GetBucketAcl"}, {"REST.GET.ACL", "k", "GetObjectAcl"}, {"REST.GET.ACL", "", "GetBucketAcl"},
		{"X", "", "X"}, {"X", "k", "X"}, {"-", "", OpUnknown}, {"", "", OpUnknown}, {"-", "", OpUnknown}, {"REST.GET.ACL", "k", "GetObjectAcl"},
	} {
		if got, _ := d.op([]byte(tt.op), []byte(tt.key)); got != tt.want {
			t.Errorf("after the line before, op(%q, key %q) = %s, want %s", tt.op, tt.key, got, tt.want)
		}
	}
}

// TestOpsAPINames checks the names CloudTrail and BreachInsider write.
func TestOpsAPINames(t *testing.T) {
	for _, tt := range []struct {
		name         string
		want         Operation
		write, known bool
	}{
		{"ListObjects", "ListObjects", false, true},
		{"ListObjectsV2", "ListObjects", false, true},
		{"listobjectsv2", "ListObjects", false, true},
		{"PUTOBJECT", "PutObject", true, true},
		{"PutBucketPolicy", "PutBucketPolicy", true, true},
		{"DeleteObjects", "DeleteObjects", true, true},
		{"CreateMultipartUpload", "CreateMultipartUpload", true, true},
		{"PutBucketLifecycleConfiguration", "PutBucketLifecycle", true, true},
		{"PutPublicAccessBlock", "PutBucketPublicAccessBlock", true, true},
		{"GetBucketAcl", "GetBucketAcl", false, true},
		{"CreateSession", "CreateSession", false, true},
		// Short and unknown names: the spelling is not guessed at, and
		// nothing is sliced (op[:6] on these panicked).
		{"Abcd", "Abcd", false, false},
		{"Put", "Put", false, false},
		{"Delet", "Delet", false, false},
		{"Create", "Create", false, false},
		{"Restor", "Restor", false, false},
		{"PutSomethingNew", "PutSomethingNew", false, false},
		{"é", "é", false, false},
		{strings.Repeat("x", 100), Operation(strings.Repeat("x", 100)), false, false},
		// A log operation is not an API name.
		{"REST.GET.OBJECT", "REST.GET.OBJECT", false, false},
		{"", OpUnknown, false, false},
	} {
		var in interner
		got := parseOp([]byte(tt.name), &in)
		if got != tt.want || got.IsWrite() != tt.write || got.Known() != tt.known {
			t.Errorf("parseOp(%q) = %s (write %v, known %v), want %s (write %v, known %v)",
				tt.name, got, got.IsWrite(), got.Known(), tt.want, tt.write, tt.known)
		}
	}
}

// TestOpsAWSExample reads the five-line example of AWS's "Amazon S3 server
// access log format" page.
func TestOpsAWSExample(t *testing.T) {
	evs, st := readAll(t, filepath.Join("testdata", "ops", "aws-example.log"), FormatAuto)
	if st.Skipped != 0 || st.Format != FormatS3Access {
		t.Fatalf("format %s, %d skipped: %v", st.Format, st.Skipped, st.Errors)
	}
	if got, want := opCounts(evs), "GetBucketVersioning 2, GetBucketLogging 1, GetBucketPolicy 1, PutObject 1"; got != want {
		t.Errorf("operations %s, want %s", got, want)
	}
}

// TestOpsSameRequestsSameNames reads the same requests written as CloudTrail
// records and as access log lines: each operation must count under one name.
func TestOpsSameRequestsSameNames(t *testing.T) {
	ct, cst := readAll(t, filepath.Join("testdata", "ops", "same.ndjson"), FormatAuto)
	sa, sst := readAll(t, filepath.Join("testdata", "ops", "same.log"), FormatAuto)
	if cst.Format != FormatCloudTrail || sst.Format != FormatS3Access || cst.Skipped+sst.Skipped != 0 || len(ct) == 0 {
		t.Fatalf("formats %s and %s, %d and %d skipped, %d events", cst.Format, sst.Format, cst.Skipped, sst.Skipped, len(ct))
	}
	if a, b := opCounts(ct), opCounts(sa); a != b {
		t.Errorf("CloudTrail: %s\naccess log: %s", a, b)
	}
	byReq := map[string]Event{}
	for _, ev := range ct {
		byReq[ev.RequestID] = ev
	}
	for _, ev := range sa {
		if c := byReq[ev.RequestID]; c.Op != ev.Op || c.Op.IsWrite() != ev.Op.IsWrite() || !ev.Op.Known() {
			t.Errorf("request %s: CloudTrail %s, access log %s (%s)", ev.RequestID, c.Op, ev.Op, ev.RawOp)
		}
	}
}

// opCounts formats the events' operations as "Op n, ...", most first,
// ties in order of first appearance.
func opCounts(evs []Event) string {
	var order []Operation
	n := map[Operation]int{}
	for _, ev := range evs {
		if n[ev.Op] == 0 {
			order = append(order, ev.Op)
		}
		n[ev.Op]++
	}
	slices.SortStableFunc(order, func(a, b Operation) int { return n[b] - n[a] })
	var parts []string
	for _, op := range order {
		parts = append(parts, fmt.Sprintf("%s %d", op, n[op]))
	}
	return strings.Join(parts, ", ")
}

func TestParseOpTableErrors(t *testing.T) {
	const head = "# comment\nname\tapi\tkey_api\tclass\n"
	for _, tt := range []struct{ name, table, want string }{
		{"no header", "REST.GET.OBJECT\tGetObject\t-\tread\n", "header"},
		{"empty", "", "no header"},
		{"columns", head + "REST.GET.OBJECT\tGetObject\tread\n", "columns"},
		{"class", head + "REST.GET.OBJECT\tGetObject\t-\tmaybe\n", "class"},
		{"conflict", head + "REST.GET.OBJECT\tGetObject\t-\tread\nSOAP.GetObject\tGetObject\t-\twrite\n", "earlier line"},
		{"duplicate", head + "REST.GET.OBJECT\tGetObject\t-\tread\nREST.GET.OBJECT\tHeadObject\t-\tread\n", "twice"},
		{"api with key_api", head + "GetAcl\tGetBucketAcl\tGetObjectAcl\tread\n", "key_api"},
		{"empty api", head + "REST.GET.OBJECT\t\t-\tread\n", "empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseOpTable(tt.table); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
	if _, err := parseOpTable(s3OpsTSV); err != nil {
		t.Errorf("s3ops.tsv: %v", err)
	}
}

// FuzzOperationNames puts an arbitrary operation name into a record of
// every format: no decoder may panic (IsWrite sliced short names), and
// every event has a position.
func FuzzOperationNames(f *testing.F) {
	for _, s := range []string{"Abcd", "Put", "Delete", "Create", "Restore", "ListObjectsV2", "REST.GET.ACL",
		"S3.EXPIRE.OBJECT", "", "-", "\x00\xff", "é", `"`, "a\tb", "a,b", "{'x': 1}"} {
		for format := range uint8(4) {
			f.Add(format, s)
		}
	}
	f.Fuzz(func(t *testing.T, format uint8, op string) {
		var in []byte
		switch format % 4 {
		case 0:
			in = fmt.Appendf(nil, "Alert #1 – 2022-01-31T18:21:55Z\nEvent ID: e1\nEvent DateTime\n2022-01-31T14:38:27Z\nSource IP\n192.0.2.1\n"+
				"AWS Request Details\nEvent Type\nAwsApiCall\nEvent Name\n%s\nRequest ID\nR1\n", op)
		case 1:
			in = fmt.Appendf(nil, "Event Type,Event Name,Request ID,Alert,Event DateTime,Source IP\nAwsApiCall,%s,R1,1-2022-02-06T17:34:57Z,2022-02-06T17:34:57Z,192.0.2.1\n",
				csvQuote(op))
		case 2:
			name, _ := json.Marshal(op)
			in = fmt.Appendf(nil, `{"Records":[{"eventTime":"2022-03-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":%s,"sourceIPAddress":"192.0.2.1"}]}`, name)
		case 3:
			in = fmt.Appendf(nil, `o b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - R %s k "GET /b/k HTTP/1.1" 200 - 1 - 7 - "-" "x" -`+"\n", op)
		}
		formats := []Format{FormatBreachInsider, FormatBreachCSV, FormatCloudTrail, FormatS3Access}
		r, err := NewReader(bytes.NewReader(in), "fuzz", formats[format%4])
		if err != nil {
			return
		}
		for r.Scan() {
			ev := r.Event()
			if ev.Pos.Line <= 0 {
				t.Fatalf("event without a line: %+v", ev)
			}
			_, _, _ = ev.Op.IsWrite(), ev.Op.Known(), ev.Op.IsAWSInternal()
		}
	})
}

func csvQuote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
