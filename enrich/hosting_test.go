package enrich

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestParseHostingASNs(t *testing.T) {
	tests := []struct {
		name, in string
		asns     []uint32
		err      string
	}{
		{"lines and comments", "# c\n\n16509\tAmazon\tsrc\nAS13335\tCloudflare\n", []uint32{13335, 16509}, ""},
		{"crlf", "14061\tDigitalOcean\tx\r\n", []uint32{14061}, ""},
		{"bad number", "abc\tX\n", nil, "line 1: bad ASN"},
		{"zero", "0\tX\n", nil, "bad ASN"},
		{"no name", "123\t \tsrc\n", nil, "no provider name"},
		{"no tab", "123 Amazon\n", nil, "want ASN<TAB>provider"},
		{"duplicate", "1\tA\n1\tB\n", nil, "line 2: AS1 listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHostingASNs(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Sorted(maps.Keys(h.names)); !slices.Equal(got, tt.asns) {
				t.Errorf("ASNs = %v, want %v", got, tt.asns)
			}
		})
	}
	var nilList *HostingASNs
	if nilList.IsHosting(16509) {
		t.Error("nil list flagged an ASN")
	}
}

// TestEmbeddedHostingList checks the shipped list: it parses, includes the
// providers the report relies on, and names only ASNs the embedded ASN data
// knows, which catches typos in the numbers.
func TestEmbeddedHostingList(t *testing.T) {
	e := testEmbedded(t)
	h := e.Hosting()
	for _, n := range []uint32{16509, 14618, 15169, 396982, 8075, 14061, 16276, 24940, 63949, 20473, 12876, 31898, 45102, 37963, 132203, 45090, 51167, 60781, 16265, 9009, 13335} {
		if !h.IsHosting(n) {
			t.Errorf("AS%d missing from hosting-asns.txt", n)
		}
	}
	known := map[uint32]bool{}
	for _, n := range e.asnNums {
		known[n] = true
	}
	for n, p := range h.names {
		if !known[n] {
			t.Errorf("AS%d (%s) is not in the embedded ASN data: typo or dead ASN?", n, p)
		}
	}
	if p := h.names[13335]; p != "Cloudflare" {
		t.Errorf("AS13335 provider = %q", p)
	}
}
