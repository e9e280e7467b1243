package report

import (
	"cmp"
	"sort"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/enrich"
)

// ipProfiles gives the profile of each of a summary's IP sources by the
// source's place in Summary.IPs. A report reads every IP's profile several
// times: each address is looked up once, and not at all when the store
// holds the profiles in the IPs' own order (enrichment ran on
// Summary.Addrs), so two million sources cost no second copy of them.
type ipProfiles struct {
	ips []*aggregate.IPStats
	ps  *enrich.Profiles
	// at is the store's number for each IP's profile, -1 for none; nil
	// when the store's numbers are the IPs' places.
	at []int32
}

func profilesOf(ips []*aggregate.IPStats, ps *enrich.Profiles) ipProfiles {
	x := ipProfiles{ips: ips, ps: ps}
	same := ps.Len() >= len(ips)
	for i := 0; same && i < len(ips); i++ {
		same = ps.Addr(i) == ips[i].Addr
	}
	if same {
		return x
	}
	x.at = make([]int32, len(ips))
	for i, ip := range ips {
		x.at[i] = -1
		if j, ok := ps.Index(ip.Addr); ok {
			x.at[i] = int32(j)
		}
	}
	return x
}

// get returns the profile of ips[i]: one with only the address when
// enrichment found nothing.
func (x ipProfiles) get(i int) enrich.Profile {
	j := i
	if x.at != nil {
		if j = int(x.at[i]); j < 0 {
			return enrich.Profile{Addr: x.ips[i].Addr}
		}
	}
	return x.ps.At(j)
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
func tallyGeography(ips []*aggregate.IPStats, profs ipProfiles) ([]countryTally, []asnTally) {
	cs := map[string]*countryTally{}
	as := map[uint32]*asnTally{}
	for i, ip := range ips {
		p := profs.get(i)
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
