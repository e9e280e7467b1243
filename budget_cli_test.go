package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// budgetFakes starts VirusTotal, AbuseIPDB and GreyNoise speaking their
// wire formats (the enrich package's recorded answers, about the address
// asked): addresses whose last byte is odd are flagged, the others clean
// or unknown. hits counts requests per provider; asked records which
// addresses each was asked about.
func budgetFakes(t *testing.T) (vars map[string]string, hits map[string]*atomic.Int64, asked *sync.Map) {
	hits = map[string]*atomic.Int64{}
	asked = new(sync.Map)
	fixture := func(provider, name, ip string) []byte {
		b, err := os.ReadFile(filepath.Join("enrich", "testdata", "providers", provider, name))
		if err != nil {
			t.Fatal(err)
		}
		b = []byte(strings.ReplaceAll(string(b), "203.0.113.7", ip))
		return []byte(strings.ReplaceAll(string(b), "198.51.100.9", ip))
	}
	serve := func(provider string, answer func(ip string, odd bool) (int, []byte)) string {
		n := new(atomic.Int64)
		hits[provider] = n
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			ip := r.URL.Query().Get("ipAddress")
			if ip == "" {
				ip = r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
			}
			asked.Store(provider+" "+ip, true)
			odd := ip[len(ip)-1]%2 == 1
			status, body := answer(ip, odd)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write(body)
		}))
		t.Cleanup(s.Close)
		return s.URL
	}
	pick := func(odd bool, a, b string) string {
		if odd {
			return a
		}
		return b
	}
	vars = map[string]string{
		"SOURCE_DATE_EPOCH": "1700000000",
		"VT_API_KEY":        "vt-key", "ABUSEIPDB_API_KEY": "abuse-key", "GREYNOISE_API_KEY": "grey-key",
		"HONEYREPORT_VIRUSTOTAL_URL": serve("virustotal", func(ip string, odd bool) (int, []byte) {
			if !odd {
				return 404, fixture("virustotal", "error-404.json", ip)
			}
			return 200, fixture("virustotal", "ip-addresses-203.0.113.7.json", ip)
		}),
		"HONEYREPORT_ABUSEIPDB_URL": serve("abuseipdb", func(ip string, odd bool) (int, []byte) {
			return 200, fixture("abuseipdb", pick(odd, "check-203.0.113.7.json", "check-198.51.100.9.json"), ip)
		}),
		"HONEYREPORT_GREYNOISE_URL": serve("greynoise", func(ip string, odd bool) (int, []byte) {
			if !odd {
				return 404, fixture("greynoise", "community-198.51.100.9.json", ip)
			}
			return 200, fixture("greynoise", "community-203.0.113.7.json", ip)
		}),
	}
	return vars, hits, asked
}

// writeManyIPs writes a CloudTrail export with n distinct public sources:
// the first attempts a write, the second authenticates, the others read,
// the lower-numbered more often.
func writeManyIPs(t *testing.T, path string, n int) (top []string) {
	var b strings.Builder
	line := func(ip, op, identity string) {
		fmt.Fprintf(&b, `{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":%q,"eventTime":"2024-01-02T03:04:05Z","sourceIPAddress":%q,"userAgent":"curl/8.0","userIdentity":%s,"requestParameters":{"bucketName":"honey"}}`+"\n", op, ip, identity)
	}
	anon := `{"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"}`
	for i := range n {
		// Five sources per /24, each /24 one registered network.
		ip := fmt.Sprintf("45.10.%d.%d", i/5, 1+3*(i%5))
		switch i {
		case n - 1:
			line(ip, "PutObject", anon)
		case n - 2:
			line(ip, "GetObject", `{"type":"IAMUser","principalId":"AIDAEXAMPLE","accountId":"123456789012","userName":"x"}`)
		}
		for range 1 + (n-i)/50 {
			line(ip, "GetObject", anon)
		}
		if i >= n-2 {
			top = append(top, ip)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{top[1], top[0]} // the writer, then the authenticated one
}

// rdapFake answers RDAP queries with one registered network per /24 and a
// Team Cymru bulk server; rdapHits counts RDAP requests.
func rdapFake(t *testing.T, vars map[string]string) (rdapHits *atomic.Int64) {
	rdapHits = new(atomic.Int64)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rdapHits.Add(1)
		a, err := netip.ParseAddr(strings.TrimPrefix(r.URL.Path, "/ip/"))
		if err != nil || !a.Is4() {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		b := a.As4()
		fmt.Fprintf(w, `{"objectClassName":"ip network","startAddress":"%d.%d.%d.0","endAddress":"%d.%d.%d.255","name":"NET-%d","country":"NL",`+
			`"entities":[{"roles":["registrant"],"vcardArray":["vcard",[["fn",{},"text","Org %d"]]]}]}`, b[0], b[1], b[2], b[0], b[1], b[2], b[2], b[2])
	}))
	t.Cleanup(s.Close)
	bulk, _ := serveTCP(t, true, cymruBulk("64500", "45.10.0.0/16", "NL", "EXAMPLE-AS, NL"))
	vars["HONEYREPORT_RDAP_URL"] = s.URL
	vars["HONEYREPORT_BULK_ASN_SERVER"] = bulk
	return rdapHits
}

// TestReportOnlineBudget runs 250 sources against local fakes with the
// default (free-tier) limits and a 20 s budget: the run ends in time, the
// most important sources are checked by every provider, each provider
// says what it did not check and why (partial, never ok), the roll-up
// agrees with the per-provider findings, RDAP is asked once per registered
// network, and a second run continues.
func TestReportOnlineBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 25 s")
	}
	vars, hits, asked := budgetFakes(t)
	rdapHits := rdapFake(t, vars)
	dir := t.TempDir()
	logs := filepath.Join(dir, "trail.ndjson")
	top := writeManyIPs(t, logs, 250)
	args := func(budget string) []string {
		return []string{"report", logs, "--whois", "--ti", "virustotal,abuseipdb,greynoise", "--no-system-geoip", "--online-budget", budget,
			"--cache-dir", filepath.Join(dir, "cache"), "--config", filepath.Join(dir, "none.yaml"),
			"-o", filepath.Join(dir, "r.html"), "--json", filepath.Join(dir, "s.json"), "--md", filepath.Join(dir, "s.md")}
	}
	os.WriteFile(filepath.Join(dir, "none.yaml"), nil, 0o644)
	start := time.Now()
	stderr, code, _ := runCmdCtx(context.Background(), vars, args("20s")...)
	took := time.Since(start)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if took > 25*time.Second {
		t.Errorf("took %v with a 20s budget", took)
	}
	s := readSummaryJSON(t, filepath.Join(dir, "s.json"))
	first := map[string]int{}
	for _, p := range s.ThreatIntel.Providers {
		if p.Name == "whois" || p.Name == "bulk-asn" {
			if p.Status != "ok" {
				t.Errorf("%s: %+v, want every source answered", p.Name, p)
			}
			continue
		}
		if p.Status != "partial" || !strings.Contains(p.Stopped+p.Error, "time budget of 20s ran out") && !strings.Contains(p.Stopped, "daily quota reached") {
			t.Errorf("%s: status %q, stopped %q: want partial with the reason", p.Name, p.Status, p.Stopped)
		}
		if p.Succeeded+p.Failed+p.NotChecked != 250 || p.NotChecked == 0 {
			t.Errorf("%s: %+v does not account for 250 addresses", p.Name, p)
		}
		first[p.Name] = p.Succeeded
	}
	t.Logf("first run %v: %v, requests %d/%d/%d", took.Round(time.Millisecond), first, hits["virustotal"].Load(), hits["abuseipdb"].Load(), hits["greynoise"].Load())
	if n := rdapHits.Load(); n != 50 {
		t.Errorf("%d RDAP requests for 250 sources in 50 registered networks, want 50", n)
	}
	for _, ip := range s.IPs {
		if !strings.HasPrefix(ip.WhoisOrg, "Org ") {
			t.Errorf("%s: whois_org %q, want its network's registrant", ip.IP, ip.WhoisOrg)
		}
	}
	for _, ip := range top {
		for _, p := range []string{"virustotal", "abuseipdb", "greynoise"} {
			if _, ok := asked.Load(p + " " + ip); !ok {
				t.Errorf("%s (most important) was not checked by %s", ip, p)
			}
		}
	}
	// The roll-up agrees with the per-provider findings on every IP.
	flaggedBy := map[string][]string{}
	for _, f := range s.ThreatIntel.Findings {
		if f.Severity == "high" || f.Severity == "warning" {
			flaggedBy[f.IP] = append(flaggedBy[f.IP], f.Provider)
		}
	}
	for _, ip := range s.IPs {
		want := flaggedBy[ip.IP]
		sort.Strings(want)
		if ip.TIFlagged != len(want) || !slices.Equal(ip.TIFlaggedBy, want) && len(want) > 0 {
			t.Errorf("%s: roll-up flagged %d by %v, findings say %v", ip.IP, ip.TIFlagged, ip.TIFlaggedBy, want)
		}
	}
	md := string(mustRead(t, filepath.Join(dir, "s.md")))
	if !strings.Contains(md, "## Flagged sources") || !strings.Contains(md, "not checked") {
		t.Errorf("Markdown lacks the roll-up or the accounting:\n%s", md)
	}

	// A second, shorter run continues where the first stopped.
	stderr, code, _ = runCmdCtx(context.Background(), vars, args("3s")...)
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	for _, p := range readSummaryJSON(t, filepath.Join(dir, "s.json")).ThreatIntel.Providers {
		if p.Cached < first[p.Name] || (p.Name == "abuseipdb" && p.Succeeded <= first[p.Name]) {
			t.Errorf("second run %s: %+v, want the first run's %d from cache and more", p.Name, p, first[p.Name])
		}
	}
}
