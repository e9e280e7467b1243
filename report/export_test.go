package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/ingest"
)

func TestCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Boto3/1.17.40", "Boto3/1.17.40"},
		{"=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "' x"},
		{"\rx", "' x"},
		{"a=b", "a=b"},
		{"nul\x00esc\x1b[31mred", `nul\x00esc\x1B[31mred`},
		{"bad \xff\xfe utf-8", "bad \uFFFD\uFFFD utf-8"},
		{"line\nbreak\ttab", "line break tab"},
		{"c1 \u009b csi", `c1 \x9B csi`},
		{"gpj.\u202eexe", `gpj.\u202Eexe`},
		{"=\x00", `'=\x00`},
		{"Çà et là 🐝", "Çà et là 🐝"},
	}
	for _, tt := range tests {
		if got := cell(tt.in); got != tt.want {
			t.Errorf("cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func exportEvents() ([]ingest.Event, *enrich.Profiles) {
	addr := netip.MustParseAddr("203.0.113.7")
	evs := []ingest.Event{{
		Time: time.Date(2022, 2, 18, 17, 34, 57, 0, time.UTC), Source: addr,
		UserAgent: "=cmd|' /C calc'!A0", Op: ingest.OpPutObject, Bucket: "b", Key: "@evil,\"quoted\"\nnewline",
		ErrorCode: "AccessDenied", Weight: 4, AlertID: 302, Format: ingest.FormatBreachInsider,
		Pos: ingest.Pos{File: "logs/a.txt", Line: 12},
	}, {
		Time: time.Date(2022, 2, 18, 17, 35, 0, 0, time.UTC), SourceText: "s3.amazonaws.com",
		UserAgent: "[S3Console/0.4]", Op: ingest.OpGetObject, Weight: 1, Format: ingest.FormatCloudTrail,
		Pos: ingest.Pos{File: "ct.json", Line: 3},
	}}
	profiles := enrich.NewProfiles(&enrich.Profile{
		Addr: addr, Class: enrich.ClassDocumentation,
		Geo: enrich.Geo{CountryCode: "FR", CountryName: "France", Lat: 48.85, Lon: -2.35},
		ASN: enrich.ASN{Number: 12876, Org: "-Scaleway", Hosting: true},
	})
	return evs, profiles
}

func TestExportCSV(t *testing.T) {
	evs, profiles := exportEvents()
	var buf bytes.Buffer
	ew, err := NewEventWriter(&buf, ExportCSV, Build(Input{Profiles: profiles, UAFamily: func(ua string) string { return "family of " + ua }}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if err := ew.Write(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := ew.Flush(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("export is not valid CSV: %v", err)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want header + 2", len(rows))
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	r := rows[1]
	checks := map[string]string{
		"time": "2022-02-18T17:34:57Z", "source_ip": "203.0.113.7", "user_agent": "'=cmd|' /C calc'!A0",
		"key": "'@evil,\"quoted\" newline", "operation": "PutObject", "attempts": "4", "alert_id": "302",
		"file": "logs/a.txt", "line": "12", "country": "FR", "lon": "-2.3500", "asn": "12876",
		"as_org": "'-Scaleway", "hosting": "true", "ip_class": "documentation", "user_agent_family": "family of =cmd|' /C calc'!A0",
	}
	for name, want := range checks {
		if got := r[col[name]]; got != want {
			t.Errorf("column %s = %q, want %q", name, got, want)
		}
	}
	if got := rows[2][col["source_text"]]; got != "s3.amazonaws.com" {
		t.Errorf("non-IP source = %q", got)
	}
}

func TestExportNDJSON(t *testing.T) {
	evs, profiles := exportEvents()
	var buf bytes.Buffer
	ew, err := NewEventWriter(&buf, ExportNDJSON, Build(Input{Profiles: profiles}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		ew.Write(&evs[i])
	}
	ew.Flush()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2", len(lines))
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	// NDJSON is data, not a spreadsheet: strings are exact.
	if got["user_agent"] != "=cmd|' /C calc'!A0" || got["country"] != "FR" || got["lat"] != 48.85 {
		t.Errorf("event = %v", got)
	}
}

func TestExportFormatFor(t *testing.T) {
	for name, want := range map[string]ExportFormat{"e.csv": ExportCSV, "E.CSV": ExportCSV, "e.ndjson": ExportNDJSON, "e.jsonl": ExportNDJSON} {
		if got, err := ExportFormatFor(name); err != nil || got != want {
			t.Errorf("ExportFormatFor(%q) = %q, %v", name, got, err)
		}
	}
	if _, err := ExportFormatFor("events.txt"); err == nil {
		t.Error("events.txt: want an error")
	}
}

// The fields of a record that no column stands for are exported as one
// object, in input order, in NDJSON and in the CSV's last column.
func TestExportExtraFields(t *testing.T) {
	ev := ingest.Event{Time: time.Date(2022, 1, 31, 14, 38, 27, 0, time.UTC), Weight: 1, Op: ingest.OpListObjects,
		Extra: "Event Source\ts3.amazonaws.com\nAWS Region\t\"eu-west-1\" <b>\nResources\t\n"}
	want := `{"Event Source":"s3.amazonaws.com","AWS Region":"\"eu-west-1\" \u003cb\u003e","Resources":""}`
	for _, format := range []ExportFormat{ExportNDJSON, ExportCSV} {
		var buf bytes.Buffer
		ew, err := NewEventWriter(&buf, format, &Report{})
		if err != nil {
			t.Fatal(err)
		}
		ew.Write(&ev)
		ew.Flush()
		var got string
		if format == ExportNDJSON {
			var o struct{ Extra json.RawMessage }
			if err := json.Unmarshal(buf.Bytes(), &o); err != nil {
				t.Fatal(err)
			}
			got = string(o.Extra)
		} else {
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil || len(rows) != 2 || rows[0][len(rows[0])-1] != "extra" {
				t.Fatalf("rows %q, err %v", rows, err)
			}
			got = rows[1][len(rows[1])-1]
		}
		if got != want {
			t.Errorf("%s: extra = %s, want %s", format, got, want)
		}
	}
}
