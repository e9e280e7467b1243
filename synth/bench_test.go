package synth

import (
	"io"
	"testing"
)

// benchGen is a generator of b.N-independent size, so ns/op is per event.
func benchGen(b *testing.B) *Generator {
	g, err := New(Config{Events: 200_000, IPs: 10_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return g
}

func benchPerEvent(b *testing.B, run func(g *Generator) error) {
	g := benchGen(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := run(g); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(g.cfg.Events), "ns/event")
}

func BenchmarkGenerate(b *testing.B) {
	benchPerEvent(b, func(g *Generator) error {
		for range g.Ascending() {
		}
		return nil
	})
}

func BenchmarkWriteBreachInsider(b *testing.B) {
	benchPerEvent(b, func(g *Generator) error { return WriteBreachInsider(io.Discard, g.Descending()) })
}

func BenchmarkWriteBreachCSV(b *testing.B) {
	benchPerEvent(b, func(g *Generator) error { return WriteBreachCSV(io.Discard, g.Descending()) })
}

func BenchmarkWriteS3Access(b *testing.B) {
	benchPerEvent(b, func(g *Generator) error { return WriteS3Access(io.Discard, g.Ascending(), g.OwnerID()) })
}

func BenchmarkWriteCloudTrailTree(b *testing.B) {
	dir := b.TempDir()
	benchPerEvent(b, func(g *Generator) error {
		_, err := WriteCloudTrailTree(dir, g.Ascending())
		return err
	})
}
