#!/usr/bin/env bash
# run_undo.sh — faults a scenario leaves in place are undone when the run
# ends normally: a node paused with no resume step is resumed (its process
# is no longer stopped, 'T'), a node the scenario killed is started again
# (with --keep and cleanup: {nodes: restart}), a timed pause resumes by
# itself, and every undo is recorded in the results db. The scenario
# expects nothing of the database, so its verdict is pass.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "lab run undo"
lab_fixture_init
NAME=$FIX_NAME
tmp=$(fixture_tmp undo)
DB=$(fixture_db lab)

cat >"$tmp/undo.yaml" <<'YAML'
name: undo-at-the-end
description: Faults left in place at the end of a run are undone.
cluster: { flavor: galera, nodes: 3 }
cleanup: { nodes: restart }
steps:
  - pause: { node: 1, duration: 2s }   # resumes by itself
  - pause: { node: 2 }                 # never resumed by the scenario
  - kill: { node: 3, signal: KILL }    # never started by the scenario
  - wait: { for: down, node: 3, timeout: 30s }
YAML
sql() { sqlite3 "$DB" "$1" 2>/dev/null; }
pstate() { ps -o stat= -p "$1" 2>/dev/null | cut -c1; }

LAB_NO_PROGRESS=1 "$LAB" run "$tmp/undo.yaml" --name "$NAME" --db "$DB" --keep >"$tmp/out" 2>&1
rc=$?
note "$(grep -v '^   ' "$tmp/out" | tail -12)"
is "lab run exits 0" "$rc" 0
is "verdict pass" "$(sql "SELECT verdict FROM runs")" pass
is "the timed pause says so" "$(sql "SELECT detail FROM steps WHERE action = 'pause' AND seq = 1")" "paused 2000 ms"
is "undo:resume of node 2 recorded ok" "$(sql "SELECT outcome FROM steps WHERE action = 'undo:resume' AND node = '2'")" ok
is "no undo:resume for node 1 (its pause ended by itself)" "$(sql "SELECT count(*) FROM steps WHERE action = 'undo:resume' AND node = '1'")" 0
is "undo:start of node 3 recorded ok" "$(sql "SELECT outcome FROM steps WHERE action = 'undo:start' AND node = '3'")" ok
for n in 1 2 3; do
	pid=$("$LAB" cluster pid "$n" --name "$NAME" 2>/dev/null)
	if [ -z "$pid" ] || [ "$pid" = 0 ]; then
		not_ok "node $n runs after the run" "no pid"
		continue
	fi
	st=$(pstate "$pid")
	check "node $n (pid $pid) runs and is not stopped (state $st)" test -n "$st" -a "$st" != T
done
check "node 2 answers as part of the cluster again" "$LAB" cluster wait 2 synced --name "$NAME" --timeout 120s
