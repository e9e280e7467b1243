package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
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

func TestRealCSV(t *testing.T) {
	in, ok := realCSVInput(t)
	if !ok {
		t.Skip("real data not present: " + realCSV)
	}
	rep := Build(in)
	if rep.EventsTotal < 250 {
		t.Errorf("real CSV gave %d events, want about 300", rep.EventsTotal)
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, rep, realAssets(t)); err != nil {
		t.Fatal(err)
	}
	t.Logf("report for %d events: %d bytes, %d countries, %d ASNs", rep.EventsTotal, buf.Len(), len(rep.Countries), rep.ASNTotal)
	if buf.Len() > 1500<<10 {
		t.Errorf("report is %d bytes, want under 1.5 MB", buf.Len())
	}
	if len(rep.Countries) < 2 || rep.ASNTotal < 2 {
		t.Errorf("enrichment missing: %d countries, %d ASNs", len(rep.Countries), rep.ASNTotal)
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, rep); err != nil {
		t.Fatal(err)
	}
}
