#!/bin/sh
# update-rdap-bootstrap.sh refreshes the embedded IANA RDAP bootstrap
# registries (enrich/rdap/ipv4.json, ipv6.json) from data.iana.org.
set -eu
cd "$(dirname "$0")/../enrich/rdap"
for f in ipv4 ipv6; do
	curl -fsS --max-time 60 -o "$f.json.tmp" "https://data.iana.org/rdap/$f.json"
	# A truncated or HTML answer must not replace good data.
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["services"], "no services"; print(sys.argv[1], d["publication"])' "$f.json.tmp"
	mv "$f.json.tmp" "$f.json"
done
echo "update the publication dates in enrich/rdap/README.md"
