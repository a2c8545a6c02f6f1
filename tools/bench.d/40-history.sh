#!/usr/bin/env bash
# 40-history.sh — `make bench` part for `lab history`, the Elle-class
# checker: tools/history-gen.c (built here) writes a valid 1,000,000-
# transaction list-append history from 16 processes in Jepsen JSON; `lab
# history` checks it three times under /usr/bin/time -v: wall, CPU and
# peak RSS, transactions per second against Elle's published 100-160k
# txn/s (Elle's README), and the verdict against the target of 5 s wall and
# 2 GiB on the median run. The machine is shared: CPU seconds say more
# than wall seconds when the neighbours are busy.
set -u
top=${LAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LAB_REL=${LAB_REL:-$top/lab}
DIR=/var/tmp/lab-history-bench
TXNS=${BENCH_HISTORY_TXNS:-1000000}

[ -x /usr/bin/time ] || { echo "history: SKIP (/usr/bin/time not installed)"; exit 0; }
[ -x "$LAB_REL" ] || { echo "history: SKIP ($LAB_REL not built)"; exit 0; }
mkdir -p "$DIR"
cleanup() { rm -f "$DIR/history.json"; }
trap cleanup EXIT
${CC:-gcc} -std=c11 -O2 -Wall -Wextra -Werror -o "$DIR/history-gen" "$top/tools/history-gen.c" ||
	{ echo "history: FAILED to build tools/history-gen.c"; exit 1; }
t0=$(date +%s.%N)
"$DIR/history-gen" --txns "$TXNS" --processes 16 --seed 1 >"$DIR/history.json" ||
	{ echo "history: FAILED to generate the history"; exit 1; }
t1=$(date +%s.%N)
printf 'history: generated %s transactions (16 processes, %s MB of Jepsen JSON) in %.1f s\n' "$TXNS" \
	"$(( $(stat -c %s "$DIR/history.json") / 1000000 ))" "$(echo "$t1 - $t0" | bc)"
status=0
walls=()
for run in 1 2 3; do
	/usr/bin/time -v "$LAB_REL" history "$DIR/history.json" >"$DIR/run$run.out" 2>"$DIR/run$run.time"
	rc=$?
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$DIR/run$run.time")
	rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$DIR/run$run.time")
	cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.1f", u + s }' "$DIR/run$run.time")
	walls+=("$wall")
	[ "$rss" -le "${max_rss:-0}" ] || max_rss=$rss
	[ "$rc" = 0 ] || { echo "history: run $run: lab history exited $rc (the generated history is valid)"; sed 's/^/  /' "$DIR/run$run.out" | head -20; status=1; }
	awk -v w="$wall" -v r="$rss" -v c="$cpu" -v n="$TXNS" -v run="$run" 'BEGIN {
		printf "history: run %d: %.1f s wall, %s s CPU, %s MB peak RSS: %.0f txn/s (%.0f txn/s per CPU second); Elle publishes 100-160k txn/s: %.1f-%.1fx\n",
			run, w, c, r, n / w, n / c, n / w / 160000, n / w / 100000 }'
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 2p)
verdict=PASS
awk -v w="$median" -v r="$max_rss" 'BEGIN { exit !(w <= 5 && r <= 2048) }' || { verdict=MISS; status=1; }
printf 'history: median %.1f s wall, peak RSS %s MB; target <= 5 s, <= 2048 MB: %s\n' "$median" "$max_rss" "$verdict"
printf 'history: machine load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
