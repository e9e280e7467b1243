package s3input

import (
	"context"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/s3input/s3test"
)

// BenchmarkCloudTrailTree reads a CloudTrail tree of 10,000 objects
// (100,000 S3 events, ten an object, as a quiet trail delivers them) from
// the loopback S3 server, listing included, and from the same tree on
// disk, both through ingest.ReadInputs with two workers. live-heap-MB is
// the most heap that a garbage collection during the run found live
// (garbage left out), above what it was before (the server's copy of the
// tree).
//
//	go test ./s3input -run '^$' -bench CloudTrailTree -benchtime 5x
//
// objects=2500 is the same with a quarter of the tree: memory that stays
// the same is bounded by the concurrency, not the number of objects.
func BenchmarkCloudTrailTree(b *testing.B) {
	for _, objects := range []int{2500, 10000} {
		b.Run("objects="+itoa(objects), func(b *testing.B) { benchTree(b, objects) })
	}
}

func benchTree(b *testing.B, objects int) {
	dir := b.TempDir()
	if err := s3test.WriteTrail(dir, s3test.TreeConfig{Start: treeStart, Days: 60, Events: objects * 10 / len(s3test.Accounts) / len(s3test.Regions), Seed: 3}); err != nil {
		b.Fatal(err)
	}
	files, err := s3test.SplitCloudTrail(dir, 10)
	if err != nil {
		b.Fatal(err)
	}
	srv := s3test.NewServer(b)
	srv.PutDir(b, dir)
	b.Logf("%d objects", files)
	trail := filepath.Join(dir, s3test.TrailBucket)

	read := func(b *testing.B, ins []ingest.Input) {
		var events atomic.Int64
		stats := ingest.ReadInputs(context.Background(), ins, ingest.ReadOptions{Workers: 2}, func(int, *ingest.Event) { events.Add(1) })
		for _, st := range stats {
			if st.Err != nil {
				b.Fatal(st.Err)
			}
		}
		if events.Load() < int64(objects)*95/10 {
			b.Fatalf("%d events", events.Load())
		}
	}
	b.Run("disk", func(b *testing.B) {
		peak := heapPeak(b)
		for b.Loop() {
			ins, err := ingest.ExpandInputs([]string{trail})
			if err != nil {
				b.Fatal(err)
			}
			read(b, ins)
		}
		peak()
	})
	for _, conc := range []int{4, 16, 64} {
		b.Run("s3-concurrency="+itoa(conc), func(b *testing.B) {
			b.Setenv("AWS_ACCESS_KEY_ID", s3test.AccessKeyID)
			b.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretAccessKey)
			b.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			b.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
			b.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
			c, err := New(context.Background(), Options{Endpoint: srv.URL, Concurrency: conc})
			if err != nil {
				b.Fatal(err)
			}
			peak := heapPeak(b)
			for b.Loop() {
				ctx := context.Background()
				objs, err := c.List(ctx, "s3://"+s3test.TrailBucket+"/AWSLogs/", Span{})
				if err != nil {
					b.Fatal(err)
				}
				ins, done := c.ReadAhead(ctx, c.Inputs(ctx, objs))
				read(b, ins)
				done()
			}
			peak()
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// heapPeak samples the live heap until the returned func reports the
// peak above the level at the start.
func heapPeak(b *testing.B) func() {
	runtime.GC()
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	read := func() uint64 {
		metrics.Read(live)
		return live[0].Value.Uint64()
	}
	base := read()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if n := read(); n > base && n-base > peak.Load() {
					peak.Store(n - base)
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		b.ReportMetric(float64(peak.Load())/(1<<20), "live-heap-MB")
	}
}
