package report_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/report"
)

// A report is built from an aggregated summary (and, in real use, the
// enrichment profiles), then written as HTML and Markdown.
func Example() {
	agg := aggregate.New(aggregate.Options{})
	ev := ingest.Event{Time: time.Date(2022, 2, 1, 10, 0, 0, 0, time.UTC), SourceText: "203.0.113.9", Op: ingest.OpListObjects, Weight: 1}
	agg.Add(&ev)

	rep := report.Build(report.Input{
		Summary: agg.Summary(),
		Options: report.Options{Title: "Decoy bucket", GeneratedAt: time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)},
	})
	a, err := assets.Load()
	if err != nil {
		panic(err)
	}
	var html, md bytes.Buffer
	if err := report.WriteHTML(&html, rep, a); err != nil {
		panic(err)
	}
	if err := report.WriteMarkdown(&md, rep); err != nil {
		panic(err)
	}
	fmt.Println(rep.Title, rep.Period)
	fmt.Println(bytes.Contains(html.Bytes(), []byte("Content-Security-Policy")))
	// Output:
	// Decoy bucket 2022-02-01 – 2022-02-01 (1 day)
	// true
}
