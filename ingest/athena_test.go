package ingest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/honeyreport/honeyreport/internal/golden"
)

func TestAthenaGolden(t *testing.T) {
	path := filepath.Join("testdata", "athena", "result.csv")
	evs, st := readAll(t, path, FormatAuto)
	if st.Format != FormatAthena {
		t.Fatalf("format %q, want %s", st.Format, FormatAthena)
	}
	// 4 S3 events; 1 of another service; a short row, a bad time and a
	// stray quote skipped.
	if st.Events != 4 || st.Filtered != 1 || st.Skipped != 3 || st.Err != nil {
		t.Errorf("events/filtered/skipped = %d/%d/%d, err %v; want 4/1/3", st.Events, st.Filtered, st.Skipped, st.Err)
	}
	e, d := eventsGolden(evs, st)
	stem := strings.TrimSuffix(path, ".csv")
	golden.Check(t, stem+".events.golden", e)
	golden.Check(t, stem+".stderr.golden", d)
}

// athenaCSV writes CloudTrail records as Athena writes the result of the
// athena-sql query: every column, all values quoted, NULL empty, the
// identity flattened and requestParameters as JSON text.
func athenaCSV(t testing.TB, records []map[string]any) []byte {
	t.Helper()
	var b bytes.Buffer
	quote := func(v string) string { return `"` + strings.ReplaceAll(v, `"`, `""`) + `"` }
	for i, c := range AthenaColumns {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(c))
	}
	b.WriteByte('\n')
	for _, rec := range records {
		lower := map[string]any{}
		for k, v := range rec {
			lower[strings.ToLower(k)] = v
		}
		ident, _ := rec["userIdentity"].(map[string]any)
		for k, v := range ident {
			lower["useridentity_"+strings.ToLower(k)] = v
		}
		for i, c := range AthenaColumns {
			if i > 0 {
				b.WriteByte(',')
			}
			switch v := lower[c].(type) {
			case nil:
			case string:
				b.WriteString(quote(v))
			default:
				j, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				b.WriteString(quote(string(j)))
			}
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// TestAthenaMatchesCloudTrail reads CloudTrail records from a Records
// file and from the Athena CSV of the same records: the events are the
// same, but for their format and line.
func TestAthenaMatchesCloudTrail(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "cloudtrail", "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Records []map[string]any }
	if err := json.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	want, wst := readFormat(t, src, "records.json", FormatCloudTrail)
	got, gst := readFormat(t, athenaCSV(t, doc.Records), "result.csv", FormatAuto)
	if gst.Format != FormatAthena || gst.Events != wst.Events || gst.Filtered != wst.Filtered || gst.Skipped != 0 {
		t.Fatalf("athena: %s %d events, %d filtered, %d skipped; cloudtrail: %d, %d", gst.Format, gst.Events, gst.Filtered, gst.Skipped, wst.Events, wst.Filtered)
	}
	for i := range want {
		w, g := want[i], got[i]
		w.Format, w.Pos, g.Format, g.Pos = "", Pos{}, "", Pos{}
		// The CSV holds requestParameters as JSON text re-encoded by
		// the test, as Athena gives the table's string: compare it as
		// JSON.
		if !sameJSON(w.Params, g.Params) {
			t.Errorf("event %d: params %s, want %s", i, g.Params, w.Params)
		}
		w.Params, g.Params = "", ""
		if !reflect.DeepEqual(w, g) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	return reflect.DeepEqual(x, y)
}

func TestAthenaHeader(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{name: "missing eventname", in: "\"eventtime\",\"eventsource\",\"eventnamex\"\n", wantErr: `lacks required column(s) "eventname"`},
		{name: "empty", in: "", wantErr: "no header row"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(tt.in), "x.csv", FormatAthena)
			if err != nil {
				t.Fatal(err)
			}
			for r.Scan() {
			}
			if st := r.Stats(); st.Err == nil || !strings.Contains(st.Err.Error(), tt.wantErr) {
				t.Errorf("err %v, want %q", st.Err, tt.wantErr)
			}
		})
	}
	// The breachinsider-csv header is not taken for Athena's.
	if f := Detect([]byte("Alert,Event ID,Event DateTime,Source IP,Event Name\n")); f != FormatBreachCSV {
		t.Errorf("BreachInsider CSV detected as %q", f)
	}
}

func FuzzAthena(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "athena", "result.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte(""))
	f.Add([]byte("\x00\x01\x1f\x8b"))
	f.Add([]byte("\"eventtime\",\"eventsource\",\"eventname\"\n\"2026-01-01T00:00:00Z\",\"s3.amazonaws.com\",\"GetObject\n"))
	f.Fuzz(func(t *testing.T, in []byte) { fuzzRead(t, in, FormatAthena) })
}
