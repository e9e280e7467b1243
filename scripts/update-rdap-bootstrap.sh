#!/bin/sh
# update-rdap-bootstrap.sh refreshes the embedded IANA RDAP bootstrap
# registries (enrich/rdap/ipv4.json, ipv6.json) from data.iana.org.
# Where data.iana.org cannot be reached, see enrich/rdap/README.md for
# another source of the same files.
set -eu
cd "$(dirname "$0")/../enrich/rdap"
for f in ipv4 ipv6; do
	curl -fsS --max-time 60 -o "$f.json.tmp" "https://data.iana.org/rdap/$f.json"
	# A truncated, HTML or older answer (a stale mirror) must not replace
	# good data; every RIR must still be named.
	python3 - "$f.json.tmp" "$f.json" <<'PY'
import json, sys
new = json.load(open(sys.argv[1]))
old = json.load(open(sys.argv[2]))
assert new["services"], "no services"
urls = " ".join(u for svc in new["services"] for u in svc[1])
for rir in ("afrinic", "apnic", "arin", "lacnic", "ripe"):
    assert rir in urls, "no RDAP service for " + rir
assert new["publication"] >= old["publication"], "older than the embedded copy: " + new["publication"]
print(sys.argv[1], new["publication"])
PY
	mv "$f.json.tmp" "$f.json"
done
echo "update the publication dates in enrich/rdap/README.md"
