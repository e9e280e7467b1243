package enrich

import (
	"os"
	"path/filepath"
	"slices"
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
exclude:
  - 203.0.113.7
  - AS16509
  - "@own-scanners.txt"
  - "@/etc/honeyreport/aws.txt"
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
	if want := []string{"203.0.113.7", "AS16509", "@" + filepath.Join(dir, "own-scanners.txt"), "@/etc/honeyreport/aws.txt"}; !slices.Equal(c.Exclude, want) {
		t.Errorf("exclude %q, want %q", c.Exclude, want)
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
		{"endless retries", "providers:\n  otx:\n    retries: 100000\n", "providers.otx.retries: 100000 is more than the maximum, 5"},
		{"negative retries", "providers:\n  whois:\n    retries: -1\n", "providers.whois.retries: -1 is negative"},
		{"long timeout", "providers:\n  bulk_asn:\n    timeout: 1h\n", "providers.bulk_asn.timeout: 1h0m0s is more than the maximum, 2m0s"},
		{"negative timeout", "providers:\n  xforce:\n    timeout: -5s\n", "providers.xforce.timeout: -5s is negative"},
		{"huge concurrency", "providers:\n  greynoise:\n    concurrency: 100000\n", "providers.greynoise.concurrency: 100000 is more than the maximum, 64"},
		{"negative rate", "providers:\n  virustotal:\n    rate: -1\n", "providers.virustotal.rate: -1 is not a rate"},
		{"NaN rate", "providers:\n  virustotal:\n    rate: .nan\n", "providers.virustotal.rate: NaN is not a rate"},
		{"negative burst", "providers:\n  abuseipdb:\n    burst: -2\n", "providers.abuseipdb.burst: -2 is negative"},
		{"negative ttl", "providers:\n  abuseipdb:\n    ttl: -1h\n", "providers.abuseipdb.ttl: -1h0m0s is negative"},
		{"smtp server", "email:\n  to: [soc@example.org]\n  smtp: smtp.example.org:587\n", "email.smtp: the SMTP server is only ever given as --smtp"},
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
	path = filepath.Join(t.TempDir(), "max.yaml")
	os.WriteFile(path, []byte("providers:\n  otx:\n    retries: 5\n    timeout: 2m\n    concurrency: 64\n    rate: 0\n"), 0o600)
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatalf("the maxima themselves: %v", err)
	}
	if l := c.Providers.OTX.limits(NameOTX); l.Retry.Retries != MaxRetries || l.Timeout != MaxTimeout || l.Concurrency != MaxConcurrency {
		t.Errorf("limits at the maxima: %+v", l)
	}
}

// TestConfigDocExample loads docs/CONFIG.md's example as a user copies
// it, so that every key the documentation shows is one the loader takes.
func TestConfigDocExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "CONFIG.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("docs/CONFIG.md has no yaml example")
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(path, []byte(example), 0o600)
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatalf("docs/CONFIG.md's example: %v", err)
	}
	vt := c.Providers.VirusTotal
	if c.OnlineBudget != 2*time.Minute || vt.PerDay != 500 || vt.PerMonth != 15500 || len(c.Feeds) != 2 || len(c.Exclude) != 5 || c.Email.Attach != "zip" {
		t.Errorf("example loaded as budget %v, virustotal %d/%d a day/month, %d feeds, %d exclusions, attach %q",
			c.OnlineBudget, vt.PerDay, vt.PerMonth, len(c.Feeds), len(c.Exclude), c.Email.Attach)
	}
}

// TestKeyEnvUnset: the error names the variable the config names, not the
// standard one the user did not choose.
func TestKeyEnvUnset(t *testing.T) {
	for _, tt := range []struct {
		name string
		pc   ProviderConfig
		want string
	}{
		{NameOTX, ProviderConfig{KeyEnv: "MY_OTX"}, "otx needs an API key: providers.otx.key_env names MY_OTX, which is not set"},
		{NameVirusTotal, ProviderConfig{KeyEnv: "VT_KEY_FILE"}, "providers.virustotal.key_env names VT_KEY_FILE"},
		{NameXForce, ProviderConfig{Key: "k", PasswordEnv: "XF_PW"}, "xforce needs an API password: providers.xforce.password_env names XF_PW"},
		{NameOTX, ProviderConfig{}, "set OTX_API_KEY or providers.otx.key_env"},
	} {
		var c Config
		*c.provider(tt.name) = tt.pc
		c = c.ApplyEnv(func(string) string { return "" })
		_, err := c.Sources([]string{tt.name}, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %+v: err = %v, want %q", tt.name, tt.pc, err, tt.want)
		}
		if tt.pc.KeyEnv != "" && strings.Contains(err.Error(), keyVars[tt.name]) {
			t.Errorf("%s: err = %v names the standard variable", tt.name, err)
		}
	}
}

// TestConfigQuotas: the free-tier allowances are defaults, a paid tier
// raises them, -1 turns one off, per_minute sets the rate, and the budget
// is read.
func TestConfigQuotas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(path, []byte(`
online_budget: 5m
providers:
  virustotal:
    per_minute: 1000
    per_day: 20000
    per_month: -1
`), 0o600)
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.OnlineBudget != 5*time.Minute {
		t.Errorf("online_budget %v", c.OnlineBudget)
	}
	vt := c.Providers.VirusTotal.limits(NameVirusTotal)
	if vt.PerDay != 20000 || vt.PerMonth != 0 || vt.Rate != 1000.0/60 {
		t.Errorf("virustotal limits %+v", vt)
	}
	ab := c.Providers.AbuseIPDB.limits(NameAbuseIPDB)
	if ab.PerDay != 1000 || ab.PerMonth != 0 {
		t.Errorf("abuseipdb defaults %+v, want the free tier's 1000 a day", ab)
	}
	os.WriteFile(path, []byte("online_budget: -1s\n"), 0o600)
	if _, err := LoadConfig(path); err == nil || !strings.Contains(err.Error(), "online_budget") {
		t.Errorf("negative budget: %v", err)
	}
}
