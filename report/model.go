package report

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/enrich"
)

// Input is everything a report is built from.
type Input struct {
	Summary *aggregate.Summary
	// Profiles holds what enrichment found per source IP; an IP without a
	// profile is shown as unknown.
	Profiles *enrich.Profiles
	// Statuses says how each online source (WHOIS, threat intelligence) did.
	Statuses []enrich.Status
	// Sources are the databases used, for versions and attributions.
	Sources []enrich.SourceInfo
	// ThreatIntel names the threat-intelligence providers and feeds that
	// were enabled for this run; empty means threat intelligence did not
	// run, and the report says how to enable it.
	ThreatIntel []string
	// UAFamily classifies a user agent ("AWS CLI", "Python requests",
	// "Browser" ...); nil leaves families out.
	UAFamily func(ua string) string
	// Baseline is an earlier run's summary to compare with (ReadBaseline);
	// without one the report compares with Summary.Previous, when read.
	Baseline *Baseline
	Options  Options
}

// Options are the caller's settings for a report.
type Options struct {
	Title string // default "Honeybucket report"
	// GeneratedAt is shown as the generation time; main passes time.Now or
	// SOURCE_DATE_EPOCH. The report never reads the clock itself.
	GeneratedAt time.Time
	ToolVersion string
	// MaxEventRows bounds the event table (default 500).
	MaxEventRows int
	// TopN bounds the top-N tables and charts (default 15).
	TopN int
	// NotesMarkdown is the analyst's notes (--notes), rendered with raw
	// HTML removed unless AllowNotesHTML.
	NotesMarkdown  []byte
	AllowNotesHTML bool
	// ExportHint is a sentence telling readers where the full event list
	// is ("Every event is in events.csv beside this page."), shown when
	// the event table is cut.
	ExportHint string
	// ThreatIntelHint is how to enable threat intelligence, shown when it
	// did not run (default "--ti PROVIDER or --feed FILE").
	ThreatIntelHint string
	// Interrupted is why the run stopped early ("interrupted by SIGINT"),
	// "" when it ran to the end: the report then says its counts cover
	// only what was done before.
	Interrupted string
}

// Report is the one model of a report, built once by Build and read by
// every renderer. Its exported fields are display-ready: strings cleaned
// and cut, numbers, sorted rows and chart options, which templates only
// loop over. It also keeps the complete values those rows are cut from,
// for renderers that list everything (NewSummaryJSON, NewEventWriter).
type Report struct {
	Title       string
	Period      string // "2022-01-03 – 2022-02-28 (57 days)"
	GeneratedAt string // RFC 3339, UTC
	ToolVersion string
	Empty       bool // no events at all

	Headline []Stat
	// Compare is what changed since the baseline, nil without one.
	Compare *CompareSection
	// FindingsMarkdown is the key findings as Markdown (also used by
	// WriteMarkdown); Findings is the same rendered to HTML.
	FindingsMarkdown string
	Findings         template.HTML
	Notes            template.HTML // "" without notes
	NotesMarkdown    string

	Charts map[string]*Chart

	Monthly        []MonthRow
	Operations     []CountRow
	Errors         []CountRow
	UserAgents     []UARow
	UAFamilies     []CountRow
	UATotal        int // distinct user agents
	Countries      []CountryRow
	Locations      int // distinct map locations
	LocationsShown int // bubbles drawn
	RepeatIPs      []IPRow
	RepeatTotal    int
	TopIPs         []IPRow
	IPTotal        int
	NonIP          []IPRow
	ASNs           []ASNRow
	ASNTotal       int
	Networks       []NetRow
	NetTotal       int
	Threat         ThreatSection

	Writes        []EventRow
	WritesTotal   int64
	Denied        []EventRow
	DeniedTotal   int64
	Principals    []PrincipalRow
	Authenticated int64

	Events          []EventRow
	EventsTotal     int64
	EventsTruncated bool
	ExportHint      string

	Inputs []InputRow
	// InputsOmitted counts the inputs left out of Inputs (a CloudTrail
	// delivery tree has thousands of files): only ones without problems
	// are left out; OmittedEvents and OmittedFiltered are their counts.
	InputsOmitted   int
	OmittedEvents   int64
	OmittedFiltered int64
	// UnmappedOps are the operations missing from ingest's table of S3
	// operations (ingest/s3ops.tsv), counted under the name the log gave
	// them; AWSOps are S3's own work (lifecycle), kept out of every other
	// count. Both are data-quality lines.
	UnmappedOps []CountRow
	AWSOps      []CountRow
	// Limits are data-quality lines for the counts past a bound on
	// distinct values, counted together, and the events outside the days
	// charted; Interrupted is why the run stopped early, "" if it did not.
	Limits      []string
	Interrupted string
	Sources     []SourceRow
	Statuses    []StatusRow
	Filter      FilterSection

	// all is the complete model the display rows above are cut from.
	all *facts
}

// facts is everything a report says, complete and as the data gave it
// (not cleaned or cut for display): the JSON summary and any other
// renderer that lists everything read it, so no renderer computes a
// count a second time. Every slice is in the order of Summary's lists.
type facts struct {
	generatedAt time.Time
	toolVersion string
	sum         *aggregate.Summary
	// profiles gives the profile of each of sum.IPs by its place there;
	// store has every address's, for the export's second read of events.
	profiles ipProfiles
	store    *enrich.Profiles
	// classify is the user-agent classifier, nil for none.
	classify func(ua string) string
	// uaFamily names the family of each of sum.UserAgents ("" unknown),
	// nil without a classifier; families tallies events by family, with
	// unknown ones under enrich.UAFamilyOther, busiest first.
	uaFamily []string
	families []familyTally
	// countries and asns tally sum.IPs by country (Code "" collects those
	// without one) and by AS, busiest first.
	countries []countryTally
	asns      []asnTally
	// verdicts are the threat-intelligence verdicts above "none", by IP in
	// sum.IPs order.
	verdicts []ipVerdict
	statuses []enrich.Status
	sources  []enrich.SourceInfo
	// cmp is the comparison with the baseline, nil without one.
	cmp *comparison
}

// ipVerdict is one verdict on sum.IPs[ip].
type ipVerdict struct {
	ip int
	v  *enrich.Verdict
}

// Stat is one headline number.
type Stat struct {
	Label string
	Value string
	Note  string
	Tone  string // "", "warn" or "bad": how alarming the number is
}

// CountRow is one value and how often it was seen.
type CountRow struct {
	Label    Text
	Events   int64
	Attempts int64
	Share    float64 // of all events, 0..1
	Bar      float64 // Share relative to the table's largest, 0..1, for the inline bar
	Write    bool    // an operation that changes the bucket
}

// Percent is Share for display.
func (r CountRow) Percent() string { return pct(r.Share) }

// MonthRow is one month of the monthly totals table.
type MonthRow struct {
	Month  string
	Events int64
	Share  float64
	Bar    float64
}

func (r MonthRow) Percent() string { return pct(r.Share) }

// UARow is one user agent.
type UARow struct {
	UA     Text
	Family string
	Events int64
	Share  float64
	Bar    float64
}

func (r UARow) Percent() string { return pct(r.Share) }

// CountryRow is one country.
type CountryRow struct {
	Code, Name string
	Events     int64
	IPs        int
	Share      float64
	Bar        float64
}

func (r CountryRow) Percent() string { return pct(r.Share) }

// IPRow is one source address with its enrichment.
type IPRow struct {
	IP          string
	Class       string
	Country     string // code
	CountryName string
	ASN         string // "AS64500" or ""
	Org         Text
	Hosting     bool
	Events      int64
	Attempts    int64
	Writes      int64
	First       string
	Last        string
	TopUA       Text
	UAs         int
	Severity    string
}

// ASNRow is one autonomous system.
type ASNRow struct {
	ASN     string
	Org     Text
	Hosting bool
	Events  int64
	IPs     int
	Share   float64
	Bar     float64
}

func (r ASNRow) Percent() string { return pct(r.Share) }

// NetRow is one /24 (IPv4) or /48 (IPv6) network.
type NetRow struct {
	Prefix string
	Org    Text
	Events int64
	IPs    int
}

// ThreatSection is the threat-intelligence part.
type ThreatSection struct {
	Ran        bool
	Hint       string
	Providers  []string
	Flagged    int // IPs with a verdict above none
	BySeverity []CountRow
	ByProvider []ProviderRow
	Findings   []ThreatRow
	// RollUp has one row per source with any verdict, the worst first:
	// the table before Findings.
	RollUp []RollUpRow
	// Problems lists the requested providers that did not answer for
	// every address, by provider name; Incomplete says so in one sentence
	// ("3 of 5 providers failed: otx (timeout), ...; results
	// incomplete"), empty when every provider answered. AllFailed is set
	// when every requested provider failed every lookup: then Flagged
	// says nothing about the addresses.
	Problems   []ProviderProblem
	Incomplete string
	AllFailed  bool
}

// ProviderProblem is a threat-intelligence provider that did not answer
// for every address.
type ProviderProblem struct {
	Provider string
	State    string // "failed", "partial" or "interrupted" (enrich.Status.State)
	Detail   string // why, or how many lookups failed
}

// summary words t.Problems as one sentence, each value from the data
// passed through esc (plain text or Markdown).
func (t *ThreatSection) summary(esc func(string, int) string) string {
	groups := map[string][]string{}
	for _, p := range t.Problems {
		groups[p.State] = append(groups[p.State], fmt.Sprintf("%s (%s)", esc(p.Provider, 60), esc(p.Detail, 160)))
	}
	var parts []string
	for _, g := range []struct{ state, verb string }{
		{enrich.StateFailed, "failed"},
		{enrich.StatePartial, "answered only in part"},
		{enrich.StateInterrupted, "were interrupted"},
	} {
		if list := groups[g.state]; len(list) > 0 {
			parts = append(parts, fmt.Sprintf("%d of %d providers %s: %s", len(list), len(t.Providers), g.verb, strings.Join(list, ", ")))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + "; results incomplete"
}

// ProviderRow counts one provider's verdicts by severity.
type ProviderRow struct {
	Provider                   string
	High, Warning, Information int
	Clean                      int
}

// ThreatRow is one provider's verdict on one IP.
type ThreatRow struct {
	IP         string
	Events     int64
	Provider   string
	Severity   string
	Score      string
	Categories Text
	// Link is the provider's page for the IP, set only for https URLs we
	// built; Reference is the text shown either way.
	Link      string
	Reference Text
}

// EventRow is one event for the notable and full event tables.
type EventRow struct {
	Time     string
	Source   Text
	Country  string
	Op       string
	Write    bool
	Bucket   Text
	Key      Text
	UA       Text
	Identity Text
	Error    Text
	Attempts int
	Pos      Text
}

// PrincipalRow is one non-anonymous identity.
type PrincipalRow struct {
	Account Text
	Type    Text
	ARN     Text
	Events  int64
	First   string
	Last    string
}

// InputRow is the data-quality line of one input.
type InputRow struct {
	Name       Text
	Format     string
	Events     int64
	Skipped    int64
	Filtered   int64
	Reasons    []ReasonRow
	Errors     []Text
	MoreErrors int64
	Err        Text
	Bytes      string
	SHA256     string
}

// ReasonRow counts one skip reason.
type ReasonRow struct {
	Reason Text
	Count  int64
}

// SourceRow describes one database used.
type SourceRow struct {
	Name, Kind, Version, BuildDate, Licence string
	Attribution                             Text
	URL                                     string // shown as text, linked only when https
	Link                                    string
}

// StatusRow is how one online source did.
type StatusRow struct {
	Source                                string
	Queried, FromCache, Succeeded, Failed int
	NotChecked                            int // not asked: budget, quota or interrupt (Err says which)
	Err                                   Text
	Duration                              string
}
