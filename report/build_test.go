package report

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/honeyreport/honeyreport/ingest"
)

// TestSmallest checks the heap selection against sorting everything.
func TestSmallest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	less := func(x, y int) bool { return x < y }
	for size := 0; size < 40; size++ {
		s := r.Perm(size * 3)[:size] // distinct, as less must be total
		want := slices.Sorted(slices.Values(s))
		for n := 0; n <= size+2; n++ {
			got := smallest(slices.Clone(s), n, less)
			if !slices.Equal(got, firstN(want, n)) {
				t.Fatalf("smallest(%v, %d) = %v, want %v", s, n, got, firstN(want, n))
			}
		}
	}
}

func TestPosText(t *testing.T) {
	long := "/work/shared/data/breachinsider-honeybucket-2022-02.csv"
	for _, tc := range []struct {
		name string
		pos  ingest.Pos
		want Text
	}{
		{"short path whole", ingest.Pos{File: "logs/trail.json", Line: 7}, Text{Short: "logs/trail.json:7"}},
		{"long path by its base name, cut", ingest.Pos{File: long, Line: 12}, Text{Short: "breachin…022-02.csv:12", Full: long + ":12"}},
		{"long path, short base name", ingest.Pos{File: "/var/log/honeypot/exports/2022/trail.json", Line: 3}, Text{Short: "trail.json:3", Full: "/var/log/honeypot/exports/2022/trail.json:3"}},
		{"no line", ingest.Pos{File: "-"}, Text{Short: "-"}},
		{"nothing", ingest.Pos{}, Text{}},
		{"hostile name", ingest.Pos{File: "/tmp/very/long/directory/name/\u202Egpj.exe", Line: 1}, Text{Short: `\u202Egpj.exe:1`, Full: `/tmp/very/long/directory/name/\u202Egpj.exe:1`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := posText(tc.pos); got != tc.want {
				t.Errorf("posText(%+v) = %+v, want %+v", tc.pos, got, tc.want)
			}
		})
	}
}

func TestNetKey(t *testing.T) {
	for _, tc := range []struct{ addr, net string }{
		{"198.51.100.7", "198.51.100.0/24"},
		{"::ffff:198.51.100.9", "198.51.100.0/24"},
		{"2001:db8:abcd:12::1", "2001:db8:abcd::/48"},
		{"fe80::1%eth0", "fe80::/48"},
		{"0.0.0.0", "0.0.0.0/24"},
		{"ffff:ffff:ffff:ffff::", "ffff:ffff:ffff::/48"},
	} {
		k, ok := netKey(netip.MustParseAddr(tc.addr))
		if got := netPrefix(k).String(); !ok || got != tc.net {
			t.Errorf("%s: network %s (%v), want %s", tc.addr, got, ok, tc.net)
		}
	}
	if _, ok := netKey(netip.Addr{}); ok {
		t.Error("the zero address has a network")
	}
	k4, _ := netKey(netip.MustParseAddr("0.0.1.0"))
	k6, _ := netKey(netip.MustParseAddr("::1:0:0:0:0:0"))
	if k4 == k6 {
		t.Error("an IPv4 and an IPv6 network share a key")
	}
}
