package report

import (
	"fmt"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/ingest"
)

// bigInput aggregates n synthetic events from about n/20 addresses, 2,000
// user agents and a year of timestamps, with a profile per address.
func bigInput(b *testing.B, n int) Input {
	b.Helper()
	agg := aggregate.New(aggregate.Options{})
	ops := []ingest.Operation{ingest.OpListObjects, ingest.OpHeadBucket, ingest.OpGetObject, ingest.OpPutObject, ingest.OpListBuckets}
	start := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	ips := max(1, n/20)
	var profiles []*enrich.Profile
	seen := make(map[netip.Addr]bool, ips)
	var e ingest.Event
	for i := 0; i < n; i++ {
		k := (i * 7919) % ips
		a := netip.AddrFrom4([4]byte{byte(10 + k>>16), byte(k >> 8), byte(k), 7})
		e = ingest.Event{
			Time: start.Add(time.Duration(i) * 31 * time.Second), Source: a, Op: ops[i%len(ops)], Weight: 1 + i%3,
			UserAgent: fmt.Sprintf("Boto3/1.%d.%d Python/3.9", i%40, i%50), Bucket: "honey", Key: fmt.Sprintf("k/%d", i%5000),
			Pos: ingest.Pos{File: "big.log", Line: i + 1},
		}
		agg.Add(&e)
		if !seen[a] {
			seen[a] = true
			profiles = append(profiles, &enrich.Profile{Addr: a, Class: enrich.ClassPublic,
				Geo: enrich.Geo{CountryCode: "C" + string(rune('A'+k%26)), CountryName: "Country", Lat: float64(k%140 - 60), Lon: float64(k%340 - 170)},
				ASN: enrich.ASN{Number: uint32(64500 + k%900), Org: fmt.Sprintf("Org %d", k%900)}})
		}
	}
	return Input{Summary: agg.Summary(), Profiles: enrich.NewProfiles(profiles...), UAFamily: uaFamily, Options: Options{GeneratedAt: fixedTime}}
}

// BenchmarkReport1M measures Build and WriteHTML (real assets) for a
// summary of one million events; aggregation is outside the timer.
func BenchmarkReport1M(b *testing.B) {
	in := bigInput(b, 1_000_000)
	a := realAssets(b)
	b.ResetTimer()
	var size int64
	for i := 0; i < b.N; i++ {
		cw := &countWriter{}
		if err := WriteHTML(cw, Build(in), a); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.ReportMetric(float64(size), "bytes/report")
}

// BenchmarkSummaryJSON1M measures NewSummaryJSON and WriteJSON for the
// same summary as BenchmarkReport1M.
func BenchmarkSummaryJSON1M(b *testing.B) {
	rep := Build(bigInput(b, 1_000_000))
	b.ResetTimer()
	var size int64
	for i := 0; i < b.N; i++ {
		cw := &countWriter{}
		s := NewSummaryJSON(rep, DefaultJSONMaxIPs)
		if err := s.WriteJSON(cw); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.ReportMetric(float64(size), "bytes/summary")
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
