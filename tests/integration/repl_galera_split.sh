#!/usr/bin/env bash
# repl_galera_split.sh — the split-brain checker on a real Galera cluster,
# through lab run with a fixture scenario (reference 002): one Primary
# component while node 1 is cut off and non-Primary ("primary"); node 1
# force-bootstrapped beside nodes 2 and 3 makes two Primary components
# ("split-brain-detected", multiple-primaries); node 1 then takes writes
# alone, and restarted normally after the heal it is refused with
# "Reversing history" — the checker reads that from the stopped node's
# error log and grastate.dat (diverged-history).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "galera split brain"
lab_fixture_init
NAME=$FIX_NAME
DIR=$(fixture_tmp scenario)
DB=$(fixture_db lab)

cat > "$DIR/galera-split.yaml" <<'YAML'
name: galera-split
description: >
  Fixture for repl_galera_split.sh: the split-brain checker's three galera
  verdicts in one run.
seed: 6006
cluster:
  flavor: galera
  nodes: 3
workload:
  threads: 1                 # one thread: it writes to node 1 only
  customers: 100
  products: 10
steps:
  - partition: { groups: [[1], [2, 3]] }
  - wait: { for: non-primary, node: 1, timeout: 60s }
  - check: { checks: [split-brain], expect: { cluster: primary } }
  - stop: { node: 1 }
  - bootstrap: { node: 1, force: true }
  - check: { checks: [split-brain], expect: { cluster: split-brain-detected } }
  - workload: start
  - sleep: 4s
  - workload: stop
  - stop: { node: 1 }
  - heal: {}
  - start: { node: 1, outcome: error }   # Reversing history: refused
  - check: [split-brain]
expect:
  cluster: split-brain-detected
YAML

start=$(date +%s)
out=$("$LAB" run "$DIR/galera-split.yaml" --name "$NAME" --db "$DB" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
is "lab run of the fixture meets every expect: (exit 0)" "$rc" 0
note "took $(($(date +%s) - start)) s"
q() { sqlite3 "$DB" "$1"; }
run=$(q "SELECT max(id) FROM runs")
is "verdicts in order" "$(q "SELECT group_concat(actual, ' ') FROM (SELECT actual FROM checks WHERE run_id = $run AND checker = 'split-brain' ORDER BY id)")" \
	"primary split-brain-detected split-brain-detected"
check "two Primary components were named" \
	bash -c "[ \"\$(sqlite3 '$DB' \"SELECT count(*) FROM anomalies WHERE run_id = $run AND kind = 'multiple-primaries' AND detail LIKE '%[node 1]%[node 2 node 3]%'\")\" -ge 1 ]"
div=$(q "SELECT detail FROM anomalies WHERE run_id = $run AND kind = 'diverged-history'")
note "$div"
check "the refused join is read from node 1's error log" bash -c "echo \"\$1\" | grep -q 'node 1 .*Reversing history'" _ "$div"
