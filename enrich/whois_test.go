package enrich

import (
	"bufio"
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func onWhoisFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "whois", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// onTCPFake is a WHOIS-style TCP server: it reads one query line (or, for
// the bulk protocol, up to "end") and writes answer(query), then closes.
type onTCPFake struct {
	ln      net.Listener
	queries atomic.Int64
}

func newOnTCPFake(t testing.TB, bulk bool, delay time.Duration, answer func(query string) string) *onTCPFake {
	t.Helper()
	var f *onTCPFake
	f = newOnTCPServer(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		var q strings.Builder
		for {
			line, err := r.ReadString('\n')
			q.WriteString(line)
			if err != nil || !bulk || strings.TrimSpace(line) == "end" {
				break
			}
		}
		f.queries.Add(1)
		time.Sleep(delay)
		c.Write([]byte(answer(strings.TrimSpace(q.String()))))
	})
	return f
}

// newOnTCPServer accepts connections until the test ends, each served by
// serve and then closed.
func newOnTCPServer(t testing.TB, serve func(net.Conn)) *onTCPFake {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &onTCPFake{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return f
}

func (f *onTCPFake) addr() string { return f.ln.Addr().String() }

func TestParseWhois(t *testing.T) {
	tests := []struct {
		name string
		file string
		addr string
		want Whois
	}{
		{
			name: "ripe",
			file: "ripe-193.0.6.139.txt",
			addr: "193.0.6.139",
			want: Whois{Network: netip.MustParsePrefix("193.0.0.0/21"), Range: "193.0.0.0 - 193.0.7.255", NetName: "RIPE-NCC",
				Org: "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)", Country: "NL", AbuseContact: "abuse@ripe.net", OriginAS: 3333, Registry: "RIPE"},
		},
		{
			name: "arin most specific net",
			file: "arin-8.8.8.8.txt",
			addr: "8.8.8.8",
			want: Whois{Network: netip.MustParsePrefix("8.8.8.0/24"), Range: "8.8.8.0 - 8.8.8.255", NetName: "GOGL",
				Org: "Google LLC", Country: "US", AbuseContact: "network-abuse@google.com", OriginAS: 15169, Registry: "ARIN"},
		},
		{
			name: "lacnic",
			file: "lacnic-200.160.2.3.txt",
			addr: "200.160.2.3",
			want: Whois{Network: netip.MustParsePrefix("200.160.0.0/20"), Range: "200.160.0.0/20",
				Org: "Nucleo de Inf. e Coord. do Ponto BR - NIC.BR", Country: "BR", AbuseContact: "cert@cert.br", OriginAS: 22548, Registry: "LACNIC"},
		},
		{
			name: "apnic",
			file: "apnic-203.0.113.7.txt",
			addr: "203.0.113.7",
			want: Whois{Network: netip.MustParsePrefix("203.0.113.0/24"), Range: "203.0.113.0 - 203.0.113.255", NetName: "EXAMPLE-AP",
				Org: "Example Hosting Pty Ltd", Country: "AU", AbuseContact: "abuse@example.net", OriginAS: 64500, Registry: "APNIC"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseWhois(netip.MustParseAddr(tt.addr), onWhoisFile(t, tt.file))
			if !ok {
				t.Fatal("no record parsed")
			}
			if got != tt.want {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if _, ok := ParseWhois(netip.MustParseAddr("193.0.6.139"), onWhoisFile(t, "ripe-not-found.txt")); ok {
		t.Error("not-found answer parsed as a record")
	}
}

func TestParseWhoisLACNICShortCIDR(t *testing.T) {
	r := parseWhoisRange("200.160/20")
	if p, ok := r.Prefix(); !ok || p != netip.MustParsePrefix("200.160.0.0/20") {
		t.Errorf("200.160/20 -> %v", r)
	}
}

// onWhoisPair starts a fake IANA that refers to a fake RIR serving file.
func onWhoisPair(t testing.TB, delay time.Duration, file string) (iana, rir *onTCPFake) {
	ans := onWhoisFile(t, file)
	rir = newOnTCPFake(t, false, delay, func(q string) string {
		if strings.HasPrefix(q, "192.0.2.") {
			return onWhoisFile(t, "ripe-not-found.txt")
		}
		return ans
	})
	ref := strings.ReplaceAll(onWhoisFile(t, "iana-193.0.6.139.txt"), "whois.ripe.net", rir.addr())
	// One IANA block for all of 0/0 keeps the referral cache in play.
	ref = strings.Replace(ref, "193.0.0.0 - 193.255.255.255", "0.0.0.0 - 255.255.255.255", 1)
	iana = newOnTCPFake(t, false, delay, func(string) string { return ref })
	return iana, rir
}

func TestWhoisSourceReferral(t *testing.T) {
	iana, rir := onWhoisPair(t, 0, "ripe-193.0.6.139.txt")
	w := &WhoisSource{Server: iana.addr()}
	ctx := context.Background()
	f, err := w.Lookup(ctx, netip.MustParseAddr("193.0.6.139"))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Found || f.Whois.Org != "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)" || f.Whois.Source != "whois:127.0.0.1" {
		t.Fatalf("finding %+v %+v", f, f.Whois)
	}
	f, err = w.Lookup(ctx, netip.MustParseAddr("192.0.2.1"))
	if err != nil || f.Found {
		t.Errorf("unknown address: found=%v err=%v, want a not-found answer", f.Found, err)
	}
	if iana.queries.Load() != 1 || rir.queries.Load() != 2 {
		t.Errorf("IANA asked %d times, RIR %d; want 1 and 2 (referral remembered)", iana.queries.Load(), rir.queries.Load())
	}
}

func TestWhoisSourceFailures(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		srv := newOnTCPFake(t, false, 0, func(string) string { return onWhoisFile(t, "ripe-refused.txt") })
		_, err := (&WhoisSource{Server: srv.addr()}).Lookup(context.Background(), netip.MustParseAddr("193.0.6.139"))
		if err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("err = %v, want a refusal", err)
		}
	})
	t.Run("slow", func(t *testing.T) {
		srv := newOnTCPFake(t, false, 2*time.Second, func(string) string { return "" })
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := (&WhoisSource{Server: srv.addr()}).Lookup(ctx, netip.MustParseAddr("193.0.6.139"))
		if err != errTimeout || time.Since(start) > time.Second {
			t.Errorf("err = %v after %v, want timeout quickly", err, time.Since(start))
		}
	})
	t.Run("an answer over the cap fails", func(t *testing.T) {
		big := "inetnum: 193.0.0.0 - 193.0.7.255\nnetname: BIG\n" + strings.Repeat("remarks: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", 20000)
		srv := newOnTCPFake(t, false, 0, func(string) string { return big })
		f, err := (&WhoisSource{Server: srv.addr()}).Lookup(context.Background(), netip.MustParseAddr("193.0.6.139"))
		if err == nil || !strings.Contains(err.Error(), "larger than 256 KiB") || f.Found {
			t.Errorf("found=%v err=%v, want a failure: a cut answer may lack the record", f.Found, err)
		}
	})
	for _, tt := range []struct{ name, answer, wantErr string }{
		{"empty", "", "empty answer"},
		{"binary", "\x00\x01\x02garbage\xff\xfe", "not WHOIS text"},
		{"prose", "this is not\nwhat we asked for\n", "no WHOIS fields"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newOnTCPFake(t, false, 0, func(string) string { return tt.answer })
			f, err := (&WhoisSource{Server: srv.addr()}).Lookup(context.Background(), netip.MustParseAddr("193.0.6.139"))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || f.Found {
				t.Errorf("found=%v err=%v, want a failure containing %q", f.Found, err, tt.wantErr)
			}
		})
	}
}

// TestWhoisRandomAnswerNotCached: a server streaming 100 MB of random bytes
// costs one bounded read, fails the lookup and leaves nothing in the cache
// (not stored as "not found" for 30 days).
func TestWhoisRandomAnswerNotCached(t *testing.T) {
	chunk := make([]byte, 64<<10)
	rand.NewChaCha8([32]byte{1}).Read(chunk)
	var sent atomic.Int64
	srv := newOnTCPServer(t, func(c net.Conn) {
		for range (100 << 20) / len(chunk) {
			n, err := c.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	cache, err := OpenCache(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	a := netip.MustParseAddr("193.0.6.139")
	l := onFastLimits()
	l.Retry.Retries = 0
	start := time.Now()
	_, st := RunOnline(context.Background(), []netip.Addr{a}, []Online{{Source: &WhoisSource{Server: srv.addr()}, Limits: l}}, cache, OnlineOptions{})
	if st[0].Failed != 1 || st[0].Succeeded != 0 {
		t.Errorf("status %+v, want the lookup failed", st[0])
	}
	if _, ok := cache.Get("whois", a, 0); ok {
		t.Error("a random answer was cached")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if n := sent.Load(); n > 16<<20 {
		t.Errorf("read on after the cap: the server sent %d MiB", n>>20)
	}
}

// BenchmarkWhois250 looks up 250 distinct addresses against a fake IANA +
// RIR that each take 100 ms per query: cold (empty cache) and warm.
func BenchmarkWhois250(b *testing.B) {
	iana, rir := onWhoisPair(b, 100*time.Millisecond, "ripe-193.0.6.139.txt")
	addrs := make([]netip.Addr, 250)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{193, 0, byte(i / 200), byte(i%200 + 1)})
	}
	l := DefaultLimits(NameWhois)
	l.Concurrency, l.Rate = 50, 0
	for b.Loop() {
		dir := b.TempDir()
		c, err := OpenCache(dir, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		src := []Online{{Source: &WhoisSource{Server: iana.addr()}, Limits: l}}
		start := time.Now()
		res, st := RunOnline(context.Background(), addrs, src, c, OnlineOptions{})
		cold := time.Since(start)
		if len(res) != 250 || st[0].Succeeded != 250 {
			b.Fatalf("cold: %d results, status %+v", len(res), st[0])
		}
		start = time.Now()
		src = []Online{{Source: &WhoisSource{Server: iana.addr()}, Limits: l}}
		_, st = RunOnline(context.Background(), addrs, src, c, OnlineOptions{})
		warm := time.Since(start)
		if st[0].FromCache != 250 {
			b.Fatalf("warm: status %+v", st[0])
		}
		c.Close()
		b.ReportMetric(cold.Seconds(), "cold-s")
		b.ReportMetric(warm.Seconds(), "warm-s")
		b.Logf("250 IPs, 100 ms/query: cold %v, warm %v (IANA %d, RIR %d queries so far)", cold, warm, iana.queries.Load(), rir.queries.Load())
	}
}

func TestCymruBulk(t *testing.T) {
	var got string
	srv := newOnTCPFake(t, true, 0, func(q string) string {
		got = q
		return onWhoisFile(t, "cymru-bulk.txt")
	})
	c := &CymruSource{Server: srv.addr()}
	addrs := []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("193.0.6.139"), netip.MustParseAddr("198.51.100.9")}
	m, err := c.LookupBatch(context.Background(), addrs)
	if err != nil {
		t.Fatal(err)
	}
	if want := "begin\nverbose\n8.8.8.8\n193.0.6.139\n198.51.100.9\nend"; got != want {
		t.Errorf("request %q, want %q", got, want)
	}
	g := m[addrs[0]]
	if !g.Found || g.ASN.Number != 15169 || g.ASN.Org != "GOOGLE, US" || g.ASN.Network != netip.MustParsePrefix("8.8.8.0/24") {
		t.Errorf("8.8.8.8: %+v", g.ASN)
	}
	if f, ok := m[addrs[2]]; !ok || f.Found {
		t.Errorf("NA line: %+v, want a not-found answer", f)
	}
	// A garbled AS field is no answer: that address fails, the others stay.
	garbled := newOnTCPFake(t, true, 0, func(string) string {
		return strings.Replace(onWhoisFile(t, "cymru-bulk.txt"), "3333    |", "33x3    |", 1)
	})
	m, err = (&CymruSource{Server: garbled.addr()}).LookupBatch(context.Background(), addrs)
	if _, ok := m[addrs[1]]; ok || err == nil || !m[addrs[0]].Found {
		t.Errorf("garbled AS: %v, %v; want 193.0.6.139 missing and an error", m, err)
	}
	if srv.queries.Load() != 1 {
		t.Errorf("%d connections, want 1", srv.queries.Load())
	}

	// Through the runner: one connection for the set, cached after.
	cache, err := OpenCache(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	for range 2 {
		res, st := RunOnline(context.Background(), addrs, []Online{{Source: c}}, cache, OnlineOptions{})
		if st[0].Succeeded != 3 || res[addrs[1]].ASN.Number != 3333 {
			t.Errorf("status %+v", st[0])
		}
	}
	if srv.queries.Load() != 2 {
		t.Errorf("%d connections over a cold and a warm run, want 2", srv.queries.Load())
	}
}

func TestCymruTruncated(t *testing.T) {
	srv := newOnTCPFake(t, true, 0, func(string) string {
		return strings.SplitAfterN(onWhoisFile(t, "cymru-bulk.txt"), "\n", 3)[0] + strings.SplitAfterN(onWhoisFile(t, "cymru-bulk.txt"), "\n", 3)[1]
	})
	addrs := []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("193.0.6.139")}
	_, st := RunOnline(context.Background(), addrs, []Online{{Source: &CymruSource{Server: srv.addr()}, Limits: onFastLimits()}}, nil, OnlineOptions{})
	if st[0].Succeeded != 1 || st[0].Failed != 1 || !strings.Contains(st[0].Err, "answer ended after 1 of 2") {
		t.Errorf("status %+v", st[0])
	}
}

func FuzzParseWhois(f *testing.F) {
	for _, n := range []string{"ripe-193.0.6.139.txt", "arin-8.8.8.8.txt", "lacnic-200.160.2.3.txt", "apnic-203.0.113.7.txt", "iana-193.0.6.139.txt"} {
		f.Add(onWhoisFile(f, n))
	}
	f.Add("")
	f.Add("inetnum: 1.2.3.4 -\n")
	f.Add("\x00\xff:%\n\n:")
	f.Fuzz(func(t *testing.T, s string) {
		rec, ok := ParseWhois(netip.MustParseAddr("193.0.6.139"), s)
		if !ok && rec != (Whois{}) {
			t.Errorf("not ok but record %+v", rec)
		}
		parseReferral(s)
		parseCymruBulk(strings.NewReader(s))
	})
}
