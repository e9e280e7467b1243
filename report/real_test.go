package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/ingest"
)

// realCSV is the real BreachInsider export kept next to the repository; it
// is never copied into it.
var realCSV = filepath.Join("..", "..", "shared", "data", "breachinsider-honeybucket-2022-02.csv")

var (
	embeddedOnce sync.Once
	embedded     *enrich.Embedded
	embeddedErr  error
)

// realCSVInput reads the real CSV through ingest, aggregate and the
// embedded enrichment data; ok is false when the file is absent.
func realCSVInput(t testing.TB) (Input, bool) {
	t.Helper()
	data, err := os.ReadFile(realCSV)
	if err != nil {
		return Input{}, false
	}
	r, err := ingest.NewReader(bytes.NewReader(data), "breachinsider-honeybucket-2022-02.csv", ingest.FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	agg := aggregate.New(aggregate.Options{})
	for r.Scan() {
		agg.Add(r.Event())
	}
	st := r.Stats()
	sum := sha256.Sum256(data)
	st.SHA256, st.Bytes = hex.EncodeToString(sum[:]), int64(len(data))
	s := agg.Summary()
	s.Inputs = []*ingest.Stats{st}

	embeddedOnce.Do(func() { embedded, embeddedErr = enrich.OpenEmbedded() })
	if embeddedErr != nil {
		t.Fatal(embeddedErr)
	}
	var profiles []*enrich.Profile
	for _, a := range s.Addrs() {
		p := &enrich.Profile{Addr: a, Class: enrich.ClassifyIP(a)}
		p.Geo, _ = embedded.Geo(a)
		p.ASN, _ = embedded.ASN(a)
		profiles = append(profiles, p)
	}
	return Input{
		Summary: s, Profiles: enrich.NewProfiles(profiles...), Sources: embedded.Sources(), UAFamily: uaFamily,
		Options: Options{Title: "Honeybucket report: BreachInsider, February 2022", GeneratedAt: fixedTime, ToolVersion: "test", ExportHint: "events.csv"},
	}, true
}

// TestRealCSV checks the real export's known values in every output built
// from it: the HTML model, the Markdown and the JSON summary. Counts that
// depend on the embedded databases' edition are checked for consistency,
// not pinned.
func TestRealCSV(t *testing.T) {
	in, ok := realCSVInput(t)
	if !ok {
		t.Skip("real data not present: " + realCSV)
	}
	rep := Build(in)
	if rep.EventsTotal != 301 || rep.IPTotal != 224 || rep.RepeatTotal != 29 || rep.WritesTotal != 4 || rep.DeniedTotal != 0 || rep.Authenticated != 17 {
		t.Errorf("events %d, IPs %d (%d repeat), writes %d, denied %d, authenticated %d; want 301, 224 (29), 4, 0, 17",
			rep.EventsTotal, rep.IPTotal, rep.RepeatTotal, rep.WritesTotal, rep.DeniedTotal, rep.Authenticated)
	}
	if rep.Period != "2020-02-11 – 2022-02-18 (739 days)" {
		t.Errorf("period %q", rep.Period)
	}
	var ops []string
	for _, o := range rep.Operations {
		ops = append(ops, fmt.Sprintf("%s %d/%d", o.Label.Short, o.Events, o.Attempts))
	}
	if got, want := strings.Join(ops, ", "), "HeadBucket 159/224, ListObjects 138/215, PutObject 4/4"; got != want {
		t.Errorf("operations %s, want %s", got, want)
	}
	if ip := rep.TopIPs[0]; ip.IP != "212.83.184.15" || ip.Events != 18 || ip.Country == "" || ip.ASN == "" {
		t.Errorf("busiest IP %+v, want 212.83.184.15 with 18 events, a country and an AS", ip)
	}
	if in := rep.Inputs; len(in) != 1 || in[0].Events != 301 || in[0].Skipped != 0 || in[0].Bytes != "116.6 KiB" {
		t.Errorf("inputs %+v", in)
	}
	sum := func(rows []CountRow) (n int64) {
		for _, r := range rows {
			n += r.Events
		}
		return n
	}
	var countryEvents, monthEvents int64
	for _, c := range rep.Countries {
		countryEvents += c.Events
	}
	for _, m := range rep.Monthly {
		monthEvents += m.Events
	}
	if f := sum(rep.UAFamilies); f != 301 || countryEvents != 301 || monthEvents != 301 {
		t.Errorf("families add up to %d, countries to %d, months to %d; want 301 each", f, countryEvents, monthEvents)
	}
	if len(rep.Countries) < 2 || rep.ASNTotal < 2 {
		t.Errorf("enrichment missing: %d countries, %d ASNs", len(rep.Countries), rep.ASNTotal)
	}

	var buf bytes.Buffer
	if err := WriteHTML(&buf, rep, realAssets(t)); err != nil {
		t.Fatal(err)
	}
	t.Logf("report for %d events: %d bytes, %d countries, %d ASNs", rep.EventsTotal, buf.Len(), len(rep.Countries), rep.ASNTotal)
	if buf.Len() > 1500<<10 {
		t.Errorf("report is %d bytes, want under 1.5 MB", buf.Len())
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# Honeybucket report: BreachInsider, February 2022\n",
		"- **301 alerts** (443 attempts) from **224 unique IPs** in ",
		"2020-02-11 03:33:11 to 2022-02-18 17:34:57",
		"| Write attempts | 4 |",
		"| Authenticated | 17 |",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}

	s := NewSummaryJSON(rep, DefaultJSONMaxIPs)
	if s.Totals.Events != 301 || s.Totals.UniqueIPs != 224 || len(s.IPs) != 224 || s.IPs[0].IP != "212.83.184.15" || s.IPs[0].Country != rep.TopIPs[0].Country {
		t.Errorf("JSON totals %+v, first IP %+v", s.Totals, s.IPs[0])
	}
	if s.Totals.Countries != len(rep.Countries)-1 && s.Totals.Countries != len(rep.Countries) || s.Totals.ASNs != rep.ASNTotal {
		t.Errorf("JSON has %d countries and %d ASNs, the report %d and %d", s.Totals.Countries, s.Totals.ASNs, len(rep.Countries), rep.ASNTotal)
	}
}
