#!/bin/sh
# Reproducible end-to-end benchmark: honeyreport against GoAccess on the same
# generated S3 server access log, plus honeyreport on every other format,
# at 100k and 1M events. See docs/BENCHMARKS.md for the method and results.
#
# Usage: scripts/bench.sh [-r REPS] [-d WORKDIR] [-s "100000:5000 1000000:50000"]
set -eu
cd "$(dirname "$0")/.."
repo=$(pwd)

reps=3
work=${TMPDIR:-/tmp}/honeyreport-bench
sizes="100000:5000 1000000:50000 1000000:5000"
while getopts r:d:s: opt; do
	case $opt in
	r) reps=$OPTARG ;;
	d) work=$OPTARG ;;
	s) sizes=$OPTARG ;;
	*) echo "usage: $0 [-r REPS] [-d WORKDIR] [-s SIZES]" >&2; exit 2 ;;
	esac
done

need() { command -v "$1" >/dev/null 2>&1; }
if ! need goaccess || [ ! -x /usr/bin/time ]; then
	echo "bench: installing goaccess and time from Debian" >&2
	if [ "$(id -u)" = 0 ]; then sudo=""; else sudo=sudo; fi
	$sudo apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq goaccess time >&2
fi

# GoAccess's speed on this project's machine when the targets were set
# (issue 6): about 70k lines/s.
ga_ref=70000

mkdir -p "$work"
go build -o "$work/honeyreport" .
go build -o "$work/genlogs" ./scripts/genlogs

# stats FILE: median, min and max of the numbers in FILE (one per line).
stats() { sort -n "$1" | awk '{v[NR]=$1} END {m = (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.2f %.2f %.2f\n", m, v[1], v[NR]}'; }

# run1 NAME CMD...: runs CMD once under /usr/bin/time, appending its
# seconds and peak RSS (KB) to the NAME samples.
run1() {
	name=$1; shift
	/usr/bin/time -f "%e %M" -o "$work/time.out" "$@" >/dev/null 2>"$work/err.out" || { cat "$work/err.out" >&2; exit 1; }
	awk '{print $1}' "$work/time.out" >>"$work/t.$name"
	awk '{print $2}' "$work/time.out" >>"$work/m.$name"
}

# summary NAME: leaves "median min max" seconds of the NAME samples in
# $secs and their largest peak RSS (MB) in $rss.
summary() {
	secs=$(stats "$work/t.$1")
	rss=$(sort -n "$work/m.$1" | tail -1 | awk '{printf "%.0f", $1/1024}')
}

size_mb() { du -sbL "$1" | awk '{printf "%.1f", $1/1048576}'; }

echo "# honeyreport benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# $(go version | cut -d' ' -f3), GoAccess $(goaccess --version 2>/dev/null | head -1 | tr -cd "0-9." | sed "s/\.$//"), $reps runs each: median (min-max)"
echo
echo "| events / IPs | input | MB | time s | events/s | MB/s | peak RSS MB | vs GoAccess | events/s at GoAccess 70k/s | read floor s | report KB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"

for size in $sizes; do
	events=${size%%:*}; ips=${size##*:}
	data="$work/data-$events-$ips"
	if [ "$ips" = 5000 ] && [ "$events" -gt 100000 ]; then formats=s3access; else formats=breachinsider,csv,cloudtrail,s3access; fi
	if [ ! -f "$data/expected.json" ]; then
		"$work/genlogs" -events "$events" -ips "$ips" -formats "$formats" -out "$data" >&2
	fi
	ga_eps=""
	for input in s3access.log breachinsider.txt breachinsider.csv cloudtrail; do
		path="$data/$input"
		[ -e "$path" ] || continue
		mb=$(size_mb "$path")
		out="$work/out-$events-$ips-$input"
		for name in hr floor goaccess; do : >"$work/t.$name"; : >"$work/m.$name"; done
		# The tools take turns, run by run, so that a change in the
		# machine's speed during the benchmark (it happens on shared
		# hosts) weighs on all of them alike.
		i=0
		while [ $i -lt "$reps" ]; do
			run1 hr "$work/honeyreport" report "$path" -o "$out.html" --json "$out.json" -q
			# The read floor: just reading (and, for the CloudTrail
			# tree, decompressing) the input, single-threaded.
			if [ "$input" = cloudtrail ]; then
				run1 floor sh -c "find '$path' -name '*.gz' -print0 | xargs -0 cat | gzip -dc"
			else
				run1 floor wc -l "$path"
			fi
			if [ "$input" = s3access.log ]; then
				run1 goaccess goaccess "$path" --log-format=AWSS3 --no-progress -o "$work/goaccess.html"
			fi
			i=$((i + 1))
		done
		summary hr
		hr_secs=$secs; med=${secs%% *}; hr_rss=$rss
		eps=$(awk -v n="$events" -v t="$med" 'BEGIN {printf "%.0f", n/t}')
		mbs=$(awk -v m="$mb" -v t="$med" 'BEGIN {printf "%.0f", m/t}')
		got=$(grep -o '"totals": {"events":[0-9]*' "$out.json" | grep -o '[0-9]*$')
		[ "$got" = "$events" ] || { echo "bench: $input: honeyreport counted $got events, want $events" >&2; exit 1; }
		summary floor
		floor=${secs%% *}
		ratio=""
		if [ "$input" = s3access.log ]; then
			summary goaccess
			ga=${secs%% *}
			ga_eps=$(awk -v n="$events" -v t="$ga" 'BEGIN {printf "%.0f", n/t}')
			ratio=$(awk -v a="$ga" -v b="$med" 'BEGIN {printf "%.1fx", a/b}')
			echo "| $events / $ips | goaccess (S3 log) | $mb | $(printf '%s (%s-%s)' $secs) | $ga_eps | $(awk -v m="$mb" -v t="$ga" 'BEGIN {printf "%.0f", m/t}') | $rss | 1.0x | $ga_ref | | |"
		fi
		kb=$(du -k "$out.html" | cut -f1)
		# events/s scaled to the host speed at which GoAccess reads this
		# size's S3 log at ga_ref lines/s (the speed the targets were set
		# at): the host's speed changes, the ratio to GoAccess does not.
		norm=""
		[ -n "$ga_eps" ] && norm=$(awk -v e="$eps" -v g="$ga_eps" -v r="$ga_ref" 'BEGIN {printf "%.0f", e*r/g}')
		echo "| $events / $ips | honeyreport ($input) | $mb | $(printf '%s (%s-%s)' $hr_secs) | $eps | $mbs | $hr_rss | $ratio | $norm | $floor | $kb |"
	done
done
