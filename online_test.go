package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestReportThreatIntel runs the CLI against local fake providers speaking
// the documented wire formats: a GreyNoise community API that flags one
// address, and an AbuseIPDB that fails. The report must carry the finding,
// say which provider failed, keep the key out of every output, and a
// second run must come entirely from the cache.
func TestReportThreatIntel(t *testing.T) {
	var greyHits, abuseHits atomic.Int64
	grey := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		greyHits.Add(1)
		ip := strings.TrimPrefix(r.URL.Path, "/v3/community/")
		if ip != "212.83.184.14" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"ip": %q, "noise": false, "riot": false, "message": "IP not observed scanning the internet or contained in RIOT data set."}`, ip)
			return
		}
		fmt.Fprintf(w, `{"ip": %q, "noise": true, "riot": false, "classification": "malicious", "name": "unknown", "link": "https://viz.greynoise.io/ip/%s", "last_seen": "2024-05-03", "message": "Success"}`, ip, ip)
	}))
	defer grey.Close()
	abuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		abuseHits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"errors":[{"detail":"internal error","status":500}]}`)
	}))
	defer abuse.Close()

	dir := t.TempDir()
	const key = "sekrit-abuse-key-123"
	vars := map[string]string{
		"SOURCE_DATE_EPOCH":         "1700000000",
		"HONEYREPORT_GREYNOISE_URL": grey.URL,
		"HONEYREPORT_ABUSEIPDB_URL": abuse.URL,
		"ABUSEIPDB_API_KEY":         key,
	}
	report := func() (report string, summary string) {
		_, stderr, code := runCmd(t, vars, "report", "testdata/dump.txt", "--ti", "greynoise,abuseipdb",
			"--cache-dir", filepath.Join(dir, "cache"), "--config", filepath.Join(dir, "config.yaml"),
			"-o", filepath.Join(dir, "r.html"), "--json", filepath.Join(dir, "s.json"), "--no-system-geoip")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if strings.Contains(stderr, key) {
			t.Errorf("stderr shows the API key: %s", stderr)
		}
		return string(mustRead(t, filepath.Join(dir, "r.html"))), string(mustRead(t, filepath.Join(dir, "s.json")))
	}
	// No retries against the failing fake and no rate limit: enrich's tests cover both.
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("providers:\n  abuseipdb:\n    retries: 0\n  greynoise:\n    rate: 1000\n    burst: 10\n"), 0o644)

	html, js := report()
	s := readSummaryJSON(t, filepath.Join(dir, "s.json"))
	ti := s.ThreatIntel
	if len(ti.Findings) == 0 || ti.Findings[0].IP != "212.83.184.14" || ti.Findings[0].Provider != "greynoise" || ti.Findings[0].Severity != "high" {
		t.Errorf("findings = %+v", ti.Findings)
	}
	status := map[string]string{}
	for _, p := range ti.Providers {
		status[p.Name] = p.Status
	}
	if status["greynoise"] != "ok" || status["abuseipdb"] != "failed" {
		t.Errorf("provider statuses = %+v", ti.Providers)
	}
	for _, out := range []string{html, js} {
		if strings.Contains(out, key) {
			t.Error("an output shows the API key")
		}
	}
	if !strings.Contains(html, "viz.greynoise.io/ip/212.83.184.14") {
		t.Error("the report lacks the finding's reference")
	}
	public := int64(6) // the fixture's public addresses
	if greyHits.Load() != public {
		t.Errorf("greynoise asked %d times, want once per public IP (%d)", greyHits.Load(), public)
	}

	before := greyHits.Load()
	report()
	if greyHits.Load() != before {
		t.Errorf("second run asked greynoise %d more times, want 0 (cache)", greyHits.Load()-before)
	}
	if abuseHits.Load() == 0 {
		t.Error("abuseipdb was never asked")
	}
}
