package enrich

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

func TestOfflineLookup(t *testing.T) {
	emb := testEmbedded(t)
	city := openMMDB(t, "GeoLite2-City.mmdb")
	country := openMMDB(t, "GeoLite2-Country.mmdb")
	asn := openMMDB(t, "GeoLite2-ASN.mmdb")
	flatCity := openMMDB(t, "dbip-city-flat.mmdb")
	frLat, frLon, _ := emb.CountryPoint("FR")
	usLat, usLon, _ := emb.CountryPoint("US")

	tests := []struct {
		name    string
		o       *Offline
		addr    string
		class   IPClass
		geo     Geo
		asn     uint32
		org     string
		hosting bool
	}{
		{"user city wins", NewOffline(emb, country, city, asn), "81.2.69.142", ClassPublic,
			Geo{CountryCode: "GB", CountryName: "United Kingdom", City: "London", Region: "England", Lat: 51.5142, Lon: -0.0931, AccuracyKM: 10, Precise: true, Source: "GeoLite2-City"},
			20712, "Andrews & Arnold Ltd", false},
		{"first city db given wins", NewOffline(emb, flatCity, city), "81.2.69.142", ClassPublic,
			Geo{CountryCode: "GB", CountryName: "United Kingdom", City: "Camden", Region: "England", Lat: 51.54, Lon: -0.14, Precise: true, Source: "dbip-city ipvAll"},
			20712, "Andrews & Arnold Ltd", false},
		{"country-only record gets the country point", NewOffline(emb, city), "8.8.8.8", ClassPublic,
			Geo{CountryCode: "US", CountryName: "United States", Lat: usLat, Lon: usLon, Source: "GeoLite2-City"},
			15169, "Google LLC", true},
		{"user country db over embedded", NewOffline(emb, city, country), "212.83.184.1", ClassPublic,
			Geo{CountryCode: "FR", CountryName: "France", Lat: frLat, Lon: frLon, Source: "GeoLite2-Country"},
			12876, "Scaleway SAS", true},
		{"user asn db wins and gets the hosting flag", NewOffline(emb, asn), "1.1.1.1", ClassPublic,
			Geo{CountryCode: "AU", CountryName: "Australia", Lat: -27, Lon: 133, Source: SourceEmbeddedCountry},
			13335, "CLOUDFLARENET", true},
		{"embedded only", NewOffline(emb), "2606:4700:4700::1111", ClassPublic,
			Geo{CountryCode: "US", CountryName: "United States", Lat: usLat, Lon: usLon, Source: SourceEmbeddedCountry},
			13335, "Cloudflare, Inc.", true},
		{"private has no location", NewOffline(emb, city), "10.0.0.1", ClassPrivate, Geo{}, 0, "", false},
		{"documentation is never placed", NewOffline(emb), "2001:db8::1", ClassDocumentation, Geo{}, 0, "", false},
		{"user dbs only", NewOffline(nil, city), "81.2.69.1", ClassPublic,
			Geo{CountryCode: "GB", CountryName: "United Kingdom", City: "London", Region: "England", Lat: 51.5142, Lon: -0.0931, AccuracyKM: 10, Precise: true, Source: "GeoLite2-City"},
			0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := netip.MustParseAddr(tt.addr)
			p := tt.o.Lookup(a)
			if p.Addr != a || p.Class != tt.class {
				t.Errorf("Addr, Class = %s, %s; want %s, %s", p.Addr, p.Class, a, tt.class)
			}
			if p.Geo != tt.geo {
				t.Errorf("Geo = %+v\nwant %+v", p.Geo, tt.geo)
			}
			if p.ASN.Number != tt.asn || p.ASN.Org != tt.org || p.ASN.Hosting != tt.hosting {
				t.Errorf("ASN = %+v; want AS%d %q hosting=%v", p.ASN, tt.asn, tt.org, tt.hosting)
			}
		})
	}
}

func TestOfflineSourcesAndStatus(t *testing.T) {
	city := openMMDB(t, "GeoLite2-City.mmdb")
	o := NewOffline(testEmbedded(t), city)
	src := o.Sources()
	if len(src) != 4 || src[0].Path != city.path || !src[1].Embedded {
		t.Fatalf("Sources = %+v; want the user db then 3 embedded", src)
	}
	o.Lookup(netip.MustParseAddr("81.2.69.1"))
	o.Lookup(netip.MustParseAddr("9.9.9.9"))
	o.Lookup(netip.MustParseAddr("10.0.0.1")) // private: not queried
	city.Close()                              // later lookups fail and are counted
	p := o.Lookup(netip.MustParseAddr("212.83.184.1"))
	if p.Geo.Source != SourceEmbeddedCountry {
		t.Errorf("after a failing user db, Geo.Source = %q, want the embedded fallback", p.Geo.Source)
	}
	st := o.Status()
	if len(st) != 1 || st[0].Queried != 3 || st[0].Succeeded != 1 || st[0].Failed != 1 || st[0].Err == "" {
		t.Errorf("Status = %+v; want 3 queried, 1 answered, 1 failed with an error", st)
	}
}

func TestOfflineLookupMany(t *testing.T) {
	o := NewOffline(testEmbedded(t))
	in := []netip.Addr{
		netip.MustParseAddr("1.1.1.1"),
		netip.MustParseAddr("8.8.8.8"),
		netip.MustParseAddr("1.1.1.1"),
		netip.MustParseAddr("10.0.0.1"),
		netip.MustParseAddr("::ffff:8.8.8.8"),
	}
	got, err := o.LookupMany(context.Background(), in, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 4 {
		t.Errorf("LookupMany returned %d profiles, want 4 (one per distinct address)", got.Len())
	}
	for i, a := range []string{"1.1.1.1", "8.8.8.8", "10.0.0.1", "::ffff:8.8.8.8"} {
		if p := got.At(i); p.Addr != netip.MustParseAddr(a) {
			t.Errorf("profile %d is for %s, want %s (order of first occurrence)", i, p.Addr, a)
		}
		if p, ok := got.Lookup(netip.MustParseAddr(a)); !ok || p.Addr.String() != a {
			t.Errorf("Lookup(%s) = %+v, %v", a, p, ok)
		}
	}
	if p, _ := got.Lookup(netip.MustParseAddr("::ffff:8.8.8.8")); p.ASN.Number != 15169 {
		t.Error("IPv4-mapped address not looked up as IPv4")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	part, err := o.LookupMany(ctx, in, 2)
	if err != context.Canceled {
		t.Errorf("cancelled: err %v, want context.Canceled", err)
	}
	for _, a := range in {
		if p, ok := part.Lookup(a); ok {
			t.Errorf("cancelled: %s has a profile %+v, want none", a, p)
		}
	}
}

// TestOfflineConcurrent runs lookups on all sources from many goroutines;
// run with -race it checks the shared readers and counters.
func TestOfflineConcurrent(t *testing.T) {
	o := NewOffline(testEmbedded(t), openMMDB(t, "GeoLite2-City.mmdb"), openMMDB(t, "GeoLite2-ASN.mmdb"))
	addrs := []string{"81.2.69.1", "1.1.1.1", "8.8.8.8", "2606:4700::1", "10.0.0.1"}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				s := addrs[(i+j)%len(addrs)]
				if p := o.Lookup(netip.MustParseAddr(s)); p.Class == ClassPublic && p.Geo.CountryCode == "" {
					t.Errorf("%s: no country", s)
					return
				}
			}
		}()
	}
	wg.Wait()
	if st := o.Status(); !strings.HasPrefix(st[0].Source, "GeoLite2") || st[0].Failed != 0 {
		t.Errorf("Status = %+v", st)
	}
}
