#!/usr/bin/env bash
# check_lag.sh — a check taken while a replica is still behind its primary:
# the durability checker finds the rows missing there, and the check names
# the lagging replica and how far behind it was, so that the rows are not
# read as lost. Once the replica has caught up, the same check passes and
# names no lag.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/../lib/scenario.sh"
need_root "an async cluster"
lab_fixture_init

sc=$(fixture_tmp sc)/replica-lag.yaml
cat >"$sc" <<'EOF'
name: replica-lag
seed: 7
cluster:
  flavor: async
  nodes: 2
workload:
  threads: 2
  customers: 200
  products: 20
steps:
  - workload: start
  - sleep: 3s
  - partition: { groups: [[1], [2]] }   # node 2 receives nothing more
  - sleep: 3s
  - workload: stop
  - check: { checks: [durability], expect: { durability: fail } }
  - heal: {}
  - wait: { for: synced, timeout: 60s }
  - check: { checks: [durability], expect: { durability: pass } }
EOF
DB=$(fixture_db lab)
out=$("$LAB" run "$sc" --name "$FIX_NAME" --db "$DB" 2>&1)
rc=$?
echo "$out" | grep -v -e 'lost-ok ' -e 'lost-delete ' | sed 's/^/# /'
is "lab run: both checks as expected (exit 0)" "$rc" 0
run=$(q "SELECT max(id) FROM runs")
first=$(q "SELECT details FROM checks WHERE run_id = $run AND checker = 'durability' ORDER BY id LIMIT 1")
second=$(q "SELECT details FROM checks WHERE run_id = $run AND checker = 'durability' ORDER BY id LIMIT 1 OFFSET 1")
note "first check: ${first:0:400}"
check "the partitioned replica's missing rows are found" \
	test "$(q "SELECT count(*) FROM anomalies WHERE run_id = $run AND kind = 'lost-ok'")" -gt 0
check "the first check names node 2's lag" \
	bash -c "echo \"\$1\" | grep -Eq 'node 2 was [0-9]+ transactions? behind node 1 \\(io thread [A-Za-z]+, sql thread Yes\\)'" _ "$first"
check "and says the missing rows may be lag" bash -c "echo \"\$1\" | grep -q 'may be lag, not loss'" _ "$first"
is "the second check passes" "$(q "SELECT actual FROM checks WHERE run_id = $run AND checker = 'durability' ORDER BY id LIMIT 1 OFFSET 1")" pass
check "and names no lag" bash -c "! echo \"\$1\" | grep -q 'behind node'" _ "$second"
check "the run's output names the lag at the check" bash -c "echo \"\$1\" | grep -Eq 'at the check node 2 was [0-9]+ transaction'" _ "$out"
