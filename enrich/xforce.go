package enrich

import (
	"context"
	"net/http"
	"net/netip"
)

// DefaultXForceURL is IBM X-Force Exchange's API base.
const DefaultXForceURL = "https://api.xforce.ibmcloud.com"

// XForceSource asks IBM X-Force Exchange's IP reputation endpoint:
//
//	GET {BaseURL}/ipr/{ip}
//	Authorization: Basic base64(Key:Password)
//
// and reads score (1-10) and cats (category name -> confidence). An unknown
// address is 404 {"error":"Not found."}: a normal "not found". A used-up
// quota is 402 Payment Required, whatever the body: the month's allowance
// of API calls is spent. A burst over its per-second limit is 429.
//
// Severity follows X-Force's own risk bands: score >= 7 high; >= 4 warning;
// above 1 information; 1 (unsuspicious) or absent none. Score is X-Force's
// score. Categories are the cats names, highest confidence first.
// Reference: https://exchange.xforce.ibmcloud.com/ip/{ip}.
type XForceSource struct {
	BaseURL  string // empty means DefaultXForceURL
	Key      string
	Password string
	Client   *http.Client
}

// Name is "xforce".
func (s *XForceSource) Name() string { return "xforce" }

type xforceIPR struct {
	IP    string         `json:"ip"`
	Score *float64       `json:"score"`
	Cats  map[string]int `json:"cats"`
}

// Lookup implements Source.
func (s *XForceSource) Lookup(ctx context.Context, addr netip.Addr) (Finding, error) {
	addr = addr.Unmap()
	req, err := newGet(firstNonEmpty(s.BaseURL, DefaultXForceURL), "/ipr/"+addr.String(), nil)
	if err != nil {
		return Finding{}, err
	}
	req.SetBasicAuth(s.Key, s.Password)
	var a xforceIPR
	raw, found, err := getJSON(ctx, s.Client, req, s.Name(), []string{s.Key, s.Password}, &a, http.StatusNotFound)
	if err != nil {
		return Finding{}, spentQuota(err, http.StatusPaymentRequired, nil, PeriodMonth)
	}
	if !found {
		return Finding{Raw: raw}, nil
	}
	if a.IP == "" {
		return Finding{}, &badAnswerError{provider: s.Name(), err: errMissing("ip")}
	}
	var score float64
	if a.Score != nil {
		score = *a.Score
	}
	v := &Verdict{
		Provider:   s.Name(),
		Severity:   xforceSeverity(score),
		Score:      score,
		Categories: topKeys(a.Cats, 10),
		Reference:  "https://exchange.xforce.ibmcloud.com/ip/" + addr.String(),
		Raw:        raw,
	}
	return Finding{Found: true, Verdict: v, Raw: raw}, nil
}

func xforceSeverity(score float64) Severity {
	switch {
	case score >= 7:
		return SeverityHigh
	case score >= 4:
		return SeverityWarning
	case score > 1:
		return SeverityInformation
	}
	return SeverityNone
}
