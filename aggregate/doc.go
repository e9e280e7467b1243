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
// Distinct sources are the one thing an attacker cannot make free of
// cost to themselves, so each costs a fixed small record (about 200
// bytes). User agents and object keys cost the attacker nothing, so they
// are bounded: past MaxUserAgents and MaxKeys distinct values, new ones
// are counted together rather than one by one.
package aggregate
