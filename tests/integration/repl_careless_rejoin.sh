#!/usr/bin/env bash
# repl_careless_rejoin.sh — an old primary holding errant transactions
# rejoined without a rewind; lab reports the divergence and the replication
# error (1236) rather than passing.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/../lib/scenario.sh"
need_root "scenario careless-rejoin"
lab_fixture_init
scenario_run careless-rejoin
is "split-brain verdict" "$(q "SELECT actual FROM checks WHERE run_id = $run AND checker = 'split-brain'")" split-brain-detected
errant=$(q "SELECT detail FROM anomalies WHERE run_id = $run AND kind = 'errant-gtid'")
note "$errant"
check "the old primary's errant GTIDs are named" bash -c "echo \"\$1\" | grep -Eq '^node 1 .* lacks: 0-1-[0-9]+'" _ "$errant"
repl=$(q "SELECT detail FROM anomalies WHERE run_id = $run AND kind = 'replication-error'")
note "$repl"
check "the rejoined node's replication error is reported" bash -c "echo \"\$1\" | grep -q '^node 1 .*error 1236'" _ "$repl"
# node: primary is chosen when the step runs, wait: {for: primary} finds the new one.
is "the kill of 'primary' hit node 1" "$(q "SELECT node || ' ' || substr(detail, 1, 16) FROM steps WHERE run_id = $run AND action = 'kill'")" "primary primary: node 1;"
check "wait for a primary: node 2 after the promotion" bash -c "echo \"\$1\" | grep -q '^node 2 is the writable primary after'" _ \
	"$(q "SELECT detail FROM steps WHERE run_id = $run AND action = 'wait' AND detail LIKE 'node % is the writable primary%'")"
