package main

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// TestJSONMaxIPs: --json-max-ips lists the busiest IPs and counts the
// rest in ips_omitted, which a summary that lists them all leaves out;
// totals, countries and ASNs cover every IP either way.
func TestJSONMaxIPs(t *testing.T) {
	dir := t.TempDir()
	summary := func(args ...string) []byte {
		out := filepath.Join(dir, "s.json")
		args = append([]string{"report", "testdata/dump.txt", "testdata/access.log", "-o", filepath.Join(dir, "r.html"), "--json", out, "--no-system-geoip", "-q"}, args...)
		_, stderr, code := runCmd(t, fixedEpoch, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		return mustRead(t, out)
	}
	all := summary()
	if bytes.Contains(all, []byte("ips_omitted")) {
		t.Error("a summary listing every IP has ips_omitted")
	}
	whole := readSummaryJSON(t, filepath.Join(dir, "s.json"))
	if n := len(whole.IPs); n < 3 || n != whole.Totals.UniqueIPs {
		t.Fatalf("default summary lists %d of %d IPs", n, whole.Totals.UniqueIPs)
	}
	for _, n := range []int{0, 2} {
		b := summary("--json-max-ips", strconv.Itoa(n))
		cut := readSummaryJSON(t, filepath.Join(dir, "s.json"))
		if len(cut.IPs) != n || cut.IPsOmitted != whole.Totals.UniqueIPs-n {
			t.Errorf("--json-max-ips %d: %d IPs listed, %d omitted; want %d, %d", n, len(cut.IPs), cut.IPsOmitted, n, whole.Totals.UniqueIPs-n)
		}
		for i := range cut.IPs {
			if !reflect.DeepEqual(cut.IPs[i], whole.IPs[i]) {
				t.Errorf("--json-max-ips %d: IP %d is %+v, want the busiest, %+v", n, i, cut.IPs[i], whole.IPs[i])
			}
		}
		if cut.Totals != whole.Totals || len(cut.Countries) != len(whole.Countries) || len(cut.ASNs) != len(whole.ASNs) {
			t.Errorf("--json-max-ips %d: totals or geography changed: %+v", n, cut.Totals)
		}
		if !bytes.Contains(b, []byte(`"ips_omitted": `)) {
			t.Errorf("--json-max-ips %d: no ips_omitted", n)
		}
	}
	if _, stderr, code := runCmd(t, nil, "report", "testdata/dump.txt", "--json-max-ips", "-1"); code != 2 {
		t.Errorf("--json-max-ips -1: exit %d, want 2: %s", code, stderr)
	}
}
