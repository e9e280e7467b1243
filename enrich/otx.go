package enrich

import (
	"context"
	"net/http"
	"net/netip"
	"sort"
	"strings"
)

// DefaultOTXURL is AlienVault OTX's API base.
const DefaultOTXURL = "https://otx.alienvault.com"

// OTXSource asks AlienVault OTX's indicator API:
//
//	GET {BaseURL}/api/v1/indicators/IPv4/{ip}/general   (IPv6 for IPv6)
//	X-OTX-API-KEY: {Key}
//
// and reads pulse_info.count and the pulses' tags.
//
// Severity: no pulses none; 1 pulse warning; 2 or more pulses high.
// Score is the pulse count. Categories are the pulses' tags, most common
// first (at most 10). Reference: https://otx.alienvault.com/indicator/ip/{ip}.
//
// OTX documents no limit and no quota answer: its 429 carries neither
// Retry-After nor quota headers, so it is a burst, retried and then
// stopping the source for the run, unless it asks to wait an hour or more
// (longWait).
type OTXSource struct {
	BaseURL string // empty means DefaultOTXURL
	Key     string
	Client  *http.Client
}

// Name is "otx".
func (s *OTXSource) Name() string { return "otx" }

type otxGeneral struct {
	PulseInfo *struct {
		Count  int `json:"count"`
		Pulses []struct {
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		} `json:"pulses"`
	} `json:"pulse_info"`
	Reputation int `json:"reputation"`
}

// Lookup implements Source.
func (s *OTXSource) Lookup(ctx context.Context, addr netip.Addr) (Finding, error) {
	addr = addr.Unmap()
	kind := "IPv4"
	if addr.Is6() {
		kind = "IPv6"
	}
	req, err := newGet(firstNonEmpty(s.BaseURL, DefaultOTXURL), "/api/v1/indicators/"+kind+"/"+addr.String()+"/general", nil)
	if err != nil {
		return Finding{}, err
	}
	if s.Key != "" {
		req.Header.Set("X-OTX-API-KEY", s.Key)
	}
	var a otxGeneral
	// OTX answers 404 for addresses it refuses as indicators (private,
	// reserved): nothing is known about them.
	raw, found, err := getJSON(ctx, s.Client, req, s.Name(), []string{s.Key}, &a, http.StatusNotFound)
	if err != nil || !found {
		return Finding{Raw: raw}, err
	}
	if a.PulseInfo == nil {
		// Without it, "no pulses" would be a guess, cached as clean.
		return Finding{}, &badAnswerError{provider: s.Name(), err: errMissing("pulse_info")}
	}
	n := a.PulseInfo.Count
	if n < len(a.PulseInfo.Pulses) {
		n = len(a.PulseInfo.Pulses)
	}
	v := &Verdict{
		Provider:  s.Name(),
		Severity:  otxSeverity(n),
		Score:     float64(n),
		Reference: "https://otx.alienvault.com/indicator/ip/" + addr.String(),
		Raw:       raw,
	}
	count := map[string]int{}
	for _, p := range a.PulseInfo.Pulses {
		seen := map[string]bool{}
		for _, t := range p.Tags {
			t = strings.ToLower(strings.TrimSpace(t))
			if t != "" && !seen[t] {
				seen[t] = true
				count[t]++
			}
		}
	}
	v.Categories = topKeys(count, 10)
	return Finding{Found: true, Verdict: v, Raw: raw}, nil
}

func otxSeverity(pulses int) Severity {
	switch {
	case pulses >= 2:
		return SeverityHigh
	case pulses == 1:
		return SeverityWarning
	}
	return SeverityNone
}

// topKeys returns the n keys with the highest counts, ties alphabetical.
func topKeys(count map[string]int, n int) []string {
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if count[keys[i]] != count[keys[j]] {
			return count[keys[i]] > count[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	return keys
}
