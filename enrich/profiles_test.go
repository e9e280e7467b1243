package enrich

import (
	"context"
	"net/netip"
	"runtime"
	"testing"
	"unsafe"
)

func TestProfilesSetLookup(t *testing.T) {
	geo := Geo{CountryCode: "DE", CountryName: "Germany", Lat: 51, Lon: 9, Source: "test"}
	asn := ASN{Number: 64500, Org: "Example", Hosting: true, Source: "test"}
	whois := &Whois{Org: "Example GmbH"}
	threat := []Verdict{{Provider: "otx", Severity: SeverityHigh}}
	profs := []Profile{
		{Addr: netip.MustParseAddr("192.0.2.1"), Class: ClassPublic, Geo: geo, ASN: asn},
		{Addr: netip.MustParseAddr("::ffff:192.0.2.1"), Class: ClassPublic, Geo: geo, ASN: asn, Whois: whois},
		{Addr: netip.MustParseAddr("fe80::1%eth0"), Class: ClassLinkLocal},
		{Addr: netip.MustParseAddr("fe80::1"), Class: ClassLinkLocal, Threat: threat},
		{Addr: netip.MustParseAddr("2001:db8::1"), Class: ClassDocumentation},
	}
	ps := NewProfiles()
	for i := len(profs) - 1; i >= 0; i-- {
		ps.Set(profs[i])
	}
	if ps.Len() != len(profs) {
		t.Fatalf("Len = %d, want %d (IPv4, 4in6, zoned and unzoned are distinct)", ps.Len(), len(profs))
	}
	for _, want := range profs {
		got, ok := ps.Lookup(want.Addr)
		if !ok || got.Addr != want.Addr || got.Class != want.Class || got.Geo != want.Geo || got.ASN != want.ASN ||
			got.Whois != want.Whois || len(got.Threat) != len(want.Threat) {
			t.Errorf("Lookup(%s) = %+v, %v; want %+v", want.Addr, got, ok, want)
		}
	}
	if got, ok := ps.Lookup(netip.MustParseAddr("192.0.2.2")); ok || got.Addr.String() != "192.0.2.2" {
		t.Errorf("absent address: %+v, %v", got, ok)
	}
	if got := ps.WithThreat(); len(got) != 1 || got[0] != netip.MustParseAddr("fe80::1") {
		t.Errorf("WithThreat = %v", got)
	}
	// Replacing keeps the number and drops what the new profile lacks.
	i, _ := ps.Index(profs[1].Addr)
	ps.Set(Profile{Addr: profs[1].Addr, Class: ClassPublic})
	if j, _ := ps.Index(profs[1].Addr); j != i || ps.At(i).Whois != nil || ps.At(i).Geo.CountryCode != "" {
		t.Errorf("after replacing: index %d (was %d), %+v", j, i, ps.At(i))
	}
	// The place and the AS are stored once for both addresses that had them.
	if len(ps.geos) != 2 || len(ps.asns) != 2 {
		t.Errorf("tables hold %d places and %d ASes, want 2 each (zero value and one)", len(ps.geos), len(ps.asns))
	}
	var nilPS *Profiles
	if _, ok := nilPS.Lookup(profs[0].Addr); ok || nilPS.Len() != 0 || nilPS.WithThreat() != nil {
		t.Error("a nil store is not empty")
	}
}

func TestNewProfiles(t *testing.T) {
	a := netip.MustParseAddr("198.51.100.7")
	ps := NewProfiles(&Profile{Addr: a, Class: ClassPublic}, &Profile{Addr: netip.MustParseAddr("10.0.0.1")}, &Profile{Addr: a, Class: ClassDocumentation})
	if ps.Len() != 2 || ps.At(0).Addr != a {
		t.Fatalf("Len %d, first %s; want 2 and %s", ps.Len(), ps.At(0).Addr, a)
	}
	if p, _ := ps.Lookup(a); p.Class != ClassDocumentation {
		t.Errorf("class %q: a later profile does not replace an earlier one", p.Class)
	}
}

func TestNewProfilesForDuplicates(t *testing.T) {
	var in []netip.Addr
	for _, s := range []string{"10.0.0.3", "10.0.0.1", "10.0.0.3", "::1", "10.0.0.1", "10.0.0.2"} {
		in = append(in, netip.MustParseAddr(s))
	}
	ps := newProfilesFor(in)
	want := []string{"10.0.0.3", "10.0.0.1", "::1", "10.0.0.2"}
	if ps.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", ps.Len(), len(want))
	}
	for i, w := range want {
		if got := ps.Addr(i).String(); got != w {
			t.Errorf("Addr(%d) = %s, want %s", i, got, w)
		}
		if j, ok := ps.search(netip.MustParseAddr(w)); !ok || j != i {
			t.Errorf("search(%s) = %d, %v; want %d", w, j, ok, i)
		}
		if _, ok := ps.Lookup(netip.MustParseAddr(w)); ok {
			t.Errorf("%s has a profile before its lookup", w)
		}
	}
}

// TestProfileRecordSize keeps the per-address record small: it is what
// two million sources cost.
func TestProfileRecordSize(t *testing.T) {
	if n := unsafe.Sizeof(profileRec{}); n > 28 {
		t.Errorf("profileRec is %d bytes, want at most 28", n)
	}
}

// TestBytesPerProfile measures what LookupMany's store costs per distinct
// address with the embedded data, the case of a botnet scan or a forged
// log: two million addresses must fit in well under a gigabyte with the
// aggregator's records.
func TestBytesPerProfile(t *testing.T) {
	const n = 200_000
	o := NewOffline(testEmbedded(t))
	addrs := make([]netip.Addr, n)
	for i := range addrs {
		if i%10 == 0 {
			addrs[i] = netip.AddrFrom16([16]byte{0x2a, 0x00, 0x14, 0x50, 12: byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})
		} else {
			// Spread over the IPv4 space, so that many countries and ASes answer.
			v := uint32(i) * 2654435761
			addrs[i] = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		}
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC() // and what the first freed from sync.Pools
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	o.Lookup(addrs[1]) // the embedded data's tables are loaded on first use
	before := heap()
	ps, err := o.LookupMany(context.Background(), addrs, 2)
	if err != nil {
		t.Fatal(err)
	}
	after := heap()
	runtime.KeepAlive(addrs)
	per := float64(after-before) / n
	t.Logf("bytes per distinct address: %.0f (%d places, %d ASes)", per, len(ps.geos), len(ps.asns))
	if per > 64 {
		t.Errorf("a profile costs %.0f bytes, want at most 64", per)
	}
	runtime.KeepAlive(ps)
}
