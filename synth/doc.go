// Package synth generates realistic, synthetic honeybucket traffic and
// writes it in every input format honeyreport reads: the BreachInsider
// dashboard dump and CSV export, a CloudTrail delivery tree and an S3 server
// access log. It feeds the embedded demo sample (package demo), the
// benchmark inputs (scripts/genlogs) and round-trip tests of package ingest.
//
// The stream is modelled on a real honeybucket's two years of alerts, none
// of which is copied: HeadBucket and ListObjects in about equal parts with
// a percent or two of PutObject and a little GetObject; Go's HTTP client,
// Boto3, Java, the AWS CLI and SDKs, Ruby, browsers and a few scanners; a
// handful of hosts in one hosting /24 that come back again and again, and a
// long tail of one-off visitors drawn from real allocations of clouds,
// hosters and ISPs around the world (about 5% IPv6, two private addresses);
// mostly single attempts; a few AccessDenied writes and signed requests
// from other AWS accounts; a daily and weekly rhythm, a slow upward trend
// and bursts.
//
// Generation is deterministic (a Config gives the same bytes every time)
// and streaming: a Generator holds its address pool and per-hour event
// counts, never the events, so a million events take tens of megabytes.
// Events are produced one hour at a time from a random stream of that
// hour's own, which lets Descending (newest first, as BreachInsider lists
// alerts) and Ascending (as CloudTrail and S3 store them) yield the same
// records without buffering the whole stream.
//
//	g, err := synth.New(synth.Config{Events: 100_000, IPs: 5_000, Seed: 1})
//	err = synth.WriteBreachInsider(w, g.Descending())
//	want := g.Expected() // what a correct parser must count
package synth
