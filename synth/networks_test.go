package synth_test

import (
	"testing"

	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/synth"
)

// TestNetworksResolve checks the generated addresses against the embedded
// enrichment data: nearly every public address must have a country and an
// ASN, and together they must span many of both, or the demo report would
// show a thin, implausible map.
func TestNetworksResolve(t *testing.T) {
	e, err := enrich.OpenEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	g, err := synth.New(synth.Config{Events: 20000, IPs: 4000, Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	countries := map[string]int{}
	asns := map[uint32]int{}
	var public, unresolved, hosting, v6 int
	for r := range g.Ascending() {
		a := r.Source
		if seen[a.String()] {
			continue
		}
		seen[a.String()] = true
		if a.IsPrivate() {
			continue
		}
		public++
		if a.Is6() {
			v6++
		}
		cc := e.Country(a)
		asn, ok := e.ASN(a)
		if cc == "" || !ok {
			unresolved++
			t.Logf("%s: country %q, ASN found %v", a, cc, ok)
			continue
		}
		countries[cc]++
		asns[asn.Number]++
		if asn.Hosting {
			hosting++
		}
	}
	if unresolved*100 > public*2 {
		t.Errorf("%d of %d public addresses have no country or ASN", unresolved, public)
	}
	if len(countries) < 20 || len(asns) < 30 {
		t.Errorf("%d countries and %d ASNs, want at least 20 and 30", len(countries), len(asns))
	}
	if share := float64(hosting) / float64(public); share < 0.5 || share > 0.9 {
		t.Errorf("%.2f of addresses in hosting ASNs, want most but not all", share)
	}
	if share := float64(v6) / float64(public); share < 0.03 || share > 0.08 {
		t.Errorf("IPv6 share %.3f, want about 0.05", share)
	}
	t.Logf("%d public addresses: %d countries, %d ASNs, %d hosting, %d IPv6", public, len(countries), len(asns), hosting, v6)
}
