package enrich

import (
	"context"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
)

// DefaultGreyNoiseURL is GreyNoise's API base.
const DefaultGreyNoiseURL = "https://api.greynoise.io"

// GreyNoiseSource asks GreyNoise's Community API, which works without a key
// (at a low daily rate) and with one:
//
//	GET {BaseURL}/v3/community/{ip}
//	key: {Key}   (only when set)
//
// The answer has ip, noise, riot, classification (malicious, suspicious,
// benign, unknown), name, link, last_seen and message. An address GreyNoise
// has not seen is a 404 with the same shape: a normal "not found".
//
// Severity: classification malicious high; suspicious warning; seen
// scanning (noise) but unknown information; benign or RIOT (a known
// business service) none. Score is not given by this API and stays 0.
// Categories: the classification, "noise", "riot", and the actor name when
// GreyNoise knows it. Reference: https://viz.greynoise.io/ip/{ip}.
type GreyNoiseSource struct {
	BaseURL string // empty means DefaultGreyNoiseURL
	Key     string // optional
	Client  *http.Client
}

// greyNoiseDaily is the Community API's answer once the day's lookups are
// spent: HTTP 429 with {"plan":"unauthenticated","rate-limit":
// "100-lookups/day","message":"You have hit your daily rate limit of 100
// requests per day. ..."}. GreyNoise documents the endpoint as rate
// limited without the figures or the body; this is the answer's shape as
// our fixture records it, and a Retry-After of an hour or more means the
// same (longWait).
var greyNoiseDaily = regexp.MustCompile(`(?i)daily rate limit(?: of (\d+))?`)

// Name is "greynoise".
func (s *GreyNoiseSource) Name() string { return "greynoise" }

type greyNoiseCommunity struct {
	IP             string `json:"ip"`
	Noise          bool   `json:"noise"`
	RIOT           bool   `json:"riot"`
	Classification string `json:"classification"`
	Name           string `json:"name"`
	LastSeen       string `json:"last_seen"`
	Message        string `json:"message"`
}

// Lookup implements Source.
func (s *GreyNoiseSource) Lookup(ctx context.Context, addr netip.Addr) (Finding, error) {
	addr = addr.Unmap()
	req, err := newGet(firstNonEmpty(s.BaseURL, DefaultGreyNoiseURL), "/v3/community/"+addr.String(), nil)
	if err != nil {
		return Finding{}, err
	}
	if s.Key != "" {
		req.Header.Set("key", s.Key)
	}
	var a greyNoiseCommunity
	raw, found, err := getJSON(ctx, s.Client, req, s.Name(), []string{s.Key}, &a, http.StatusNotFound)
	if err != nil {
		return Finding{}, spentQuota(err, http.StatusTooManyRequests, greyNoiseDaily, PeriodDay)
	}
	if !found {
		return Finding{Raw: raw}, nil
	}
	if a.IP == "" {
		return Finding{}, &badAnswerError{provider: s.Name(), err: errMissing("ip")}
	}
	class := strings.ToLower(a.Classification)
	v := &Verdict{
		Provider:  s.Name(),
		Severity:  greyNoiseSeverity(class, a.Noise, a.RIOT),
		Reference: "https://viz.greynoise.io/ip/" + addr.String(),
		Raw:       raw,
	}
	if class != "" {
		v.Categories = append(v.Categories, class)
	}
	if a.Noise {
		v.Categories = append(v.Categories, "noise")
	}
	if a.RIOT {
		v.Categories = append(v.Categories, "riot")
	}
	if a.Name != "" && !strings.EqualFold(a.Name, "unknown") {
		v.Categories = append(v.Categories, a.Name)
	}
	return Finding{Found: true, Verdict: v, Raw: raw}, nil
}

func greyNoiseSeverity(class string, noise, riot bool) Severity {
	switch {
	case class == "malicious":
		return SeverityHigh
	case class == "suspicious":
		return SeverityWarning
	case class == "benign" || riot:
		return SeverityNone
	case noise:
		return SeverityInformation
	}
	return SeverityNone
}
