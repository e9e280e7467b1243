package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/honeyreport/honeyreport/enrich"
)

// TestThreatIncomplete: when threat-intelligence providers failed or were
// interrupted, the headline, key findings, Markdown and HTML say so;
// "flagged 0 IPs" alone would read as an all clear.
func TestThreatIncomplete(t *testing.T) {
	ok := enrich.Status{Source: "otx", Queried: 4, Succeeded: 4}
	tests := []struct {
		name       string
		ti         []string
		statuses   []enrich.Status
		incomplete string
		allFailed  bool
		headline   string
		findings   string
	}{
		{
			name: "all answered", ti: []string{"otx"}, statuses: []enrich.Status{ok},
			headline: "1", findings: "- Threat intelligence flagged 1 IP.",
		},
		{
			name: "one of two failed", ti: []string{"abuseipdb", "otx"},
			statuses:   []enrich.Status{ok, {Source: "abuseipdb", Queried: 4, Failed: 4, Err: "HTTP 500: internal error"}},
			incomplete: "1 of 2 providers failed: abuseipdb (HTTP 500: internal error); results incomplete",
			headline:   "1 (incomplete)",
			findings:   `- Threat intelligence flagged 1 IP, **but** 1 of 2 providers failed: abuseipdb (HTTP 500: internal error); results incomplete.`,
		},
		{
			name: "every provider failed", ti: []string{"abuseipdb", "otx"},
			statuses: []enrich.Status{
				{Source: "otx", Queried: 4, Failed: 4, Err: "timeout"},
				{Source: "abuseipdb", Queried: 4, Failed: 4, Err: "HTTP 401: authentication failed: check the API key"},
			},
			incomplete: "2 of 2 providers failed: abuseipdb (HTTP 401: authentication failed: check the API key), otx (timeout); results incomplete",
			allFailed:  true,
			headline:   "unknown",
			findings:   "- **Threat intelligence could not check any IP**: 2 of 2 providers failed:",
		},
		{
			name: "some lookups failed", ti: []string{"otx"},
			statuses:   []enrich.Status{{Source: "otx", Queried: 4, Succeeded: 3, Failed: 1, Err: "timeout"}},
			incomplete: "1 of 1 providers answered only in part: otx (looked up 3, failed 1 (timeout)); results incomplete",
			headline:   "1 (incomplete)",
		},
		{
			name: "interrupted", ti: []string{"otx"},
			statuses:   []enrich.Status{{Source: "otx", Total: 4, Queried: 1, Succeeded: 1, NotChecked: 3, Interrupted: true, Stopped: "interrupted"}},
			incomplete: "1 of 1 providers were interrupted: otx (looked up 1, not checked 3 (interrupted)); results incomplete",
			headline:   "1 (incomplete)",
		},
		{
			name: "a feed still answered", ti: []string{"feed:firehol", "otx"},
			statuses: []enrich.Status{
				{Source: "otx", Queried: 4, Failed: 4, Err: "timeout"},
				{Source: "feed:firehol", Queried: 4, Succeeded: 4},
			},
			incomplete: "1 of 2 providers failed: otx (timeout); results incomplete",
			headline:   "1 (incomplete)",
		},
		{
			name: "WHOIS failures are not threat intelligence", ti: []string{"otx"},
			statuses: []enrich.Status{ok, {Source: "whois", Queried: 4, Failed: 4, Err: "timeout"}},
			headline: "1",
		},
		{
			name: "hostile provider message", ti: []string{"otx"},
			statuses:   []enrich.Status{{Source: "otx", Queried: 4, Failed: 4, Err: "HTTP 500: *boom* <b>x</b> [a](javascript:x)"}},
			incomplete: "1 of 1 providers failed: otx (HTTP 500: *boom* <b>x</b> [a](javascript:x)); results incomplete",
			allFailed:  true,
			headline:   "unknown",
			findings:   `otx (HTTP 500: \*boom\* \<b\>x\</b\> \[a\]\(javascript\:x\))`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := smallInput()
			in.ThreatIntel, in.Statuses = tt.ti, tt.statuses
			rep := Build(in)
			if rep.Threat.Incomplete != tt.incomplete || rep.Threat.AllFailed != tt.allFailed {
				t.Errorf("Incomplete = %q, AllFailed = %v\nwant %q, %v", rep.Threat.Incomplete, rep.Threat.AllFailed, tt.incomplete, tt.allFailed)
			}
			var stat *Stat
			for i := range rep.Headline {
				if rep.Headline[i].Label == "Flagged by TI" {
					stat = &rep.Headline[i]
				}
			}
			if stat == nil || stat.Value != tt.headline {
				t.Errorf("headline stat %+v, want value %q", stat, tt.headline)
			}
			if !strings.Contains(rep.FindingsMarkdown, tt.findings) {
				t.Errorf("key findings lack %q:\n%s", tt.findings, rep.FindingsMarkdown)
			}
			var md bytes.Buffer
			if err := WriteMarkdown(&md, rep); err != nil {
				t.Fatal(err)
			}
			html := render(t, in, stubAssets)
			if tt.incomplete == "" {
				if strings.Contains(md.String(), "incomplete") || strings.Contains(html, "Threat intelligence is incomplete") {
					t.Error("an incomplete-results note without a failing provider")
				}
				return
			}
			if !strings.Contains(md.String(), "results incomplete") || !strings.Contains(md.String(), "| Flagged by TI | "+mdEscape(tt.headline, 60)+" |") {
				t.Errorf("Markdown does not say the results are incomplete:\n%s", md.String())
			}
			if !strings.Contains(html, `<div class="card callout" role="status">`) || strings.Contains(html, "<b>x</b>") {
				t.Error("HTML lacks the escaped incomplete-results callout")
			}
		})
	}
}
