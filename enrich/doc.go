// Package enrich is the third stage of the honeyreport pipeline: it runs
// once per distinct source IP found by aggregation (never per event) and
// builds a Profile for each: IP class, geolocation, ASN and organisation,
// hosting flag, WHOIS registration and threat-intelligence verdicts.
//
// Offline sources (the embedded country/ASN data, user .mmdb databases, local
// blocklist feeds) always run; online sources (WHOIS, bulk IP-to-ASN, threat
// intelligence APIs) run only when the user asks, through an on-disk cache,
// within a time budget and each provider's quotas (counted in the cache per
// UTC day and month), asking about the most important addresses first.
// Registration lookups (RDAP, then WHOIS) are made once per registered
// network. A source that fails or stops early is recorded in its Status
// and never fails the run.
//
// The package never prints, exits, or reads flags or the environment: main
// builds the sources and passes them in.
package enrich
