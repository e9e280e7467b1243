package report

import (
	"cmp"
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
		c := entry(cs, p.Geo.CountryCode, func() countryTally { return countryTally{Code: p.Geo.CountryCode, Name: p.Geo.CountryName} })
		c.Events += ip.Events
		c.IPs++
		if p.ASN.HasASN() {
			a := entry(as, p.ASN.Number, func() asnTally { return asnTally{ASN: p.ASN.Number, Org: p.ASN.Org, Hosting: p.ASN.Hosting} })
			a.Events += ip.Events
			a.IPs++
		}
	}
	countries := sortedValues(cs, func(x, y countryTally) bool {
		return x.Events > y.Events || x.Events == y.Events && x.Code < y.Code
	})
	asns := sortedValues(as, func(x, y asnTally) bool {
		return x.Events > y.Events || x.Events == y.Events && x.ASN < y.ASN
	})
	return countries, asns
}

// familyTally counts the events of one user-agent family.
type familyTally struct {
	Family           string
	Events, Attempts int64
}

// tallyFamilies counts uas by family; families names each of uas, in the
// same order, "" for unknown, counted as enrich.UAFamilyOther. The list
// is sorted by events, descending, ties by name.
func tallyFamilies(uas []aggregate.Count, families []string) []familyTally {
	fs := map[string]*familyTally{}
	for i, c := range uas {
		f := cmp.Or(families[i], enrich.UAFamilyOther)
		t := entry(fs, f, func() familyTally { return familyTally{Family: f} })
		t.Events += c.Events
		t.Attempts += c.Attempts
	}
	return sortedValues(fs, func(x, y familyTally) bool {
		return x.Events > y.Events || x.Events == y.Events && x.Family < y.Family
	})
}

// entry returns m's tally for k, adding the one made by mk when absent.
func entry[K comparable, T any](m map[K]*T, k K, mk func() T) *T {
	t := m[k]
	if t == nil {
		v := mk()
		t = &v
		m[k] = t
	}
	return t
}

// sortedValues returns m's tallies ordered by less, which must be total
// (map order must not show).
func sortedValues[K comparable, T any](m map[K]*T, less func(x, y T) bool) []T {
	out := make([]T, 0, len(m))
	for _, t := range m {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out
}
