package report

import "time"

// Totals are the counts and dates a subject line quotes, from the same
// summary as every other output.
type Totals struct {
	Events, Attempts, Writes int64
	IPs                      int
	// First and Last are the first and last event's times, zero without
	// events.
	First, Last time.Time
	// Bucket is the busiest bucket, cleaned for display ("" when none).
	Bucket string
}

// Totals returns the report's totals.
func (r *Report) Totals() Totals {
	s := r.all.sum
	t := Totals{Events: s.Events, Attempts: s.Attempts, Writes: s.Writes, IPs: len(s.IPs), First: s.FirstSeen, Last: s.LastSeen}
	if len(s.Buckets) > 0 {
		t.Bucket = clean(s.Buckets[0].Key, 100)
	}
	return t
}

// Num formats n with thousands separators ("12,345"), as every number in
// a report is shown.
func Num(n int64) string { return num(n) }
