package filter

import (
	"net/netip"
	"strings"
	"sync"

	"github.com/honeyreport/honeyreport/ingest"
)

// Filter holds a window and exclusion rules. It is safe for concurrent
// use; each goroutine filters through its own Tally.
type Filter struct {
	window Window
	rules  []Rule
	byAddr bool // some rule matches on the source address
	// addrRules counts the IP and CIDR rules.
	addrRules int
	byName    bool // some rule matches a non-IP source
	byUA      bool // some rule matches the user agent
	asnRule   bool
	asn       func(netip.Addr) uint32
	// asns caches asn's answer per address for every Tally: an AS lookup
	// happens once per distinct address, not once per event or worker.
	// Tallies ask only on their own cache's misses, so the lock is seldom
	// taken.
	mu   sync.Mutex
	asns map[netip.Addr]uint32
}

// New returns a filter keeping the events inside w that no rule matches.
// asn returns the AS number of a public address (0 when unknown); it is
// called only when a rule is an ASN, at most once per distinct address,
// and may block until the AS data is loaded. It may be nil without ASN
// rules.
func New(w Window, rules []Rule, asn func(netip.Addr) uint32) *Filter {
	f := &Filter{window: w, rules: rules, asn: asn, asns: map[netip.Addr]uint32{}}
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

// NeedsASN reports whether some rule is an AS number, so the AS data must
// be at hand while reading.
func (f *Filter) NeedsASN() bool { return f != nil && f.asnRule }

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
	if !f.asnRule && f.addrRules <= maxScan {
		return f.matchAddr(a)
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
		k := a.As4()
		n := uint32(k[0])<<24 | uint32(k[1])<<16 | uint32(k[2])<<8 | uint32(k[3])
		i, ok := t.addrs4[n]
		if !ok {
			i = f.matchAddr(a)
			t.addrs4[n] = i
		}
		return i
	}
	a = a.WithZone("")
	i, ok := t.addrs[a]
	if !ok {
		i = f.matchAddr(a)
		t.addrs[a] = i
	}
	return i
}

func (f *Filter) matchAddr(a netip.Addr) int32 {
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

func (f *Filter) asnOf(a netip.Addr) uint32 {
	f.mu.Lock()
	n, ok := f.asns[a]
	f.mu.Unlock()
	if ok {
		return n
	}
	// Not under the lock: the first lookup waits for the AS data.
	if f.asn != nil {
		n = f.asn(a)
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
