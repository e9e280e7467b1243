package aggregate

import (
	"cmp"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
)

// Count is how often one value (an operation, error code, user agent,
// bucket, key) was seen: Events counts log records (alerts), Attempts sums
// their weights (BreachInsider's "Repeated Attempts"; 1 per record elsewhere).
type Count struct {
	Key      string
	Events   int64
	Attempts int64
}

// IPStats is what one source did. Addr is set for IP sources; Text for
// non-IP sources such as an AWS service name.
type IPStats struct {
	Addr     netip.Addr
	Text     string
	Events   int64
	Attempts int64
	Span
	Writes int64
	Errors int64
	// userAgents and ops count by the Aggregator's tally ids while
	// counting; Summary resolves them into the fields below.
	userAgents, ops idCounts
	topUA           string
	topUACount      int64
	uaCount         int
	opCounts        []Count
}

func (s *IPStats) add(ev *ingest.Event, t time.Time, w int64, uaID, opID int32) {
	s.Events++
	s.Attempts += w
	s.seen(t)
	if ev.Op.IsWrite() {
		s.Writes++
	}
	if ev.ErrorCode != "" {
		s.Errors++
	}
	s.userAgents.add(uaID, 1)
	s.ops.add(opID, 1)
}

// Span is when something was first and last seen; zero times mean never.
type Span struct {
	FirstSeen time.Time
	LastSeen  time.Time
}

func (s *Span) seen(t time.Time) {
	if t.IsZero() {
		return
	}
	if s.FirstSeen.IsZero() || t.Before(s.FirstSeen) {
		s.FirstSeen = t
	}
	if t.After(s.LastSeen) {
		s.LastSeen = t
	}
}

func (s *Span) merge(o Span) {
	s.seen(o.FirstSeen)
	s.seen(o.LastSeen)
}

func (s *IPStats) merge(o *IPStats, uaMap, opMap []int32) {
	s.Events += o.Events
	s.Attempts += o.Attempts
	s.Writes += o.Writes
	s.Errors += o.Errors
	s.Span.merge(o.Span)
	o.userAgents.each(func(id int32, n int64) { s.userAgents.add(uaMap[id], n) })
	o.ops.each(func(id int32, n int64) { s.ops.add(opMap[id], n) })
}

// resolve turns the id counts into names, once, when the summary is made.
func (s *IPStats) resolve(uas, ops *tally) {
	s.topUACount = -1
	s.userAgents.each(func(id int32, n int64) {
		s.uaCount++
		name := uas.counts[id].Key
		if n > s.topUACount || (n == s.topUACount && name < s.topUA) {
			s.topUA, s.topUACount = name, n
		}
	})
	if s.topUACount < 0 {
		s.topUACount = 0
	}
	s.ops.each(func(id int32, n int64) {
		s.opCounts = append(s.opCounts, Count{Key: ops.counts[id].Key, Events: n, Attempts: n})
	})
	sortCounts(s.opCounts)
	// The ids mean nothing outside their Aggregator.
	s.userAgents, s.ops = idCounts{}, idCounts{}
}

// idCounts counts small ids. Most sources use one or two user agents and
// operations, so the first few live inline and a map appears only for the
// rare source that uses many.
type idCounts struct {
	inline [3]idCount
	n      int
	more   map[int32]int64
}

type idCount struct {
	id int32
	n  int64
}

func (c *idCounts) add(id int32, n int64) {
	for i := range c.inline[:c.n] {
		if c.inline[i].id == id {
			c.inline[i].n += n
			return
		}
	}
	if c.n < len(c.inline) {
		c.inline[c.n] = idCount{id, n}
		c.n++
		return
	}
	if c.more == nil {
		c.more = make(map[int32]int64)
	}
	c.more[id] += n
}

func (c *idCounts) each(f func(id int32, n int64)) {
	for _, e := range c.inline[:c.n] {
		f(e.id, e.n)
	}
	for id, n := range c.more {
		f(id, n)
	}
}

// Source is the source as text: the IP address or the non-IP name.
func (s *IPStats) Source() string {
	if s.Addr.IsValid() {
		return s.Addr.String()
	}
	return s.Text
}

// TopUserAgent is the source's most frequent user agent (ties broken
// alphabetically), and how many of its events used it.
func (s *IPStats) TopUserAgent() (string, int64) { return s.topUA, s.topUACount }

// UserAgents returns how many distinct user agents the source used.
func (s *IPStats) UserAgents() int { return s.uaCount }

// Operations returns the source's operations, most frequent first.
func (s *IPStats) Operations() []Count { return s.opCounts }

// Principal is a non-anonymous identity seen in the logs.
type Principal struct {
	Identity ingest.Identity
	Events   int64
	Attempts int64
	Span
}

// Month is the event count of one calendar month (UTC), "2022-01".
type Month struct {
	Month  string
	Events int64
}

// Series is one operation's daily event counts, aligned with Summary.Days.
type Series struct {
	Op     ingest.Operation
	Counts []int64
}

// Summary is the result of aggregation. Every list is sorted
// deterministically: counts descending with ties broken by key, times
// chronologically.
type Summary struct {
	Events    int64 // log records (alerts)
	Attempts  int64 // sum of weights
	FirstSeen time.Time
	LastSeen  time.Time

	Operations []Count
	Errors     []Count
	// Monthly covers every month from the first to the last event,
	// including months without events, so gaps are visible.
	Monthly []Month
	// Days lists every UTC day from the first to the last event; Daily has
	// one series per operation aligned with it.
	Days  []time.Time
	Daily []Series
	// HourByWeekday counts events by UTC weekday (Sunday = 0) and hour.
	HourByWeekday [7][24]int64
	UserAgents    []Count
	Buckets       []Count
	Keys          []Count
	// OtherKeys counts attempts on keys past the distinct-key bound.
	OtherKeys int64

	// IPs are the IP sources, most events first; NonIPSources the others.
	IPs          []*IPStats
	NonIPSources []*IPStats
	Principals   []*Principal

	Writes        int64 // events with a write operation
	AccessDenied  int64 // events refused with an access error
	Authenticated int64 // events with a non-anonymous identity

	// AWSOperations counts the operations S3 performed itself (lifecycle
	// expiry and transitions: ingest.Operation.IsAWSInternal). Their
	// events are in no other count of the Summary.
	AWSOperations []Count

	// Bounded samples, newest first.
	Recent              []ingest.Event
	WriteEvents         []ingest.Event
	AccessDeniedEvents  []ingest.Event
	AuthenticatedEvents []ingest.Event
	SampleSize          int

	// Inputs describes every input read, in the order given; the caller
	// that read them sets it (the Aggregator sees events, not files).
	Inputs []*ingest.Stats
}

// UnmappedOperations returns the operations, in the order of Operations,
// that are missing from ingest's table of S3 operations: counted under the
// name the log gave them, and not classed as read or write.
func (s *Summary) UnmappedOperations() []Count {
	var out []Count
	for _, c := range s.Operations {
		if op := ingest.Operation(c.Key); op != ingest.OpUnknown && !op.Known() {
			out = append(out, c)
		}
	}
	return out
}

// Addrs returns the distinct source IPs, in the order of IPs. Enrichment
// runs once for each.
func (s *Summary) Addrs() []netip.Addr {
	out := make([]netip.Addr, len(s.IPs))
	for i, ip := range s.IPs {
		out[i] = ip.Addr
	}
	return out
}

// Summary returns the aggregated counts. The Aggregator must not be used
// afterwards.
func (a *Aggregator) Summary() *Summary {
	s := &Summary{
		Events:        a.events,
		Attempts:      a.attempts,
		FirstSeen:     a.span.FirstSeen,
		LastSeen:      a.span.LastSeen,
		Operations:    a.ops.sorted(),
		Errors:        sortedCounts(a.errors),
		UserAgents:    a.userAgents.sorted(),
		Buckets:       sortedCounts(a.buckets),
		Keys:          sortedCounts(a.keys),
		OtherKeys:     a.otherKeys,
		HourByWeekday: a.hourByDay,
		Writes:        a.writes,
		AccessDenied:  a.denied,
		Authenticated: a.authenticated,
		AWSOperations: a.awsOps.sorted(),
		SampleSize:    a.sampleSize,
	}
	s.Recent = a.recent.sorted()
	s.WriteEvents = a.writeEvents.sorted()
	s.AccessDeniedEvents = a.deniedEvents.sorted()
	s.AuthenticatedEvents = a.authEvents.sorted()

	if first, last := a.span.FirstSeen, a.span.LastSeen; !first.IsZero() {
		for m := first.Year()*12 + int(first.Month()) - 1; m <= last.Year()*12+int(last.Month())-1; m++ {
			t := time.Date(m/12, time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC)
			s.Monthly = append(s.Monthly, Month{Month: t.Format("2006-01"), Events: a.months[m]})
		}
		d0, d1 := epochDay(first), epochDay(last)
		for d := d0; d <= d1; d++ {
			s.Days = append(s.Days, time.Unix(int64(d)*86400, 0).UTC())
		}
		for _, op := range s.Operations {
			ser := Series{Op: ingest.Operation(op.Key), Counts: make([]int64, len(s.Days))}
			if id, ok := a.ops.ids[op.Key]; ok {
				for d := d0; d <= d1; d++ {
					ser.Counts[d-d0] = a.days[dayOp{d, id}]
				}
			}
			s.Daily = append(s.Daily, ser)
		}
	}

	// With tens of thousands of sources, resolving and sorting them take
	// about as long as each other, and run after all reading, when a core
	// is free: resolve on it. The two touch different fields.
	var resolved sync.WaitGroup
	resolved.Go(func() {
		for _, src := range a.ips {
			src.resolve(&a.userAgents, &a.ops)
		}
		for _, src := range a.nonIP {
			src.resolve(&a.userAgents, &a.ops)
		}
	})
	s.IPs = sortedSources(a.ips)
	s.NonIPSources = sortedSources(a.nonIP)
	resolved.Wait()
	for _, p := range a.principals {
		s.Principals = append(s.Principals, p)
	}
	sort.Slice(s.Principals, func(i, j int) bool {
		p, q := s.Principals[i], s.Principals[j]
		if p.Events != q.Events {
			return p.Events > q.Events
		}
		if p.Identity.AccountID != q.Identity.AccountID {
			return p.Identity.AccountID < q.Identity.AccountID
		}
		if p.Identity.ARN != q.Identity.ARN {
			return p.Identity.ARN < q.Identity.ARN
		}
		return p.Identity.PrincipalID+p.Identity.UserName+p.Identity.Type < q.Identity.PrincipalID+q.Identity.UserName+q.Identity.Type
	})
	return s
}

func sortedCounts(m map[string]*Count) []Count {
	out := make([]Count, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sortCounts(out)
	return out
}

// sortCounts orders by events, then attempts, descending; ties by key.
func sortCounts(cs []Count) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Events != cs[j].Events {
			return cs[i].Events > cs[j].Events
		}
		if cs[i].Attempts != cs[j].Attempts {
			return cs[i].Attempts > cs[j].Attempts
		}
		return cs[i].Key < cs[j].Key
	})
}

func sortedSources[K comparable](m map[K]*IPStats) []*IPStats {
	out := make([]*IPStats, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *IPStats) int {
		if c := cmp.Compare(b.Events, a.Events); c != 0 {
			return c
		}
		if c := a.Addr.Compare(b.Addr); c != 0 {
			return c
		}
		return strings.Compare(a.Text, b.Text)
	})
	return out
}
