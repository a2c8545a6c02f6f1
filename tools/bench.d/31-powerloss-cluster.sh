#!/usr/bin/env bash
# 31-powerloss-cluster.sh — what the power-loss layer costs a whole local
# cluster: `lab workload` against a 3-node Galera `lab cluster up` with its
# datadirs on powerfs (cache none: fsync honoured, the default) and with
# --no-powerfs (plain disk), same threads and duration, side by side with
# the ratio. Target: the layer costs at most 30 %.
#
#   POWERLOSS_BENCH_SECONDS=20  POWERLOSS_BENCH_THREADS=8  POWERLOSS_BENCH_ROUNDS=1
# Cluster name h9b (/var/tmp/lab/h9b).
set -u
LAB_REL=${LAB_REL:-$(cd "$(dirname "$0")/../.." && pwd)/lab}
SECS=${POWERLOSS_BENCH_SECONDS:-20}
THREADS=${POWERLOSS_BENCH_THREADS:-8}
ROUNDS=${POWERLOSS_BENCH_ROUNDS:-1}
NAME=h9b
DIR=/var/tmp/lab-bench/powerloss
[ "$(id -u)" -eq 0 ] && [ -c /dev/fuse ] || { echo "31-powerloss-cluster: SKIP: needs root and /dev/fuse"; exit 0; }
[ -x "$LAB_REL" ] || { echo "31-powerloss-cluster: SKIP: build lab first ($LAB_REL)"; exit 0; }
cleanup() { "$LAB_REL" cluster down --name "$NAME" >/dev/null 2>&1; }
trap cleanup EXIT
mkdir -p "$DIR"

# one MODE (powerfs | plain): up, load, run, down; prints ok commits/s.
one() {
	local mode=$1 flag=() hosts
	[ "$mode" = plain ] && flag=(--no-powerfs)
	cleanup
	"$LAB_REL" cluster up --name "$NAME" "${flag[@]}" >"$DIR/$mode.up.log" 2>&1 || {
		echo "31-powerloss-cluster: cluster up failed ($mode): $(tail -1 "$DIR/$mode.up.log")" >&2; return 1; }
	hosts=$("$LAB_REL" cluster status --name "$NAME" | awk '$1 ~ /^[0-9]+$/ {printf "%s%s", s, $3; s = ","}')
	"$LAB_REL" workload --hosts "$hosts" --defaults-file "/var/tmp/lab/$NAME/client.cnf" --threads "$THREADS" \
		--duration 0 --customers 2000 --products 200 --journal "$DIR/$mode.load.journal" >"$DIR/$mode.load.log" 2>&1
	"$LAB_REL" workload --hosts "$hosts" --defaults-file "/var/tmp/lab/$NAME/client.cnf" --threads "$THREADS" \
		--duration "${SECS}s" --no-load --journal "$DIR/$mode.journal" >"$DIR/$mode.run.log" 2>&1
	cleanup
	# "rate: 718.4 ok/s, ..."
	awk '/^rate:/ { print $2; exit }' "$DIR/$mode.run.log"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f (cost %.0f %%, target <= 30 %%)", a / b, (1 - a / b) * 100; else print "n/a" }'; }
echo "lab workload on a 3-node local Galera cluster: $THREADS threads, $SECS s, $ROUNDS round(s)"
for r in $(seq "$ROUNDS"); do
	plain=$(one plain)
	pfs=$(one powerfs)
	printf '  round %d: %-32s %8s ok commits/s\n' "$r" "plain datadirs (--no-powerfs)" "$plain"
	printf '  round %d: %-32s %8s ok commits/s   ratio %s\n' "$r" "powerfs, cache none" "$pfs" "$(ratio "$pfs" "$plain")"
done
