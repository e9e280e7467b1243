package synth

import (
	"net/netip"
	"time"
)

// Expected is what a correct parser must find in the generated logs. Every
// format holds the same Events; the exceptions are spelled out per field.
type Expected struct {
	Events int64 `json:"events"`
	// Attempts is the sum of Repeated Attempts, which only the BreachInsider
	// dump and CSV carry; CloudTrail and S3 access logs weigh each event 1.
	Attempts  int64 `json:"attempts"`
	UniqueIPs int   `json:"unique_ips"`
	IPv6      int   `json:"unique_ipv6"`
	// Private counts distinct private addresses among UniqueIPs.
	Private int              `json:"unique_private"`
	Ops     map[string]int64 `json:"ops"`
	// AccessDenied counts events with an AccessDenied error. The
	// BreachInsider CSV export has no error columns.
	AccessDenied int64 `json:"access_denied"`
	// Errors counts events by error code (AccessDenied, NoSuchKey); the
	// same caveat about the CSV applies.
	Errors        map[string]int64 `json:"errors"`
	Authenticated int64            `json:"authenticated"`
	// CloudTrailNonS3 counts the management events of other services the
	// CloudTrail tree mixes in; parsers must filter them out.
	CloudTrailNonS3 int64     `json:"cloudtrail_non_s3"`
	First           time.Time `json:"first"`
	Last            time.Time `json:"last"`

	seen map[netip.Addr]struct{}
}

// Add counts one record.
func (e *Expected) Add(r *Record) {
	if e.Ops == nil {
		e.Ops = make(map[string]int64)
		e.Errors = make(map[string]int64)
		e.seen = make(map[netip.Addr]struct{})
	}
	e.Events++
	e.Attempts += int64(r.Attempts)
	e.Ops[r.Op]++
	if r.ErrorCode != "" {
		e.Errors[r.ErrorCode]++
		if r.ErrorCode == "AccessDenied" {
			e.AccessDenied++
		}
	}
	if !r.Principal.Anonymous() {
		e.Authenticated++
	}
	if r.cloudTrailExtra() {
		e.CloudTrailNonS3++
	}
	if _, ok := e.seen[r.Source]; !ok {
		e.seen[r.Source] = struct{}{}
		e.UniqueIPs++
		if r.Source.Is6() {
			e.IPv6++
		}
		if r.Source.IsPrivate() {
			e.Private++
		}
	}
	if e.First.IsZero() || r.Time.Before(e.First) {
		e.First = r.Time
	}
	if r.Time.After(e.Last) {
		e.Last = r.Time
	}
}

// Expected runs through the stream once and counts it.
func (g *Generator) Expected() Expected {
	var e Expected
	for r := range g.Ascending() {
		e.Add(r)
	}
	e.seen = nil
	if e.Ops == nil {
		e.Ops, e.Errors = map[string]int64{}, map[string]int64{}
	}
	return e
}
