#!/bin/sh
# update-geodata.sh rebuilds the embedded default IP data (assets/geodata)
# and the licence texts it needs (assets/LICENSES) from pinned npm packages.
# It is the only way those files change: commit its output as is.
#
# To move to newer data, change the versions below (npm view NAME version),
# run this script from the repository root, and commit. The script checks
# that npm's integrity for each tarball matches what scripts/geodata
# computes and records, so a tampered or truncated download fails loudly.
set -eu

COUNTRY=@ip-location-db/geo-whois-asn-country-mmdb@2.3.2026061719
ASN=@ip-location-db/asn@2.3.2026061719
POINTS=world-countries@5.1.0
SPDX=spdx-license-list@6.12.0

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
for pkg in "$COUNTRY" "$ASN" "$POINTS" "$SPDX"; do
	npm pack --silent "$pkg" >/dev/null
done
tgz() { ls "$tmp"/$1-*.tgz; }

cd "$root"
go run ./scripts/geodata \
	-country "$(tgz ip-location-db-geo-whois-asn-country-mmdb)" \
	-asn "$(tgz ip-location-db-asn)" \
	-points "$(tgz world-countries)" \
	-spdx "$(tgz spdx-license-list)" \
	-out assets/geodata -licenses assets/LICENSES

# Cross-check the recorded integrity against the registry's.
for key in country asn points; do
	pkg=$(sed -n "s/^$key.package=//p" assets/geodata/VERSIONS)
	ver=$(sed -n "s/^$key.version=//p" assets/geodata/VERSIONS)
	want=$(npm view "$pkg@$ver" dist.integrity)
	got=$(sed -n "s/^$key.integrity=//p" assets/geodata/VERSIONS)
	if [ "$want" != "$got" ]; then
		echo "update-geodata: $pkg@$ver: integrity $got, registry says $want" >&2
		exit 1
	fi
done
echo "update-geodata: ok"
