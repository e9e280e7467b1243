package report

import "github.com/honeyreport/honeyreport/enrich"

// IPProfile is what enrichment says about one address, in the one shape
// every output uses: the JSON summary's ips[] (after the traffic counts),
// the export's enrichment columns (the same names, without WHOIS) and
// honeyreport lookup --json (with Detail). Strings are as the databases
// and providers gave them: attacker controlled, to be escaped by the
// writer.
type IPProfile struct {
	IP           string   `json:"ip"`
	Country      string   `json:"country"` // ISO 3166 code
	CountryName  string   `json:"country_name"`
	City         string   `json:"city"`
	Lat          *float64 `json:"lat"` // nil without a location
	Lon          *float64 `json:"lon"`
	ASN          uint32   `json:"asn"` // 0 without one
	ASOrg        string   `json:"as_org"`
	IPClass      string   `json:"ip_class"`
	Hosting      bool     `json:"hosting"`
	WhoisOrg     string   `json:"whois_org"`
	WhoisCountry string   `json:"whois_country"`
	AbuseContact string   `json:"abuse_contact"`
	Severity     string   `json:"severity"` // highest threat-intelligence verdict
	// The roll-up across threat-intelligence providers (RollUp): how many
	// flagged the address (high or warning) of how many answered, which,
	// and the union of their categories.
	TIFlagged    int      `json:"ti_flagged"`
	TIAnswered   int      `json:"ti_answered"`
	TIFlaggedBy  []string `json:"ti_flagged_by"`
	TICategories []string `json:"ti_categories"`
	// Detail is the rest, for a look at a few addresses; nil (and left
	// out of the JSON) in the summary, which lists thousands.
	*IPDetail
}

// IPDetail is the part of an IPProfile only lookup shows.
type IPDetail struct {
	Region       string        `json:"region"`
	Precise      bool          `json:"precise_location"` // city-level, not a country's centre
	AccuracyKM   int           `json:"accuracy_km"`
	GeoSource    string        `json:"geo_source"`
	Network      string        `json:"network"` // announced prefix
	WhoisNetwork string        `json:"whois_network"`
	Threat       []VerdictJSON `json:"threat"`
}

// VerdictJSON is one threat-intelligence verdict.
type VerdictJSON struct {
	Provider   string   `json:"provider"`
	Severity   string   `json:"severity"`
	Score      float64  `json:"score"`
	Categories []string `json:"categories"`
	Reference  string   `json:"reference,omitempty"`
}

// NewIPProfile returns p in the shape of the outputs; with detail, Detail
// is set too.
func NewIPProfile(p *enrich.Profile, detail bool) IPProfile {
	j := IPProfile{IP: p.Addr.String(), Country: p.Geo.CountryCode, CountryName: p.Geo.CountryName, City: p.Geo.City,
		ASN: p.ASN.Number, ASOrg: p.ASN.Org, IPClass: string(p.Class), Hosting: p.ASN.Hosting, Severity: string(p.Severity())}
	j.Lat, j.Lon = p.Geo.Coordinates()
	ru := NewRollUp(p)
	j.TIFlagged, j.TIAnswered, j.TIFlaggedBy, j.TICategories = ru.Flagged, ru.Answered, ru.FlaggedBy, ru.Categories
	if w := p.Whois; w != nil {
		j.WhoisOrg, j.WhoisCountry, j.AbuseContact = w.Org, w.Country, w.AbuseContact
	}
	if !detail {
		return j
	}
	d := &IPDetail{Region: p.Geo.Region, Precise: p.Geo.Precise, AccuracyKM: p.Geo.AccuracyKM, GeoSource: p.Geo.Source, Threat: []VerdictJSON{}}
	if p.ASN.Network.IsValid() {
		d.Network = p.ASN.Network.String()
	}
	if w := p.Whois; w != nil {
		d.WhoisNetwork = w.Range
		if w.Network.IsValid() {
			d.WhoisNetwork = w.Network.String()
		}
	}
	for _, v := range p.Threat {
		d.Threat = append(d.Threat, VerdictJSON{Provider: v.Provider, Severity: string(v.Severity), Score: v.Score, Categories: nonNil(v.Categories), Reference: v.Reference})
	}
	j.IPDetail = d
	return j
}
