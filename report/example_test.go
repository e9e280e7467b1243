package report_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/report"
)

// A report is built once from an aggregated summary and the enrichment
// profiles, then rendered: HTML, Markdown and the JSON summary all read
// the same model. An event's source is an address in Source; SourceText
// is only for a source that is not one (CloudTrail's "s3.amazonaws.com").
func Example() {
	at := time.Date(2022, 2, 1, 10, 0, 0, 0, time.UTC)
	addr := netip.MustParseAddr("203.0.113.9")
	agg := aggregate.New(aggregate.Options{})
	for _, ev := range []ingest.Event{
		{Time: at, Source: addr, Op: ingest.OpListObjects, Weight: 1},
		{Time: at.Add(time.Hour), Source: addr, Op: ingest.OpGetObject, Key: "backup.sql", Weight: 2},
		{Time: at.Add(2 * time.Hour), SourceText: "s3.amazonaws.com", Op: ingest.OpHeadBucket, Weight: 1},
	} {
		agg.Add(&ev)
	}
	profiles := enrich.NewProfiles(&enrich.Profile{Addr: addr, Class: enrich.ClassifyIP(addr), Geo: enrich.Geo{CountryCode: "NL", CountryName: "Netherlands"}})

	rep := report.Build(report.Input{
		Summary:  agg.Summary(),
		Profiles: profiles,
		Options:  report.Options{Title: "Decoy bucket", GeneratedAt: time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)},
	})
	a, err := assets.Load()
	if err != nil {
		panic(err)
	}
	var html bytes.Buffer
	if err := report.WriteHTML(&html, rep, a); err != nil {
		panic(err)
	}
	fmt.Println(rep.Title, rep.Period)
	fmt.Println(rep.TopIPs[0].IP, rep.TopIPs[0].Country, rep.TopIPs[0].Attempts, rep.NonIP[0].IP)
	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, rep); err != nil {
		panic(err)
	}
	_, findings, _ := strings.Cut(md.String(), "## Key findings\n\n")
	fmt.Println(strings.SplitN(findings, "\n", 2)[0])
	s := report.NewSummaryJSON(rep, report.DefaultJSONMaxIPs)
	fmt.Println(s.Totals.Events, s.Totals.UniqueIPs, s.IPs[0].IP, s.IPs[0].Country, s.NonIPSources[0].Source)
	// Output:
	// Decoy bucket 2022-02-01 – 2022-02-01 (1 day)
	// 203.0.113.9 NL 3 s3.amazonaws.com
	// - **3 alerts** (4 attempts) from **1 unique IP** in 1 country, 2022-02-01 10:00:00 to 2022-02-01 12:00:00.
	// 3 1 203.0.113.9 NL s3.amazonaws.com
}
