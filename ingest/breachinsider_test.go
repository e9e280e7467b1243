package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/honeyreport/honeyreport/internal/golden"
	"github.com/honeyreport/honeyreport/synth"
)

func TestBreachInsiderGolden(t *testing.T) {
	for _, name := range []string{"dump", "crlf", "hostile", "bad",
		"order-error-first", "order-error-middle", "order-error-last", "order-shuffled", "order-unknown", "order-duplicate"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "breachinsider", name+".txt")
			evs, st := readAll(t, path, FormatAuto)
			if st.Format != FormatBreachInsider {
				t.Fatalf("detected format %q, want %q", st.Format, FormatBreachInsider)
			}
			events, diags := eventsGolden(evs, st)
			stem := strings.TrimSuffix(path, ".txt")
			golden.Check(t, stem+".events.golden", events)
			golden.Check(t, stem+".stderr.golden", diags)
		})
	}
}

// byAlert indexes events by alert number.
func byAlert(t *testing.T, evs []Event) map[int]Event {
	t.Helper()
	m := make(map[int]Event)
	for _, ev := range evs {
		if _, dup := m[ev.AlertID]; dup {
			t.Fatalf("alert #%d read twice", ev.AlertID)
		}
		m[ev.AlertID] = ev
	}
	return m
}

// The seed notebook split the dump on "AWS Request Details" and so gave
// each alert header the request details of the alert after it. In the
// fixture every request ID carries its own alert's number.
func TestBreachInsiderPairing(t *testing.T) {
	evs, st := readAll(t, filepath.Join("testdata", "breachinsider", "dump.txt"), FormatBreachInsider)
	if st.Skipped != 0 || st.Err != nil {
		t.Fatalf("skipped %d, err %v: %v", st.Skipped, st.Err, st.Errors)
	}
	var ids []int
	for _, ev := range evs {
		ids = append(ids, ev.AlertID)
		if ev.AlertID == 260 {
			continue // has no request details
		}
		if want := fmt.Sprintf("REQ%04dDBHD1NBK", ev.AlertID); ev.RequestID != want {
			t.Errorf("alert #%d has request ID %q, want %q", ev.AlertID, ev.RequestID, want)
		}
		if !strings.HasSuffix(ev.EventID, fmt.Sprintf("%012d", ev.AlertID)) {
			t.Errorf("alert #%d has event ID %q", ev.AlertID, ev.EventID)
		}
	}
	if got, want := fmt.Sprint(ids), "[266 265 264 263 262 261 260]"; got != want {
		t.Errorf("alerts %s, want %s", got, want)
	}
}

func TestBreachInsiderFields(t *testing.T) {
	evs, _ := readAll(t, filepath.Join("testdata", "breachinsider", "dump.txt"), FormatBreachInsider)
	alerts := byAlert(t, evs)
	boto := "Boto3/1.17.40 Python/3.6.12 Linux/3.10.0-1160.6.1.el7.x86_64 Botocore/1.20.112"
	tests := []struct {
		name  string
		alert int
		check func(ev Event) string
	}{
		{"times in UTC", 266, func(ev Event) string {
			if want := time.Date(2022, 1, 31, 14, 38, 27, 0, time.UTC); !ev.Time.Equal(want) || ev.Time.Location() != time.UTC {
				return fmt.Sprintf("Time %v, want %v", ev.Time, want)
			}
			if want := time.Date(2022, 1, 31, 14, 39, 9, 605190000, time.UTC); !ev.AlarmTime.Equal(want) {
				return fmt.Sprintf("AlarmTime %v, want %v", ev.AlarmTime, want)
			}
			return ""
		}},
		{"request parameters", 266, func(ev Event) string {
			if ev.Bucket != "microsoft-devtest" || ev.Host != "microsoft-devtest.s3.amazonaws.com" || ev.Op != OpListObjects || ev.EventType != "AwsApiCall" {
				return fmt.Sprintf("bucket %q host %q op %q type %q", ev.Bucket, ev.Host, ev.Op, ev.EventType)
			}
			return ""
		}},
		{"anonymous", 266, func(ev Event) string {
			if !ev.Identity.Anonymous() || ev.Identity.Type != "AWSAccount" || ev.UserAgent != boto || ev.AlertUserAgent != boto {
				return fmt.Sprintf("identity %+v ua %q", ev.Identity, ev.UserAgent)
			}
			return ""
		}},
		{"error block and weight", 265, func(ev Event) string {
			if ev.ErrorCode != "AccessDenied" || ev.ErrorMessage != "Access Denied" || ev.Weight != 3 || ev.Op != OpPutObject || ev.Key != "writeable_bucket.txt" {
				return fmt.Sprintf("%q %q weight %d op %q key %q", ev.ErrorCode, ev.ErrorMessage, ev.Weight, ev.Op, ev.Key)
			}
			return ""
		}},
		{"hyphen header and IPv6", 264, func(ev Event) string {
			if ev.Source != netip.MustParseAddr("2001:db8::7") || ev.Op != OpHeadBucket || ev.Weight != 2 || ev.ErrorCode != "" {
				return fmt.Sprintf("source %v op %q weight %d", ev.Source, ev.Op, ev.Weight)
			}
			return ""
		}},
		{"missing user agent values", 263, func(ev Event) string {
			if ev.UserAgent != "" || ev.AlertUserAgent != "" || ev.Weight != 1 || ev.RequestID != "REQ0263DBHD1NBK" {
				return fmt.Sprintf("ua %q alert ua %q weight %d", ev.UserAgent, ev.AlertUserAgent, ev.Weight)
			}
			return ""
		}},
		{"differing user agents", 262, func(ev Event) string {
			if !strings.HasPrefix(ev.AlertUserAgent, "Mozilla/5.0") || !strings.HasPrefix(ev.UserAgent, "S3Console/") || ev.Prefix != "backup/" {
				return fmt.Sprintf("ua %q alert ua %q prefix %q", ev.UserAgent, ev.AlertUserAgent, ev.Prefix)
			}
			return ""
		}},
		{"principal with account", 261, func(ev Event) string {
			want := Identity{Type: "IAMUser", PrincipalID: "AIDAIYBE736TYLBM3THMU", AccountID: "385485039111", ARN: "arn:aws:iam::385485039111:user/scanner", UserName: "scanner"}
			if ev.Identity != want || ev.Identity.Anonymous() || ev.ErrorCode != "NoSuchKey" || ev.Key != "secrets/db.sql" {
				return fmt.Sprintf("identity %+v", ev.Identity)
			}
			return ""
		}},
		{"no request details", 260, func(ev Event) string {
			if ev.Op != OpUnknown || ev.UserAgent != "python-requests/2.25.1" || ev.Weight != 58 || ev.RequestID != "" || ev.Bucket != "" {
				return fmt.Sprintf("op %q ua %q weight %d", ev.Op, ev.UserAgent, ev.Weight)
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, ok := alerts[tt.alert]
			if !ok {
				t.Fatalf("alert #%d not read", tt.alert)
			}
			if ev.Pos.Line == 0 {
				t.Errorf("alert #%d has no line", tt.alert)
			}
			if msg := tt.check(ev); msg != "" {
				t.Errorf("alert #%d: %s", tt.alert, msg)
			}
		})
	}
}

// The copy-pasted variant (BOM, CRLF, NBSP, indentation, blank lines, a
// label with a colon) must read exactly as the clean dump but for lines.
func TestBreachInsiderCopyPasteNoise(t *testing.T) {
	clean, _ := readAll(t, filepath.Join("testdata", "breachinsider", "dump.txt"), FormatBreachInsider)
	noisy, st := readAll(t, filepath.Join("testdata", "breachinsider", "crlf.txt"), FormatAuto)
	if st.Skipped != 0 {
		t.Fatalf("skipped %d: %v", st.Skipped, st.Errors)
	}
	if len(noisy) != len(clean) {
		t.Fatalf("%d events, want %d", len(noisy), len(clean))
	}
	for i := range clean {
		a, b := clean[i], noisy[i]
		a.Pos, b.Pos = Pos{}, Pos{}
		if a != b {
			t.Errorf("event %d differs:\nclean %+v\nnoisy %+v", i, a, b)
		}
	}
}

func TestBreachInsiderHostile(t *testing.T) {
	evs, st := readAll(t, filepath.Join("testdata", "breachinsider", "hostile.txt"), FormatAuto)
	alerts := byAlert(t, evs)
	if st.Skipped != 0 || len(evs) != 6 {
		t.Fatalf("%d events, skipped %d: %v", len(evs), st.Skipped, st.Errors)
	}
	tests := []struct {
		name                  string
		alert                 int
		ua, alertUA, src, key string
		op                    Operation
	}{
		{"script tags", 6, "</script><img src=x onerror=alert(1)>", "<script>alert(1)</script>", "198.51.100.6", "", OpHeadBucket},
		{"values equal to labels and headers", 5, "Alert #1 – 2022-01-01T00:00:00Z", "Repeated Attempts", "198.51.100.5", "", OpHeadBucket},
		{"line separator, RTL override, non-IP source, escaped dict", 4,
			"a\u2028b \u202egnp.exe \"quoted\" & <tag>", "a\u2028b \u202egnp.exe \"quoted\" & <tag>", "s3.amazonaws.com", "a'b\"c\\dé", OpHeadBucket},
		{"invalid UTF-8 replaced, lower-case op", 3, "curl/7.\uFFFD bad utf8", "curl/7.\uFFFD bad utf8", "198.51.100.3", "", OpListObjects},
		{"header UA is a label", 2, "Event DateTime", "Source IP", "198.51.100.2", "", OpHeadBucket},
		{"unknown op kept", 1, "User ID", "User ID", "198.51.100.1", "", Operation("SelectObjectContent")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := alerts[tt.alert]
			if ev.UserAgent != tt.ua || ev.AlertUserAgent != tt.alertUA || ev.SourceString() != tt.src || ev.Key != tt.key || ev.Op != tt.op {
				t.Errorf("alert #%d: ua %q alert ua %q source %q key %q op %q", tt.alert, ev.UserAgent, ev.AlertUserAgent, ev.SourceString(), ev.Key, ev.Op)
			}
			if ev.Weight != 1 || ev.RequestID != fmt.Sprintf("REQ%04dHOSTILE0", tt.alert) {
				t.Errorf("alert #%d: weight %d request %q (out of step)", tt.alert, ev.Weight, ev.RequestID)
			}
		})
	}
	if ev := alerts[4]; ev.Source.IsValid() || ev.Bucket != "it's" {
		t.Errorf("alert #4: source %v bucket %q", ev.Source, ev.Bucket)
	}
}

func TestBreachInsiderBadAlerts(t *testing.T) {
	evs, st := readAll(t, filepath.Join("testdata", "breachinsider", "bad.txt"), FormatAuto)
	var kept []int
	for _, ev := range evs {
		kept = append(kept, ev.AlertID)
	}
	if got, want := fmt.Sprint(kept), "[7 6 4 2 1]"; got != want {
		t.Errorf("kept alerts %s, want %s", got, want)
	}
	var msgs []string
	for _, e := range st.Errors {
		msgs = append(msgs, e.Error())
	}
	for _, want := range []string{
		`bad.txt:2: alert #9: missing "Source IP" value`,
		`bad.txt:13: alert #8: bad "Event DateTime" value "yesterday"`,
		`alert #7: bad "Repeated Attempts" value "many", counted as 1`,
		`alert #6: bad "Alarm DateTime" value "2022-13-45T99:00:00Z", left empty`,
		`alert #5: missing "Event DateTime" value`,
		`alert #4: bad "Repeated Attempts" value "0", counted as 1`,
		`alert #3: missing "Event DateTime" value`,
	} {
		if !strings.Contains(strings.Join(msgs, "\n"), want) {
			t.Errorf("diagnostics lack %q; have:\n%s", want, strings.Join(msgs, "\n"))
		}
	}
	if st.Skipped != 4 || st.Reasons["missing value"] != 3 || st.Reasons["bad time"] != 1 || st.Reasons["bad repeated attempts"] != 2 {
		t.Errorf("skipped %d, reasons %v", st.Skipped, st.Reasons)
	}
	if ev := evs[3]; ev.AlertID != 2 || ev.ErrorCode != "AccessDenied" || ev.ErrorMessage != "" {
		t.Errorf("alert #2: error %q %q", ev.ErrorCode, ev.ErrorMessage)
	}
	if ev := evs[2]; !ev.Time.Equal(time.Date(2022, 2, 5, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("alert #4: time %v, want 14:00 UTC", ev.Time)
	}
}

// biAlertText is one well-formed alert of the dump, with ua as both user
// agents.
func biAlertText(n int, ip, ua string) string {
	return fmt.Sprintf("Alert #%d – 2022-01-31T18:21:55Z\nEvent ID: 7e75ac66-2d6f-4a2c-8921-%012d\nEvent DateTime\n2022-01-31T14:38:27Z\n"+
		"Alarm DateTime\n2022-01-31T14:39:09.605190+00:00\nSource IP\n%s\nRequest User Agent\n%s\nRepeated Attempts\n1\n"+
		"AWS Request Details\nEvent Type\nAwsApiCall\nEvent Name\nListObjects\nRequest ID\nREQ%04dXXXXXXXXX\nRequest User Agent\n%s\n"+
		"User ID\n{'type': 'AWSAccount', 'principalId': '', 'accountId': 'ANONYMOUS_PRINCIPAL'}\n"+
		"Request Parameters\n{'list-type': '2', 'bucketName': 'microsoft-devtest', 'Host': 'microsoft-devtest.s3.amazonaws.com', 'encoding-type': 'url'}\n",
		n, n, ip, ua, n, ua)
}

func readBIString(t testing.TB, name, s string, format Format) ([]Event, *Stats, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(s), name, format)
	if err != nil {
		return nil, nil, err
	}
	var evs []Event
	for r.Scan() {
		evs = append(evs, *r.Event())
	}
	return evs, r.Stats(), nil
}

func TestBreachInsiderLongLines(t *testing.T) {
	bigUA := "Mozilla/5.0 " + strings.Repeat("A<script>", 1<<20/9)
	huge := strings.Repeat("x", 20<<20)
	in := "Alerts\n" + biAlertText(3, "192.0.2.3", bigUA) + huge + "\n" + biAlertText(2, "192.0.2.2", "curl/8") + biAlertText(1, "192.0.2.1", "curl/8")
	evs, st, err := readBIString(t, "long.txt", in, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[0].UserAgent != bigUA || evs[0].AlertUserAgent != bigUA || evs[1].AlertID != 2 {
		t.Fatalf("%d events (first UA %d bytes)", len(evs), len(evs[0].UserAgent))
	}
	if st.Skipped != 1 || len(st.Errors) != 1 || st.Errors[0].Reason != "line too long" || st.Errors[0].Line != 27 {
		t.Errorf("skipped %d: %v", st.Skipped, st.Errors)
	}
}

func gzipDump(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestBreachInsiderTruncatedGzip(t *testing.T) {
	var in strings.Builder
	for n := 400; n > 0; n-- {
		in.WriteString(biAlertText(n, fmt.Sprintf("192.0.2.%d", n%250+1), fmt.Sprintf("agent/%d", n)))
	}
	z := gzipDump(t, []byte(in.String()))
	evs, st, err := readBIString(t, "dump.txt.gz", string(z[:len(z)/2]), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || len(evs) >= 400 {
		t.Fatalf("%d events before truncation", len(evs))
	}
	if !errors.Is(st.Err, io.ErrUnexpectedEOF) || !strings.Contains(st.Err.Error(), "truncated input?") {
		t.Errorf("Err = %v, want unexpected EOF", st.Err)
	}
	for i, ev := range evs {
		if ev.AlertID != 400-i || ev.RequestID != fmt.Sprintf("REQ%04dXXXXXXXXX", ev.AlertID) {
			t.Fatalf("event %d is alert #%d with request %q", i, ev.AlertID, ev.RequestID)
		}
	}
	if st.Reasons["truncated"] != 1 {
		t.Errorf("reasons %v, want the cut alert counted as truncated", st.Reasons)
	}
}

func TestBreachInsiderBadInput(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		format  Format
		wantErr error // from NewReader
		events  int
	}{
		{name: "empty", in: "", format: FormatAuto, wantErr: ErrUnknownFormat},
		{name: "blank", in: " \r\n\n\u00a0", format: FormatAuto, wantErr: ErrUnknownFormat},
		{name: "binary", in: "\x00\x01\x02\xff\xfe\x89PNG", format: FormatAuto, wantErr: ErrUnknownFormat},
		{name: "forced empty", in: "", format: FormatBreachInsider},
		{name: "forced binary", in: "\x00\x01\x02\xff\xfe\x89PNG\nAlert\n#\n", format: FormatBreachInsider},
		{name: "forced other text", in: "Event DateTime\n2022-01-31T14:38:27Z\nSource IP\n1.2.3.4\n", format: FormatBreachInsider},
		{name: "header only", in: "Alert #1 - x\n", format: FormatBreachInsider},
		{name: "no newline at end", in: strings.TrimSuffix(biAlertText(1, "1.2.3.4", "ua"), "\n"), format: FormatAuto, events: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, st, err := readBIString(t, "in.txt", tt.in, tt.format)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("NewReader error %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(evs) != tt.events || st.Err != nil {
				t.Errorf("%d events, err %v; want %d events", len(evs), st.Err, tt.events)
			}
		})
	}
}

func TestSniffBreachInsider(t *testing.T) {
	tests := []struct {
		name string
		head string
		want bool
	}{
		{"en dash header", "Dashboard\nAlert #264 – 2022-01-31T18:21:55Z\nEvent ID: x\n", true},
		{"hyphen header with CRLF and NBSP", "Alerts\r\n\u00a0Alert #7 - 2022-01-31T18:21:55Z\r\n", true},
		{"labels only", "Event DateTime\n2022\nAWS Request Details\n", true},
		{"csv export", "Event Type,Event Name,Request ID,User ID,Request Parameters,Alert,Event ID,Event DateTime,Alarm DateTime,Source IP\n", false},
		{"cloudtrail", `{"Records":[{"eventTime":"2022-01-31T14:38:27Z"}]}`, false},
		{"s3 access log", `79a5 awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -`, false},
		{"alert without number", "Alert # - x\n", false},
		{"prose", "An alert #5 was raised\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniffBreachInsider([]byte(tt.head)); got != tt.want {
				t.Errorf("sniffBreachInsider(%q) = %v, want %v", tt.head, got, tt.want)
			}
		})
	}
}

// breachFuzzSeeds returns the files of a testdata directory plus garbage.
func breachFuzzSeeds(f *testing.F, dir, ext string) {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*"+ext))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/3]) // truncated
	}
	f.Add([]byte{})
	f.Add([]byte("\x00\x01\xff\xfe"))
	f.Add([]byte("Alert #1 \u2013 x\nEvent ID: a\xffb\nEvent DateTime\n2022-01-01T00:00:00\xffZ\nSource IP\n1.2.3.4\xfe\nRepeated Attempts\n\xc3\nRequest ID\n\xe2\x80\n"))
	f.Add(gzipDump(f, []byte(biAlertText(1, "1.2.3.4", "ua")))[:40])
}

// checkBreachFuzz runs one input through the decoder of format and checks
// what any input must give: no panic, and events that can be placed.
func checkBreachFuzz(t *testing.T, in []byte, format Format) {
	r, err := NewReader(bytes.NewReader(in), "fuzz", format)
	if err != nil {
		return
	}
	for r.Scan() {
		ev := r.Event()
		switch {
		case ev.Pos.Line <= 0:
			t.Fatalf("event without line: %+v", ev)
		case ev.Time.IsZero():
			t.Fatalf("event without time: %+v", ev)
		case !ev.Source.IsValid() && ev.SourceText == "":
			t.Fatalf("event without source: %+v", ev)
		case ev.Weight < 1:
			t.Fatalf("event with weight %d", ev.Weight)
		case !validStrings(reflect.ValueOf(*ev)):
			t.Fatalf("event with invalid UTF-8: %+v", ev)
		}
	}
	for _, e := range r.Stats().Errors {
		if e.Line < 0 || e.Reason == "" || !utf8.ValidString(e.Msg) {
			t.Fatalf("bad diagnostic %+v", e)
		}
	}
}

// validStrings reports whether every string field of the struct v, nested
// structs included, is valid UTF-8.
func validStrings(v reflect.Value) bool {
	for i := 0; i < v.NumField(); i++ {
		switch f := v.Field(i); f.Kind() {
		case reflect.String:
			if !utf8.ValidString(f.String()) {
				return false
			}
		case reflect.Struct:
			if v.Type().Field(i).IsExported() && !validStrings(f) {
				return false
			}
		}
	}
	return true
}

func FuzzBreachInsider(f *testing.F) {
	breachFuzzSeeds(f, "breachinsider", ".txt")
	f.Fuzz(func(t *testing.T, in []byte) {
		checkBreachFuzz(t, in, FormatBreachInsider)
		checkBreachFuzz(t, shuffleDetails(in, uint64(len(in))), FormatBreachInsider)
	})
}

// shuffleDetails returns in with the lines after each "AWS Request
// Details" line, up to the next "Alert #" line, shuffled in pairs: the
// label/value pairs of a well-formed block, anything at all otherwise.
func shuffleDetails(in []byte, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 12))
	lines := bytes.SplitAfter(in, []byte("\n"))
	var out []byte
	for i := 0; i < len(lines); {
		out = append(out, lines[i]...)
		if !bytes.HasPrefix(lines[i], []byte("AWS Request Details")) {
			i++
			continue
		}
		j := i + 1
		for j < len(lines) && !bytes.HasPrefix(lines[j], []byte("Alert #")) {
			j++
		}
		var pairs [][]byte
		for k := i + 1; k < j; k += 2 {
			p := append([]byte(nil), lines[k]...)
			if k+1 < j {
				p = append(p, lines[k+1]...)
			}
			pairs = append(pairs, p)
		}
		r.Shuffle(len(pairs), func(a, b int) { pairs[a], pairs[b] = pairs[b], pairs[a] })
		for _, p := range pairs {
			out = append(out, p...)
		}
		i = j
	}
	return out
}

// benchDump generates a dump of n alerts laid out like the real page.
func benchDump(n int) []byte {
	var b bytes.Buffer
	b.WriteString("BreachInsider\nDashboard\n\n")
	uas := []string{
		"Boto3/1.17.40 Python/3.6.12 Linux/3.10.0-1160.6.1.el7.x86_64 Botocore/1.20.112",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/98.0.4758.102 Safari/537.36",
		"Go-http-client/1.1", "aws-cli/2.4.6 Python/3.8.8 Linux/5.10.0 exe/x86_64.debian.11 prompt/off command/s3.ls",
	}
	for i := n; i > 0; i-- {
		b.WriteString(biAlertText(i, fmt.Sprintf("%d.%d.%d.%d", 20+i%200, i%7, i%251, i%13), uas[i%len(uas)]))
		if i%5 == 0 {
			b.WriteString("Error Code\nAccessDenied\nError Message\nAccess Denied\n")
		}
	}
	b.WriteString("\nShowing 1 to 50\n")
	return b.Bytes()
}

func BenchmarkBreachInsider(b *testing.B) {
	benchDecode(b, benchDump(10000), FormatBreachInsider, 10000)
}

// BenchmarkBreachInsiderMapped decodes a realistic dump (the log
// generator's stream: varied agents, IPv6, errors) in place, as a chunk of
// a mapped file is read: the path large dumps take.
func BenchmarkBreachInsiderMapped(b *testing.B) {
	const events = 50_000
	g, err := synth.New(synth.Config{Events: events, IPs: 5_000, Seed: 6})
	if err != nil {
		b.Fatal(err)
	}
	var dump bytes.Buffer
	if err := synth.WriteBreachInsider(&dump, g.Descending()); err != nil {
		b.Fatal(err)
	}
	benchRead(b, dump.Bytes(), events, func() *Reader {
		return newMappedReader(context.Background(), dump.Bytes(), false, "bench", FormatBreachInsider, nil)
	})
}

// The same three alerts with their request details in several orders
// (the real dump lists the error block before User ID) read the same; an
// unknown label adds extra fields and nothing else; a duplicated label
// keeps its first value.
func TestBreachInsiderLabelOrder(t *testing.T) {
	read := func(name string) ([]Event, *Stats) {
		evs, st := readAll(t, filepath.Join("testdata", "breachinsider", name+".txt"), FormatAuto)
		for i := range evs {
			evs[i].Pos = Pos{}
		}
		return evs, st
	}
	want, _ := read("order-error-last")
	if len(want) != 3 {
		t.Fatalf("%d events, want 3", len(want))
	}
	principals := 0
	for _, ev := range want {
		if ev.Bucket != "microsoft-devtest" || ev.RequestID == "" || ev.EventType != "AwsApiCall" {
			t.Errorf("alert #%d: bucket %q request %q type %q", ev.AlertID, ev.Bucket, ev.RequestID, ev.EventType)
		}
		if !ev.Identity.Anonymous() {
			principals++
		}
	}
	if principals != 2 || want[1].Key != "writeable_bucket.txt" || want[1].ErrorCode != "AccessDenied" || want[2].Source != netip.MustParseAddr("34.79.107.251") {
		t.Errorf("principals %d, alert #2 key %q error %q, alert #1 source %v", principals, want[1].Key, want[1].ErrorCode, want[2].Source)
	}
	for _, name := range []string{"order-error-first", "order-error-middle", "order-shuffled", "order-unknown", "order-duplicate"} {
		t.Run(name, func(t *testing.T) {
			got, st := read(name)
			if len(got) != len(want) || st.Skipped != 0 {
				t.Fatalf("%d events, skipped %d: %v", len(got), st.Skipped, st.Errors)
			}
			for i := range want {
				g := got[i]
				if name == "order-unknown" {
					if fs := g.ExtraFields(); len(fs) != 4 || fs[0] != (Field{"AWS Region", "eu-west-1"}) || fs[2] != (Field{"Resources", ""}) || fs[3] != (Field{"Bucket Owner", "123456789012"}) {
						t.Errorf("alert #%d: extra fields %q", g.AlertID, fs)
					}
					g.Extra = ""
				}
				if g != want[i] {
					t.Errorf("alert #%d differs:\n got %+v\nwant %+v", want[i].AlertID, g, want[i])
				}
			}
		})
	}
}

// A generated alert's request-details block, as label/value pairs (an
// empty value is a missing one), and the text of the whole alert.
type biTestAlert struct {
	n       int
	header  string
	details [][2]string
}

func (a biTestAlert) text(order []int) string {
	var b strings.Builder
	b.WriteString(a.header)
	b.WriteString("AWS Request Details\n")
	for _, i := range order {
		p := a.details[i]
		b.WriteString(p[0] + "\n")
		if p[1] != "" {
			b.WriteString(p[1] + "\n")
		}
	}
	return b.String()
}

// randomBIAlert draws an alert whose values include hostile ones: label
// texts, header-like text, unknown labels, missing values. A details
// value that is missing or a label text, followed by another such value
// or by an unknown label, is ambiguous (which label is whose value is
// then a matter of order, for a reader too) and such orders are skipped.
func randomBIAlert(r *rand.Rand, n int) biTestAlert {
	pick := func(vals ...string) string { return vals[r.IntN(len(vals))] }
	ua := pick("Boto3/1.17.40 Python/3.6.12", "curl/7.68.0", "User ID", "Source IP", "Event Name", "Alert #1 – 2022-01-01T00:00:00Z", "")
	a := biTestAlert{n: n, header: fmt.Sprintf("Alert #%d – 2022-01-31T18:21:55Z\nEvent ID: id-%d\nEvent DateTime\n2022-01-%02dT14:38:27Z\n"+
		"Source IP\n%s\nRequest User Agent\n%sRepeated Attempts\n%d\n",
		n, n, n%28+1, pick("198.51.100.7", "::ffff:198.51.100.7", "2001:db8::1", "s3.amazonaws.com"), map[bool]string{true: "", false: ua + "\n"}[ua == ""], n%5+1)}
	pairs := [][2]string{
		{"Event Type", "AwsApiCall"},
		{"Event Name", pick("ListObjects", "PutObject", "GetObject")},
		{"Request ID", fmt.Sprintf("REQ%04d", n)},
		{"Request User Agent", pick("Boto3/1.17.40 Python/3.6.12", "User ID", "Error Code", "Repeated Attempts", "Alert #9 - x", "")},
		{"User ID", pick("{'type': 'AWSAccount', 'principalId': '', 'accountId': 'ANONYMOUS_PRINCIPAL'}", "{'type': 'AWSAccount', 'principalId': 'AIDA1', 'accountId': '385485039111'}")},
		{"Request Parameters", fmt.Sprintf("{'bucketName': 'bucket-%d', 'Host': 'h', 'key': 'k%d'}", n%3, n)},
	}
	if r.IntN(2) == 0 {
		pairs = append(pairs, [2]string{"Error Code", "AccessDenied"}, [2]string{"Error Message", pick("Access Denied", "")})
	}
	if r.IntN(3) == 0 {
		pairs = append(pairs, [2]string{"Event Source", "s3.amazonaws.com"})
	}
	return biTestAlert{n: n, header: a.header, details: pairs}
}

// ambiguous reports whether two of the alert's details values in a row,
// in the given order, are missing or read as labels.
func (a biTestAlert) ambiguous(order []int) bool {
	odd := func(v string) bool { return v == "" || labelOf([]byte(v)) != fNone }
	for k := 1; k < len(order); k++ {
		prev, p := a.details[order[k-1]], a.details[order[k]]
		if odd(prev[1]) && (odd(p[1]) || labelOf([]byte(p[0])) == fNone) {
			return true
		}
	}
	return false
}

// Shuffling the label/value pairs of an alert's request details never
// changes the event read.
func TestBreachInsiderShuffledDetails(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 264))
	compared := 0
	defer func() {
		t.Logf("%d of 2000 cases compared", compared)
		if compared < 500 {
			t.Errorf("only %d of 2000 cases compared: the generator is too often ambiguous", compared)
		}
	}()
	for i := 0; i < 2000; i++ {
		var alerts []biTestAlert
		for n := 3; n > 0; n-- {
			alerts = append(alerts, randomBIAlert(r, n+3*i))
		}
		var in, shuffled strings.Builder
		skip := false
		for _, a := range alerts {
			order := r.Perm(len(a.details))
			canonical := make([]int, len(a.details))
			for k := range canonical {
				canonical[k] = k
			}
			skip = skip || a.ambiguous(order) || a.ambiguous(canonical)
			in.WriteString(a.text(canonical))
			shuffled.WriteString(a.text(order))
		}
		if skip {
			continue
		}
		compared++
		// The input's last alert ends where the page footer begins, and
		// an unknown label last in it could be footer: not compared.
		last := biAlertText(0, "192.0.2.1", "curl/8")
		in.WriteString(last)
		shuffled.WriteString(last)
		want, wst, _ := readBIString(t, "in.txt", in.String(), FormatBreachInsider)
		got, gst, _ := readBIString(t, "in.txt", shuffled.String(), FormatBreachInsider)
		if len(got) != len(want) || len(want) != 4 || gst.Skipped != wst.Skipped {
			t.Fatalf("case %d: %d events, want %d (%v)\n%s", i, len(got), len(want), gst.Errors, shuffled.String())
		}
		for k := range want {
			g, w := got[k], want[k]
			g.Pos, w.Pos = Pos{}, Pos{}
			if g != w {
				t.Fatalf("case %d: alert #%d differs when shuffled:\n got %+v\nwant %+v\n--- shuffled:\n%s--- in order:\n%s", i, w.AlertID, g, w, shuffled.String(), in.String())
			}
		}
	}
}

// What the decoder cannot place is reported, never dropped silently: a
// line where a label was due (a value broken over two lines), unknown
// labels (counted by name up to a bound, since the names come from the
// input), and the page text after the last alert.
func TestBreachInsiderUnplaced(t *testing.T) {
	var in strings.Builder
	for n := 3; n > 0; n-- {
		a := biAlertText(n, "192.0.2.1", "curl/8")
		if n == 2 {
			a = strings.Replace(a, "Repeated Attempts\n1\n", "Repeated Attempts\n1\nsecond line of a value\n", 1)
		}
		in.WriteString(a)
		for k := 0; k < maxUnknownLabels+5; k++ {
			fmt.Fprintf(&in, "Label %c%d\nvalue %d\n", 'A'+n, k, k)
		}
	}
	in.WriteString("Load more\nPrivacy Policy\nTerms of Service\n")
	evs, st, err := readBIString(t, "in.txt", in.String(), FormatBreachInsider)
	if err != nil || len(evs) != 3 {
		t.Fatalf("%d events, err %v", len(evs), err)
	}
	if got := st.Reasons["line not placed"]; got != 1 {
		t.Errorf("%d lines not placed, want 1: %v", got, st.Reasons)
	}
	named := 0
	for r := range st.Reasons {
		if strings.HasPrefix(r, "unknown label \"") {
			named++
		}
	}
	if named != maxUnknownLabels || st.Reasons["unknown label (others)"] == 0 {
		t.Errorf("%d unknown labels counted by name, want %d; reasons %v", named, maxUnknownLabels, st.Reasons)
	}
	// biAlertText's header time is not its event's: "Alert Time" comes first.
	if fs := evs[0].ExtraFields(); len(fs) != 1+maxUnknownLabels+5 || fs[0].Label != "Alert Time" || fs[1] != (Field{"Label D0", "value 0"}) {
		t.Errorf("alert #3 extra fields %q", fs)
	}
	// The last alert's own labels are not learned from earlier alerts
	// (those were "Label D…" and "Label C…"): its tail is page footer.
	if strings.Contains(evs[2].Extra, "Label") || st.Reasons["page footer"] != 1 {
		t.Errorf("alert #1 extra %q, reasons %v", evs[2].Extra, st.Reasons)
	}
	var footer string
	for _, e := range st.Errors {
		if e.Reason == "page footer" {
			footer = e.Msg
		}
	}
	if !strings.Contains(footer, `"Label B0", "value 0"`) || !strings.Contains(footer, "…") {
		t.Errorf("footer warning %q", footer)
	}
}

// The dashboard's pager and footer below the last alert are page chrome:
// dropped without a warning. Other text there is still reported.
func TestBreachInsiderDashboardFooter(t *testing.T) {
	chrome := "Showing 1 to 1 of 1 entries\nPrevious\n1\nNext\nLoad more\n© 2022 BreachInsider Ltd.\nPrivacy Policy\nTerms of Service\n"
	for _, tt := range []struct {
		name, tail string
		warned     string // "" for no page footer warning
	}{
		{"chrome only", chrome, ""},
		{"chrome and other text", chrome + "Support: call 555-0100\n", `"Support: call 555-0100"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, st, err := readBIString(t, "in.txt", biAlertText(1, "192.0.2.1", "curl/8")+tt.tail, FormatBreachInsider)
			if err != nil {
				t.Fatal(err)
			}
			var footer string
			for _, e := range st.Errors {
				if e.Reason == "page footer" {
					footer = e.Msg
				}
			}
			if tt.warned == "" && footer != "" || tt.warned != "" && (!strings.Contains(footer, tt.warned) || strings.Contains(footer, "Previous")) {
				t.Errorf("page footer warning %q, want one quoting only %s", footer, tt.warned)
			}
		})
	}
}
