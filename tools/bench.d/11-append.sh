#!/usr/bin/env bash
# 11-append.sh — lab's list-append workload next to its bank workload, at
# equal thread counts, against the same fresh local mariadbd
# (127.0.0.1:13341, /var/tmp/lab-apnd/bench): transactions per second
# (attempted and ok, from the workload's own summary; commits also counted
# by the server, SHOW GLOBAL STATUS Com_commit) and the client's CPU per
# transaction (user+sys of the lab process, /usr/bin/time, divided by the
# attempted transactions). Both run with their journals on; the bank's load
# and the append table's creation are done before and not measured. The
# append workload runs with its defaults (8 keys, 1..4 ops, read ratio 0.5,
# 32 appends per key) on one host, so every transaction goes to it.
#
#   BENCH_THREADS (8)  BENCH_SECONDS (20)  BENCH_ROUNDS (2: bank, append,
#   bank, append; the figures are the rounds' means, the machine is shared)
set -u
top=${LAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LAB_BIN=${LAB_REL:-$top/lab}
. "$top/tests/lib/solo-mariadb.sh"
THREADS=${BENCH_THREADS:-8}
SECONDS_RUN=${BENCH_SECONDS:-20}
ROUNDS=${BENCH_ROUNDS:-2}
DIR=/var/tmp/lab-apnd/bench
PORT=13341
export TMPDIR=/var/tmp/lab-apnd/tmp
mkdir -p "$TMPDIR" && chmod 1777 "$TMPDIR"

[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time is not installed"; exit 0; }
[ -x "$LAB_BIN" ] || { echo "lab binary $LAB_BIN missing (make lab)"; exit 2; }
cleanup() { solo_stop "$DIR"; }
trap cleanup EXIT
solo_stop "$DIR"
rm -rf "$DIR"
mkdir -p "$DIR"
solo_start "$DIR" $PORT >"$DIR/start.log" 2>&1 || { cat "$DIR/start.log"; exit 2; }
root() { mariadb --no-defaults -uroot --socket="$DIR/mysqld.sock" -N -B -e "$1"; }
commits() { root "SHOW GLOBAL STATUS LIKE 'Com_commit'" | awk '{ print $2 }'; }
now() { date +%s.%N; }

# measure NAME CMD... : one line "NAME attempted/s ok/s server_commits/s cpu_us_per_txn p99_ms attempted"
measure() {
	local name=$1; shift
	local c0 c1 t0 t1 rc u s att okn p99
	c0=$(commits); t0=$(now)
	/usr/bin/time -f "%U %S" -o "$DIR/$name.time" "$@" >"$DIR/$name.out" 2>&1
	rc=$?
	t1=$(now); c1=$(commits)
	[ $rc -eq 0 ] || { echo "$name failed (exit $rc):"; tail -5 "$DIR/$name.out"; return 1; }
	read -r u s <"$DIR/$name.time"
	read -r att okn <<<"$(sed -n 's/^summary: attempted=\([0-9]*\) ok=\([0-9]*\).*/\1 \2/p' "$DIR/$name.out")"
	p99=$(sed -n 's/^latency of ok transactions (ms):.* p99 \([0-9.]*\).*/\1/p' "$DIR/$name.out")
	awk -v n="$name" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v u="$u" -v s="$s" \
		-v att="$att" -v okn="$okn" -v p99="$p99" 'BEGIN {
		secs = t1 - t0; if (att < 1) att = 1
		printf "%s %.1f %.1f %.1f %.1f %.2f %d\n", n, att / secs, okn / secs, (c1 - c0) / secs,
			(u + s) * 1e6 / att, p99, att
	}'
}

echo "# lab workload: bank vs append, $THREADS threads, ${SECONDS_RUN} s each, mariadbd $PORT"
"$LAB_BIN" workload --hosts 127.0.0.1:$PORT --customers 10000 --products 1000 --duration 0 \
	--journal "$DIR/load.journal" --seed 1 >"$DIR/bank-load.out" 2>&1 ||
	{ echo "bank load failed:"; tail -5 "$DIR/bank-load.out"; exit 2; }
"$LAB_BIN" workload --workload append --hosts 127.0.0.1:$PORT --duration 0 \
	--journal "$DIR/append-load.journal" --seed 1 >"$DIR/append-load.out" 2>&1 ||
	{ echo "append set-up failed:"; tail -5 "$DIR/append-load.out"; exit 2; }

results=$DIR/results
: >"$results"
for round in $(seq 1 "$ROUNDS"); do
	measure bank "$LAB_BIN" workload --hosts 127.0.0.1:$PORT --no-load --customers 10000 \
		--threads "$THREADS" --duration "${SECONDS_RUN}s" --journal "$DIR/bank.journal" \
		--seed $((100 + round)) >>"$results" || exit 2
	measure append "$LAB_BIN" workload --workload append --hosts 127.0.0.1:$PORT --no-load \
		--threads "$THREADS" --duration "${SECONDS_RUN}s" --journal "$DIR/append.journal" \
		--seed $((100 + round)) >>"$results" || exit 2
done

awk '{ n[$1]++; a[$1] += $2; o[$1] += $3; c[$1] += $4; cpu[$1] += $5; p[$1] += $6; tot[$1] += $7 }
END {
	printf "%-8s %12s %8s %16s %14s %8s %10s\n", "workload", "attempted/s", "ok/s", "server commit/s", "cpu us/txn", "p99 ms", "attempted"
	split("bank append", order, " ")
	for (i = 1; i <= 2; i++) { k = order[i]; if (!n[k]) continue
		printf "%-8s %12.1f %8.1f %16.1f %14.1f %8.2f %10d\n", k, a[k]/n[k], o[k]/n[k], c[k]/n[k], cpu[k]/n[k], p[k]/n[k], tot[k] }
	if (n["bank"] && n["append"])
		printf "ratio append/bank: attempted/s %.2f, client cpu per transaction %.2f\n",
			(a["append"]/n["append"]) / (a["bank"]/n["bank"]), (cpu["append"]/n["append"]) / (cpu["bank"]/n["bank"])
}' "$results"
grep -E '^(summary|errors):' "$DIR/append.out" | sed 's/^/append /'
echo "append journal: $(grep -vc '^#' "$DIR/append.journal") lines, $(du -k "$DIR/append.journal" | cut -f1) KiB"
