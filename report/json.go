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
	Operations  []OpJSON    `json:"operations"`
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

type IPJSON struct {
	IP           string   `json:"ip"`
	Count        int64    `json:"count"`
	Attempts     int64    `json:"attempts"`
	FirstSeen    string   `json:"first_seen"`
	LastSeen     string   `json:"last_seen"`
	TopUserAgent string   `json:"top_user_agent"`
	Country      string   `json:"country"`
	CountryName  string   `json:"country_name"`
	City         string   `json:"city"`
	Lat          *float64 `json:"lat"`
	Lon          *float64 `json:"lon"`
	ASN          uint32   `json:"asn"`
	ASOrg        string   `json:"as_org"`
	IPClass      string   `json:"ip_class"`
	Hosting      bool     `json:"hosting"`
	WhoisOrg     string   `json:"whois_org"`
	WhoisCountry string   `json:"whois_country"`
	AbuseContact string   `json:"abuse_contact"`
	Severity     string   `json:"severity"`
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
	Error     string `json:"error"`
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

// NewSummaryJSON builds the JSON summary. uaFamily names a user agent's
// family (nil leaves families empty); sources describes the databases used.
// It lists the maxIPs busiest IP sources and counts the others in
// IPsOmitted; totals, countries, ASNs and findings still cover them all.
func NewSummaryJSON(sum *aggregate.Summary, profiles *enrich.Profiles, statuses []enrich.Status, sources []enrich.SourceInfo, uaFamily func(string) string, generatedAt time.Time, toolVersion string, maxIPs int) *SummaryJSON {
	out := &SummaryJSON{
		Schema:      SummarySchema,
		GeneratedAt: generatedAt.UTC().Format(time.RFC3339),
		Tool:        ToolJSON{Name: "honeyreport", Version: toolVersion},
		Sources:     []SourceJSON{},
	}
	for _, src := range sources {
		date := ""
		if !src.BuildDate.IsZero() {
			date = src.BuildDate.UTC().Format("2006-01-02")
		}
		out.Sources = append(out.Sources, SourceJSON{Name: src.Name, Kind: string(src.Kind), Version: src.Version, BuildDate: date, Licence: src.Licence, Attribution: src.Attribution})
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
	families := map[string]int64{}
	for _, c := range sum.UserAgents {
		fam := ""
		if uaFamily != nil {
			fam = uaFamily(c.Key)
			families[fam] += c.Events
		}
		out.UserAgents = append(out.UserAgents, UserAgentJSON{c.Key, fam, c.Events})
	}
	for f, n := range families {
		out.UserAgentFamilies = append(out.UserAgentFamilies, FamilyJSON{f, n})
	}
	sort.Slice(out.UserAgentFamilies, func(i, j int) bool {
		a, b := out.UserAgentFamilies[i], out.UserAgentFamilies[j]
		return a.Count > b.Count || a.Count == b.Count && a.Family < b.Family
	})

	profs := profilesOf(sum.IPs, profiles)
	listed := sum.IPs[:min(len(sum.IPs), max(maxIPs, 0))]
	out.IPsOmitted = len(sum.IPs) - len(listed)
	out.IPs = make([]IPJSON, 0, len(listed))
	for i, ip := range listed {
		p := profs.get(i)
		ua, _ := ip.TopUserAgent()
		j := IPJSON{IP: ip.Addr.String(), Count: ip.Events, Attempts: ip.Attempts, FirstSeen: jsonTime(ip.FirstSeen), LastSeen: jsonTime(ip.LastSeen),
			TopUserAgent: ua, Country: p.Geo.CountryCode, CountryName: p.Geo.CountryName, City: p.Geo.City,
			ASN: p.ASN.Number, ASOrg: p.ASN.Org, IPClass: string(p.Class), Hosting: p.ASN.Hosting, Severity: string(p.Severity())}
		j.Lat, j.Lon = p.Geo.Coordinates()
		if w := p.Whois; w != nil {
			j.WhoisOrg, j.WhoisCountry, j.AbuseContact = w.Org, w.Country, w.AbuseContact
		}
		out.IPs = append(out.IPs, j)
	}
	countries, asns := tallyGeography(sum.IPs, profs)
	for _, c := range countries {
		if c.Code != "" {
			out.Countries = append(out.Countries, CountryJSON{c.Code, c.Name, c.Events, c.IPs})
		}
	}
	for _, a := range asns {
		out.ASNs = append(out.ASNs, ASNJSON{a.ASN, a.Org, a.Events, a.IPs})
	}
	for _, s := range sum.NonIPSources {
		out.NonIPSources = append(out.NonIPSources, NonIPJSON{s.Text, s.Events, jsonTime(s.FirstSeen), jsonTime(s.LastSeen)})
	}
	for _, c := range sum.Buckets {
		out.Buckets = append(out.Buckets, KeyCountJSON{c.Key, c.Events})
	}
	for _, c := range sum.Keys {
		out.Keys = append(out.Keys, KeyCountJSON{c.Key, c.Events})
	}
	for _, p := range sum.Principals {
		id := p.Identity
		out.Principals = append(out.Principals, PrincipalJSON{id.Type, id.AccountID, id.PrincipalID, id.ARN, id.UserName, p.Events, jsonTime(p.FirstSeen), jsonTime(p.LastSeen)})
	}
	out.ThreatIntel = threatIntelJSON(sum.IPs, profs, statuses)
	out.Totals = TotalsJSON{
		Events: sum.Events, Attempts: sum.Attempts, UniqueIPs: len(sum.IPs), NonIPSources: len(sum.NonIPSources),
		Countries: len(out.Countries), ASNs: len(out.ASNs),
		FirstSeen: jsonTime(sum.FirstSeen), LastSeen: jsonTime(sum.LastSeen),
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
	return out
}

// threatIntelJSON lists the verdicts on ips; profs are their profiles, in
// the same order.
func threatIntelJSON(ips []*aggregate.IPStats, profs ipProfiles, statuses []enrich.Status) ThreatIntelJSON {
	ti := ThreatIntelJSON{Providers: []ProviderJSON{}, BySeverity: []BySeverityJSON{}, Findings: []FindingJSON{}}
	for _, st := range statuses {
		ti.Providers = append(ti.Providers, ProviderJSON{st.Source, st.State(), st.Queried, st.FromCache, st.Succeeded, st.Failed, st.Err})
	}
	type sevProv struct{ sev, prov string }
	counts := map[sevProv]int{}
	for i, ip := range ips {
		for _, v := range profs.get(i).Threat {
			if v.Severity == enrich.SeverityNone {
				continue
			}
			counts[sevProv{string(v.Severity), v.Provider}]++
			ti.Findings = append(ti.Findings, FindingJSON{ip.Addr.String(), v.Provider, string(v.Severity), v.Score, nonNil(v.Categories), v.Reference})
		}
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

func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// nonNil makes empty lists encode as [] rather than null, so consumers can
// iterate without a check.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
