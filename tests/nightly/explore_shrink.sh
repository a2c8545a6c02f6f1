#!/usr/bin/env bash
# explore_shrink.sh — issue 14's acceptance, end to end on a real 3-node
# Galera cluster whose redo log is written once a second
# (innodb_flush_log_at_trx_commit = 0): killing every node at once loses
# the commits of the last second.
#   1. `lab explore` (kills of one node, a majority or all) finds lost
#      acknowledged commits within a few runs and exits 1;
#   2. `lab shrink` turns the failing run into a scripted scenario of at
#      most a few fault steps, without a nemesis step;
#   3. `lab run` of that file shows the same finding (durability);
#   4. `lab replay` of the failing run shows it too;
#   5. no false alarm: pauses and single-node kills with flush=1 find
#      nothing in three explore runs.
# About 10 to 20 minutes (every candidate is a real run on a fresh cluster).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "lab explore / shrink"
lab_fixture_init
tmp=$(fixture_tmp explore)
DB=$tmp/lab.db
lab_() { LAB_NO_PROGRESS=1 "$LAB" "$@" --name "$FIX_NAME" --db "$DB"; }
t0=$(date +%s)
lab_ explore "$(dirname "$0")/explore-flush0.yaml" --runs 6 >"$tmp/explore.out" 2>&1
rc=$?
note "$(cat "$tmp/explore.out" | tail -12)"
is "lab explore exits 1 (it found something)" "$rc" 1
run=$(sqlite3 "$DB" "SELECT max(id) FROM runs WHERE verdict = 'fail'")
check "a failing run is stored" test -n "$run"
kind=$(sqlite3 "$DB" "SELECT kind FROM anomalies WHERE run_id = ${run:-0} GROUP BY kind ORDER BY count(*) DESC LIMIT 1")
note "run $run: finding '$kind'; explore took $(($(date +%s) - t0)) s"
check "the finding is about durability (lost acknowledged commits)" \
	bash -c "sqlite3 '$DB' \"SELECT 1 FROM anomalies WHERE run_id = ${run:-0} AND checker = 'durability'\" | grep -q 1"
nf=$(sqlite3 "$DB" "SELECT count(*) FROM steps WHERE run_id = ${run:-0} AND detail LIKE 'nemesis #%'")

t1=$(date +%s)
lab_ shrink "$run" --out "$tmp/min.yaml" --tries 1/1 --max-runs 14 >"$tmp/shrink.out" 2>&1
rc=$?
note "$(tail -20 "$tmp/shrink.out")"
is "lab shrink exits 0" "$rc" 0
check "the shrunk scenario validates" "$LAB" validate "$tmp/min.yaml"
check_fails "the shrunk scenario has no nemesis step" grep -q 'nemesis:' "$tmp/min.yaml"
kept=$(grep -Ec '^ *- (kill|pause|partition|hard-reset|stop):' "$tmp/min.yaml")
check "shrunk to a few fault steps ($kept of $nf faults)" test "$kept" -ge 1 -a "$kept" -le 3 -a "$kept" -lt "${nf:-0}"
check "the file names the run it came from" grep -q "from run $run" "$tmp/min.yaml"
note "shrink took $(($(date +%s) - t1)) s; the scenario:"
while IFS= read -r l; do note "  $l"; done <"$tmp/min.yaml"

# shows_finding WHAT LAB-ARGS...: 1 when one of 3 tries exits 1 with a
# durability anomaly (crashes are racy), else 0.
shows_finding() {
	local what=$1 try rc r
	shift
	for try in 1 2 3; do
		lab_ "$@" >"$tmp/try.out" 2>&1
		rc=$?
		r=$(sqlite3 "$DB" "SELECT max(id) FROM runs")
		if [ "$rc" = 1 ] && sqlite3 "$DB" "SELECT 1 FROM anomalies WHERE run_id = $r AND checker = 'durability'" | grep -q 1; then
			echo 1
			return
		fi
		note "$what, try $try: exit $rc" >&2
	done
	echo 0
}
is "lab run of the shrunk scenario shows the durability finding (within 3 tries)" \
	"$(shows_finding "lab run of the shrunk scenario" run "$tmp/min.yaml")" 1
is "lab replay of the failing run shows the durability finding (within 3 tries)" \
	"$(shows_finding "lab replay $run" replay "$run")" 1
# No false alarms: faults that cannot lose an acknowledged commit (a
# pause, a kill of one node with the redo flushed at every commit) find
# nothing in three explore runs.
cat >"$tmp/explore-safe.yaml" <<'YAML'
name: explore-safe
description: Pauses and kills of one node of a Galera cluster that flushes its redo at every commit.
timeout: 8m
cluster: { flavor: galera, nodes: 3, mysqld: { innodb_flush_log_at_trx_commit: 1 } }
workload: { threads: 4, customers: 200, products: 20 }
steps:
  - workload: start
  - sleep: 3s
  - nemesis: { faults: [pause, kill], targets: [one], interval: 2s..5s, for: 20s, recover: 1s..3s }
  - sleep: 2s
  - workload: stop
  - wait: { for: synced, node: all, timeout: 180s }
  - check: [invariants, durability, convergence]
expect: { invariants: pass, durability: pass, convergence: pass }
YAML
lab_ explore "$tmp/explore-safe.yaml" --runs 3 >"$tmp/safe.out" 2>&1
rc=$?
note "$(tail -5 "$tmp/safe.out")"
is "no false alarm: 3 explore runs of pauses and single-node kills with flush=1 find nothing" "$rc" 0
note "took $(($(date +%s) - t0)) s"
