package aggregate

import (
	"cmp"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/honeyreport/honeyreport/filter"
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
	// Authenticated counts the events with a non-anonymous identity.
	Authenticated int64
	Errors        int64
	// While counting, ua and uaN hold the first two user agents (tally
	// ids) and their events; further ones are in sources.moreUAs. uaLen
	// counts them all. Summary names the top one, topUA, and leaves its
	// events in uaN[0].
	uaN   [2]int64
	ua    [2]int32
	uaLen int32
	topUA string
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

// Source is the source as text: the IP address or the non-IP name.
func (s *IPStats) Source() string {
	if s.Addr.IsValid() {
		return s.Addr.String()
	}
	return s.Text
}

// TopUserAgent is the source's most frequent user agent (ties broken
// alphabetically), and how many of its events used it. User agents past
// the Aggregator's bound (MaxUserAgents) are not named one by one: a
// source that used only those has none ("", 0).
func (s *IPStats) TopUserAgent() (string, int64) {
	return s.topUA, s.uaN[0]
}

// UserAgents returns how many distinct user agents the source used; those
// past the Aggregator's bound count as one.
func (s *IPStats) UserAgents() int { return int(s.uaLen) }

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
	// OtherErrors, OtherBuckets and OtherPrincipals count the values past
	// their bounds (MaxErrors, MaxBuckets, MaxPrincipals).
	OtherErrors, OtherBuckets, OtherPrincipals Count
	// OtherOperations counts the operations past the distinct operation
	// bound (MaxOperations); they have no daily series.
	OtherOperations Count
	// Monthly covers every month from the first to the last event,
	// including months without events, so gaps are visible.
	Monthly []Month
	// Days lists every UTC day from the first to the last event, or of
	// Options.Axis when that is wider (zero-filled); Daily has
	// one series per operation aligned with it. When the events span more
	// than MaxDays days, Days covers the MaxDays days that hold the most
	// events (the latest such), Monthly the months of those days, and
	// OutsideDays counts the events outside those days.
	Days        []time.Time
	Daily       []Series
	OutsideDays int64
	// HourByWeekday counts events by UTC weekday (Sunday = 0) and hour.
	HourByWeekday [7][24]int64
	UserAgents    []Count
	// OtherUserAgents counts the events and attempts of user agents past
	// the distinct user agent bound (MaxUserAgents).
	OtherUserAgents Count
	Buckets         []Count
	Keys            []Count
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
	// Filter is what the window and exclusion rules left out (package
	// filter), nil when nothing was filtered; the caller that filtered
	// sets it, as it does Inputs.
	Filter *filter.Result
	// Previous counts the events of the window of equal length before
	// Filter's (filter.Window.Previous), read in the same pass so that a
	// report can say what changed; nil when not counted. Its Inputs and
	// Filter are nil.
	Previous *Summary
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

// LookupOrder returns what Addrs returns, most important first: sources
// that attempted writes, then those that sent authenticated requests, then
// by alerts (events), then by attempts, ties by address. Online lookups
// under a time budget or quota go in this order, so that the top of the
// report is complete first.
func (s *Summary) LookupOrder() []netip.Addr {
	ips := append([]*IPStats(nil), s.IPs...)
	sort.SliceStable(ips, func(i, j int) bool {
		a, b := ips[i], ips[j]
		switch {
		case a.Addr.IsValid() != b.Addr.IsValid():
			return a.Addr.IsValid() // non-IP sources are never looked up
		case (a.Writes > 0) != (b.Writes > 0):
			return a.Writes > 0
		case (a.Authenticated > 0) != (b.Authenticated > 0):
			return a.Authenticated > 0
		case a.Events != b.Events:
			return a.Events > b.Events
		case a.Attempts != b.Attempts:
			return a.Attempts > b.Attempts
		}
		return a.Addr.Less(b.Addr)
	})
	out := make([]netip.Addr, len(ips))
	for i, ip := range ips {
		out[i] = ip.Addr
	}
	return out
}

// Summary returns the aggregated counts. The Aggregator must not be used
// afterwards.
func (a *Aggregator) Summary() *Summary {
	s := &Summary{
		Events:          a.events,
		Attempts:        a.attempts,
		FirstSeen:       a.span.FirstSeen,
		LastSeen:        a.span.LastSeen,
		Operations:      a.ops.sorted(),
		OtherOperations: a.ops.other,
		Errors:          a.errors.sorted(),
		OtherErrors:     a.errors.other,
		UserAgents:      a.userAgents.sorted(),
		OtherUserAgents: a.userAgents.other,
		Buckets:         a.buckets.sorted(),
		OtherBuckets:    a.buckets.other,
		Keys:            a.keys.sorted(),
		OtherKeys:       a.keys.other.Attempts,
		HourByWeekday:   a.hourByDay,
		Writes:          a.writes,
		AccessDenied:    a.denied,
		Authenticated:   a.authenticated,
		AWSOperations:   a.awsOps.sorted(),
		SampleSize:      a.sampleSize,
		OtherPrincipals: a.otherPrincipals,
	}
	s.Recent = a.recent.sorted()
	s.WriteEvents = a.writeEvents.sorted()
	s.AccessDeniedEvents = a.deniedEvents.sorted()
	s.AuthenticatedEvents = a.authEvents.sorted()

	if first, last := a.axisSpan(); !first.IsZero() {
		d0, d1 := epochDay(first), epochDay(last)
		if int64(d1)-int64(d0) >= MaxDays {
			d0, d1, s.OutsideDays = a.busiestDays()
			first, last = dayTime(d0), dayTime(d1)
		}
		for m := first.Year()*12 + int(first.Month()) - 1; m <= last.Year()*12+int(last.Month())-1; m++ {
			t := time.Date(m/12, time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC)
			s.Monthly = append(s.Monthly, Month{Month: t.Format("2006-01"), Events: a.months[m]})
		}
		for d := d0; d <= d1; d++ {
			s.Days = append(s.Days, dayTime(d))
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
	resolved.Go(func() { a.sources.resolve(&a.userAgents) })
	s.IPs, s.NonIPSources = a.sources.sorted()
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

// axisSpan is the span the series cover: the events', widened to the
// axis when that stays within MaxDays.
func (a *Aggregator) axisSpan() (first, last time.Time) {
	first, last = a.span.FirstSeen, a.span.LastSeen
	ax := a.axis
	if ax.FirstSeen.IsZero() {
		ax.FirstSeen = first
	}
	if ax.LastSeen.IsZero() {
		ax.LastSeen = last
	}
	if ax.FirstSeen.IsZero() || ax.LastSeen.IsZero() || ax.LastSeen.Before(ax.FirstSeen) {
		return first, last
	}
	if first.IsZero() || ax.FirstSeen.Before(first) {
		first = ax.FirstSeen
	}
	if last.IsZero() || ax.LastSeen.After(last) {
		last = ax.LastSeen
	}
	if int64(epochDay(last))-int64(epochDay(first)) >= MaxDays {
		return a.span.FirstSeen, a.span.LastSeen
	}
	return first, last
}

func dayTime(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// busiestDays returns the first and last of the MaxDays days that hold
// the most events (the latest of equals), and how many events fall
// outside them.
func (a *Aggregator) busiestDays() (d0, d1 int32, outside int64) {
	perDay := make(map[int32]int64)
	var total int64
	for k, n := range a.days {
		perDay[k.day] += n
		total += n
	}
	days := slices.Sorted(maps.Keys(perDay))
	var best, sum int64
	lo := 0
	for _, d := range days {
		sum += perDay[d]
		for int64(d)-int64(days[lo]) >= MaxDays {
			sum -= perDay[days[lo]]
			lo++
		}
		if sum >= best {
			best, d0, d1 = sum, days[lo], d
		}
	}
	// Widen to MaxDays days ending at the last busy one, so the chart's
	// length does not depend on where the events fall.
	d0 = d1 - MaxDays + 1
	return d0, d1, total - best
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

// sorted returns the IP sources and the others, most events first.
func (t *sources) sorted() (ips, others []*IPStats) {
	ips = make([]*IPStats, 0, len(t.ips)+len(t.zoned))
	others = make([]*IPStats, 0, len(t.names))
	for _, c := range t.chunks {
		for j := range c {
			if c[j].Events == 0 {
				continue // a dead slot left by a merge
			}
			if c[j].Addr.IsValid() {
				ips = append(ips, &c[j])
			} else {
				others = append(others, &c[j])
			}
		}
	}
	order := func(a, b *IPStats) int {
		if c := cmp.Compare(b.Events, a.Events); c != 0 {
			return c
		}
		if c := a.Addr.Compare(b.Addr); c != 0 {
			return c
		}
		return strings.Compare(a.Text, b.Text)
	}
	slices.SortFunc(ips, order)
	slices.SortFunc(others, order)
	return ips, others
}
