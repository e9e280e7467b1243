package filter

import (
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/honeyreport/honeyreport/ingest"
)

// Filter holds a window and exclusion rules. It is safe for concurrent
// use; each goroutine filters through its own Tally.
type Filter struct {
	window Window
	// prev is window.Previous(), worked out once rather than per event.
	prev   Window
	rules  []Rule
	byAddr bool // some rule matches on the source address
	// addrRules counts the IP and CIDR rules.
	addrRules int
	byName    bool // some rule matches a non-IP source
	byUA      bool // some rule matches the user agent
	asnRule   bool
	// The AS data, asked for once, when an ASN rule first needs it; ranges
	// holds, per rule index, an ASN rule's address ranges when the data
	// can list them (rangesOK for all).
	asData   func() ASData
	once     sync.Once
	data     ASData
	ranges   []asRanges
	rangesOK bool
	// asns caches asn's answer per address for every Tally: an AS lookup
	// happens once per distinct address, not once per event or worker.
	// Tallies ask only on their own cache's misses, so the lock is seldom
	// taken.
	mu   sync.Mutex
	asns map[netip.Addr]uint32
}

// ASData answers the questions of ASN rules; enrich.Offline does.
type ASData interface {
	// ASNumber is the AS of an address, 0 when unknown.
	ASNumber(netip.Addr) uint32
	// ASNRanges lists, in address order, the ranges [first, last] outside
	// which ASNumber never answers n; ok is false when it cannot tell.
	ASNRanges(n uint32) (ranges [][2]netip.Addr, ok bool)
}

// New returns a filter keeping the events inside w that no rule matches.
// asData is called once, when an ASN rule first needs the AS data, and
// may block until that is loaded; it may return nil (no AS is known), and
// may be nil without ASN rules. Addresses are matched against an AS's
// ranges when the data lists them, and asked about (once per distinct
// address) only when they fall in one, or when it does not.
func New(w Window, rules []Rule, asData func() ASData) *Filter {
	f := &Filter{window: w, prev: w.Previous(), rules: rules, asData: asData, asns: map[netip.Addr]uint32{}}
	for _, r := range rules {
		switch r.Kind {
		case KindIP, KindCIDR:
			f.byAddr = true
			f.addrRules++
		case KindASN:
			f.byAddr, f.asnRule = true, true
		case KindService:
			f.byName = true
		case KindUserAgent:
			f.byUA = true
		}
	}
	return f
}

// Active reports whether the filter can leave anything out. A nil Filter
// keeps everything.
func (f *Filter) Active() bool {
	return f != nil && (!f.window.IsZero() || len(f.rules) > 0)
}

// Window returns the filter's window.
func (f *Filter) Window() Window {
	if f == nil {
		return Window{}
	}
	return f.window
}

// Tally filters events for one goroutine and counts what it leaves out.
// It is not safe for concurrent use.
type Tally struct {
	f *Filter
	// Per address and user agent, the index of the first rule matching it
	// (-1 for none): most events repeat a source and a client. IPv4
	// addresses, most of them, are keyed by number: a smaller map, hashed
	// faster, as this lookup is per event.
	addrs4 map[uint32]int32
	addrs  map[netip.Addr]int32
	// The last address and its verdict: a scanner's requests come in runs.
	lastAddr    netip.Addr
	lastVerdict int32
	uas         map[string]int32
	// Counts by input name; last is the latest input's, as events come in
	// runs from one input.
	inputs   map[string]*inputCount
	lastName string
	last     *inputCount
	rules    []RuleCount
}

type inputCount struct{ outside, excluded int64 }

// maxUACache bounds the user agents whose verdict a Tally remembers: they
// are attacker controlled, and each costs a regexp match only once.
const maxUACache = 1 << 14

// NewTally returns an empty Tally for f. A nil Filter's Tally keeps every
// event.
func (f *Filter) NewTally() *Tally {
	t := &Tally{f: f, inputs: map[string]*inputCount{}}
	if f != nil {
		t.addrs4 = map[uint32]int32{}
		t.addrs = map[netip.Addr]int32{}
		t.uas = map[string]int32{}
		t.rules = make([]RuleCount, len(f.rules))
		for i, r := range f.rules {
			t.rules[i].Rule = r.Text
		}
	}
	return t
}

// Keep reports whether ev is in the window and matched by no rule, and
// counts it when not. An event outside the window counts there, whatever
// rules it matches; an excluded one counts under the first rule, in the
// order given, that matches it.
func (t *Tally) Keep(ev *ingest.Event) bool {
	f := t.f
	if !f.Active() {
		return true
	}
	if !f.window.Contains(ev.Time) {
		t.input(ev.Pos.File).outside++
		return false
	}
	if len(f.rules) == 0 {
		return true
	}
	i := t.match(ev)
	if i < 0 {
		return true
	}
	w := int64(ev.Weight)
	if w < 1 {
		w = 1
	}
	t.rules[i].Events++
	t.rules[i].Attempts += w
	t.input(ev.Pos.File).excluded++
	return false
}

// Previous reports whether ev, which Keep left out, falls in the window
// of equal length before the filter's (Window.Previous) and no rule
// matches it: an event the previous window's counts take, so a report
// can compare with that window from the same read. It counts nothing;
// Keep already counted ev as outside the window.
func (t *Tally) Previous(ev *ingest.Event) bool {
	f := t.f
	if f == nil {
		return false
	}
	if f.prev.IsZero() || !f.prev.Contains(ev.Time) {
		return false
	}
	return len(f.rules) == 0 || t.match(ev) < 0
}

func (t *Tally) input(name string) *inputCount {
	if t.last != nil && name == t.lastName {
		return t.last
	}
	c := t.inputs[name]
	if c == nil {
		name = strings.Clone(name) // the event's text may be a mapped file's
		c = &inputCount{}
		t.inputs[name] = c
	}
	t.lastName, t.last = name, c
	return c
}

// match returns the index of the first rule matching ev, or -1.
func (t *Tally) match(ev *ingest.Event) int32 {
	f := t.f
	best := int32(-1)
	first := func(i int32) {
		if i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if f.byAddr && ev.Source.IsValid() {
		first(t.matchAddr(ev.Source.Unmap()))
	}
	if f.byName && !ev.Source.IsValid() && ev.SourceText != "" {
		for i, r := range f.rules {
			if r.Kind == KindService && strings.EqualFold(r.Name, ev.SourceText) {
				first(int32(i))
				break
			}
		}
	}
	if f.byUA {
		i, ok := t.uas[ev.UserAgent]
		if !ok {
			i = f.matchUA(ev.UserAgent)
			if len(t.uas) < maxUACache {
				t.uas[strings.Clone(ev.UserAgent)] = i
			}
		}
		first(i)
	}
	return best
}

// maxScan is how many address rules are matched one by one, without a
// per-address cache: a few prefix comparisons cost less than a map lookup.
const maxScan = 8

// matchAddr returns the index of the first address rule matching a, or -1.
func (t *Tally) matchAddr(a netip.Addr) int32 {
	f := t.f
	if f.asnRule {
		f.once.Do(f.prepare)
	}
	if f.addrRules <= maxScan && (!f.asnRule || f.rangesOK) {
		if f.asnRule && f.inASRange(a) {
			// Possibly in an excluded AS: ask (once per address).
			return t.cachedAddr(a)
		}
		return f.matchAddr(a, false)
	}
	if a == t.lastAddr {
		return t.lastVerdict
	}
	i := t.cachedAddr(a)
	t.lastAddr, t.lastVerdict = a, i
	return i
}

// cachedAddr is matchAddr through the per-address cache.
func (t *Tally) cachedAddr(a netip.Addr) int32 {
	f := t.f
	if a.Is4() {
		n := addr4(a)
		i, ok := t.addrs4[n]
		if !ok {
			i = f.matchAddr(a, true)
			t.addrs4[n] = i
		}
		return i
	}
	a = a.WithZone("")
	i, ok := t.addrs[a]
	if !ok {
		i = f.matchAddr(a, true)
		t.addrs[a] = i
	}
	return i
}

// matchAddr returns the index of the first rule matching a, or -1; ASN
// rules only with withASN, else only the IP and CIDR rules count.
func (f *Filter) matchAddr(a netip.Addr, withASN bool) int32 {
	a = a.WithZone("")
	var asn uint32
	looked := false
	for i, r := range f.rules {
		switch r.Kind {
		case KindIP, KindCIDR:
			if r.Prefix.Contains(a) {
				return int32(i)
			}
		case KindASN:
			if !withASN {
				continue
			}
			if !looked {
				asn, looked = f.asnOf(a), true
			}
			if asn != 0 && asn == r.ASN {
				return int32(i)
			}
		}
	}
	return -1
}

// prepare asks for the AS data and each ASN rule's ranges.
func (f *Filter) prepare() {
	if f.asData != nil {
		f.data = f.asData()
	}
	f.ranges = make([]asRanges, len(f.rules))
	f.rangesOK = true
	for i, r := range f.rules {
		if r.Kind != KindASN {
			continue
		}
		var list [][2]netip.Addr
		if f.data != nil {
			var ok bool
			if list, ok = f.data.ASNRanges(r.ASN); !ok {
				f.rangesOK = false
				continue
			}
		}
		f.ranges[i] = newASRanges(list)
	}
}

// inASRange reports whether a lies in a range of some ASN rule.
func (f *Filter) inASRange(a netip.Addr) bool {
	for i := range f.ranges {
		if f.ranges[i].contains(a) {
			return true
		}
	}
	return false
}

// asRanges are an AS's address ranges, IPv4 as numbers for a quick search.
type asRanges struct {
	lo4, hi4 []uint32
	v6       [][2]netip.Addr
}

func newASRanges(list [][2]netip.Addr) asRanges {
	var r asRanges
	for _, p := range list {
		if p[0].Is4() && p[1].Is4() {
			r.lo4 = append(r.lo4, addr4(p[0]))
			r.hi4 = append(r.hi4, addr4(p[1]))
		} else {
			r.v6 = append(r.v6, p)
		}
	}
	return r
}

func addr4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// contains reports whether a lies in one of the ranges, which are sorted
// and do not overlap.
func (r *asRanges) contains(a netip.Addr) bool {
	if a.Is4() {
		v := addr4(a)
		// The number of ranges starting at or before v.
		i := sort.Search(len(r.lo4), func(i int) bool { return r.lo4[i] > v })
		return i > 0 && v <= r.hi4[i-1]
	}
	i := sort.Search(len(r.v6), func(i int) bool { return a.Less(r.v6[i][0]) })
	return i > 0 && a.Compare(r.v6[i-1][1]) <= 0
}

func (f *Filter) asnOf(a netip.Addr) uint32 {
	f.mu.Lock()
	n, ok := f.asns[a]
	f.mu.Unlock()
	if ok {
		return n
	}
	if f.data != nil {
		n = f.data.ASNumber(a)
	}
	f.mu.Lock()
	f.asns[a] = n
	f.mu.Unlock()
	return n
}

func (f *Filter) matchUA(ua string) int32 {
	for i, r := range f.rules {
		if r.Kind == KindUserAgent && r.UA.MatchString(ua) {
			return int32(i)
		}
	}
	return -1
}

// RuleCount is what one exclusion rule left out.
type RuleCount struct {
	Rule     string
	Events   int64
	Attempts int64
}

// Result is what a filter left out of a whole run.
type Result struct {
	Window Window
	// Excluded has one entry per rule, in the order given, including the
	// rules that matched nothing (a rule that never matches is worth
	// seeing: it may be mistyped).
	Excluded []RuleCount
	// Outside and ExcludedByInput count by input name.
	Outside         map[string]int64
	ExcludedByInput map[string]int64
}

// OutsideTotal is the number of events outside the window.
func (r *Result) OutsideTotal() int64 {
	var n int64
	for _, v := range r.Outside {
		n += v
	}
	return n
}

// ExcludedTotal is the number of events the rules left out.
func (r *Result) ExcludedTotal() int64 {
	var n int64
	for _, c := range r.Excluded {
		n += c.Events
	}
	return n
}

// Result merges the tallies of every goroutine that filtered with f.
func (f *Filter) Result(tallies ...*Tally) *Result {
	res := &Result{Window: f.Window(), Outside: map[string]int64{}, ExcludedByInput: map[string]int64{}}
	if f != nil {
		for _, r := range f.rules {
			res.Excluded = append(res.Excluded, RuleCount{Rule: r.Text})
		}
	}
	for _, t := range tallies {
		if t == nil {
			continue
		}
		for name, c := range t.inputs {
			if c.outside > 0 {
				res.Outside[name] += c.outside
			}
			if c.excluded > 0 {
				res.ExcludedByInput[name] += c.excluded
			}
		}
		for i, c := range t.rules {
			res.Excluded[i].Events += c.Events
			res.Excluded[i].Attempts += c.Attempts
		}
	}
	return res
}

// Reasons under which Apply counts the events left out, in
// ingest.Stats.Reasons.
const (
	ReasonOutside  = "outside the window"
	ReasonExcluded = "excluded by a rule"
)

// Apply moves what the filter left out of each input from its Events to
// its Filtered count, under ReasonOutside and ReasonExcluded, so that an
// input's events are the ones the report counts and nothing read is
// unaccounted for. stats are matched to the counts by File.
func (r *Result) Apply(stats []*ingest.Stats) {
	for _, st := range stats {
		if st == nil {
			continue
		}
		for _, c := range []struct {
			n      int64
			reason string
		}{{r.Outside[st.File], ReasonOutside}, {r.ExcludedByInput[st.File], ReasonExcluded}} {
			if c.n == 0 {
				continue
			}
			st.Events -= c.n
			st.Filtered += c.n
			if st.Reasons == nil {
				st.Reasons = map[string]int64{}
			}
			st.Reasons[c.reason] += c.n
		}
	}
}
