#!/bin/sh
# Hostile-input cases too slow for go test: each runs honeyreport under GNU
# time with a time limit and prints one table row (case, exit status,
# seconds, peak RSS, output sizes). A case still running at the limit is
# killed and reported as "hang" instead of blocking the script. See
# docs/BENCHMARKS.md ("Hostile input").
#
# Usage: scripts/abuse.sh [-d WORKDIR] [-n SOURCES] [-t LIMIT_SECONDS]
set -eu
cd "$(dirname "$0")/.."

work=${TMPDIR:-/tmp}/honeyreport-abuse
n=2000000
limit=20
while getopts d:n:t: opt; do
	case $opt in
	d) work=$OPTARG ;;
	n) n=$OPTARG ;;
	t) limit=$OPTARG ;;
	*) echo "usage: $0 [-d WORKDIR] [-n SOURCES] [-t LIMIT_SECONDS]" >&2; exit 2 ;;
	esac
done

if [ ! -x /usr/bin/time ]; then
	echo "abuse: installing GNU time from Debian" >&2
	if [ "$(id -u)" = 0 ]; then sudo=""; else sudo=sudo; fi
	$sudo apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq time >&2
fi

mkdir -p "$work"
go build -o "$work/honeyreport" .
go build -o "$work/genlogs" ./scripts/genlogs
hr=$work/honeyreport
export SOURCE_DATE_EPOCH=1700000000

# Inputs, made once and kept in WORKDIR.
if [ ! -s "$work/bomb.gz" ]; then
	echo "abuse: making a gzip bomb (4 GiB of zeros)" >&2
	head -c 4G /dev/zero | gzip -1 >"$work/bomb.gz"
fi
if [ ! -s "$work/ips-$n/s3access.log" ]; then
	echo "abuse: generating $n events from $n distinct IPs" >&2
	"$work/genlogs" -events "$n" -ips "$n" -formats s3access -out "$work/ips-$n" 2>/dev/null
fi
if [ ! -s "$work/uas-$n.log" ]; then
	echo "abuse: generating $n events from one IP, each with its own user agent and key" >&2
	awk -v n="$n" 'BEGIN {
		for (i = 0; i < n; i++) {
			t = sprintf("%02d/Jan/2024:%02d:%02d:%02d +0000", 1 + int(i / 86400) % 28, int(i / 3600) % 24, int(i / 60) % 60, i % 60)
			printf "0f0e0d0c0b0a09080706050403020100 honeybucket [%s] 198.51.100.7 - %016X REST.GET.OBJECT k/%d \"GET /k/%d HTTP/1.1\" 404 NoSuchKey 260 - 25 - \"-\" \"scanner/%d (probe %d)\" - hostid SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader honeybucket.s3.amazonaws.com TLSv1.2 - -\n", t, i, i, i, i, i
		}
	}' >"$work/uas-$n.log"
fi

if [ ! -s "$work/span.log" ]; then
	# 20 lines: ten operations, each at the years 2 and 9999.
	awk 'BEGIN {
		for (i = 0; i < 20; i++)
			printf "0f0e0d0c0b0a09080706050403020100 honeybucket [%s +0000] 198.51.100.7 - %016X REST.GET.X%d k \"GET /k HTTP/1.1\" 404 NoSuchKey 260 - 25 - \"-\" \"ua\" - hostid SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader honeybucket.s3.amazonaws.com TLSv1.2 - -\n", (i % 2 ? "31/Dec/9999:00:00:00" : "01/Jan/0002:00:00:00"), i, i / 2
	}' >"$work/span.log"
fi

# 10,000 copies of a valid access log line: an endless log to interrupt.
if [ ! -s "$work/lines.log" ]; then
	head -n 1 testdata/access.log | awk '{for (i = 0; i < 10000; i++) print}' >"$work/lines.log"
fi

printf '| case | exit | seconds | peak RSS MB | HTML KB | JSON KB |\n|---|---:|---:|---:|---:|---:|\n'

# run NAME SIGNAL STDIN_CMD ARGS...: runs honeyreport ARGS under GNU time,
# sends SIGNAL (INT, TERM or - for none) one second after the start, feeds
# it the output of STDIN_CMD (- for none), and kills it at the limit.
run() {
	name=$1 sig=$2 feed=$3
	shift 3
	out=$work/out
	rm -rf "$out" && mkdir -p "$out"
	tv=$work/time.txt
	rm -f "$tv"
	if [ "$feed" = - ]; then
		/usr/bin/time -v -o "$tv" "$hr" report -q --no-system-geoip -o "$out/r.html" --json "$out/s.json" "$@" </dev/null >/dev/null 2>"$out/stderr" &
	else
		sh -c "$feed" 2>/dev/null | /usr/bin/time -v -o "$tv" "$hr" report -q --no-system-geoip -o "$out/r.html" --json "$out/s.json" "$@" >/dev/null 2>"$out/stderr" &
	fi
	tpid=$!
	# GNU time does not pass signals on: send them to honeyreport itself.
	sleep 0.2
	cpid=$(pgrep -P "$tpid" || true)
	start=$(date +%s)
	hung=""
	signalled=""
	while kill -0 "$tpid" 2>/dev/null; do
		now=$(date +%s)
		if [ "$sig" != - ] && [ -z "$signalled" ] && [ $((now - start)) -ge 1 ]; then
			[ -n "$cpid" ] && kill -s "$sig" "$cpid" 2>/dev/null || true
			signalled=1
		fi
		if [ $((now - start)) -ge "$limit" ]; then
			hung=1
			[ -n "$cpid" ] && kill -s KILL "$cpid" 2>/dev/null || true
			break
		fi
		sleep 0.1
	done
	wait "$tpid" 2>/dev/null || true
	if [ -n "$hung" ]; then
		status="hang (killed at ${limit} s)"
	elif sig=$(sed -n 's/.*terminated by signal \([0-9]*\).*/\1/p' "$tv"); [ -n "$sig" ]; then
		status="signal $sig"
	else
		status=$(sed -n 's/^[[:space:]]*Exit status: //p' "$tv")
	fi
	secs=$(sed -n 's/^[[:space:]]*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tv" |
		awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.1f", s}')
	rss=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$tv" | awk '{printf "%.0f", $1 / 1024}')
	size() { if [ -f "$1" ]; then echo $(($(wc -c <"$1") / 1024)); else echo -; fi; }
	printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "${status:-?}" "${secs:-?}" "${rss:-?}" "$(size "$out/r.html")" "$(size "$out/s.json")"
}

run "gzip bomb (4 GiB of zeros)" - - "$work/bomb.gz"
run "/dev/zero, SIGINT after 1 s" INT - /dev/zero
run "endless stdin (/dev/urandom), SIGTERM after 1 s" TERM "cat /dev/urandom" -
run "endless stdin (text lines), SIGTERM after 1 s" TERM "yes 'not a log line'" -
run "endless stdin (access log lines), SIGTERM after 1 s" TERM "while cat '$work/lines.log'; do :; done" -
run "20 events, forged times years 2 and 9999" - - "$work/span.log"
limit=$((limit * 10))
run "$n distinct IPs" - - "$work/ips-$n/s3access.log"
run "$n distinct user agents and keys, one IP" - - "$work/uas-$n.log"
