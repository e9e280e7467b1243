package enrich

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/honeyreport/honeyreport/assets/geodata"
)

// Embedded is the default IP data compiled into the binary: country and
// ASN/organisation for every routed IPv4 and IPv6 address (ip-location-db),
// a representative point per country (world-countries) and the hosting ASN
// list. Build it once per process with OpenEmbedded; decoding takes tens of
// milliseconds and holds roughly 20 MB, so it happens when asked for, not at
// start-up. An Embedded is read-only after construction and safe for
// concurrent use.
type Embedded struct {
	countries []string // index i+1 in the country tables
	asnNums   []uint32 // index i+1 in the ASN tables
	asnOrgs   []string

	v4country, v4asn table4
	v6country, v6asn table6

	points   map[string]latLon
	names    map[string]string // country code -> English name, built at load
	hosting  *HostingASNs
	versions map[string]string
}

type latLon struct{ lat, lon float64 }

// table4 maps IPv4 ranges to values: starts[i] begins a range that runs to
// starts[i+1]-1; vals[i] is 0 for "no data".
type table4 struct {
	starts []uint32
	vals   []uint32
}

type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

type table6 struct {
	starts []u128
	vals   []uint32
}

func (t *table4) lookup(v uint32) uint32 {
	// First start greater than v, minus one, is the range holding v.
	i := sort.Search(len(t.starts), func(i int) bool { return t.starts[i] > v })
	if i == 0 {
		return 0
	}
	return t.vals[i-1]
}

func (t *table6) lookup(v u128) uint32 {
	i := sort.Search(len(t.starts), func(i int) bool { return v.less(t.starts[i]) })
	if i == 0 {
		return 0
	}
	return t.vals[i-1]
}

// OpenEmbedded decodes the data compiled into the binary. Call it once and
// share the result.
func OpenEmbedded() (*Embedded, error) {
	return LoadEmbedded(geodata.FS)
}

// LoadEmbedded decodes embedded-format data from fsys, which must hold
// ipdata.zst, country-points.tsv, hosting-asns.txt and VERSIONS as
// scripts/geodata writes them. OpenEmbedded is LoadEmbedded(geodata.FS);
// tests pass a small fstest.MapFS.
func LoadEmbedded(fsys fs.FS) (*Embedded, error) {
	packed, err := fs.ReadFile(fsys, "ipdata.zst")
	if err != nil {
		return nil, fmt.Errorf("embedded IP data: %w", err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("embedded IP data: %w", err)
	}
	raw, err := dec.DecodeAll(packed, nil)
	dec.Close()
	if err != nil {
		return nil, fmt.Errorf("embedded IP data: decompress: %w", err)
	}
	e := &Embedded{}
	if err := e.decode(raw); err != nil {
		return nil, fmt.Errorf("embedded IP data: %w", err)
	}
	pts, err := fs.ReadFile(fsys, "country-points.tsv")
	if err != nil {
		return nil, fmt.Errorf("embedded country points: %w", err)
	}
	if e.points, err = parsePoints(pts); err != nil {
		return nil, fmt.Errorf("embedded country points: %w", err)
	}
	hf, err := fsys.Open("hosting-asns.txt")
	if err != nil {
		return nil, fmt.Errorf("embedded hosting ASN list: %w", err)
	}
	e.hosting, err = ParseHostingASNs(hf)
	hf.Close()
	if err != nil {
		return nil, fmt.Errorf("embedded hosting ASN list: %w", err)
	}
	vb, err := fs.ReadFile(fsys, "VERSIONS")
	if err != nil {
		return nil, fmt.Errorf("embedded data versions: %w", err)
	}
	e.versions = parseVersions(vb)
	e.names = make(map[string]string, len(e.countries))
	for _, c := range e.countries {
		e.names[c] = CountryName(c)
	}
	return e, nil
}

// varintReader decodes the varint stream; the first error sticks so that
// decode can check once per section.
type varintReader struct {
	b   []byte
	err error
}

func (r *varintReader) uvarint() uint64 {
	// Most values are one byte (small deltas and indexes): take the fast
	// path first, it halves load time.
	if len(r.b) > 0 && r.b[0] < 0x80 {
		v := uint64(r.b[0])
		r.b = r.b[1:]
		return v
	}
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errors.New("truncated or malformed varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *varintReader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errors.New("truncated data")
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

// count reads a length and rejects one that could not fit in what is left,
// so a corrupt file cannot make decode allocate without bound.
func (r *varintReader) count(minBytesEach int) int {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)/minBytesEach) {
		r.err = fmt.Errorf("count %d exceeds remaining %d bytes", n, len(r.b))
		return 0
	}
	return int(n)
}

const embeddedMagic = "HRGEO\x01"

// decode reads the format documented in scripts/geodata/format.go.
func (e *Embedded) decode(raw []byte) error {
	if !bytes.HasPrefix(raw, []byte(embeddedMagic)) {
		return errors.New("not honeyreport geodata (bad magic)")
	}
	r := &varintReader{b: raw[len(embeddedMagic):]}
	nc := r.count(2)
	e.countries = make([]string, nc)
	for i := range e.countries {
		e.countries[i] = string(r.bytes(2))
	}
	na := r.count(2)
	e.asnNums = make([]uint32, na)
	var prev uint64
	for i := range e.asnNums {
		prev += r.uvarint()
		if prev > 1<<32-1 {
			return fmt.Errorf("ASN %d out of range", prev)
		}
		e.asnNums[i] = uint32(prev)
	}
	lens := make([]uint64, na)
	var total uint64
	for i := range lens {
		lens[i] = r.uvarint()
		total += lens[i]
	}
	// One string for all names, sliced per ASN: one allocation, not 90k.
	all := string(r.bytes(total))
	e.asnOrgs = make([]string, na)
	var off uint64
	for i, l := range lens {
		if r.err != nil {
			break
		}
		e.asnOrgs[i] = all[off : off+l]
		off += l
	}
	if r.err != nil {
		return r.err
	}
	for i, t := range []*table4{&e.v4country, &e.v4asn} {
		n := r.count(2)
		t.starts = make([]uint32, n)
		var v uint64
		for j := range t.starts {
			v += r.uvarint()
			if v > 1<<32-1 {
				return fmt.Errorf("IPv4 table %d: start beyond the address space", i)
			}
			t.starts[j] = uint32(v)
		}
		t.vals = make([]uint32, n)
		for j := range t.vals {
			t.vals[j] = uint32(r.uvarint())
		}
	}
	for _, t := range []*table6{&e.v6country, &e.v6asn} {
		n := r.count(3)
		t.starts = make([]u128, n)
		var hi uint64
		for j := range t.starts {
			hi += r.uvarint()
			t.starts[j] = u128{hi: hi, lo: r.uvarint()}
		}
		t.vals = make([]uint32, n)
		for j := range t.vals {
			t.vals[j] = uint32(r.uvarint())
		}
	}
	if r.err != nil {
		return r.err
	}
	// Values index the string tables; check them once here so lookups can
	// index without bounds worries.
	for _, vs := range [][]uint32{e.v4country.vals, e.v6country.vals} {
		for _, v := range vs {
			if v > uint32(len(e.countries)) {
				return fmt.Errorf("country index %d out of range", v)
			}
		}
	}
	for _, vs := range [][]uint32{e.v4asn.vals, e.v6asn.vals} {
		for _, v := range vs {
			if v > uint32(len(e.asnNums)) {
				return fmt.Errorf("ASN index %d out of range", v)
			}
		}
	}
	return nil
}

func parsePoints(b []byte) (map[string]latLon, error) {
	m := map[string]latLon{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		t := sc.Text()
		if t == "" || t[0] == '#' {
			continue
		}
		f := strings.Split(t, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: want 3 tab-separated fields, got %d", line, len(f))
		}
		lat, err1 := strconv.ParseFloat(f[1], 64)
		lon, err2 := strconv.ParseFloat(f[2], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		m[strings.ToUpper(f[0])] = latLon{lat, lon}
	}
	return m, sc.Err()
}

func parseVersions(b []byte) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

func ipv4Uint(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func ipv6U128(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// Country returns the ISO 3166-1 alpha-2 code for addr, or "" when the data
// has none (private and unrouted space). IPv4-mapped IPv6 is looked up as
// IPv4.
func (e *Embedded) Country(addr netip.Addr) string {
	addr = addr.Unmap()
	var v uint32
	switch {
	case addr.Is4():
		v = e.v4country.lookup(ipv4Uint(addr))
	case addr.Is6():
		v = e.v6country.lookup(ipv6U128(addr))
	}
	if v == 0 {
		return ""
	}
	return e.countries[v-1]
}

// ASN returns the AS announcing addr; ok is false when none is known.
// Hosting is set from the embedded hosting list. Network is left empty: the
// embedded table keeps merged ranges, not announced prefixes.
func (e *Embedded) ASN(addr netip.Addr) (a ASN, ok bool) {
	addr = addr.Unmap()
	var v uint32
	switch {
	case addr.Is4():
		v = e.v4asn.lookup(ipv4Uint(addr))
	case addr.Is6():
		v = e.v6asn.lookup(ipv6U128(addr))
	}
	if v == 0 {
		return ASN{}, false
	}
	n := e.asnNums[v-1]
	return ASN{
		Number:  n,
		Org:     e.asnOrgs[v-1],
		Hosting: e.hosting.IsHosting(n),
		Source:  SourceEmbeddedASN,
	}, true
}

// Geo returns the country of addr with its English name and representative
// point (Precise false); ok is false when the data has no country.
func (e *Embedded) Geo(addr netip.Addr) (g Geo, ok bool) {
	cc := e.Country(addr)
	if cc == "" {
		return Geo{}, false
	}
	return e.countryGeo(cc, SourceEmbeddedCountry), true
}

// countryGeo fills a country-level Geo: name and representative point.
func (e *Embedded) countryGeo(cc, source string) Geo {
	g := Geo{CountryCode: cc, Source: source}
	if n, ok := e.names[cc]; ok {
		g.CountryName = n
	} else {
		g.CountryName = CountryName(cc)
	}
	if p, ok := e.points[cc]; ok {
		g.Lat, g.Lon = p.lat, p.lon
	}
	return g
}

// CountryPoint returns the representative point of a country (world-countries
// latlng), for databases that know only the country.
func (e *Embedded) CountryPoint(cc string) (lat, lon float64, ok bool) {
	p, ok := e.points[strings.ToUpper(cc)]
	return p.lat, p.lon, ok
}

// Hosting returns the embedded hosting/cloud ASN list.
func (e *Embedded) Hosting() *HostingASNs { return e.hosting }

// Names of the embedded sources, as they appear in Geo.Source and ASN.Source.
const (
	SourceEmbeddedCountry = "ip-location-db geo-whois-asn-country"
	SourceEmbeddedASN     = "ip-location-db asn"
)

// Sources describes the embedded data: versions, data dates, licences and
// the attributions a report using it must show.
func (e *Embedded) Sources() []SourceInfo {
	date := func(k string) time.Time {
		t, _ := time.Parse(time.DateOnly, e.versions[k+".date"])
		return t
	}
	return []SourceInfo{
		{
			Name:      SourceEmbeddedCountry,
			Kind:      KindCountry,
			Version:   e.versions["country.package"] + "@" + e.versions["country.version"],
			BuildDate: date("country"),
			Licence:   e.versions["country.licence"],
			// CC0 asks for nothing; the upstream README credits the RIR data
			// it merges to NRO (CC BY 4.0), so we credit it too.
			Attribution: "Country data: ip-location-db (geo-whois-asn-country, CC0) by sapics, from RIR statistics by the NRO (nro.net)",
			URL:         "https://github.com/sapics/ip-location-db",
			Embedded:    true,
		},
		{
			Name:        SourceEmbeddedASN,
			Kind:        KindASN,
			Version:     e.versions["asn.package"] + "@" + e.versions["asn.version"],
			BuildDate:   date("asn"),
			Licence:     e.versions["asn.licence"],
			Attribution: "ASN data: ip-location-db (asn, CC BY 4.0) from RouteViews (routeviews.org), DB-IP (IP Geolocation by DB-IP, db-ip.com) and the NRO (nro.net)",
			URL:         "https://db-ip.com",
			Embedded:    true,
		},
		{
			Name:        "world-countries",
			Kind:        KindPoints,
			Version:     e.versions["points.package"] + "@" + e.versions["points.version"],
			Licence:     e.versions["points.licence"],
			Attribution: "Country points: world-countries by Mohammed Le Doze (ODbL 1.0)",
			URL:         "https://github.com/mledoze/countries",
			Embedded:    true,
		},
	}
}

// CountryName is the English name of an ISO 3166-1 alpha-2 code, from the
// CLDR data in golang.org/x/text; "" when the code is not a region.
func CountryName(cc string) string {
	r, err := language.ParseRegion(cc)
	if err != nil {
		return ""
	}
	return display.English.Regions().Name(r)
}

// ASNRanges lists the address ranges, as [first, last] pairs in address
// order, IPv4 before IPv6, that the embedded data puts in AS n: every
// address for which ASN can answer n lies in one of them.
func (e *Embedded) ASNRanges(n uint32) [][2]netip.Addr {
	in := func(v uint32) bool { return v != 0 && e.asnNums[v-1] == n }
	var out [][2]netip.Addr
	t4 := &e.v4asn
	for i, v := range t4.vals {
		if !in(v) {
			continue
		}
		last := uint32(math.MaxUint32)
		if i+1 < len(t4.starts) {
			last = t4.starts[i+1] - 1
		}
		out = append(out, [2]netip.Addr{uint32Addr(t4.starts[i]), uint32Addr(last)})
	}
	t6 := &e.v6asn
	for i, v := range t6.vals {
		if !in(v) {
			continue
		}
		last := u128{math.MaxUint64, math.MaxUint64}
		if i+1 < len(t6.starts) {
			s := t6.starts[i+1]
			last = u128{s.hi, s.lo - 1}
			if s.lo == 0 {
				last.hi--
			}
		}
		out = append(out, [2]netip.Addr{u128Addr(t6.starts[i]), u128Addr(last)})
	}
	return out
}

func uint32Addr(v uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

func u128Addr(v u128) netip.Addr {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], v.hi)
	binary.BigEndian.PutUint64(b[8:], v.lo)
	return netip.AddrFrom16(b)
}
