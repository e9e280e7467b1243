package report

import (
	"fmt"
	"strings"

	"github.com/honeyreport/honeyreport/aggregate"
)

// limits lists, as data-quality lines, every count the summary could not
// keep apart: values past a bound on distinct values, counted together,
// and events outside the days the time charts show. A reader comparing a
// table's rows with the totals learns here where the difference went.
func (b *builder) limits() {
	s := b.s
	if c := b.o.Interrupted; c != "" {
		b.r.Interrupted = clean(c, 200)
	}
	past := func(n int64, what string, bound int, count, note string) {
		if n > 0 {
			b.r.Limits = append(b.r.Limits, fmt.Sprintf("%s beyond the first %s distinct: %s counted together%s", what, num(int64(bound)), Plural(n, count), note))
		}
	}
	past(s.OtherOperations.Events, "operations", aggregate.MaxOperations, "event", ", not in the daily chart")
	past(s.OtherErrors.Events, "error codes", aggregate.MaxErrors, "event", "")
	past(s.OtherUserAgents.Events, "user agents", aggregate.MaxUserAgents, "event", "")
	past(s.OtherBuckets.Events, "buckets", aggregate.MaxBuckets, "event", "")
	past(s.OtherKeys, "object keys", aggregate.MaxKeys, "attempt", "")
	past(s.OtherPrincipals.Events, "AWS identities", aggregate.MaxPrincipals, "event", "")
	if s.OutsideDays > 0 {
		b.r.Limits = append(b.r.Limits, fmt.Sprintf("events outside the %s days shown by the time charts (about ten years, the days with the most events): %s",
			num(aggregate.MaxDays), num(s.OutsideDays)))
	}
}

// BoundedJSON is the summary's account of the counts past a bound (see
// limits): events (attempts for keys) counted together instead of one by
// one, and events outside the days listed.
type BoundedJSON struct {
	OtherOperations   int64 `json:"other_operations"`
	OtherErrors       int64 `json:"other_errors"`
	OtherUserAgents   int64 `json:"other_user_agents"`
	OtherBuckets      int64 `json:"other_buckets"`
	OtherKeysAttempts int64 `json:"other_keys_attempts"`
	OtherPrincipals   int64 `json:"other_principals"`
	OutsideDays       int64 `json:"outside_days"`
}

// boundedJSON returns s's bounded counts, nil when every one is zero, so
// that the summary of an ordinary log does not change.
func boundedJSON(s *aggregate.Summary) *BoundedJSON {
	b := BoundedJSON{
		OtherOperations: s.OtherOperations.Events, OtherErrors: s.OtherErrors.Events,
		OtherUserAgents: s.OtherUserAgents.Events, OtherBuckets: s.OtherBuckets.Events,
		OtherKeysAttempts: s.OtherKeys, OtherPrincipals: s.OtherPrincipals.Events,
		OutsideDays: s.OutsideDays,
	}
	if b == (BoundedJSON{}) {
		return nil
	}
	return &b
}

// writeInterruptedMarkdown opens the Markdown summary of an interrupted run
// with a warning, before any number a reader could take as complete.
func writeInterruptedMarkdown(b *strings.Builder, rep *Report) {
	if rep.Interrupted != "" {
		fmt.Fprintf(b, "**Incomplete:** the run stopped early (%s); every count covers only what was read and looked up before.\n\n", mdEscape(rep.Interrupted, 200))
	}
}

// writeLimitsMarkdown lists the report's limits lines, after the tables
// whose rows they account for.
func writeLimitsMarkdown(b *strings.Builder, rep *Report) {
	if len(rep.Limits) == 0 {
		return
	}
	b.WriteString("\n## Data quality\n\n")
	for _, l := range rep.Limits {
		fmt.Fprintf(b, "- %s\n", l) // our words and numbers only
	}
}
