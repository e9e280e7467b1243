package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/honeyreport/honeyreport/enrich"
)

// Chart is one chart of the report: a container for report.js and the
// chart's options as escaped JSON.
type Chart struct {
	ID    string // element id; the options sit in ID+"-data"
	Title string
	// Desc is the text alternative (aria-label); the table next to every
	// chart holds the same numbers.
	Desc string
	Size string // CSS modifier: "", "tall", "map"
	// JSON is the options wrapper ({"option":..., "tooltip":..., "details":...})
	// encoded with encoding/json's HTML escaping: it contains no '<', '>',
	// '&', U+2028 or U+2029, so it cannot end its <script> element.
	JSON template.JS
	// Static is what the box shows until report.js replaces it: all it
	// shows with scripts off, on screen and in print (svg.go draws it).
	Static Static
}

// chartSpec is what report.js reads. Option is go-echarts' option map.
// Tooltip names the formatter report.js attaches (ECharts tooltips render
// HTML, so every formatter is ours and escapes with echarts.format.encodeHTML).
// Details[series][item] holds extra tooltip lines for an item.
type chartSpec struct {
	Option  map[string]any        `json:"option"`
	Tooltip string                `json:"tooltip"`
	Details [][]map[string]string `json:"details,omitempty"`
}

// chartJSON encodes a spec. encoding/json escapes <, >, & and the line
// separators by default; invalid UTF-8 becomes U+FFFD.
func chartJSON(spec chartSpec) template.JS {
	// go-echarts puts JavaScript source ("__f__function...") into some
	// options when asked to validate; we never evaluate option strings as
	// code, and drop its tooltip formatter so ours applies.
	if t, ok := spec.Option["tooltip"]; ok {
		if tt, ok := t.(opts.Tooltip); ok {
			tt.Formatter = ""
			spec.Option["tooltip"] = tt
		}
	}
	b, err := json.Marshal(spec)
	if err != nil {
		// Options are plain Go values; a failure is a bug in this file.
		panic(fmt.Sprintf("report: encode chart options: %v", err))
	}
	if bytes.ContainsAny(b, "<>&") {
		panic("report: chart JSON not HTML-escaped")
	}
	return template.JS(b) // encoding/json output with HTML escaping, checked above
}

func (b *builder) addChart(id, title, desc, size, tooltip string, c interface{ JSON() map[string]any }, details [][]map[string]string, static Static) {
	b.r.Charts[id] = &Chart{
		ID: "chart-" + id, Title: title, Desc: desc, Size: size,
		JSON:   chartJSON(chartSpec{Option: c.JSON(), Tooltip: tooltip, Details: details}),
		Static: static,
	}
}

const (
	barColor   = "#4f6bed"
	writeColor = "#e5484d"
	otherColor = "#7c7c7c"
)

var (
	// pieColors is ECharts' default palette, which the interactive pies use.
	pieColors = []string{"#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc"}
	opColors  = []string{"#4f6bed", "#12a594", "#e5484d", "#f5a524", "#8e4ec6", "#3e9fd6", "#d6409f", "#6b8e23", "#978365", "#7c7c7c"}
	sevColors = map[enrich.Severity]string{
		enrich.SeverityHigh:        "#e5484d",
		enrich.SeverityWarning:     "#f5a524",
		enrich.SeverityInformation: "#3e9fd6",
		enrich.SeverityNone:        "#4f6bed",
	}
)

func noLegend() charts.GlobalOpts {
	return charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)})
}

func grid(left string) charts.GlobalOpts {
	return charts.WithGridOpts(opts.Grid{Left: left, Right: "24", Top: "16", Bottom: "32", ContainLabel: opts.Bool(true)})
}

func (b *builder) charts() {
	s := b.s
	if s.Events == 0 {
		return
	}
	b.timelineChart()
	b.heatmapChart()

	// Operations: horizontal bars, writes in red.
	var labels []string
	var data []opts.BarData
	var bars []StaticBar
	for _, o := range firstN(b.r.Operations, b.o.TopN) {
		labels = append(labels, plain(o.Label.Short, 40))
		d := opts.BarData{Value: o.Events}
		sb := StaticBar{Label: o.Label.Short, Title: o.Label.Whole(), Value: o.Events, Color: barColor}
		if o.Write {
			d.ItemStyle = &opts.ItemStyle{Color: writeColor}
			sb.Color = writeColor
		}
		data = append(data, d)
		bars = append(bars, sb)
	}
	b.addChart("operations", "Operations", "Alerts per S3 operation; write operations in red.", "", "item",
		hbar(labels, "Alerts", data), nil, Static{Bars: bars, Unit: "alerts"})

	if len(b.r.Errors) > 0 {
		pie := charts.NewPie()
		pie.SetGlobalOptions(charts.WithInitializationOpts(opts.Initialization{ChartID: "chart-errors"}), charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0", Type: "scroll"}))
		var pd []opts.PieData
		var slices []StaticBar
		ok := s.Events
		for i, e := range firstN(b.r.Errors, 8) {
			pd = append(pd, opts.PieData{Name: plain(e.Label.Short, 30), Value: e.Events})
			slices = append(slices, StaticBar{Label: plain(e.Label.Short, 30), Title: e.Label.Whole(), Value: e.Events, Color: pieColors[(i+1)%len(pieColors)]})
			ok -= e.Events
		}
		if ok <= 0 { // no "(no error)" slice shifts the palette
			for i := range slices {
				slices[i].Color = pieColors[i%len(pieColors)]
			}
		}
		if ok > 0 {
			pd = append([]opts.PieData{{Name: "(no error)", Value: ok, ItemStyle: &opts.ItemStyle{Color: "#12a594"}}}, pd...)
			slices = append([]StaticBar{{Label: "(no error)", Value: ok, Color: "#12a594"}}, slices...)
		}
		pie.AddSeries("Result", pd, charts.WithPieChartOpts(opts.PieChart{Radius: []string{"40%", "68%"}, Center: []string{"50%", "45%"}}), charts.WithLabelOpts(opts.Label{Show: opts.Bool(false)}))
		b.addChart("errors", "Error codes", "Share of alerts by error code returned.", "", "pie", pie, nil, Static{Slices: slices, Unit: "alerts"})
	}

	// User agents: the label is cut at its right end, the tooltip shows
	// the whole agent (up to 300 runes).
	labels, data, bars = nil, nil, nil
	var uaDetails []map[string]string
	for _, u := range firstN(b.r.UserAgents, 10) {
		labels = append(labels, plain(u.UA.Short, 36))
		data = append(data, opts.BarData{Value: u.Events})
		bars = append(bars, StaticBar{Label: u.UA.Short, Title: plain(u.UA.Whole(), 300), Value: u.Events, Color: barColor})
		d := map[string]string{"User agent": plain(u.UA.Whole(), 300)}
		if u.Family != "" {
			d["Family"] = u.Family
		}
		uaDetails = append(uaDetails, d)
	}
	b.addChart("useragents", "Top user agents", "Alerts per user agent, top 10.", "tall", "item",
		hbar(labels, "Alerts", data), [][]map[string]string{uaDetails}, Static{Bars: bars, Unit: "alerts"})

	if len(b.r.UAFamilies) > 0 {
		pie := charts.NewPie()
		pie.SetGlobalOptions(charts.WithInitializationOpts(opts.Initialization{ChartID: "chart-uafamilies"}), charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0", Type: "scroll"}))
		var pd []opts.PieData
		var slices []StaticBar
		for i, f := range firstN(b.r.UAFamilies, 10) {
			pd = append(pd, opts.PieData{Name: plain(f.Label.Short, 30), Value: f.Events})
			slices = append(slices, StaticBar{Label: plain(f.Label.Short, 30), Title: f.Label.Whole(), Value: f.Events, Color: pieColors[i%len(pieColors)]})
		}
		pie.AddSeries("Family", pd, charts.WithPieChartOpts(opts.PieChart{Radius: []string{"40%", "68%"}, Center: []string{"50%", "45%"}}), charts.WithLabelOpts(opts.Label{Show: opts.Bool(false)}))
		b.addChart("uafamilies", "User-agent families", "Share of alerts by client family.", "tall", "pie", pie, nil, Static{Slices: slices, Unit: "alerts"})
	}

	labels, data, bars = nil, nil, nil
	for _, c := range firstN(b.countries, b.o.TopN) {
		labels = append(labels, plain(orDefault(c.Name, c.Code), 30))
		data = append(data, opts.BarData{Value: c.Events})
		bars = append(bars, StaticBar{Label: labels[len(labels)-1], Title: orDefault(c.Name, c.Code), Value: c.Events, Color: barColor})
	}
	b.addChart("countries", "Top countries", "Alerts per country of the source IP.", "tall", "item", hbar(labels, "Alerts", data), nil, Static{Bars: bars, Unit: "alerts"})
	b.mapChart()

	if len(b.asns) > 0 {
		labels, data, bars = nil, nil, nil
		var det []map[string]string
		for _, a := range firstN(b.asns, b.o.TopN) {
			labels = append(labels, a.ASN+" "+plain(a.Org.Short, 28))
			data = append(data, opts.BarData{Value: a.Events})
			bars = append(bars, StaticBar{Label: labels[len(labels)-1], Title: a.ASN + " " + a.Org.Whole(), Value: a.Events, Color: barColor})
			d := map[string]string{"Organisation": plain(a.Org.Short, 100), "IPs": strconv.Itoa(a.IPs)}
			if a.Hosting {
				d["Hosting"] = "yes"
			}
			det = append(det, d)
		}
		b.addChart("asns", "Top networks (ASN)", "Alerts per autonomous system.", "tall", "item", hbar(labels, "Alerts", data), [][]map[string]string{det}, Static{Bars: bars, Unit: "alerts"})
	}

	if b.r.Threat.Flagged > 0 {
		labels, data, bars = nil, nil, nil
		for _, c := range b.r.Threat.BySeverity {
			color := sevColors[enrich.Severity(c.Label.Short)]
			labels = append(labels, c.Label.Short)
			data = append(data, opts.BarData{Value: c.Events, ItemStyle: &opts.ItemStyle{Color: color}})
			bars = append(bars, StaticBar{Label: c.Label.Short, Title: c.Label.Whole(), Value: c.Events, Color: color})
		}
		b.addChart("threat", "Flagged IPs by severity", "Number of source IPs per highest threat-intelligence severity.", "", "item", hbar(labels, "IPs", data), nil, Static{Bars: bars, Unit: "IPs"})
	}
}

// hbar is a horizontal bar chart with categories top to bottom.
func hbar(labels []string, name string, data []opts.BarData) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		noLegend(), grid("8"),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", MinInterval: 1, SplitLine: &opts.SplitLine{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: labels, Inverse: opts.Bool(true), AxisLabel: &opts.AxisLabel{Interval: "0"}}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "item"}),
	)
	bar.AddSeries(name, data, charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "30%"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: barColor, BorderRadius: "0"}))
	return bar
}

func (b *builder) timelineChart() {
	s := b.s
	if len(s.Days) == 0 {
		return
	}
	days := make([]string, len(s.Days))
	for i, d := range s.Days {
		days[i] = formatTime(d, dateFmt)
	}
	// Over long periods open on the last 120 days, where an analyst looks
	// first; the slider below shows the whole range.
	var start float32
	if n := len(days); n > 180 {
		start = float32(100 * (1 - 120/float64(n)))
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Type: "scroll"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Top: "40", Bottom: "56", ContainLabel: opts.Bool(true)}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis", AxisPointer: &opts.AxisPointer{Type: "shadow"}}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "alerts", MinInterval: 1}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside", Start: start, End: 100}, opts.DataZoom{Type: "slider", Start: start, End: 100}),
	)
	bar.SetXAxis(days)
	x, bucket := timeBuckets(s.Days)
	stack := &StaticStack{X: x}
	add := func(name, color string, counts []int64) {
		v := make([]int64, len(x))
		for d, n := range counts {
			v[bucket[d]] += n
		}
		stack.Series = append(stack.Series, StaticSeries{Name: name, Color: color, Values: v})
	}
	// At most 7 operations get their own colour; the rest stack as "Other".
	const maxOps = 7
	other := make([]int64, len(s.Days))
	hasOther := false
	for i, ser := range s.Daily {
		if i >= maxOps {
			for d, n := range ser.Counts {
				other[d] += n
			}
			hasOther = true
			continue
		}
		name, color := plain(string(ser.Op), 30), opColors[i%len(opColors)]
		bar.AddSeries(name, barData(ser.Counts), charts.WithBarChartOpts(opts.BarChart{Stack: "ops", BarCategoryGap: "20%"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))
		add(name, color, ser.Counts)
	}
	if hasOther {
		bar.AddSeries("Other", barData(other), charts.WithBarChartOpts(opts.BarChart{Stack: "ops"}), charts.WithItemStyleOpts(opts.ItemStyle{Color: otherColor}))
		add("Other", otherColor, other)
	}
	bar.Validate()
	b.addChart("timeline", "Alerts per day", fmt.Sprintf("Daily alerts from %s to %s, stacked by operation; drag the slider or scroll to zoom.", days[0], days[len(days)-1]), "wide", "axis", bar, nil, Static{Stack: stack, Unit: "alerts"})
}

// timeBuckets groups days for the static timeline, which has no zoom:
// one bar a day up to about three months, then one a week (from Monday)
// up to two years, then one a month. It returns the buckets' labels and
// each day's bucket.
func timeBuckets(days []time.Time) (labels []string, bucket []int) {
	span := days[len(days)-1].Sub(days[0]).Hours() / 24
	start := func(d time.Time) time.Time { return d }
	layout := dateFmt
	switch {
	case span > 730:
		start = func(d time.Time) time.Time { return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC) }
		layout = "2006-01"
	case span > 92:
		start = func(d time.Time) time.Time { return d.AddDate(0, 0, -(int(d.Weekday())+6)%7) }
	}
	bucket = make([]int, len(days))
	var last time.Time
	for i, d := range days {
		k := start(d.UTC())
		if len(labels) == 0 || !k.Equal(last) {
			labels = append(labels, formatTime(k, layout))
			last = k
		}
		bucket[i] = len(labels) - 1
	}
	return labels, bucket
}

func barData(counts []int64) []opts.BarData {
	out := make([]opts.BarData, len(counts))
	for i, n := range counts {
		out[i] = opts.BarData{Value: n}
	}
	return out
}

var weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

func (b *builder) heatmapChart() {
	hm := charts.NewHeatMap()
	hours := make([]string, 24)
	for h := range hours {
		hours[h] = fmt.Sprintf("%02d", h)
	}
	var data []opts.HeatMapData
	var maxN int64
	for row, wd := range []int{1, 2, 3, 4, 5, 6, 0} { // Monday first
		for h := 0; h < 24; h++ {
			n := b.s.HourByWeekday[wd][h]
			if n > maxN {
				maxN = n
			}
			data = append(data, opts.HeatMapData{Value: [3]int64{int64(h), int64(row), n}})
		}
	}
	hm.SetGlobalOptions(
		noLegend(),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "16", Top: "8", Bottom: "64", ContainLabel: opts.Bool(true)}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "item"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: hours, Name: "hour (UTC)", NameLocation: "middle", NameGap: 28, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: weekdays, Inverse: opts.Bool(true), SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{
			Calculable: opts.Bool(false), Min: 0, Max: float32(max(maxN, 1)), Orient: "horizontal", Left: "center", Bottom: "0",
			InRange: &opts.VisualMapInRange{Color: []string{"#eef1fd", "#93a5f5", "#4f6bed", "#2b3a9e"}},
		}),
	)
	hm.AddSeries("Alerts", data)
	var cells [7][24]int64
	for row, wd := range []int{1, 2, 3, 4, 5, 6, 0} {
		cells[row] = b.s.HourByWeekday[wd]
	}
	b.addChart("weekday", "Hour of day × weekday", "Alerts by UTC hour (columns) and weekday (rows).", "", "heatmap", hm, nil, Static{Heat: &cells, Unit: "alerts"})
}

// maxLocations bounds the map's bubbles: a city database can yield
// thousands of locations; the busiest ones carry the picture and keep the
// page small.
const maxLocations = 400

type location struct {
	key      [2]float64
	name     string
	events   int64
	ips      int
	severity enrich.Severity
	// asns and uas count events by AS and by each source's top user
	// agent, before labelling; only for the locations shown.
	asns map[asnKey]int64
	uas  map[string]int64
}

type asnKey struct {
	number uint32
	org    string
}

func (k asnKey) label() string {
	return "AS" + strconv.FormatUint(uint64(k.number), 10) + " " + plain(k.org, 50)
}

func uaLabel(ua string) string { return plain(orNone(ua), 100) }

// topLabel is topKey of m's counts by label: keys that read the same once
// labelled add up. Labelling each distinct key once, not each source,
// saves most of the work on large inputs.
func topLabel[K comparable](m map[K]int64, label func(K) string) string {
	named := make(map[string]int64, len(m))
	for k, n := range m {
		named[label(k)] += n
	}
	best, _ := topKey(named)
	return best
}

// locations groups the sources with coordinates into map locations, and
// counts ASes and user agents for the busiest maxLocations, which are
// returned sorted by events. It also returns how many locations there are
// and the events of the busiest one (at least 1).
func (b *builder) locations() (shown []*location, total int, maxEv int64) {
	idx := map[[2]float64]int{}
	var locs []location
	ipLoc := make([]int, len(b.s.IPs)) // index into locs, or -1
	for i, ip := range b.s.IPs {
		ipLoc[i] = -1
		p := b.all.profiles.get(i)
		if !p.Geo.HasLocation() {
			continue
		}
		key := [2]float64{math.Round(p.Geo.Lat*10) / 10, math.Round(p.Geo.Lon*10) / 10}
		j, ok := idx[key]
		if !ok {
			name := orDefault(p.Geo.CountryName, p.Geo.CountryCode)
			if p.Geo.City != "" {
				name = p.Geo.City + ", " + name
			}
			j = len(locs)
			idx[key] = j
			locs = append(locs, location{key: key, name: plain(name, 60)})
		}
		l := &locs[j]
		l.events += ip.Events
		l.ips++
		if s := p.Severity(); s.Rank() > l.severity.Rank() {
			l.severity = s
		}
		ipLoc[i] = j
	}
	maxEv = 1
	shown = make([]*location, len(locs))
	for j := range locs {
		shown[j] = &locs[j]
		maxEv = max(maxEv, locs[j].events)
	}
	shown = smallest(shown, maxLocations, func(x, y *location) bool {
		if x.events != y.events {
			return x.events > y.events
		}
		if x.key[0] != y.key[0] {
			return x.key[0] < y.key[0]
		}
		return x.key[1] < y.key[1]
	})
	for _, l := range shown {
		l.asns, l.uas = map[asnKey]int64{}, map[string]int64{}
	}
	for i, j := range ipLoc {
		if j < 0 || locs[j].asns == nil {
			continue
		}
		ip, p := b.s.IPs[i], b.all.profiles.get(i)
		if p.ASN.HasASN() {
			locs[j].asns[asnKey{p.ASN.Number, p.ASN.Org}] += ip.Events
		}
		if ua, n := ip.TopUserAgent(); n > 0 {
			locs[j].uas[ua] += n
		}
	}
	return shown, len(locs), maxEv
}

func (b *builder) mapChart() {
	list, total, maxEv := b.locations()
	b.r.Locations = total
	b.r.LocationsShown = len(list)
	geo := charts.NewGeo()
	geo.SetGlobalOptions(
		charts.WithGeoComponentOpts(opts.GeoComponent{Map: "world", ItemStyle: &opts.ItemStyle{AreaColor: "#dfe3ea", BorderColor: "#ffffff"}}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(b.r.Threat.Ran), Bottom: "0"}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "item"}),
	)
	order := []enrich.Severity{enrich.SeverityNone, enrich.SeverityInformation, enrich.SeverityWarning, enrich.SeverityHigh}
	names := map[enrich.Severity]string{enrich.SeverityNone: "No verdict", enrich.SeverityInformation: "Information", enrich.SeverityWarning: "Warning", enrich.SeverityHigh: "High"}
	if !b.r.Threat.Ran {
		names[enrich.SeverityNone] = "Sources"
	}
	var details [][]map[string]string
	var points []StaticPoint
	var keys []StaticBar
	for _, sev := range order {
		var data []opts.ScatterData
		var det []map[string]string
		for _, l := range list {
			if l.severity != sev {
				continue
			}
			size := 6 + int(math.Round(30*math.Sqrt(float64(l.events)/float64(maxEv))))
			data = append(data, opts.ScatterData{Name: l.name, Value: []float64{l.key[1], l.key[0], float64(l.events)}, SymbolSize: size})
			points = append(points, StaticPoint{Lon: l.key[1], Lat: l.key[0], Size: size, Color: sevColors[sev], Title: l.name, Value: l.events})
			asn := topLabel(l.asns, asnKey.label)
			ua := topLabel(l.uas, uaLabel)
			d := map[string]string{"Alerts": num(l.events), "IPs": strconv.Itoa(l.ips), "Top ASN": orDefault(asn, "unknown"), "Top user agent": ua}
			if b.r.Threat.Ran {
				d["Severity"] = orDefault(string(l.severity), "none")
			}
			det = append(det, d)
		}
		if len(data) == 0 && (sev != enrich.SeverityNone || !b.r.Threat.Ran) {
			continue
		}
		geo.MultiSeries = append(geo.MultiSeries, charts.SingleSeries{
			Name: names[sev], Type: "scatter", CoordSystem: "geo", Data: data,
			ItemStyle: &opts.ItemStyle{Color: sevColors[sev], Opacity: opts.Float(0.75), BorderColor: "#ffffff", BorderWidth: 1},
		})
		details = append(details, det)
		keys = append(keys, StaticBar{Label: names[sev], Color: sevColors[sev]})
	}
	if !b.r.Threat.Ran {
		keys = nil // one colour, as the interactive map has no legend then
	}
	b.addChart("map", "Where the sources are", "World map with one bubble per location, sized by alerts"+map[bool]string{true: " and coloured by threat severity.", false: "."}[b.r.Threat.Ran], "map", "map", geo, details, Static{Points: points, Legend: keys, Unit: "alerts"})
}
