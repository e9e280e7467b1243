package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/honeyreport/honeyreport/internal/golden"
)

func TestBreachCSVGolden(t *testing.T) {
	for _, tt := range []struct {
		name   string
		format Format
	}{
		{"export", FormatAuto},
		{"reordered", FormatAuto},
		{"badrows", FormatAuto},
		{"missingcols", FormatBreachCSV}, // not detected: it lacks the columns detection looks for
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "breachcsv", tt.name+".csv")
			evs, st := readAll(t, path, tt.format)
			if st.Format != FormatBreachCSV {
				t.Fatalf("detected format %q, want %q", st.Format, FormatBreachCSV)
			}
			events, diags := eventsGolden(evs, st)
			stem := strings.TrimSuffix(path, ".csv")
			golden.Check(t, stem+".events.golden", events)
			golden.Check(t, stem+".stderr.golden", diags)
		})
	}
}

func TestBreachCSVFields(t *testing.T) {
	evs, st := readAll(t, filepath.Join("testdata", "breachcsv", "export.csv"), FormatBreachCSV)
	if st.Skipped != 0 || st.Err != nil || len(st.Errors) != 0 {
		t.Fatalf("skipped %d, err %v: %v", st.Skipped, st.Err, st.Errors)
	}
	alerts := byAlert(t, evs)
	tests := []struct {
		name  string
		alert int
		check func(ev Event) string
	}{
		{"quoted user agent with commas", 302, func(ev Event) string {
			if !strings.Contains(ev.UserAgent, "(KHTML, like Gecko)") || ev.AlertUserAgent != ev.UserAgent || ev.Weight != 4 || ev.Op != OpListObjects {
				return fmt.Sprintf("ua %q weight %d op %q", ev.UserAgent, ev.Weight, ev.Op)
			}
			if ev.Time.Format("2006-01-02T15:04:05Z07:00") != "2022-02-06T17:34:57Z" || ev.AlarmTime.Nanosecond() != 127636000 || ev.Pos.Line != 2 {
				return fmt.Sprintf("time %v alarm %v line %d", ev.Time, ev.AlarmTime, ev.Pos.Line)
			}
			return ""
		}},
		{"empty user agent and repeated attempts", 301, func(ev Event) string {
			if ev.UserAgent != "" || ev.Weight != 1 || ev.Op != OpHeadBucket || ev.RequestID != "REQ0301CSV00000" {
				return fmt.Sprintf("ua %q weight %d", ev.UserAgent, ev.Weight)
			}
			return ""
		}},
		{"principal, key, write", 300, func(ev Event) string {
			if ev.Identity.Anonymous() || ev.Identity.AccountID != "385485039111" || ev.Key != "writeable_bucket.txt" || !ev.Op.IsWrite() {
				return fmt.Sprintf("identity %+v key %q op %q", ev.Identity, ev.Key, ev.Op)
			}
			return ""
		}},
		{"hostile user agent, IPv6", 299, func(ev Event) string {
			if ev.UserAgent != "<script>alert(\"x\")</script>\u2028\u202e" || ev.SourceString() != "2001:db8::1" || ev.Weight != 62 {
				return fmt.Sprintf("ua %q source %q", ev.UserAgent, ev.SourceString())
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
			if msg := tt.check(ev); msg != "" {
				t.Errorf("alert #%d: %s", tt.alert, msg)
			}
		})
	}
}

func TestBreachCSVMissingColumns(t *testing.T) {
	evs, st := readAll(t, filepath.Join("testdata", "breachcsv", "missingcols.csv"), FormatBreachCSV)
	if len(evs) != 0 || st.Err == nil {
		t.Fatalf("%d events, err %v", len(evs), st.Err)
	}
	if want := `header row lacks required column(s) "Source IP", "Event Name"`; st.Err.Error() != want {
		t.Errorf("err %q, want %q", st.Err, want)
	}
}

func TestBreachCSVBadRows(t *testing.T) {
	evs, st := readAll(t, filepath.Join("testdata", "breachcsv", "badrows.csv"), FormatAuto)
	var kept []int
	for _, ev := range evs {
		kept = append(kept, ev.AlertID)
	}
	// 45's user agent holds a newline and escaped quotes; 44's invalid
	// UTF-8 is replaced; 43's "Alert" cell is bad but the row is kept.
	if got, want := fmt.Sprint(kept), "[50 46 45 44 0]"; got != want {
		t.Errorf("kept %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(st.Reasons), "map[bad alert:1 bad csv row:1 bad repeated attempts:1 bad time:1 missing value:1 wrong field count:1]"; got != want {
		t.Errorf("reasons %s, want %s", got, want)
	}
	if st.Skipped != 4 {
		t.Errorf("skipped %d, want 4", st.Skipped)
	}
	if ev := evs[2]; ev.UserAgent != "multi\nline \"ua\"" || ev.Pos.Line != 7 {
		t.Errorf("alert #45: ua %q line %d", ev.UserAgent, ev.Pos.Line)
	}
	if ev := evs[3]; ev.UserAgent != "UA\uFFFD" || ev.Pos.Line != 10 {
		t.Errorf("alert #44: ua %q line %d", ev.UserAgent, ev.Pos.Line)
	}
}

func TestBreachCSVLongLines(t *testing.T) {
	header := "Event Type,Event Name,Request ID,User ID,Request Parameters,Alert,Event ID,Event DateTime,Alarm DateTime,Source IP,Request User Agent,Repeated Attempts\n"
	row := func(n int, ua string) string {
		return fmt.Sprintf("AwsApiCall,HeadBucket,R%d,\"{'type': 'AWSAccount'}\",\"{'bucketName': 'b'}\", %d-2022-02-18T17:34:57Z,E%d,2022-02-18T17:34:57Z,2022-02-18T17:39:28.127636+00:00,192.0.2.%d,\"%s\",1\n", n, n, n, n, ua)
	}
	bigUA := strings.Repeat("<script>é", 1<<20/10)
	in := header + row(4, bigUA) + row(3, strings.Repeat("x", 20<<20)) + row(2, "curl") + row(1, "a\nb")
	evs, st, err := readBIString(t, "long.csv", in, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[0].UserAgent != bigUA || evs[1].AlertID != 2 || evs[2].AlertID != 1 {
		for _, ev := range evs {
			t.Logf("alert #%d line %d ua %d bytes", ev.AlertID, ev.Pos.Line, len(ev.UserAgent))
		}
		t.Fatalf("%d events, %v", len(evs), st.Errors)
	}
	if st.Skipped != 1 || st.Errors[0].Reason != "line too long" || st.Errors[0].Line != 3 {
		t.Errorf("skipped %d: %v", st.Skipped, st.Errors)
	}
}

func TestBreachCSVTruncatedGzip(t *testing.T) {
	var in strings.Builder
	in.WriteString("Event Type,Event Name,Request ID,User ID,Request Parameters,Alert,Event ID,Event DateTime,Alarm DateTime,Source IP,Request User Agent,Repeated Attempts\n")
	for n := 3000; n > 0; n-- {
		fmt.Fprintf(&in, "AwsApiCall,HeadBucket,R%d,\"{'type': 'AWSAccount'}\",\"{'bucketName': 'b'}\", %d-2022-02-18T17:34:57Z,E%d,2022-02-18T17:34:57Z,,192.0.2.%d,agent/%d,1\n", n, n, n, n%250, n)
	}
	z := gzipDump(t, []byte(in.String()))
	evs, st, err := readBIString(t, "export.csv.gz", string(z[:len(z)*2/3]), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || len(evs) >= 3000 || !errors.Is(st.Err, io.ErrUnexpectedEOF) {
		t.Fatalf("%d events, err %v", len(evs), st.Err)
	}
}

func TestSniffBreachCSV(t *testing.T) {
	tests := []struct {
		name string
		head string
		want bool
	}{
		{"real header", "Event Type,Event Name,Request ID,User ID,Request Parameters,Alert,Event ID,Event DateTime,Alarm DateTime,Source IP,Request User Agent,Repeated Attempts\r\nx", true},
		{"reordered with BOM", "\ufeffSource IP,Event DateTime,Event Name\n", true},
		{"missing column", "Event Name,Source IP\n", false},
		{"dashboard dump", "Event DateTime\nSource IP\nEvent Name\n", false},
		{"header not first", "junk\nEvent Name,Source IP,Event DateTime\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniffBreachCSV([]byte(tt.head)); got != tt.want {
				t.Errorf("sniffBreachCSV(%q) = %v, want %v", tt.head, got, tt.want)
			}
		})
	}
}

// The real export of the BreachInsider honeybucket, February 2022.
func TestBreachCSVRealData(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "data", "breachinsider-honeybucket-2022-02.csv")
	if _, err := os.Stat(path); err != nil {
		t.Skip("real data not available:", err)
	}
	evs, st := readAll(t, path, FormatAuto)
	if st.Format != FormatBreachCSV || st.Skipped != 0 || st.Err != nil || len(st.Errors) != 0 {
		t.Fatalf("format %s, skipped %d, err %v: %v", st.Format, st.Skipped, st.Err, st.Errors)
	}
	ips := make(map[string]bool)
	ops := make(map[Operation]int)
	alerts := make(map[int]bool)
	for _, ev := range evs {
		ips[ev.SourceString()] = true
		ops[ev.Op]++
		alerts[ev.AlertID] = true
		if !ev.Source.IsValid() || ev.Time.IsZero() || ev.RequestID == "" || ev.Bucket == "" {
			t.Errorf("line %d: incomplete event %+v", ev.Pos.Line, ev)
		}
	}
	if len(evs) != 301 || len(ips) != 224 || len(alerts) != 301 {
		t.Errorf("%d events, %d IPs, %d alert numbers; want 301, 224, 301", len(evs), len(ips), len(alerts))
	}
	if got, want := fmt.Sprint(ops), "map[HeadBucket:159 ListObjects:138 PutObject:4]"; got != want {
		t.Errorf("operations %s, want %s", got, want)
	}
}

func FuzzBreachCSV(f *testing.F) {
	breachFuzzSeeds(f, "breachcsv", ".csv")
	f.Add([]byte("Event Name,Source IP,Event DateTime\n\"a,1.2.3.4,2022-01-31T14:38:27Z\n,,\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		checkBreachFuzz(t, in, FormatBreachCSV)
	})
}

func benchCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("Event Type,Event Name,Request ID,User ID,Request Parameters,Alert,Event ID,Event DateTime,Alarm DateTime,Source IP,Request User Agent,Repeated Attempts\n")
	uas := []string{
		"Boto3/1.17.40 Python/3.6.12 Linux/3.10.0-1160.6.1.el7.x86_64 Botocore/1.20.112",
		`"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/98.0.4758.102 Safari/537.36"`,
		"Go-http-client/1.1",
	}
	for i := n; i > 0; i-- {
		fmt.Fprintf(&b, "AwsApiCall,ListObjects,E2E91AQVN6DJ%04d,\"{'type': 'AWSAccount', 'principalId': '', 'accountId': 'ANONYMOUS_PRINCIPAL'}\","+
			"\"{'list-type': '2', 'bucketName': 'microsoft-devtest', 'Host': 'microsoft-devtest.s3.amazonaws.com', 'encoding-type': 'url'}\","+
			" %d-2022-02-18T17:34:57Z,283770f5-968d-448d-9328-0b010f4d%04d,2022-02-18T17:34:57Z,2022-02-18T17:39:28.127636+00:00,%d.%d.%d.%d,%s,1\n",
			i%10000, i, i%10000, 20+i%200, i%7, i%251, i%13, uas[i%len(uas)])
	}
	return b.Bytes()
}

func BenchmarkBreachCSV(b *testing.B) {
	benchDecode(b, benchCSV(10000), FormatBreachCSV, 10000)
}

// TestBreachCSVUnclosedQuote: a quote that opens a field and never closes
// costs the lines it really spans, not the rest of the file, and each of
// them is counted.
func TestBreachCSVUnclosedQuote(t *testing.T) {
	header, _, _ := bytes.Cut(benchCSV(1), []byte("\n"))
	rows := bytes.Split(bytes.TrimSuffix(benchCSV(1000), []byte("\n")), []byte("\n"))[1:]
	build := func(edit func(rows [][]byte)) []byte {
		rs := make([][]byte, len(rows))
		for i, r := range rows {
			rs[i] = append([]byte(nil), r...)
		}
		edit(rs)
		return append(bytes.Join(append([][]byte{header}, rs...), []byte("\n")), '\n')
	}
	notRow := []byte("this line is not a row, and 'holds' no quote")
	tests := []struct {
		name          string
		in            []byte
		events        int64
		skippedLines  []int // line numbers, ascending
		firstMessages []string
	}{
		{
			name:          "row 7 of 1000 opens a quote",
			in:            build(func(rs [][]byte) { rs[6] = append(rs[6][:len(rs[6])-2], `"Mozilla/5.0,1`...) }),
			events:        999,
			skippedLines:  []int{8},
			firstMessages: []string{`bad CSV row: extraneous or missing " in quoted-field`},
		},
		{
			name: "row 7 of 1000 opens a quote, no other row quotes",
			in: func() []byte {
				var b bytes.Buffer
				b.Write(header)
				for i := 1; i <= 1000; i++ {
					ua := "curl/8"
					if i == 7 {
						ua = `"curl/8`
					}
					fmt.Fprintf(&b, "\nAwsApiCall,ListObjects,R%d,,, %d-2022-02-18T17:34:57Z,E%d,2022-02-18T17:34:57Z,,192.0.2.%d,%s,1", i, i, i, i%250, ua)
				}
				return b.Bytes()
			}(),
			events:       999,
			skippedLines: []int{8},
		},
		{
			name:         "row 7 of 1000 opens a quote at a field's start",
			in:           build(func(rs [][]byte) { rs[6] = bytes.Replace(rs[6], []byte(",ListObjects,"), []byte(`,"ListObjects,`), 1) }),
			events:       999,
			skippedLines: []int{8},
		},
		{
			name: "the open row swallows lines that are not rows",
			in: build(func(rs [][]byte) {
				rs[6] = append(rs[6][:len(rs[6])-2], `"Mozilla/5.0,1`...)
				rs[7], rs[8] = notRow, notRow
			}),
			events:       997,
			skippedLines: []int{8, 9, 10},
			firstMessages: []string{`bad CSV row: extraneous or missing " in quoted-field`,
				"line skipped: part of the row that starts on line 8",
				"line skipped: part of the row that starts on line 8"},
		},
		{
			name: "two open quotes close each other",
			in: build(func(rs [][]byte) {
				rs[6] = append(rs[6][:len(rs[6])-2], `"x,1`...)
				rs[7], rs[8] = notRow, append(notRow, `"`...)
			}),
			events:        997,
			skippedLines:  []int{8, 9, 10},
			firstMessages: []string{"row has 11 fields, the header has 12", "line skipped: part of the row that starts on line 8"},
		},
		{
			name:         "a bare quote in an unquoted field",
			in:           build(func(rs [][]byte) { rs[499] = bytes.Replace(rs[499], []byte("ListObjects"), []byte(`List"Objects`), 1) }),
			events:       999,
			skippedLines: []int{501},
		},
		{
			name: "the last row opens a quote",
			in: build(func(rs [][]byte) {
				rs[999] = append(rs[999][:len(rs[999])-2], `"x,1`...)
			}),
			events:       999,
			skippedLines: []int{1001},
		},
		{
			name: "an open quote with no row after it: at most maxRowLines lines",
			in: build(func(rs [][]byte) {
				rs[9] = append(rs[9][:len(rs[9])-2], `"x,1`...)
				for i := 10; i < 990; i++ {
					rs[i] = notRow
				}
			}),
			// Rows 11-990 of the file are not rows anyway; the first
			// maxRowLines of them go with the open row, the rest each
			// fail alone.
			events: 19,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs, st := readFormat(t, tc.in, "q.csv", FormatBreachCSV)
			if int64(len(evs)) != tc.events || st.Events != tc.events {
				t.Errorf("%d events, want %d", len(evs), tc.events)
			}
			var lines []int
			for _, e := range st.Errors {
				lines = append(lines, e.Line)
			}
			if tc.skippedLines != nil && (!reflect.DeepEqual(lines, tc.skippedLines) || st.Skipped != int64(len(tc.skippedLines))) {
				t.Errorf("skipped %d, lines %v, want %v", st.Skipped, lines, tc.skippedLines)
			}
			if got := st.Events + st.Skipped; got != 1000 {
				t.Errorf("%d events and %d skipped lines for 1000 rows", st.Events, st.Skipped)
			}
			for i, want := range tc.firstMessages {
				if i >= len(st.Errors) || st.Errors[i].Msg != want {
					t.Errorf("error %d: %v, want %q", i, st.Errors, want)
					break
				}
			}
			for _, ev := range evs {
				if ev.Pos.Line < 2 || ev.Time.IsZero() {
					t.Fatalf("event %+v", ev)
				}
			}
		})
	}
}

// TestBreachCSVHeaderOpensQuote: a header that opens a quote is an error,
// not a reason to take a later row for the header.
func TestBreachCSVHeaderOpensQuote(t *testing.T) {
	header := "Event Name,Source IP,Event DateTime\n"
	row := "GetObject,192.0.2.1,2022-01-31T14:38:27Z\n"
	for _, in := range []string{
		"\"" + header + row,
		"\"" + header + strings.Repeat("no quote here\n", maxRowLines) + header + row,
	} {
		evs, st := readFormat(t, []byte(in), "h.csv", FormatBreachCSV)
		if len(evs) != 0 || st.Err == nil || !strings.Contains(st.Err.Error(), "header row") {
			t.Errorf("%d events, err %v", len(evs), st.Err)
		}
	}
}

// FuzzCSVRow checks the decoder's row parser against encoding/csv (no lazy
// quotes) on one line: same fields, or both an error.
func FuzzCSVRow(f *testing.F) {
	for _, s := range []string{`a,b,c`, `"a,b",c`, `"a""b",c`, `a"b,c`, `"a"b,c`, `"a`, `,,`, `"",""`, ` "a",b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if line == "" || strings.ContainsAny(line, "\r\n") {
			return
		}
		d := &breachCSVDecoder{}
		got, gerr := d.parse([]byte(line))
		cr := csv.NewReader(strings.NewReader(line))
		cr.FieldsPerRecord = -1
		want, werr := cr.Read()
		if (gerr != nil) != (werr != nil) {
			t.Fatalf("%q: parse error %v, encoding/csv error %v", line, gerr, werr)
		}
		if gerr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: parse %q, encoding/csv %q", line, got, want)
		}
	})
}
