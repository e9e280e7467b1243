package aggregate

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
)

// ev builds a test event: time, source, operation; options tweak the rest.
func ev(ts, src string, op ingest.Operation, opts ...func(*ingest.Event)) ingest.Event {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		panic(err)
	}
	e := ingest.Event{Time: t, Op: op, Weight: 1, UserAgent: "Go-http-client/1.1", Bucket: "b", Pos: ingest.Pos{File: "f", Line: 1}}
	if a, err := netip.ParseAddr(src); err == nil {
		e.Source = a
	} else {
		e.SourceText = src
	}
	for _, o := range opts {
		o(&e)
	}
	return e
}

func weight(n int) func(*ingest.Event)     { return func(e *ingest.Event) { e.Weight = n } }
func ua(s string) func(*ingest.Event)      { return func(e *ingest.Event) { e.UserAgent = s } }
func errCode(s string) func(*ingest.Event) { return func(e *ingest.Event) { e.ErrorCode = s } }
func line(n int) func(*ingest.Event)       { return func(e *ingest.Event) { e.Pos.Line = n } }
func account(id string) func(*ingest.Event) {
	return func(e *ingest.Event) { e.Identity.AccountID = id }
}

func summarize(evs []ingest.Event, sampleSize int) *Summary {
	a := New(Options{SampleSize: sampleSize})
	for i := range evs {
		a.Add(&evs[i])
	}
	return a.Summary()
}

func TestSummary(t *testing.T) {
	evs := []ingest.Event{
		ev("2022-01-31T18:21:55Z", "212.83.184.14", ingest.OpListObjects, weight(3), line(1)),
		ev("2022-01-31T03:54:25Z", "212.83.184.14", ingest.OpHeadBucket, ua("Java/1.8.0_201"), line(2)),
		ev("2021-11-02T10:00:00Z", "::ffff:88.218.82.128", ingest.OpPutObject, errCode("AccessDenied"), line(3)),
		ev("2021-11-02T11:00:00Z", "s3.amazonaws.com", ingest.OpGetObject, account("123456789012"), line(4)),
	}
	s := summarize(evs, 10)

	if s.Events != 4 || s.Attempts != 6 {
		t.Errorf("events, attempts = %d, %d; want 4, 6", s.Events, s.Attempts)
	}
	if got := s.FirstSeen.Format(time.RFC3339); got != "2021-11-02T10:00:00Z" {
		t.Errorf("first seen %s", got)
	}
	wantMonths := []Month{{"2021-11", 2}, {"2021-12", 0}, {"2022-01", 2}}
	if !reflect.DeepEqual(s.Monthly, wantMonths) {
		t.Errorf("monthly = %v, want %v", s.Monthly, wantMonths)
	}
	if len(s.Days) != 91 {
		t.Errorf("days = %d, want 91 (2021-11-02 .. 2022-01-31)", len(s.Days))
	}
	var listTotal int64
	for _, ser := range s.Daily {
		if ser.Op == ingest.OpListObjects {
			for _, n := range ser.Counts {
				listTotal += n
			}
			if ser.Counts[len(ser.Counts)-1] != 1 {
				t.Errorf("ListObjects on the last day = %d, want 1", ser.Counts[len(ser.Counts)-1])
			}
		}
	}
	if listTotal != 1 {
		t.Errorf("ListObjects daily total = %d, want 1", listTotal)
	}
	if len(s.IPs) != 2 || s.IPs[0].Addr.String() != "212.83.184.14" || s.IPs[0].Events != 2 || s.IPs[0].Attempts != 4 {
		t.Fatalf("IPs = %+v", s.IPs)
	}
	if s.IPs[1].Addr.String() != "88.218.82.128" {
		t.Errorf("IPv4-mapped address not unmapped: %s", s.IPs[1].Addr)
	}
	if ua, n := s.IPs[0].TopUserAgent(); ua != "Go-http-client/1.1" || n != 1 {
		// one each: the alphabetically first wins the tie
		t.Errorf("top UA = %q %d", ua, n)
	}
	if len(s.NonIPSources) != 1 || s.NonIPSources[0].Text != "s3.amazonaws.com" {
		t.Errorf("non-IP sources = %+v", s.NonIPSources)
	}
	if s.Writes != 1 || s.AccessDenied != 1 || s.Authenticated != 1 {
		t.Errorf("writes, denied, authenticated = %d, %d, %d", s.Writes, s.AccessDenied, s.Authenticated)
	}
	if len(s.Principals) != 1 || s.Principals[0].Identity.AccountID != "123456789012" {
		t.Errorf("principals = %+v", s.Principals)
	}
	if s.HourByWeekday[time.Monday][18] != 1 {
		t.Errorf("Monday 18h = %d, want 1", s.HourByWeekday[time.Monday][18])
	}
	wantOps := []Count{{"ListObjects", 1, 3}, {"GetObject", 1, 1}, {"HeadBucket", 1, 1}, {"PutObject", 1, 1}}
	if !reflect.DeepEqual(s.Operations, wantOps) {
		t.Errorf("operations = %v, want %v", s.Operations, wantOps)
	}
	if len(s.Recent) != 4 || s.Recent[0].Pos.Line != 1 || s.Recent[3].Pos.Line != 3 {
		t.Errorf("recent not newest first: %v", s.Recent)
	}
}

// TestMergeMatchesSingle checks that counting parts in parallel and merging
// gives exactly what one pass gives, samples included.
func TestMergeMatchesSingle(t *testing.T) {
	var evs []ingest.Event
	ops := []ingest.Operation{ingest.OpHeadBucket, ingest.OpListObjects, ingest.OpPutObject}
	for i := 0; i < 500; i++ {
		ts := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i*7919%1000) * time.Hour).Format(time.RFC3339)
		e := ev(ts, fmt.Sprintf("198.51.100.%d", i%37), ops[i%3], line(i), weight(1+i%4), ua(fmt.Sprintf("ua-%d", i%5)))
		if i%11 == 0 {
			e.ErrorCode = "AccessDenied"
		}
		evs = append(evs, e)
	}
	whole := summarize(evs, 20)
	for _, parts := range []int{2, 3, 7} {
		var aggs []*Aggregator
		for p := 0; p < parts; p++ {
			aggs = append(aggs, New(Options{SampleSize: 20}))
		}
		for i := range evs {
			aggs[i%parts].Add(&evs[i])
		}
		for _, b := range aggs[1:] {
			aggs[0].Merge(b)
		}
		got := aggs[0].Summary()
		if !reflect.DeepEqual(got, whole) {
			t.Errorf("%d parts: merged summary differs from a single pass", parts)
		}
	}
}

func TestEmpty(t *testing.T) {
	s := New(Options{}).Summary()
	if s.Events != 0 || len(s.Monthly) != 0 || len(s.Days) != 0 || len(s.IPs) != 0 {
		t.Errorf("empty summary = %+v", s)
	}
}

func BenchmarkAdd(b *testing.B) {
	evs := make([]ingest.Event, 4096)
	for i := range evs {
		evs[i] = ev(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute).Format(time.RFC3339),
			fmt.Sprintf("198.51.%d.%d", i/256%4, i%256), ingest.OpHeadBucket, ua(fmt.Sprintf("ua-%d", i%50)))
	}
	a := New(Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Add(&evs[i%len(evs)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// TestSampleKeepsNewest checks the bounded sample against sorting
// everything, in chronological, reversed and shuffled order, with ties and
// times far outside UnixNano's range.
func TestSampleKeepsNewest(t *testing.T) {
	base := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	var evs []ingest.Event
	for i := 0; i < 3000; i++ {
		e := ev(base.Add(time.Duration(i/3)*time.Second).Format(time.RFC3339), "192.0.2.1", ingest.OpHeadBucket, line(i))
		switch i {
		case 17:
			e.Time = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		case 18:
			e.Time = time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
		case 19:
			e.Time = time.Time{}
		}
		evs = append(evs, e)
	}
	want := slices.Clone(evs)
	sort.Slice(want, func(i, j int) bool { return newer(&want[i], &want[j]) })
	want = want[:100]
	orders := map[string][]ingest.Event{"chronological": evs, "reversed": slices.Clone(evs), "shuffled": slices.Clone(evs)}
	slices.Reverse(orders["reversed"])
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(evs), func(i, j int) {
		orders["shuffled"][i], orders["shuffled"][j] = orders["shuffled"][j], orders["shuffled"][i]
	})
	for name, in := range orders {
		s := sample{limit: 100}
		for i := range in {
			s.add(&in[i])
		}
		if got := s.sorted(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: sample differs from the 100 newest", name)
		}
	}
}

// TestSampleTiesOnOneLine: a CloudTrail delivery file is one line, so many
// events share time, file and line; which are kept must not depend on the
// order they arrive in.
func TestSampleTiesOnOneLine(t *testing.T) {
	var evs []ingest.Event
	for i := 0; i < 500; i++ {
		e := ev("2024-03-31T23:32:44Z", fmt.Sprintf("198.51.100.%d", i%50), ingest.OpHeadBucket, line(1))
		e.RequestID = fmt.Sprintf("R%03d", i)
		evs = append(evs, e)
	}
	var first []ingest.Event
	for seed := uint64(0); seed < 5; seed++ {
		in := slices.Clone(evs)
		rand.New(rand.NewPCG(seed, 7)).Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
		got := summarize(in, 40).Recent
		if first == nil {
			first = got
		} else if !reflect.DeepEqual(got, first) {
			t.Fatalf("shuffle %d kept other events", seed)
		}
	}
}

// BenchmarkSample adds 100k events to a sample of the default size in the
// orders inputs arrive in: chronological (CloudTrail, access logs),
// newest first (BreachInsider dumps) and shuffled.
func BenchmarkSample(b *testing.B) {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	evs := make([]ingest.Event, 100000)
	for i := range evs {
		evs[i] = ev(base.Add(time.Duration(i)*time.Second).Format(time.RFC3339), "192.0.2.1", ingest.OpGetObject, line(i))
	}
	reversed := slices.Clone(evs)
	slices.Reverse(reversed)
	shuffled := slices.Clone(evs)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, order := range []struct {
		name string
		evs  []ingest.Event
	}{{"chronological", evs}, {"newest-first", reversed}, {"shuffled", shuffled}} {
		b.Run(order.name, func(b *testing.B) {
			for b.Loop() {
				s := sample{limit: DefaultSampleSize}
				for i := range order.evs {
					s.add(&order.evs[i])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(order.evs)), "ns/event")
		})
	}
}

// BenchmarkAddManyIPs counts events from 50k sources in random order, as
// in the 1M-event benchmark logs: the per-source table no longer fits in
// the CPU caches, so this measures memory traffic more than arithmetic.
func BenchmarkAddManyIPs(b *testing.B) {
	const sources = 50000
	rng := rand.New(rand.NewPCG(3, 4))
	ops := []ingest.Operation{ingest.OpListObjects, ingest.OpHeadBucket, ingest.OpGetObject, ingest.OpPutObject}
	evs := make([]ingest.Event, 1<<18)
	for i := range evs {
		n := rng.IntN(sources)
		evs[i] = ev("2024-03-01T00:00:00Z", fmt.Sprintf("10.%d.%d.%d", n>>16, n>>8&255, n&255), ops[rng.IntN(len(ops))], ua(fmt.Sprintf("ua-%d", rng.IntN(50))))
		evs[i].Time = evs[i].Time.Add(time.Duration(i) * time.Second)
	}
	a := New(Options{})
	for i := range evs {
		a.Add(&evs[i]) // every source seen once: the table is at its full size
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Add(&evs[i&(len(evs)-1)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// TestBytesPerSource measures the heap one distinct source costs, counted
// and summarised, with every event from a new address (a scan from a
// botnet, or forged logs): at most 400 bytes, so that two million sources
// fit in well under a gigabyte. It logs the figures (go test -v).
func TestBytesPerSource(t *testing.T) {
	const n = 200_000
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	e := ev("2024-03-01T00:00:00Z", "192.0.2.1", ingest.OpHeadBucket)
	before := heap()
	a := New(Options{})
	for i := range n {
		if i%10 == 0 {
			e.Source = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 12: byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})
		} else {
			e.Source = netip.AddrFrom4([4]byte{byte(10 + i>>24), byte(i >> 16), byte(i >> 8), byte(i)})
		}
		e.UserAgent = fmt.Sprintf("ua-%d", i%100)
		a.Add(&e)
	}
	counting := heap()
	s := a.Summary()
	a = nil
	summarised := heap()
	if len(s.IPs) != n {
		t.Fatalf("%d sources, want %d", len(s.IPs), n)
	}
	perCounting := float64(counting-before) / n
	perSummary := float64(summarised-before) / n
	t.Logf("bytes per distinct source: %.0f while counting, %.0f in the summary", perCounting, perSummary)
	if perCounting > 400 || perSummary > 400 {
		t.Errorf("a source costs %.0f bytes while counting and %.0f in the summary, want at most 400", perCounting, perSummary)
	}
	runtime.KeepAlive(s)
}

// TestSourceUserAgents: a source's top user agent and distinct count stay
// exact past the two it holds inline, zoned addresses stay apart from the
// same address without a zone, and merging gives the same.
func TestSourceUserAgents(t *testing.T) {
	var evs []ingest.Event
	for i, u := range []string{"a", "b", "c", "d", "c", "c", "b", "c", "c"} {
		evs = append(evs, ev("2024-01-01T00:00:00Z", "198.51.100.1", ingest.OpHeadBucket, ua(u), line(i)))
	}
	evs = append(evs,
		ev("2024-01-01T00:00:00Z", "fe80::1", ingest.OpHeadBucket, line(20)),
		ev("2024-01-01T00:00:00Z", "fe80::1%eth0", ingest.OpHeadBucket, line(21)),
		ev("2024-01-01T00:00:00Z", "fe80::1%eth0", ingest.OpHeadBucket, line(22)))
	whole := summarize(evs, 10)
	check := func(name string, s *Summary) {
		t.Helper()
		if len(s.IPs) != 3 {
			t.Fatalf("%s: %d sources, want 3", name, len(s.IPs))
		}
		ip := s.IPs[0]
		if top, n := ip.TopUserAgent(); ip.Addr.String() != "198.51.100.1" || top != "c" || n != 5 || ip.UserAgents() != 4 {
			t.Errorf("%s: %s top UA %q %d of %d; want c 5 of 4", name, ip.Addr, top, n, ip.UserAgents())
		}
		if s.IPs[1].Addr.String() != "fe80::1%eth0" || s.IPs[1].Events != 2 || s.IPs[2].Addr.String() != "fe80::1" || s.IPs[2].Events != 1 {
			t.Errorf("%s: zoned sources = %s %d, %s %d", name, s.IPs[1].Addr, s.IPs[1].Events, s.IPs[2].Addr, s.IPs[2].Events)
		}
	}
	check("one pass", whole)
	a, b := New(Options{SampleSize: 10}), New(Options{SampleSize: 10})
	for i := range evs {
		if i%2 == 0 {
			a.Add(&evs[i])
		} else {
			b.Add(&evs[i])
		}
	}
	a.Merge(b)
	merged := a.Summary()
	check("merged", merged)
	if !reflect.DeepEqual(merged, whole) {
		t.Error("merged summary differs from a single pass")
	}
}

// TestUserAgentBound: one address sending more distinct user agents and
// keys than the bounds gets the first ones counted one by one and the
// rest counted together, in one pass and merged.
func TestUserAgentBound(t *testing.T) {
	const extra = 10
	n := max(MaxUserAgents, MaxKeys) + extra
	parts := []*Aggregator{New(Options{}), New(Options{}), New(Options{})}
	e := ev("2024-01-01T00:00:00Z", "198.51.100.1", ingest.OpGetObject, weight(2))
	for i := range n {
		e.UserAgent = fmt.Sprintf("ua-%07d", i)
		e.Key = fmt.Sprintf("k/%07d", i)
		e.Pos.Line = i
		// The first part sees every value first; the others repeat some
		// and bring new ones, which the merge must count as other.
		parts[0].Add(&e)
		if i%1000 == 0 {
			parts[1].Add(&e)
		}
	}
	for i := range extra {
		e.UserAgent = fmt.Sprintf("late-%d", i)
		e.Key = e.UserAgent
		parts[2].Add(&e)
	}
	one := parts[0]
	one.Merge(parts[1])
	one.Merge(parts[2])
	s := one.Summary()
	events := int64(n + (n+999)/1000 + extra)
	if len(s.UserAgents) != MaxUserAgents || len(s.Keys) != MaxKeys {
		t.Errorf("%d user agents, %d keys listed; want %d, %d", len(s.UserAgents), len(s.Keys), MaxUserAgents, MaxKeys)
	}
	var listed int64
	for _, c := range s.UserAgents {
		listed += c.Events
	}
	if listed+s.OtherUserAgents.Events != events || s.OtherUserAgents.Attempts != 2*s.OtherUserAgents.Events || s.OtherUserAgents.Events < extra {
		t.Errorf("user agents: %d listed + %+v other, want %d events in all", listed, s.OtherUserAgents, events)
	}
	var keyAttempts int64
	for _, c := range s.Keys {
		keyAttempts += c.Attempts
	}
	if keyAttempts+s.OtherKeys != 2*events {
		t.Errorf("keys: %d listed + %d other attempts, want %d", keyAttempts, s.OtherKeys, 2*events)
	}
	ip := s.IPs[0]
	if top, cnt := ip.TopUserAgent(); top != "ua-0000000" || cnt != 2 || ip.UserAgents() != MaxUserAgents+1 {
		t.Errorf("top UA %q %d of %d; want ua-0000000 2 of %d (the listed ones and other)", top, cnt, ip.UserAgents(), MaxUserAgents+1)
	}
}

// TestMergeManySources: merging aggregators whose sources are mostly
// their own (chunks taken over whole) or mostly shared (added record by
// record), over several chunks, gives what one pass gives.
func TestMergeManySources(t *testing.T) {
	var evs []ingest.Event
	for i := range 12000 {
		src := i % 5000
		if i%3 == 0 {
			src = i % 40 // busy sources every part sees
		}
		e := ev("2024-01-01T00:00:00Z", fmt.Sprintf("10.0.%d.%d", src>>8, src&255), ingest.OpHeadBucket, line(i), ua(fmt.Sprintf("ua-%d", i%7)))
		e.Time = e.Time.Add(time.Duration(i) * time.Minute)
		if i%500 == 0 {
			e.Source = netip.Addr{}
			e.SourceText = fmt.Sprintf("svc-%d.amazonaws.com", i%3)
		}
		evs = append(evs, e)
	}
	whole := summarize(evs, 10)
	for _, parts := range []int{2, 3} {
		var aggs []*Aggregator
		for range parts {
			aggs = append(aggs, New(Options{SampleSize: 10}))
		}
		// In runs, as files are read: each part has sources of its own.
		// The first event goes to an aggregator of its own, merged into
		// first, so that the chunks taken over follow a part-filled one.
		for i := 1; i < len(evs); i++ {
			aggs[i*parts/len(evs)].Add(&evs[i])
		}
		merged := New(Options{SampleSize: 10})
		merged.Add(&evs[0])
		for _, a := range aggs {
			merged.Merge(a)
		}
		if got := merged.Summary(); !reflect.DeepEqual(got, whole) {
			t.Errorf("%d parts: merged summary differs from a single pass (%d events from %d IPs, want %d from %d)", parts, got.Events, len(got.IPs), whole.Events, len(whole.IPs))
		}
	}
}

// TestTimeAndOperationBounds: forged times far apart do not make millions
// of days (the window kept is the busiest), and forged operation names do
// not make thousands of daily series.
func TestTimeAndOperationBounds(t *testing.T) {
	var evs []ingest.Event
	for i := range 300 {
		evs = append(evs, ev("2024-03-01T00:00:00Z", "198.51.100.1", ingest.OpHeadBucket, line(i)))
		evs[i].Time = evs[i].Time.Add(time.Duration(i) * 24 * time.Hour)
	}
	for _, ts := range []string{"0002-01-01T00:00:00Z", "9999-12-31T00:00:00Z"} {
		evs = append(evs, ev(ts, "198.51.100.2", ingest.OpGetObject, line(len(evs))))
	}
	for i := range MaxOperations + 5 {
		evs = append(evs, ev("2024-06-01T00:00:00Z", "198.51.100.3", ingest.Operation(fmt.Sprintf("Op%05d", i)), line(len(evs))))
	}
	for _, parts := range []int{1, 2} {
		aggs := []*Aggregator{New(Options{}), New(Options{})}
		for i := range evs {
			aggs[i%parts].Add(&evs[i])
		}
		aggs[0].Merge(aggs[1])
		s := aggs[0].Summary()
		if len(s.Days) != MaxDays || s.OutsideDays != 2 {
			t.Errorf("%d parts: %d days, %d events outside; want %d, 2", parts, len(s.Days), s.OutsideDays, MaxDays)
		}
		if last := s.Days[len(s.Days)-1].Format(time.DateOnly); last != "2024-12-25" {
			t.Errorf("%d parts: days end %s, want the last busy day 2024-12-25", parts, last)
		}
		if len(s.Monthly) > MaxDays/28+1 || s.Monthly[len(s.Monthly)-1].Month != "2024-12" {
			t.Errorf("%d parts: %d months, the last %v", parts, len(s.Monthly), s.Monthly[len(s.Monthly)-1])
		}
		if len(s.Operations) != MaxOperations || len(s.Daily) != MaxOperations || s.OtherOperations.Events != 7 {
			// 1,005 forged names and GetObject, HeadBucket: 7 past the bound
			t.Errorf("%d parts: %d operations, %d series, %d other events; want %d, %d, 7", parts, len(s.Operations), len(s.Daily), s.OtherOperations.Events, MaxOperations, MaxOperations)
		}
		var daily int64
		for _, ser := range s.Daily {
			for _, n := range ser.Counts {
				daily += n
			}
		}
		if daily+s.OutsideDays+s.OtherOperations.Events != s.Events {
			t.Errorf("%d parts: %d in daily series + %d outside + %d other ops, want %d events", parts, daily, s.OutsideDays, s.OtherOperations.Events, s.Events)
		}
	}
}

// TestListBounds: made-up error codes, bucket names and identities are
// counted one by one up to their bounds and together past them, in one
// pass and merged.
func TestListBounds(t *testing.T) {
	n := max(MaxErrors, MaxBuckets, MaxPrincipals) + 3
	var evs []ingest.Event
	for i := range n {
		e := ev("2024-01-01T00:00:00Z", "198.51.100.1", ingest.OpGetObject, line(i),
			errCode(fmt.Sprintf("E%06d", i%(MaxErrors+3))), account(fmt.Sprintf("%012d", i%(MaxPrincipals+3))))
		e.Bucket = fmt.Sprintf("b-%06d", i)
		evs = append(evs, e)
	}
	for _, parts := range []int{1, 2} {
		aggs := []*Aggregator{New(Options{}), New(Options{})}
		for i := range evs {
			aggs[i*parts/len(evs)].Add(&evs[i])
		}
		aggs[0].Merge(aggs[1])
		s := aggs[0].Summary()
		for _, c := range []struct {
			name   string
			listed int
			other  Count
			max    int
		}{
			{"errors", len(s.Errors), s.OtherErrors, MaxErrors},
			{"buckets", len(s.Buckets), s.OtherBuckets, MaxBuckets},
			{"principals", len(s.Principals), s.OtherPrincipals, MaxPrincipals},
		} {
			if c.listed != c.max || c.other.Events == 0 {
				t.Errorf("%d parts: %s: %d listed, %d events other; want %d and some", parts, c.name, c.listed, c.other.Events, c.max)
			}
		}
		var principalEvents int64
		for _, p := range s.Principals {
			principalEvents += p.Events
		}
		if principalEvents+s.OtherPrincipals.Events != int64(n) {
			t.Errorf("%d parts: principals %d + other %d, want %d", parts, principalEvents, s.OtherPrincipals.Events, n)
		}
	}
}

// TestAxis: the daily and monthly series cover the axis (a report's
// window) zero-filled, also with no event in it, and ignore an axis past
// MaxDays.
func TestAxis(t *testing.T) {
	day := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	tests := []struct {
		name        string
		axis        Span
		events      []ingest.Event
		first, last string
		months      int
	}{
		{name: "window around events", axis: Span{day("2026-10-30"), day("2026-11-08").Add(-time.Nanosecond)},
			events: []ingest.Event{ev("2026-11-03T10:00:00Z", "192.0.2.1", ingest.OpGetObject)},
			first:  "2026-10-30", last: "2026-11-07", months: 2},
		{name: "no events", axis: Span{day("2026-11-01"), day("2026-11-08").Add(-time.Nanosecond)},
			first: "2026-11-01", last: "2026-11-07", months: 1},
		{name: "open end", axis: Span{FirstSeen: day("2026-11-01")},
			events: []ingest.Event{ev("2026-11-03T10:00:00Z", "192.0.2.1", ingest.OpGetObject)},
			first:  "2026-11-01", last: "2026-11-03", months: 1},
		{name: "too long", axis: Span{day("1990-01-01"), day("2026-11-08")},
			events: []ingest.Event{ev("2026-11-03T10:00:00Z", "192.0.2.1", ingest.OpGetObject)},
			first:  "2026-11-03", last: "2026-11-03", months: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New(Options{Axis: tt.axis})
			for i := range tt.events {
				a.Add(&tt.events[i])
			}
			s := a.Summary()
			if len(s.Days) == 0 {
				t.Fatal("no days")
			}
			if f, l := s.Days[0].Format("2006-01-02"), s.Days[len(s.Days)-1].Format("2006-01-02"); f != tt.first || l != tt.last {
				t.Errorf("days %s – %s, want %s – %s", f, l, tt.first, tt.last)
			}
			if len(s.Monthly) != tt.months {
				t.Errorf("%d months, want %d", len(s.Monthly), tt.months)
			}
			var n int64
			for _, ser := range s.Daily {
				if len(ser.Counts) != len(s.Days) {
					t.Errorf("series %s has %d points for %d days", ser.Op, len(ser.Counts), len(s.Days))
				}
				for _, c := range ser.Counts {
					n += c
				}
			}
			if n != int64(len(tt.events)) {
				t.Errorf("series hold %d events, want %d", n, len(tt.events))
			}
		})
	}
}
