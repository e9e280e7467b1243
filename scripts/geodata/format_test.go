package main

import (
	"io/fs"
	"net/netip"
	"testing"
	"testing/fstest"

	"github.com/honeyreport/honeyreport/assets/geodata"
	"github.com/honeyreport/honeyreport/enrich"
)

func r(start, end string, val uint32) rng {
	return rng{netip.MustParseAddr(start), netip.MustParseAddr(end), val}
}

func TestNormalise(t *testing.T) {
	got, err := normalise([]rng{
		r("1.0.1.0", "1.0.1.255", 2),
		r("1.0.0.0", "1.0.0.255", 2),  // unsorted, adjacent, same value: merged
		r("1.0.1.128", "1.0.2.10", 3), // overlaps: clipped to 1.0.2.0
		r("1.0.2.5", "1.0.2.6", 4),    // inside the previous: dropped
		r("1.0.4.0", "1.0.4.255", 5),  // after a gap
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []entry{
		{netip.MustParseAddr("1.0.0.0"), 2},
		{netip.MustParseAddr("1.0.2.0"), 3},
		{netip.MustParseAddr("1.0.2.11"), 0},
		{netip.MustParseAddr("1.0.4.0"), 5},
		{netip.MustParseAddr("1.0.5.0"), 0},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := normalise([]rng{r("1.0.0.9", "1.0.0.1", 1)}); err == nil {
		t.Error("backwards range: want error")
	}
	// A range reaching the top of the space has no trailing gap entry.
	top, err := normalise([]rng{r("255.255.255.0", "255.255.255.255", 1)})
	if err != nil || len(top) != 1 {
		t.Errorf("top range: %v, %v", top, err)
	}
}

func TestLastAddr(t *testing.T) {
	for p, want := range map[string]string{
		"1.0.0.0/24":    "1.0.0.255",
		"10.0.0.0/8":    "10.255.255.255",
		"1.2.3.4/32":    "1.2.3.4",
		"2001:db8::/32": "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
		"::/0":          "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	} {
		if got := lastAddr(netip.MustParsePrefix(p)); got.String() != want {
			t.Errorf("lastAddr(%s) = %s, want %s", p, got, want)
		}
	}
}

// TestRoundTrip encodes a small table with this package and decodes it with
// enrich.LoadEmbedded: the writer and the reader must agree on the format.
func TestRoundTrip(t *testing.T) {
	var tabs tables
	tabs.countries = []string{"AU", "FR"}
	tabs.asns = []asnEntry{{13335, "Cloudflare, Inc."}, {12876, "Scaleway SAS"}}
	// ASN table must be sorted by number, as readASNs builds it.
	tabs.asns[0], tabs.asns[1] = tabs.asns[1], tabs.asns[0]
	var err error
	must := func(e []entry, err error) []entry {
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	tabs.v4country = must(normalise([]rng{r("1.1.1.0", "1.1.1.255", 1), r("212.83.184.0", "212.83.191.255", 2)}))
	tabs.v4asn = must(normalise([]rng{r("1.1.1.0", "1.1.1.255", 2), r("212.83.184.0", "212.83.191.255", 1)}))
	tabs.v6country = must(normalise([]rng{r("2001:bc8::", "2001:bc8:ffff:ffff:ffff:ffff:ffff:ffff", 2)}))
	tabs.v6asn = must(normalise([]rng{
		r("2606:4700::", "2606:4700:ffff:ffff:ffff:ffff:ffff:ffff", 2),
		r("2a00::1:0", "2a00::1:ffff", 1), // low half non-zero
	}))
	raw, err := tabs.encode()
	if err != nil {
		t.Fatal(err)
	}
	packed, err := compress(raw)
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{"ipdata.zst": {Data: packed}}
	for _, name := range []string{"country-points.tsv", "hosting-asns.txt", "VERSIONS"} {
		b, err := fs.ReadFile(geodata.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		m[name] = &fstest.MapFile{Data: b}
	}
	e, err := enrich.LoadEmbedded(m)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr, country string
		asn           uint32
	}{
		{"1.1.1.1", "AU", 13335},
		{"1.1.2.0", "", 0},
		{"1.1.0.255", "", 0},
		{"212.83.191.255", "FR", 12876},
		{"2001:bc8:1::1", "FR", 0},
		{"2606:4700:4700::1111", "", 13335},
		{"2a00::1:5", "", 12876},
		{"2a00::2:0", "", 0},
		{"2a00::0:ffff", "", 0},
	}
	for _, tt := range tests {
		a := netip.MustParseAddr(tt.addr)
		got, _ := e.ASN(a)
		if c := e.Country(a); c != tt.country || got.Number != tt.asn {
			t.Errorf("%s: country %q AS%d, want %q AS%d", tt.addr, c, got.Number, tt.country, tt.asn)
		}
	}
}

func TestDateFromVersion(t *testing.T) {
	if d, err := dateFromVersion("2.3.2026061719"); err != nil || d != "2026-06-17" {
		t.Errorf("dateFromVersion = %q, %v", d, err)
	}
	for _, v := range []string{"5.1.0", "1.2.20261399"} {
		if _, err := dateFromVersion(v); err == nil {
			t.Errorf("dateFromVersion(%q): want error", v)
		}
	}
}
