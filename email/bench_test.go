package email

import (
	"bytes"
	"io"
	"os"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/report"
	"github.com/honeyreport/honeyreport/synth"
)

// realCSV is the real 301-alert BreachInsider export (absent on a fresh
// clone).
const realCSV = "../../shared/data/breachinsider-honeybucket-2022-02.csv"

// readReport reads one log through ingest and aggregate, locates every
// source with the embedded data and builds the report, as a run does.
func readReport(b *testing.B, r io.Reader, name string) *report.Report {
	b.Helper()
	rd, err := ingest.NewReader(r, name, ingest.FormatAuto)
	if err != nil {
		b.Fatal(err)
	}
	agg := aggregate.New(aggregate.Options{})
	for rd.Scan() {
		agg.Add(rd.Event())
	}
	sum := agg.Summary()
	db, err := enrich.OpenEmbedded()
	if err != nil {
		b.Fatal(err)
	}
	var profiles []*enrich.Profile
	for _, a := range sum.Addrs() {
		p := &enrich.Profile{Addr: a, Class: enrich.ClassifyIP(a)}
		p.Geo, _ = db.Geo(a)
		p.ASN, _ = db.ASN(a)
		profiles = append(profiles, p)
	}
	return report.Build(report.Input{Summary: sum, Profiles: enrich.NewProfiles(profiles...),
		UAFamily: func(ua string) string { return enrich.ClassifyUserAgent(ua).Family },
		Options:  report.Options{GeneratedAt: fixedTime}})
}

// BenchmarkEmail times what --email adds to a run once the report is
// built: the charts drawn as PNGs, the HTML report zipped, the digest and
// the message written. The HTML report itself is rendered by every run
// (the email keeps its bytes), so it is outside the timer.
//
//	real: the real 301-alert CSV (the small fixture report when absent)
//	1M:   one million generated S3 access log events
func BenchmarkEmail(b *testing.B) {
	a, err := assets.Load()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("real", func(b *testing.B) {
		var rep *report.Report
		if data, err := os.ReadFile(realCSV); err == nil {
			rep = readReport(b, bytes.NewReader(data), "real.csv")
		} else {
			rep = testReport(b, false)
		}
		benchEmail(b, rep, a)
	})
	b.Run("1M", func(b *testing.B) {
		if testing.Short() {
			b.Skip("1M events: not in -short")
		}
		g, err := synth.New(synth.Config{Events: 1_000_000, IPs: 50_000, Seed: 1,
			Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			b.Fatal(err)
		}
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(synth.WriteS3Access(pw, g.Ascending(), g.OwnerID())) }()
		benchEmail(b, readReport(b, pr, "synth.log"), a)
	})
}

func benchEmail(b *testing.B, rep *report.Report, a assets.Assets) {
	var html bytes.Buffer
	if err := report.WriteHTML(&html, rep, a); err != nil {
		b.Fatal(err)
	}
	var size int
	for b.Loop() {
		r, err := report.NewRaster(a.WorldMap)
		if err != nil {
			b.Fatal(err)
		}
		images, err := ChartImages(rep, r)
		if err != nil {
			b.Fatal(err)
		}
		z, err := Zip("report.html", html.Bytes(), fixedTime)
		if err != nil {
			b.Fatal(err)
		}
		msg, err := New(rep, images, Options{To: []string{"a@example.org"}, Date: fixedTime,
			Attachments: []Attachment{{Name: "report.html.zip", ContentType: "application/zip", Data: z}}})
		if err != nil {
			b.Fatal(err)
		}
		size = len(msg.Data)
	}
	b.ReportMetric(float64(size), "bytes/eml")
	b.ReportMetric(float64(html.Len()), "bytes/report")
}
