package enrich

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// DefaultVirusTotalURL is VirusTotal's API base.
const DefaultVirusTotalURL = "https://www.virustotal.com"

// VirusTotalSource asks VirusTotal's v3 IP address object:
//
//	GET {BaseURL}/api/v3/ip_addresses/{ip}
//	x-apikey: {Key}
//
// and reads data.attributes.last_analysis_stats (malicious, suspicious,
// harmless, undetected) and the engines' results. Errors come as
// {"error":{"code":"NotFoundError","message":...}}; NotFoundError (404) is
// a normal "not found".
//
// Severity: 3 or more engines say malicious high; 1-2 malicious warning;
// only suspicious information; none otherwise. Score is the malicious
// count. Categories are the engines' verdict words for malicious and
// suspicious results ("malware", "phishing", ...), most common first.
// Reference: https://www.virustotal.com/gui/ip-address/{ip}.
//
// A spent allowance is 429 {"error":{"code":"QuotaExceededError",...}}
// (docs.virustotal.com/reference/errors: "You have exceeded one of your
// quotas (minute, daily or monthly). Daily quotas are reset every day at
// 00:00 UTC."), which does not say which; a burst is 429
// TooManyRequestsError. A QuotaExceededError still given after the minute
// has passed is taken as the day's (HTTPError.QuotaWindow).
type VirusTotalSource struct {
	BaseURL string // empty means DefaultVirusTotalURL
	Key     string
	Client  *http.Client
	// MinuteWindow is how long the per-minute quota lasts; zero means a
	// minute (tests shorten it).
	MinuteWindow time.Duration
}

// Name is "virustotal".
func (s *VirusTotalSource) Name() string { return "virustotal" }

type vtIPAddress struct {
	Data *struct {
		Attributes struct {
			LastAnalysisStats struct {
				Malicious  int `json:"malicious"`
				Suspicious int `json:"suspicious"`
				Harmless   int `json:"harmless"`
				Undetected int `json:"undetected"`
			} `json:"last_analysis_stats"`
			LastAnalysisResults map[string]struct {
				Category string `json:"category"`
				Result   string `json:"result"`
			} `json:"last_analysis_results"`
			Tags []string `json:"tags"`
		} `json:"attributes"`
	} `json:"data"`
}

// Lookup implements Source.
func (s *VirusTotalSource) Lookup(ctx context.Context, addr netip.Addr) (Finding, error) {
	addr = addr.Unmap()
	req, err := newGet(firstNonEmpty(s.BaseURL, DefaultVirusTotalURL), "/api/v3/ip_addresses/"+addr.String(), nil)
	if err != nil {
		return Finding{}, err
	}
	req.Header.Set("x-apikey", s.Key)
	var a vtIPAddress
	raw, found, err := getJSON(ctx, s.Client, req, s.Name(), []string{s.Key}, &a, http.StatusNotFound)
	if err != nil {
		var he *HTTPError
		if errors.As(err, &he) && he.StatusCode == http.StatusTooManyRequests && he.Quota == "" && strings.HasPrefix(he.Reason, "QuotaExceededError") {
			he.QuotaWindow = cmp.Or(s.MinuteWindow, time.Minute)
		}
		return Finding{}, err
	}
	if !found {
		// Only VirusTotal's own NotFoundError means the address is unknown;
		// another 404 (a wrong path behind a proxy) is a failure.
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Error.Code != "NotFoundError" {
			return Finding{}, &badAnswerError{provider: s.Name(), err: errors.New("HTTP 404 without NotFoundError")}
		}
		return Finding{Raw: raw}, nil
	}
	if a.Data == nil {
		return Finding{}, &badAnswerError{provider: s.Name(), err: errMissing("data")}
	}
	st := a.Data.Attributes.LastAnalysisStats
	v := &Verdict{
		Provider:  s.Name(),
		Severity:  virusTotalSeverity(st.Malicious, st.Suspicious),
		Score:     float64(st.Malicious),
		Reference: "https://www.virustotal.com/gui/ip-address/" + addr.String(),
		Raw:       raw,
	}
	count := map[string]int{}
	for _, r := range a.Data.Attributes.LastAnalysisResults {
		if r.Category != "malicious" && r.Category != "suspicious" {
			continue
		}
		w := strings.ToLower(strings.TrimSpace(r.Result))
		if w == "" {
			w = r.Category
		}
		count[w]++
	}
	v.Categories = topKeys(count, 10)
	return Finding{Found: true, Verdict: v, Raw: raw}, nil
}

func virusTotalSeverity(malicious, suspicious int) Severity {
	switch {
	case malicious >= 3:
		return SeverityHigh
	case malicious >= 1:
		return SeverityWarning
	case suspicious >= 1:
		return SeverityInformation
	}
	return SeverityNone
}
