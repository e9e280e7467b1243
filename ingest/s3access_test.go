package ingest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/internal/golden"
)

func TestS3AccessGolden(t *testing.T) {
	tests := []struct {
		name            string
		file            string
		events, skipped int64
	}{
		{name: "old, new and broken lines", file: "access.log", events: 10, skipped: 4},
		{name: "CRLF line ends", file: "crlf.log", events: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "s3access", tt.file)
			evs, st := readAll(t, path, FormatAuto)
			if st.Format != FormatS3Access {
				t.Fatalf("format %q, want s3-access", st.Format)
			}
			if st.Events != tt.events || st.Skipped != tt.skipped || st.Err != nil {
				t.Errorf("events/skipped = %d/%d, err %v; want %d/%d, nil", st.Events, st.Skipped, st.Err, tt.events, tt.skipped)
			}
			stem := strings.TrimSuffix(path, filepath.Ext(path))
			e, d := eventsGolden(evs, st)
			golden.Check(t, stem+".events.golden", e)
			golden.Check(t, stem+".stderr.golden", d)
		})
	}
}

func TestS3AccessFields(t *testing.T) {
	evs, _ := readAll(t, filepath.Join("testdata", "s3access", "access.log"), FormatS3Access)
	byReq := map[string]Event{}
	for _, ev := range evs {
		byReq[ev.RequestID] = ev
	}
	for _, tt := range []struct {
		req   string
		check func(ev Event) bool
	}{
		{"3E57427F3EXAMPLE", func(ev Event) bool {
			return ev.Op == OpListObjects && ev.Prefix == "backups/" && ev.Identity.Anonymous() && ev.Key == "" &&
				ev.Host == "honey-bucket.s3.us-west-1.amazonaws.com" && ev.Pos.Line == 1 &&
				ev.Params == "GET /honey-bucket?list-type=2&prefix=backups%2F&encoding-type=url HTTP/1.1" &&
				ev.Time.Equal(time.Date(2019, 2, 6, 0, 0, 38, 0, time.UTC))
		}},
		{"891CE47D2EXAMPLE", func(ev Event) bool {
			return ev.Op == OpGetObject && ev.ErrorCode == "AccessDenied" && ev.Key == "backups/db%20prod.sql" &&
				ev.UserAgent == `Mozilla/5.0 (X11; Linux x86_64) "quoted" thing` && ev.Host == ""
		}},
		{"A1206F460EXAMPLE", func(ev Event) bool {
			return ev.Op == OpHeadBucket && ev.Source.String() == "2001:db8::7" && ev.Identity.AccountID == "123456789012" &&
				ev.Identity.ARN == "arn:aws:iam::123456789012:user/alice" && ev.Time.Equal(time.Date(2019, 2, 6, 5, 0, 40, 0, time.UTC))
		}},
		{"11111111EXAMPLE", func(ev Event) bool { return ev.Op == OpGetBucketACL && ev.RawOp == "REST.GET.ACL" }},
		{"22222222EXAMPLE", func(ev Event) bool { return ev.Op == OpGetObjectACL && ev.Key == "canary.txt" }},
		{"33333333EXAMPLE", func(ev Event) bool {
			return ev.Op == OpGetBucketPolicy && ev.UserAgent == `python-requests/2.27 "evil" <script>`
		}},
		{"44444444EXAMPLE", func(ev Event) bool { return ev.Op == OpPutObject && ev.Op.IsWrite() }},
		{"88888888EXAMPLE", func(ev Event) bool {
			return ev.Op == "S3.TRANSITION_SIA.OBJECT" && ev.Op.IsAWSInternal() && !ev.Source.IsValid() && ev.SourceText == "" && ev.Identity.Type == "AWSService"
		}},
		{"99999999EXAMPLE", func(ev Event) bool {
			return ev.Op == "DeleteObjects" && ev.RawOp == "BATCH.DELETE.OBJECT" && ev.Op.IsWrite() && ev.Params == ""
		}},
		{"AAAAAAAAEXAMPLE", func(ev Event) bool { return ev.Op == OpListBuckets && ev.Host == "s3.amazonaws.com" }},
	} {
		ev, ok := byReq[tt.req]
		if !ok || !tt.check(ev) {
			t.Errorf("request %s: %+v", tt.req, ev)
		}
	}
}

func TestSniffS3Access(t *testing.T) {
	line := `79a59df9 honey-bucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57 REST.GET.BUCKET - "GET / HTTP/1.1" 200 - 1 - 7 - "-" "x" -`
	for _, tt := range []struct {
		name, head string
		want       bool
	}{
		{"line", line + "\n", true},
		{"partial line", line[:80], true},
		{"anonymous ip", strings.Replace(line, "192.0.2.3", "-", 1), true},
		{"after blank lines", "\n\r\n" + line, true},
		{"bad ip", strings.Replace(line, "192.0.2.3", "example.com", 1), false},
		{"bad time", strings.Replace(line, "06/Feb", "06/Fob", 1), false},
		{"apache combined log", `192.0.2.3 - - [06/Feb/2019:00:00:38 +0000] "GET / HTTP/1.1" 200 1`, false},
		{"json", `{"Records":[]}`, false},
		{"empty", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniffS3Access([]byte(tt.head)); got != tt.want {
				t.Errorf("sniffS3Access(%q) = %v, want %v", tt.head, got, tt.want)
			}
		})
	}
}

func TestParseS3Time(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"06/Feb/2019:00:00:38 +0000", time.Date(2019, 2, 6, 0, 0, 38, 0, time.UTC), true},
		{"06/Feb/2019:00:00:38 +0130", time.Date(2019, 2, 5, 22, 30, 38, 0, time.UTC), true},
		{"31/Dec/2019:23:00:00 -0100", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"29/Feb/2019:00:00:38 +0000", time.Time{}, false},
		{"06/Foo/2019:00:00:38 +0000", time.Time{}, false},
		{"06/Feb/2019:24:00:38 +0000", time.Time{}, false},
		{"06/Feb/2019:00:00:38", time.Time{}, false},
	} {
		got, ok := parseS3Time([]byte(tt.in))
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseS3Time(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestS3AccessLongLine(t *testing.T) {
	good := `o b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - R REST.GET.OBJECT k "GET /b/k HTTP/1.1" 200 - 1 - 7 - "-" "%s" -` + "\n"
	in := fmt.Sprintf(good, "first") + fmt.Sprintf(good, strings.Repeat("u", 1<<20)) +
		fmt.Sprintf(good, strings.Repeat("v", 20<<20)) + fmt.Sprintf(good, "last")
	evs, st := readBytes(t, []byte(in), "long.log")
	if len(evs) != 3 || st.Skipped != 1 || st.Errors[0].Line != 3 || st.Errors[0].Reason != "line too long" {
		t.Errorf("%d events, %d skipped (%v); want 3 events, line 3 too long", len(evs), st.Skipped, st.Errors)
	}
	if len(evs) == 3 && (evs[0].UserAgent != "first" || len(evs[1].UserAgent) != 1<<20 || evs[2].UserAgent != "last" || evs[2].Pos.Line != 4) {
		t.Errorf("wrong events kept")
	}
}

func FuzzS3Access(f *testing.F) {
	for _, name := range []string{"access.log", "crlf.log"} {
		b, err := os.ReadFile(filepath.Join("testdata", "s3access", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(""))
	f.Add([]byte("\x00\xff"))
	f.Add([]byte(`o b [06/Feb/2019:00:00:38 +0000] - - R OP k "\" "\\" 200 - - - - - "-" "\"" -`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := NewReader(bytes.NewReader(in), "fuzz", FormatS3Access)
		if err != nil {
			return
		}
		for r.Scan() {
			if ev := r.Event(); ev.Pos.Line <= 0 || ev.Time.IsZero() {
				t.Fatalf("event without a line or time: %+v", ev)
			}
		}
	})
}

func BenchmarkS3Access(b *testing.B) {
	const n = 50000
	var in bytes.Buffer
	ops := []string{"REST.GET.BUCKET", "REST.GET.OBJECT", "REST.HEAD.BUCKET", "REST.PUT.OBJECT"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&in, `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be honey-bucket [06/Feb/2019:00:%02d:%02d +0000] 192.0.%d.%d - 3E57427F3E%06d %s backups/file%d.sql "GET /honey-bucket/backups/file%d.sql HTTP/1.1" 200 - 1234 - 7 - "-" "aws-cli/2.4.%d Python/3.8.8 Linux/5.10" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader honey-bucket.s3.us-west-1.amazonaws.com TLSv1.2 - Yes`+"\n",
			i/60%60, i%60, i/256%256, i%256, i, ops[i%len(ops)], i%50, i%50, i%7)
	}
	benchDecode(b, in.Bytes(), FormatAuto, n)
}
