package report

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/honeyreport/honeyreport/assets"
)

// SiteIndex is a published site's front page (package site lays the site
// out): one row per period, read from the periods' stored JSON summaries,
// and the trend across them. Every string in it may come from a log or a
// provider and is escaped when written.
type SiteIndex struct {
	Title       string
	GeneratedAt time.Time
	ToolVersion string
	// Periods are newest first.
	Periods []SitePeriod
	// Latest, Feed and History are the site's other pages, relative to
	// the front page.
	Latest, Feed, History string
}

// SitePeriod is one period of a site.
type SitePeriod struct {
	Name  string // "2026-W48"
	Label string // the window's label, "" without one
	// Href is the period's report relative to the front page; Files are
	// its other files (summary.json, events.csv.gz, digest.html).
	Href             string
	Files            []SiteFile
	Alerts, Attempts int64
	UniqueIPs        int
	// NewSources counts the sources not in the period's baseline; -1
	// when the period was compared with nothing.
	NewSources int
	Writes     int64
	// TopCountry (a code) and TopASN ("AS64500 Example Org") name the
	// busiest of each, "" when none was located; TopCountryName is the
	// country's name.
	TopCountry, TopCountryName, TopASN string
	TIHigh                             int // sources with a high threat-intelligence verdict
}

// SiteFile is a file of a period, linked from the front page.
type SiteFile struct{ Name, Href string }

// sitePage is what site.html renders.
type sitePage struct {
	Title, GeneratedAt, ToolVersion string
	Latest, Feed, History           string
	Rows                            []siteRow
	Trend                           *Chart
	CSP                             string
	CSS                             template.CSS
	ECharts, JS                     template.JS
}

type siteRow struct {
	Name, Label                   Text
	Href                          string
	Files                         []SiteFile
	Alerts, Attempts, Writes      int64
	UniqueIPs, NewSources, TIHigh int
	HasNewSources                 bool
	TopCountry, TopASN            Text
	TopCountryName                string
	AlertsBar                     float64
}

// WriteSiteHTML writes the front page of a site: self-contained, under
// the same Content-Security-Policy as a report, its trend chart drawn as
// static SVG that ECharts replaces when script runs.
func WriteSiteHTML(w io.Writer, idx *SiteIndex, a assets.Assets) error {
	t, err := parseTemplates("")
	if err != nil {
		return err
	}
	a, err = inlineAssets(a)
	if err != nil {
		return err
	}
	p := sitePage{
		Title: clean(idx.Title, 200), GeneratedAt: formatTime(idx.GeneratedAt, time.RFC3339), ToolVersion: idx.ToolVersion,
		Latest: idx.Latest, Feed: idx.Feed, History: idx.History,
		Trend: trendChart(idx.Periods),
		// Our own stylesheet, vendored ECharts and our script; never data.
		CSS: template.CSS(a.CSS), ECharts: template.JS(a.ECharts), JS: template.JS(a.JS),
		CSP: contentSecurityPolicy([]string{a.ECharts, a.JS}, []string{a.CSS}),
	}
	var most int64
	for _, sp := range idx.Periods {
		most = max(most, sp.Alerts)
	}
	for _, sp := range idx.Periods {
		row := siteRow{
			Name: newText(sp.Name, 40), Label: newText(sp.Label, 80), Href: sp.Href, Files: sp.Files,
			Alerts: sp.Alerts, Attempts: sp.Attempts, Writes: sp.Writes, UniqueIPs: sp.UniqueIPs,
			NewSources: sp.NewSources, HasNewSources: sp.NewSources >= 0, TIHigh: sp.TIHigh,
			TopCountry: newText(sp.TopCountry, 8), TopCountryName: clean(sp.TopCountryName, 80), TopASN: newText(sp.TopASN, 28),
		}
		if most > 0 {
			row.AlertsBar = float64(sp.Alerts) / float64(most)
		}
		p.Rows = append(p.Rows, row)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := t.ExecuteTemplate(bw, "site.html", p); err != nil {
		return fmt.Errorf("render site index: %w", err)
	}
	return bw.Flush()
}

// trendChart is alerts per period, oldest first; nil without periods.
func trendChart(periods []SitePeriod) *Chart {
	if len(periods) == 0 {
		return nil
	}
	x := make([]string, len(periods))
	values := make([]int64, len(periods))
	data := make([]opts.BarData, len(periods))
	for i := range periods {
		sp := periods[len(periods)-1-i]
		x[i] = plain(sp.Name, 30)
		values[i] = sp.Alerts
		data[i] = opts.BarData{Value: sp.Alerts}
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		noLegend(),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Top: "24", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis", AxisPointer: &opts.AxisPointer{Type: "shadow"}}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "alerts", MinInterval: 1}),
	)
	bar.SetXAxis(x)
	bar.AddSeries("Alerts", data, charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "30%"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: barColor}))
	bar.Validate()
	return &Chart{
		ID: "chart-trend", Title: "Alerts per period", Size: "wide",
		Desc:   fmt.Sprintf("Alerts in each of %s, oldest first; the table below holds the same numbers.", Plural(int64(len(periods)), "period")),
		JSON:   chartJSON(chartSpec{Option: bar.JSON(), Tooltip: "axis"}),
		Static: Static{Stack: &StaticStack{X: x, Series: []StaticSeries{{Name: "Alerts", Color: barColor, Values: values}}}, Unit: "alerts"},
	}
}

// FindingsHTML renders key findings Markdown (SummaryJSON.KeyFindings) as
// HTML with raw HTML off, as the report shows them: for a feed entry.
func FindingsHTML(md string) string { return string(renderMarkdown([]byte(md), false)) }
