package enrich

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Source names, as used in the config file, --ti and Status.Source.
const (
	NameWhois      = "whois"
	NameBulkASN    = "bulk-asn"
	NameOTX        = "otx"
	NameAbuseIPDB  = "abuseipdb"
	NameGreyNoise  = "greynoise"
	NameVirusTotal = "virustotal"
	NameXForce     = "xforce"
)

// TINames lists the threat-intelligence providers in report order.
var TINames = []string{NameAbuseIPDB, NameGreyNoise, NameOTX, NameVirusTotal, NameXForce}

// Config is the online-enrichment configuration: the YAML file described
// in docs/CONFIG.md, with environment overrides applied by ApplyEnv.
type Config struct {
	// CacheDir overrides the per-user cache directory.
	CacheDir  string          `yaml:"cache_dir"`
	Providers ProvidersConfig `yaml:"providers"`
	Feeds     []FeedConfig    `yaml:"feeds"`
	// OnlineBudget bounds the wall time of all online lookups (the
	// --online-budget flag wins); 0 means the flag's default.
	OnlineBudget time.Duration `yaml:"online_budget"`
	// Exclude lists exclusion rules, as --exclude takes them (package
	// filter); a relative @FILE is resolved against the file's directory.
	Exclude []string `yaml:"exclude"`
	// Email holds defaults for the email flags (--email-to ...); a flag
	// given on the command line replaces its key. Package email sends.
	Email EmailConfig `yaml:"email"`
}

// EmailConfig is the config file's email block. Credentials are not
// here: they come from the environment only.
type EmailConfig struct {
	To           []string      `yaml:"to"`
	Cc           []string      `yaml:"cc"`
	From         string        `yaml:"from"`
	Subject      string        `yaml:"subject"`
	Attach       string        `yaml:"attach"`
	SMTPInsecure bool          `yaml:"smtp_insecure"`
	Timeout      time.Duration `yaml:"timeout"`

	// SMTP is refused by LoadConfig: the server is only ever --smtp, so
	// that no run mails unless asked. The key is known so that the error
	// says so, instead of the decoder's "field smtp not found".
	SMTP string `yaml:"smtp"`
}

// ProvidersConfig holds one block per source.
type ProvidersConfig struct {
	Whois      ProviderConfig `yaml:"whois"`
	BulkASN    ProviderConfig `yaml:"bulk_asn"`
	OTX        ProviderConfig `yaml:"otx"`
	AbuseIPDB  ProviderConfig `yaml:"abuseipdb"`
	GreyNoise  ProviderConfig `yaml:"greynoise"`
	VirusTotal ProviderConfig `yaml:"virustotal"`
	XForce     ProviderConfig `yaml:"xforce"`
}

// ProviderConfig configures one source. Zero values mean the source's
// default (see DefaultLimits).
type ProviderConfig struct {
	// Enabled false turns a provider off even when it has a key; nil means
	// "on when configured" (a key is set; GreyNoise and the WHOIS sources
	// need none).
	Enabled *bool `yaml:"enabled"`
	// Key is the API key; KeyEnv names an environment variable holding it
	// (preferred: keeps keys out of the file). Password/PasswordEnv are
	// X-Force's second credential.
	Key         string `yaml:"key"`
	KeyEnv      string `yaml:"key_env"`
	Password    string `yaml:"password"`
	PasswordEnv string `yaml:"password_env"`
	// BaseURL replaces the API's scheme://host (HTTP providers); Server
	// replaces host:port (WHOIS and bulk ASN).
	BaseURL     string        `yaml:"base_url"`
	Server      string        `yaml:"server"`
	Concurrency int           `yaml:"concurrency"`
	Rate        float64       `yaml:"rate"` // requests per second
	Burst       int           `yaml:"burst"`
	Timeout     time.Duration `yaml:"timeout"`
	TTL         time.Duration `yaml:"ttl"`
	Retries     *int          `yaml:"retries"`
	// PerMinute sets the rate as requests a minute (when Rate is unset);
	// PerDay and PerMonth are the allowances per UTC day and month, for a
	// paid tier. A negative value turns the default allowance off.
	PerMinute float64 `yaml:"per_minute"`
	PerDay    int     `yaml:"per_day"`
	PerMonth  int     `yaml:"per_month"`
}

// FeedConfig is one local blocklist.
type FeedConfig struct {
	Name string `yaml:"name"`
	// Path is the feed file; relative paths are relative to the config
	// file's directory.
	Path string `yaml:"path"`
	// URL is where `honeyreport feeds update` downloads it from.
	URL string `yaml:"url"`
	// Severity of a match: high, warning or information (default warning).
	Severity string `yaml:"severity"`
}

func (f FeedConfig) severity() Severity {
	switch Severity(strings.ToLower(f.Severity)) {
	case SeverityHigh:
		return SeverityHigh
	case SeverityInformation:
		return SeverityInformation
	}
	return SeverityWarning
}

// DefaultLimits are each source's limits when the config leaves them out:
// the providers' free tiers and RIR WHOIS fair use. VirusTotal public API:
// 4 requests a minute, 500 a day (documented), 15,500 a month (its quota
// page); AbuseIPDB free: 1,000 checks a day (documented). GreyNoise
// community (50 lookups a day) and X-Force (5,000 calls a month) document
// no figure: these are guesses, and their "spent" answers stop a source
// whose allowance is lower. OTX documents no limit: 5 a second. The pages
// are cited in docs/CONFIG.md.
func DefaultLimits(name string) Limits {
	retry := RetryPolicy{Retries: 2, BaseDelay: 500 * time.Millisecond, MaxDelay: 10 * time.Second, MaxRetryAfter: 70 * time.Second}
	l := Limits{Concurrency: 4, Rate: 5, Burst: 4, Timeout: 15 * time.Second, TTL: 24 * time.Hour, Retry: retry}
	switch name {
	case NameWhois:
		l.Concurrency, l.Rate, l.Burst, l.Timeout, l.TTL = 10, 20, 10, 15*time.Second, 30*24*time.Hour
	case NameBulkASN:
		l.Concurrency, l.Rate, l.Burst, l.Timeout, l.TTL = 1, 0, 1, 30*time.Second, 7*24*time.Hour
	case NameVirusTotal:
		l.Concurrency, l.Rate, l.Burst = 1, 4.0/60, 1
		l.PerDay, l.PerMonth = 500, 15500
	case NameGreyNoise:
		l.Concurrency, l.Rate, l.Burst = 2, 1, 2
		l.PerDay = 50
	case NameAbuseIPDB:
		l.PerDay = 1000
	case NameXForce:
		l.PerMonth = 5000
	case NameOTX:
	}
	return l
}

// DefaultConfigPath is os.UserConfigDir()/honeyreport/config.yaml.
func DefaultConfigPath() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find config directory: %w", err)
	}
	return filepath.Join(d, "honeyreport", "config.yaml"), nil
}

// LoadConfig reads the YAML config at path. Unknown keys are an error (a
// typo must not silently disable a provider). Relative feed paths are
// resolved against the file's directory.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	// An empty file decodes as io.EOF: the zero Config.
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	if c.OnlineBudget < 0 {
		return Config{}, fmt.Errorf("config %s: online_budget: %v is negative", path, c.OnlineBudget)
	}
	if err := c.Providers.validate(); err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	if c.Email.SMTP != "" {
		return Config{}, fmt.Errorf("config %s: email.smtp: the SMTP server is only ever given as --smtp HOST:PORT, so that no run sends mail unless asked", path)
	}
	dir := filepath.Dir(path)
	for i, r := range c.Exclude {
		if name, ok := strings.CutPrefix(strings.TrimSpace(r), "@"); ok && !filepath.IsAbs(name) {
			c.Exclude[i] = "@" + filepath.Join(dir, name)
		}
	}
	for i, f := range c.Feeds {
		if f.Name == "" {
			return Config{}, fmt.Errorf("config %s: feed %d has no name", path, i+1)
		}
		if f.Path == "" && f.URL == "" {
			return Config{}, fmt.Errorf("config %s: feed %q has neither path nor url", path, f.Name)
		}
		if f.Path != "" && !filepath.IsAbs(f.Path) {
			c.Feeds[i].Path = filepath.Join(dir, f.Path)
		}
		switch Severity(strings.ToLower(f.Severity)) {
		case "", SeverityHigh, SeverityWarning, SeverityInformation:
		default:
			return Config{}, fmt.Errorf("config %s: feed %q: severity %q is not high, warning or information", path, f.Name, f.Severity)
		}
	}
	return c, nil
}

// Upper bounds of the provider settings (docs/CONFIG.md): past them one
// slow or failing provider would hold a run for minutes per address.
const (
	MaxRetries     = 5
	MaxTimeout     = 2 * time.Minute
	MaxConcurrency = 64
)

// validate checks each provider's limits: none negative, retries, timeout
// and concurrency within their maxima. Zero means the default.
func (p *ProvidersConfig) validate() error {
	for _, b := range []struct {
		key string // as in the file
		pc  *ProviderConfig
	}{{"whois", &p.Whois}, {"bulk_asn", &p.BulkASN}, {"otx", &p.OTX}, {"abuseipdb", &p.AbuseIPDB},
		{"greynoise", &p.GreyNoise}, {"virustotal", &p.VirusTotal}, {"xforce", &p.XForce}} {
		pc := b.pc
		bad := func(field string, v any, why string) error {
			return fmt.Errorf("providers.%s.%s: %v %s", b.key, field, v, why)
		}
		switch {
		case pc.Retries != nil && *pc.Retries < 0:
			return bad("retries", *pc.Retries, "is negative")
		case pc.Retries != nil && *pc.Retries > MaxRetries:
			return bad("retries", *pc.Retries, fmt.Sprintf("is more than the maximum, %d", MaxRetries))
		case pc.Timeout < 0:
			return bad("timeout", pc.Timeout, "is negative")
		case pc.Timeout > MaxTimeout:
			return bad("timeout", pc.Timeout, fmt.Sprintf("is more than the maximum, %v", MaxTimeout))
		case pc.Concurrency < 0:
			return bad("concurrency", pc.Concurrency, "is negative")
		case pc.Concurrency > MaxConcurrency:
			return bad("concurrency", pc.Concurrency, fmt.Sprintf("is more than the maximum, %d", MaxConcurrency))
		case !(pc.Rate >= 0): // also NaN
			return bad("rate", pc.Rate, "is not a rate (requests per second, 0 or more)")
		case pc.Burst < 0:
			return bad("burst", pc.Burst, "is negative")
		case pc.TTL < 0:
			return bad("ttl", pc.TTL, "is negative")
		case !(pc.PerMinute >= 0):
			return bad("per_minute", pc.PerMinute, "is not a rate (requests a minute, 0 or more)")
		}
	}
	return nil
}

// ApplyEnv returns c with the environment applied: key_env/password_env
// names resolved, then the standard variables, which win over the file:
//
//	OTX_API_KEY, ABUSEIPDB_API_KEY, GREYNOISE_API_KEY, VT_API_KEY,
//	XFORCE_API_KEY, XFORCE_API_PASSWORD
//	HONEYREPORT_OTX_URL, HONEYREPORT_ABUSEIPDB_URL, HONEYREPORT_GREYNOISE_URL,
//	HONEYREPORT_VIRUSTOTAL_URL, HONEYREPORT_XFORCE_URL   (base URLs)
//	HONEYREPORT_WHOIS_SERVER, HONEYREPORT_BULK_ASN_SERVER (host:port)
//	HONEYREPORT_RDAP_URL (RDAP base URL, replacing IANA's bootstrap)
//	HONEYREPORT_CACHE_DIR
//
// getenv is os.Getenv in main, a map in tests.
func (c Config) ApplyEnv(getenv func(string) string) Config {
	set := func(dst *string, name string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	p := &c.Providers
	for _, pc := range []*ProviderConfig{&p.Whois, &p.BulkASN, &p.OTX, &p.AbuseIPDB, &p.GreyNoise, &p.VirusTotal, &p.XForce} {
		if pc.KeyEnv != "" {
			set(&pc.Key, pc.KeyEnv)
		}
		if pc.PasswordEnv != "" {
			set(&pc.Password, pc.PasswordEnv)
		}
	}
	set(&p.OTX.Key, "OTX_API_KEY")
	set(&p.AbuseIPDB.Key, "ABUSEIPDB_API_KEY")
	set(&p.GreyNoise.Key, "GREYNOISE_API_KEY")
	set(&p.VirusTotal.Key, "VT_API_KEY")
	set(&p.XForce.Key, "XFORCE_API_KEY")
	set(&p.XForce.Password, "XFORCE_API_PASSWORD")
	set(&p.OTX.BaseURL, "HONEYREPORT_OTX_URL")
	set(&p.AbuseIPDB.BaseURL, "HONEYREPORT_ABUSEIPDB_URL")
	set(&p.GreyNoise.BaseURL, "HONEYREPORT_GREYNOISE_URL")
	set(&p.VirusTotal.BaseURL, "HONEYREPORT_VIRUSTOTAL_URL")
	set(&p.XForce.BaseURL, "HONEYREPORT_XFORCE_URL")
	set(&p.Whois.Server, "HONEYREPORT_WHOIS_SERVER")
	set(&p.Whois.BaseURL, "HONEYREPORT_RDAP_URL")
	set(&p.BulkASN.Server, "HONEYREPORT_BULK_ASN_SERVER")
	set(&c.CacheDir, "HONEYREPORT_CACHE_DIR")
	return c
}

func (c *Config) provider(name string) *ProviderConfig {
	p := &c.Providers
	switch name {
	case NameWhois:
		return &p.Whois
	case NameBulkASN:
		return &p.BulkASN
	case NameOTX:
		return &p.OTX
	case NameAbuseIPDB:
		return &p.AbuseIPDB
	case NameGreyNoise:
		return &p.GreyNoise
	case NameVirusTotal:
		return &p.VirusTotal
	case NameXForce:
		return &p.XForce
	}
	return nil
}

// Configured reports whether the threat-intelligence provider can run:
// not disabled, and with its key (GreyNoise's community API needs none,
// but counts as configured only when it has a key or is enabled: true).
func (c Config) Configured(name string) bool {
	pc := c.provider(name)
	if pc == nil || (pc.Enabled != nil && !*pc.Enabled) {
		return false
	}
	switch name {
	case NameGreyNoise:
		return pc.Key != "" || pc.Enabled != nil
	case NameXForce:
		return pc.Key != "" && pc.Password != ""
	case NameWhois, NameBulkASN:
		return true
	}
	return pc.Key != ""
}

// ParseTI expands a --ti value ("abuseipdb,otx", "all-configured") into
// provider names. Unknown names are an error listing the known ones.
func (c Config) ParseTI(list string) ([]string, error) {
	var out []string
	for _, n := range strings.Split(list, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		switch {
		case n == "":
		case n == "all-configured" || n == "all":
			for _, t := range TINames {
				if c.Configured(t) && !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
		case slices.Contains(TINames, n):
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		default:
			return nil, fmt.Errorf("unknown threat-intelligence provider %q (known: %s, all-configured)", n, strings.Join(TINames, ", "))
		}
	}
	return out, nil
}

// Sources builds the online sources named (NameWhois, NameBulkASN and TI
// names), with their limits from the config over DefaultLimits. client is
// shared by the HTTP providers (nil means a client with no overall
// timeout; per-request timeouts come from Limits). A named TI provider
// without the key it needs is an error saying which variable to set;
// a disabled one is skipped.
func (c Config) Sources(names []string, client *http.Client) ([]Online, error) {
	if client == nil {
		client = &http.Client{}
	}
	var out []Online
	var errs []error
	for _, name := range names {
		pc := c.provider(name)
		if pc == nil {
			errs = append(errs, fmt.Errorf("unknown source %q", name))
			continue
		}
		if pc.Enabled != nil && !*pc.Enabled {
			continue
		}
		var src Source
		switch name {
		case NameWhois:
			ws := &WhoisSource{Server: pc.Server}
			// A WHOIS server given explicitly (a mirror, a test) without an
			// RDAP base means WHOIS only.
			if pc.BaseURL != "" || pc.Server == "" {
				ws.RDAP = &RDAPSource{BaseURL: pc.BaseURL, Client: client}
			}
			src = ws
		case NameBulkASN:
			src = &CymruSource{Server: pc.Server}
		case NameOTX:
			src = &OTXSource{BaseURL: pc.BaseURL, Key: pc.Key, Client: client}
		case NameAbuseIPDB:
			src = &AbuseIPDBSource{BaseURL: pc.BaseURL, Key: pc.Key, Client: client}
		case NameGreyNoise:
			src = &GreyNoiseSource{BaseURL: pc.BaseURL, Key: pc.Key, Client: client}
		case NameVirusTotal:
			src = &VirusTotalSource{BaseURL: pc.BaseURL, Key: pc.Key, Client: client}
		case NameXForce:
			src = &XForceSource{BaseURL: pc.BaseURL, Key: pc.Key, Password: pc.Password, Client: client}
		}
		if err := pc.check(name); err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, Online{Source: src, Limits: pc.limits(name)})
	}
	return out, errors.Join(errs...)
}

var keyVars = map[string]string{
	NameOTX: "OTX_API_KEY", NameAbuseIPDB: "ABUSEIPDB_API_KEY",
	NameVirusTotal: "VT_API_KEY", NameXForce: "XFORCE_API_KEY and XFORCE_API_PASSWORD",
}

func (pc ProviderConfig) check(name string) error {
	// A key_env naming an unset variable is the likelier mistake than a
	// missing standard variable: name it.
	if _, needsKey := keyVars[name]; needsKey {
		if pc.Key == "" && pc.KeyEnv != "" {
			return fmt.Errorf("%s needs an API key: providers.%s.key_env names %s, which is not set", name, name, pc.KeyEnv)
		}
		if name == NameXForce && pc.Password == "" && pc.PasswordEnv != "" {
			return fmt.Errorf("%s needs an API password: providers.%s.password_env names %s, which is not set", name, name, pc.PasswordEnv)
		}
	}
	switch name {
	case NameOTX, NameAbuseIPDB, NameVirusTotal:
		if pc.Key == "" {
			return fmt.Errorf("%s needs an API key: set %s or providers.%s.key_env in the config", name, keyVars[name], name)
		}
	case NameXForce:
		if pc.Key == "" || pc.Password == "" {
			return fmt.Errorf("%s needs an API key and password: set %s or providers.%s.key_env/password_env in the config", name, keyVars[name], name)
		}
	case NameWhois, NameBulkASN:
		if pc.Server != "" {
			if _, _, err := net.SplitHostPort(pc.Server); err != nil {
				return fmt.Errorf("%s server %q: want host:port", name, pc.Server)
			}
		}
	}
	if pc.BaseURL != "" && !strings.HasPrefix(pc.BaseURL, "http://") && !strings.HasPrefix(pc.BaseURL, "https://") {
		return fmt.Errorf("%s base_url %q: want http:// or https://", name, pc.BaseURL)
	}
	return nil
}

func (pc ProviderConfig) limits(name string) Limits {
	l := DefaultLimits(name)
	if pc.Concurrency > 0 {
		l.Concurrency = pc.Concurrency
	}
	switch {
	case pc.Rate > 0:
		l.Rate = pc.Rate
	case pc.PerMinute > 0:
		l.Rate = pc.PerMinute / 60
	}
	if pc.PerDay != 0 {
		l.PerDay = max(pc.PerDay, 0)
	}
	if pc.PerMonth != 0 {
		l.PerMonth = max(pc.PerMonth, 0)
	}
	if pc.Burst > 0 {
		l.Burst = pc.Burst
	}
	if pc.Timeout > 0 {
		l.Timeout = pc.Timeout
	}
	if pc.TTL > 0 {
		l.TTL = pc.TTL
	}
	if pc.Retries != nil {
		l.Retry.Retries = *pc.Retries
	}
	return l
}
