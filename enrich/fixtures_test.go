package enrich

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Tiny .mmdb mmdbFixtures are generated with mmdbwriter at test time rather
// than committed or downloaded: each one holds a handful of networks in
// the record layout of a real database type, so the tests exercise schema
// detection and decoding exactly as a GeoLite2, DB-IP or ip-location-db file
// would, without any licensed data in the repository.

// mmdbEpoch is the build date written into every fixture.
var mmdbEpoch = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

type mmdbNet struct {
	cidr string
	rec  mmdbtype.Map
}

type mmdbFixture struct {
	dbType string
	nets   []mmdbNet
}

func mmdbNames(en string) mmdbtype.Map {
	return mmdbtype.Map{"en": mmdbtype.String(en), "de": mmdbtype.String(en)}
}

func geoip2City(cc, city, region string, lat, lon float64, radius uint16) mmdbtype.Map {
	m := mmdbtype.Map{
		"continent": mmdbtype.Map{"code": mmdbtype.String("EU"), "names": mmdbNames("Europe")},
		"country":   mmdbtype.Map{"iso_code": mmdbtype.String(cc), "names": mmdbNames(cc)},
	}
	if city != "" {
		m["city"] = mmdbtype.Map{"names": mmdbNames(city), "geoname_id": mmdbtype.Uint32(1)}
		m["subdivisions"] = mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String("X"), "names": mmdbNames(region)}}
		m["location"] = mmdbtype.Map{
			"latitude":        mmdbtype.Float64(lat),
			"longitude":       mmdbtype.Float64(lon),
			"accuracy_radius": mmdbtype.Uint16(radius),
		}
	}
	return m
}

// mmdbFixtures are keyed by the file name they are written to.
var mmdbFixtures = map[string]mmdbFixture{
	// MaxMind GeoLite2-City layout. 8.8.8.0/24 has a country but no city
	// or location, as many real GeoLite2 records do.
	"GeoLite2-City.mmdb": {dbType: "GeoLite2-City", nets: []mmdbNet{
		{"81.2.69.0/24", geoip2City("GB", "London", "England", 51.5142, -0.0931, 10)},
		{"2a02:c7c::/32", geoip2City("GB", "Leeds", "England", 53.8, -1.55, 100)},
		{"8.8.8.0/24", geoip2City("US", "", "", 0, 0, 0)},
		{"1.1.1.0/24", mmdbtype.Map{"registered_country": mmdbtype.Map{"iso_code": mmdbtype.String("AU")}}},
	}},
	"GeoLite2-Country.mmdb": {dbType: "GeoLite2-Country", nets: []mmdbNet{
		{"212.83.184.0/24", mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("FR"), "names": mmdbNames("France")}}},
		{"81.2.69.0/24", mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("IE")}}},
	}},
	"GeoLite2-ASN.mmdb": {dbType: "GeoLite2-ASN", nets: []mmdbNet{
		{"1.1.1.0/24", mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(13335), "autonomous_system_organization": mmdbtype.String("CLOUDFLARENET")}},
		{"81.2.69.0/24", mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(20712), "autonomous_system_organization": mmdbtype.String("Andrews & Arnold Ltd")}},
	}},
	"dbip-country-lite.mmdb": {dbType: "DBIP-Country-Lite", nets: []mmdbNet{
		{"5.9.0.0/16", mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("DE")}, "continent": mmdbtype.Map{"code": mmdbtype.String("EU")}}},
	}},
	// ip-location-db flat layouts, with their own type strings.
	"dbip-city-flat.mmdb": {dbType: "dbip-city ipvAll", nets: []mmdbNet{
		{"81.2.69.0/24", mmdbtype.Map{
			"country_code": mmdbtype.String("gb"), "state1": mmdbtype.String("England"),
			"city": mmdbtype.String("Camden"), "latitude": mmdbtype.Float64(51.54), "longitude": mmdbtype.Float64(-0.14),
		}},
		{"5.9.0.0/16", mmdbtype.Map{"country_code": mmdbtype.String("DE"), "city": mmdbtype.String("Falkenstein"),
			"latitude": mmdbtype.Float64(50.47), "longitude": mmdbtype.Float64(12.37)}},
	}},
	"country-flat.mmdb": {dbType: "country ipvAll", nets: []mmdbNet{
		{"212.83.184.0/24", mmdbtype.Map{"country_code": mmdbtype.String("NL")}},
	}},
	// The upstream of the embedded country data: "asn" in the type must
	// not make it an ASN database.
	"geo-whois-asn-country.mmdb": {dbType: "geo-whois-asn-country ipv4", nets: []mmdbNet{
		{"212.83.184.0/24", mmdbtype.Map{"country_code": mmdbtype.String("FR")}},
	}},
	"asn-flat.mmdb": {dbType: "asn ipvAll", nets: []mmdbNet{
		{"5.9.0.0/16", mmdbtype.Map{"asn": mmdbtype.Uint32(24940), "as_org": mmdbtype.String("Hetzner Online GmbH")}},
	}},
	// Type string says nothing; the record keys must decide.
	"custom-flat-city.mmdb": {dbType: "my-db", nets: []mmdbNet{
		{"5.9.0.0/16", mmdbtype.Map{"country_code": mmdbtype.String("DE"), "city": mmdbtype.String("Gunzenhausen")}},
	}},
}

// mmdbFile writes fixture name into a fresh temporary directory and returns
// its path.
func mmdbFile(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	writeMMDB(t, path, name)
	return path
}

func writeMMDB(t testing.TB, path, name string) {
	t.Helper()
	fx, ok := mmdbFixtures[name]
	if !ok {
		t.Fatalf("no fixture %q", name)
	}
	w, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType: fx.dbType,
		Description:  map[string]string{"en": "honeyreport test fixture " + name},
		BuildEpoch:   mmdbEpoch.Unix(),
		RecordSize:   24,
		IPVersion:    6,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range fx.nets {
		_, ipnet, err := net.ParseCIDR(n.cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Insert(ipnet, n.rec); err != nil {
			t.Fatalf("%s: insert %s: %v", name, n.cidr, err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func openMMDB(t testing.TB, name string) *Database {
	t.Helper()
	d, err := OpenDatabase(mmdbFile(t, name))
	if err != nil {
		t.Fatalf("OpenDatabase(%s): %v", name, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
