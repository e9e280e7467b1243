package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/enrich"
)

// SummarySchema names the JSON summary's schema. Fields are only ever
// added under this name; a change that removes or renames one gets v2.
const SummarySchema = "honeyreport.summary/v1"

// SummaryJSON is the JSON summary (--json), a stable contract for
// automation documented in README.md. Lists are sorted by count, descending,
// ties by key; months chronologically.
type SummaryJSON struct {
	Schema      string      `json:"schema"`
	GeneratedAt string      `json:"generated_at"`
	Tool        ToolJSON    `json:"tool"`
	Inputs      []InputJSON `json:"inputs"`
	Totals      TotalsJSON  `json:"totals"`
	// KeyFindings is the report's key findings as Markdown, one "- "
	// line each (a site's feed shows them).
	KeyFindings string   `json:"key_findings"`
	Operations  []OpJSON `json:"operations"`
	// UnmappedOperations are operations missing from the table of S3
	// operations, counted in Operations under the name the log gave them.
	UnmappedOperations []OpJSON `json:"unmapped_operations,omitempty"`
	// AWSOperations are S3's own work (lifecycle expiry and transitions),
	// in no other count.
	AWSOperations     []OpJSON        `json:"aws_operations,omitempty"`
	Errors            []ErrorJSON     `json:"errors"`
	Monthly           []MonthJSON     `json:"monthly"`
	UserAgents        []UserAgentJSON `json:"user_agents"`
	UserAgentFamilies []FamilyJSON    `json:"user_agent_families"`
	IPs               []IPJSON        `json:"ips"`
	// IPsOmitted counts the IP sources left out of IPs by its bound
	// (the quietest ones); present only when some were.
	IPsOmitted   int             `json:"ips_omitted,omitempty"`
	NonIPSources []NonIPJSON     `json:"non_ip_sources"`
	Countries    []CountryJSON   `json:"countries"`
	ASNs         []ASNJSON       `json:"asns"`
	Buckets      []KeyCountJSON  `json:"buckets"`
	Keys         []KeyCountJSON  `json:"keys"`
	Principals   []PrincipalJSON `json:"principals"`
	Sources      []SourceJSON    `json:"sources"`
	ThreatIntel  ThreatIntelJSON `json:"threat_intel"`
	// Window is the time window the run covered, absent without one;
	// Excluded counts what each exclusion rule left out (see window.go).
	Window   *WindowJSON    `json:"window,omitempty"`
	Excluded []ExcludedJSON `json:"excluded"`
	// Comparison is what changed since the baseline (compare.go), absent
	// without one.
	Comparison *ComparisonJSON `json:"comparison,omitempty"`
	// Bounded counts what was counted together past a bound on distinct
	// values, and the events outside the days listed (quality.go); absent
	// when nothing was. Interrupted is why the run stopped early, absent
	// when it ran to the end: every count then covers only what was read.
	Bounded     *BoundedJSON `json:"bounded,omitempty"`
	Interrupted string       `json:"interrupted,omitempty"`
}

type ToolJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type InputJSON struct {
	Path           string       `json:"path"`
	Format         string       `json:"format"`
	Events         int64        `json:"events"`
	Skipped        int64        `json:"skipped"`
	Filtered       int64        `json:"filtered"`
	OutsideWindow  int64        `json:"outside_window"`
	SkippedReasons []ReasonJSON `json:"skipped_reasons"`
	Problems       []string     `json:"problems"`
	Error          string       `json:"error,omitempty"`
	Bytes          int64        `json:"bytes"`
	SHA256         string       `json:"sha256"`
}

type ReasonJSON struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

type TotalsJSON struct {
	Events        int64  `json:"events"`
	Attempts      int64  `json:"attempts"`
	UniqueIPs     int    `json:"unique_ips"`
	NonIPSources  int    `json:"non_ip_sources"`
	Countries     int    `json:"countries"`
	ASNs          int    `json:"asns"`
	FirstSeen     string `json:"first_seen"`
	LastSeen      string `json:"last_seen"`
	Writes        int64  `json:"write_attempts"`
	AccessDenied  int64  `json:"access_denied"`
	Authenticated int64  `json:"authenticated"`
	Skipped       int64  `json:"skipped"`
}

type OpJSON struct {
	Name     string `json:"name"`
	Count    int64  `json:"count"`
	Attempts int64  `json:"attempts"`
}

type ErrorJSON struct {
	Code  string `json:"code"`
	Count int64  `json:"count"`
}

type MonthJSON struct {
	Month string `json:"month"`
	Count int64  `json:"count"`
}

type UserAgentJSON struct {
	UserAgent string `json:"user_agent"`
	Family    string `json:"family"`
	Count     int64  `json:"count"`
}

type FamilyJSON struct {
	Family string `json:"family"`
	Count  int64  `json:"count"`
}

// IPJSON is one IP source: its traffic, then its profile.
type IPJSON struct {
	IP           string `json:"ip"`
	Count        int64  `json:"count"`
	Attempts     int64  `json:"attempts"`
	FirstSeen    string `json:"first_seen"`
	LastSeen     string `json:"last_seen"`
	TopUserAgent string `json:"top_user_agent"`
	IPProfile
}

type NonIPJSON struct {
	Source    string `json:"source"`
	Count     int64  `json:"count"`
	FirstSeen string `json:"first_seen"`
	LastSeen  string `json:"last_seen"`
}

type CountryJSON struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Count int64  `json:"count"`
	IPs   int    `json:"ips"`
}

type ASNJSON struct {
	ASN   uint32 `json:"asn"`
	Org   string `json:"org"`
	Count int64  `json:"count"`
	IPs   int    `json:"ips"`
}

type KeyCountJSON struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

type PrincipalJSON struct {
	Type        string `json:"type"`
	AccountID   string `json:"account_id"`
	PrincipalID string `json:"principal_id"`
	ARN         string `json:"arn"`
	UserName    string `json:"user_name"`
	Count       int64  `json:"count"`
	FirstSeen   string `json:"first_seen"`
	LastSeen    string `json:"last_seen"`
}

type SourceJSON struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Version     string `json:"version"`
	BuildDate   string `json:"build_date"`
	Licence     string `json:"licence"`
	Attribution string `json:"attribution"`
}

type ThreatIntelJSON struct {
	Providers  []ProviderJSON   `json:"providers"`
	BySeverity []BySeverityJSON `json:"by_severity"`
	Findings   []FindingJSON    `json:"findings"`
}

type ProviderJSON struct {
	Name      string `json:"name"`
	Status    string `json:"status"`
	Queried   int    `json:"queried"`
	Cached    int    `json:"cached"`
	Succeeded int    `json:"succeeded"`
	Failed    int    `json:"failed"`
	// NotChecked counts the addresses never asked and Stopped says why
	// (time budget, quota, interrupted).
	NotChecked int    `json:"not_checked"`
	Stopped    string `json:"stopped"`
	Error      string `json:"error"`
}

type BySeverityJSON struct {
	Severity string `json:"severity"`
	Provider string `json:"provider"`
	Count    int    `json:"count"`
}

type FindingJSON struct {
	IP         string   `json:"ip"`
	Provider   string   `json:"provider"`
	Severity   string   `json:"severity"`
	Score      float64  `json:"score"`
	Categories []string `json:"categories"`
	Reference  string   `json:"reference"`
}

// DefaultJSONMaxIPs is how many IP sources the JSON summary lists by
// default (--json-max-ips). Each costs about 400 bytes of JSON; two
// million forged sources would make a summary of most of a gigabyte.
const DefaultJSONMaxIPs = 100000

// NewSummaryJSON renders r as the JSON summary. It lists the maxIPs
// busiest IP sources and counts the others in IPsOmitted; totals,
// countries, ASNs and findings still cover them all.
func NewSummaryJSON(r *Report, maxIPs int) *SummaryJSON {
	d := r.all
	if d == nil { // not made by Build: nothing to list
		d = &facts{sum: &aggregate.Summary{}}
	}
	sum := d.sum
	out := &SummaryJSON{
		Schema:      SummarySchema,
		GeneratedAt: d.generatedAt.UTC().Format(time.RFC3339),
		Tool:        ToolJSON{Name: "honeyreport", Version: d.toolVersion},
		Sources:     []SourceJSON{},
	}
	for _, src := range d.sources {
		out.Sources = append(out.Sources, SourceJSON{Name: src.Name, Kind: string(src.Kind), Version: src.Version,
			BuildDate: formatTime(src.BuildDate, dateFmt), Licence: src.Licence, Attribution: src.Attribution})
	}
	var skipped int64
	for _, st := range sum.Inputs {
		in := InputJSON{Path: st.File, Format: string(st.Format), Events: st.Events, Skipped: st.Skipped, Filtered: st.Filtered,
			SkippedReasons: []ReasonJSON{}, Problems: []string{}, Bytes: st.Bytes, SHA256: st.SHA256}
		for _, rc := range st.SortedReasons() {
			in.SkippedReasons = append(in.SkippedReasons, ReasonJSON{rc.Reason, rc.Count})
		}
		for _, e := range st.Errors {
			in.Problems = append(in.Problems, e.Error())
		}
		if st.Err != nil {
			in.Error = st.Err.Error()
		}
		skipped += st.Skipped
		out.Inputs = append(out.Inputs, in)
	}
	out.Inputs = nonNil(out.Inputs)

	for _, c := range sum.Operations {
		out.Operations = append(out.Operations, OpJSON{c.Key, c.Events, c.Attempts})
	}
	for _, c := range sum.UnmappedOperations() {
		out.UnmappedOperations = append(out.UnmappedOperations, OpJSON{c.Key, c.Events, c.Attempts})
	}
	for _, c := range sum.AWSOperations {
		out.AWSOperations = append(out.AWSOperations, OpJSON{c.Key, c.Events, c.Attempts})
	}
	for _, c := range sum.Errors {
		out.Errors = append(out.Errors, ErrorJSON{c.Key, c.Events})
	}
	for _, m := range sum.Monthly {
		out.Monthly = append(out.Monthly, MonthJSON{m.Month, m.Events})
	}
	for i, c := range sum.UserAgents {
		fam := ""
		if d.uaFamily != nil {
			fam = d.uaFamily[i]
		}
		out.UserAgents = append(out.UserAgents, UserAgentJSON{c.Key, fam, c.Events})
	}
	for _, f := range d.families {
		out.UserAgentFamilies = append(out.UserAgentFamilies, FamilyJSON{f.Family, f.Events})
	}

	listed := sum.IPs[:min(len(sum.IPs), max(maxIPs, 0))]
	out.IPsOmitted = len(sum.IPs) - len(listed)
	out.IPs = make([]IPJSON, 0, len(listed))
	for i, ip := range listed {
		ua, _ := ip.TopUserAgent()
		prof := d.profiles.get(i)
		p := NewIPProfile(&prof, false)
		out.IPs = append(out.IPs, IPJSON{IP: p.IP, Count: ip.Events, Attempts: ip.Attempts, FirstSeen: formatTime(ip.FirstSeen, time.RFC3339),
			LastSeen: formatTime(ip.LastSeen, time.RFC3339), TopUserAgent: ua, IPProfile: p})
	}
	for _, c := range d.countries {
		if c.Code != "" {
			out.Countries = append(out.Countries, CountryJSON{c.Code, c.Name, c.Events, c.IPs})
		}
	}
	for _, a := range d.asns {
		out.ASNs = append(out.ASNs, ASNJSON{a.ASN, a.Org, a.Events, a.IPs})
	}
	for _, s := range sum.NonIPSources {
		out.NonIPSources = append(out.NonIPSources, NonIPJSON{s.Text, s.Events, formatTime(s.FirstSeen, time.RFC3339), formatTime(s.LastSeen, time.RFC3339)})
	}
	for _, c := range sum.Buckets {
		out.Buckets = append(out.Buckets, KeyCountJSON{c.Key, c.Events})
	}
	for _, c := range sum.Keys {
		out.Keys = append(out.Keys, KeyCountJSON{c.Key, c.Events})
	}
	for _, p := range sum.Principals {
		id := p.Identity
		out.Principals = append(out.Principals, PrincipalJSON{id.Type, id.AccountID, id.PrincipalID, id.ARN, id.UserName, p.Events,
			formatTime(p.FirstSeen, time.RFC3339), formatTime(p.LastSeen, time.RFC3339)})
	}
	out.ThreatIntel = threatIntelJSON(d)
	out.Totals = TotalsJSON{
		Events: sum.Events, Attempts: sum.Attempts, UniqueIPs: len(sum.IPs), NonIPSources: len(sum.NonIPSources),
		Countries: len(out.Countries), ASNs: len(out.ASNs),
		FirstSeen: formatTime(sum.FirstSeen, time.RFC3339), LastSeen: formatTime(sum.LastSeen, time.RFC3339),
		Writes: sum.Writes, AccessDenied: sum.AccessDenied, Authenticated: sum.Authenticated, Skipped: skipped,
	}
	out.Operations = nonNil(out.Operations)
	out.Errors = nonNil(out.Errors)
	out.Monthly = nonNil(out.Monthly)
	out.UserAgents = nonNil(out.UserAgents)
	out.UserAgentFamilies = nonNil(out.UserAgentFamilies)
	out.IPs = nonNil(out.IPs)
	out.NonIPSources = nonNil(out.NonIPSources)
	out.Countries = nonNil(out.Countries)
	out.ASNs = nonNil(out.ASNs)
	out.Buckets = nonNil(out.Buckets)
	out.Keys = nonNil(out.Keys)
	out.Principals = nonNil(out.Principals)
	addFilterJSON(out, sum)
	out.Comparison = comparisonJSON(d.cmp, maxIPs)
	out.Bounded = boundedJSON(sum)
	out.Interrupted = r.Interrupted
	out.KeyFindings = r.FindingsMarkdown
	return out
}

// threatIntelJSON lists the providers' statuses and d's verdicts.
func threatIntelJSON(d *facts) ThreatIntelJSON {
	ti := ThreatIntelJSON{Providers: []ProviderJSON{}, BySeverity: []BySeverityJSON{}, Findings: []FindingJSON{}}
	for _, st := range d.statuses {
		ti.Providers = append(ti.Providers, ProviderJSON{st.Source, st.State(), st.Queried, st.FromCache, st.Succeeded, st.Failed, st.NotChecked, st.Stopped, st.Err})
	}
	type sevProv struct{ sev, prov string }
	counts := map[sevProv]int{}
	for _, iv := range d.verdicts {
		v := iv.v
		counts[sevProv{string(v.Severity), v.Provider}]++
		ti.Findings = append(ti.Findings, FindingJSON{d.sum.IPs[iv.ip].Addr.String(), v.Provider, string(v.Severity), v.Score, nonNil(v.Categories), v.Reference})
	}
	for k, n := range counts {
		ti.BySeverity = append(ti.BySeverity, BySeverityJSON{k.sev, k.prov, n})
	}
	sort.Slice(ti.BySeverity, func(i, j int) bool {
		a, b := ti.BySeverity[i], ti.BySeverity[j]
		if ra, rb := enrich.Severity(a.Severity).Rank(), enrich.Severity(b.Severity).Rank(); ra != rb {
			return ra > rb
		}
		return a.Count > b.Count || a.Count == b.Count && a.Provider < b.Provider
	})
	sort.SliceStable(ti.Findings, func(i, j int) bool {
		return enrich.Severity(ti.Findings[i].Severity).Rank() > enrich.Severity(ti.Findings[j].Severity).Rank()
	})
	return ti
}

// WriteJSON writes the summary as JSON with one top-level field, and one
// list element, per line: readable, greppable, and streamed element by
// element, so a summary of 50,000 IPs never exists twice in memory.
// HTML-significant characters stay escaped (\u003c), so the file is safe
// to serve or embed.
func (s *SummaryJSON) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var b []byte
	put := func(x any) error {
		var err error
		if a, ok := x.(jsonAppender); ok {
			b, err = a.appendJSON(b[:0])
		} else {
			b, err = json.Marshal(x)
		}
		if err != nil {
			return err
		}
		bw.Write(b)
		return nil
	}
	v := reflect.ValueOf(s).Elem()
	t := v.Type()
	bw.WriteString("{")
	sep := "\n"
	for i := 0; i < t.NumField(); i++ {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		f := v.Field(i)
		if opts == "omitempty" && f.IsZero() {
			continue
		}
		fmt.Fprintf(bw, "%s  %q: ", sep, name)
		sep = ",\n"
		if f.Kind() == reflect.Slice && f.Len() > 0 {
			bw.WriteString("[\n")
			for j := 0; j < f.Len(); j++ {
				bw.WriteString("    ")
				// By address: the element is not copied, and *IPJSON
				// is a jsonAppender.
				if err := put(f.Index(j).Addr().Interface()); err != nil {
					return err
				}
				if j < f.Len()-1 {
					bw.WriteByte(',')
				}
				bw.WriteByte('\n')
			}
			bw.WriteString("  ]")
		} else if err := put(f.Interface()); err != nil {
			return err
		}
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// nonNil makes empty lists encode as [] rather than null, so consumers can
// iterate without a check.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
