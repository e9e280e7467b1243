package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/synth"
)

// BenchmarkReport times the whole pipeline (parse, aggregate, embedded
// enrichment, HTML and JSON) on generated logs of each format. Profile it
// with -cpuprofile / -memprofile; scripts/bench.sh measures the built
// binary on 1M-event inputs.
func BenchmarkReport(b *testing.B) {
	const events = 100000
	dir := b.TempDir()
	cfg := synth.Config{Events: events, IPs: events / 20, Seed: 1, IPv6Share: 0.05,
		Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)}
	g, err := synth.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	write := func(name string, w func(*os.File) error) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := w(f); err != nil {
			b.Fatal(err)
		}
		f.Close()
		return p
	}
	inputs := map[string]string{
		"s3-access":     write("s3.log", func(f *os.File) error { return synth.WriteS3Access(f, g.Ascending(), g.OwnerID()) }),
		"breachinsider": write("dump.txt", func(f *os.File) error { return synth.WriteBreachInsider(f, g.Descending()) }),
	}
	ct := filepath.Join(dir, "ct")
	if _, err := synth.WriteCloudTrailTree(ct, g.Ascending()); err != nil {
		b.Fatal(err)
	}
	inputs["cloudtrail"] = ct
	for _, name := range []string{"s3-access", "breachinsider", "cloudtrail"} {
		b.Run(name, func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "r.html")
			for i := 0; i < b.N; i++ {
				if _, stderr, code := runCmd(b, fixedEpoch, "report", inputs[name], "-o", out, "--json", out+".json", "-q", "--no-system-geoip"); code != 0 {
					b.Fatal(stderr)
				}
			}
			b.ReportMetric(float64(events*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
