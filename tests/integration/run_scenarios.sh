#!/usr/bin/env bash
# run_scenarios.sh — every shipped scenario that declares `timeout:` of 10
# minutes or less (they take under 5) runs through `lab run` on the local backend and must meet
# its expect: (exit 0) — but kill-mysqld-under-load, which report_real_run.sh
# runs twice to its expect:. Longer ones run in tests/nightly/run_scenarios_long.sh.
# Prints each verdict and duration; the results db and JUnit XML are kept
# in build/test-logs/ for inspection.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/../lib/shipped-scenarios.sh"
need_root "lab run scenarios"
lab_fixture_init
run_shipped_scenarios short

# hard-reset: {node: all} is one power loss for the whole cluster: every node
# is frozen before the first one's cut, so none writes after another died.
d=$(sqlite3 "$OUT/lab.db" "SELECT s.detail FROM steps s JOIN runs r ON r.id = s.run_id
	WHERE r.scenario = 'hard-reset-all-nodes' AND s.action = 'hard-reset' ORDER BY s.id DESC LIMIT 1")
note "hard-reset all: $d"
check "hard-reset all froze the 3 nodes together, then cut each one's power" \
	bash -c "echo \"\$1\" | grep -Eq '^3 nodes frozen within [0-9.]+ ms, then node 1 .* reset, node 2 .* reset, node 3 .* reset(; .*)?$'" _ "$d"

# delete-redo-log deletes what the node's release keeps: MariaDB 10.5+ has
# only ib_logfile0 (lib/dialect.c).
d=$(sqlite3 "$OUT/lab.db" "SELECT s.detail FROM steps s JOIN runs r ON r.id = s.run_id
	WHERE r.scenario = 'delete-ib-logfile' AND s.action = 'delete-redo-log' ORDER BY s.id DESC LIMIT 1")
note "delete-redo-log: $d"
is "delete-redo-log deleted MariaDB 10.11's redo log, ib_logfile0" "$d" "node 3: deleted ib_logfile0"
