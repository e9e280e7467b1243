package enrich

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// Run on one core as the issue asks:
//
//	go test -run XXX -bench . -cpu 1 ./enrich/

func BenchmarkOpenEmbedded(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := OpenEmbedded(); err != nil {
			b.Fatal(err)
		}
	}
}

// randomPublic returns n random public addresses, 1 in 4 IPv6 (inside the
// announced 2000::/4 so that most hit data).
func randomPublic(n int) []netip.Addr {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]netip.Addr, 0, n)
	for len(out) < n {
		var a netip.Addr
		if r.IntN(4) == 0 {
			var b [16]byte
			for i := range b {
				b[i] = byte(r.UintN(256))
			}
			b[0] = 0x20 | b[0]&0x0f
			a = netip.AddrFrom16(b)
		} else {
			a = netip.AddrFrom4([4]byte{byte(r.UintN(256)), byte(r.UintN(256)), byte(r.UintN(256)), byte(r.UintN(256))})
		}
		if ClassifyIP(a) == ClassPublic {
			out = append(out, a)
		}
	}
	return out
}

func benchOffline(b *testing.B, o *Offline) {
	addrs := randomPublic(4096)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		o.Lookup(addrs[i&4095])
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "lookups/s")
}

func BenchmarkLookupEmbedded(b *testing.B) {
	benchOffline(b, NewOffline(testEmbedded(b)))
}

func BenchmarkLookupMMDBCity(b *testing.B) {
	// The fixture is tiny, so this measures the per-lookup cost of the
	// reader and decoding, not the tree depth of a 50 MB city database.
	benchOffline(b, NewOffline(nil, openMMDB(b, "GeoLite2-City.mmdb"), openMMDB(b, "GeoLite2-ASN.mmdb")))
}

func BenchmarkClassifyUserAgent(b *testing.B) {
	uas := []string{
		"Boto3/1.17.40 Python/3.6.12 Linux/3.10.0-1160.6.1.el7.x86_64 Botocore/1.20.112",
		"Go-http-client/1.1",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/98.0.4758.102 Safari/537.36",
		"MyTool/0.1",
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ClassifyUserAgent(uas[i&3])
		i++
	}
}
