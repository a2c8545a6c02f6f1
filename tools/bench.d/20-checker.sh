#!/usr/bin/env bash
# 20-checker.sh — `make bench` part for the checkers: 1M customers and 3M
# purchases (4M items, 1M credits) loaded by tools/bank-load into a
# standalone mariadbd on port 13330, then the full `lab check` (invariants,
# durability against the loader's journal, convergence) on that one node,
# timed with /usr/bin/time -v: wall time and peak RSS, against the target of
# 10 s and 500 MB. Three runs (the first right after the load); the
# verdict is on the median wall time, the machine being shared.
set -u
top=${LAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LAB_REL=${LAB_REL:-$top/lab}
. "$top/tests/lib/solo-mariadb.sh"
DIR=/var/tmp/lab-bench/checker
PORT=13330
CUSTOMERS=${BENCH_CUSTOMERS:-1000000}
PURCHASES=${BENCH_PURCHASES:-3000000}

[ -x /usr/bin/time ] || { echo "checker: SKIP (/usr/bin/time not installed)"; exit 0; }
command -v mariadbd >/dev/null || { echo "checker: SKIP (mariadbd not installed)"; exit 0; }
[ -x "$LAB_REL" ] || { echo "checker: SKIP ($LAB_REL not built)"; exit 0; }
cleanup() { solo_stop "$DIR"; rm -rf "$DIR/data"; }
trap cleanup EXIT
solo_stop "$DIR"
rm -rf "$DIR"
mkdir -p "$DIR/tmp"
chown mysql:mysql "$DIR/tmp"
# The server's temporary files in our own directory: other programs clean
# /tmp of the shared machine under a running server's feet.
export TMPDIR=$DIR/tmp
# A buffer pool that holds the data set: the check measures lab, not the disk.
if ! SOLO_EXTRA_ARGS="--innodb-buffer-pool-size=3G" solo_start "$DIR" $PORT >"$DIR/start.log" 2>&1; then
	solo_stop "$DIR"; rm -rf "$DIR/data"
	SOLO_EXTRA_ARGS="--innodb-buffer-pool-size=3G" solo_start "$DIR" $PORT >"$DIR/start.log" 2>&1 ||
		{ echo "checker: FAILED to start mariadbd"; sed 's/^/  /' "$DIR/start.log" | tail -5; exit 1; }
fi
t0=$(date +%s.%N)
"$top/tools/bank-load" --port $PORT --customers "$CUSTOMERS" --purchases "$PURCHASES" \
	--journal "$DIR/journal" || { echo "checker: FAILED to load"; exit 1; }
t1=$(date +%s.%N)
printf 'checker: loaded %s customers, %s purchases (%s items, %s credits) in %.0f s\n' \
	"$CUSTOMERS" "$PURCHASES" $((PURCHASES + PURCHASES / 3)) "$CUSTOMERS" "$(echo "$t1 - $t0" | bc)"
# CPU seconds (user + system) the server has used so far: on a shared
# machine the wall time depends on the neighbours, the CPU time less so.
server_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
		"/proc/$(cat "$DIR/mysqld.pid")/stat"
}
status=0
walls=()
for run in 1 2 3; do
	scpu0=$(server_cpu)
	/usr/bin/time -v "$LAB_REL" check --hosts 127.0.0.1:$PORT --journal "$DIR/journal" --checks invariants,durability,convergence \
		--db "$DIR/results.db" >"$DIR/check$run.out" 2>"$DIR/check$run.time"
	rc=$?
	scpu=$(echo "$(server_cpu) - $scpu0" | bc)
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$DIR/check$run.time")
	rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$DIR/check$run.time")
	cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.1f", u + s }' "$DIR/check$run.time")
	walls+=("$wall")
	[ "$rss" -le "${max_rss:-0}" ] || max_rss=$rss
	[ "$rc" = 0 ] || { echo "checker: run $run: lab check exited $rc"; sed 's/^/  /' "$DIR/check$run.out" | tail -20; status=1; }
	printf 'checker: run %d: lab check (invariants + durability + convergence, 1 node): %.1f s wall, %s MB peak RSS; CPU lab %s s, mariadbd %s s\n' \
		"$run" "$wall" "$rss" "$cpu" "$scpu"
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 2p)
verdict=PASS
awk -v w="$median" -v r="$max_rss" 'BEGIN { exit !(w <= 10 && r <= 500) }' || { verdict=MISS; status=1; }
printf 'checker: median %.1f s wall, peak RSS %s MB; target <= 10 s, <= 500 MB: %s\n' "$median" "$max_rss" "$verdict"
printf 'checker: machine load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
