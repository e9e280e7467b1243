// Package ingest is the first stage of the honeyreport pipeline: it finds the
// inputs an analyst names (files, directories, globs, .gz, stdin), sniffs each
// one's format from its content, and parses it into a stream of canonical
// Events.
//
// Every supported format has its own decoder (breachinsider.go, breachcsv.go,
// cloudtrail.go, s3access.go, athena.go; the last fills CloudTrail's record
// from Athena's CSV and lets cloudtrail.go build the event). s3:// inputs
// reach ingest as Inputs with an Opener, from package s3input. Decoders stream: they never hold a whole input
// in memory, and they report what they could not parse as SyntaxErrors kept in
// Stats rather than stopping, so one bad line never costs the good ones.
// What makes reading fast (read buffers, mapped files, splitting a large
// file between cores, pools, batched hand-off) is kept apart in the
// fastread_*.go files, and changes no result (see fastread.go).
package ingest
