package enrich

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestOpenDatabaseDetect(t *testing.T) {
	tests := []struct {
		name   string
		kind   DBKind
		schema Schema
	}{
		{"GeoLite2-City.mmdb", KindCity, SchemaGeoIP2},
		{"GeoLite2-Country.mmdb", KindCountry, SchemaGeoIP2},
		{"GeoLite2-ASN.mmdb", KindASN, SchemaGeoIP2},
		{"dbip-country-lite.mmdb", KindCountry, SchemaGeoIP2},
		{"dbip-city-flat.mmdb", KindCity, SchemaFlat},
		{"country-flat.mmdb", KindCountry, SchemaFlat},
		{"asn-flat.mmdb", KindASN, SchemaFlat},
		{"geo-whois-asn-country.mmdb", KindCountry, SchemaFlat},
		{"custom-flat-city.mmdb", KindCity, SchemaFlat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := openMMDB(t, tt.name)
			if d.Kind() != tt.kind || d.schema != tt.schema {
				t.Errorf("kind, schema = %s, %s; want %s, %s", d.Kind(), d.schema, tt.kind, tt.schema)
			}
			if !d.BuildDate().Equal(mmdbEpoch) {
				t.Errorf("BuildDate = %v, want %v", d.BuildDate(), mmdbEpoch)
			}
			if want := "honeyreport test fixture " + tt.name; d.Description() != want {
				t.Errorf("Description = %q, want %q", d.Description(), want)
			}
			if d.Name() != mmdbFixtures[tt.name].dbType {
				t.Errorf("Name = %q, want the database type %q", d.Name(), mmdbFixtures[tt.name].dbType)
			}
		})
	}
}

func TestOpenDatabaseErrors(t *testing.T) {
	dir := t.TempDir()
	notMMDB := filepath.Join(dir, "x.mmdb")
	if err := os.WriteFile(notMMDB, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing.mmdb"), notMMDB} {
		if _, err := OpenDatabase(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("OpenDatabase(%s) error = %v, want one naming the file", path, err)
		}
	}
}

func TestDatabaseGeo(t *testing.T) {
	tests := []struct {
		name, db, addr string
		ok             bool
		want           Geo
	}{
		{"geoip2 city", "GeoLite2-City.mmdb", "81.2.69.142", true, Geo{CountryCode: "GB", CountryName: "United Kingdom", City: "London", Region: "England", Lat: 51.5142, Lon: -0.0931, AccuracyKM: 10, Precise: true, Source: "GeoLite2-City"}},
		{"geoip2 city ipv6", "GeoLite2-City.mmdb", "2a02:c7c:1::1", true, Geo{CountryCode: "GB", CountryName: "United Kingdom", City: "Leeds", Region: "England", Lat: 53.8, Lon: -1.55, AccuracyKM: 100, Precise: true, Source: "GeoLite2-City"}},
		{"geoip2 ipv4-mapped", "GeoLite2-City.mmdb", "::ffff:81.2.69.1", true, Geo{CountryCode: "GB", CountryName: "United Kingdom", City: "London", Region: "England", Lat: 51.5142, Lon: -0.0931, AccuracyKM: 10, Precise: true, Source: "GeoLite2-City"}},
		{"geoip2 country only", "GeoLite2-City.mmdb", "8.8.8.8", true, Geo{CountryCode: "US", CountryName: "United States", Source: "GeoLite2-City"}},
		{"geoip2 registered country", "GeoLite2-City.mmdb", "1.1.1.1", true, Geo{CountryCode: "AU", CountryName: "Australia", Source: "GeoLite2-City"}},
		{"geoip2 not found", "GeoLite2-City.mmdb", "9.9.9.9", false, Geo{}},
		{"geoip2 country db", "GeoLite2-Country.mmdb", "212.83.184.10", true, Geo{CountryCode: "FR", CountryName: "France", Source: "GeoLite2-Country"}},
		{"flat city", "dbip-city-flat.mmdb", "81.2.69.1", true, Geo{CountryCode: "GB", CountryName: "United Kingdom", City: "Camden", Region: "England", Lat: 51.54, Lon: -0.14, Precise: true, Source: "dbip-city ipvAll"}},
		{"flat country", "country-flat.mmdb", "212.83.184.1", true, Geo{CountryCode: "NL", CountryName: "Netherlands", Source: "country ipvAll"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := openMMDB(t, tt.db)
			g, ok, err := d.Geo(netip.MustParseAddr(tt.addr))
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.ok || g != tt.want {
				t.Errorf("Geo(%s) = %+v, %v;\nwant %+v, %v", tt.addr, g, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDatabaseASN(t *testing.T) {
	tests := []struct {
		name, db, addr string
		num            uint32
		org, network   string
	}{
		{"geoip2 asn", "GeoLite2-ASN.mmdb", "1.1.1.1", 13335, "CLOUDFLARENET", "1.1.1.0/24"},
		{"geoip2 asn other", "GeoLite2-ASN.mmdb", "81.2.69.5", 20712, "Andrews & Arnold Ltd", "81.2.69.0/24"},
		{"flat asn", "asn-flat.mmdb", "5.9.1.1", 24940, "Hetzner Online GmbH", "5.9.0.0/16"},
		{"not found", "asn-flat.mmdb", "1.1.1.1", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := openMMDB(t, tt.db)
			a, ok, err := d.ASN(netip.MustParseAddr(tt.addr))
			if err != nil {
				t.Fatal(err)
			}
			if ok != (tt.num != 0) || a.Number != tt.num || a.Org != tt.org {
				t.Errorf("ASN(%s) = %+v, %v; want AS%d %q", tt.addr, a, ok, tt.num, tt.org)
			}
			if ok && a.Network.String() != tt.network {
				t.Errorf("Network = %s, want %s", a.Network, tt.network)
			}
		})
	}
	if _, _, err := openMMDB(t, "GeoLite2-ASN.mmdb").Geo(netip.MustParseAddr("1.1.1.1")); err == nil {
		t.Error("Geo on an ASN database: want an error")
	}
	if _, _, err := openMMDB(t, "GeoLite2-City.mmdb").ASN(netip.MustParseAddr("1.1.1.1")); err == nil {
		t.Error("ASN on a city database: want an error")
	}
}

func TestDatabaseInfo(t *testing.T) {
	tests := []struct {
		db, licence, attribution string
	}{
		{"GeoLite2-City.mmdb", "GeoLite2 End User License Agreement", "This product includes GeoLite2 data created by MaxMind"},
		{"dbip-country-lite.mmdb", "CC-BY-4.0", "IP Geolocation by DB-IP"},
		{"country-flat.mmdb", "see the database's own licence", "honeyreport test fixture country-flat.mmdb"},
	}
	for _, tt := range tests {
		t.Run(tt.db, func(t *testing.T) {
			d := openMMDB(t, tt.db)
			si := d.Info()
			if si.Licence != tt.licence || !strings.HasPrefix(si.Attribution, tt.attribution) {
				t.Errorf("Info = %+v; want licence %q, attribution %q...", si, tt.licence, tt.attribution)
			}
			if si.Path != d.path || !si.BuildDate.Equal(mmdbEpoch) || si.Embedded {
				t.Errorf("Info = %+v: wrong path, date or embedded flag", si)
			}
		})
	}
}

func TestLocate(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, f := range []string{
		filepath.Join(a, "GeoLite2-City.mmdb"),
		filepath.Join(a, "GeoLite2-ASN.MMDB"),
		filepath.Join(a, "README.txt"),
		filepath.Join(b, "dbip-country-lite.mmdb"),
	} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(a, "old.mmdb"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := Locate(a, filepath.Join(a, "missing"), b)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(a, "GeoLite2-ASN.MMDB"),
		filepath.Join(a, "GeoLite2-City.mmdb"),
		filepath.Join(b, "dbip-country-lite.mmdb"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("Locate = %q, want %q", got, want)
	}
}
