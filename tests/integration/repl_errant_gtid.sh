#!/usr/bin/env bash
# repl_errant_gtid.sh — seed 001 through lab run: failover without fencing,
# the workload keeps writing to the old primary; lab names the errant GTID
# range (gtid_executed(demoted) - gtid_executed(promoted)) and two writable
# primaries.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/../lib/scenario.sh"
need_root "scenario errant-gtid-split-brain"
lab_fixture_init
scenario_run errant-gtid-split-brain
is "split-brain verdict" "$(q "SELECT actual FROM checks WHERE run_id = $run AND checker = 'split-brain'")" split-brain-detected
errant=$(q "SELECT detail FROM anomalies WHERE run_id = $run AND checker = 'split-brain' AND kind = 'errant-gtid'")
note "$errant"
check "the errant GTID range on node 1 is named" bash -c "echo \"\$1\" | grep -Eq '^node 1 .* lacks: 0-1-[0-9]+\\.\\.[0-9]+'" _ "$errant"
check "two writable primaries are reported" \
	test "$(q "SELECT count(*) FROM anomalies WHERE run_id = $run AND kind = 'multiple-primaries'")" = 1
n_ok=$(q "SELECT count(*) FROM anomalies WHERE run_id = $run AND kind = 'errant-transaction' AND detail LIKE '%told ''ok''%'")
check "errant transactions were acknowledged to the client ($n_ok)" test "$n_ok" -ge 1
# The gtid checker: the same errant range on its own, pass/fail.
is "gtid verdict" "$(q "SELECT actual FROM checks WHERE run_id = $run AND checker = 'gtid'")" fail
gerrant=$(q "SELECT detail FROM anomalies WHERE run_id = $run AND checker = 'gtid' AND kind = 'errant-gtid'")
is "gtid names the same errant range as split-brain" "$gerrant" "$errant"
is "gtid reports no primaries, only histories" \
	"$(q "SELECT count(*) FROM anomalies WHERE run_id = $run AND checker = 'gtid' AND kind = 'multiple-primaries'")" 0
