package enrich

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/oschwald/geoip2-golang/v2"
	"github.com/oschwald/maxminddb-golang/v2"
)

// DBKind is what a database answers: city-level location, country only,
// or autonomous system.
type DBKind string

const (
	KindCity    DBKind = "city"
	KindCountry DBKind = "country"
	KindASN     DBKind = "asn"
	// KindPoints is the embedded table of country representative points.
	KindPoints DBKind = "points"
)

// Schema is the record layout of an .mmdb file.
type Schema string

const (
	// SchemaGeoIP2 is MaxMind's nested layout (country.iso_code,
	// city.names.en, location.latitude, autonomous_system_number), also used
	// by DB-IP's lite databases.
	SchemaGeoIP2 Schema = "geoip2"
	// SchemaFlat is ip-location-db's flat layout (country_code, city,
	// latitude, longitude; or autonomous_system_number/asn and _organization/as_org).
	SchemaFlat Schema = "flat"
)

// SourceInfo describes one database used for enrichment, for the report's
// sources and attributions section.
type SourceInfo struct {
	Name    string // short name, as in Geo.Source / ASN.Source
	Kind    DBKind
	Version string // package@version for embedded data; database type for files
	// BuildDate is the date of the data itself (mmdb build_epoch, or the
	// date in the package version), zero when unknown.
	BuildDate time.Time
	// Licence is an SPDX identifier when known, else a short description.
	Licence string
	// Attribution is the text a report using the data must show ("" when
	// the licence asks for none).
	Attribution string
	URL         string
	Path        string // file path of a user database; "" when embedded
	Embedded    bool
}

// Database is one user-supplied .mmdb file: MaxMind GeoIP2/GeoLite2 City,
// Country or ASN, DB-IP lite, or an ip-location-db flat-schema file. Lookups
// are safe for concurrent use; Close releases the file.
type Database struct {
	path   string
	r      *maxminddb.Reader
	kind   DBKind
	schema Schema
	name   string
}

// OpenDatabase opens an .mmdb file and detects what it holds: first from
// the metadata's database_type (GeoLite2-City, DBIP-ASN-Lite (compat=...),
// "city ipv4" ...), then by probing the keys of its first record, since
// third-party files name their types freely.
func OpenDatabase(path string) (*Database, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open GeoIP database %q: %w", path, err)
	}
	d := &Database{path: path, r: r}
	d.schema, d.kind, err = detect(r)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("open GeoIP database %q: %w", path, err)
	}
	d.name = r.Metadata.DatabaseType
	if d.name == "" {
		d.name = filepath.Base(path)
	}
	return d, nil
}

// detect works out schema and kind. The record probe decides the schema
// (the type string cannot: ip-location-db writes "country ipvAll", DB-IP
// writes "DBIP-City-Lite"); the type string decides the kind when it names
// one, because a GeoLite2-Country record and a GeoLite2-City record for an
// address without city data look alike.
func detect(r *maxminddb.Reader) (Schema, DBKind, error) {
	keys, err := probeKeys(r)
	if err != nil {
		return "", "", err
	}
	has := func(k string) bool { return slices.Contains(keys, k) }
	var schema Schema
	var kind DBKind
	switch {
	case has("country") || has("registered_country") || has("location") || has("continent"):
		schema = SchemaGeoIP2
		kind = KindCountry
		if has("city") || has("location") || has("subdivisions") {
			kind = KindCity
		}
	case has("autonomous_system_number") && !has("country_code"):
		// GeoLite2-ASN and DB-IP ASN lite use these names at top level.
		schema, kind = SchemaGeoIP2, KindASN
	case has("asn") || has("as_org"):
		schema, kind = SchemaFlat, KindASN
	case has("country_code"):
		schema, kind = SchemaFlat, KindCountry
		if has("city") || has("latitude") {
			kind = KindCity
		}
	default:
		return "", "", fmt.Errorf("unrecognised record layout (database type %q, keys %v)", r.Metadata.DatabaseType, keys)
	}
	// The type string may refine city versus country, never geo versus
	// ASN: "geo-whois-asn-country" names a country database.
	if kind != KindASN {
		t := strings.ToLower(r.Metadata.DatabaseType)
		switch {
		case strings.Contains(t, "city") || strings.Contains(t, "location"):
			kind = KindCity
		case strings.Contains(t, "country"):
			kind = KindCountry
		}
	}
	return schema, kind, nil
}

// probeKeys returns the top-level keys of the first few records with data.
func probeKeys(r *maxminddb.Reader) ([]string, error) {
	var keys []string
	n := 0
	for res := range r.Networks() {
		if err := res.Err(); err != nil {
			return nil, fmt.Errorf("read first record: %w", err)
		}
		var m map[string]any
		if err := res.Decode(&m); err != nil {
			return nil, fmt.Errorf("decode first record: %w", err)
		}
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		if n++; n >= 8 {
			break
		}
	}
	if n == 0 {
		return nil, errors.New("database has no records")
	}
	slices.Sort(keys)
	return keys, nil
}

// Kind says whether the database answers city, country or ASN questions.
func (d *Database) Kind() DBKind { return d.kind }

// Name is the metadata database_type, or the file name when it has none.
func (d *Database) Name() string { return d.name }

// BuildDate is the metadata build_epoch, in UTC.
func (d *Database) BuildDate() time.Time { return d.r.Metadata.BuildTime().UTC() }

// Description is the English metadata description, or any one when there is
// no English one.
func (d *Database) Description() string {
	desc := d.r.Metadata.Description
	if s, ok := desc["en"]; ok {
		return s
	}
	ks := make([]string, 0, len(desc))
	for k := range desc {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	if len(ks) > 0 {
		return desc[ks[0]]
	}
	return ""
}

// Close releases the database. Lookups after Close fail.
func (d *Database) Close() error { return d.r.Close() }

// Info describes the database for the report, with the licence and
// attribution its publisher requires when recognisable from its type.
func (d *Database) Info() SourceInfo {
	si := SourceInfo{
		Name:      d.name,
		Kind:      d.kind,
		Version:   d.r.Metadata.DatabaseType,
		BuildDate: d.BuildDate(),
		Path:      d.path,
	}
	t := d.r.Metadata.DatabaseType
	switch {
	case strings.HasPrefix(t, "GeoLite2"):
		si.Licence = "GeoLite2 End User License Agreement"
		si.Attribution = "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com"
		si.URL = "https://www.maxmind.com"
	case strings.HasPrefix(t, "GeoIP2") || strings.HasPrefix(t, "GeoIP-"):
		si.Licence = "MaxMind commercial licence"
		si.URL = "https://www.maxmind.com"
	case strings.HasPrefix(t, "DBIP") && strings.Contains(t, "Lite"):
		si.Licence = "CC-BY-4.0"
		si.Attribution = "IP Geolocation by DB-IP"
		si.URL = "https://db-ip.com"
	case strings.HasPrefix(t, "DBIP"):
		si.Licence = "DB-IP commercial licence"
		si.URL = "https://db-ip.com"
	default:
		// ip-location-db and other third-party files: the licence is in the
		// package the file came from, which we cannot see; show what the
		// file says about itself.
		si.Licence = "see the database's own licence"
		si.Attribution = d.Description()
	}
	return si
}

// Geo looks addr up in a city or country database. ok is false when the
// database has no record or the record has no country. Country-only answers
// carry no coordinates; Offline adds the country's representative point.
func (d *Database) Geo(addr netip.Addr) (g Geo, ok bool, err error) {
	if d.kind == KindASN {
		return Geo{}, false, fmt.Errorf("%s is an ASN database", d.name)
	}
	res := d.r.Lookup(addr.Unmap())
	if !res.Found() {
		return Geo{}, false, res.Err()
	}
	g.Source = d.name
	switch d.schema {
	case SchemaGeoIP2:
		var rec geoip2.City
		if err := res.Decode(&rec); err != nil {
			return Geo{}, false, fmt.Errorf("%s: decode %s: %w", d.name, addr, err)
		}
		g.CountryCode = rec.Country.ISOCode
		if g.CountryCode == "" {
			// Anycast and satellite ranges often have only a registered country.
			g.CountryCode = rec.RegisteredCountry.ISOCode
		}
		g.City = rec.City.Names.English
		if len(rec.Subdivisions) > 0 {
			g.Region = rec.Subdivisions[0].Names.English
		}
		if rec.Location.Latitude != nil && rec.Location.Longitude != nil {
			g.Lat, g.Lon = *rec.Location.Latitude, *rec.Location.Longitude
			g.Precise = true
		}
		g.AccuracyKM = int(rec.Location.AccuracyRadius)
	case SchemaFlat:
		var rec struct {
			CountryCode string   `maxminddb:"country_code"`
			City        string   `maxminddb:"city"`
			State1      string   `maxminddb:"state1"`
			Latitude    *float64 `maxminddb:"latitude"`
			Longitude   *float64 `maxminddb:"longitude"`
		}
		if err := res.Decode(&rec); err != nil {
			return Geo{}, false, fmt.Errorf("%s: decode %s: %w", d.name, addr, err)
		}
		g.CountryCode = rec.CountryCode
		g.City = rec.City
		g.Region = rec.State1
		if rec.Latitude != nil && rec.Longitude != nil {
			g.Lat, g.Lon = *rec.Latitude, *rec.Longitude
			g.Precise = true
		}
	}
	g.CountryCode = strings.ToUpper(g.CountryCode)
	if g.CountryCode == "" {
		return Geo{}, false, nil
	}
	g.CountryName = CountryName(g.CountryCode)
	return g, true, nil
}

// ASN looks addr up in an ASN database; ok is false when it has no record.
// Network is the database's prefix holding addr. Hosting is not set here.
func (d *Database) ASN(addr netip.Addr) (a ASN, ok bool, err error) {
	if d.kind != KindASN {
		return ASN{}, false, fmt.Errorf("%s is not an ASN database", d.name)
	}
	res := d.r.Lookup(addr.Unmap())
	if !res.Found() {
		return ASN{}, false, res.Err()
	}
	var rec struct {
		Number uint32 `maxminddb:"autonomous_system_number"`
		Org    string `maxminddb:"autonomous_system_organization"`
		// ip-location-db's flat names.
		FlatNumber uint32 `maxminddb:"asn"`
		FlatOrg    string `maxminddb:"as_org"`
	}
	if err := res.Decode(&rec); err != nil {
		return ASN{}, false, fmt.Errorf("%s: decode %s: %w", d.name, addr, err)
	}
	a = ASN{Number: rec.Number, Org: rec.Org, Network: res.Prefix(), Source: d.name}
	if a.Number == 0 {
		a.Number, a.Org = rec.FlatNumber, rec.FlatOrg
	}
	if a.Number == 0 {
		return ASN{}, false, nil
	}
	return a, true, nil
}

// Locate lists the .mmdb files in dirs (non-recursive), sorted within each
// directory, skipping directories that do not exist. main passes
// /usr/share/GeoIP and /var/lib/GeoIP; tests pass a temporary directory.
func Locate(dirs ...string) ([]string, error) {
	var out []string
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("look for GeoIP databases in %s: %w", dir, err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() || e.Type()&os.ModeSymlink != 0 {
				if strings.EqualFold(filepath.Ext(e.Name()), ".mmdb") {
					out = append(out, filepath.Join(dir, e.Name()))
				}
			}
		}
	}
	return out, nil
}
