package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/report"
)

// loadConfig reads the config file named by --config (an error if it is
// missing) or, without the flag, the per-user one if it exists, then
// applies the environment's keys and endpoint overrides.
func loadConfig(path string, e *env) (enrich.Config, error) {
	var cfg enrich.Config
	if path != "" {
		c, err := enrich.LoadConfig(path)
		if err != nil {
			return cfg, err
		}
		cfg = c
	} else if p, err := enrich.DefaultConfigPath(); err == nil {
		if _, err := os.Stat(p); err == nil {
			c, err := enrich.LoadConfig(p)
			if err != nil {
				return cfg, err
			}
			cfg = c
		}
	}
	return cfg.ApplyEnv(e.getenv), nil
}

// feedConfigs adds the --feed flags (NAME=PATH or PATH) to the config's feeds.
func feedConfigs(cfg enrich.Config, flags []string) []enrich.FeedConfig {
	out := append([]enrich.FeedConfig(nil), cfg.Feeds...)
	for _, f := range flags {
		name, path, ok := strings.Cut(f, "=")
		if !ok {
			path = f
			name = strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		}
		out = append(out, enrich.FeedConfig{Name: name, Path: path})
	}
	return out
}

// onlinePlan is what a run will ask the network and which feeds it will
// apply, settled from the flags and the config file before any input is
// read, so that a mistake in either costs no reading.
type onlinePlan struct {
	cfg     enrich.Config
	sources []enrich.Online // bulk IP-to-ASN and WHOIS first, then threat intelligence
	ti      []string        // the threat-intelligence providers asked for
	feeds   []enrich.FeedConfig
}

// planOnline loads the config and builds the online sources the flags ask
// for. Its errors are the user's to fix: usage errors.
func planOnline(f *reportFlags, e *env) (*onlinePlan, error) {
	cfg, err := loadConfig(f.configPath, e)
	if err != nil {
		return nil, usagef("%v", err)
	}
	p := &onlinePlan{cfg: cfg, feeds: feedConfigs(cfg, f.feeds)}
	var names []string
	if f.whois {
		names = append(names, enrich.NameBulkASN, enrich.NameWhois)
	}
	if p.ti, err = cfg.ParseTI(f.ti); err != nil {
		return nil, usagef("--ti: %v", err)
	}
	if f.ti != "" && len(p.ti) == 0 {
		fmt.Fprintln(e.stderr, "honeyreport: --ti all-configured: no provider has a key; see docs/CONFIG.md")
	}
	names = append(names, p.ti...)
	if len(names) > 0 {
		if p.sources, err = cfg.Sources(names, &http.Client{}); err != nil {
			return nil, usagef("%v", err)
		}
	}
	return p, nil
}

// runOnline runs what the user opted into: WHOIS (bulk IP-to-ASN first),
// threat-intelligence providers and blocklist feeds, and stores the
// answers in profiles. It returns one Status per source and the names of the
// threat-intelligence sources that ran (for the report's section). Provider
// failures are statuses, not errors; errors are configuration mistakes,
// which "report" finds before reading (f.online) and "lookup" here.
func runOnline(ctx context.Context, f *reportFlags, e *env, addrs []netip.Addr, profiles *enrich.Profiles) ([]enrich.Status, []string, error) {
	plan := f.online
	if plan == nil {
		var err error
		if plan, err = planOnline(f, e); err != nil {
			return nil, nil, err
		}
	}
	if len(plan.sources) == 0 && len(plan.feeds) == 0 {
		// Nothing asked for: feeds in a config still apply on their own.
		return nil, nil, nil
	}
	// The sources and feeds fill in Profile values; the store takes them
	// back at the end.
	list := make([]*enrich.Profile, 0, profiles.Len())
	for _, a := range addrs {
		if p, ok := profiles.Lookup(a); ok {
			list = append(list, &p)
		}
	}
	defer func() {
		for _, p := range list {
			profiles.Set(*p)
		}
	}()
	var statuses []enrich.Status
	tiNames := append([]string(nil), plan.ti...)
	if srcs := plan.sources; len(srcs) > 0 {
		cache := openCache(f, plan.cfg, e)
		if cache != nil {
			defer cache.Close()
		}
		bar := newProviderProgress(e, f.quiet)
		res, sts := enrich.RunOnline(ctx, onlineAddrs(list), srcs, cache, enrich.OnlineOptions{Refresh: f.refresh, Progress: bar.update})
		bar.done()
		if cache != nil {
			// Older than any provider's TTL, answers are never used again.
			if _, err := cache.Prune(cacheMaxAge); err != nil {
				fmt.Fprintf(e.stderr, "honeyreport: %v\n", err)
			}
		}
		res.Apply(list)
		statuses = append(statuses, sts...)
	}

	if len(plan.feeds) > 0 {
		feeds, err := enrich.LoadFeeds(plan.feeds)
		if err != nil {
			// The good feeds still apply; the report says which failed.
			fmt.Fprintf(e.stderr, "honeyreport: %v\n", err)
		}
		feeds.Apply(list)
		for _, fd := range feeds.List() {
			statuses = append(statuses, enrich.Status{Source: "feed:" + fd.Name, Queried: len(list), Succeeded: len(list)})
			tiNames = append(tiNames, "feed:"+fd.Name)
		}
	}
	return statuses, tiNames, nil
}

// threatOutcome says on stderr when threat intelligence is incomplete (a
// provider failed or was interrupted), since "flagged 0 IPs" would
// otherwise pass for an all clear. When every requested provider failed,
// it is the run's error instead: exit status 3, the outputs written.
func threatOutcome(rep *report.Report, e *env) error {
	t := rep.Threat
	if t.Incomplete == "" {
		return nil
	}
	msg := "threat intelligence: " + printable(t.Incomplete)
	if t.AllFailed {
		return &exitError{code: exitTIFailed, err: errors.New(msg)}
	}
	fmt.Fprintln(e.stderr, "honeyreport: "+msg)
	return nil
}

// onlineAddrs keeps the addresses worth asking the internet about: public
// ones. Private, reserved and documentation addresses have no WHOIS or
// reputation, and asking would leak them.
func onlineAddrs(list []*enrich.Profile) []netip.Addr {
	var out []netip.Addr
	for _, p := range list {
		if p.Class == enrich.ClassPublic || p.Class == "" {
			out = append(out, p.Addr)
		}
	}
	return out
}

// cacheMaxAge is when cached answers are deleted: past every provider's
// default TTL (WHOIS, the longest, is 30 days) with room for longer ones set
// in the config.
const cacheMaxAge = 180 * 24 * time.Hour

func cacheDir(f *reportFlags, cfg enrich.Config) string {
	if f.cacheDir != "" {
		return f.cacheDir
	}
	if cfg.CacheDir != "" {
		return cfg.CacheDir
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "honeyreport")
	}
	return ""
}

// openCache opens the on-disk cache, or returns nil (no caching) with a
// note on stderr when it cannot: a locked or broken cache must not stop
// the report.
func openCache(f *reportFlags, cfg enrich.Config, e *env) *enrich.Cache {
	dir := cacheDir(f, cfg)
	if dir == "" {
		fmt.Fprintln(e.stderr, "honeyreport: no cache directory; online answers will not be cached (set --cache-dir)")
		return nil
	}
	c, err := enrich.OpenCache(dir, 5*time.Second)
	if err != nil {
		var damaged *enrich.CacheDamagedError
		if errors.Is(err, enrich.ErrCacheLocked) || errors.As(err, &damaged) {
			fmt.Fprintf(e.stderr, "honeyreport: %v; running without the cache\n", printable(err.Error()))
		} else {
			fmt.Fprintf(e.stderr, "honeyreport: open cache: %v; running without it\n", err)
		}
		return nil
	}
	return c
}

// providerProgress draws one line per online source on a terminal:
// "otx  120/250  48%  eta 3s".
type providerProgress struct {
	e     *env
	on    bool
	mu    sync.Mutex
	start time.Time
	state map[string][2]int
	last  time.Time
	lines int
}

func newProviderProgress(e *env, quiet bool) *providerProgress {
	return &providerProgress{e: e, on: !quiet && e.stderrTTY, start: time.Now(), state: map[string][2]int{}}
}

func (p *providerProgress) update(source string, done, total int) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state[source] = [2]int{done, total}
	if time.Since(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *providerProgress) draw() {
	names := make([]string, 0, len(p.state))
	for n := range p.state {
		names = append(names, n)
	}
	sort.Strings(names)
	if p.lines > 0 {
		fmt.Fprintf(p.e.stderr, "\033[%dA", p.lines)
	}
	elapsed := time.Since(p.start)
	for _, n := range names {
		s := p.state[n]
		done, total := s[0], max(s[1], 1)
		width := 30
		filled := done * width / total
		eta := ""
		if done > 0 && done < total {
			eta = "eta " + (time.Duration(float64(elapsed) / float64(done) * float64(total-done))).Round(time.Second).String()
		}
		fmt.Fprintf(p.e.stderr, "\r\033[K%-11s [%s%s] %d/%d %s\n", n, strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, s[1], eta)
	}
	p.lines = len(names)
}

func (p *providerProgress) done() {
	if !p.on || p.lines == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.e.stderr, "\033[%dA", p.lines)
	for range p.lines {
		fmt.Fprint(p.e.stderr, "\r\033[K\n")
	}
	fmt.Fprintf(p.e.stderr, "\033[%dA", p.lines)
}
