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
// It never fails: a source's problems end up in its Status. When ctx is
// cancelled (Ctrl-C) it returns what it has; answers already received are
// in the cache, so the next run resumes where this one stopped.
func RunOnline(ctx context.Context, addrs []netip.Addr, sources []Online, cache *Cache, opts OnlineOptions) (Results, []Status) {
	addrs = dedupeAddrs(addrs)
	res := make(Results)
	var resMu sync.Mutex
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
		r := newSourceRun(sources[i], cache, opts.Refresh, len(addrs), progress, record)
		r.runBatch(ctx, addrs)
		statuses[i] = r.status()
	}
	var wg sync.WaitGroup
	for _, i := range single {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newSourceRun(sources[i], cache, opts.Refresh, len(addrs), progress, record)
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

	// trippedCh is closed when the breaker trips, releasing lookups that
	// wait for a rate token.
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
}

func newSourceRun(o Online, cache *Cache, refresh bool, total int, progress func(string, int, int), record func(netip.Addr, Finding)) *sourceRun {
	lim := o.Limits.withDefaults()
	r := &sourceRun{
		src: o.Source, name: o.Source.Name(), lim: lim, cache: cache, refresh: refresh,
		total: total, progress: progress, record: record, start: time.Now(),
		reasons: make(map[string]int), trippedCh: make(chan struct{}),
	}
	r.st.Source = r.name
	if lim.Rate > 0 {
		r.limiter = rate.NewLimiter(rate.Limit(lim.Rate), lim.Burst)
	}
	return r
}

// cached answers addr from the cache when allowed.
func (r *sourceRun) cached(addr netip.Addr) bool {
	if r.refresh {
		return false
	}
	f, ok := r.cache.Get(r.name, addr, r.lim.TTL)
	if !ok {
		return false
	}
	r.record(addr, f)
	r.mu.Lock()
	r.st.Queried++
	r.st.FromCache++
	r.st.Succeeded++
	r.mu.Unlock()
	r.step()
	return true
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
	r.mu.Lock()
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
	if r.tripped == nil && (fatalForSource(err) || r.consecutive >= r.lim.TripAfter) {
		r.tripped = err
		close(r.trippedCh)
	}
	r.mu.Unlock()
	r.step()
}

// skip counts an address not asked because the source was stopped.
func (r *sourceRun) skip() {
	r.mu.Lock()
	err := r.tripped
	r.mu.Unlock()
	r.fail(err)
}

func (r *sourceRun) isTripped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tripped != nil
}

// attempt runs fn under the rate limit, the per-request timeout and the
// retry policy.
//
// While the source gives no answer at all (connection refused, reset,
// timeout, HTTP 5xx), attempts skip the rate limit: such a request costs
// the provider no quota, and waiting for tokens only delays the breaker (at
// VirusTotal's 4 requests a minute, retrying 20 addresses of a dead one
// would take minutes). The breaker bounds what goes out unthrottled: TripAfter
// addresses of at most Retries+1 attempts each. The first answer of any
// kind puts the limit back.
func (r *sourceRun) attempt(ctx context.Context, timeout time.Duration, fn func(context.Context) error) error {
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

// wait takes a rate token. It gives up when ctx ends, or when the breaker
// trips meanwhile, returning the breaker's reason.
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

func (r *sourceRun) runEach(ctx context.Context, addrs []netip.Addr) {
	work := make(chan netip.Addr)
	var wg sync.WaitGroup
	for range r.lim.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for addr := range work {
				if r.cached(addr) {
					continue
				}
				if r.isTripped() {
					r.skip()
					continue
				}
				var f Finding
				err := r.attempt(ctx, r.lim.Timeout, func(actx context.Context) error {
					var err error
					f, err = r.src.Lookup(actx, addr)
					return err
				})
				switch {
				case err == nil:
					r.succeed(addr, f)
				case ctx.Err() != nil:
					// Cancelled: not this source's fault; leave it uncounted.
				default:
					r.fail(err)
				}
			}
		}()
	}
feed:
	for _, a := range addrs {
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
			switch {
			case err == nil:
				r.succeed(a, Finding{})
			case ctx.Err() != nil:
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
	if ctx.Err() != nil && r.st.Queried < r.total {
		r.st.Interrupted = true
		note := fmt.Sprintf("interrupted after %d of %d", r.st.Queried, r.total)
		if r.st.Err == "" {
			r.st.Err = note
		} else {
			r.st.Err = note + "; " + r.st.Err
		}
	}
}

func (r *sourceRun) status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}
