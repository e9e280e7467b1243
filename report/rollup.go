package report

import (
	"slices"
	"sort"

	"github.com/honeyreport/honeyreport/enrich"
)

// RollUp is one source's verdict across the threat-intelligence
// providers: the worst severity, how many providers flagged it (high or
// warning) of how many answered, which ones, and the union of their
// categories. The zero value is "no provider answered".
type RollUp struct {
	Severity   string   // worst verdict; "" when none answered or all clean
	Flagged    int      // providers saying high or warning
	Answered   int      // providers with a verdict, clean included
	FlaggedBy  []string // the flagging providers, by name
	Categories []string // every provider's categories, deduplicated and sorted
}

// NewRollUp sums up p's verdicts. Provider names and categories are
// attacker- or provider-controlled text, escaped wherever they are shown.
func NewRollUp(p *enrich.Profile) RollUp {
	r := RollUp{Severity: string(p.Severity()), FlaggedBy: []string{}, Categories: []string{}}
	for _, v := range p.Threat {
		r.Answered++
		if v.Severity.Rank() >= enrich.SeverityWarning.Rank() {
			r.Flagged++
			if !slices.Contains(r.FlaggedBy, v.Provider) {
				r.FlaggedBy = append(r.FlaggedBy, v.Provider)
			}
		}
		for _, c := range v.Categories {
			if c != "" && !slices.Contains(r.Categories, c) {
				r.Categories = append(r.Categories, c)
			}
		}
	}
	sort.Strings(r.FlaggedBy)
	sort.Strings(r.Categories)
	return r
}

// RollUpRow is one row of the report's roll-up table: a source with any
// verdict, and its alerts.
type RollUpRow struct {
	IP         string
	Events     int64
	Severity   string
	Flagged    int
	Answered   int
	FlaggedBy  Text
	Categories Text
	// RollUp is the same verdict as plain values, for other renderers (the
	// email digest).
	RollUp RollUp
}

// sortRollUp puts the worst first: severity, then providers flagging,
// then alerts, then address.
func sortRollUp(rows []RollUpRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		x, y := rows[i], rows[j]
		if rx, ry := enrich.Severity(x.Severity).Rank(), enrich.Severity(y.Severity).Rank(); rx != ry {
			return rx > ry
		}
		if x.Flagged != y.Flagged {
			return x.Flagged > y.Flagged
		}
		if x.Events != y.Events {
			return x.Events > y.Events
		}
		return x.IP < y.IP
	})
}
