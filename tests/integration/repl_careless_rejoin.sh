#!/usr/bin/env bash
# repl_careless_rejoin.sh — an old primary holding errant transactions
# rejoined without a rewind; lab reports the divergence and the replication
# error (1236) rather than passing.
. "$(dirname "$0")/../lib/tap.sh"
need_root "scenario careless-rejoin"
NAME=h6s
DIR=$(mktemp -d /var/tmp/lab-h6-test.XXXXXX)
DB=$DIR/lab.db
cleanup() { "$LAB" cluster down --name "$NAME" >/dev/null 2>&1; rm -rf "$DIR"; }
trap cleanup EXIT
"$LAB" cluster down --name "$NAME" >/dev/null 2>&1

start=$(date +%s)
out=$("$LAB" run "$LAB_TOP/scenarios/careless-rejoin.yaml" --name "$NAME" --db "$DB" 2>&1)
rc=$?
echo "$out" | grep -v -e 'diverged-row' -e 'lost-ok ' -e 'lost-delete ' -e 'phantom ' | sed 's/^/# /'
is "lab run careless-rejoin meets its expect: (exit 0)" "$rc" 0
note "took $(($(date +%s) - start)) s"
q() { sqlite3 "$DB" "$1"; }
run=$(q "SELECT max(id) FROM runs")
is "split-brain verdict" "$(q "SELECT actual FROM checks WHERE run_id = $run AND checker = 'split-brain'")" split-brain-detected
errant=$(q "SELECT detail FROM anomalies WHERE run_id = $run AND kind = 'errant-gtid'")
note "$errant"
check "the old primary's errant GTIDs are named" bash -c "echo \"\$1\" | grep -Eq '^node 1 .* lacks: 0-1-[0-9]+'" _ "$errant"
repl=$(q "SELECT detail FROM anomalies WHERE run_id = $run AND kind = 'replication-error'")
note "$repl"
check "the rejoined node's replication error is reported" bash -c "echo \"\$1\" | grep -q '^node 1 .*error 1236'" _ "$repl"
