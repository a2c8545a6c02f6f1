#!/usr/bin/env bash
# history_scenarios.sh — the shipped scenarios that find, or must not find,
# the published isolation anomalies, with the append workload and the
# history checker, on real servers: Galera stale reads with
# wsrep_sync_wait=0 (realtime cycles) and none with 1; G-single, G2-item and
# lost updates at REPEATABLE READ on one server, none at SERIALIZABLE. Each
# anomaly is stored with an explanation naming its edges.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/../lib/scenario.sh"
need_root "history scenarios"
lab_fixture_init

verdict() { q "SELECT actual FROM checks WHERE run_id = $run AND checker = 'history'"; }
kinds() { q "SELECT kind FROM anomalies WHERE run_id = $run AND checker = 'history' GROUP BY kind ORDER BY kind" | paste -sd' '; }
count() { q "SELECT count(*) FROM anomalies WHERE run_id = $run AND checker = 'history'"; }

scenario_run galera-stale-reads
is "wsrep_sync_wait=0: the history checker fails the run" "$(verdict)" fail
k=$(kinds); note "anomaly kinds: $k"
check "stale reads show as cycles that need a real-time edge" grep -q -- "-realtime" <<<"$k"
n=$(q "SELECT count(*) FROM anomalies WHERE run_id = $run AND checker = 'history'
	AND detail LIKE '%(realtime)%' AND detail LIKE '%(rw)%' AND detail LIKE '%did not observe%'")
check "each names its edges, the key and the values ($n)" test "$n" -ge 1

scenario_run galera-sync-wait-reads
is "wsrep_sync_wait=1: no anomaly" "$(verdict)" pass
is "nothing stored" "$(count)" 0

scenario_run repeatable-read-anomalies
is "REPEATABLE READ: the history checker fails the run" "$(verdict)" fail
k=$(kinds); note "anomaly kinds: $k"
check "G-single-item or G2-item (read skew, write skew)" grep -Eq "G-single-item|G2-item" <<<"$k"
check "lost updates" grep -q "lost-update" <<<"$k"

scenario_run serializable-no-anomalies
is "SERIALIZABLE: no anomaly" "$(verdict)" pass
is "nothing stored" "$(count)" 0
