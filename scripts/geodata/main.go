// Command geodata compiles the embedded default IP data of honeyreport
// (assets/geodata) from the npm tarballs that scripts/update-geodata.sh
// fetches. It is a build tool, run by hand when the data is refreshed; the
// honeyreport binary never runs it.
//
// Usage:
//
//	go run ./scripts/geodata -country geo-whois-asn-country-mmdb-V.tgz \
//	    -asn asn-V.tgz -points world-countries-V.tgz -spdx spdx-license-list-V.tgz \
//	    -out assets/geodata -licenses assets/LICENSES
//
// It reads every input straight from the tarballs, so nothing is unpacked,
// and writes:
//
//	OUT/ipdata.zst          country and ASN range tables (format in format.go)
//	OUT/country-points.tsv  representative point per country (world-countries latlng)
//	OUT/VERSIONS            package names, versions, checksums and data dates
//	LICENSES/*.txt          the licence texts and upstream notices of the data
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "geodata:", err)
		os.Exit(1)
	}
}

// tarball is one npm package tarball held in memory.
type tarball struct {
	path      string
	name      string // from package.json
	version   string
	sha256    string
	integrity string // npm's "sha512-<base64>"
	files     map[string][]byte
}

func readTarball(path string) (*tarball, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s256 := sha256.Sum256(raw)
	s512 := sha512.Sum512(raw)
	t := &tarball{
		path:      path,
		sha256:    hex.EncodeToString(s256[:]),
		integrity: "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
		files:     map[string][]byte{},
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("read %s: %s: %w", path, h.Name, err)
		}
		t.files[strings.TrimPrefix(h.Name, "package/")] = b
	}
	var pkg struct{ Name, Version string }
	if err := json.Unmarshal(t.files["package.json"], &pkg); err != nil {
		return nil, fmt.Errorf("read %s: package.json: %w", path, err)
	}
	t.name, t.version = pkg.Name, pkg.Version
	return t, nil
}

func (t *tarball) file(name string) ([]byte, error) {
	b, ok := t.files[name]
	if !ok {
		return nil, fmt.Errorf("%s: no %s in tarball", t.path, name)
	}
	return b, nil
}

func run(args []string) error {
	fs := flag.NewFlagSet("geodata", flag.ContinueOnError)
	countryTgz := fs.String("country", "", "npm tarball of @ip-location-db/geo-whois-asn-country-mmdb")
	asnTgz := fs.String("asn", "", "npm tarball of @ip-location-db/asn")
	pointsTgz := fs.String("points", "", "npm tarball of world-countries")
	spdxTgz := fs.String("spdx", "", "npm tarball of spdx-license-list (licence texts)")
	out := fs.String("out", "assets/geodata", "output directory for the embedded data")
	licDir := fs.String("licenses", "assets/LICENSES", "output directory for licence texts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *countryTgz == "" || *asnTgz == "" || *pointsTgz == "" || *spdxTgz == "" {
		return errors.New("-country, -asn, -points and -spdx are required")
	}
	var pk [4]*tarball
	for i, p := range []string{*countryTgz, *asnTgz, *pointsTgz, *spdxTgz} {
		t, err := readTarball(p)
		if err != nil {
			return err
		}
		pk[i] = t
	}
	country, asn, points, spdx := pk[0], pk[1], pk[2], pk[3]

	var tabs tables
	countryDate, err := readCountries(country, &tabs)
	if err != nil {
		return err
	}
	if err := readASNs(asn, &tabs); err != nil {
		return err
	}
	asnDate, err := dateFromVersion(asn.version)
	if err != nil {
		return err
	}
	raw, err := tabs.encode()
	if err != nil {
		return err
	}
	packed, err := compress(raw)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "ipdata.zst"), packed, 0o644); err != nil {
		return err
	}
	pts, err := countryPoints(points)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "country-points.tsv"), pts, 0o644); err != nil {
		return err
	}
	versions := versionsFile([]versionEntry{
		{"country", country, countryDate, "CC0-1.0"},
		{"asn", asn, asnDate, "CC-BY-4.0"},
		{"points", points, "", "ODbL-1.0"},
	})
	if err := os.WriteFile(filepath.Join(*out, "VERSIONS"), versions, 0o644); err != nil {
		return err
	}
	if err := writeLicences(*licDir, spdx, asn, country); err != nil {
		return err
	}
	fmt.Printf("ipdata.zst: %d bytes (raw %d); v4 country %d, v4 asn %d, v6 country %d, v6 asn %d ranges; %d countries, %d ASNs\n",
		len(packed), len(raw), len(tabs.v4country), len(tabs.v4asn), len(tabs.v6country), len(tabs.v6asn), len(tabs.countries), len(tabs.asns))
	return nil
}

// readCountries loads every network of the country mmdb and returns the
// data's build date (from the mmdb metadata).
func readCountries(t *tarball, tabs *tables) (string, error) {
	b, err := t.file("geo-whois-asn-country.mmdb")
	if err != nil {
		return "", err
	}
	db, err := maxminddb.OpenBytes(b)
	if err != nil {
		return "", fmt.Errorf("open country mmdb: %w", err)
	}
	defer db.Close()
	idx := map[string]uint32{}
	var v4, v6 []rng
	for res := range db.Networks() {
		var rec struct {
			CountryCode string `maxminddb:"country_code"`
		}
		if err := res.Decode(&rec); err != nil {
			return "", fmt.Errorf("country mmdb %s: %w", res.Prefix(), err)
		}
		cc := strings.ToUpper(rec.CountryCode)
		if len(cc) != 2 {
			return "", fmt.Errorf("country mmdb %s: bad country code %q", res.Prefix(), rec.CountryCode)
		}
		i, ok := idx[cc]
		if !ok {
			tabs.countries = append(tabs.countries, cc)
			i = uint32(len(tabs.countries))
			idx[cc] = i
		}
		p := res.Prefix().Masked()
		r := rng{start: p.Addr(), end: lastAddr(p), val: i}
		if r.start.Is4() {
			v4 = append(v4, r)
		} else {
			v6 = append(v6, r)
		}
	}
	if tabs.v4country, err = normalise(v4); err != nil {
		return "", fmt.Errorf("country IPv4: %w", err)
	}
	if tabs.v6country, err = normalise(v6); err != nil {
		return "", fmt.Errorf("country IPv6: %w", err)
	}
	return db.Metadata.BuildTime().UTC().Format(time.DateOnly), nil
}

// readASNs loads the ASN CSVs. The same AS number can appear with different
// organisation spellings across rows; the most frequent one wins (ties: the
// first seen) so that one AS has one name in the report.
func readASNs(t *tarball, tabs *tables) error {
	type orgCount struct {
		order int
		n     map[string]int
		first []string
	}
	orgs := map[uint32]*orgCount{}
	var v4, v6 []rng
	for _, name := range []string{"asn-ipv4.csv", "asn-ipv6.csv"} {
		b, err := t.file(name)
		if err != nil {
			return err
		}
		cr := csv.NewReader(bytes.NewReader(b))
		cr.FieldsPerRecord = 4
		cr.ReuseRecord = true
		for line := 1; ; line++ {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			start, err1 := netip.ParseAddr(rec[0])
			end, err2 := netip.ParseAddr(rec[1])
			n, err3 := strconv.ParseUint(rec[2], 10, 32)
			if err := errors.Join(err1, err2, err3); err != nil {
				return fmt.Errorf("%s:%d: %w", name, line, err)
			}
			if n == 0 {
				continue
			}
			oc := orgs[uint32(n)]
			if oc == nil {
				oc = &orgCount{order: len(orgs), n: map[string]int{}}
				orgs[uint32(n)] = oc
			}
			org := strings.TrimSpace(rec[3])
			if _, seen := oc.n[org]; !seen {
				oc.first = append(oc.first, org)
			}
			oc.n[org]++
			r := rng{start: start, end: end, val: uint32(n)}
			if start.Is4() {
				v4 = append(v4, r)
			} else {
				v6 = append(v6, r)
			}
		}
	}
	nums := make([]uint32, 0, len(orgs))
	for n := range orgs {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	idx := make(map[uint32]uint32, len(nums))
	for i, n := range nums {
		oc := orgs[n]
		best := oc.first[0]
		for _, o := range oc.first[1:] {
			if oc.n[o] > oc.n[best] {
				best = o
			}
		}
		tabs.asns = append(tabs.asns, asnEntry{num: n, org: best})
		idx[n] = uint32(i + 1)
	}
	for _, rs := range [][]rng{v4, v6} {
		for i := range rs {
			rs[i].val = idx[rs[i].val]
		}
	}
	var err error
	if tabs.v4asn, err = normalise(v4); err != nil {
		return fmt.Errorf("asn IPv4: %w", err)
	}
	if tabs.v6asn, err = normalise(v6); err != nil {
		return fmt.Errorf("asn IPv6: %w", err)
	}
	return nil
}

// dateFromVersion reads the data date ip-location-db writes into its
// package versions (2.3.2026061719 is 2026-06-17, 19h UTC).
func dateFromVersion(v string) (string, error) {
	i := strings.LastIndexByte(v, '.')
	if i < 0 || len(v)-i-1 < 8 {
		return "", fmt.Errorf("version %q does not end in a date", v)
	}
	d, err := time.Parse("20060102", v[i+1:i+9])
	if err != nil {
		return "", fmt.Errorf("version %q: %w", v, err)
	}
	return d.Format(time.DateOnly), nil
}

// countryPoints writes "CC<TAB>lat<TAB>lon" for every country of
// world-countries, sorted by code, from its latlng field.
func countryPoints(t *tarball) ([]byte, error) {
	b, err := t.file("countries.json")
	if err != nil {
		return nil, err
	}
	var cs []struct {
		CCA2   string    `json:"cca2"`
		LatLng []float64 `json:"latlng"`
	}
	if err := json.Unmarshal(b, &cs); err != nil {
		return nil, fmt.Errorf("world-countries countries.json: %w", err)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].CCA2 < cs[j].CCA2 })
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# representative point per country: %s@%s countries.json latlng (ODbL-1.0); generated by scripts/geodata\n", t.name, t.version)
	for _, c := range cs {
		if len(c.CCA2) != 2 || len(c.LatLng) != 2 {
			return nil, fmt.Errorf("world-countries: bad entry %q %v", c.CCA2, c.LatLng)
		}
		fmt.Fprintf(&buf, "%s\t%s\t%s\n", c.CCA2,
			strconv.FormatFloat(c.LatLng[0], 'f', -1, 64), strconv.FormatFloat(c.LatLng[1], 'f', -1, 64))
	}
	return buf.Bytes(), nil
}

type versionEntry struct {
	key     string
	t       *tarball
	date    string
	licence string
}

// versionsFile is a key=value file read by enrich to describe its sources.
func versionsFile(es []versionEntry) []byte {
	var buf bytes.Buffer
	buf.WriteString("# generated by scripts/update-geodata.sh (scripts/geodata); do not edit\n")
	for _, e := range es {
		fmt.Fprintf(&buf, "%s.package=%s\n", e.key, e.t.name)
		fmt.Fprintf(&buf, "%s.version=%s\n", e.key, e.t.version)
		fmt.Fprintf(&buf, "%s.tarball=%s\n", e.key, filepath.Base(e.t.path))
		fmt.Fprintf(&buf, "%s.sha256=%s\n", e.key, e.t.sha256)
		fmt.Fprintf(&buf, "%s.integrity=%s\n", e.key, e.t.integrity)
		if e.date != "" {
			fmt.Fprintf(&buf, "%s.date=%s\n", e.key, e.date)
		}
		fmt.Fprintf(&buf, "%s.licence=%s\n", e.key, e.licence)
	}
	return buf.Bytes()
}

// writeLicences copies the SPDX licence texts the data needs and the
// upstream notice files that its attribution requirements live in.
func writeLicences(dir string, spdx, asn, country *tarball) error {
	for _, id := range []string{"CC0-1.0", "CC-BY-4.0", "ODbL-1.0"} {
		b, err := spdx.file("licenses/" + id + ".json")
		if err != nil {
			return err
		}
		var l struct {
			LicenseText string `json:"licenseText"`
		}
		if err := json.Unmarshal(b, &l); err != nil || l.LicenseText == "" {
			return fmt.Errorf("spdx %s: no licence text (%v)", id, err)
		}
		if err := os.WriteFile(filepath.Join(dir, id+".txt"), []byte(strings.TrimSpace(l.LicenseText)+"\n"), 0o644); err != nil {
			return err
		}
	}
	var notice bytes.Buffer
	fmt.Fprintf(&notice, "Notices shipped with %s@%s and %s@%s (ip-location-db by sapics),\nreproduced as the CC BY 4.0 attribution requires.\n", asn.name, asn.version, country.name, country.version)
	for _, f := range []string{"ROUTEVIEWS-LICENSE", "DBIP-LICENSE", "NRO_LICENSE", "MODIFICATIONS"} {
		b, err := asn.file(f)
		if err != nil {
			return err
		}
		fmt.Fprintf(&notice, "\n== %s ==\n%s\n", f, strings.TrimSpace(string(b)))
	}
	return os.WriteFile(filepath.Join(dir, "ip-location-db.NOTICE.txt"), notice.Bytes(), 0o644)
}
