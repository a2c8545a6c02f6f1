#!/usr/bin/env bash
# versions_mixed_galera.sh — scenarios/mixed-version-galera.yaml through lab
# run: nodes 1-2 on 10.11.19, node 3 on 10.11.18 (cluster.versions); the
# old-version node killed and restarted under load (its own build's
# --wsrep-recover, IST from the newer nodes), then a new-version node;
# every expect: met.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/../lib/scenario.sh"
. "$(dirname "$0")/../lib/versions.sh"
need_root "scenario mixed-version-galera"
need_build 10.11.18
lab_fixture_init
scenario_run mixed-version-galera
is "the cluster came up mixed: nodes 1, 2 on 10.11.19, node 3 on 10.11.18" \
	"$(q "SELECT group_concat(node || ':' || substr(version, 1, 8), ' ') FROM (SELECT node, version FROM node_versions WHERE run_id = $run AND step_seq = 0 ORDER BY node)")" \
	"1:10.11.19 2:10.11.19 3:10.11.18"
is "both restarted nodes rejoined by IST" "$(q "SELECT count(*) FROM steps WHERE run_id = $run AND action = 'start' AND detail LIKE '%Receiving IST%'")" 2
