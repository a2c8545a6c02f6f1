#!/usr/bin/env bash
# trust_outage.sh — a database outage is a finding with a diagnosis, not
# lab's failure. Two of three Galera nodes lose power at once: node 1 is
# left without a Primary component, and node 2's restart cannot join. lab
# must see it within seconds (not wait 300 s for SQL), end the step as a
# finding (verdict fail, exit 1) that names each node's state and seqno and
# what a DBA would do, record it in `anomalies`, skip the remaining steps
# and tear down. A scripted wait that a partition defeats (the node answers
# but stays non-Primary) is a finding that says who holds the Primary
# component.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "galera cluster"
lab_fixture_init
NAME=$FIX_NAME
DIR=$(fixture_tmp outage)
DB=$(fixture_db lab)
q() { sqlite3 "$DB" "$1"; }

cat >"$DIR/outage.yaml" <<'EOF'
name: no-primary-after-double-power-loss
description: Two of three nodes lose power at once; the survivor has no Primary component.
cluster: {flavor: galera, nodes: 3}
workload: {threads: 2, customers: 100, products: 10}
steps:
  - workload: start
  - sleep: 3s
  - hard-reset: {node: [2, 3]}
  - workload: stop
  - start: {node: 2}
  - start: {node: 3}
  - check: [invariants]
EOF

start=$(date +%s)
out=$("$LAB" run "$DIR/outage.yaml" --name "$NAME" --db "$DB" 2>&1)
rc=$?
took=$(($(date +%s) - start))
echo "$out" | sed 's/^/# /'
is "lab run exits 1: a finding, not broken" "$rc" 1
run=$(q "SELECT max(id) FROM runs")
is "the verdict is fail" "$(q "SELECT verdict FROM runs WHERE id = $run")" fail
step=$(q "SELECT ended_at - started_at FROM steps WHERE run_id = $run AND seq = 5")
note "the refused start took ${step} s; the whole run $took s"
check "the refused start ends within 60 s, not 300" awk -v s="$step" 'BEGIN { exit !(s > 0 && s < 60) }'
is "the start step is recorded as an error" "$(q "SELECT outcome FROM steps WHERE run_id = $run AND seq = 5")" error
diag=$(q "SELECT detail FROM anomalies WHERE run_id = $run AND kind = 'cluster-unavailable'")
note "$diag"
check "the diagnosis says there is no Primary component" grep -q "no Primary component anywhere" <<<"$diag"
check "the diagnosis names node 1's state and seqno" grep -Eq "node 1 non-Primary.*last committed [0-9]+" <<<"$diag"
check "the diagnosis says what to do (pc.bootstrap on node 1)" grep -q "pc.bootstrap=YES' on node 1" <<<"$diag"
is "the steps after the outage did not run" "$(q "SELECT count(*) FROM steps WHERE run_id = $run AND seq > 5")" 0
is "the cluster was torn down" "$(q "SELECT outcome FROM steps WHERE run_id = $run AND action = 'cluster-down'")" ok
is "no namespace of the cluster is left" "$(ip netns list | grep -c "lab-$NAME-")" 0

# A wait the database's state defeats is a finding too: node 1, cut off by
# a partition, is non-Primary and answers SQL, so "synced within 5 s" fails
# with each node's side named, not as lab's failure.
cat >"$DIR/wait.yaml" <<'EOF2'
name: wait-defeated-by-a-partition
description: A scripted wait for a node that a partition keeps non-Primary.
cluster: {flavor: galera, nodes: 3}
steps:
  - partition: {groups: [[1], [2, 3]]}
  - wait: {for: non-primary, node: 1, timeout: 60s}
  - wait: {for: synced, node: 1, timeout: 5s}
  - heal
EOF2
out=$("$LAB" run "$DIR/wait.yaml" --name "$NAME" --db "$DB" 2>&1)
rc=$?
echo "$out" | grep -E 'FINDING|fail|broken' | sed 's/^/# /'
is "a wait defeated by the partition exits 1 (a finding)" "$rc" 1
run=$(q "SELECT max(id) FROM runs")
diag=$(q "SELECT detail FROM anomalies WHERE run_id = $run AND kind = 'cluster-unavailable'")
check "the finding says node 1 is not synced and is non-Primary" grep -Eq "node 1 is not synced after [0-9]+ ms: status 'non-Primary'" <<<"$diag"
check "it names the other nodes' side" grep -Eq "node 2 Primary Synced" <<<"$diag"
check "it says nodes 2 and 3 form a Primary component node 1 cannot reach" grep -q "nodes 2 3 form a Primary component: node 1 rejoins it by itself once it can reach them" <<<"$diag"
is "the cluster was torn down after the finding (no namespace left)" "$(ip netns list | grep -c "lab-$NAME-")" 0
