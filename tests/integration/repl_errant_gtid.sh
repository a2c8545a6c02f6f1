#!/usr/bin/env bash
# repl_errant_gtid.sh — seed 001 through lab run: failover without fencing,
# the workload keeps writing to the old primary; lab names the errant GTID
# range (gtid_executed(demoted) - gtid_executed(promoted)) and two writable
# primaries.
. "$(dirname "$0")/../lib/tap.sh"
need_root "scenario errant-gtid-split-brain"
NAME=h6s
DIR=$(mktemp -d /var/tmp/lab-h6-test.XXXXXX)
DB=$DIR/lab.db
cleanup() { "$LAB" cluster down --name "$NAME" >/dev/null 2>&1; rm -rf "$DIR"; }
trap cleanup EXIT
"$LAB" cluster down --name "$NAME" >/dev/null 2>&1

start=$(date +%s)
out=$("$LAB" run "$LAB_TOP/scenarios/errant-gtid-split-brain.yaml" --name "$NAME" --db "$DB" 2>&1)
rc=$?
echo "$out" | grep -v -e 'diverged-row' -e 'lost-ok ' -e 'lost-delete ' -e 'phantom ' | sed 's/^/# /'
is "lab run errant-gtid-split-brain meets its expect: (exit 0)" "$rc" 0
note "took $(($(date +%s) - start)) s"
q() { sqlite3 "$DB" "$1"; }
run=$(q "SELECT max(id) FROM runs")
is "split-brain verdict" "$(q "SELECT actual FROM checks WHERE run_id = $run AND checker = 'split-brain'")" split-brain-detected
errant=$(q "SELECT detail FROM anomalies WHERE run_id = $run AND kind = 'errant-gtid'")
note "$errant"
check "the errant GTID range on node 1 is named" bash -c "echo \"\$1\" | grep -Eq '^node 1 .* lacks: 0-1-[0-9]+\\.\\.[0-9]+'" _ "$errant"
check "two writable primaries are reported" \
	test "$(q "SELECT count(*) FROM anomalies WHERE run_id = $run AND kind = 'multiple-primaries'")" = 1
n_ok=$(q "SELECT count(*) FROM anomalies WHERE run_id = $run AND kind = 'errant-transaction' AND detail LIKE '%told ''ok''%'")
check "errant transactions were acknowledged to the client ($n_ok)" test "$n_ok" -ge 1
