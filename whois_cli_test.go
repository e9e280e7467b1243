package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/honeyreport/honeyreport/report"
)

// serveTCP answers every connection on 127.0.0.1 with answer(request),
// where request is everything the client sent before closing its side or
// (for WHOIS) the first line. It returns the address and a hit counter.
func serveTCP(t *testing.T, bulk bool, answer func(req string) string) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var hits atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			hits.Add(1)
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				var req strings.Builder
				for {
					line, err := r.ReadString('\n')
					req.WriteString(line)
					if err != nil || !bulk || strings.TrimSpace(line) == "end" {
						break
					}
				}
				fmt.Fprint(c, answer(req.String()))
			}()
		}
	}()
	return ln.Addr().String(), &hits
}

// cymruBulk answers a Team Cymru bulk request (begin, verbose, one address
// a line, end) in its verbose format, every address in the one network.
func cymruBulk(asn, prefix, cc, name string) func(req string) string {
	return func(req string) string {
		var b strings.Builder
		b.WriteString("Bulk mode; whois.cymru.com [2024-05-03 10:00:00 +0000]\n")
		for _, line := range strings.Split(req, "\n") {
			ip := strings.TrimSpace(line)
			if ip == "" || ip == "begin" || ip == "verbose" || ip == "end" {
				continue
			}
			fmt.Fprintf(&b, "%-7s | %-16s | %-19s | %s | ripencc  | 2007-05-21 | %s\n", asn, ip, prefix, cc, name)
		}
		return b.String()
	}
}

// TestReportWhois runs --whois against a fake Team Cymru bulk server and a
// fake RIR WHOIS server, by the documented protocols, through the cache.
func TestReportWhois(t *testing.T) {
	bulkAddr, bulkHits := serveTCP(t, true, cymruBulk("12876", "212.83.128.0/19", "FR", "ONLINE S.A.S., FR"))
	whoisAddr, whoisHits := serveTCP(t, false, func(req string) string {
		return "inetnum:        212.83.184.0 - 212.83.191.255\nnetname:        ONLINE_NET\norg-name:       Scaleway Test Org\ncountry:        FR\nabuse-mailbox:  abuse@example.net\nsource:         RIPE\n"
	})
	dir := t.TempDir()
	vars := map[string]string{"HONEYREPORT_BULK_ASN_SERVER": bulkAddr, "HONEYREPORT_WHOIS_SERVER": whoisAddr}
	run := func() report.SummaryJSON {
		out := filepath.Join(dir, "s.json")
		_, stderr, code := runCmd(t, vars, "report", "testdata/dump.txt", "--whois", "--cache-dir", filepath.Join(dir, "cache"),
			"--config", filepath.Join(dir, "none.yaml"), "-o", filepath.Join(dir, "r.html"), "--json", out, "--no-system-geoip", "-q")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		return readSummaryJSON(t, out)
	}
	writeFileT(t, filepath.Join(dir, "none.yaml"), "providers:\n  whois:\n    rate: 1000\n    burst: 10\n")
	s := run()
	var ip *report.IPJSON
	for i := range s.IPs {
		if s.IPs[i].IP == "212.83.184.14" {
			ip = &s.IPs[i]
		}
	}
	if ip == nil || ip.WhoisOrg != "Scaleway Test Org" || ip.WhoisCountry != "FR" || ip.AbuseContact != "abuse@example.net" {
		t.Errorf("212.83.184.14 = %+v", ip)
	}
	if bulkHits.Load() != 1 {
		t.Errorf("bulk server: %d connections, want 1 for the whole IP set", bulkHits.Load())
	}
	b, w := bulkHits.Load(), whoisHits.Load()
	run()
	if bulkHits.Load() != b || whoisHits.Load() != w {
		t.Errorf("second run made %d bulk and %d WHOIS connections, want none (cache)", bulkHits.Load()-b, whoisHits.Load()-w)
	}
}

func writeFileT(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
