#!/usr/bin/env bash
# versions_rolling_galera.sh — scenarios/rolling-upgrade-galera.yaml through
# lab run: three Galera nodes on 10.11.18 switched one by one to 10.11.19
# under the bank workload; every expect: met, each node back by IST, the
# results hold each node's version before and after.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/../lib/scenario.sh"
. "$(dirname "$0")/../lib/versions.sh"
need_root "scenario rolling-upgrade-galera"
need_build 10.11.18
lab_fixture_init
scenario_run rolling-upgrade-galera
is "3 upgrade steps ok" "$(q "SELECT count(*) FROM steps WHERE run_id = $run AND action = 'upgrade' AND outcome = 'ok'")" 3
is "each node rejoined by IST" "$(q "SELECT count(*) FROM steps WHERE run_id = $run AND action = 'upgrade' AND detail LIKE '%Receiving IST%'")" 3
q "SELECT node, detail FROM steps WHERE run_id = $run AND action = 'upgrade' ORDER BY seq" | while read -r l; do note "$l"; done
is "every node started on 10.11.18" "$(q "SELECT count(*) FROM node_versions WHERE run_id = $run AND step_seq = 0 AND version LIKE '10.11.18-%'")" 3
is "every node ended on 10.11.19" "$(q "SELECT count(*) FROM node_versions WHERE run_id = $run AND step_seq > 0 AND version LIKE '10.11.19-%'")" 3
shown=$("$LAB" results show "$run" --db "$DB" 2>/dev/null | grep 'version  ')
note "$shown"
is "lab results show prints each node's versions" "$(echo "$shown" | grep -c '10.11.18 -> 10.11.19 (step')" 3
