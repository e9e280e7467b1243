// Package geodata holds honeyreport's embedded default IP data: country and
// ASN range tables compiled from ip-location-db, a representative point per
// country, the hosting/cloud ASN list and the versions of all of them. See
// README.md for sources, formats and licences. Package enrich decodes it
// (enrich.OpenEmbedded); this package only carries the bytes, because
// go:embed cannot reach files outside the embedding package's directory.
package geodata

import "embed"

// FS holds ipdata.zst, country-points.tsv, hosting-asns.txt and VERSIONS.
// It is read-only; decoding happens in enrich.OpenEmbedded, on demand, never
// at program start-up.
//
//go:embed ipdata.zst country-points.tsv hosting-asns.txt VERSIONS
var FS embed.FS
