#!/usr/bin/env bash
# versions_rolling_semisync.sh — scenarios/rolling-upgrade-semisync.yaml
# through lab run: a semisync primary and two replicas on 10.11.18 switched
# to 10.11.19, replicas first, under the bank workload; every expect: met,
# the replicas caught up by replication, the primary's replicas reconnected.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/../lib/scenario.sh"
. "$(dirname "$0")/../lib/versions.sh"
need_root "scenario rolling-upgrade-semisync"
need_build 10.11.18
lab_fixture_init
scenario_run rolling-upgrade-semisync
is "3 upgrade steps ok" "$(q "SELECT count(*) FROM steps WHERE run_id = $run AND action = 'upgrade' AND outcome = 'ok'")" 3
is "the replicas caught up by replication" "$(q "SELECT count(*) FROM steps WHERE run_id = $run AND action = 'upgrade' AND detail LIKE '%caught up by replication from node 1%'")" 2
is "the primary's replicas reconnected" "$(q "SELECT count(*) FROM steps WHERE run_id = $run AND action = 'upgrade' AND node = '1' AND detail LIKE '%replicas reconnected and caught up%'")" 1
q "SELECT node, detail FROM steps WHERE run_id = $run AND action = 'upgrade' ORDER BY seq" | while read -r l; do note "$l"; done
is "every node ended on 10.11.19" "$(q "SELECT count(DISTINCT node) FROM node_versions WHERE run_id = $run AND step_seq > 0 AND version LIKE '10.11.19-%'")" 3
