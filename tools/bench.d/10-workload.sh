#!/usr/bin/env bash
# 10-workload.sh — lab's bank workload next to sysbench oltp_write_only, at
# equal thread counts, against the same fresh local mariadbd (127.0.0.1:13310,
# /var/tmp/lab-bench/workload). Both are counted by the server (SHOW GLOBAL STATUS
# deltas: Com_commit, Questions, Handler_write+update+delete for rows written), so both are measured the
# same way; client CPU is the client process's user+sys time (/usr/bin/time).
# lab runs with its journal on. Loading (sysbench prepare, lab's initial
# load) is done before and not measured.
#
#   BENCH_THREADS (8)  BENCH_SECONDS (20)  BENCH_ROUNDS (2: sysbench, lab, sysbench, lab;
#   the figures are the rounds' means, the machine is shared and noisy)
set -u
top=${LAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LAB_BIN=${LAB_REL:-$top/lab}
. "$top/tests/lib/solo-mariadb.sh"
THREADS=${BENCH_THREADS:-8}
SECONDS_RUN=${BENCH_SECONDS:-20}
ROUNDS=${BENCH_ROUNDS:-2}
DIR=/var/tmp/lab-bench/workload
PORT=13310
# A private tmpdir for mariadb-install-db and mariadbd (they take TMPDIR):
# the machine's /tmp is shared with other servers' temporary tables.
export TMPDIR=/var/tmp/lab-bench/workload-tmp
mkdir -p "$TMPDIR" && chmod 1777 "$TMPDIR"

command -v sysbench >/dev/null || { echo "SKIP: sysbench is not installed (make deps-bench)"; exit 0; }
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time is not installed"; exit 0; }
[ -x "$LAB_BIN" ] || { echo "lab binary $LAB_BIN missing (make lab)"; exit 2; }
cleanup() { solo_stop "$DIR"; rm -f "$DIR/sysbench.cfg"; }
trap cleanup EXIT
solo_stop "$DIR"
rm -rf "$DIR"
mkdir -p "$DIR"
solo_start "$DIR" $PORT >"$DIR/start.log" 2>&1 || { cat "$DIR/start.log"; exit 2; }
root() { mariadb --no-defaults -uroot --socket="$DIR/mysqld.sock" -N -B -e "$1"; }
root "CREATE DATABASE IF NOT EXISTS sbtest"

# The password goes to sysbench in a 0600 config file, never on argv.
umask 077
cat >"$DIR/sysbench.cfg" <<EOF
mysql-host=127.0.0.1
mysql-port=$PORT
mysql-user=lab
mysql-password=$LAB_PASSWORD
mysql-db=sbtest
EOF
umask 022

# status -> "com_commit questions rows_written" (server-wide counters)
status() {
	root "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_commit','Questions',
		'Handler_write','Handler_update','Handler_delete')" |
		awk '{ v[$1] = $2 } END { printf "%s %s %s\n", v["Com_commit"], v["Questions"],
			v["Handler_write"] + v["Handler_update"] + v["Handler_delete"] }'
}
now() { date +%s.%N; }

# measure NAME P99_FILE CMD... : runs CMD under /usr/bin/time, prints one
# result line "NAME commits/s stmts/s cpu_ms_per_1000 p99_ms rows_per_commit"
measure() {
	local name=$1 p99file=$2; shift 2
	local s0 s1 t0 t1
	s0=$(status); t0=$(now)
	/usr/bin/time -f "%U %S" -o "$DIR/$name.time" "$@" >"$DIR/$name.out" 2>&1
	local rc=$?
	t1=$(now); s1=$(status)
	[ $rc -eq 0 ] || { echo "$name failed (exit $rc):"; tail -5 "$DIR/$name.out"; return 1; }
	local p99
	p99=$(sed -n "$(cat "$p99file")" "$DIR/$name.out" | head -1)
	read -r u s <"$DIR/$name.time"
	awk -v a="$s0" -v b="$s1" -v t0="$t0" -v t1="$t1" -v u="$u" -v s="$s" -v p99="$p99" -v n="$name" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		secs = t1 - t0; commits = y[1] - x[1]; q = y[2] - x[2]; rows = y[3] - x[3]
		if (commits < 1) commits = 1
		printf "%s %.1f %.1f %.1f %.2f %.2f %.0f\n", n, commits / secs, q / secs,
			(u + s) * 1000 * 1000 / commits, p99, rows / commits, commits
	}'
}

echo "# sysbench oltp_write_only vs lab workload: $THREADS threads, ${SECONDS_RUN} s each, mariadbd $PORT"
sysbench oltp_write_only --config-file="$DIR/sysbench.cfg" --tables=1 --table-size=10000 prepare \
	>"$DIR/sb-prepare.out" 2>&1 || { echo "sysbench prepare failed:"; tail -5 "$DIR/sb-prepare.out"; exit 2; }
"$LAB_BIN" workload --hosts 127.0.0.1:$PORT --customers 10000 --products 1000 --duration 0 \
	--journal "$DIR/load.journal" --seed 1 >"$DIR/lab-load.out" 2>&1 ||
	{ echo "lab load failed:"; tail -5 "$DIR/lab-load.out"; exit 2; }
echo 's/^ *99th percentile: *\([0-9.]*\).*/\1/p' >"$DIR/sb.p99"
echo 's/^latency of ok transactions (ms):.* p99 \([0-9.]*\).*/\1/p' >"$DIR/lab.p99"

results=$DIR/results
: >"$results"
for round in $(seq 1 "$ROUNDS"); do
	measure sysbench "$DIR/sb.p99" sysbench oltp_write_only --config-file="$DIR/sysbench.cfg" \
		--tables=1 --table-size=10000 --threads="$THREADS" --time="$SECONDS_RUN" \
		--percentile=99 --report-interval=0 run >>"$results" || exit 2
	measure lab "$DIR/lab.p99" "$LAB_BIN" workload --hosts 127.0.0.1:$PORT --no-load \
		--customers 10000 --threads "$THREADS" --duration "${SECONDS_RUN}s" \
		--journal "$DIR/bench.journal" --seed $((100 + round)) >>"$results" || exit 2
done

awk '{ n[$1]++; c[$1] += $2; q[$1] += $3; cpu[$1] += $4; p[$1] += $5; r[$1] += $6; tot[$1] += $7 }
END {
	printf "%-10s %10s %10s %14s %9s %11s %9s\n", "client", "commits/s", "stmts/s", "cpu ms/1000c", "p99 ms", "rows/commit", "commits"
	for (k in n) printf "%-10s %10.1f %10.1f %14.1f %9.2f %11.2f %9d\n", k, c[k]/n[k], q[k]/n[k], cpu[k]/n[k], p[k]/n[k], r[k]/n[k], tot[k]
	if (n["lab"] && n["sysbench"]) {
		cr = (c["lab"]/n["lab"]) / (c["sysbench"]/n["sysbench"])
		pr = (cpu["lab"]/n["lab"]) / (cpu["sysbench"]/n["sysbench"])
		printf "ratio lab/sysbench: commits/s %.2f (target >= 0.90: %s), client cpu per commit %.2f (target <= 1.00: %s), stmts/s %.2f, p99 %.2f\n",
			cr, cr >= 0.9 ? "met" : "MISSED", pr, pr <= 1.0 ? "met" : "MISSED",
			(q["lab"]/n["lab"]) / (q["sysbench"]/n["sysbench"]), (p["lab"]/n["lab"]) / (p["sysbench"]/n["sysbench"])
	}
}' "$results"
grep -E '^(summary|errors):' "$DIR/lab.out" | sed 's/^/lab /'
journal_lines=$(grep -vc '^#' "$DIR/bench.journal")
echo "lab journal: $journal_lines lines, $(du -k "$DIR/bench.journal" | cut -f1) KiB"
