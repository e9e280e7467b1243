package enrich

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

const onSecret = "s3cr3t-KEY-0123456789abcdef"

var (
	onBad   = netip.MustParseAddr("203.0.113.7")
	onClean = netip.MustParseAddr("198.51.100.9")
)

// onProvider reads a recorded provider answer from testdata/providers.
func onProvider(t testing.TB, provider, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "providers", provider, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// onFake is an httptest server counting hits; handle answers each request.
type onFake struct {
	*httptest.Server
	hits atomic.Int64
}

func newOnFake(t testing.TB, handle http.HandlerFunc) *onFake {
	f := &onFake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		handle(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func onJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// onCache opens a cache in a temporary directory for the test.
func onCache(t testing.TB) *Cache {
	t.Helper()
	c, err := OpenCache(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// onFastLimits keep tests quick: short timeouts and backoff.
func onFastLimits() Limits {
	return Limits{Concurrency: 4, Timeout: 2 * time.Second, Retry: RetryPolicy{Retries: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxRetryAfter: 3 * time.Second}}
}

// TestProviders runs each provider against a fake server answering with
// the provider's documented wire format, checking the request shape (path,
// auth header) and the mapping to a Verdict.
func TestProviders(t *testing.T) {
	tests := []struct {
		name    string
		src     func(base string) Source
		handler http.HandlerFunc
		addr    netip.Addr
		want    *Verdict // nil: not found
	}{
		{
			name: "otx",
			src:  func(b string) Source { return &OTXSource{BaseURL: b, Key: onSecret} },
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-OTX-API-KEY") != onSecret || r.URL.Path != "/api/v1/indicators/IPv4/203.0.113.7/general" {
					onJSON(w, 400, []byte(`{"detail":"bad request"}`))
					return
				}
				onJSON(w, 200, onProvider(t, "otx", "ipv4-general-203.0.113.7.json"))
			},
			addr: onBad,
			want: &Verdict{Provider: "otx", Severity: SeverityHigh, Score: 3, Categories: []string{"scanner", "ssh", "bruteforce", "mirai"}, Reference: "https://otx.alienvault.com/indicator/ip/203.0.113.7"},
		},
		{
			name: "otx no pulses",
			src:  func(b string) Source { return &OTXSource{BaseURL: b, Key: onSecret} },
			handler: func(w http.ResponseWriter, r *http.Request) {
				onJSON(w, 200, onProvider(t, "otx", "ipv4-general-198.51.100.9.json"))
			},
			addr: onClean,
			want: &Verdict{Provider: "otx", Severity: SeverityNone, Reference: "https://otx.alienvault.com/indicator/ip/198.51.100.9"},
		},
		{
			name: "abuseipdb",
			src:  func(b string) Source { return &AbuseIPDBSource{BaseURL: b, Key: onSecret} },
			handler: func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				if r.Header.Get("Key") != onSecret || r.Header.Get("Accept") != "application/json" || r.URL.Path != "/api/v2/check" ||
					q.Get("ipAddress") != "203.0.113.7" || q.Get("maxAgeInDays") != "90" || !q.Has("verbose") || q.Has("key") {
					onJSON(w, 422, []byte(`{"errors":[{"detail":"bad request","status":422}]}`))
					return
				}
				onJSON(w, 200, onProvider(t, "abuseipdb", "check-203.0.113.7.json"))
			},
			addr: onBad,
			want: &Verdict{Provider: "abuseipdb", Severity: SeverityHigh, Score: 100, Categories: []string{"Brute-Force", "Port Scan", "SSH"}, Reference: "https://www.abuseipdb.com/check/203.0.113.7"},
		},
		{
			name: "abuseipdb clean",
			src:  func(b string) Source { return &AbuseIPDBSource{BaseURL: b, Key: onSecret} },
			handler: func(w http.ResponseWriter, r *http.Request) {
				onJSON(w, 200, onProvider(t, "abuseipdb", "check-198.51.100.9.json"))
			},
			addr: onClean,
			want: &Verdict{Provider: "abuseipdb", Severity: SeverityNone, Reference: "https://www.abuseipdb.com/check/198.51.100.9"},
		},
		{
			name: "greynoise without key",
			src:  func(b string) Source { return &GreyNoiseSource{BaseURL: b} },
			handler: func(w http.ResponseWriter, r *http.Request) {
				if _, ok := r.Header["Key"]; ok || r.URL.Path != "/v3/community/203.0.113.7" {
					onJSON(w, 400, []byte(`{"message":"bad request"}`))
					return
				}
				onJSON(w, 200, onProvider(t, "greynoise", "community-203.0.113.7.json"))
			},
			addr: onBad,
			want: &Verdict{Provider: "greynoise", Severity: SeverityHigh, Categories: []string{"malicious", "noise"}, Reference: "https://viz.greynoise.io/ip/203.0.113.7"},
		},
		{
			name: "greynoise riot",
			src:  func(b string) Source { return &GreyNoiseSource{BaseURL: b, Key: onSecret} },
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("key") != onSecret {
					onJSON(w, 401, []byte(`{"message":"unauthorized"}`))
					return
				}
				onJSON(w, 200, onProvider(t, "greynoise", "community-192.0.2.53.json"))
			},
			addr: netip.MustParseAddr("192.0.2.53"),
			want: &Verdict{Provider: "greynoise", Severity: SeverityNone, Categories: []string{"benign", "riot", "Example Public DNS"}, Reference: "https://viz.greynoise.io/ip/192.0.2.53"},
		},
		{
			name: "greynoise not observed (404)",
			src:  func(b string) Source { return &GreyNoiseSource{BaseURL: b} },
			handler: func(w http.ResponseWriter, r *http.Request) {
				onJSON(w, 404, onProvider(t, "greynoise", "community-198.51.100.9.json"))
			},
			addr: onClean,
		},
		{
			name: "virustotal",
			src:  func(b string) Source { return &VirusTotalSource{BaseURL: b, Key: onSecret} },
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("x-apikey") != onSecret || r.URL.Path != "/api/v3/ip_addresses/203.0.113.7" {
					onJSON(w, 401, onProvider(t, "virustotal", "error-401.json"))
					return
				}
				onJSON(w, 200, onProvider(t, "virustotal", "ip-addresses-203.0.113.7.json"))
			},
			addr: onBad,
			want: &Verdict{Provider: "virustotal", Severity: SeverityHigh, Score: 4, Categories: []string{"malicious", "malware", "phishing", "suspicious"}, Reference: "https://www.virustotal.com/gui/ip-address/203.0.113.7"},
		},
		{
			name: "virustotal not found",
			src:  func(b string) Source { return &VirusTotalSource{BaseURL: b, Key: onSecret} },
			handler: func(w http.ResponseWriter, r *http.Request) {
				onJSON(w, 404, onProvider(t, "virustotal", "error-404.json"))
			},
			addr: onClean,
		},
		{
			name: "xforce",
			src:  func(b string) Source { return &XForceSource{BaseURL: b, Key: "k", Password: onSecret} },
			handler: func(w http.ResponseWriter, r *http.Request) {
				u, p, ok := r.BasicAuth()
				if !ok || u != "k" || p != onSecret || r.URL.Path != "/ipr/203.0.113.7" {
					onJSON(w, 401, []byte(`{"error":"Not authorized."}`))
					return
				}
				onJSON(w, 200, onProvider(t, "xforce", "ipr-203.0.113.7.json"))
			},
			addr: onBad,
			want: &Verdict{Provider: "xforce", Severity: SeverityHigh, Score: 7.1, Categories: []string{"Scanning IPs", "Botnet Command and Control Server"}, Reference: "https://exchange.xforce.ibmcloud.com/ip/203.0.113.7"},
		},
		{
			name: "xforce not found",
			src:  func(b string) Source { return &XForceSource{BaseURL: b, Key: "k", Password: onSecret} },
			handler: func(w http.ResponseWriter, r *http.Request) {
				onJSON(w, 404, onProvider(t, "xforce", "error-404.json"))
			},
			addr: onClean,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newOnFake(t, tt.handler)
			f, err := tt.src(srv.URL).Lookup(context.Background(), tt.addr)
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if tt.want == nil {
				if f.Found {
					t.Fatalf("Found = true, want a not-found answer: %+v", f.Verdict)
				}
				return
			}
			if !f.Found || f.Verdict == nil {
				t.Fatalf("got not found, want %+v", tt.want)
			}
			got := *f.Verdict
			if len(got.Raw) == 0 {
				t.Error("Raw answer not kept")
			}
			got.Raw = nil
			if got.Provider != tt.want.Provider || got.Severity != tt.want.Severity || got.Score != tt.want.Score ||
				got.Reference != tt.want.Reference || !slices.Equal(got.Categories, tt.want.Categories) {
				t.Errorf("verdict\n got %+v\nwant %+v", got, *tt.want)
			}
		})
	}
}

// TestRunOnlineCache: a second identical run answers everything from the
// cache and makes zero network calls; Refresh goes back to the network.
func TestRunOnlineCache(t *testing.T) {
	srv := newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.RawQuery, "203.0.113.7") {
			onJSON(w, 200, onProvider(t, "abuseipdb", "check-203.0.113.7.json"))
			return
		}
		onJSON(w, 200, onProvider(t, "abuseipdb", "check-198.51.100.9.json"))
	})
	gn := newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
		onJSON(w, 404, onProvider(t, "greynoise", "community-198.51.100.9.json"))
	})
	dir := t.TempDir()
	sources := []Online{
		{Source: &AbuseIPDBSource{BaseURL: srv.URL, Key: onSecret}, Limits: onFastLimits()},
		{Source: &GreyNoiseSource{BaseURL: gn.URL}, Limits: onFastLimits()},
	}
	addrs := []netip.Addr{onBad, onClean, onBad}
	run := func(refresh bool) (Results, []Status, int) {
		c, err := OpenCache(dir, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		calls := 0
		res, st := RunOnline(context.Background(), addrs, sources, c, OnlineOptions{Refresh: refresh, Progress: func(string, int, int) { calls++ }})
		return res, st, calls
	}

	res, st, calls := run(false)
	if srv.hits.Load() != 2 || gn.hits.Load() != 2 {
		t.Fatalf("cold run: %d + %d hits, want 2 + 2 (duplicates asked once)", srv.hits.Load(), gn.hits.Load())
	}
	if calls != 4 {
		t.Errorf("progress called %d times, want 4", calls)
	}
	if st[0].Queried != 2 || st[0].Succeeded != 2 || st[0].FromCache != 0 || st[0].Err != "" {
		t.Errorf("cold status %+v", st[0])
	}
	if v := res[onBad].Threat; len(v) != 1 || v[0].Severity != SeverityHigh {
		t.Errorf("cold verdicts for %s: %+v", onBad, v)
	}

	res2, st2, _ := run(false)
	if srv.hits.Load() != 2 || gn.hits.Load() != 2 {
		t.Fatalf("warm run made network calls: %d + %d hits, want 2 + 2", srv.hits.Load(), gn.hits.Load())
	}
	if st2[0].FromCache != 2 || st2[1].FromCache != 2 {
		t.Errorf("warm statuses %+v", st2)
	}
	if v := res2[onBad].Threat; len(v) != 1 || v[0].Severity != SeverityHigh || v[0].Score != 100 || len(v[0].Raw) == 0 {
		t.Errorf("warm verdicts differ: %+v", v)
	}
	if _, ok := res2[onClean]; !ok {
		t.Errorf("clean verdict (severity none) missing from warm results")
	}

	run(true)
	if srv.hits.Load() != 4 {
		t.Errorf("refresh run: %d hits, want 4", srv.hits.Load())
	}
}

// TestRunOnlineFailures: every way a provider fails is recorded in its
// Status, never aborts the run, and never shows the key.
func TestRunOnlineFailures(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		limits  func(Limits) Limits
		wantErr string
		// maxHits bounds the requests a failing provider gets: before
		// TripAfter (3) consecutive failures stop it, each of the 4
		// workers may have one more in flight, each with its retries.
		maxHits   int64
		succeeded int
	}{
		{
			name: "auth failure stops at once",
			handler: func(w http.ResponseWriter, r *http.Request) {
				onJSON(w, 401, onProvider(t, "abuseipdb", "error-401.json"))
			},
			wantErr: "authentication failed: check the API key",
			maxHits: 4, // the in-flight workers, then no more
		},
		{
			name: "server error retried then tripped",
			handler: func(w http.ResponseWriter, r *http.Request) {
				onJSON(w, 503, []byte(`{"errors":[{"detail":"maintenance `+r.Header.Get("Key")+`","status":503}]}`))
			},
			wantErr: "HTTP 503: maintenance ***",
			maxHits: 3 * 6,
		},
		{
			name: "timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
			},
			limits:  func(l Limits) Limits { l.Timeout = 50 * time.Millisecond; return l },
			wantErr: "timeout",
			maxHits: 6, // TripAfter-1 + Concurrency: at most two rounds of timeouts
		},
		{
			name:    "garbage",
			handler: func(w http.ResponseWriter, r *http.Request) { onJSON(w, 200, []byte("<html>oops</html>")) },
			wantErr: "bad answer from abuseipdb",
			maxHits: 3 * 6,
		},
		{
			name: "truncated body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				b := onProvider(t, "abuseipdb", "check-203.0.113.7.json")
				w.Header().Set("Content-Length", "5000")
				w.WriteHeader(200)
				w.Write(b[:100])
			},
			wantErr: "unexpected EOF",
			maxHits: 3 * 6,
		},
	}
	addrs := make([]netip.Addr, 20)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newOnFake(t, tt.handler)
			l := onFastLimits()
			if tt.limits != nil {
				l = tt.limits(l)
			}
			start := time.Now()
			_, st := RunOnline(context.Background(), addrs, []Online{{Source: &AbuseIPDBSource{BaseURL: srv.URL, Key: onSecret}, Limits: l}}, nil, OnlineOptions{})
			s := st[0]
			if s.Failed != len(addrs) || s.Succeeded != tt.succeeded || s.Queried != len(addrs) {
				t.Errorf("status %+v, want all %d failed", s, len(addrs))
			}
			if !strings.Contains(s.Err, tt.wantErr) {
				t.Errorf("Err = %q, want it to contain %q", s.Err, tt.wantErr)
			}
			if strings.Contains(s.Err, onSecret) {
				t.Errorf("Err contains the API key: %q", s.Err)
			}
			if h := srv.hits.Load(); h > tt.maxHits {
				t.Errorf("%d requests after the provider failed, want at most %d", h, tt.maxHits)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("failing provider took %v", d)
			}
		})
	}
}

// TestRunOnlineRetryAfter: a 429 with Retry-After is waited out and the
// lookup then succeeds.
func TestRunOnlineRetryAfter(t *testing.T) {
	var n atomic.Int64
	srv := newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			onJSON(w, 429, onProvider(t, "virustotal", "error-429.json"))
			return
		}
		onJSON(w, 200, onProvider(t, "virustotal", "ip-addresses-203.0.113.7.json"))
	})
	l := onFastLimits()
	l.Concurrency = 1
	start := time.Now()
	res, st := RunOnline(context.Background(), []netip.Addr{onBad}, []Online{{Source: &VirusTotalSource{BaseURL: srv.URL, Key: onSecret}, Limits: l}}, nil, OnlineOptions{})
	if st[0].Succeeded != 1 || st[0].Failed != 0 {
		t.Fatalf("status %+v", st[0])
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v, before Retry-After: 1", d)
	}
	if len(res[onBad].Threat) != 1 {
		t.Errorf("no verdict after retry")
	}
}

// TestRunOnlineCancel: cancelling keeps what was answered (and cached).
func TestRunOnlineCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	srv := newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 3 {
			cancel()
			<-r.Context().Done()
			return
		}
		onJSON(w, 200, onProvider(t, "abuseipdb", "check-198.51.100.9.json"))
	})
	c := onCache(t)
	addrs := make([]netip.Addr, 50)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)})
	}
	l := onFastLimits()
	l.Concurrency = 1
	res, st := RunOnline(ctx, addrs, []Online{{Source: &AbuseIPDBSource{BaseURL: srv.URL, Key: onSecret}, Limits: l}}, c, OnlineOptions{})
	if len(res) != 3 || st[0].Succeeded != 3 || st[0].Failed != 0 {
		t.Errorf("after cancel: %d results, status %+v; want 3 kept, none failed", len(res), st[0])
	}
	if st[0].Stopped != "interrupted" || st[0].NotChecked != len(addrs)-3 {
		t.Errorf("Stopped %q, not checked %d; want interrupted, %d", st[0].Stopped, st[0].NotChecked, len(addrs)-3)
	}
	if !st[0].Interrupted || st[0].State() != StateInterrupted {
		t.Errorf("state %q, want %q: an interrupted source is never ok", st[0].State(), StateInterrupted)
	}
	if _, ok := c.Get("abuseipdb", addrs[0], time.Hour); !ok {
		t.Error("answer before the cancel not cached")
	}
}

// TestRunOnlineRateLimit: the token bucket spaces requests.
func TestRunOnlineRateLimit(t *testing.T) {
	srv := newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
		onJSON(w, 200, onProvider(t, "abuseipdb", "check-198.51.100.9.json"))
	})
	l := onFastLimits()
	l.Rate, l.Burst = 50, 1
	addrs := make([]netip.Addr, 11)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)})
	}
	start := time.Now()
	RunOnline(context.Background(), addrs, []Online{{Source: &AbuseIPDBSource{BaseURL: srv.URL, Key: onSecret}, Limits: l}}, nil, OnlineOptions{})
	if d := time.Since(start); d < 180*time.Millisecond {
		t.Errorf("11 requests at 50/s burst 1 took %v, want >= 200ms", d)
	}
}

func TestResultsApply(t *testing.T) {
	p := &Profile{Addr: onBad, Threat: []Verdict{{Provider: "feed:x"}}}
	r := Results{onBad: {
		Whois:  &Whois{Org: "Example"},
		ASN:    &ASN{Number: 64500, Org: "EXAMPLE", Network: netip.MustParsePrefix("203.0.113.0/24")},
		Threat: []Verdict{{Provider: "abuseipdb", Severity: SeverityHigh}},
	}}
	r.Apply([]*Profile{p, nil})
	if p.ASN.Number != 64500 || p.Whois == nil || p.Whois.OriginAS != 64500 || len(p.Threat) != 2 || p.Threat[0].Provider != "abuseipdb" {
		t.Errorf("applied profile %+v", p)
	}
	if p.Severity() != SeverityHigh {
		t.Errorf("Severity = %q", p.Severity())
	}
}

// TestProvidersBadAnswers: an answer that is not the provider's documented
// shape is a failure, never a "not found" that the cache would keep.
func TestProvidersBadAnswers(t *testing.T) {
	otx := func(b string) Source { return &OTXSource{BaseURL: b, Key: onSecret} }
	vt := func(b string) Source { return &VirusTotalSource{BaseURL: b, Key: onSecret} }
	gn := func(b string) Source { return &GreyNoiseSource{BaseURL: b} }
	xf := func(b string) Source { return &XForceSource{BaseURL: b, Key: "k", Password: onSecret} }
	ab := func(b string) Source { return &AbuseIPDBSource{BaseURL: b, Key: onSecret} }
	tests := []struct {
		name   string
		src    func(string) Source
		status int
		body   string
	}{
		{"otx empty object", otx, 200, `{}`},
		{"otx 404 html", otx, 404, `<html><body>Not Found</body></html>`},
		{"virustotal 404 html", vt, 404, `<html>nginx</html>`},
		{"virustotal 404 other error", vt, 404, `{"error":{"code":"WrongPathError","message":"no such route"}}`},
		{"virustotal empty object", vt, 200, `{}`},
		{"greynoise no ip", gn, 200, `{"message":"Success"}`},
		{"greynoise 404 text", gn, 404, `not found`},
		{"xforce empty object", xf, 200, `{}`},
		{"xforce 404 empty", xf, 404, ``},
		{"abuseipdb array", ab, 200, `[]`},
		{"truncated json", ab, 200, `{"data":{"ipAddress":"203.0.113.7"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newOnFake(t, func(w http.ResponseWriter, r *http.Request) { onJSON(w, tt.status, []byte(tt.body)) })
			f, err := tt.src(srv.URL).Lookup(context.Background(), onBad)
			if err == nil {
				t.Fatalf("Lookup = %+v, nil; want an error", f)
			}
			var bad *badAnswerError
			if !errors.As(err, &bad) {
				t.Errorf("err = %v (%T), want a bad answer", err, err)
			}
		})
	}
}

// TestCacheKeepsNoSecrets: providers that echo their request (headers in
// the answer, some \u-escaped, a digits-only key as a number, the
// Authorization header in an error message) leave no API key, password or
// X-Force basic-auth string in the cache file or the results.
func TestCacheKeepsNoSecrets(t *testing.T) {
	const numericKey = "31415926535897932"
	basic := base64.StdEncoding.EncodeToString([]byte("xf-user-0042:" + onSecret))
	echo := func(r *http.Request) string {
		h, _ := json.Marshal(r.Header)
		// The first character of each header value \u-escaped: what a
		// byte search for the key would miss.
		var esc strings.Builder
		for _, vs := range r.Header {
			for _, v := range vs {
				fmt.Fprintf(&esc, `\u%04x%s `, v[0], v[1:])
			}
		}
		return fmt.Sprintf(`"headers":%s,"escaped":"%s","auth":%q`, h, esc.String(), r.Header.Get("Authorization"))
	}
	var n atomic.Int64
	srv := newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
		e := echo(r)
		path := r.URL.Path
		switch {
		case strings.HasPrefix(path, "/api/v1/indicators/"):
			onJSON(w, 200, []byte(`{"pulse_info":{"count":1,"pulses":[{"name":"p","tags":[`+strconv.Quote(r.Header.Get("X-Otx-Api-Key"))+`]}]},`+e+`}`))
		case path == "/api/v2/check":
			onJSON(w, 200, []byte(`{"data":{"ipAddress":"203.0.113.7","abuseConfidenceScore":90,"usageType":`+strconv.Quote(r.Header.Get("Key"))+`,"echo":`+r.Header.Get("Key")+`},`+e+`}`))
		case strings.HasPrefix(path, "/v3/community/"):
			onJSON(w, 404, []byte(`{"ip":"203.0.113.7","noise":false,"riot":false,"message":"not seen",`+e+`}`))
		case strings.HasPrefix(path, "/api/v3/ip_addresses/"):
			onJSON(w, 200, []byte(`{"data":{"attributes":{"last_analysis_stats":{"malicious":3},"last_analysis_results":{"x":{"category":"malicious","result":`+strconv.Quote(r.Header.Get("X-Apikey"))+`}}}},`+e+`}`))
		case strings.HasPrefix(path, "/ipr/"):
			if n.Add(1) == 1 {
				// An error message quoting the Authorization header.
				onJSON(w, 400, []byte(`{"error":"bad header `+r.Header.Get("Authorization")+`"}`))
				return
			}
			onJSON(w, 200, []byte(`{"ip":"203.0.113.7","score":7,"cats":{`+strconv.Quote(r.Header.Get("Authorization"))+`:90},`+e+`}`))
		}
	})
	sources := []Online{
		{Source: &OTXSource{BaseURL: srv.URL, Key: onSecret + "-otx"}, Limits: onFastLimits()},
		{Source: &AbuseIPDBSource{BaseURL: srv.URL, Key: numericKey}, Limits: onFastLimits()},
		{Source: &GreyNoiseSource{BaseURL: srv.URL, Key: onSecret + "-gn"}, Limits: onFastLimits()},
		{Source: &VirusTotalSource{BaseURL: srv.URL, Key: onSecret + "-vt"}, Limits: onFastLimits()},
		{Source: &XForceSource{BaseURL: srv.URL, Key: "xf-user-0042", Password: onSecret}, Limits: onFastLimits()},
	}
	dir := t.TempDir()
	c, err := OpenCache(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	addrs := []netip.Addr{onBad, onClean}
	res, st := RunOnline(context.Background(), addrs, sources, c, OnlineOptions{})
	c.Close()
	for _, s := range st {
		if s.Source != "xforce" && s.Failed > 0 {
			t.Errorf("%s failed: %s", s.Source, s.Err)
		}
		if strings.Contains(s.Err, onSecret) || strings.Contains(s.Err, basic) {
			t.Errorf("%s status shows a secret: %s", s.Source, s.Err)
		}
	}
	var verdicts []Verdict
	for _, r := range res {
		verdicts = append(verdicts, r.Threat...)
	}
	if len(verdicts) != 7 {
		t.Fatalf("%d verdicts, want 7: the echoing providers' answers kept, one X-Force error", len(verdicts))
	}
	file, err := os.ReadFile(filepath.Join(dir, CacheFile))
	if err != nil {
		t.Fatal(err)
	}
	// Entries keep the raw answer base64-encoded: search them decoded too.
	var decoded []byte
	c, err = OpenCache(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if string(name) == string(quotaBucket) {
				return nil
			}
			return b.ForEach(func(_, v []byte) error {
				var e cacheEntry
				if err := json.Unmarshal(v, &e); err != nil {
					t.Errorf("entry %s: %v", v, err)
				}
				decoded = append(append(decoded, v...), e.Raw...)
				return nil
			})
		})
	})
	c.Close()
	secrets := []string{onSecret, onSecret[1:], numericKey, basic, basic[1:], "xf-user-0042"}
	for _, s := range secrets {
		if bytes.Contains(file, []byte(s)) || bytes.Contains(decoded, []byte(s)) {
			t.Errorf("the cache file holds %q", s)
		}
		for _, v := range verdicts {
			if bytes.Contains(v.Raw, []byte(s)) || strings.Contains(strings.Join(v.Categories, " "), s) {
				t.Errorf("%s verdict holds %q", v.Provider, s)
			}
		}
	}
	if !bytes.Contains(decoded, []byte("***")) {
		t.Error("no redaction marker in the cache: did the fakes echo anything?")
	}
}

// TestRunOnlineDeadProviderSkipsRate: a VirusTotal that refuses
// connections or answers 500, at its real 4-a-minute rate, gives up after
// its breaker without waiting for rate tokens (which would cost 2 minutes
// for 20 addresses), and asks no more than the breaker allows.
func TestRunOnlineDeadProviderSkipsRate(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	failing := newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
		onJSON(w, 500, []byte(`{"error":{"code":"InternalError","message":"oops"}}`))
	})
	addrs := make([]netip.Addr, 20)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)})
	}
	for _, tt := range []struct{ name, url, wantErr string }{
		{"connection refused", refused, "connection refused"},
		{"HTTP 500", failing.URL, "HTTP 500"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := DefaultLimits("virustotal")
			l.Retry.BaseDelay, l.Retry.MaxDelay = 10*time.Millisecond, 20*time.Millisecond
			start := time.Now()
			_, st := RunOnline(context.Background(), addrs, []Online{{Source: &VirusTotalSource{BaseURL: tt.url, Key: onSecret}, Limits: l}}, nil, OnlineOptions{})
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("dead provider took %v", d)
			}
			if st[0].Failed != len(addrs) || !strings.Contains(st[0].Err, tt.wantErr) {
				t.Errorf("status %+v", st[0])
			}
		})
	}
	if h := failing.hits.Load(); h > int64(3*(DefaultLimits("virustotal").Retry.Retries+1)) {
		t.Errorf("%d requests to the failing provider, more than its breaker allows", h)
	}
}
