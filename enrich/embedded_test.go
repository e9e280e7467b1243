package enrich

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/honeyreport/honeyreport/assets/geodata"
)

// embedded decodes the compiled-in data once per test binary: it takes
// ~100 ms, too slow to repeat in every test.
var testEmbeddedOnce = sync.OnceValues(OpenEmbedded)

func testEmbedded(t testing.TB) *Embedded {
	t.Helper()
	e, err := testEmbeddedOnce()
	if err != nil {
		t.Fatalf("OpenEmbedded: %v", err)
	}
	return e
}

func TestEmbeddedKnownAddresses(t *testing.T) {
	tests := []struct {
		name, addr string
		country    string
		asn        uint32
		orgPrefix  string
		hosting    bool
	}{
		{"cloudflare dns", "1.1.1.1", "AU", 13335, "Cloudflare", true},
		{"google dns", "8.8.8.8", "US", 15169, "Google", true},
		{"cloudflare ipv6", "2606:4700:4700::1111", "US", 13335, "Cloudflare", true},
		{"google ipv6", "2001:4860:4860::8888", "US", 15169, "Google", true},
		{"scaleway (honeybucket top source)", "212.83.184.10", "FR", 12876, "Scaleway", true},
		{"ipv4-mapped google", "::ffff:8.8.8.8", "US", 15169, "Google", true},
		{"private", "10.0.0.1", "", 0, "", false},
		{"loopback", "127.0.0.1", "", 0, "", false},
	}
	e := testEmbedded(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := netip.MustParseAddr(tt.addr)
			if got := e.Country(a); got != tt.country {
				t.Errorf("Country = %q, want %q", got, tt.country)
			}
			r, ok := e.ASN(a)
			if ok != (tt.asn != 0) || r.Number != tt.asn || !strings.HasPrefix(r.Org, tt.orgPrefix) || r.Hosting != tt.hosting {
				t.Errorf("ASN = %+v, %v; want AS%d %q... hosting=%v", r, ok, tt.asn, tt.orgPrefix, tt.hosting)
			}
			g, ok := e.Geo(a)
			if ok != (tt.country != "") {
				t.Fatalf("Geo ok = %v", ok)
			}
			if ok && (g.CountryName == "" || !g.HasLocation() || g.Precise || g.Source != SourceEmbeddedCountry) {
				t.Errorf("Geo = %+v: want a named country with a representative (imprecise) point", g)
			}
		})
	}
}

func TestEmbeddedCoverage(t *testing.T) {
	e := testEmbedded(t)
	nc, na := len(e.countries), len(e.asnNums)
	nr := len(e.v4country.starts) + len(e.v4asn.starts) + len(e.v6country.starts) + len(e.v6asn.starts)
	// Loose floors: a rebuild that silently lost most of the data fails.
	if nc < 240 || na < 50000 || nr < 500000 {
		t.Errorf("Stats = %d countries, %d ASNs, %d ranges: data looks truncated", nc, na, nr)
	}
	for _, cc := range e.countries {
		// AN (Netherlands Antilles) was dissolved in 2010 but survives in
		// RIR records; neither CLDR nor world-countries knows it any more.
		if cc == "AN" {
			continue
		}
		if _, _, ok := e.CountryPoint(cc); !ok {
			t.Errorf("country %s in the data has no representative point", cc)
		}
		if CountryName(cc) == "" {
			t.Errorf("country %s has no English name", cc)
		}
	}
}

func TestEmbeddedSources(t *testing.T) {
	srcs := testEmbedded(t).Sources()
	if len(srcs) != 3 {
		t.Fatalf("Sources = %d entries, want 3", len(srcs))
	}
	for _, s := range srcs {
		if s.Name == "" || s.Licence == "" || s.Attribution == "" || s.URL == "" || !s.Embedded || !strings.Contains(s.Version, "@") {
			t.Errorf("incomplete source %+v", s)
		}
	}
	if srcs[1].Licence != "CC-BY-4.0" || !strings.Contains(srcs[1].Attribution, "DB-IP") || srcs[1].BuildDate.IsZero() {
		t.Errorf("ASN source %+v: want CC-BY-4.0 with DB-IP attribution and a data date", srcs[1])
	}
	if y := srcs[0].BuildDate.Year(); y < 2024 || srcs[0].BuildDate.After(time.Now()) {
		t.Errorf("country data date %v implausible", srcs[0].BuildDate)
	}
}

func TestCountryName(t *testing.T) {
	for cc, want := range map[string]string{"FR": "France", "us": "United States", "GB": "United Kingdom", "XX": "", "": "", "123": ""} {
		if got := CountryName(cc); got != want {
			t.Errorf("CountryName(%q) = %q, want %q", cc, got, want)
		}
	}
}

// mapFS copies the embedded files, replacing ipdata.zst with raw (zstd
// compressed here).
func embeddedMapFS(t testing.TB, raw []byte) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for _, name := range []string{"country-points.tsv", "hosting-asns.txt", "VERSIONS"} {
		b, err := fs.ReadFile(geodata.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		m[name] = &fstest.MapFile{Data: b}
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	m["ipdata.zst"] = &fstest.MapFile{Data: enc.EncodeAll(raw, nil)}
	return m
}

func TestLoadEmbeddedErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		err  string
	}{
		{"bad magic", []byte("HELLO"), "bad magic"},
		{"truncated varint", []byte(embeddedMagic + "\x80"), "truncated or malformed varint"},
		{"truncated strings", []byte(embeddedMagic + "\x00\x01\x05\x09abc"), "truncated data"},
		{"huge count", []byte(embeddedMagic + "\xff\xff\xff\xff\x0f"), "exceeds remaining"},
		{"index out of range", append([]byte(embeddedMagic),
			1, 'F', 'R', // one country
			0,       // no ASNs
			1, 0, 2, // IPv4 country table: start 0 -> country 2 (only 1 exists)
			0, 0, 0), "country index 2 out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadEmbedded(embeddedMapFS(t, tt.raw))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("err = %v, want %q", err, tt.err)
			}
		})
	}
	if _, err := LoadEmbedded(fstest.MapFS{}); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty FS: err = %v, want not-exist", err)
	}
}

func FuzzEmbeddedDecode(f *testing.F) {
	f.Add([]byte(embeddedMagic))
	f.Add([]byte(embeddedMagic + "\x01FR\x01\x0d\x03abc\x02\x00\x01\x01\x02\x00\x00\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		e := &Embedded{}
		if err := e.decode(raw); err != nil {
			return
		}
		// Whatever decoded must be safe to look up.
		e.names = map[string]string{}
		for _, s := range []string{"0.0.0.0", "1.2.3.4", "255.255.255.255", "::", "2001:db8::1", "ffff::1"} {
			a := netip.MustParseAddr(s)
			e.Country(a)
			e.ASN(a)
		}
	})
}

// TestHoneybucketData runs the embedded data over the real BreachInsider
// export: every public source IP must get a country, and the leading
// country and AS must be what this data set is known for.
func TestHoneybucketData(t *testing.T) {
	const path = "../../shared/data/breachinsider-honeybucket-2022-02.csv"
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("real data not present:", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(head, "Source IP")
	if col < 0 {
		t.Fatalf("no Source IP column in %v", head)
	}
	alerts := map[netip.Addr]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if col < len(rec) {
			if a, err := netip.ParseAddr(strings.TrimSpace(rec[col])); err == nil {
				alerts[a]++
			}
		}
	}
	o := NewOffline(testEmbedded(t))
	addrs := make([]netip.Addr, 0, len(alerts))
	for a := range alerts {
		addrs = append(addrs, a)
	}
	profs, err := o.LookupMany(t.Context(), addrs, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Count both ways the report does: distinct IPs and alerts.
	countryIPs, countryAlerts := map[string]int{}, map[string]int{}
	asnIPs, asnAlerts := map[string]int{}, map[string]int{}
	for i := range profs.Len() {
		p := profs.At(i)
		a := p.Addr
		if p.Class != ClassPublic {
			t.Logf("%s is %s", a, p.Class)
			continue
		}
		if p.Geo.CountryCode == "" {
			t.Errorf("public %s has no country", a)
		}
		countryIPs[p.Geo.CountryCode]++
		countryAlerts[p.Geo.CountryCode] += alerts[a]
		if p.ASN.HasASN() {
			k := fmt.Sprintf("AS%d", p.ASN.Number)
			asnIPs[k]++
			asnAlerts[k] += alerts[a]
		}
	}
	top := func(m map[string]int) string {
		best, bestN := "", 0
		for k, n := range m {
			if n > bestN || (n == bestN && k < best) {
				best, bestN = k, n
			}
		}
		return fmt.Sprintf("%s (%d)", best, bestN)
	}
	t.Logf("%d distinct IPs, %d countries, %d ASNs", profs.Len(), len(countryIPs), len(asnIPs))
	// Hard-coded from what the data says with the 2026-06-17 embedded
	// build: most distinct IPs are in the US and in AS209372 (WS Telecom
	// Inc), one alert each; most alerts come from France, where Scaleway
	// (AS12876, 212.83.184.0/21) sent many alerts from few addresses.
	for _, c := range []struct{ what, got, want string }{
		{"top country by IPs", top(countryIPs), "US (32)"},
		{"top country by alerts", top(countryAlerts), "FR (59)"},
		{"top ASN by IPs", top(asnIPs), "AS209372 (48)"},
		{"top ASN by alerts", top(asnAlerts), "AS12876 (55)"},
	} {
		t.Logf("%s: %s", c.what, c.got)
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.what, c.got, c.want)
		}
	}
}

// TestASNRanges: every address the embedded data puts in an AS lies in
// one of the AS's ranges, and the ranges' ends are in the AS.
func TestASNRanges(t *testing.T) {
	e, err := OpenEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"52.95.110.1", "8.8.8.8", "2600:1f18::1", "1.1.1.1"} {
		a := netip.MustParseAddr(s)
		asn, ok := e.ASN(a)
		if !ok {
			t.Fatalf("%s: no AS in the embedded data", s)
		}
		ranges := e.ASNRanges(asn.Number)
		found := false
		for i, r := range ranges {
			if r[0].Compare(r[1]) > 0 || (i > 0 && ranges[i-1][1].Compare(r[0]) >= 0 && ranges[i-1][1].Is4() == r[0].Is4()) {
				t.Errorf("AS%d: range %d %v out of order", asn.Number, i, r)
			}
			for _, end := range r {
				if got, _ := e.ASN(end); got.Number != asn.Number {
					t.Errorf("AS%d: range end %s is in AS%d", asn.Number, end, got.Number)
				}
			}
			if r[0].Compare(a) <= 0 && a.Compare(r[1]) <= 0 {
				found = true
			}
		}
		if !found {
			t.Errorf("%s (AS%d) in none of %d ranges", s, asn.Number, len(ranges))
		}
	}
}
