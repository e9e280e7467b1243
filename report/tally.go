package report

import (
	"sort"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/enrich"
)

// profilesOf returns the profile of each of ips, in order (an empty one
// where there is none). A report reads every IP's profile several times;
// looking each up once saves tens of thousands of map lookups.
func profilesOf(ips []*aggregate.IPStats, profiles Profiles) []*enrich.Profile {
	out := make([]*enrich.Profile, len(ips))
	for i, ip := range ips {
		out[i] = profiles.profile(ip.Addr)
	}
	return out
}

// countryTally and asnTally are what both the HTML report and the JSON
// summary say about where sources are: events and distinct IPs per country
// and per AS, busiest first.
type countryTally struct {
	Code, Name string // Code "" collects addresses without a known country
	Events     int64
	IPs        int
}

type asnTally struct {
	ASN     uint32
	Org     string
	Hosting bool
	Events  int64
	IPs     int
}

// tallyGeography counts sum's IP sources by country and by AS; profs are
// their profiles, in the same order. Lists are sorted by events,
// descending, ties by country code or AS number.
func tallyGeography(ips []*aggregate.IPStats, profs []*enrich.Profile) ([]countryTally, []asnTally) {
	cs := map[string]*countryTally{}
	as := map[uint32]*asnTally{}
	for i, ip := range ips {
		p := profs[i]
		c := cs[p.Geo.CountryCode]
		if c == nil {
			c = &countryTally{Code: p.Geo.CountryCode, Name: p.Geo.CountryName}
			cs[c.Code] = c
		}
		c.Events += ip.Events
		c.IPs++
		if p.ASN.HasASN() {
			a := as[p.ASN.Number]
			if a == nil {
				a = &asnTally{ASN: p.ASN.Number, Org: p.ASN.Org, Hosting: p.ASN.Hosting}
				as[a.ASN] = a
			}
			a.Events += ip.Events
			a.IPs++
		}
	}
	countries := make([]countryTally, 0, len(cs))
	for _, c := range cs {
		countries = append(countries, *c)
	}
	sort.Slice(countries, func(i, j int) bool {
		x, y := countries[i], countries[j]
		return x.Events > y.Events || x.Events == y.Events && x.Code < y.Code
	})
	asns := make([]asnTally, 0, len(as))
	for _, a := range as {
		asns = append(asns, *a)
	}
	sort.Slice(asns, func(i, j int) bool {
		x, y := asns[i], asns[j]
		return x.Events > y.Events || x.Events == y.Events && x.ASN < y.ASN
	})
	return countries, asns
}
