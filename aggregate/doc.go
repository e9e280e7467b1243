// Package aggregate is the second stage of the honeyreport pipeline: it
// counts a stream of ingest.Events in a single pass and produces a Summary.
//
// An Aggregator's memory grows with the number of distinct values it sees
// (source IPs, user agents, buckets, keys, principals, days), never with the
// number of events: events themselves are not kept, except bounded samples
// (the newest events for the report's event table, and notable ones such as
// write attempts). Aggregators for parts of the input can be merged, so files
// can be counted in parallel.
package aggregate
