package aggregate

import (
	"math"
	"net/netip"
	"slices"
	"sort"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
)

// DefaultSampleSize is how many events each bounded sample keeps when
// Options.SampleSize is zero.
const DefaultSampleSize = 500

// MaxKeys and MaxUserAgents bound the distinct object keys and user
// agents counted one by one. Both are attacker controlled and, unlike
// IPs, free: a scanner can send a million different ones from one
// address. The first ones seen are counted exactly; past the bound, new
// values are counted together (Summary.OtherKeys, OtherUserAgents), so
// which values are listed depends on the order they came in.
const (
	MaxKeys       = 50000
	MaxUserAgents = 50000
)

// MaxErrors, MaxBuckets and MaxPrincipals bound the other lists a log can
// fill with made-up values: error codes (S3 has about a hundred), bucket
// names and identities. Past them, new values are counted together
// (Summary.OtherErrors, OtherBuckets, OtherPrincipals).
const (
	MaxErrors     = 1000
	MaxBuckets    = 50000
	MaxPrincipals = 10000
)

// MaxOperations bounds the distinct operations counted one by one; S3 has
// about a hundred, but a log may name any. Past it, operations are counted
// together (Summary.OtherOperations). Each listed operation has a daily
// series, so the bound also bounds those.
const MaxOperations = 1000

// MaxDays bounds Summary.Days, about ten years: two forged times, years 2
// and 9999, would otherwise mean 3.6 million days, each a point in every
// daily series and the report's chart.
const MaxDays = 3660

// Options tunes an Aggregator.
type Options struct {
	// SampleSize bounds each kept event sample (newest events, write
	// attempts, access denied, authenticated requests).
	SampleSize int
	// Axis is a span the daily and monthly series cover even where no
	// event fell (the report's window): the timeline's axis is the window,
	// zero-filled. A zero end is the events' own; an axis longer than
	// MaxDays is ignored.
	Axis Span
}

// Aggregator counts events. It is not safe for concurrent use; give each
// goroutine its own and Merge them.
type Aggregator struct {
	sampleSize int
	axis       Span

	events, attempts int64
	span             Span // first and last event

	ops    tally
	errors tally
	months map[int]int64 // year*12 + month-1
	days   map[dayOp]int64
	// The month of the last day seen: events come in runs of the same day,
	// and working out the month from the time is most of counting it.
	lastDay, lastMonth int32
	haveDay            bool
	hourByDay          [7][24]int64
	userAgents         tally
	buckets            tally
	keys               tally
	sources            sources
	principals         map[principalKey]*Principal
	otherPrincipals    Count

	writes, denied, authenticated int64

	// awsOps counts S3's own work (lifecycle expiry and transitions),
	// which is in no other count.
	awsOps tally

	recent, writeEvents, deniedEvents, authEvents sample
}

type dayOp struct {
	day int32 // days since the Unix epoch, UTC
	op  int32 // the ops tally id, -1 past its bound
}

type principalKey struct {
	account, arn, principal, user, kind string
}

// New returns an empty Aggregator.
func New(opts Options) *Aggregator {
	n := opts.SampleSize
	if n <= 0 {
		n = DefaultSampleSize
	}
	return &Aggregator{
		sampleSize:   n,
		axis:         opts.Axis,
		months:       make(map[int]int64),
		days:         make(map[dayOp]int64),
		ops:          tally{limit: MaxOperations},
		errors:       tally{limit: MaxErrors},
		buckets:      tally{limit: MaxBuckets},
		userAgents:   tally{limit: MaxUserAgents},
		keys:         tally{limit: MaxKeys},
		sources:      newSources(),
		principals:   make(map[principalKey]*Principal),
		recent:       sample{limit: n},
		writeEvents:  sample{limit: n},
		deniedEvents: sample{limit: n},
		authEvents:   sample{limit: n},
	}
}

// Add counts one event. The Aggregator copies what it keeps, so ev may be
// reused by the caller afterwards.
func (a *Aggregator) Add(ev *ingest.Event) {
	w := int64(ev.Weight)
	if w < 1 {
		w = 1
	}
	if ev.Op.IsAWSInternal() {
		// No attacker did it: an expiry would otherwise count as a write
		// attempt from "-".
		a.awsOps.add(string(ev.Op), w)
		return
	}
	a.events++
	a.attempts += w
	t := ev.Time.UTC()
	opID := a.ops.add(string(ev.Op), w)
	if !t.IsZero() {
		a.span.seen(t)
		day := epochDay(t)
		if !a.haveDay || day != a.lastDay {
			y, m, _ := t.Date()
			a.lastDay, a.lastMonth, a.haveDay = day, int32(y*12+int(m)-1), true
		}
		a.months[int(a.lastMonth)]++
		a.days[dayOp{day, opID}]++
		a.hourByDay[t.Weekday()][t.Hour()]++
	}
	if ev.ErrorCode != "" {
		a.errors.add(ev.ErrorCode, w)
		if isDenied(ev.ErrorCode) {
			a.denied++
			a.deniedEvents.add(ev)
		}
	}
	uaID := a.userAgents.add(ev.UserAgent, w)
	if ev.Bucket != "" {
		a.buckets.add(ev.Bucket, w)
	}
	if ev.Key != "" {
		a.keys.add(ev.Key, w)
	}
	if ev.Op.IsWrite() {
		a.writes++
		a.writeEvents.add(ev)
	}
	if !ev.Identity.Anonymous() {
		a.authenticated++
		a.authEvents.add(ev)
		id := ev.Identity
		k := principalKey{id.AccountID, id.ARN, id.PrincipalID, id.UserName, id.Type}
		p := a.principals[k]
		if p == nil && len(a.principals) < MaxPrincipals {
			p = &Principal{Identity: id}
			a.principals[k] = p
		}
		if p != nil {
			p.Events++
			p.Attempts += w
			p.seen(t)
		} else {
			a.otherPrincipals.Events++
			a.otherPrincipals.Attempts += w
		}
	}

	var addr netip.Addr
	if ev.Source.IsValid() {
		addr = ev.Source.Unmap()
	}
	a.sources.count(a.sources.find(addr, ev.SourceText), ev, t, w, uaID)
	a.recent.add(ev)
}

// epochDay is the UTC day number of t, rounding down also before 1970.
func epochDay(t time.Time) int32 {
	d := t.Unix() / 86400
	if t.Unix() < 0 && t.Unix()%86400 != 0 {
		d--
	}
	return int32(d)
}

func isDenied(code string) bool {
	return code == "AccessDenied" || code == "AllAccessDisabled" || code == "AccountProblem" || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch"
}

// tally counts string values, giving each a small id so that per-source
// counts can use ids instead of hashing the string again. With a limit,
// only the first limit distinct values get an id; later new ones are
// counted together in other, with id -1.
type tally struct {
	ids    map[string]int32
	counts []Count
	limit  int // 0: none
	other  Count
}

func (t *tally) id(key string) int32 {
	id, ok := t.ids[key]
	if !ok {
		if t.limit > 0 && len(t.counts) >= t.limit {
			return -1
		}
		if t.ids == nil {
			t.ids = make(map[string]int32)
		}
		id = int32(len(t.counts))
		t.ids[key] = id
		t.counts = append(t.counts, Count{Key: key})
	}
	return id
}

func (t *tally) add(key string, attempts int64) int32 {
	id := t.id(key)
	c := &t.other
	if id >= 0 {
		c = &t.counts[id]
	}
	c.Events++
	c.Attempts += attempts
	return id
}

// merge adds o's counts and returns, for each of o's ids, the id in t.
func (t *tally) merge(o *tally) []int32 {
	remap := make([]int32, len(o.counts))
	for i, c := range o.counts {
		id := t.id(c.Key)
		remap[i] = id
		d := &t.other
		if id >= 0 {
			d = &t.counts[id]
		}
		d.Events += c.Events
		d.Attempts += c.Attempts
	}
	t.other.Events += o.other.Events
	t.other.Attempts += o.other.Attempts
	return remap
}

func (t *tally) sorted() []Count {
	out := slices.Clone(t.counts)
	sortCounts(out)
	return out
}

// Merge adds the counts of b into a. b must not be used afterwards.
func (a *Aggregator) Merge(b *Aggregator) {
	a.events += b.events
	a.attempts += b.attempts
	a.span.merge(b.span)
	opMap := a.ops.merge(&b.ops)
	a.errors.merge(&b.errors)
	uaMap := a.userAgents.merge(&b.userAgents)
	a.buckets.merge(&b.buckets)
	a.keys.merge(&b.keys)
	for k, n := range b.months {
		a.months[k] += n
	}
	for k, n := range b.days {
		a.days[dayOp{k.day, remap(opMap, k.op)}] += n
	}
	for d := range a.hourByDay {
		for h := range a.hourByDay[d] {
			a.hourByDay[d][h] += b.hourByDay[d][h]
		}
	}
	a.sources.merge(&b.sources, uaMap)
	for k, p := range b.principals {
		if q := a.principals[k]; q != nil {
			q.Events += p.Events
			q.Attempts += p.Attempts
			q.Span.merge(p.Span)
		} else if len(a.principals) < MaxPrincipals {
			a.principals[k] = p
		} else {
			a.otherPrincipals.Events += p.Events
			a.otherPrincipals.Attempts += p.Attempts
		}
	}
	a.awsOps.merge(&b.awsOps)
	a.otherPrincipals.Events += b.otherPrincipals.Events
	a.otherPrincipals.Attempts += b.otherPrincipals.Attempts
	a.writes += b.writes
	a.denied += b.denied
	a.authenticated += b.authenticated
	a.recent.merge(&b.recent)
	a.writeEvents.merge(&b.writeEvents)
	a.deniedEvents.merge(&b.deniedEvents)
	a.authEvents.merge(&b.authEvents)
}

// sample keeps the newest limit events, ordered by time then position so
// that the result does not depend on the order events were added in (files
// read in parallel arrive interleaved). The kept events are indexed by a
// list of slots sorted oldest first: an event older than the oldest is
// rejected at once (a BreachInsider dump lists alerts newest first, so
// nearly all are), and one newer than the newest replaces the oldest in
// O(1) (CloudTrail trees and access logs arrive in time order, so nearly
// all do). Only out-of-order events cost a binary search and a shift.
type sample struct {
	limit  int
	events []ingest.Event
	// slots[lo:hi] index events, oldest first, with their time as one
	// number: comparing and moving them is cheaper than events.
	slots  []slot
	lo, hi int
}

type slot struct {
	nanos int64
	i     int32
}

// timeKey orders times as numbers. UnixNano only covers the years 1678
// to 2262, so times beyond (a log can say anything) are clamped; equal keys
// fall back to comparing the times themselves, so the order stays right.
func timeKey(t time.Time) int64 {
	const limit = 9e9 // seconds, about the year 2255
	switch sec := t.Unix(); {
	case t.IsZero() || sec <= -limit:
		return math.MinInt64
	case sec >= limit:
		return math.MaxInt64
	}
	return t.UnixNano()
}

// newerThan reports whether ev, whose time key is k, is newer than the
// event of slot b.
func (s *sample) newerThan(ev *ingest.Event, k int64, b slot) bool {
	if k != b.nanos {
		return k > b.nanos
	}
	return newer(ev, &s.events[b.i])
}

func (s *sample) add(ev *ingest.Event) {
	if s.slots == nil {
		s.slots = make([]slot, 2*s.limit)
	}
	k := timeKey(ev.Time)
	var i int32
	if n := s.hi - s.lo; n < s.limit {
		s.events = append(s.events, *ev)
		i = int32(len(s.events) - 1)
	} else {
		oldest := s.slots[s.lo]
		if !s.newerThan(ev, k, oldest) {
			return
		}
		s.lo++
		i = oldest.i
		s.events[i] = *ev
	}
	s.insert(slot{k, i})
}

// insert puts sl, whose event is in place, in order among the slots.
func (s *sample) insert(sl slot) {
	if s.hi == len(s.slots) {
		s.hi = copy(s.slots, s.slots[s.lo:s.hi])
		s.lo = 0
	}
	ev := &s.events[sl.i]
	live := s.slots[s.lo:s.hi]
	if len(live) == 0 || s.newerThan(ev, sl.nanos, live[len(live)-1]) {
		s.slots[s.hi] = sl
		s.hi++
		return
	}
	// The first kept slot newer than ev: ev goes before it.
	at := sort.Search(len(live), func(j int) bool { return !s.newerThan(ev, sl.nanos, live[j]) })
	copy(s.slots[s.lo+at+1:s.hi+1], live[at:])
	s.slots[s.lo+at] = sl
	s.hi++
}

func (s *sample) merge(o *sample) {
	for i := range o.events {
		s.add(&o.events[i])
	}
}

// newer orders events newest first. Ties on time go by file and line,
// then by content: the records of one CloudTrail delivery file share its
// single line, and files read in parallel arrive in any order, so the
// order must not depend on arrival. Events equal in all of these are
// indistinguishable in every output.
func newer(a, b *ingest.Event) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.After(b.Time)
	}
	if a.Pos.File != b.Pos.File {
		return a.Pos.File < b.Pos.File
	}
	if a.Pos.Line != b.Pos.Line {
		return a.Pos.Line < b.Pos.Line
	}
	if c := a.Source.Compare(b.Source); c != 0 {
		return c < 0
	}
	for _, f := range [...][2]string{
		{a.RequestID, b.RequestID}, {a.EventID, b.EventID}, {a.SourceText, b.SourceText},
		{string(a.Op), string(b.Op)}, {a.Bucket, b.Bucket}, {a.Key, b.Key}, {a.UserAgent, b.UserAgent},
		{a.ErrorCode, b.ErrorCode}, {a.Params, b.Params}, {a.Identity.AccountID, b.Identity.AccountID},
		{a.Identity.ARN, b.Identity.ARN}, {a.Identity.PrincipalID, b.Identity.PrincipalID},
	} {
		if f[0] != f[1] {
			return f[0] < f[1]
		}
	}
	return a.Weight > b.Weight
}

// sorted returns the kept events, newest first.
func (s *sample) sorted() []ingest.Event {
	out := make([]ingest.Event, 0, s.hi-s.lo)
	for j := s.hi - 1; j >= s.lo; j-- {
		out = append(out, s.events[s.slots[j].i])
	}
	return out
}
