package report

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/ingest"
)

const (
	defaultMaxEventRows = 500
	// maxIPRows bounds the repeat-IP table; the JSON summary has them all.
	maxIPRows = 250
	// maxNotableRows bounds each notable-event table.
	maxNotableRows = 100
	defaultTopN    = 15
)

// defaultTitle names the report after the bucket most seen: analysts
// running several honeybuckets tell the reports apart by it.
func defaultTitle(s *aggregate.Summary) string {
	if s == nil || len(s.Buckets) == 0 {
		return "Honeybucket report"
	}
	t := "Honeybucket report: " + s.Buckets[0].Key
	if n := len(s.Buckets) - 1; n == 1 {
		t += " and 1 more bucket"
	} else if n > 1 {
		t += fmt.Sprintf(" and %d more buckets", n)
	}
	return t
}

// Build turns a summary and its enrichment into a Report. It does not read
// the clock or the environment, so equal inputs give equal reports.
func Build(in Input) *Report {
	o := in.Options
	if o.Title == "" {
		o.Title = defaultTitle(in.Summary)
	}
	if o.MaxEventRows <= 0 {
		o.MaxEventRows = defaultMaxEventRows
	}
	if o.TopN <= 0 {
		o.TopN = defaultTopN
	}
	if o.ThreatIntelHint == "" {
		o.ThreatIntelHint = "--ti PROVIDER (AlienVault OTX, AbuseIPDB, GreyNoise ...) or --feed FILE"
	}
	s := in.Summary
	if s == nil {
		s = &aggregate.Summary{}
	}
	b := &builder{in: in, o: o, s: s, profiles: in.Profiles, all: &facts{
		generatedAt: o.GeneratedAt, toolVersion: o.ToolVersion, sum: s, profiles: profilesOf(s.IPs, in.Profiles),
		store: in.Profiles, classify: in.UAFamily, statuses: in.Statuses, sources: in.Sources,
	}}
	return b.build()
}

type builder struct {
	in       Input
	o        Options
	s        *aggregate.Summary
	profiles *enrich.Profiles
	all      *facts
	r        *Report

	countries []CountryRow
	asns      []ASNRow
}

func (b *builder) build() *Report {
	s, o := b.s, b.o
	r := &Report{
		Title:       clean(o.Title, 200),
		ToolVersion: clean(o.ToolVersion, 100),
		Empty:       s.Events == 0,
		EventsTotal: s.Events,
		ExportHint:  clean(o.ExportHint, 200),
		Charts:      map[string]*Chart{},
		all:         b.all,
	}
	b.r = r
	r.GeneratedAt = formatTime(o.GeneratedAt, time.RFC3339)
	if !s.FirstSeen.IsZero() {
		days := int(s.LastSeen.UTC().Truncate(24*time.Hour).Sub(s.FirstSeen.UTC().Truncate(24*time.Hour)).Hours()/24) + 1
		r.Period = fmt.Sprintf("%s – %s (%s)", formatTime(s.FirstSeen, dateFmt), formatTime(s.LastSeen, dateFmt), Plural(int64(days), "day"))
	}
	b.counts()
	b.geography()
	b.ips()
	b.threat()
	b.notable()
	b.events()
	b.inputs()
	b.opQuality()
	b.limits()
	b.sources()
	b.headline()
	b.windowed()
	b.compared()
	r.FindingsMarkdown = b.findings()
	r.Findings = renderMarkdown([]byte(r.FindingsMarkdown), false)
	if len(bytesTrim(o.NotesMarkdown)) > 0 {
		r.NotesMarkdown = string(o.NotesMarkdown)
		r.Notes = renderMarkdown(o.NotesMarkdown, o.AllowNotesHTML)
	}
	b.bars()
	b.charts()
	return r
}

// bars scales each table's inline bars to its largest row.
func (b *builder) bars() {
	r := b.r
	scale := func(n, top int64) float64 {
		if top <= 0 {
			return 0
		}
		return float64(n) / float64(top)
	}
	var top int64
	for _, m := range r.Monthly {
		top = max(top, m.Events)
	}
	for i := range r.Monthly {
		r.Monthly[i].Bar = scale(r.Monthly[i].Events, top)
	}
	for _, rows := range [][]CountRow{r.Operations, r.Errors, r.UAFamilies} {
		if len(rows) == 0 {
			continue
		}
		for i := range rows {
			rows[i].Bar = scale(rows[i].Events, rows[0].Events)
		}
	}
	for i := range r.UserAgents {
		r.UserAgents[i].Bar = scale(r.UserAgents[i].Events, r.UserAgents[0].Events)
	}
	for i := range r.Countries {
		r.Countries[i].Bar = scale(r.Countries[i].Events, r.Countries[0].Events)
	}
	for i := range r.ASNs {
		r.ASNs[i].Bar = scale(r.ASNs[i].Events, r.ASNs[0].Events)
	}
}

func bytesTrim(p []byte) string { return strings.TrimSpace(string(p)) }

func (b *builder) share(n int64) float64 {
	if b.s.Events == 0 {
		return 0
	}
	return float64(n) / float64(b.s.Events)
}

func (b *builder) counts() {
	s, r := b.s, b.r
	for _, m := range s.Monthly {
		r.Monthly = append(r.Monthly, MonthRow{Month: m.Month, Events: m.Events, Share: b.share(m.Events)})
	}
	for _, c := range s.Operations {
		r.Operations = append(r.Operations, CountRow{Label: newText(c.Key, 60), Events: c.Events, Attempts: c.Attempts, Share: b.share(c.Events), Write: ingest.Operation(c.Key).IsWrite()})
	}
	for _, c := range s.Errors {
		r.Errors = append(r.Errors, CountRow{Label: newText(c.Key, 60), Events: c.Events, Attempts: c.Attempts, Share: b.share(c.Events)})
	}
	r.UATotal = len(s.UserAgents)
	if b.in.UAFamily != nil {
		b.all.uaFamily = make([]string, len(s.UserAgents))
		for i, c := range s.UserAgents {
			b.all.uaFamily[i] = b.in.UAFamily(c.Key)
		}
		b.all.families = tallyFamilies(s.UserAgents, b.all.uaFamily)
	}
	for i, c := range firstN(s.UserAgents, b.o.TopN*2) {
		row := UARow{UA: newText(orNone(c.Key), 140), Events: c.Events, Share: b.share(c.Events)}
		if b.all.uaFamily != nil {
			row.Family = clean(b.all.uaFamily[i], 60)
		}
		r.UserAgents = append(r.UserAgents, row)
	}
	for _, f := range b.all.families {
		r.UAFamilies = append(r.UAFamilies, CountRow{Label: Text{Short: clean(f.Family, 60)}, Events: f.Events, Attempts: f.Attempts, Share: b.share(f.Events)})
	}
}

func (b *builder) geography() {
	b.all.countries, b.all.asns = tallyGeography(b.s.IPs, b.all.profiles)
	for _, c := range b.all.countries {
		code, name := c.Code, c.Name
		if code == "" {
			name = "Unknown"
		}
		b.countries = append(b.countries, CountryRow{Code: clean(code, 3), Name: clean(orDefault(name, code), 60),
			Events: c.Events, IPs: c.IPs, Share: b.share(c.Events)})
	}
	b.r.Countries = b.countries
	for _, a := range b.all.asns {
		b.asns = append(b.asns, ASNRow{ASN: "AS" + strconv.FormatUint(uint64(a.ASN), 10), Org: newText(a.Org, 60), Hosting: a.Hosting,
			Events: a.Events, IPs: a.IPs, Share: b.share(a.Events)})
	}
	b.r.ASNTotal = len(b.asns)
	b.r.ASNs = firstN(b.asns, b.o.TopN*2)
	b.networks()
}

// networks fills the table of the /24 (IPv4) or /48 (IPv6) networks the
// sources are in. Most of tens of thousands of networks are never shown,
// so the organisation is worked out only for the ones that are. Networks
// are counted under a number rather than a netip.Prefix: two million
// sources can be in two million networks, and the count of each is then
// 24 bytes, not a prefix, its name and a map entry holding a pointer.
func (b *builder) networks() {
	idx := map[uint64]int32{}
	var ns []netCount
	ipNet := make([]int32, len(b.s.IPs)) // index into ns, or -1
	for i, ip := range b.s.IPs {
		ipNet[i] = -1
		k, ok := netKey(ip.Addr)
		if !ok {
			continue
		}
		j, ok := idx[k]
		if !ok {
			j = int32(len(ns))
			idx[k] = j
			ns = append(ns, netCount{key: k})
		}
		ns[j].events += ip.Events
		ns[j].ips++
		ipNet[i] = j
	}
	idx = nil
	var shown []*netAgg
	for j, n := range ns {
		if n.ips < 2 && len(ns) > b.o.TopN*2 {
			// Single-address networks add nothing to "which networks
			// send many sources" once the table is long.
			continue
		}
		shown = append(shown, &netAgg{net: int32(j), name: netPrefix(n.key).String(), events: n.events, ips: int(n.ips)})
	}
	shown = smallest(shown, b.o.TopN*2, func(x, y *netAgg) bool {
		if x.ips != y.ips {
			return x.ips > y.ips
		}
		if x.events != y.events {
			return x.events > y.events
		}
		return x.name < y.name
	})
	byNet := make(map[int32]*netAgg, len(shown))
	for _, n := range shown {
		n.orgs = map[string]int64{}
		byNet[n.net] = n
	}
	for i, j := range ipNet {
		if n := byNet[j]; j >= 0 && n != nil {
			if org := b.all.profiles.get(i).ASN.Org; org != "" {
				n.orgs[org] += b.s.IPs[i].Events
			}
		}
	}
	for _, n := range shown {
		org, _ := topKey(n.orgs)
		b.r.Networks = append(b.r.Networks, NetRow{Prefix: n.name, Org: newText(org, 60), Events: n.events, IPs: n.ips})
	}
	b.r.NetTotal = len(ns)
}

// netCount counts the sources of one network, named by netKey.
type netCount struct {
	key    uint64
	events int64
	ips    int32
}

// netKey numbers the /24 (IPv4, IPv4-mapped) or /48 (IPv6) network of
// addr; the top bits tell the families apart.
func netKey(addr netip.Addr) (uint64, bool) {
	a := addr.Unmap()
	b := a.As16()
	switch {
	case a.Is4():
		return 1<<62 | uint64(b[12])<<16 | uint64(b[13])<<8 | uint64(b[14]), true
	case a.Is6():
		return 2<<62 | uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24 | uint64(b[3])<<16 | uint64(b[4])<<8 | uint64(b[5]), true
	}
	return 0, false
}

// netPrefix is the network netKey numbered k.
func netPrefix(k uint64) netip.Prefix {
	if k>>62 == 1 {
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(k >> 16), byte(k >> 8), byte(k)}), 24)
	}
	var b [16]byte
	for i := range 6 {
		b[i] = byte(k >> (40 - 8*i))
	}
	return netip.PrefixFrom(netip.AddrFrom16(b), 48)
}

type netAgg struct {
	net    int32  // index of the network's netCount
	name   string // prefix as text, for the table and to break ties
	events int64
	ips    int
	orgs   map[string]int64 // events per AS organisation
}

func topKey(m map[string]int64) (string, int64) {
	best, n := "", int64(-1)
	for k, c := range m {
		if c > n || (c == n && k < best) {
			best, n = k, c
		}
	}
	if n < 0 {
		return "", 0
	}
	return best, n
}

func firstN[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// smallest returns the first n elements of s in the order of less, which
// must be total, sorted; it reorders s. It equals sorting s and keeping n,
// but tables show the top rows of lists of tens of thousands, and keeping
// the n best in a heap while scanning costs far less than a full sort.
func smallest[T any](s []T, n int, less func(x, y T) bool) []T {
	n = max(n, 0)
	if len(s) > n && n > 0 {
		// h is a max-heap of the n smallest seen so far: h[0] is the
		// largest of them, the one the next smaller element replaces.
		h := s[:n]
		for i := n/2 - 1; i >= 0; i-- {
			siftDown(h, i, less)
		}
		for _, x := range s[n:] {
			if less(x, h[0]) {
				h[0] = x
				siftDown(h, 0, less)
			}
		}
	}
	s = firstN(s, n)
	sort.Slice(s, func(i, j int) bool { return less(s[i], s[j]) })
	return s
}

// siftDown restores the max-heap order of h below i.
func siftDown[T any](h []T, i int, less func(x, y T) bool) {
	for {
		big, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && less(h[big], h[l]) {
			big = l
		}
		if r < len(h) && less(h[big], h[r]) {
			big = r
		}
		if big == i {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}

func (b *builder) ipRow(ip *aggregate.IPStats) IPRow {
	ua, _ := ip.TopUserAgent()
	row := IPRow{
		IP: clean(ip.Source(), 100), Events: ip.Events, Attempts: ip.Attempts, Writes: ip.Writes,
		First: formatTime(ip.FirstSeen, timeFmt), Last: formatTime(ip.LastSeen, timeFmt), TopUA: newText(orNone(ua), 80), UAs: ip.UserAgents(),
	}
	if ip.Addr.IsValid() {
		p, _ := b.profiles.Lookup(ip.Addr)
		row.Class = clean(string(p.Class), 20)
		row.Country = clean(p.Geo.CountryCode, 3)
		row.CountryName = clean(p.Geo.CountryName, 60)
		if p.ASN.HasASN() {
			row.ASN = "AS" + strconv.FormatUint(uint64(p.ASN.Number), 10)
		}
		row.Org = newText(p.ASN.Org, 40)
		row.Hosting = p.ASN.Hosting
		row.Severity = string(p.Severity())
	}
	return row
}

func (b *builder) ips() {
	r := b.r
	r.IPTotal = len(b.s.IPs)
	for _, ip := range b.s.IPs {
		if ip.Events > 1 {
			r.RepeatTotal++
			if len(r.RepeatIPs) < maxIPRows {
				r.RepeatIPs = append(r.RepeatIPs, b.ipRow(ip))
			}
		}
		if len(r.TopIPs) < b.o.TopN {
			r.TopIPs = append(r.TopIPs, b.ipRow(ip))
		}
	}
	for _, ip := range firstN(b.s.NonIPSources, b.o.TopN) {
		r.NonIP = append(r.NonIP, b.ipRow(ip))
	}
}

func (b *builder) threat() {
	t := &b.r.Threat
	t.Hint = b.o.ThreatIntelHint
	for _, p := range b.in.ThreatIntel {
		t.Providers = append(t.Providers, clean(p, 60))
	}
	sort.Strings(t.Providers)
	t.Ran = len(t.Providers) > 0
	b.threatProblems()
	// Only addresses with verdicts are listed, and without threat
	// intelligence there are none: sort and count just those.
	addrs := b.profiles.WithThreat()
	var place map[netip.Addr]int // in s.IPs
	if len(addrs) > 0 {
		place = make(map[netip.Addr]int, len(b.s.IPs))
		for i, ip := range b.s.IPs {
			place[ip.Addr] = i
		}
	}
	sev := map[string]int64{}
	prov := map[string]*ProviderRow{}
	for _, a := range addrs {
		p, _ := b.profiles.Lookup(a)
		i, listed := place[a]
		var events int64
		if listed {
			events = b.s.IPs[i].Events
		}
		t.Ran = true
		if s := p.Severity(); s.Rank() > 0 {
			t.Flagged++
			sev[string(s)]++
		}
		if len(p.Threat) > 0 {
			ru := NewRollUp(&p)
			t.RollUp = append(t.RollUp, RollUpRow{
				IP: a.String(), Events: events, Severity: ru.Severity, Flagged: ru.Flagged, Answered: ru.Answered,
				FlaggedBy: newText(strings.Join(ru.FlaggedBy, ", "), 120), Categories: newText(strings.Join(ru.Categories, ", "), 160),
				RollUp: ru,
			})
		}
		for j, v := range p.Threat {
			name := clean(v.Provider, 60)
			pr := prov[name]
			if pr == nil {
				pr = &ProviderRow{Provider: name}
				prov[name] = pr
			}
			switch v.Severity {
			case enrich.SeverityHigh:
				pr.High++
			case enrich.SeverityWarning:
				pr.Warning++
			case enrich.SeverityInformation:
				pr.Information++
			default:
				pr.Clean++
			}
			if listed && v.Severity != enrich.SeverityNone {
				b.all.verdicts = append(b.all.verdicts, ipVerdict{ip: i, v: &p.Threat[j]})
			}
			if v.Severity.Rank() == 0 {
				continue
			}
			row := ThreatRow{
				IP: a.String(), Events: events, Provider: name, Severity: string(v.Severity),
				Categories: newText(strings.Join(v.Categories, ", "), 120),
				Reference:  newText(v.Reference, 100),
			}
			if v.Score != 0 {
				row.Score = strconv.FormatFloat(v.Score, 'f', -1, 64)
			}
			row.Link = safeLink(v.Reference)
			t.Findings = append(t.Findings, row)
		}
	}
	for _, s := range []enrich.Severity{enrich.SeverityHigh, enrich.SeverityWarning, enrich.SeverityInformation} {
		if n := sev[string(s)]; n > 0 {
			t.BySeverity = append(t.BySeverity, CountRow{Label: Text{Short: string(s)}, Events: n})
		}
	}
	for _, p := range prov {
		t.ByProvider = append(t.ByProvider, *p)
	}
	// Busiest source first, as in the summary's lists.
	sort.SliceStable(b.all.verdicts, func(i, j int) bool { return b.all.verdicts[i].ip < b.all.verdicts[j].ip })
	sort.Slice(t.ByProvider, func(i, j int) bool { return t.ByProvider[i].Provider < t.ByProvider[j].Provider })
	sort.SliceStable(t.Findings, func(i, j int) bool {
		x, y := t.Findings[i], t.Findings[j]
		if rx, ry := enrich.Severity(x.Severity).Rank(), enrich.Severity(y.Severity).Rank(); rx != ry {
			return rx > ry
		}
		if x.Events != y.Events {
			return x.Events > y.Events
		}
		if x.IP != y.IP {
			return x.IP < y.IP
		}
		return x.Provider < y.Provider
	})
	t.Findings = firstN(t.Findings, b.o.MaxEventRows)
	sortRollUp(t.RollUp)
	t.RollUp = firstN(t.RollUp, b.o.MaxEventRows)
}

// threatProblems finds the requested providers whose lookups failed or
// were interrupted: without them, "flagged 0 IPs" would read as an all
// clear when nothing was checked.
func (b *builder) threatProblems() {
	t := &b.r.Threat
	requested := map[string]bool{}
	for _, p := range b.in.ThreatIntel {
		requested[p] = true
	}
	failed := 0
	for _, st := range b.in.Statuses {
		if !requested[st.Source] {
			continue
		}
		p := ProviderProblem{Provider: clean(st.Source, 60), State: st.State(), Detail: st.Err}
		switch p.State {
		case enrich.StateOK:
			continue
		case enrich.StateFailed:
			failed++
		case enrich.StatePartial, enrich.StateInterrupted:
			p.Detail = st.Accounting()
		}
		t.Problems = append(t.Problems, p)
	}
	sort.SliceStable(t.Problems, func(i, j int) bool { return t.Problems[i].Provider < t.Problems[j].Provider })
	t.Incomplete = t.summary(clean)
	t.AllFailed = failed > 0 && failed == len(t.Providers)
}

func (b *builder) eventRow(ev *ingest.Event) EventRow {
	row := EventRow{
		Time: formatTime(ev.Time, timeFmt), Source: newText(ev.SourceString(), 45), Op: clean(string(ev.Op), 40), Write: ev.Op.IsWrite(),
		Bucket: newText(ev.Bucket, 40), Key: newText(ev.Key, 60), UA: newText(ev.UserAgent, 60),
		Error: newText(ev.ErrorCode, 30), Attempts: ev.Weight, Pos: posText(ev.Pos),
	}
	if !ev.Identity.Anonymous() {
		id := ev.Identity
		row.Identity = newText(strings.TrimSpace(orDefault(id.ARN, orDefault(id.UserName, orDefault(id.PrincipalID, id.AccountID)))), 50)
	}
	if ev.Source.IsValid() {
		p, _ := b.profiles.Lookup(ev.Source)
		row.Country = clean(p.Geo.CountryCode, 3)
	}
	return row
}

func (b *builder) notable() {
	r, s := b.r, b.s
	r.WritesTotal, r.DeniedTotal, r.Authenticated = s.Writes, s.AccessDenied, s.Authenticated
	for i := range firstN(s.WriteEvents, maxNotableRows) {
		r.Writes = append(r.Writes, b.eventRow(&s.WriteEvents[i]))
	}
	for i := range firstN(s.AccessDeniedEvents, maxNotableRows) {
		r.Denied = append(r.Denied, b.eventRow(&s.AccessDeniedEvents[i]))
	}
	for _, p := range firstN(s.Principals, maxNotableRows) {
		r.Principals = append(r.Principals, PrincipalRow{
			Account: newText(orDefault(p.Identity.AccountID, "(none)"), 40),
			Type:    newText(p.Identity.Type, 30),
			ARN:     newText(orDefault(p.Identity.ARN, orDefault(p.Identity.UserName, p.Identity.PrincipalID)), 80),
			Events:  p.Events, First: formatTime(p.FirstSeen, timeFmt), Last: formatTime(p.LastSeen, timeFmt),
		})
	}
}

func (b *builder) events() {
	r, s := b.r, b.s
	n := len(s.Recent)
	if n > b.o.MaxEventRows {
		n = b.o.MaxEventRows
	}
	for i := 0; i < n; i++ {
		r.Events = append(r.Events, b.eventRow(&s.Recent[i]))
	}
	r.EventsTruncated = int64(len(r.Events)) < s.Events
}

// maxInputRows bounds the input tables. Inputs with problems are always
// listed first; clean ones fill the rest, the others are summed up.
const maxInputRows = 50

func (b *builder) inputs() {
	var problems, fine []*ingest.Stats
	for _, st := range b.s.Inputs {
		if st == nil {
			continue
		}
		if st.Skipped > 0 || st.Err != nil || st.Events == 0 {
			problems = append(problems, st)
		} else {
			fine = append(fine, st)
		}
	}
	shown := problems
	if len(problems)+len(fine) <= maxInputRows {
		// Few inputs: all of them, in the order given.
		shown, fine = nil, nil
		for _, st := range b.s.Inputs {
			if st != nil {
				shown = append(shown, st)
			}
		}
	}
	for _, st := range fine {
		if len(shown) < maxInputRows {
			shown = append(shown, st)
			continue
		}
		b.r.InputsOmitted++
		b.r.OmittedEvents += st.Events
		b.r.OmittedFiltered += st.Filtered
	}
	for _, st := range shown {
		row := InputRow{
			Name: newText(st.File, 80), Format: clean(string(st.Format), 30), Events: st.Events,
			Skipped: st.Skipped, Filtered: st.Filtered, SHA256: clean(st.SHA256, 64),
		}
		if st.Bytes > 0 {
			row.Bytes = ByteSize(st.Bytes)
		}
		for _, rc := range st.SortedReasons() {
			row.Reasons = append(row.Reasons, ReasonRow{Reason: newText(rc.Reason, 60), Count: rc.Count})
		}
		const maxShown = 10
		for i, e := range st.Errors {
			if i == maxShown {
				break
			}
			row.Errors = append(row.Errors, newText(e.Error(), 200))
		}
		if st.Skipped > maxShown {
			row.MoreErrors = st.Skipped - maxShown
		}
		if st.Err != nil {
			row.Err = newText(st.Err.Error(), 200)
		}
		b.r.Inputs = append(b.r.Inputs, row)
	}
}

// opQuality lists the operations the table of S3 operations does not know
// (so that it can grow) and those S3 performed itself.
func (b *builder) opQuality() {
	row := func(c aggregate.Count) CountRow {
		return CountRow{Label: newText(c.Key, 60), Events: c.Events, Attempts: c.Attempts}
	}
	for _, c := range b.s.UnmappedOperations() {
		b.r.UnmappedOps = append(b.r.UnmappedOps, row(c))
	}
	for _, c := range b.s.AWSOperations {
		b.r.AWSOps = append(b.r.AWSOps, row(c))
	}
}

func (b *builder) sources() {
	for _, si := range b.in.Sources {
		row := SourceRow{
			Name: clean(si.Name, 60), Kind: clean(string(si.Kind), 30), Version: clean(si.Version, 100),
			Licence: clean(si.Licence, 60), Attribution: newText(si.Attribution, 400), URL: clean(si.URL, 200),
			Link: safeLink(si.URL), BuildDate: formatTime(si.BuildDate, dateFmt),
		}
		if si.Path != "" {
			row.Version = strings.TrimSpace(row.Version + " (" + clean(si.Path, 100) + ")")
		}
		b.r.Sources = append(b.r.Sources, row)
	}
	for _, st := range b.in.Statuses {
		b.r.Statuses = append(b.r.Statuses, StatusRow{
			Source: clean(st.Source, 60), Queried: st.Queried, FromCache: st.FromCache, Succeeded: st.Succeeded,
			Failed: st.Failed, NotChecked: st.NotChecked, Err: newText(joinNonEmpty("; ", st.Stopped, st.Err), 200),
			Duration: st.Duration.Round(time.Millisecond).String(),
		})
	}
	sort.SliceStable(b.r.Statuses, func(i, j int) bool { return b.r.Statuses[i].Source < b.r.Statuses[j].Source })
}

func (b *builder) headline() {
	s, r := b.s, b.r
	countries := 0
	for _, c := range b.countries {
		if c.Code != "" {
			countries++
		}
	}
	span := "no events"
	if !s.FirstSeen.IsZero() {
		span = formatTime(s.FirstSeen, dateFmt) + " → " + formatTime(s.LastSeen, dateFmt)
	}
	tone := func(n int64, t string) string {
		if n > 0 {
			return t
		}
		return ""
	}
	r.Headline = []Stat{
		{Label: "Alerts", Value: num(s.Events), Note: "log records"},
		{Label: "Attempts", Value: num(s.Attempts), Note: "incl. repeats"},
		{Label: "Unique IPs", Value: num(int64(len(s.IPs))), Note: Plural(int64(r.RepeatTotal), "repeat source")},
		{Label: "Countries", Value: num(int64(countries))},
		{Label: "ASNs", Value: num(int64(len(b.asns)))},
		{Label: "Period", Value: span, Note: strings.TrimPrefix(periodDays(r.Period), " ")},
		{Label: "Write attempts", Value: num(s.Writes), Tone: tone(s.Writes, "bad")},
		{Label: "Access denied", Value: num(s.AccessDenied), Tone: tone(s.AccessDenied, "warn")},
	}
	switch t := r.Threat; {
	case t.AllFailed:
		r.Headline = append(r.Headline, Stat{Label: "Flagged by TI", Value: "unknown", Note: "every provider failed", Tone: "bad"})
	case t.Incomplete != "":
		st := Stat{Label: "Flagged by TI", Value: num(int64(t.Flagged)) + " (incomplete)", Note: "IPs; not every provider answered", Tone: "warn"}
		if t.Flagged > 0 {
			st.Tone = "bad"
		}
		r.Headline = append(r.Headline, st)
	case t.Ran:
		r.Headline = append(r.Headline, Stat{Label: "Flagged by TI", Value: num(int64(t.Flagged)), Note: "IPs", Tone: tone(int64(t.Flagged), "bad")})
	}
	if s.Authenticated > 0 {
		r.Headline = append(r.Headline, Stat{Label: "Authenticated", Value: num(s.Authenticated), Note: "non-anonymous", Tone: "bad"})
	}
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
