#!/usr/bin/env bash
# repl_semisync_crash.sh — seed 003 through lab run: kill -9 of a semisync
# primary under load (replicas cut off), promote, restart the old primary;
# lab names the errant GTIDs it holds (read from its datadir while it is down,
# and again once it is back) and the journal transactions in them,
# which the client saw fail or as unknown.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/../lib/scenario.sh"
need_root "scenario semisync-crash-extra-transactions"
lab_fixture_init
scenario_run semisync-crash-extra-transactions
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
is "crash recovery committed exactly what the dead primary's binlog held (2 reports, 1 range)" \
	"$(echo "$ranges" | grep -c .) $(echo "$ranges" | grep . | sort -u | wc -l)" "2 1"
