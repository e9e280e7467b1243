package enrich

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
)

// DefaultAbuseIPDBURL is AbuseIPDB's API base.
const DefaultAbuseIPDBURL = "https://api.abuseipdb.com"

// AbuseIPDBSource asks AbuseIPDB's v2 check endpoint:
//
//	GET {BaseURL}/api/v2/check?ipAddress={ip}&maxAgeInDays=90&verbose
//	Key: {Key}
//	Accept: application/json
//
// and reads data.abuseConfidenceScore (0-100), data.totalReports and, with
// verbose, data.reports[].categories (numeric category IDs).
//
// Severity: score >= 75 high; >= 25 warning; > 0 information; 0 none.
// Score is abuseConfidenceScore. Categories are the reported category
// names, most reported first. Reference: https://www.abuseipdb.com/check/{ip}.
type AbuseIPDBSource struct {
	BaseURL string // empty means DefaultAbuseIPDBURL
	Key     string
	Client  *http.Client
	// MaxAgeDays is the reports' age window; 0 means 90.
	MaxAgeDays int
}

// abuseIPDBDaily is AbuseIPDB's answer once the day's allowance of an
// endpoint is spent (docs.abuseipdb.com, "Rate Limiting"): HTTP 429 with
// {"errors":[{"detail":"Daily rate limit of 1000 requests exceeded for this
// endpoint. See headers for additional details.","status":429}]},
// X-RateLimit-Limit, X-RateLimit-Remaining: 0, X-RateLimit-Reset (epoch)
// and Retry-After (seconds to the reset). The headers alone are enough
// (see longWait); the wording is enough without them.
var abuseIPDBDaily = regexp.MustCompile(`(?i)^daily rate limit of (\d+) requests exceeded`)

// Name is "abuseipdb".
func (s *AbuseIPDBSource) Name() string { return "abuseipdb" }

type abuseCheck struct {
	Data *struct {
		IPAddress            string  `json:"ipAddress"`
		AbuseConfidenceScore float64 `json:"abuseConfidenceScore"`
		TotalReports         int     `json:"totalReports"`
		UsageType            string  `json:"usageType"`
		Reports              []struct {
			Categories []int `json:"categories"`
		} `json:"reports"`
	} `json:"data"`
}

// abuseCategories are AbuseIPDB's documented report categories
// (https://www.abuseipdb.com/categories).
var abuseCategories = [...]string{
	1: "DNS Compromise", 2: "DNS Poisoning", 3: "Fraud Orders", 4: "DDoS Attack",
	5: "FTP Brute-Force", 6: "Ping of Death", 7: "Phishing", 8: "Fraud VoIP",
	9: "Open Proxy", 10: "Web Spam", 11: "Email Spam", 12: "Blog Spam",
	13: "VPN IP", 14: "Port Scan", 15: "Hacking", 16: "SQL Injection",
	17: "Spoofing", 18: "Brute-Force", 19: "Bad Web Bot", 20: "Exploited Host",
	21: "Web App Attack", 22: "SSH", 23: "IoT Targeted",
}

// Lookup implements Source.
func (s *AbuseIPDBSource) Lookup(ctx context.Context, addr netip.Addr) (Finding, error) {
	addr = addr.Unmap()
	age := s.MaxAgeDays
	if age <= 0 {
		age = 90
	}
	q := url.Values{"ipAddress": {addr.String()}, "maxAgeInDays": {strconv.Itoa(age)}, "verbose": {""}}
	req, err := newGet(firstNonEmpty(s.BaseURL, DefaultAbuseIPDBURL), "/api/v2/check", q)
	if err != nil {
		return Finding{}, err
	}
	// The key goes in a header, never in the query string, so it cannot
	// leak through a *url.Error.
	req.Header.Set("Key", s.Key)
	var a abuseCheck
	raw, _, err := getJSON(ctx, s.Client, req, s.Name(), []string{s.Key}, &a)
	if err != nil {
		return Finding{}, spentQuota(err, http.StatusTooManyRequests, abuseIPDBDaily, PeriodDay)
	}
	if a.Data == nil {
		return Finding{}, &badAnswerError{provider: s.Name(), err: errMissing("data")}
	}
	score := a.Data.AbuseConfidenceScore
	v := &Verdict{
		Provider:  s.Name(),
		Severity:  abuseIPDBSeverity(score),
		Score:     score,
		Reference: "https://www.abuseipdb.com/check/" + addr.String(),
		Raw:       raw,
	}
	count := map[string]int{}
	for _, r := range a.Data.Reports {
		for _, c := range r.Categories {
			name := "category " + strconv.Itoa(c)
			if c > 0 && c < len(abuseCategories) && abuseCategories[c] != "" {
				name = abuseCategories[c]
			}
			count[name]++
		}
	}
	v.Categories = topKeys(count, 10)
	return Finding{Found: true, Verdict: v, Raw: raw}, nil
}

func abuseIPDBSeverity(score float64) Severity {
	switch {
	case score >= 75:
		return SeverityHigh
	case score >= 25:
		return SeverityWarning
	case score > 0:
		return SeverityInformation
	}
	return SeverityNone
}

type errMissing string

func (e errMissing) Error() string { return "no " + string(e) + " in answer" }
