// Package filter is the stage between ingest and aggregate that decides
// which events a report covers: those inside a time window (--since,
// --until, --window) and not matched by an exclusion rule (--exclude,
// --exclude-ua, the config file's exclude list).
//
//	ingest ─> filter (window/exclude) ─> aggregate
//
// Nothing it leaves out is silently gone: a Tally counts the events
// outside the window per input and the excluded ones per rule, and
// Result.Apply moves those counts into each input's ingest.Stats as
// filtered records, so the data-quality section and the JSON summary
// account for every event read.
//
// The window and the rules are parsed before any input is read, so a
// mistake in either costs no reading. "Now", for relative times and the
// named windows, is passed in: the package never reads the clock.
package filter
