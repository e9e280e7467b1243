package enrich

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLongWait(t *testing.T) {
	now := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		status  int
		headers map[string]string
		want    string
	}{
		{"retry after hours", 429, map[string]string{"Retry-After": "32000"}, PeriodDay},
		{"retry after an HTTP date", 429, map[string]string{"Retry-After": now.Add(9 * time.Hour).Format(http.TimeFormat)}, PeriodDay},
		{"remaining 0, reset hours away", 429, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(now.Add(5*time.Hour).Unix(), 10)}, PeriodDay},
		{"remaining 0, reset in a second", 429, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(now.Add(time.Second).Unix(), 10)}, ""},
		{"burst", 429, map[string]string{"Retry-After": "2"}, ""},
		{"no headers", 429, nil, ""},
		{"not a refusal", 503, map[string]string{"Retry-After": "32000"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			if got := longWait(tt.status, h, now); got != tt.want {
				t.Errorf("longWait = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestProviderQuotaAnswers runs each provider against a fake that answers
// a few lookups and then refuses the way that provider documents a spent
// allowance (or a burst, which must not count as one): a spent allowance
// stops the source at once with the quota message, the addresses left are
// not checked (not failed), and a second run the same day asks nothing.
func TestProviderQuotaAnswers(t *testing.T) {
	const answered = 3
	type answer struct {
		status  int
		headers map[string]string
		body    []byte
	}
	refuse := func(status int, body []byte, headers ...string) func(n int64) *answer {
		h := map[string]string{}
		for i := 0; i+1 < len(headers); i += 2 {
			h[headers[i]] = headers[i+1]
		}
		return func(n int64) *answer {
			if n <= answered {
				return nil
			}
			return &answer{status, h, body}
		}
	}
	// once refuses the request after the answered ones, then answers again.
	once := func(status int, body []byte) func(n int64) *answer {
		return func(n int64) *answer {
			if n != answered+1 {
				return nil
			}
			return &answer{status: status, body: body}
		}
	}
	vtQuota := onProvider(t, "virustotal", "error-429.json")
	tests := []struct {
		name    string
		src     func(base string) Source
		ok      []byte // the answer to a lookup
		refusal func(n int64) *answer
		// stopped is the status's Stopped prefix; "" means the source
		// was not stopped by a quota. requests is what the first run sends.
		stopped  string
		requests int64
		// remembered: the second run the same day sends nothing (when
		// the first left addresses to ask).
		remembered bool
	}{
		{
			name: "abuseipdb documented answer", src: func(b string) Source { return &AbuseIPDBSource{BaseURL: b, Key: onSecret} },
			ok:      onProvider(t, "abuseipdb", "check-198.51.100.9.json"),
			refusal: refuse(429, onProvider(t, "abuseipdb", "error-429.json"), "X-RateLimit-Limit", "1000", "X-RateLimit-Remaining", "0", "Retry-After", "29848"),
			stopped: "daily quota reached (4 of 1000), resumes after 00:00 UTC", requests: answered + 1, remembered: true,
		},
		{
			name: "abuseipdb wording alone", src: func(b string) Source { return &AbuseIPDBSource{BaseURL: b, Key: onSecret} },
			ok:      onProvider(t, "abuseipdb", "check-198.51.100.9.json"),
			refusal: refuse(429, onProvider(t, "abuseipdb", "error-429.json")),
			stopped: "daily quota reached (4 of 1000), resumes after 00:00 UTC", requests: answered + 1, remembered: true,
		},
		{
			name: "abuseipdb headers alone", src: func(b string) Source { return &AbuseIPDBSource{BaseURL: b, Key: onSecret} },
			ok:      onProvider(t, "abuseipdb", "check-198.51.100.9.json"),
			refusal: refuse(429, []byte(`{"errors":[{"detail":"Too Many Requests","status":429}]}`), "X-RateLimit-Limit", "3000", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(6*time.Hour).Unix(), 10)),
			stopped: "daily quota reached (4 of 3000), resumes after 00:00 UTC", requests: answered + 1, remembered: true,
		},
		{
			name: "abuseipdb burst", src: func(b string) Source { return &AbuseIPDBSource{BaseURL: b, Key: onSecret} },
			ok:       onProvider(t, "abuseipdb", "check-198.51.100.9.json"),
			refusal:  once(429, []byte(`{"errors":[{"detail":"Too Many Requests","status":429}]}`)),
			requests: 21,
		},
		{
			name: "greynoise community", src: func(b string) Source { return &GreyNoiseSource{BaseURL: b} },
			ok:      onProvider(t, "greynoise", "community-203.0.113.7.json"),
			refusal: refuse(429, onProvider(t, "greynoise", "error-429.json")),
			stopped: "daily quota reached (4 of 100), resumes after 00:00 UTC", requests: answered + 1, remembered: true,
		},
		{
			// QuotaExceededError covers the minute, the day and the month:
			// still refused once the minute has passed, it is the day.
			name: "virustotal day", src: func(b string) Source {
				return &VirusTotalSource{BaseURL: b, Key: onSecret, MinuteWindow: 30 * time.Millisecond}
			},
			ok:      onProvider(t, "virustotal", "ip-addresses-203.0.113.7.json"),
			refusal: refuse(429, vtQuota),
			stopped: "daily quota reached (5 of 500), resumes after 00:00 UTC", requests: answered + 2, remembered: true,
		},
		{
			name: "virustotal minute", src: func(b string) Source {
				return &VirusTotalSource{BaseURL: b, Key: onSecret, MinuteWindow: 30 * time.Millisecond}
			},
			ok:       onProvider(t, "virustotal", "ip-addresses-203.0.113.7.json"),
			refusal:  once(429, vtQuota),
			requests: 21,
		},
		{
			name: "virustotal burst", src: func(b string) Source { return &VirusTotalSource{BaseURL: b, Key: onSecret} },
			ok:       onProvider(t, "virustotal", "ip-addresses-203.0.113.7.json"),
			refusal:  once(429, []byte(`{"error":{"code":"TooManyRequestsError","message":"Too many requests"}}`)),
			requests: 21,
		},
		{
			name: "xforce payment required", src: func(b string) Source { return &XForceSource{BaseURL: b, Key: "k", Password: onSecret} },
			ok:      onProvider(t, "xforce", "ipr-203.0.113.7.json"),
			refusal: refuse(402, onProvider(t, "xforce", "error-402.json")),
			stopped: "monthly quota reached (4 of 5000), resumes after 00:00 UTC on ", requests: answered + 1, remembered: true,
		},
		{
			// OTX documents no quota answer: its bare 429 stops the run
			// after the retries, and the next run asks again.
			name: "otx bare 429", src: func(b string) Source { return &OTXSource{BaseURL: b, Key: onSecret} },
			ok:       onProvider(t, "otx", "ipv4-general-198.51.100.9.json"),
			refusal:  refuse(429, []byte(`{"detail":"Too Many Requests"}`)),
			requests: answered + 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *onFake
			srv = newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
				a := tt.refusal(srv.hits.Load())
				if a == nil {
					onJSON(w, 200, tt.ok)
					return
				}
				for k, v := range a.headers {
					w.Header().Set(k, v)
				}
				onJSON(w, a.status, a.body)
			})
			c := onCache(t)
			addrs := onAddrs(20)
			l := onFastLimits()
			// The provider's free-tier allowances, counted across runs.
			d := DefaultLimits(tt.src("").Name())
			l.Concurrency, l.PerDay, l.PerMonth = 1, d.PerDay, d.PerMonth
			src := []Online{{Source: tt.src(srv.URL), Limits: l}}
			_, st := RunOnline(context.Background(), addrs, src, c, OnlineOptions{})
			s := st[0]
			if h := srv.hits.Load(); h != tt.requests {
				t.Errorf("%d requests, want %d", h, tt.requests)
			}
			if tt.stopped == "" {
				if strings.Contains(s.Stopped, "quota") {
					t.Errorf("stopped %q: not a spent allowance", s.Stopped)
				}
				if tt.requests == 21 && (s.Succeeded != len(addrs) || s.State() != StateOK) {
					t.Errorf("status %+v, state %s: want every address answered", s, s.State())
				}
			} else {
				if s.Succeeded != answered || s.Failed != 0 || s.NotChecked != len(addrs)-answered {
					t.Errorf("status %+v, want %d answered, the rest not checked", s, answered)
				}
				if !strings.HasPrefix(s.Stopped, tt.stopped) || s.State() != StatePartial {
					t.Errorf("stopped %q, state %q; want %q, partial", s.Stopped, s.State(), tt.stopped)
				}
			}
			if s.Succeeded == len(addrs) {
				return
			}
			before := srv.hits.Load()
			_, st = RunOnline(context.Background(), addrs, src, c, OnlineOptions{})
			if sent := srv.hits.Load() - before; tt.remembered != (sent == 0) {
				t.Errorf("second run sent %d requests; remembered until the period ends: %v", sent, tt.remembered)
			}
			if tt.remembered && (st[0].FromCache != answered || !strings.HasPrefix(st[0].Stopped, tt.stopped)) {
				t.Errorf("second run %+v", st[0])
			}
		})
	}
}

// TestRunOnlineCountedQuota: our own count stops a source at its daily
// allowance, across runs; the next day continues in priority order.
func TestRunOnlineCountedQuota(t *testing.T) {
	srv := newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
		onJSON(w, 200, onProvider(t, "abuseipdb", "check-198.51.100.9.json"))
	})
	c := onCache(t)
	addrs := onAddrs(12)
	l := onFastLimits()
	// One worker: concurrent workers reach the last unit of an allowance
	// in the order they get there, which can put the sixth address before
	// the fifth (the -race build did, one run in two).
	l.Concurrency, l.PerDay = 1, 5
	src := []Online{{Source: &AbuseIPDBSource{BaseURL: srv.URL, Key: onSecret}, Limits: l}}
	day := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)
	run := func(now time.Time) Status {
		_, st := RunOnline(context.Background(), addrs, src, c, OnlineOptions{Now: func() time.Time { return now }})
		return st[0]
	}
	s := run(day)
	if s.LookedUp() != 5 || s.NotChecked != 7 || s.Stopped != "daily quota reached (5 of 5), resumes after 00:00 UTC" {
		t.Errorf("first run %+v", s)
	}
	for _, a := range addrs[:5] {
		if _, ok := c.Get("abuseipdb", a, time.Hour); !ok {
			t.Errorf("%s not answered: the first addresses go first", a)
		}
	}
	if s := run(day.Add(30 * time.Minute)); s.LookedUp() != 0 || s.FromCache != 5 {
		t.Errorf("same day again: %+v", s)
	}
	s = run(day.Add(2 * time.Hour))
	if s.LookedUp() != 5 || s.FromCache != 5 || s.NotChecked != 2 {
		t.Errorf("next day %+v", s)
	}
	if h := srv.hits.Load(); h != 10 {
		t.Errorf("%d requests, want 10 (5 a day)", h)
	}
}

// TestRunOnlineBudget: when the budget runs out, the addresses asked are
// the first ones in order, the rest are not checked, and the state is
// partial, never ok.
func TestRunOnlineBudget(t *testing.T) {
	srv := newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
		onJSON(w, 200, onProvider(t, "abuseipdb", "check-198.51.100.9.json"))
	})
	c := onCache(t)
	addrs := onAddrs(60)
	l := onFastLimits()
	l.Rate, l.Burst = 20, 1
	src := []Online{{Source: &AbuseIPDBSource{BaseURL: srv.URL, Key: onSecret}, Limits: l}}
	start := time.Now()
	_, st := RunOnline(context.Background(), addrs, src, c, OnlineOptions{Budget: 500 * time.Millisecond})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v with a 500ms budget", d)
	}
	s := st[0]
	if s.NotChecked == 0 || s.LookedUp() == 0 || s.LookedUp()+s.NotChecked != len(addrs) || s.State() != StatePartial {
		t.Fatalf("status %+v, state %s", s, s.State())
	}
	if s.Stopped != "time budget of 500ms ran out" {
		t.Errorf("stopped %q", s.Stopped)
	}
	// Answered addresses form a prefix of the order (give or take the
	// concurrent lookups abandoned at the deadline).
	answered := 0
	for _, a := range addrs {
		if _, ok := c.Get("abuseipdb", a, time.Hour); ok {
			answered++
		}
	}
	for _, a := range addrs[:answered-l.Concurrency] {
		if _, ok := c.Get("abuseipdb", a, time.Hour); !ok {
			t.Errorf("%s not answered though later ones were", a)
		}
	}
	// The next run continues: cached first, then the rest in order.
	_, st = RunOnline(context.Background(), addrs, src, c, OnlineOptions{Budget: 500 * time.Millisecond})
	if st[0].FromCache < s.LookedUp() || st[0].LookedUp() == 0 {
		t.Errorf("second run %+v, want the first run's answers from cache and more looked up", st[0])
	}
	if st[0].Accounting() == "" || !strings.Contains(st[0].Accounting(), "not checked") && st[0].NotChecked > 0 {
		t.Errorf("accounting %q", st[0].Accounting())
	}
}

// TestWhoisOnePerRange: WHOIS asks once per registered range, not once per
// address, in one run (concurrently) and across runs (from the cache).
func TestWhoisOnePerRange(t *testing.T) {
	// Each /26 is one registered range, inside the /24 the runner groups
	// addresses by when it knows no announced prefix: the addresses of a
	// /24 are asked about one at a time, each answer serving its /26.
	rir := newOnTCPFake(t, false, 5*time.Millisecond, func(q string) string {
		a, err := netip.ParseAddr(strings.TrimSpace(strings.TrimPrefix(q, "n + ")))
		if err != nil {
			return "% bad query\n"
		}
		p, _ := a.Prefix(26)
		r := fmt.Sprintf("%s - %s", p.Addr(), lastAddr(p))
		return fmt.Sprintf("inetnum:        %s\nnetname:        NET-%s\ncountry:        NL\nsource:         RIPE\n", r, p.Addr())
	})
	var addrs []netip.Addr
	for i := range 40 {
		addrs = append(addrs, netip.AddrFrom4([4]byte{198, 18, byte(i % 4), byte(1 + i*37%250)}))
	}
	ranges := map[netip.Prefix]bool{}
	for _, a := range addrs {
		p, _ := a.Prefix(26)
		ranges[p] = true
	}
	c := onCache(t)
	l := onFastLimits()
	l.Concurrency = 8
	src := []Online{{Source: &WhoisSource{Server: rir.addr(), Dialer: &net.Dialer{}}, Limits: l}}
	res, st := RunOnline(context.Background(), addrs, src, c, OnlineOptions{})
	if q := rir.queries.Load(); int(q) != len(ranges) {
		t.Errorf("%d WHOIS queries for %d addresses in %d ranges, want one per range", q, len(addrs), len(ranges))
	}
	if st[0].Succeeded != len(addrs) || st[0].LookedUp() != len(ranges) {
		t.Errorf("status %+v", st[0])
	}
	for _, a := range addrs {
		w := res[a].Whois
		if p, _ := a.Prefix(26); w == nil || w.Network != p || w.NetName != "NET-"+p.Addr().String() {
			t.Errorf("%s: whois %+v, want the range's record", a, w)
		}
	}
	more := []netip.Addr{netip.MustParseAddr("198.18.1.2"), netip.MustParseAddr("198.18.3.250")}
	before := rir.queries.Load()
	_, st = RunOnline(context.Background(), more, []Online{{Source: &WhoisSource{Server: rir.addr()}, Limits: l}}, c, OnlineOptions{})
	if rir.queries.Load() != before || st[0].FromCache != len(more) {
		t.Errorf("new addresses in known ranges: %d queries, status %+v; want none, from cache", rir.queries.Load()-before, st[0])
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	n |= 1<<(32-p.Bits()) - 1
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

func onAddrs(n int) []netip.Addr {
	out := make([]netip.Addr, n)
	for i := range out {
		out[i] = netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)})
	}
	return out
}

// TestRunOnlineStale: addresses with no cached answer are asked before
// those whose answer expired, and an expired answer not refreshed is still
// used, counted as such.
func TestRunOnlineStale(t *testing.T) {
	srv := newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
		onJSON(w, 200, onProvider(t, "abuseipdb", "check-198.51.100.9.json"))
	})
	c := onCache(t)
	addrs := onAddrs(6)
	l := onFastLimits()
	l.Concurrency, l.TTL, l.PerDay = 1, time.Hour, 4
	src := []Online{{Source: &AbuseIPDBSource{BaseURL: srv.URL, Key: onSecret}, Limits: l}}
	// The first two were answered two hours ago: stale.
	real := c.now
	c.now = func() time.Time { return real().Add(-2 * time.Hour) }
	for _, a := range addrs[:2] {
		c.Put("abuseipdb", a, Finding{Found: true, Verdict: &Verdict{Provider: "abuseipdb", Severity: SeverityHigh}})
	}
	c.now = real
	res, st := RunOnline(context.Background(), addrs, src, c, OnlineOptions{})
	s := st[0]
	if s.LookedUp() != 4 || s.NotChecked != 2 || s.Stale != 2 || !strings.Contains(s.Accounting(), "2 shown from an expired cache entry") {
		t.Errorf("status %+v (%s)", s, s.Accounting())
	}
	for _, a := range addrs[2:] {
		if _, ok := c.Get("abuseipdb", a, time.Minute); !ok {
			t.Errorf("%s (never asked) was not asked before the stale ones", a)
		}
	}
	for _, a := range addrs[:2] {
		if r := res[a]; r == nil || len(r.Threat) != 1 || r.Threat[0].Severity != SeverityHigh {
			t.Errorf("%s: %+v, want the expired answer shown", a, r)
		}
	}
}

// TestRepeatedRunsConverge: on free-tier-like settings (small allowances
// a day and a month, a budget that lets each run do only a few lookups),
// runs repeated over several days answer every address at every provider
// whose allowances suffice, and the first addresses in priority order at
// those whose monthly allowance runs out; no provider is ever sent more
// than its allowance of a day or a month, as the fakes count them.
func TestRepeatedRunsConverge(t *testing.T) {
	type provider struct {
		src              func(base string) Source
		ok               []byte
		perDay, perMonth int
	}
	providers := []provider{
		{func(b string) Source { return &AbuseIPDBSource{BaseURL: b, Key: onSecret} }, onProvider(t, "abuseipdb", "check-198.51.100.9.json"), 8, 0},
		{func(b string) Source { return &GreyNoiseSource{BaseURL: b} }, onProvider(t, "greynoise", "community-203.0.113.7.json"), 5, 0},
		{func(b string) Source { return &VirusTotalSource{BaseURL: b, Key: onSecret} }, onProvider(t, "virustotal", "ip-addresses-203.0.113.7.json"), 6, 20},
		{func(b string) Source { return &XForceSource{BaseURL: b, Key: "k", Password: onSecret} }, onProvider(t, "xforce", "ipr-203.0.113.7.json"), 0, 12},
	}
	addrs := onAddrs(30)
	start := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := start
	sent := map[string]int{} // "provider day/2006-01-02", "provider month/2006-01"
	c := onCache(t)
	var sources []Online
	for _, p := range providers {
		name := p.src("").Name()
		srv := newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			sent[name+" day/"+now.Format(time.DateOnly)]++
			sent[name+" month/"+now.Format("2006-01")]++
			mu.Unlock()
			onJSON(w, 200, p.ok)
		})
		l := onFastLimits()
		// A lookup every 20 ms or so within a 100 ms budget: each run
		// asks a few addresses, never all.
		l.Concurrency, l.Rate, l.Burst, l.PerDay, l.PerMonth = 1, 50, 1, p.perDay, p.perMonth
		sources = append(sources, Online{Source: p.src(srv.URL), Limits: l})
	}
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	overspent := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range providers {
			name := p.src("").Name()
			for k, n := range sent {
				switch {
				case !strings.HasPrefix(k, name+" "):
				case strings.Contains(k, " day/") && p.perDay > 0 && n > p.perDay,
					strings.Contains(k, " month/") && p.perMonth > 0 && n > p.perMonth:
					t.Fatalf("%s: %d requests, allowance %d a day, %d a month", k, n, p.perDay, p.perMonth)
				}
			}
		}
	}
	var last []Status
	runs := 0
	for day := 0; day < 10; day++ {
		mu.Lock()
		now = start.Add(time.Duration(day) * 24 * time.Hour)
		mu.Unlock()
		for range 20 {
			_, last = RunOnline(context.Background(), addrs, sources, c, OnlineOptions{Budget: 100 * time.Millisecond, Now: clock})
			runs++
			overspent()
			// Today is done once every source answered everything or
			// was stopped by an allowance.
			busy := false
			for _, s := range last {
				busy = busy || s.NotChecked > 0 && !strings.Contains(s.Stopped, "quota reached")
			}
			if !busy {
				break
			}
		}
	}
	for i, s := range last {
		p := providers[i]
		if p.perMonth == 0 || p.perMonth >= len(addrs) {
			if s.Succeeded != len(addrs) || s.State() != StateOK {
				t.Errorf("%s after %d runs: %+v, state %s; want every address answered", s.Source, runs, s, s.State())
			}
			continue
		}
		if want := fmt.Sprintf("monthly quota reached (%d of %d)", p.perMonth, p.perMonth); !strings.HasPrefix(s.Stopped, want) {
			t.Errorf("%s: stopped %q, want %q", s.Source, s.Stopped, want)
		}
		// A request in flight when a budget ran out was spent but its
		// answer abandoned: at most one a run.
		if s.Succeeded > p.perMonth || s.Succeeded < p.perMonth-runs || s.Succeeded == 0 {
			t.Errorf("%s: %d answered with an allowance of %d in %d runs", s.Source, s.Succeeded, p.perMonth, runs)
		}
		for _, a := range addrs[:s.Succeeded] {
			if _, ok := c.Get(s.Source, a, time.Hour); !ok {
				t.Errorf("%s: %s unanswered though later ones were: not in priority order", s.Source, a)
			}
		}
	}
	for _, s := range last {
		t.Logf("%s: %d answered, %s", s.Source, s.Succeeded, s.Stopped)
	}
	t.Logf("%d runs; requests %v", runs, sent)
}
