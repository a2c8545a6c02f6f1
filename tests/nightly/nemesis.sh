#!/usr/bin/env bash
# nemesis.sh — a short nemesis step (15 s of faults: kill, pause,
# partition, hard-reset, stop of one node, a minority or all) on a real
# 3-node Galera cluster:
#   - every fault is a steps row (its action, nodes, offset, "nemesis #K
#     at=... hold=..." detail), outcome ok;
#   - every fault was undone by the step itself: no undo of the runner's
#     stack was needed, and with --keep no nft partition table is left, no
#     server is SIGSTOPped ('T') and every node is up and Synced;
#   - `lab replay` of the run executes the same fault list and records
#     which run it replays;
#   - `lab run --seed N` again draws the same schedule.
# Three runs of about a minute each.
. "$(dirname "$0")/../lib/tap.sh"
need_root "lab nemesis"
NAME=nem
STATE=/var/tmp/lab/$NAME
SEED=39   # draws all five kinds of fault in five, one hard reset, none taking every node down
tmp=$(mktemp -d /tmp/lab-nemesis.XXXXXX)
DB=$tmp/lab.db
cleanup() { "$LAB" cluster down --name "$NAME" >/dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT
[ -e "$STATE/state" ] && "$LAB" cluster down --name "$NAME" >/dev/null 2>&1

cat >"$tmp/nemesis.yaml" <<'YAML'
name: nemesis-short
description: A short random fault schedule; every fault undone.
timeout: 5m
cluster: { flavor: galera, nodes: 3 }
steps:
  - nemesis: { faults: [kill, pause, partition, hard-reset, stop], targets: [one, minority, all],
               interval: 1s..2s, for: 15s, recover: 1s..3s, torn: 0..1 }
YAML
sql() { sqlite3 "$DB" "$1" 2>/dev/null; }
has_partition_table() { ip netns exec "lab-$NAME-n$1" nft list table inet lab_partition >/dev/null 2>&1; }
pstate() { ps -o stat= -p "$1" 2>/dev/null | cut -c1; }
# The fault list of a run as planned: action, nodes, "nemesis #K at=... hold=... ...".
faults() {
	sql "SELECT action || ' ' || node || ' ' || substr(detail, 1, instr(detail, ';') - 1) FROM steps
	     WHERE run_id = $1 AND detail LIKE 'nemesis #%' ORDER BY id"
}
run_lab() { LAB_NO_PROGRESS=1 "$LAB" "$@" --name "$NAME" --db "$DB" >"$tmp/out" 2>&1; }

start=$(date +%s)
run_lab run "$tmp/nemesis.yaml" --seed $SEED --keep
rc=$?
note "$(grep -E 'nemesis|pass|fail|broken' "$tmp/out" | tail -15)"
is "lab run --seed $SEED exits 0" "$rc" 0
run1=$(sql "SELECT max(id) FROM runs")
n=$(sql "SELECT count(*) FROM steps WHERE run_id = $run1 AND detail LIKE 'nemesis #%'")
check "the nemesis injected faults ($n)" test "${n:-0}" -gt 2
is "every fault row ended ok" \
	"$(sql "SELECT count(*) FROM steps WHERE run_id = $run1 AND detail LIKE 'nemesis #%' AND outcome = 'ok'")" "$n"
is "every fault row has an action, nodes and an offset after the step's start" \
	"$(sql "SELECT count(*) FROM steps f JOIN steps s ON s.run_id = f.run_id AND s.seq = f.seq AND s.action = 'nemesis'
	        WHERE f.run_id = $run1 AND f.detail LIKE 'nemesis #%' AND f.action IN ('kill','pause','partition','hard-reset','stop')
	          AND f.node IS NOT NULL AND f.started_at >= s.started_at AND f.ended_at > f.started_at
	          AND f.detail LIKE '% at=%s hold=%s %'")" "$n"
is "the step says every fault was injected and undone" \
	"$(sql "SELECT detail FROM steps WHERE run_id = $run1 AND action = 'nemesis'" | cut -d' ' -f1-7)" \
	"$n of $n faults injected and undone"
is "no fault was left for the runner's undo stack" \
	"$(sql "SELECT count(*) FROM steps WHERE run_id = $run1 AND action IN ('undo:heal', 'undo:resume', 'undo:start')")" 0
for i in 1 2 3; do
	check_fails "node $i: no partition table left" has_partition_table "$i"
	pid=$("$LAB" cluster pid "$i" --name "$NAME" 2>/dev/null)
	st=$(pstate "${pid:-0}")
	check "node $i (pid $pid) is up and not stopped (state $st)" test -n "$st" -a "$st" != T
	check "node $i is Synced" "$LAB" cluster wait "$i" synced --name "$NAME" --timeout 30s
done
"$LAB" cluster down --name "$NAME" >/dev/null 2>&1
faults "$run1" >"$tmp/f1"
note "schedule of run $run1 (seed $SEED):"
while read -r l; do note "  $l"; done <"$tmp/f1"

run_lab replay "$run1"
rc=$?
note "$(grep -E 'replay|nemesis|pass|fail|broken' "$tmp/out" | tail -6)"
is "lab replay $run1 exits 0" "$rc" 0
run2=$(sql "SELECT max(id) FROM runs")
is "run $run2 records that it replays run $run1" "$(sql "SELECT replays FROM runs WHERE id = $run2")" "$run1"
is "run $run2 has the seed of run $run1" "$(sql "SELECT seed FROM runs WHERE id = $run2")" "$SEED"
faults "$run2" >"$tmp/f2"
check "the replay executed the same fault list" diff "$tmp/f1" "$tmp/f2"

run_lab run "$tmp/nemesis.yaml" --seed $SEED
rc=$?
is "lab run --seed $SEED again exits 0" "$rc" 0
run3=$(sql "SELECT max(id) FROM runs")
faults "$run3" >"$tmp/f3"
check "the same seed drew the same schedule" diff "$tmp/f1" "$tmp/f3"
check "no cluster left behind" test ! -e "$STATE/state"
note "took $(($(date +%s) - start)) s"
