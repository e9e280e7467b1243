package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// writeCityDB writes a one-network GeoLite2-City database: enough to see
// that --geoip-db and HONEYREPORT_GEOIP_DB reach the report.
func writeCityDB(t *testing.T, path string) {
	t.Helper()
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-City", RecordSize: 24, IPVersion: 6,
		BuildEpoch: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Unix(), Description: map[string]string{"en": "honeyreport test"}})
	if err != nil {
		t.Fatal(err)
	}
	names := func(s string) mmdbtype.Map { return mmdbtype.Map{"en": mmdbtype.String(s)} }
	_, n, _ := net.ParseCIDR("212.83.184.0/24")
	if err := w.Insert(n, mmdbtype.Map{
		"country":  mmdbtype.Map{"iso_code": mmdbtype.String("FR"), "names": names("France")},
		"city":     mmdbtype.Map{"names": names("Paris")},
		"location": mmdbtype.Map{"latitude": mmdbtype.Float64(48.8582), "longitude": mmdbtype.Float64(2.3387), "accuracy_radius": mmdbtype.Uint16(20)},
	}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestGeoIPDatabaseUpgradesToCity(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "GeoLite2-City.mmdb")
	writeCityDB(t, db)
	for name, setup := range map[string]struct {
		args []string
		vars map[string]string
	}{
		"flag": {args: []string{"--geoip-db", db}},
		"env":  {vars: map[string]string{"HONEYREPORT_GEOIP_DB": db}},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name+".json")
			args := append([]string{"report", "testdata/dump.txt", "-o", filepath.Join(dir, name+".html"), "--json", out, "--no-system-geoip", "-q"}, setup.args...)
			_, stderr, code := runCmd(t, setup.vars, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			s := readSummaryJSON(t, out)
			var found bool
			for _, ip := range s.IPs {
				if ip.IP == "212.83.184.14" {
					found = true
					if ip.City != "Paris" || ip.Lat == nil || *ip.Lat != 48.8582 || ip.ASN != 12876 {
						t.Errorf("212.83.184.14 = %+v, want Paris at 48.8582 and the embedded ASN", ip)
					}
				}
			}
			if !found {
				t.Fatal("212.83.184.14 not in the summary")
			}
			var used bool
			for _, src := range s.Sources {
				used = used || src.BuildDate == "2024-03-01"
			}
			if !used {
				t.Errorf("sources do not list the user database: %+v", s.Sources)
			}
		})
	}
	// A flag naming a missing file is a usage error found before reading.
	if _, stderr, code := runCmd(t, nil, "report", "testdata/dump.txt", "--geoip-db", filepath.Join(dir, "missing.mmdb"), "-o", filepath.Join(dir, "x.html")); code != 2 {
		t.Errorf("missing database: exit %d (%s), want 2", code, stderr)
	}
	// A file that is not a database fails the run while the logs are
	// read, and no report is written.
	bad := filepath.Join(dir, "bad.mmdb")
	if err := os.WriteFile(bad, make([]byte, 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "bad.html")
	if _, stderr, code := runCmd(t, nil, "report", "testdata/dump.txt", "--geoip-db", bad, "-o", out); code != 1 || !strings.Contains(stderr, "open GeoIP database") {
		t.Errorf("damaged database: exit %d (%s), want 1 naming the database", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a report was written with a damaged database")
	}
}
