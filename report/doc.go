// Package report turns an aggregated, enriched summary into what people
// read: one self-contained HTML file, and a Markdown summary for an email
// body or a README; and into what programs read: the JSON summary
// (json.go, schema honeyreport.summary/v1) and the per-event CSV/NDJSON
// export (export.go), whose cells a spreadsheet cannot execute.
//
// It is the pipeline's last stage: main calls Build once with the
// aggregate.Summary and the enrich.Profiles, and every renderer reads the
// Report it returns: WriteHTML, WriteMarkdown and NewSummaryJSON. Build
// does every computation (tallies, sorting, shares, top-N, truncation,
// chart options) so that renderers and templates only loop and print;
// the complete values the display rows are cut from stay in the Report
// for renderers that list everything, such as the JSON summary. An IP's
// enrichment has one output shape, IPProfile, in the summary, the export
// and honeyreport lookup.
//
// Files: model.go holds the Report and its row types, build.go the
// builder, format.go the formatting of times, counts, sizes and links,
// text.go the cleaning of untrusted strings, tally.go the counts shared
// by several parts; one file per renderer (html.go, markdown.go, json.go,
// export.go, charts.go). charts.go also fills each chart's Static data,
// which svg.go and svgmap.go (the world outline, from the embedded
// TopoJSON) draw as the inline SVG the HTML shows without JavaScript.
//
// Everything that came from a log, a WHOIS server or a threat-intelligence
// provider is hostile. The HTML writer relies on html/template for text and
// attributes, serialises chart options with encoding/json's HTML escaping
// into <script type="application/json"> elements that report.js reads with
// JSON.parse (never go-echarts' page renderer, which loads from a CDN and
// turns escaping off), renders Markdown with goldmark with raw HTML and
// resource-loading URLs removed, and sends a Content-Security-Policy that
// admits only the page's own inline code, by hash, and no network at all.
//
// Output is deterministic: Build never reads the clock (the generation
// time comes in Options) and every list is sorted with ties broken.
package report
