package ingest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/internal/golden"
)

func TestCloudTrailGolden(t *testing.T) {
	tests := []struct {
		name                      string
		file                      string
		events, skipped, filtered int64
		wantErr                   string
	}{
		{name: "records file, pretty-printed", file: "records.json", events: 4, filtered: 1},
		{name: "one event per line", file: "lake.ndjson", events: 3, skipped: 4, filtered: 1},
		{name: "top-level array", file: "array.json", events: 2, filtered: 1},
		{name: "digest file", file: "digest.json", filtered: 1},
		{name: "records file with a broken element", file: "records-broken.json", events: 2, skipped: 1, wantErr: "rest of input not read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "cloudtrail", tt.file)
			evs, st := readAll(t, path, FormatAuto)
			if st.Format != FormatCloudTrail {
				t.Fatalf("format %q, want cloudtrail", st.Format)
			}
			if st.Events != tt.events || st.Skipped != tt.skipped || st.Filtered != tt.filtered {
				t.Errorf("events/skipped/filtered = %d/%d/%d, want %d/%d/%d", st.Events, st.Skipped, st.Filtered, tt.events, tt.skipped, tt.filtered)
			}
			switch {
			case tt.wantErr == "" && st.Err != nil:
				t.Errorf("Err = %v, want nil", st.Err)
			case tt.wantErr != "" && (st.Err == nil || !strings.Contains(st.Err.Error(), tt.wantErr)):
				t.Errorf("Err = %v, want one containing %q", st.Err, tt.wantErr)
			}
			for _, ev := range evs {
				if ev.Pos.Line <= 0 {
					t.Errorf("event %s has no line", ev.EventID)
				}
			}
			stem := strings.TrimSuffix(path, filepath.Ext(path))
			e, d := eventsGolden(evs, st)
			golden.Check(t, stem+".events.golden", e)
			golden.Check(t, stem+".stderr.golden", d)
		})
	}
}

// TestCloudTrailFields checks the mapping of the fields that matter most,
// beyond what the goldens freeze.
func TestCloudTrailFields(t *testing.T) {
	evs, _ := readAll(t, filepath.Join("testdata", "cloudtrail", "records.json"), FormatCloudTrail)
	byID := map[string]Event{}
	for _, ev := range evs {
		byID[ev.EventID] = ev
	}
	anon := byID["11111111-1111-4111-8111-111111111111"]
	if anon.UserAgent != "aws-cli/2.0 Python/3.8" || anon.Op != OpListObjects || anon.Bucket != "honey-bucket" ||
		anon.Prefix != "backups/" || anon.Host != "honey-bucket.s3.amazonaws.com" || !anon.Identity.Anonymous() ||
		anon.Source.String() != "203.0.113.7" || anon.Pos.Line != 3 || anon.RequestID != "R1A2B3C4D5E6F7G8" {
		t.Errorf("anonymous ListObjects: %+v", anon)
	}
	if want := `{"list-type":"2","bucketName":"honey-bucket","prefix":"backups/","Host":"honey-bucket.s3.amazonaws.com"}`; anon.Params != want {
		t.Errorf("Params = %s, want %s", anon.Params, want)
	}
	denied := byID["33333333-3333-4333-8333-333333333333"]
	if denied.ErrorCode != "AccessDenied" || denied.ErrorMessage != "Access Denied" || denied.Key != `backups/db "prod".sql` ||
		denied.Source.String() != "2001:db8::42" || !denied.Time.Equal(time.Date(2022, 1, 31, 18, 23, 10, 5e8, time.UTC)) {
		t.Errorf("AccessDenied GetObject: %+v", denied)
	}
	svc := byID["44444444-4444-4444-8444-444444444444"]
	if svc.Source.IsValid() || svc.SourceText != "s3.amazonaws.com" || svc.Op != "PutObjectLockConfiguration" || svc.Params != "" {
		t.Errorf("service event: %+v", svc)
	}
	role := byID["55555555-5555-4555-8555-555555555555"]
	if role.Identity.Anonymous() || role.Identity.ARN != "arn:aws:sts::123456789012:assumed-role/Admin/bob" ||
		role.SourceText != "AWS Internal" || !role.Time.Equal(time.Date(2022, 1, 31, 23, 2, 3, 0, time.UTC)) ||
		role.UserAgent != "S3Console/0.4, aws-internal/3 aws-sdk-java/1.11.1030" {
		t.Errorf("assumed-role PutObject: %+v", role)
	}
}

// compactRecords returns a one-line Records file of n S3 events, like the
// ones AWS delivers.
func compactRecords(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(benchEvent(i, "eventTime"))
	}
	b.WriteString("]}")
	return b.Bytes()
}

func benchEvent(i int, timeKey string) []byte {
	src := "s3.amazonaws.com"
	if i%10 == 9 {
		src = "ec2.amazonaws.com"
	}
	return fmt.Appendf(nil, `{"eventVersion":"1.08","userIdentity":{"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"},`+
		`"%s":"2022-01-31T18:%02d:%02dZ","eventSource":"%s","eventName":"GetObject","awsRegion":"us-east-1",`+
		`"sourceIPAddress":"203.0.%d.%d","userAgent":"[aws-cli/2.%d Python/3.8]","requestParameters":{"bucketName":"honey-bucket",`+
		`"Host":"honey-bucket.s3.amazonaws.com","key":"backups/file%d.sql"},"responseElements":null,`+
		`"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=","bytesTransferredOut":243},`+
		`"requestID":"R%016d","eventID":"%08d-1111-4111-8111-111111111111","readOnly":true,`+
		`"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::honey-bucket/backups/file%d.sql"},{"accountId":"123456789012","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::honey-bucket"}],`+
		`"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"123456789012","eventCategory":"Data"}`,
		timeKey, i/60%60, i%60, src, i/256%256, i%256, i%7, i%50, i, i, i%50)
}

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readBytes(t testing.TB, b []byte, name string) ([]Event, *Stats) {
	t.Helper()
	return readFormat(t, b, name, FormatAuto)
}

func TestCloudTrailGzip(t *testing.T) {
	plain := compactRecords(3000)
	gz := gzipBytes(t, plain)
	want, wst := readBytes(t, plain, "x.json")
	got, gst := readBytes(t, gz, "x.json.gz")
	if wst.Events != 2700 || wst.Filtered != 300 || wst.Err != nil {
		t.Fatalf("plain: %d events, %d filtered, err %v; want 2700, 300, nil", wst.Events, wst.Filtered, wst.Err)
	}
	if gst.Events != wst.Events || gst.Filtered != wst.Filtered || gst.Err != nil {
		t.Fatalf("gzip: %d events, %d filtered, err %v; want %d, %d, nil", gst.Events, gst.Filtered, gst.Err, wst.Events, wst.Filtered)
	}
	for i := range want {
		want[i].Pos.File = "x.json.gz"
		if got[i] != want[i] {
			t.Fatalf("event %d differs:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}

	t.Run("truncated", func(t *testing.T) {
		evs, st := readBytes(t, gz[:len(gz)/2], "cut.json.gz")
		if len(evs) == 0 || len(evs) >= 2700 {
			t.Errorf("%d events before truncation, want some but not all", len(evs))
		}
		if st.Err == nil || !strings.Contains(st.Err.Error(), "unexpected EOF (truncated input?)") ||
			!strings.HasPrefix(st.Err.Error(), "cut.json.gz:1: ") {
			t.Errorf("Err = %v, want cut.json.gz:1: ... unexpected EOF (truncated input?)", st.Err)
		}
		for i, ev := range evs {
			if ev != got[i] && ev.EventID != got[i].EventID {
				t.Fatalf("event %d before truncation differs", i)
			}
		}
	})
	t.Run("plain truncated", func(t *testing.T) {
		evs, st := readBytes(t, plain[:len(plain)/2], "cut.json")
		if len(evs) == 0 || st.Err == nil || !strings.Contains(st.Err.Error(), "truncated input?") {
			t.Errorf("%d events, Err = %v; want some events and a truncation error", len(evs), st.Err)
		}
	})
	t.Run("concatenated", func(t *testing.T) {
		// cat a.json b.json: two Records objects, one per line.
		two := append(append(append([]byte{}, plain...), '\n'), plain...)
		_, st := readBytes(t, two, "two.json")
		if st.Events != 5400 || st.Err != nil {
			t.Errorf("%d events, Err = %v; want 5400, nil", st.Events, st.Err)
		}
	})
	t.Run("ndjson then records", func(t *testing.T) {
		in := append(append(benchEvent(1, "@timestamp"), '\n'), plain...)
		_, st := readBytes(t, in, "mixed.json")
		if st.Events != 2701 || st.Err != nil {
			t.Errorf("%d events, Err = %v; want 2701, nil", st.Events, st.Err)
		}
	})
}

// TestCloudTrailLongRecords: a hostile 1 MB user agent is an event like any
// other; a 20 MB line is skipped, its neighbours kept.
func TestCloudTrailLongRecords(t *testing.T) {
	ua := strings.Repeat("A", 1<<20)
	long := fmt.Sprintf(`{"eventTime":"2022-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","sourceIPAddress":"192.0.2.1","userAgent":"%s","eventID":"long"}`, ua)
	huge := fmt.Sprintf(`{"eventTime":"2022-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","sourceIPAddress":"192.0.2.1","userAgent":"%s","eventID":"huge"}`, strings.Repeat("B", 20<<20))
	for _, tt := range []struct {
		name  string
		lines []string
		line  int // of the skipped record
		n     int // events
	}{
		{"huge in the middle", []string{string(benchEvent(0, "@timestamp")), long, huge, string(benchEvent(1, "@timestamp"))}, 3, 3},
		{"huge first", []string{huge, long, string(benchEvent(1, "@timestamp"))}, 1, 2},
		{"in a Records array", []string{`{"Records":[`, long, ",", huge, ",", string(benchEvent(1, "eventTime")), "]}"}, 4, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			evs, st := readBytes(t, []byte(strings.Join(tt.lines, "\n")+"\n"), "long.ndjson")
			if st.Skipped != 1 || st.Reasons["record too long"] != 1 || st.Err != nil {
				t.Fatalf("skipped %d, reasons %v, err %v; want one record too long", st.Skipped, st.Reasons, st.Err)
			}
			if st.Errors[0].Line != tt.line {
				t.Errorf("skipped line %d, want %d", st.Errors[0].Line, tt.line)
			}
			var sawLong bool
			for _, ev := range evs {
				sawLong = sawLong || ev.EventID == "long" && ev.UserAgent == ua
				if ev.EventID == "huge" {
					t.Error("20 MB record not skipped")
				}
			}
			if !sawLong || len(evs) != tt.n {
				t.Errorf("%d events, 1 MB user agent kept: %v", len(evs), sawLong)
			}
		})
	}
}

func TestNewReaderUnknown(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
	}{
		{"empty", "", "empty input"},
		{"blank", " \n\n", "empty input"},
		{"binary", "\x00\x01\x02\xff\xfe garbage \x00", "binary data"},
		{"other JSON", `{"hello":"world"}`, "text"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tt.in), "x", FormatAuto)
			if !IsUnknownFormat(err) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want unknown format, %q", err, tt.want)
			}
		})
	}
	t.Run("empty forced", func(t *testing.T) {
		r, err := NewReader(strings.NewReader(""), "x", FormatCloudTrail)
		if err != nil {
			t.Fatal(err)
		}
		if r.Scan() || r.Stats().Err != nil {
			t.Errorf("empty input with a forced format: event or error %v", r.Stats().Err)
		}
	})
}

func TestSniffCloudTrail(t *testing.T) {
	for _, tt := range []struct {
		name string
		head string
		want bool
	}{
		{"records", `{"Records":[{"eventVersion":"1.08"`, true},
		{"pretty records", "\n  {\n  \"Records\": [", true},
		{"ndjson", `{"eventVersion":"1.05","eventSource":"s3.amazonaws.com"}`, true},
		{"array", `[{"eventName":"GetObject"}]`, true},
		{"digest", `{"awsAccountId":"1","digestStartTime":"2022-01-01T00:00:00Z"}`, true},
		{"other JSON", `{"hello":"world"}`, false},
		{"csv", "eventName,eventSource\n", false},
		{"text", `Records "eventSource"`, false},
		{"empty", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniffCloudTrail([]byte(tt.head)); got != tt.want {
				t.Errorf("sniffCloudTrail(%q) = %v, want %v", tt.head, got, tt.want)
			}
		})
	}
}

// TestCloudTrailRealData reads the real export in ../shared/data.
func TestCloudTrailRealData(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "data", "cloudtrail-ec2-proxy-s3-exfiltration.ndjson")
	if _, err := os.Stat(path); err != nil {
		t.Skip("real data absent:", err)
	}
	evs, st := readAll(t, path, FormatAuto)
	if st.Format != FormatCloudTrail || st.Events != 11 || st.Filtered != 92 || st.Skipped != 0 || st.Err != nil {
		t.Fatalf("format %s, %d events, %d filtered, %d skipped, err %v; want cloudtrail, 11, 92, 0, nil",
			st.Format, st.Events, st.Filtered, st.Skipped, st.Err)
	}
	ops := map[Operation]int{}
	for _, ev := range evs {
		ops[ev.Op]++
		if ev.SourceString() != "1.2.3.4" || ev.Time.IsZero() || ev.Pos.Line == 0 || strings.HasPrefix(ev.UserAgent, "[") {
			t.Errorf("event %s: source %s, time %v, line %d, UA %q", ev.EventID, ev.SourceString(), ev.Time, ev.Pos.Line, ev.UserAgent)
		}
	}
	if want := map[Operation]int{OpListObjects: 7, OpGetObject: 2, OpListBuckets: 2}; fmt.Sprint(ops) != fmt.Sprint(want) {
		t.Errorf("operations %v, want %v", ops, want)
	}
}

func FuzzCloudTrail(f *testing.F) {
	for _, name := range []string{"records.json", "lake.ndjson", "array.json", "digest.json", "records-broken.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "cloudtrail", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(""))
	f.Add([]byte("\x00\x01\x1f\x8b"))
	f.Add(compactRecords(3)[:200])
	f.Add([]byte(`{"Records":[{"a":"\"}"},]}`))
	f.Fuzz(func(t *testing.T, in []byte) { fuzzRead(t, in, FormatCloudTrail) })
}

// fuzzRead reads in as format and checks that every event has a line and
// that no more records were counted than there are bytes.
func fuzzRead(t *testing.T, in []byte, format Format) {
	r, err := NewReader(bytes.NewReader(in), "fuzz", format)
	if err != nil {
		return
	}
	for r.Scan() {
		if ev := r.Event(); ev.Pos.Line <= 0 {
			t.Fatalf("event without a line: %+v", ev)
		}
	}
	if st := r.Stats(); st.Events+st.Skipped+st.Filtered > int64(len(in)) {
		t.Fatalf("%d records from %d bytes", st.Events+st.Skipped+st.Filtered, len(in))
	}
}

func BenchmarkCloudTrail(b *testing.B) {
	const n = 20000
	var nd bytes.Buffer
	for i := 0; i < n; i++ {
		nd.Write(benchEvent(i, "@timestamp"))
		nd.WriteByte('\n')
	}
	records := compactRecords(n)
	for _, bb := range []struct {
		name string
		in   []byte
	}{
		{"records", records},
		{"records.gz", gzipBytes(b, records)},
		{"ndjson", nd.Bytes()},
	} {
		b.Run(bb.name, func(b *testing.B) { benchDecode(b, bb.in, FormatAuto, n) })
	}
}

// TestCloudTrailWrongTypes: a field of the wrong JSON type is not a quiet
// empty value: the event is kept with a warning naming the field, or
// skipped when the field is one it cannot do without. Both paths agree.
func TestCloudTrailWrongTypes(t *testing.T) {
	ev := func(fields string) string {
		return `{"eventSource":"s3.amazonaws.com","eventTime":"2022-01-31T18:00:00Z","eventName":"GetObject","sourceIPAddress":"192.0.2.1"` + fields + "}\n"
	}
	tests := []struct {
		name   string
		in     string
		events int
		reason string
		msg    string // the diagnostic, "" for none
	}{
		{"source as object", ev(`,"sourceIPAddress":{"ip":"192.0.2.9"}`), 1, "wrong JSON type", "wrong JSON type, left empty: sourceIPAddress is JSON object"},
		{"source as array", ev(`,"sourceIPAddress":["192.0.2.9"]`), 1, "wrong JSON type", "wrong JSON type, left empty: sourceIPAddress is JSON array"},
		{"source as number", ev(`,"sourceIPAddress":3221225985`), 1, "wrong JSON type", "wrong JSON type, left empty: sourceIPAddress is JSON number"},
		{"numeric errorCode, several wrong", ev(`,"errorCode":403,"userAgent":true,"userIdentity":{"arn":7},"requestParameters":{"key":["a"]}`), 1, "wrong JSON type",
			"wrong JSON type, left empty: errorCode is JSON number, requestParameters.key is JSON array, userAgent is JSON true, userIdentity.arn is JSON number"},
		{"containers of the wrong type", ev(`,"userIdentity":"anonymous","requestParameters":[1]`), 1, "wrong JSON type",
			"wrong JSON type, left empty: requestParameters is JSON array, userIdentity is JSON string"},
		{"nulls are absent values", ev(`,"errorCode":null,"userIdentity":null,"requestParameters":null,"userAgent":null`), 1, "", ""},
		{"a later userIdentity replaces an earlier one", ev(`,"userIdentity":{"arn":1},"userIdentity":{"arn":"x"}`), 1, "", ""},
		{"eventTime as number", `{"eventSource":"s3.amazonaws.com","eventTime":1643652000,"eventName":"GetObject"}` + "\n", 0, "bad time", "eventTime is JSON number, not a string"},
		{"eventSource as number", `{"eventSource":7,"eventTime":"2022-01-31T18:00:00Z","eventName":"GetObject"}` + "\n", 0, "wrong JSON type",
			"eventSource is JSON number, not a string: not a CloudTrail event"},
		{"zero time", `{"eventSource":"s3.amazonaws.com","eventTime":"0001-01-01T00:00:00Z","eventName":"GetObject"}` + "\n", 0, "bad time", `bad eventTime "0001-01-01T00:00:00Z"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, in := range []string{tc.in, `{"Records":[` + strings.TrimSpace(tc.in) + `]}`} {
				fast, slow, fs, ss := decodeBoth(t, []byte(in))
				if !reflect.DeepEqual(fast, slow) || !sameStats(fs, ss) {
					t.Fatalf("paths differ:\nfast %+v %+v\nslow %+v %+v", fast, fs, slow, ss)
				}
				if len(fast) != tc.events {
					t.Errorf("%d events, want %d", len(fast), tc.events)
				}
				var got []string
				for _, e := range fs.Errors {
					got = append(got, e.Reason+": "+e.Msg)
				}
				want := []string(nil)
				if tc.msg != "" {
					want = []string{tc.reason + ": " + tc.msg}
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("diagnostics %q, want %q", got, want)
				}
				for _, e := range fast {
					if tc.name == "source as object" && (e.Source.IsValid() || e.SourceText != "") {
						t.Errorf("source %v %q", e.Source, e.SourceText)
					}
				}
			}
		})
	}
}

// TestCloudTrailEveryRecordsArray reads every Records array of an object,
// not only the first.
func TestCloudTrailEveryRecordsArray(t *testing.T) {
	e := func(i int) string { return string(bytes.TrimSpace(benchEvent(i, "eventTime"))) }
	for _, in := range []string{
		`{"Records":[` + e(1) + `],"Records":[` + e(2) + `,` + e(3) + `]}`,
		`{"Records":[` + e(1) + `],"x":{"Records":[]},"Records":[` + e(2) + `,` + e(3) + `]}` + "\n" + `{"Records":[` + e(4) + `]}`,
	} {
		fast, slow, fs, ss := decodeBoth(t, []byte(in))
		if !reflect.DeepEqual(fast, slow) || !sameStats(fs, ss) {
			t.Fatalf("paths differ")
		}
		var ids []string
		for _, ev := range fast {
			ids = append(ids, ev.EventID[:8])
		}
		want := []string{"00000001", "00000002", "00000003", "00000004"}[:strings.Count(in, `"eventSource"`)]
		if !reflect.DeepEqual(ids, want) || fs.Skipped != 0 || fs.Err != nil {
			t.Errorf("events %v, want %v; stats %+v", ids, want, fs)
		}
	}
}
