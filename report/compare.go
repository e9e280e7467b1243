package report

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/enrich"
)

// Baseline is what a report is compared with: an earlier run's JSON
// summary (ReadBaseline) or, built by Build, the window of equal length
// before this one read from the same inputs (aggregate.Summary.Previous).
// It keeps only what a comparison needs: counts by key.
type Baseline struct {
	// Path is the summary file, "" for the previous window.
	Path string
	// Label says what the baseline covers: "summary last.json, last week
	// (2026-W46: 2026-11-09 – 2026-11-15)" or "previous window 2026-11-09
	// – 2026-11-15".
	Label       string
	GeneratedAt string
	FirstSeen   string
	LastSeen    string
	totals      [len(deltaNames)]int64
	// ipsOmitted is the summary's ips_omitted: its quietest sources are
	// not in ips, so "not in the baseline" is not "never seen" for them.
	ipsOmitted int
	ips        map[netip.Addr]int64
	dims       [dimCount]map[string]keyCount
	principals map[string]bool
	// writesEver and authEver say whether the baseline, or any baseline
	// before it that its own comparison knew of, had write attempts or
	// authenticated requests.
	writesEver, authEver bool
}

type keyCount struct {
	name  string // shown beside the key: an AS's organisation, a country's name
	count int64
}

// The dimensions compared besides sources, in the order shown.
const (
	dimASN = iota
	dimCountry
	dimFamily
	dimOperation
	dimError
	dimCount
)

var dimNames = [dimCount]string{"ASNs", "Countries", "User-agent families", "Operations", "Error codes"}

// The headline numbers compared, in the order shown.
var deltaNames = [...]string{"alerts", "attempts", "unique_ips", "countries", "asns", "write_attempts", "access_denied", "authenticated"}
var deltaLabels = [...]string{"Alerts", "Attempts", "Unique IPs", "Countries", "ASNs", "Write attempts", "Access denied", "Authenticated"}

// ReadBaseline reads an earlier run's JSON summary (--json) to compare a
// report with. A file that is missing, unreadable, not JSON, or written
// under another schema than SummarySchema is an error naming the file:
// a comparison with nothing would read as "everything is new".
func ReadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		err = pe.Err // the path is said once
	}
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	// One read and json.Unmarshal: a Decoder would copy the file into a
	// buffer grown step by step, a third of the load time at 50,000 IPs.
	var s baselineJSON
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("baseline %s: not a honeyreport JSON summary: %v", path, err)
	}
	if s.Schema != SummarySchema {
		if s.Schema == "" {
			return nil, fmt.Errorf("baseline %s: not a honeyreport JSON summary (no schema; want %s, written by --json)", path, SummarySchema)
		}
		return nil, fmt.Errorf("baseline %s: schema %q, want %s", path, plain(s.Schema, 80), SummarySchema)
	}
	b := baselineOfJSON(&s)
	b.Path = path
	b.Label = "summary " + filepath.Base(path)
	if span := baselineSpan(&s); span != "" {
		b.Label += ", " + span
	}
	return b, nil
}

// baselineSpan is the period a summary covers: its window when it had
// one, else its first and last event's days.
func baselineSpan(s *baselineJSON) string {
	if w := s.Window; w != nil && w.Label != "" {
		return w.Label
	}
	day := func(t string) string { d, _, _ := strings.Cut(t, "T"); return d }
	if s.Totals.FirstSeen == "" {
		return ""
	}
	return day(s.Totals.FirstSeen) + " – " + day(s.Totals.LastSeen)
}

func newBaseline() *Baseline {
	b := &Baseline{ips: map[netip.Addr]int64{}, principals: map[string]bool{}}
	for i := range b.dims {
		b.dims[i] = map[string]keyCount{}
	}
	return b
}

// baselineJSON is the part of SummaryJSON a comparison reads: decoding
// only it skips the profiles of 50,000 sources rather than keeping them.
type baselineJSON struct {
	Schema            string       `json:"schema"`
	GeneratedAt       string       `json:"generated_at"`
	Totals            TotalsJSON   `json:"totals"`
	Operations        []OpJSON     `json:"operations"`
	Errors            []ErrorJSON  `json:"errors"`
	UserAgentFamilies []FamilyJSON `json:"user_agent_families"`
	IPs               []struct {
		IP    string `json:"ip"`
		Count int64  `json:"count"`
	} `json:"ips"`
	IPsOmitted int             `json:"ips_omitted"`
	Countries  []CountryJSON   `json:"countries"`
	ASNs       []ASNJSON       `json:"asns"`
	Principals []PrincipalJSON `json:"principals"`
	Window     *WindowJSON     `json:"window"`
	Comparison *struct {
		WritesEver        bool `json:"write_attempts_ever"`
		AuthenticatedEver bool `json:"authenticated_ever"`
	} `json:"comparison"`
}

func baselineOfJSON(s *baselineJSON) *Baseline {
	b := newBaseline()
	b.GeneratedAt, b.FirstSeen, b.LastSeen = s.GeneratedAt, s.Totals.FirstSeen, s.Totals.LastSeen
	t := s.Totals
	b.totals = [len(deltaNames)]int64{t.Events, t.Attempts, int64(t.UniqueIPs), int64(t.Countries), int64(t.ASNs), t.Writes, t.AccessDenied, t.Authenticated}
	b.ipsOmitted = s.IPsOmitted
	for _, ip := range s.IPs {
		if a, err := netip.ParseAddr(ip.IP); err == nil {
			b.ips[a.Unmap()] += ip.Count
		}
	}
	for _, a := range s.ASNs {
		b.dims[dimASN][asKey(a.ASN)] = keyCount{a.Org, a.Count}
	}
	for _, c := range s.Countries {
		b.dims[dimCountry][c.Code] = keyCount{c.Name, c.Count}
	}
	for _, f := range s.UserAgentFamilies {
		b.dims[dimFamily][f.Family] = keyCount{"", f.Count}
	}
	for _, o := range s.Operations {
		b.dims[dimOperation][o.Name] = keyCount{"", o.Count}
	}
	for _, e := range s.Errors {
		b.dims[dimError][e.Code] = keyCount{"", e.Count}
	}
	for _, p := range s.Principals {
		b.principals[principalKey(p.ARN, p.AccountID, p.PrincipalID)] = true
	}
	b.writesEver = t.Writes > 0
	b.authEver = t.Authenticated > 0
	if c := s.Comparison; c != nil {
		b.writesEver = b.writesEver || c.WritesEver
		b.authEver = b.authEver || c.AuthenticatedEver
	}
	return b
}

// baselineOfSummary is the baseline of the previous window's counts;
// store has the profiles of its sources (by address) and classify names
// user-agent families (nil for none).
func baselineOfSummary(p *aggregate.Summary, store *enrich.Profiles, classify func(string) string) *Baseline {
	b := newBaseline()
	countries, asns := tallyGeography(p.IPs, profilesOf(p.IPs, store))
	known := 0
	for _, c := range countries {
		if c.Code != "" {
			known++
			b.dims[dimCountry][c.Code] = keyCount{c.Name, c.Events}
		}
	}
	b.totals = [len(deltaNames)]int64{p.Events, p.Attempts, int64(len(p.IPs)), int64(known), int64(len(asns)), p.Writes, p.AccessDenied, p.Authenticated}
	b.FirstSeen, b.LastSeen = formatTime(p.FirstSeen, time.RFC3339), formatTime(p.LastSeen, time.RFC3339)
	for _, ip := range p.IPs {
		b.ips[ip.Addr.Unmap()] += ip.Events
	}
	for _, a := range asns {
		b.dims[dimASN][asKey(a.ASN)] = keyCount{a.Org, a.Events}
	}
	if classify != nil {
		fams := make([]string, len(p.UserAgents))
		for i, c := range p.UserAgents {
			fams[i] = classify(c.Key)
		}
		for _, f := range tallyFamilies(p.UserAgents, fams) {
			b.dims[dimFamily][f.Family] = keyCount{"", f.Events}
		}
	}
	for _, o := range p.Operations {
		b.dims[dimOperation][o.Key] = keyCount{"", o.Events}
	}
	for _, e := range p.Errors {
		b.dims[dimError][e.Key] = keyCount{"", e.Events}
	}
	for _, pr := range p.Principals {
		id := pr.Identity
		b.principals[principalKey(id.ARN, id.AccountID, id.PrincipalID)] = true
	}
	b.writesEver, b.authEver = p.Writes > 0, p.Authenticated > 0
	return b
}

func asKey(n uint32) string { return "AS" + strconv.FormatUint(uint64(n), 10) }

// principalKey names an AWS identity by the most specific of its ids.
func principalKey(arn, account, id string) string { return cmp.Or(arn, account, id) }

// comparison is what changed since a baseline, complete: NewSummaryJSON
// lists it, builder.compare cuts it for display.
type comparison struct {
	base   *Baseline
	kind   string // "summary" or "previous_window"
	deltas [len(deltaNames)][2]int64
	// sets[0] is the IP sources; sets[1+dim] the other dimensions.
	sets          [1 + dimCount]changeSet
	firstWrite    bool
	firstAuth     bool
	writesEver    bool
	authEver      bool
	newPrincipals []string
}

// changeSet is one dimension's keys split three ways, each list busiest
// first (gone ones by their count before).
type changeSet struct {
	new, returning, gone []change
}

type change struct {
	key, name   string
	now, before int64
}

// compare works out what changed between b and the report's facts d (of
// s); kind is BaselineJSON.Kind. Lists are sorted by count, ties by key.
func compare(s *aggregate.Summary, d *facts, b *Baseline, kind string) *comparison {
	c := &comparison{base: b, kind: kind}
	known := 0
	for _, x := range d.countries {
		if x.Code != "" {
			known++
		}
	}
	now := [len(deltaNames)]int64{s.Events, s.Attempts, int64(len(s.IPs)), int64(known), int64(len(d.asns)), s.Writes, s.AccessDenied, s.Authenticated}
	for i := range now {
		c.deltas[i] = [2]int64{now[i], b.totals[i]}
	}
	// Sources.
	seen := make(map[netip.Addr]bool, len(s.IPs))
	ips := &c.sets[0]
	for _, ip := range s.IPs {
		a := ip.Addr.Unmap()
		seen[a] = true
		if n, ok := b.ips[a]; ok {
			ips.returning = append(ips.returning, change{key: a.String(), now: ip.Events, before: n})
		} else {
			ips.new = append(ips.new, change{key: a.String(), now: ip.Events})
		}
	}
	for a, n := range b.ips {
		if !seen[a] {
			ips.gone = append(ips.gone, change{key: a.String(), before: n})
		}
	}
	// The other dimensions, current counts by key.
	var cur [dimCount][]change
	for _, a := range d.asns {
		cur[dimASN] = append(cur[dimASN], change{key: asKey(a.ASN), name: a.Org, now: a.Events})
	}
	for _, x := range d.countries {
		if x.Code != "" {
			cur[dimCountry] = append(cur[dimCountry], change{key: x.Code, name: x.Name, now: x.Events})
		}
	}
	if d.uaFamily != nil {
		for _, f := range d.families {
			cur[dimFamily] = append(cur[dimFamily], change{key: f.Family, now: f.Events})
		}
	}
	for _, o := range s.Operations {
		cur[dimOperation] = append(cur[dimOperation], change{key: o.Key, now: o.Events})
	}
	for _, e := range s.Errors {
		cur[dimError] = append(cur[dimError], change{key: e.Key, now: e.Events})
	}
	for dim := range cur {
		set := &c.sets[1+dim]
		here := map[string]bool{}
		for _, x := range cur[dim] {
			here[x.key] = true
			if old, ok := b.dims[dim][x.key]; ok {
				x.before = old.count
				set.returning = append(set.returning, x)
			} else {
				set.new = append(set.new, x)
			}
		}
		for k, old := range b.dims[dim] {
			if !here[k] {
				set.gone = append(set.gone, change{key: k, name: old.name, before: old.count})
			}
		}
	}
	for i := range c.sets {
		set := &c.sets[i]
		byNow := func(x, y change) int { return cmp.Or(cmp.Compare(y.now, x.now), cmp.Compare(x.key, y.key)) }
		slices.SortFunc(set.new, byNow)
		slices.SortFunc(set.returning, byNow)
		slices.SortFunc(set.gone, func(x, y change) int { return cmp.Or(cmp.Compare(y.before, x.before), cmp.Compare(x.key, y.key)) })
	}
	for _, p := range s.Principals {
		id := p.Identity
		if k := principalKey(id.ARN, id.AccountID, id.PrincipalID); !b.principals[k] {
			c.newPrincipals = append(c.newPrincipals, k)
		}
	}
	c.firstWrite = s.Writes > 0 && !b.writesEver
	c.firstAuth = s.Authenticated > 0 && !b.authEver
	c.writesEver = s.Writes > 0 || b.writesEver
	c.authEver = s.Authenticated > 0 || b.authEver
	return c
}

// CompareSection is the "What changed" section: this report against a
// baseline. Nil in a report without one.
type CompareSection struct {
	// Against says what the baseline is ("summary last.json (2026-W46)"
	// or "previous window 2026-11-09 – 2026-11-15").
	Against string
	Deltas  []DeltaRow
	Sets    []ChangeSetRow
	// IPsOmitted is the baseline summary's ips_omitted: that many of its
	// sources were not listed, so a source "new" here may have been one.
	IPsOmitted         int
	FirstWrite         bool
	FirstAuthenticated bool
	NewPrincipals      []Text
	NewPrincipalsTotal int
}

// NewPrincipalsCount is NewPrincipalsTotal in words ("1 AWS principal").
func (c *CompareSection) NewPrincipalsCount() string {
	return Plural(int64(c.NewPrincipalsTotal), "AWS principal")
}

// DeltaRow is one headline number, now and before.
type DeltaRow struct {
	Label       string
	Now, Before int64
	Tone        string // "bad" for more writes or authenticated requests
}

// Change is Now minus Before, signed ("+12", "−3", "0").
func (d DeltaRow) Change() string { return signed(d.Now - d.Before) }

// ChangeSetRow is one dimension's new, returning and gone keys, each cut
// for display; the totals count them all.
type ChangeSetRow struct {
	Name                                string
	New, Returning, Gone                []ChangeRow
	NewTotal, ReturningTotal, GoneTotal int
}

// ChangeRow is one key of a ChangeSetRow.
type ChangeRow struct {
	Key         Text
	Name        Text
	Now, Before int64
}

func signed(n int64) string {
	switch {
	case n > 0:
		return "+" + num(n)
	case n < 0:
		return "−" + num(-n)
	}
	return "0"
}

// maxChangeRows bounds each list of the What changed section.
const maxChangeRows = 10

// compared builds the comparison when there is a baseline: the caller's,
// else the previous window's when it was read and had events.
func (b *builder) compared() {
	base, kind := b.in.Baseline, "summary"
	if base == nil {
		p := b.s.Previous
		if p == nil || p.Events == 0 {
			return
		}
		base, kind = baselineOfSummary(p, b.in.Profiles, b.in.UAFamily), "previous_window"
		base.Label = "the previous window"
		if res := b.s.Filter; res != nil {
			base.Label = res.Window.Previous().Label
		}
	}
	c := compare(b.s, b.all, base, kind)
	b.all.cmp = c
	sec := &CompareSection{Against: clean(base.Label, 200), IPsOmitted: base.ipsOmitted,
		FirstWrite: c.firstWrite, FirstAuthenticated: c.firstAuth, NewPrincipalsTotal: len(c.newPrincipals)}
	for i, d := range c.deltas {
		row := DeltaRow{Label: deltaLabels[i], Now: d[0], Before: d[1]}
		if (deltaNames[i] == "write_attempts" || deltaNames[i] == "authenticated") && d[0] > d[1] {
			row.Tone = "bad"
		}
		sec.Deltas = append(sec.Deltas, row)
	}
	// A source shown is named by its country and AS, when located (a
	// source only in a baseline file is not).
	where := func(key string) string {
		a, err := netip.ParseAddr(key)
		if err != nil || b.in.Profiles == nil {
			return ""
		}
		p, ok := b.in.Profiles.Lookup(a)
		if !ok {
			return ""
		}
		return strings.TrimSpace(p.Geo.CountryCode + " " + p.ASN.Org)
	}
	rows := func(cs []change, ip bool) []ChangeRow {
		var out []ChangeRow
		for _, x := range firstN(cs, maxChangeRows) {
			if ip {
				x.name = where(x.key)
			}
			out = append(out, ChangeRow{Key: newText(x.key, 60), Name: newText(x.name, 40), Now: x.now, Before: x.before})
		}
		return out
	}
	for i, set := range c.sets {
		name := "Sources (IPs)"
		if i > 0 {
			name = dimNames[i-1]
		}
		ip := i == 0
		sec.Sets = append(sec.Sets, ChangeSetRow{Name: name, New: rows(set.new, ip), Returning: rows(set.returning, ip), Gone: rows(set.gone, ip),
			NewTotal: len(set.new), ReturningTotal: len(set.returning), GoneTotal: len(set.gone)})
	}
	for _, p := range firstN(c.newPrincipals, maxChangeRows) {
		sec.NewPrincipals = append(sec.NewPrincipals, newText(p, 80))
	}
	b.r.Compare = sec
}

// compareFindings is the key findings' lines on what changed.
func compareFindings(c *comparison) string {
	if c == nil {
		return ""
	}
	var w strings.Builder
	d := c.deltas
	fmt.Fprintf(&w, "- Compared with %s: %s (%s), %s (%s).\n", mdEscape(c.base.Label, 200),
		Plural(d[0][0], "alert"), signed(d[0][0]-d[0][1]), Plural(d[2][0], "unique IP"), signed(d[2][0]-d[2][1]))
	ips := c.sets[0]
	newWord := "new"
	if c.base.ipsOmitted > 0 {
		newWord = "not in the baseline's list"
	}
	fmt.Fprintf(&w, "- Sources: %s %s, %s returning, %s gone quiet", count(ips.new), newWord, count(ips.returning), count(ips.gone))
	if len(ips.new) > 0 {
		var ks []string
		for _, x := range firstN(ips.new, 3) {
			ks = append(ks, mdEscape(x.key, 60))
		}
		fmt.Fprintf(&w, " (busiest new: %s)", strings.Join(ks, ", "))
	}
	w.WriteString(".\n")
	if c.base.ipsOmitted > 0 {
		fmt.Fprintf(&w, "- The baseline listed not all its sources (%s left out): some sources counted as new may have been among them.\n", Plural(int64(c.base.ipsOmitted), "quiet source"))
	}
	for dim := range dimCount {
		set := c.sets[1+dim]
		if len(set.new) == 0 && len(set.gone) == 0 {
			continue
		}
		var parts []string
		if len(set.new) > 0 {
			var ks []string
			for _, x := range firstN(set.new, 5) {
				ks = append(ks, mdEscape(x.key, 60))
			}
			more := ""
			if len(set.new) > 5 {
				more = " and " + num(int64(len(set.new)-5)) + " more"
			}
			parts = append(parts, "new "+strings.Join(ks, ", ")+more)
		}
		if len(set.gone) > 0 {
			parts = append(parts, count(set.gone)+" gone quiet")
		}
		fmt.Fprintf(&w, "- %s: %s.\n", dimNames[dim], strings.Join(parts, "; "))
	}
	if c.firstWrite {
		fmt.Fprintf(&w, "- **First write attempts** on record (%s; none in the baseline).\n", Plural(d[5][0], "write attempt"))
	}
	if c.firstAuth {
		fmt.Fprintf(&w, "- **First authenticated requests** on record (%s; none in the baseline).\n", Plural(d[7][0], "request"))
	}
	if len(c.newPrincipals) > 0 {
		var ks []string
		for _, p := range firstN(c.newPrincipals, 5) {
			ks = append(ks, mdEscape(p, 80))
		}
		fmt.Fprintf(&w, "- **%s** not in the baseline: %s.\n", Plural(int64(len(c.newPrincipals)), "new AWS principal"), strings.Join(ks, ", "))
	}
	return w.String()
}

// count is the length of cs for display ("8,426").
func count(cs []change) string { return num(int64(len(cs))) }

// writeCompareMarkdown writes the What changed table of the Markdown
// summary.
func writeCompareMarkdown(b *strings.Builder, rep *Report) {
	c := rep.Compare
	if c == nil {
		return
	}
	fmt.Fprintf(b, "\n## What changed\n\nCompared with %s.\n\n| | Now | Before | Change |\n|---|---:|---:|---:|\n", mdEscape(c.Against, 200))
	for _, d := range c.Deltas {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", d.Label, num(d.Now), num(d.Before), d.Change())
	}
	b.WriteString("\n| | New | Returning | Gone quiet |\n|---|---:|---:|---:|\n")
	for _, s := range c.Sets {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", s.Name, num(int64(s.NewTotal)), num(int64(s.ReturningTotal)), num(int64(s.GoneTotal)))
	}
}

// ComparisonJSON is the summary's comparison with a baseline, absent
// without one. Lists are cut to the --json-max-ips bound; the counts
// cover all.
type ComparisonJSON struct {
	Baseline           BaselineJSON `json:"baseline"`
	Headline           []DeltaJSON  `json:"headline"`
	Sources            ChangesJSON  `json:"sources"`
	ASNs               ChangesJSON  `json:"asns"`
	Countries          ChangesJSON  `json:"countries"`
	UserAgentFamilies  ChangesJSON  `json:"user_agent_families"`
	Operations         ChangesJSON  `json:"operations"`
	Errors             ChangesJSON  `json:"errors"`
	FirstWriteAttempt  bool         `json:"first_write_attempt"`
	FirstAuthenticated bool         `json:"first_authenticated"`
	NewPrincipals      []string     `json:"new_principals"`
	// WritesEver and AuthenticatedEver carry history from one summary
	// to the next: whether this run or any baseline chained before it
	// had write attempts or authenticated requests.
	WritesEver        bool `json:"write_attempts_ever"`
	AuthenticatedEver bool `json:"authenticated_ever"`
}

// BaselineJSON says what the comparison was made with.
type BaselineJSON struct {
	Kind        string `json:"kind"` // "summary" or "previous_window"
	Path        string `json:"path,omitempty"`
	Label       string `json:"label"`
	GeneratedAt string `json:"generated_at,omitempty"`
	FirstSeen   string `json:"first_seen"`
	LastSeen    string `json:"last_seen"`
	IPsOmitted  int    `json:"ips_omitted"`
}

// DeltaJSON is one headline number now and before.
type DeltaJSON struct {
	Name     string `json:"name"`
	Current  int64  `json:"current"`
	Previous int64  `json:"previous"`
	Change   int64  `json:"change"`
}

// ChangesJSON is one dimension's keys: new (not in the baseline),
// returning (in both) and gone quiet (in the baseline, absent now).
type ChangesJSON struct {
	NewCount       int          `json:"new_count"`
	ReturningCount int          `json:"returning_count"`
	GoneQuietCount int          `json:"gone_quiet_count"`
	New            []ChangeJSON `json:"new"`
	Returning      []ChangeJSON `json:"returning"`
	GoneQuiet      []ChangeJSON `json:"gone_quiet"`
}

// ChangeJSON is one key with its count now and in the baseline.
type ChangeJSON struct {
	Key      string `json:"key"`
	Name     string `json:"name,omitempty"`
	Count    int64  `json:"count"`
	Previous int64  `json:"previous"`
}

// comparisonJSON renders c with each list cut to max entries.
func comparisonJSON(c *comparison, max int) *ComparisonJSON {
	if c == nil {
		return nil
	}
	b := c.base
	out := &ComparisonJSON{
		Baseline: BaselineJSON{Kind: c.kind, Path: b.Path, Label: b.Label, GeneratedAt: b.GeneratedAt, FirstSeen: b.FirstSeen,
			LastSeen: b.LastSeen, IPsOmitted: b.ipsOmitted},
		FirstWriteAttempt: c.firstWrite, FirstAuthenticated: c.firstAuth, NewPrincipals: nonNil(c.newPrincipals),
		WritesEver: c.writesEver, AuthenticatedEver: c.authEver,
	}
	for i, d := range c.deltas {
		out.Headline = append(out.Headline, DeltaJSON{deltaNames[i], d[0], d[1], d[0] - d[1]})
	}
	list := func(cs []change) []ChangeJSON {
		out := []ChangeJSON{}
		for _, x := range firstN(cs, max) {
			out = append(out, ChangeJSON{x.key, x.name, x.now, x.before})
		}
		return out
	}
	for i, dst := range []*ChangesJSON{&out.Sources, &out.ASNs, &out.Countries, &out.UserAgentFamilies, &out.Operations, &out.Errors} {
		s := c.sets[i]
		*dst = ChangesJSON{len(s.new), len(s.returning), len(s.gone), list(s.new), list(s.returning), list(s.gone)}
	}
	return out
}
