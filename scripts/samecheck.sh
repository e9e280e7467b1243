#!/bin/sh
# Checks that a change leaves every output byte-identical: builds honeyreport
# at REF (default main) and from the working tree, runs both on the same
# inputs with the same flags and SOURCE_DATE_EPOCH, and compares the HTML
# report, JSON summary, Markdown summary, --export (CSV, and NDJSON for the
# smaller inputs), standard error and exit status.
#
# Inputs: every ingest/testdata and testdata fixture, the real CSV and
# CloudTrail export in ../shared/data (when present), and generated 1M-event
# inputs of each format (scripts/genlogs -events 1000000 -ips 50000).
#
# Usage: scripts/samecheck.sh [-r REF] [-d WORKDIR] [-e EVENTS]
# Exit status 0 when every output matches, 1 when one differs.
set -eu
cd "$(dirname "$0")/.."
repo=$(pwd)

ref=main
work=${TMPDIR:-/tmp}/honeyreport-samecheck
events=1000000
while getopts r:d:e: opt; do
	case $opt in
	r) ref=$OPTARG ;;
	d) work=$OPTARG ;;
	e) events=$OPTARG ;;
	*) echo "usage: $0 [-r REF] [-d WORKDIR] [-e EVENTS]" >&2; exit 2 ;;
	esac
done

export SOURCE_DATE_EPOCH=1700000000
mkdir -p "$work"
commit=$(git rev-parse --verify "$ref^{commit}")

# The reference is built from an export of REF, so the repository's
# worktrees and index are left alone.
if [ ! -x "$work/old-$commit" ]; then
	rm -rf "$work/src-old"
	mkdir -p "$work/src-old"
	git archive "$commit" | tar -x -C "$work/src-old"
	(cd "$work/src-old" && go build -o "$work/old-$commit" .)
fi
go build -o "$work/new" .
echo "samecheck: $ref ($(git rev-parse --short "$commit")) against the working tree" >&2

data="$work/data-$events"
if [ ! -f "$data/expected.json" ]; then
	go run ./scripts/genlogs -events "$events" -ips 50000 -out "$data" >&2
fi

# The inputs, one a line: each fixture alone, the real data, the generated
# files (the CloudTrail tree as one directory input).
list="$work/inputs"
find ingest/testdata testdata -type f ! -name '*.golden' ! -path '*/fuzz/*' ! -name '*.go' ! -name '*.md' 2>/dev/null | sort >"$list"
for f in ../shared/data/*.csv ../shared/data/*.ndjson ../shared/data/*.json; do
	[ -f "$f" ] && echo "$f" >>"$list"
done
for f in s3access.log breachinsider.txt breachinsider.csv cloudtrail; do
	[ -e "$data/$f" ] && echo "$data/$f" >>"$list"
done

# run BIN OUTDIR INPUT EXPORTEXT: one report run, every output into OUTDIR.
run() {
	mkdir -p "$2"
	set +e
	"$1" report "$3" -q -o "$2/report.html" --json "$2/summary.json" --md "$2/summary.md" \
		--export "$2/export.$4" >"$2/stdout" 2>"$2/stderr"
	echo $? >"$2/status"
	set -e
}

fail=0
n=0
while IFS= read -r input; do
	n=$((n + 1))
	exts=csv
	# NDJSON export too where it is cheap: below 64 MB.
	if [ -f "$input" ] && [ "$(wc -c <"$input")" -lt 67108864 ]; then exts="csv ndjson"; fi
	for ext in $exts; do
		out="$work/out/$n-$ext"
		rm -rf "$out"
		run "$work/old-$commit" "$out/old" "$input" "$ext"
		run "$work/new" "$out/new" "$input" "$ext"
		if diff -r -q "$out/old" "$out/new" >"$work/diff.out"; then
			echo "same  $input ($ext export, exit $(cat "$out/new/status"))"
		else
			echo "DIFF  $input ($ext export):"
			sed 's/^/      /' "$work/diff.out"
			fail=1
		fi
	done
done <"$list"

if [ $fail = 0 ]; then
	echo "samecheck: all outputs byte-identical on $n inputs" >&2
else
	echo "samecheck: outputs differ (kept under $work/out)" >&2
fi
exit $fail
