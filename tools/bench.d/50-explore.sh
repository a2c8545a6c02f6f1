#!/usr/bin/env bash
# 50-explore.sh — what `lab explore` and `lab shrink` sustain on this
# machine: faults injected per minute and runs per hour over explore runs
# of scenarios/explore-crashes.yaml (kill / pause / partition of one node,
# a majority or all of a 3-node Galera cluster), then the time a shrink of
# a real finding takes (kills with innodb_flush_log_at_trx_commit = 0,
# --tries 1/1). Every run is a real cluster; figures from the results db.
#
#   BENCH_EXPLORE_RUNS (2)  BENCH_SHRINK_MAX_RUNS (12)
set -u
top=${LAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LAB_BIN=${LAB_REL:-$top/lab}
RUNS=${BENCH_EXPLORE_RUNS:-2}
MAXR=${BENCH_SHRINK_MAX_RUNS:-12}
DIR=/var/tmp/lab-bench/explore
NAME=bench-explore
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 0; }
[ -x "$LAB_BIN" ] || { echo "lab binary $LAB_BIN missing (make lab)"; exit 2; }
rm -rf "$DIR" && mkdir -p "$DIR"
DB=$DIR/lab.db
trap '"$LAB_BIN" cluster down --name "$NAME" >/dev/null 2>&1' EXIT
q() { sqlite3 "$DB" "$1"; }

t0=$(date +%s)
LAB_NO_PROGRESS=1 "$LAB_BIN" explore "$top/scenarios/explore-crashes.yaml" --runs "$RUNS" --keep-going \
	--name "$NAME" --db "$DB" >"$DIR/explore.out" 2>&1
secs=$(($(date +%s) - t0))
faults=$(q "SELECT count(*) FROM steps WHERE detail LIKE 'nemesis #%'")
nem_s=$(q "SELECT COALESCE(sum(ended_at - started_at), 0) FROM steps WHERE action = 'nemesis'")
runs=$(q "SELECT count(*) FROM runs")
echo "explore: $runs runs of explore-crashes in $secs s: $(awk -v r="$runs" -v s="$secs" 'BEGIN { printf "%.1f", r * 3600 / s }') runs/hour"
echo "explore: $faults faults in $(printf '%.0f' "$nem_s") s of nemesis steps: $(awk -v f="$faults" -v s="$nem_s" 'BEGIN { printf "%.1f", s > 0 ? f * 60 / s : 0 }') faults/minute while the nemesis runs"
echo "explore: verdicts $(q "SELECT group_concat(verdict, ' ') FROM runs")"

LAB_NO_PROGRESS=1 "$LAB_BIN" explore "$top/tests/nightly/explore-flush0.yaml" --runs 4 --name "$NAME" --db "$DB" >"$DIR/explore0.out" 2>&1
run=$(q "SELECT max(id) FROM runs WHERE verdict = 'fail' AND scenario = 'explore-flush0'")
if [ -z "$run" ]; then
	echo "shrink: no finding in 4 runs of the flush=0 scenario; nothing to shrink"
	exit 0
fi
nf=$(q "SELECT count(*) FROM steps WHERE run_id = $run AND detail LIKE 'nemesis #%'")
t1=$(date +%s)
LAB_NO_PROGRESS=1 "$LAB_BIN" shrink "$run" --out "$DIR/min.yaml" --tries 1/1 --max-runs "$MAXR" \
	--name "$NAME" --db "$DB" >"$DIR/shrink.out" 2>&1
rc=$?
kept=$(grep -Ec '^ *- (kill|pause|partition|hard-reset|stop):' "$DIR/min.yaml" 2>/dev/null)
echo "shrink: run $run ($nf faults) -> ${kept:-?} fault steps in $(($(date +%s) - t1)) s, $(grep -c '^  run ' "$DIR/shrink.out") candidate runs (exit $rc)"
