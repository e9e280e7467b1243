package main

import (
	"bytes"
	"context"
	"errors"
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

// runCmdCtx runs a command under ctx (a cancelled ctx stands for SIGINT)
// and returns what the command returned besides its exit status.
func runCmdCtx(ctx context.Context, vars map[string]string, args ...string) (stderr string, code int, err error) {
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	err = run(ctx, args, e)
	code = exitCode(err, &errb)
	return errb.String(), code, err
}

// tiFakes starts a GreyNoise and an AbuseIPDB speaking their wire formats;
// handle decides each answer (after the request was counted).
func tiFakes(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, provider string)) (vars map[string]string, hits *atomic.Int64) {
	hits = new(atomic.Int64)
	srv := func(name string) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			handle(w, r, name)
		}))
		t.Cleanup(s.Close)
		return s.URL
	}
	return map[string]string{
		"SOURCE_DATE_EPOCH":         "1700000000",
		"HONEYREPORT_GREYNOISE_URL": srv("greynoise"),
		"HONEYREPORT_ABUSEIPDB_URL": srv("abuseipdb"),
		"ABUSEIPDB_API_KEY":         "sekrit-abuse-key-123",
	}, hits
}

func serverError(w http.ResponseWriter) {
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprint(w, `{"errors":[{"detail":"internal error","status":500}],"message":"internal error"}`)
}

// tiArgs runs report on the dump fixture with both fakes, writing every
// output into dir.
func tiArgs(dir string) []string {
	config := filepath.Join(dir, "config.yaml")
	os.WriteFile(config, []byte("providers:\n  abuseipdb:\n    retries: 0\n  greynoise:\n    retries: 0\n    rate: 1000\n    burst: 10\n"), 0o644)
	return []string{"report", "testdata/dump.txt", "--ti", "greynoise,abuseipdb", "--no-system-geoip",
		"--cache-dir", filepath.Join(dir, "cache"), "--config", config,
		"-o", filepath.Join(dir, "r.html"), "--json", filepath.Join(dir, "s.json"), "--md", filepath.Join(dir, "s.md")}
}

// TestReportEveryProviderFailed: when every provider asked for fails, the
// outputs are still written and say so, standard error says so, and the
// exit status is 3, not "flagged 0 IPs" and 0.
func TestReportEveryProviderFailed(t *testing.T) {
	vars, _ := tiFakes(t, func(w http.ResponseWriter, _ *http.Request, _ string) { serverError(w) })
	dir := t.TempDir()
	stderr, code, _ := runCmdCtx(context.Background(), vars, tiArgs(dir)...)
	if code != exitTIFailed {
		t.Fatalf("exit %d, want %d: %s", code, exitTIFailed, stderr)
	}
	want := "honeyreport: threat intelligence: 2 of 2 providers failed: abuseipdb (HTTP 500: internal error), greynoise (HTTP 500: internal error); results incomplete\n"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	md := string(mustRead(t, filepath.Join(dir, "s.md")))
	if !strings.Contains(md, "Threat intelligence could not check any IP") || strings.Contains(md, "flagged 0 IPs") {
		t.Errorf("Markdown reads as an all clear:\n%s", md)
	}
	if html := string(mustRead(t, filepath.Join(dir, "r.html"))); !strings.Contains(html, "Threat intelligence could not check any IP") {
		t.Error("the report does not say threat intelligence failed")
	}
	for _, p := range readSummaryJSON(t, filepath.Join(dir, "s.json")).ThreatIntel.Providers {
		if p.Status != "failed" {
			t.Errorf("provider %s status %q, want failed", p.Name, p.Status)
		}
	}
}

// TestReportSomeProvidersFailed: one failing provider of two is said on
// standard error and in the Markdown; the exit status stays 0.
func TestReportSomeProvidersFailed(t *testing.T) {
	vars, _ := tiFakes(t, func(w http.ResponseWriter, r *http.Request, provider string) {
		if provider == "abuseipdb" {
			serverError(w)
			return
		}
		ip := strings.TrimPrefix(r.URL.Path, "/v3/community/")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"ip": %q, "noise": false, "riot": false, "message": "IP not observed scanning the internet or contained in RIOT data set."}`, ip)
	})
	dir := t.TempDir()
	stderr, code, _ := runCmdCtx(context.Background(), vars, tiArgs(dir)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "threat intelligence: 1 of 2 providers failed: abuseipdb (HTTP 500: internal error); results incomplete"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if md := string(mustRead(t, filepath.Join(dir, "s.md"))); !strings.Contains(md, "results incomplete") {
		t.Errorf("Markdown does not say the results are incomplete:\n%s", md)
	}
}

// TestReportInterruptedLookups: SIGINT during the lookups writes every
// output with what was answered and marks the providers interrupted, never
// "ok".
func TestReportInterruptedLookups(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int64
	vars, _ := tiFakes(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		if n.Add(1) >= 3 {
			cancel()
			<-r.Context().Done()
			return
		}
		ip := strings.TrimPrefix(r.URL.Path, "/v3/community/")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"ip": %q, "noise": false, "riot": false, "message": "not seen"}`, ip)
	})
	dir := t.TempDir()
	args := tiArgs(dir)
	args[3] = "greynoise" // --ti: one provider, asked one address at a time
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("providers:\n  greynoise:\n    concurrency: 1\n    rate: 1000\n"), 0o644)
	// main turns the signal into exit status 130; the run itself writes
	// every output and fails for no other reason.
	stderr, _, err := runCmdCtx(ctx, vars, args...)
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v: %s", err, stderr)
	}
	ps := readSummaryJSON(t, filepath.Join(dir, "s.json")).ThreatIntel.Providers
	if len(ps) != 1 || ps[0].Status != "interrupted" || ps[0].Succeeded != 2 {
		t.Errorf("providers %+v, want greynoise interrupted after 2 answers", ps)
	}
	if md := string(mustRead(t, filepath.Join(dir, "s.md"))); !strings.Contains(md, "were interrupted") {
		t.Errorf("Markdown does not say the lookups were interrupted:\n%s", md)
	}
	if !strings.Contains(stderr, "were interrupted") {
		t.Errorf("stderr does not say the lookups were interrupted:\n%s", stderr)
	}
}

// TestReportDamagedCache: a truncated or garbage online.bbolt is moved
// aside with a warning and the run goes on without the cache.
func TestReportDamagedCache(t *testing.T) {
	vars, _ := tiFakes(t, func(w http.ResponseWriter, r *http.Request, provider string) {
		ip := strings.TrimPrefix(r.URL.Path, "/v3/community/")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"ip": %q, "noise": false, "riot": false, "message": "not seen"}`, ip)
	})
	dir := t.TempDir()
	args := tiArgs(dir)
	args[3] = "greynoise"
	cache := filepath.Join(dir, "cache")
	if stderr, code, _ := runCmdCtx(context.Background(), vars, args...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	// truncate -s 8192 online.bbolt: the meta pages stay, the pages they
	// point to are gone (where bbolt would fault: SIGBUS).
	if err := os.Truncate(filepath.Join(cache, "online.bbolt"), 8192); err != nil {
		t.Fatal(err)
	}
	stderr, code, _ := runCmdCtx(context.Background(), vars, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "is damaged") || !strings.Contains(stderr, "running without the cache") {
		t.Errorf("stderr lacks the damaged-cache warning:\n%s", stderr)
	}
	moved, _ := filepath.Glob(filepath.Join(cache, "online.bbolt.damaged-*"))
	if len(moved) != 1 {
		t.Errorf("damaged cache kept as %v, want one online.bbolt.damaged-* file", moved)
	}
	// The next run starts a new cache.
	stderr, code, _ = runCmdCtx(context.Background(), vars, args...)
	if code != 0 || strings.Contains(stderr, "damaged") {
		t.Errorf("second run: exit %d: %s", code, stderr)
	}
}
