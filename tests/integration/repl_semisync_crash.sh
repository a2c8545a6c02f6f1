#!/usr/bin/env bash
# repl_semisync_crash.sh — seed 003 through lab run: kill -9 of a semisync
# primary under load (replicas cut off), promote, restart the old primary;
# lab names the errant GTIDs it holds (read from its datadir while it is down,
# and again once it is back) and the journal transactions in them,
# which the client saw fail or as unknown.
. "$(dirname "$0")/../lib/tap.sh"
need_root "scenario semisync-crash-extra-transactions"
NAME=h6s
DIR=$(mktemp -d /var/tmp/lab-h6-test.XXXXXX)
DB=$DIR/lab.db
cleanup() { "$LAB" cluster down --name "$NAME" >/dev/null 2>&1; rm -rf "$DIR"; }
trap cleanup EXIT
"$LAB" cluster down --name "$NAME" >/dev/null 2>&1

start=$(date +%s)
out=$("$LAB" run "$LAB_TOP/scenarios/semisync-crash-extra-transactions.yaml" --name "$NAME" --db "$DB" 2>&1)
rc=$?
echo "$out" | grep -v -e 'diverged-row' -e 'lost-ok ' -e 'lost-delete ' -e 'phantom ' | sed 's/^/# /'
is "lab run semisync-crash-extra-transactions meets its expect: (exit 0)" "$rc" 0
note "took $(($(date +%s) - start)) s"
q() { sqlite3 "$DB" "$1"; }
run=$(q "SELECT max(id) FROM runs")
is "split-brain verdicts (old primary down, then restarted)" \
	"$(q "SELECT group_concat(actual, ' ') FROM (SELECT actual FROM checks WHERE run_id = $run AND checker = 'split-brain' ORDER BY id)")" \
	"split-brain-detected split-brain-detected"
check "while node 1 was down its binlog was read from its datadir" \
	test "$(q "SELECT count(*) FROM checks WHERE run_id = $run AND checker = 'split-brain' AND details LIKE '%binlog was read from the datadir%'")" = 1
errant=$(q "SELECT detail FROM anomalies WHERE run_id = $run AND kind = 'errant-gtid' ORDER BY id DESC LIMIT 1")
note "$errant"
check "an errant-gtid anomaly names node 1's extra range" bash -c "echo \"\$1\" | grep -Eq '^node 1 .* lacks: 0-1-[0-9]+'" _ "$errant"
n_txn=$(q "SELECT count(DISTINCT txn_id) FROM anomalies WHERE run_id = $run AND kind = 'errant-transaction' AND txn_id IS NOT NULL")
check "errant transactions are traced to journal transactions ($n_txn)" test "$n_txn" -ge 1
n_notok=$(q "SELECT count(*) FROM anomalies WHERE run_id = $run AND kind = 'errant-transaction' AND (detail LIKE '%told ''unknown''%' OR detail LIKE '%told ''failed''%')")
check "some of them the client saw fail or as unknown ($n_notok)" test "$n_notok" -ge 1
check "the old primary came back read-only, not a second primary" \
	test "$(q "SELECT count(*) FROM anomalies WHERE run_id = $run AND kind = 'multiple-primaries'")" = 0
ranges=$(q "SELECT substr(detail, instr(detail, 'lacks: ') + 7) FROM anomalies WHERE run_id = $run AND kind = 'errant-gtid' ORDER BY id")
note "errant ranges (down, restarted): $(echo $ranges)"
is "crash recovery committed exactly what the dead primary's binlog held" \
	"$(echo "$ranges" | sort -u | wc -l)" 1
