package report

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/honeyreport/honeyreport/enrich"
)

func TestNewRollUp(t *testing.T) {
	p := &enrich.Profile{Threat: []enrich.Verdict{
		{Provider: "otx", Severity: enrich.SeverityHigh, Categories: []string{"scanner", "<script>x"}},
		{Provider: "abuseipdb", Severity: enrich.SeverityWarning, Categories: []string{"scanner", "ssh"}},
		{Provider: "greynoise", Severity: enrich.SeverityNone},
		{Provider: "virustotal", Severity: enrich.SeverityInformation, Categories: []string{""}},
	}}
	got := NewRollUp(p)
	want := RollUp{Severity: "high", Flagged: 2, Answered: 4, FlaggedBy: []string{"abuseipdb", "otx"}, Categories: []string{"<script>x", "scanner", "ssh"}}
	if got.Severity != want.Severity || got.Flagged != want.Flagged || got.Answered != want.Answered ||
		!slices.Equal(got.FlaggedBy, want.FlaggedBy) || !slices.Equal(got.Categories, want.Categories) {
		t.Errorf("NewRollUp = %+v, want %+v", got, want)
	}
	if z := NewRollUp(&enrich.Profile{}); z.Answered != 0 || z.FlaggedBy == nil || z.Categories == nil {
		t.Errorf("no verdicts: %+v, want zero counts and empty (not nil) lists", z)
	}
}

// TestRollUpInReport: the roll-up is the threat section's first table,
// worst first, agrees with the per-provider findings on every IP, and its
// provider text is escaped.
func TestRollUpInReport(t *testing.T) {
	in := smallInput()
	rep := Build(in)
	if len(rep.Threat.RollUp) == 0 {
		t.Fatal("no roll-up rows")
	}
	flagged := map[string][]string{}
	for _, f := range rep.Threat.Findings {
		if f.Severity == "high" || f.Severity == "warning" {
			flagged[f.IP] = append(flagged[f.IP], f.Provider)
		}
	}
	for i, r := range rep.Threat.RollUp {
		want := flagged[r.IP]
		sort.Strings(want)
		if r.Flagged != len(want) || (len(want) > 0 && !slices.Equal(r.RollUp.FlaggedBy, want)) {
			t.Errorf("%s: roll-up %d by %v, findings %v", r.IP, r.Flagged, r.RollUp.FlaggedBy, want)
		}
		if i > 0 && enrich.Severity(r.Severity).Rank() > enrich.Severity(rep.Threat.RollUp[i-1].Severity).Rank() {
			t.Errorf("row %d (%s) is worse than the row before", i, r.Severity)
		}
	}
	html := render(t, in, stubAssets)
	threat := html[strings.Index(html, `<section id="threat"`):]
	if r, p := strings.Index(threat, "Verdict per IP across providers"), strings.Index(threat, "Verdicts by provider"); r < 0 || r > p {
		t.Error("the roll-up is not the threat section's first table")
	}
}
