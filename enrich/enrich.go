package enrich

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Profile is everything known about one source IP. Absent data is the zero
// value of each part; use the Has methods rather than comparing fields.
type Profile struct {
	Addr  netip.Addr
	Class IPClass
	Geo   Geo
	ASN   ASN
	// Whois is the registration record, nil when WHOIS did not run or found nothing.
	Whois *Whois
	// Threat holds one verdict per threat-intelligence source that answered.
	Threat []Verdict
}

// Severity is the highest severity among the profile's verdicts.
func (p *Profile) Severity() Severity {
	s := SeverityNone
	for _, v := range p.Threat {
		if v.Severity.Rank() > s.Rank() {
			s = v.Severity
		}
	}
	return s
}

// IPClass is the kind of address, so that private or reserved sources (a
// misconfigured log, a spoofed header) are not mistaken for internet hosts.
type IPClass string

const (
	ClassPublic        IPClass = "public"
	ClassPrivate       IPClass = "private"       // RFC 1918, ULA fc00::/7
	ClassLoopback      IPClass = "loopback"      // 127/8, ::1
	ClassLinkLocal     IPClass = "link-local"    // 169.254/16, fe80::/10
	ClassCGNAT         IPClass = "cgnat"         // 100.64/10
	ClassDocumentation IPClass = "documentation" // TEST-NET-1..3, 2001:db8::/32
	ClassReserved      IPClass = "reserved"      // 240/4, 0/8, benchmarking, ...
	ClassMulticast     IPClass = "multicast"
	ClassBogon         IPClass = "bogon"  // unallocated space, unspecified address
	ClassNotIP         IPClass = "not-ip" // a service name such as s3.amazonaws.com
)

// Geo is where an address is, as precise as the best database knows.
type Geo struct {
	CountryCode string // ISO 3166-1 alpha-2, upper case
	CountryName string // English name
	City        string
	Region      string
	Lat, Lon    float64
	// AccuracyKM is the database's accuracy radius; 0 when unknown.
	AccuracyKM int
	// Precise is false when Lat/Lon is the country's representative point
	// rather than the database's own coordinates for the address.
	Precise bool
	// Source names the database that answered.
	Source string
}

// HasLocation reports whether Lat/Lon are meaningful.
func (g Geo) HasLocation() bool { return g.Lat != 0 || g.Lon != 0 }

// Coordinates returns the location for JSON output: nil when unknown, so
// that "no location" is never written as the point 0,0 off Africa.
func (g Geo) Coordinates() (lat, lon *float64) {
	if !g.HasLocation() {
		return nil, nil
	}
	return &g.Lat, &g.Lon
}

// ASN is the autonomous system announcing an address.
type ASN struct {
	Number uint32
	Org    string
	// Network is the announced prefix the address falls in, when known.
	Network netip.Prefix
	// Hosting is true for ASNs of well-known hosting and cloud providers.
	Hosting bool
	Source  string
}

// HasASN reports whether an AS is known.
func (a ASN) HasASN() bool { return a.Number != 0 }

// Whois is a registration record parsed from a RIR's WHOIS (or RDAP) answer.
type Whois struct {
	Network      netip.Prefix // CIDR covering the address, when the answer gave one
	Range        string       // the range as written (inetnum/NetRange)
	NetName      string
	Org          string
	Country      string
	AbuseContact string
	OriginAS     uint32
	Registry     string // RIPE, ARIN, APNIC, LACNIC, AFRINIC
	Source       string
}

// Severity is a threat-intelligence verdict level, as msticpy names them.
type Severity string

const (
	SeverityNone        Severity = ""
	SeverityInformation Severity = "information"
	SeverityWarning     Severity = "warning"
	SeverityHigh        Severity = "high"
)

// Rank orders severities: none 0, information 1, warning 2, high 3.
func (s Severity) Rank() int {
	switch s {
	case SeverityInformation:
		return 1
	case SeverityWarning:
		return 2
	case SeverityHigh:
		return 3
	}
	return 0
}

// Verdict is one threat-intelligence source's answer for one IP.
type Verdict struct {
	Provider   string
	Severity   Severity
	Score      float64 // provider's own scale, see the provider's doc comment
	Categories []string
	// Reference is a human-readable page at the provider for this IP. It is
	// built by us from the provider's base URL and the IP, never taken from
	// the provider's answer.
	Reference string
	// Raw is the provider's answer, kept in the cache and available for export.
	Raw []byte `json:"-"`
}

// Status says how one source did over a whole run. Every address wanted
// is in exactly one of: looked up (Succeeded-FromCache), from the cache
// (FromCache), failed (Failed), not checked (NotChecked).
type Status struct {
	Source string
	// Total is the number of addresses the source was to be asked about;
	// 0 for statuses that do not count addresses wanted (offline data).
	Total     int
	Queried   int // addresses asked of the source (network or cache)
	FromCache int // answered without a request: the cache, or a registered range already known
	Succeeded int
	Failed    int
	// NotChecked counts the addresses never asked, because of Stopped;
	// Stale of them are shown with an expired cached answer.
	NotChecked int
	Stale      int
	// Stopped says why the source stopped before every address was asked
	// ("time budget of 2m0s ran out", "daily quota reached (500 of 500),
	// resumes after 00:00 UTC", "interrupted"); empty when it did not.
	Stopped string
	// Interrupted is set when the run was cancelled (Ctrl-C) before every
	// address was asked.
	Interrupted bool
	// Err summarises why lookups failed ("timeout", "HTTP 401: check the
	// API key", ...); it never contains an API key.
	Err      string
	Duration time.Duration
}

// LookedUp is the number of addresses answered over the network.
func (s Status) LookedUp() int { return s.Succeeded - s.FromCache }

// Accounting says what was and was not done, for a reader: "looked up 12,
// from cache 30, not checked 208 (time budget of 20s ran out), failed 3
// (timeout)". Parts that are zero are left out, except looked up.
func (s Status) Accounting() string {
	parts := []string{fmt.Sprintf("looked up %d", s.LookedUp())}
	if s.FromCache > 0 {
		parts = append(parts, fmt.Sprintf("from cache %d", s.FromCache))
	}
	if s.NotChecked > 0 {
		nc := fmt.Sprintf("not checked %d", s.NotChecked)
		switch {
		case s.Stopped != "" && s.Stale > 0:
			nc += fmt.Sprintf(" (%s; %d shown from an expired cache entry)", s.Stopped, s.Stale)
		case s.Stopped != "":
			nc += " (" + s.Stopped + ")"
		}
		parts = append(parts, nc)
	}
	if s.Failed > 0 {
		f := fmt.Sprintf("failed %d", s.Failed)
		if s.Err != "" {
			f += " (" + s.Err + ")"
		}
		parts = append(parts, f)
	}
	return strings.Join(parts, ", ")
}

// The states of a Status, as State reports them.
const (
	StateOK          = "ok"          // every address wanted was answered
	StatePartial     = "partial"     // some lookups failed, or some addresses were not checked (budget, quota)
	StateFailed      = "failed"      // every lookup failed
	StateInterrupted = "interrupted" // the run was cancelled before every address was asked
)

// State sums s up in one word: a source that did not finish is never
// "ok", and a source whose every lookup failed is "failed", not a source
// that found nothing.
func (s Status) State() string {
	switch {
	case s.Interrupted:
		return StateInterrupted
	case s.Failed > 0 && s.Succeeded == 0 && s.NotChecked == 0:
		return StateFailed
	case s.Failed > 0 || s.NotChecked > 0:
		return StatePartial
	}
	return StateOK
}
