package site

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/report"
)

// benchSummary is a week's summary of a busy honeybucket: 300 sources,
// about 90 KB.
func benchSummary(week int) func(io.Writer) error {
	return func(w io.Writer) error {
		s := report.SummaryJSON{Schema: report.SummarySchema, GeneratedAt: "2026-12-01T00:00:00Z",
			Totals:      report.TotalsJSON{Events: int64(1000 + week), Attempts: int64(1200 + week), UniqueIPs: 300},
			KeyFindings: "- **1,000 alerts** from 300 sources.\n- Sources: 40 new, 260 returning, 12 gone quiet.\n",
			Countries:   []report.CountryJSON{{Code: "US", Name: "United States", Count: 400, IPs: 90}},
			ASNs:        []report.ASNJSON{{ASN: 16509, Org: "AMAZON-02", Count: 300, IPs: 50}},
			Comparison:  &report.ComparisonJSON{Sources: report.ChangesJSON{NewCount: 40}},
		}
		for i := range 300 {
			s.IPs = append(s.IPs, report.IPJSON{IP: fmt.Sprintf("198.51.%d.%d", i/250, i%250), Count: 3, Attempts: 4,
				FirstSeen: "2026-11-23T00:00:00Z", LastSeen: "2026-11-29T00:00:00Z", TopUserAgent: "aws-cli/2.4.0 Python/3.8.8 Linux/5.10"})
		}
		return s.WriteJSON(w)
	}
}

// BenchmarkAdd200 adds a period to a site that holds 200 weekly periods:
// the cost of --site beyond rendering the period's own files. Warm, the
// last history.json's entries are reused; cold, there is none and every
// summary is decoded.
func BenchmarkAdd200(b *testing.B) {
	a, err := assets.Load()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	o := Options{Title: "Honeybucket", GeneratedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), ToolVersion: "bench", Assets: a}
	monday := time.Date(2022, 11, 14, 0, 0, 0, 0, time.UTC)
	small := func(w io.Writer) error { _, err := io.WriteString(w, "<p>report</p>"); return err }
	for i := range 200 {
		name := PeriodName(monday.AddDate(0, 0, 7*i), monday.AddDate(0, 0, 7*i+7))
		if err := writePeriod(dir, name, []File{{ReportFile, small}, {SummaryFile, benchSummary(i)}}); err != nil {
			b.Fatal(err)
		}
	}
	// The new period's report is the size of a real one (1.5 MB, most of
	// it ECharts): latest/ copies it.
	big := bytes.Repeat([]byte("x"), 1500<<10)
	p := Period{Name: PeriodName(monday.AddDate(0, 0, 7*200), monday.AddDate(0, 0, 7*201)),
		Report:  func(w io.Writer) error { _, err := w.Write(big); return err },
		Summary: benchSummary(200), Events: func(w io.Writer) error { _, err := io.WriteString(w, "time,ip\n"); return err }}
	for _, warm := range []bool{true, false} {
		b.Run(map[bool]string{true: "warm", false: "cold"}[warm], func(b *testing.B) {
			for b.Loop() {
				if !warm {
					b.StopTimer()
					os.Remove(filepath.Join(dir, HistoryFile))
					b.StartTimer()
				}
				res, err := Add(dir, p, o)
				if err != nil || len(res.Skipped) > 0 {
					b.Fatal(err, res)
				}
			}
		})
	}
}
