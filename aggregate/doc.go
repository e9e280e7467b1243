// Package aggregate is the second stage of the honeyreport pipeline: it
// counts a stream of ingest.Events in a single pass and produces a Summary.
//
// An Aggregator's memory grows with the number of distinct values it sees
// (source IPs, user agents, buckets, keys, principals, days), never with the
// number of events: events themselves are not kept, except bounded samples
// (the newest events for the report's event table, and notable ones such as
// write attempts). Aggregators for parts of the input can be merged, so files
// can be counted in parallel.
//
// Every distinct source costs a fixed small record (about 200 bytes), as
// a source of a real request is an address that completed a TCP
// handshake. User agents, object keys, operation names, error codes,
// bucket names, identities and times are free text in a request or a
// forged log, so the lists made of them are bounded: past MaxUserAgents,
// MaxKeys and the like, new values are counted together rather than one
// by one, and the days listed are at most MaxDays.
package aggregate
