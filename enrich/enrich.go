package enrich

import (
	"net/netip"
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

// Status says how one source did over a whole run.
type Status struct {
	Source    string
	Queried   int // addresses asked of the source (network or cache)
	FromCache int
	Succeeded int
	Failed    int
	// Interrupted is set when the run was cancelled before every address
	// was asked: Queried is then short of the addresses wanted.
	Interrupted bool
	// Err summarises why lookups failed ("timeout", "HTTP 401: check the
	// API key", ...); it never contains an API key.
	Err      string
	Duration time.Duration
}

// The states of a Status, as State reports them.
const (
	StateOK          = "ok"          // every address asked was answered
	StatePartial     = "partial"     // some lookups failed
	StateFailed      = "failed"      // every lookup failed
	StateInterrupted = "interrupted" // the run stopped before every address was asked
)

// State sums s up in one word: an interrupted source is never "ok", and a
// source whose every lookup failed is "failed", not a source that found
// nothing.
func (s Status) State() string {
	switch {
	case s.Interrupted:
		return StateInterrupted
	case s.Failed > 0 && s.Succeeded == 0:
		return StateFailed
	case s.Failed > 0:
		return StatePartial
	}
	return StateOK
}
