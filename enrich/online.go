package enrich

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go4.org/netipx"
	"golang.org/x/time/rate"
)

// Source is an online lookup: a WHOIS server, a bulk IP-to-ASN service or a
// threat-intelligence API. Lookup must be safe for concurrent use.
//
// "Not found" is a normal answer: Lookup returns a Finding with Found false
// and a nil error, so that it is cached like any other answer. An error
// means the source could not answer (network, HTTP status, bad answer).
// Errors never contain API keys.
type Source interface {
	Name() string
	Lookup(ctx context.Context, addr netip.Addr) (Finding, error)
}

// BatchSource is a Source that answers many addresses in one exchange (the
// Team Cymru bulk protocol). The runner calls LookupBatch once for all
// addresses missing from the cache; a missing entry in the answer map is
// "not found".
type BatchSource interface {
	Source
	LookupBatch(ctx context.Context, addrs []netip.Addr) (map[netip.Addr]Finding, error)
}

// Finding is one source's answer for one address. Exactly one of Whois, ASN
// and Verdict is set when Found.
type Finding struct {
	Found   bool
	Whois   *Whois
	ASN     *ASN
	Verdict *Verdict
	// Raw is the answer as received (the JSON body, the WHOIS text), kept
	// in the cache; Verdict.Raw holds the same bytes.
	Raw []byte
}

// Limits bound how a source is asked.
type Limits struct {
	Concurrency int           // parallel lookups; <= 0 means 1
	Rate        float64       // requests per second; <= 0 means unlimited
	Burst       int           // token bucket size; <= 0 means max(1, Concurrency)
	Timeout     time.Duration // per request (per attempt); <= 0 means 15s
	TTL         time.Duration // cache lifetime of an answer; <= 0 means 7 days
	Retry       RetryPolicy
	// TripAfter stops asking the source after this many consecutive
	// failures (a dead or blackholed provider costs about one timeout, not
	// one per address); <= 0 means 3. Authentication failures and an
	// exhausted quota stop it at once.
	TripAfter int
	// PerDay and PerMonth are the provider's allowances of requests per
	// UTC day and month, counted across runs in the cache (see quota);
	// <= 0 means none.
	PerDay   int
	PerMonth int
}

func (l Limits) withDefaults() Limits {
	if l.Concurrency <= 0 {
		l.Concurrency = 1
	}
	if l.Burst <= 0 {
		l.Burst = max(1, l.Concurrency)
	}
	if l.Timeout <= 0 {
		l.Timeout = 15 * time.Second
	}
	if l.TTL <= 0 {
		l.TTL = 7 * 24 * time.Hour
	}
	if l.TripAfter <= 0 {
		l.TripAfter = 3
	}
	return l
}

// Online is a source with the limits to ask it under.
type Online struct {
	Source Source
	Limits Limits
}

// OnlineOptions tune RunOnline.
type OnlineOptions struct {
	// Refresh ignores cached answers (fresh answers are still written).
	Refresh bool
	// Progress, when set, is called after each address finishes at a source
	// (from the cache or the network). Calls are serialised, so it needs no
	// locking of its own; it must not block for long.
	Progress func(source string, done, total int)
	// Budget bounds the wall time of all online work; <= 0 means none.
	// When it runs out no source starts another lookup, lookups in flight
	// are abandoned, and the addresses left are counted as not checked.
	Budget time.Duration
	// Now is the clock of the quota periods; nil means time.Now.
	Now func() time.Time
	// Group names the network an address is expected to be registered in
	// (the announced prefix, from the offline data). A source whose answers
	// cover a registered range (WHOIS, RDAP) asks about one address of a
	// group at a time, so that the answer can serve the others. The prefix
	// a batch source (bulk IP-to-ASN) found comes first; without either,
	// IPv4 is grouped by /24 and IPv6 by /48.
	Group func(netip.Addr) netip.Prefix
}

// OnlineResult is everything the online sources found for one address.
type OnlineResult struct {
	Whois  *Whois
	ASN    *ASN // from bulk IP-to-ASN
	Threat []Verdict
}

// Results maps each looked-up address to what was found; addresses with no
// finding at all are absent.
type Results map[netip.Addr]*OnlineResult

// Apply merges results into profiles: WHOIS records and verdicts are set;
// the bulk ASN fills the profile's ASN when the offline data had none, and
// the prefix when the offline data had no network. WHOIS's origin AS and
// organisation are completed from the bulk ASN when the RIR left them out.
func (r Results) Apply(profiles []*Profile) {
	for _, p := range profiles {
		if p == nil {
			continue
		}
		res := r[p.Addr]
		if res == nil {
			continue
		}
		if res.ASN != nil {
			switch {
			case !p.ASN.HasASN():
				hosting := p.ASN.Hosting
				p.ASN = *res.ASN
				p.ASN.Hosting = p.ASN.Hosting || hosting
			case p.ASN.Number == res.ASN.Number && !p.ASN.Network.IsValid():
				p.ASN.Network = res.ASN.Network
			}
		}
		if res.Whois != nil {
			w := *res.Whois
			if w.OriginAS == 0 && res.ASN != nil {
				w.OriginAS = res.ASN.Number
			}
			p.Whois = &w
		}
		p.Threat = append(p.Threat, res.Threat...)
		sort.SliceStable(p.Threat, func(i, j int) bool { return p.Threat[i].Provider < p.Threat[j].Provider })
	}
}

// RunOnline asks every source about every address, through cache (which
// may be nil: no caching). Batch sources run first, then all other sources
// run side by side, each within its own Limits.
//
// addrs are in priority order: under any limit (the budget, a quota, the
// rate) every source asks about them in that order, so that the most
// important addresses are complete first. Addresses with no cached answer
// go before those whose cached answer is stale; a stale answer is still
// used when the address cannot be asked again.
//
// It never fails: a source's problems end up in its Status. When ctx is
// cancelled (Ctrl-C) or the budget runs out it returns what it has;
// answers already received are in the cache, so the next run resumes
// where this one stopped.
func RunOnline(ctx context.Context, addrs []netip.Addr, sources []Online, cache *Cache, opts OnlineOptions) (Results, []Status) {
	addrs = dedupeAddrs(addrs)
	parent := ctx
	if opts.Budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Budget)
		defer cancel()
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	res := make(Results)
	var resMu sync.Mutex
	// The announced prefix a bulk IP-to-ASN source (run first) found is
	// the best guess of the registered network; then opts.Group's.
	group := func(a netip.Addr) netip.Prefix {
		resMu.Lock()
		r := res[a]
		resMu.Unlock()
		if r != nil && r.ASN != nil && r.ASN.Network.IsValid() {
			return r.ASN.Network.Masked()
		}
		if opts.Group != nil {
			return opts.Group(a)
		}
		return defaultGroup(a)
	}
	var progMu sync.Mutex
	progress := func(name string, done, total int) {
		if opts.Progress == nil {
			return
		}
		progMu.Lock()
		defer progMu.Unlock()
		opts.Progress(name, done, total)
	}
	record := func(addr netip.Addr, f Finding) {
		if !f.Found {
			return
		}
		resMu.Lock()
		defer resMu.Unlock()
		r := res[addr]
		if r == nil {
			r = &OnlineResult{}
			res[addr] = r
		}
		switch {
		case f.Whois != nil:
			r.Whois = f.Whois
		case f.ASN != nil:
			r.ASN = f.ASN
		case f.Verdict != nil:
			r.Threat = append(r.Threat, *f.Verdict)
		}
	}
	newRun := func(o Online) *sourceRun {
		return &sourceRun{
			src: o.Source, name: o.Source.Name(), lim: o.Limits.withDefaults(), cache: cache, refresh: opts.Refresh,
			total: len(addrs), progress: progress, record: record, start: time.Now(),
			parent: parent, budget: opts.Budget, group: group,
			quota:   newQuota(cache, o.Source.Name(), o.Limits, now()),
			reasons: make(map[string]int), trippedCh: make(chan struct{}),
			pending: make(map[netip.Prefix]chan struct{}), stale: make(map[netip.Addr]Finding),
		}
	}

	statuses := make([]Status, len(sources))
	var batch, single []int
	for i, s := range sources {
		if _, ok := s.Source.(BatchSource); ok {
			batch = append(batch, i)
		} else {
			single = append(single, i)
		}
	}
	for _, i := range batch {
		r := newRun(sources[i])
		r.init()
		r.runBatch(ctx, addrs)
		statuses[i] = r.status()
	}
	var wg sync.WaitGroup
	for _, i := range single {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newRun(sources[i])
			r.init()
			r.runEach(ctx, addrs)
			statuses[i] = r.status()
		}()
	}
	wg.Wait()
	for _, r := range res {
		sort.SliceStable(r.Threat, func(i, j int) bool { return r.Threat[i].Provider < r.Threat[j].Provider })
	}
	return res, statuses
}

// defaultGroup is the network an address is likely registered in when
// nothing better is known.
func defaultGroup(a netip.Addr) netip.Prefix {
	bits := 24
	if a.Is6() && !a.Is4In6() {
		bits = 48
	}
	p, _ := a.Unmap().Prefix(bits)
	return p
}

func dedupeAddrs(addrs []netip.Addr) []netip.Addr {
	seen := make(map[netip.Addr]bool, len(addrs))
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		if !a.IsValid() || seen[a] {
			continue
		}
		seen[a] = true
		out = append(out, a)
	}
	return out
}

// rangeSource is a source whose answer covers a whole registered range
// (inetnum, NetRange, CIDR): the runner answers every later address in
// the range from it, in this run and from the cache.
type rangeSource interface {
	Source
	// answerRange returns the registered range f, the answer about addr,
	// covers; ok is false when it names none.
	answerRange(addr netip.Addr, f Finding) (r netipx.IPRange, ok bool)
}

// sourceRun is the state of one source over one run.
type sourceRun struct {
	src      Source
	name     string
	lim      Limits
	limiter  *rate.Limiter
	cache    *Cache
	refresh  bool
	total    int
	progress func(string, int, int)
	record   func(netip.Addr, Finding)
	start    time.Time
	// parent is the run's context without the budget: when it ends the
	// run was interrupted, when only the budget's ends time ran out.
	parent context.Context
	budget time.Duration
	quota  *quota
	group  func(netip.Addr) netip.Prefix

	// trippedCh is closed when the source is stopped (breaker or quota),
	// releasing lookups that wait for a rate token.
	trippedCh chan struct{}
	// unanswered is set while the source's last attempt got no answer
	// (refused, reset, timed out, 5xx): see attempt.
	unanswered atomic.Bool

	mu          sync.Mutex
	st          Status
	done        int
	consecutive int
	tripped     error
	reasons     map[string]int
	firstReason []string
	// stale holds the expired cached answers of addresses not asked
	// again yet: used, and counted as such, if they never are.
	stale map[netip.Addr]Finding

	// rmu guards the registered ranges known (rangeSource only) and the
	// groups with a lookup in flight.
	rmu     sync.Mutex
	ranges  []rangeFinding
	pending map[netip.Prefix]chan struct{}
}

func (r *sourceRun) init() {
	r.st.Source = r.name
	r.st.Total = r.total
	if r.lim.Rate > 0 {
		r.limiter = rate.NewLimiter(rate.Limit(r.lim.Rate), r.lim.Burst)
	}
	if _, ok := r.src.(rangeSource); ok && !r.refresh {
		r.ranges = r.cache.Ranges(r.name, r.lim.TTL)
	}
}

// cached answers addr from the cache when allowed: from its own entry or,
// for a rangeSource, from a registered range. An expired entry is kept in
// r.stale and reported false.
func (r *sourceRun) cached(addr netip.Addr) bool {
	if r.refresh {
		return false
	}
	f, fetched, ok := r.cache.get(r.name, addr)
	if ok && r.cache.now().Sub(fetched) <= r.lim.TTL {
		r.fromCache(addr, f)
		return true
	}
	if rf, covered := r.covering(addr); covered {
		r.fromCache(addr, rf)
		return true
	}
	if ok {
		r.mu.Lock()
		r.stale[addr] = f
		r.mu.Unlock()
	}
	return false
}

func (r *sourceRun) fromCache(addr netip.Addr, f Finding) {
	r.record(addr, f)
	r.mu.Lock()
	delete(r.stale, addr)
	r.st.Queried++
	r.st.FromCache++
	r.st.Succeeded++
	r.mu.Unlock()
	r.step()
}

// covering returns the answer of a known registered range holding addr,
// made about addr: its Network is the range's prefix holding addr.
func (r *sourceRun) covering(addr netip.Addr) (Finding, bool) {
	r.rmu.Lock()
	defer r.rmu.Unlock()
	return r.coveringLocked(addr)
}

func (r *sourceRun) coveringLocked(addr netip.Addr) (Finding, bool) {
	for _, rf := range r.ranges {
		if rf.r.Contains(addr) {
			f := rf.f
			if f.Whois != nil {
				w := *f.Whois
				w.Network = smallestPrefixContaining(rf.r, addr)
				f.Whois = &w
			}
			return f, true
		}
	}
	return Finding{}, false
}

// claim makes the calling worker the one to ask about addr's group, or
// answers addr from a range another worker's lookup found meanwhile. It
// returns release (to call once the answer is in) when the caller is to
// ask, and done when addr was answered (or the run stopped).
func (r *sourceRun) claim(ctx context.Context, addr netip.Addr) (release func(), done bool) {
	g := r.group(addr)
	for {
		r.rmu.Lock()
		if f, ok := r.coveringLocked(addr); ok {
			r.rmu.Unlock()
			r.fromCache(addr, f)
			return nil, true
		}
		ch, busy := r.pending[g]
		if !busy {
			ch = make(chan struct{})
			r.pending[g] = ch
			r.rmu.Unlock()
			return func() {
				r.rmu.Lock()
				delete(r.pending, g)
				r.rmu.Unlock()
				close(ch)
			}, false
		}
		r.rmu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, true
		}
	}
}

func (r *sourceRun) step() {
	r.mu.Lock()
	r.done++
	done := r.done
	r.mu.Unlock()
	r.progress(r.name, done, r.total)
}

func (r *sourceRun) succeed(addr netip.Addr, f Finding) {
	r.record(addr, f)
	// A cache write failure costs only a future network call.
	_ = r.cache.Put(r.name, addr, f)
	if rs, ok := r.src.(rangeSource); ok && f.Found {
		if rng, ok := rs.answerRange(addr, f); ok {
			r.rmu.Lock()
			r.ranges = append(r.ranges, rangeFinding{r: rng, f: f})
			r.rmu.Unlock()
			_ = r.cache.PutRange(r.name, rng, f)
		}
	}
	r.mu.Lock()
	delete(r.stale, addr)
	r.st.Queried++
	r.st.Succeeded++
	r.consecutive = 0
	r.mu.Unlock()
	r.step()
}

func (r *sourceRun) fail(err error) {
	r.mu.Lock()
	r.st.Queried++
	r.st.Failed++
	msg := err.Error()
	if r.reasons[msg] == 0 {
		r.firstReason = append(r.firstReason, msg)
	}
	r.reasons[msg]++
	r.consecutive++
	if fatalForSource(err) || r.consecutive >= r.lim.TripAfter {
		r.stopLocked(err)
	}
	r.mu.Unlock()
	r.step()
}

// stopLocked stops the source for the rest of the run; the first reason
// stays.
func (r *sourceRun) stopLocked(err error) {
	if r.tripped == nil {
		r.tripped = err
		close(r.trippedCh)
	}
}

// skip accounts for an address not asked because the source was stopped:
// a failure when the breaker tripped, not checked when a quota is spent.
func (r *sourceRun) skip() {
	r.mu.Lock()
	err := r.tripped
	r.mu.Unlock()
	var qe *QuotaError
	if errors.As(err, &qe) {
		r.step()
		return
	}
	r.fail(err)
}

func (r *sourceRun) isTripped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tripped != nil
}

// attempt runs fn under the quota, the rate limit, the per-request timeout
// and the retry policy.
//
// While the source gives no answer at all (connection refused, reset,
// timeout, HTTP 5xx), attempts skip the rate limit: such a request costs
// the provider no quota, and waiting for tokens only delays the breaker (at
// VirusTotal's 4 requests a minute, retrying 20 addresses of a dead one
// would take minutes). The breaker bounds what goes out unthrottled: TripAfter
// addresses of at most Retries+1 attempts each. The first answer of any
// kind puts the limit back.
//
// A spent quota, counted or said by the provider, is a *QuotaError. An
// answer that some allowance is spent without saying which is asked again
// once its QuotaWindow has passed, and taken as the day's when refused
// again.
func (r *sourceRun) attempt(ctx context.Context, timeout time.Duration, fn func(context.Context) error) error {
	var quotaSince time.Time // the first "some allowance is spent"
	for n := 0; ; n++ {
		// No request starts once the run is stopped (a select between
		// work and ctx.Done picks either when both are ready).
		if err := ctx.Err(); err != nil {
			return err
		}
		if !r.unanswered.Load() {
			if err := r.wait(ctx); err != nil {
				return err
			}
			// The token and the end of the run can come together (wait's
			// select picks either): a request counted against the quota
			// but never sent would cost a lookup of the allowance.
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := r.quota.take(); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			r.quota.giveBack()
			return err
		}
		actx, cancel := context.WithTimeout(ctx, timeout)
		err := fn(actx)
		timedOut := actx.Err() != nil && ctx.Err() == nil
		cancel()
		if err == nil {
			r.unanswered.Store(false)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if timedOut || errors.Is(err, context.DeadlineExceeded) {
			err = errTimeout
		}
		var he *HTTPError
		if errors.As(err, &he) && he.QuotaWindow > 0 && he.Quota == "" {
			if quotaSince.IsZero() {
				quotaSince = time.Now()
			} else if time.Since(quotaSince) >= he.QuotaWindow {
				he.Quota = PeriodDay
			}
		}
		if qe := r.quota.refused(err); qe != err {
			return qe
		}
		r.unanswered.Store(unanswered(err))
		d, again := r.lim.Retry.retryDelay(err, n)
		if !again || r.isTripped() {
			return err
		}
		if sleepCtx(ctx, d) != nil {
			return ctx.Err()
		}
	}
}

// wait takes a rate token. It gives up when ctx ends, or when the source
// is stopped meanwhile, returning the reason.
func (r *sourceRun) wait(ctx context.Context) error {
	if r.limiter == nil {
		return nil
	}
	res := r.limiter.Reserve()
	d := res.Delay()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		res.Cancel()
		return ctx.Err()
	case <-r.trippedCh:
		res.Cancel()
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.tripped
	}
}

// lookup asks the source about addr and accounts for the outcome.
func (r *sourceRun) lookup(ctx context.Context, addr netip.Addr) {
	if _, ok := r.src.(rangeSource); ok {
		release, done := r.claim(ctx, addr)
		if done {
			return
		}
		defer release()
	}
	var f Finding
	err := r.attempt(ctx, r.lim.Timeout, func(actx context.Context) error {
		var err error
		f, err = r.src.Lookup(actx, addr)
		return err
	})
	var qe *QuotaError
	switch {
	case err == nil:
		r.succeed(addr, f)
	case ctx.Err() != nil:
		// Stopped (interrupt or budget): not checked, not this source's fault.
	case errors.As(err, &qe):
		r.mu.Lock()
		r.stopLocked(qe)
		r.mu.Unlock()
		r.step()
	default:
		r.fail(err)
	}
}

func (r *sourceRun) runEach(ctx context.Context, addrs []netip.Addr) {
	// Cached answers first, without a worker; the rest is asked in order,
	// the never-asked before the stale.
	var fresh, stale []netip.Addr
	for _, a := range addrs {
		if r.cached(a) {
			continue
		}
		r.mu.Lock()
		_, old := r.stale[a]
		r.mu.Unlock()
		if old {
			stale = append(stale, a)
		} else {
			fresh = append(fresh, a)
		}
	}
	queue := append(fresh, stale...)
	work := make(chan netip.Addr)
	var wg sync.WaitGroup
	for range r.lim.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for addr := range work {
				if r.isTripped() {
					r.skip()
					continue
				}
				r.lookup(ctx, addr)
			}
		}()
	}
feed:
	for _, a := range queue {
		if ctx.Err() != nil {
			break
		}
		select {
		case work <- a:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	r.finish(ctx)
}

func (r *sourceRun) runBatch(ctx context.Context, addrs []netip.Addr) {
	bs := r.src.(BatchSource)
	var missing []netip.Addr
	for _, a := range addrs {
		if ctx.Err() != nil {
			break
		}
		if !r.cached(a) {
			missing = append(missing, a)
		}
	}
	if len(missing) > 0 && ctx.Err() == nil {
		// The bulk server answers as it reads; allow time per address on
		// top of the per-request budget.
		timeout := r.lim.Timeout + time.Duration(len(missing))*20*time.Millisecond
		var got map[netip.Addr]Finding
		err := r.attempt(ctx, timeout, func(actx context.Context) error {
			var err error
			got, err = bs.LookupBatch(actx, missing)
			return err
		})
		for _, a := range missing {
			// A batch source may return what it got before failing.
			if f, ok := got[a.Unmap()]; ok {
				r.succeed(a, f)
				continue
			}
			var qe *QuotaError
			switch {
			case err == nil:
				r.succeed(a, Finding{})
			case ctx.Err() != nil:
			case errors.As(err, &qe):
				r.mu.Lock()
				r.stopLocked(qe)
				r.mu.Unlock()
			default:
				r.fail(err)
			}
		}
	}
	r.finish(ctx)
}

func (r *sourceRun) finish(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.st.Duration = time.Since(r.start)
	if len(r.firstReason) > 0 {
		// The most common reason, ties going to the first seen: what a
		// reader needs to fix, not 250 copies of it.
		best := r.firstReason[0]
		for _, m := range r.firstReason[1:] {
			if r.reasons[m] > r.reasons[best] {
				best = m
			}
		}
		r.st.Err = best
		if n := len(r.firstReason) - 1; n > 0 {
			r.st.Err += fmt.Sprintf(" (and %d other error kinds)", n)
		}
	}
	// What was never asked keeps its stale answer, better than none.
	for a, f := range r.stale {
		r.record(a, f)
		r.st.Stale++
	}
	r.st.NotChecked = r.total - r.st.Queried
	if r.st.NotChecked <= 0 {
		r.st.NotChecked = 0
		return
	}
	var qe *QuotaError
	switch {
	case r.parent.Err() != nil:
		r.st.Interrupted = true
		r.st.Stopped = "interrupted"
	case ctx.Err() != nil:
		r.st.Stopped = fmt.Sprintf("time budget of %s ran out", r.budget)
	case errors.As(r.tripped, &qe):
		r.st.Stopped = qe.Error()
	}
}

func (r *sourceRun) status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}

// answerRange implements rangeSource: the range as the RIR wrote it
// (inetnum, NetRange, CIDR), else the network parsed from it.
func (w *WhoisSource) answerRange(addr netip.Addr, f Finding) (netipx.IPRange, bool) {
	if f.Whois == nil {
		return netipx.IPRange{}, false
	}
	rng := parseWhoisRange(f.Whois.Range)
	if !rng.IsValid() || !rng.Contains(addr.Unmap()) {
		if !f.Whois.Network.IsValid() {
			return netipx.IPRange{}, false
		}
		rng = netipx.RangeOfPrefix(f.Whois.Network)
	}
	// A record for the whole of IPv4 or IPv6 (a RIR's "not ours" block)
	// says nothing about its other addresses.
	if !rng.Contains(addr.Unmap()) || rng.From().IsUnspecified() {
		return netipx.IPRange{}, false
	}
	return rng, true
}
