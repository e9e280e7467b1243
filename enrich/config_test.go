package enrich

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const onConfigYAML = `
cache_dir: /tmp/hr-cache
providers:
  abuseipdb:
    key_env: MY_ABUSE_KEY
    concurrency: 2
    rate: 0.5
    timeout: 5s
    ttl: 48h
    retries: 0
  greynoise:
    enabled: true
  virustotal:
    enabled: false
    key: vt-from-file
  whois:
    server: whois.example.net:4343
feeds:
  - name: drop
    path: feeds/drop.txt
    url: https://www.spamhaus.org/drop/drop.txt
    severity: high
`

func TestConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	os.WriteFile(path, []byte(onConfigYAML), 0o600)
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Feeds[0].Path != filepath.Join(dir, "feeds", "drop.txt") {
		t.Errorf("feed path %q not resolved against the config dir", c.Feeds[0].Path)
	}
	env := map[string]string{
		"MY_ABUSE_KEY":                "abuse-key",
		"OTX_API_KEY":                 "otx-key",
		"HONEYREPORT_OTX_URL":         "http://127.0.0.1:8080",
		"HONEYREPORT_BULK_ASN_SERVER": "127.0.0.1:4343",
		"HONEYREPORT_CACHE_DIR":       "/elsewhere",
	}
	c = c.ApplyEnv(func(k string) string { return env[k] })
	if c.Providers.AbuseIPDB.Key != "abuse-key" || c.Providers.OTX.Key != "otx-key" || c.Providers.OTX.BaseURL != "http://127.0.0.1:8080" ||
		c.Providers.BulkASN.Server != "127.0.0.1:4343" || c.CacheDir != "/elsewhere" {
		t.Errorf("env not applied: %+v", c)
	}
	names, err := c.ParseTI("all-configured")
	if err != nil || strings.Join(names, ",") != "abuseipdb,greynoise,otx" {
		t.Errorf("all-configured = %v %v", names, err)
	}
	if _, err := c.ParseTI("abuseipdb,nope"); err == nil {
		t.Error("unknown provider accepted")
	}
	srcs, err := c.Sources(append([]string{NameWhois, NameBulkASN, NameVirusTotal}, names...), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 5 { // virustotal disabled
		t.Fatalf("%d sources", len(srcs))
	}
	a := srcs[2]
	if a.Source.Name() != NameAbuseIPDB || a.Limits.Concurrency != 2 || a.Limits.Rate != 0.5 || a.Limits.Timeout != 5*time.Second || a.Limits.TTL != 48*time.Hour || a.Limits.Retry.Retries != 0 {
		t.Errorf("abuseipdb limits %+v", a.Limits)
	}
	if w := srcs[0].Source.(*WhoisSource); w.Server != "whois.example.net:4343" {
		t.Errorf("whois server %q", w.Server)
	}

	_, err = Config{}.Sources([]string{NameXForce}, nil)
	if err == nil || !strings.Contains(err.Error(), "XFORCE_API_KEY") {
		t.Errorf("missing key error %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct{ name, yaml, want string }{
		{"typo", "providers:\n  abuseipdb:\n    kee: x\n", "kee"},
		{"bad severity", "feeds:\n  - name: a\n    path: a.txt\n    severity: critical\n", "critical"},
		{"feed without name", "feeds:\n  - path: a.txt\n", "no name"},
		{"bad duration", "providers:\n  otx:\n    timeout: soon\n", "soon"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			os.WriteFile(path, []byte(tt.yaml), 0o600)
			_, err := LoadConfig(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "empty.yaml")
	os.WriteFile(path, nil, 0o600)
	if _, err := LoadConfig(path); err != nil {
		t.Errorf("empty config: %v", err)
	}
}
