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
// a loopback S3 server, listing included, and from the same tree on
// disk, both through ingest.ReadInputs with two workers.
//
//	go test ./s3input -run '^$' -bench CloudTrailTree -benchtime 5x
//
// The server runs in a process of its own (s3test.Spawn), as S3 itself
// is not on the client's machine: its CPU time is reported apart
// (server-cpu-ms/op) and none of its memory is the benchmark's.
// cpu-ms/op is this process's CPU time (user and system, all threads),
// the client's cost; cpu/disk and wall/disk compare it and the wall time
// with the disk run of the same tree. On a machine whose cores the
// server (or anything else) competes for, cpu/disk is the fair reading:
// the client's wall time against a server that costs it nothing is its
// CPU time spread over the cores it keeps busy.
//
// live-heap-MB is the most heap that a garbage collection during the run
// found live (garbage left out), above what it was before. objects=2500
// is the same with a quarter of the tree: memory that stays the same is
// bounded by the concurrency, not the number of objects.
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
	srv := s3test.Spawn(b, dir)
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
	var disk cost
	b.Run("disk", func(b *testing.B) {
		m := measure(b, nil)
		for b.Loop() {
			ins, err := ingest.ExpandInputs([]string{trail})
			if err != nil {
				b.Fatal(err)
			}
			read(b, ins)
		}
		disk = m(cost{})
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
			m := measure(b, srv)
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
			m(disk)
		})
	}
}

// cost is what one iteration took.
type cost struct{ wall, cpu time.Duration }

// measure starts measuring a benchmark's client CPU time, the server
// process's (when srv is not nil) and the live heap's peak (see
// heapPeak). The returned func reports them per iteration, and the
// ratios to base when base is not zero.
func measure(b *testing.B, srv *s3test.Process) func(base cost) cost {
	peak := heapPeak(b)
	var srv0 time.Duration
	if srv != nil {
		var err error
		if srv0, err = srv.CPU(); err != nil {
			b.Fatal(err)
		}
	}
	cpu0, wall0 := s3test.CPUTime(), time.Now()
	return func(base cost) cost {
		n := time.Duration(b.N)
		c := cost{wall: time.Since(wall0) / n, cpu: (s3test.CPUTime() - cpu0) / n}
		peak()
		b.ReportMetric(float64(c.cpu)/1e6, "cpu-ms/op")
		if srv != nil {
			srv1, err := srv.CPU()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64((srv1-srv0)/n)/1e6, "server-cpu-ms/op")
		}
		if base.cpu > 0 {
			b.ReportMetric(float64(c.cpu)/float64(base.cpu), "cpu/disk")
			b.ReportMetric(float64(c.wall)/float64(base.wall), "wall/disk")
		}
		return c
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

// TestBytesPerObject: what the client holds per object listed, for a
// whole pass (the listing, the inputs, the read-ahead state), is a few
// hundred bytes; everything else it holds is bounded by the concurrency
// (BenchmarkCloudTrailTree's live-heap-MB at 2,500 and 10,000 objects).
// The server runs in its own process, so none of its memory counts.
func TestBytesPerObject(t *testing.T) {
	dir := t.TempDir()
	if err := s3test.WriteTrail(dir, s3test.TreeConfig{Start: treeStart, Days: 30, Events: 500, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	objects, err := s3test.SplitCloudTrail(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	srv := s3test.Spawn(t, dir)
	s3test.SetEnv(t)
	c, err := New(context.Background(), Options{Endpoint: srv.URL, Concurrency: 16})
	if err != nil {
		t.Fatal(err)
	}
	live := func() int64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	ctx := context.Background()
	before := live()
	objs, err := c.List(ctx, "s3://"+s3test.TrailBucket+"/AWSLogs/", Span{})
	if err != nil || len(objs) != objects {
		t.Fatalf("listed %d of %d objects, err %v", len(objs), objects, err)
	}
	listed := live()
	ins, done := c.ReadAhead(ctx, c.Inputs(ctx, objs))
	defer done()
	held := live()
	t.Logf("%d objects: %d bytes per object listed, %d for its input and read-ahead state",
		objects, (listed-before)/int64(objects), (held-listed)/int64(objects))
	if per := (held - before) / int64(objects); per > 800 {
		t.Errorf("%d bytes held per object, want at most 800", per)
	}
	runtime.KeepAlive(ins)
}
