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

// enrichAddrs builds the profiles of addrs with what the user opted into
// besides the offline data: WHOIS (bulk IP-to-ASN first), threat-intelligence
// providers and blocklist feeds; and of offlineOnly from the offline data
// alone (see enrich.Plan). Provider failures are statuses, not
// errors; errors are configuration mistakes, which "report" finds before
// reading (f.online) and "lookup" here.
func enrichAddrs(ctx context.Context, f *reportFlags, e *env, offline *enrich.Offline, addrs, offlineOnly []netip.Addr) (enrich.Enrichment, error) {
	plan := f.online
	if plan == nil {
		var err error
		if plan, err = planOnline(f, e); err != nil {
			return enrich.Enrichment{}, err
		}
	}
	var cache *enrich.Cache
	if len(plan.sources) > 0 {
		if cache = openCache(f, plan.cfg, e); cache != nil {
			defer cache.Close()
		}
	}
	bar := newProviderProgress(e, f.quiet)
	en := enrich.Run(ctx, addrs, enrich.Plan{
		Offline: offline, OfflineOnly: offlineOnly, Online: plan.sources, ThreatIntel: plan.ti, Feeds: plan.feeds,
		Cache: cache, Refresh: f.refresh, Progress: bar.update, Budget: onlineBudget(f, plan.cfg),
	})
	bar.done()
	if cache != nil {
		// Older than any provider's TTL, answers are never used again.
		if _, err := cache.Prune(cacheMaxAge); err != nil {
			fmt.Fprintf(e.stderr, "honeyreport: %v\n", err)
		}
	}
	if en.FeedErr != nil {
		// The good feeds still apply; the report says which failed.
		fmt.Fprintf(e.stderr, "honeyreport: %v\n", en.FeedErr)
	}
	return en, nil
}

// openOffline opens the embedded data and every user database: --geoip-db
// flags, then $HONEYREPORT_GEOIP_DB, then the usual system folders.
func openOffline(f *reportFlags, e *env) (*enrich.Offline, func(), error) {
	emb, err := enrich.OpenEmbedded()
	if err != nil {
		return nil, nil, fmt.Errorf("load embedded geolocation data: %w", err)
	}
	paths := append([]string(nil), f.geoipDBs...)
	for _, p := range filepath.SplitList(e.getenv("HONEYREPORT_GEOIP_DB")) {
		if p != "" {
			paths = append(paths, p)
		}
	}
	if !f.noSystemGeoIP {
		found, _ := enrich.Locate("/usr/share/GeoIP", "/var/lib/GeoIP")
		paths = append(paths, found...)
	}
	var dbs []*enrich.Database
	closeAll := func() {
		for _, db := range dbs {
			db.Close()
		}
	}
	seen := map[string]bool{}
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			if seen[abs] {
				continue
			}
			seen[abs] = true
		}
		db, err := enrich.OpenDatabase(p)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		dbs = append(dbs, db)
	}
	return enrich.NewOffline(emb, dbs...), closeAll, nil
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

// defaultOnlineBudget bounds the online lookups when neither
// --online-budget nor the config's online_budget says otherwise.
const defaultOnlineBudget = 2 * time.Minute

func onlineBudget(f *reportFlags, cfg enrich.Config) time.Duration {
	switch {
	case f.onlineBudget > 0:
		return f.onlineBudget
	case cfg.OnlineBudget > 0:
		return cfg.OnlineBudget
	}
	return defaultOnlineBudget
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
