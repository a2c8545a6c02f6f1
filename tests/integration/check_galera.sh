#!/usr/bin/env bash
# check_galera.sh — lab check on a real 3-node galera cluster (lab cluster
# up) after `lab workload`: every checker passes on every node;
# a row changed on node 3 alone (wsrep_on=OFF) is named by the invariants
# (balance-drift on node 3 only) and by convergence (diverged-row, node 3);
# a killed node is reported unreachable (exit 2), not skipped.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "check on galera"
command -v mariadbd >/dev/null || { skip "check on galera" "mariadbd not installed"; exit 0; }
command -v sqlite3 >/dev/null || { skip "check on galera" "sqlite3 not installed"; exit 0; }

lab_fixture_init
D=$(fixture_tmp check)
CN=$FIX_STATE/client.cnf
if ! fixture_cluster_up --nodes 3 >"$D/up.log" 2>&1; then
	not_ok "lab cluster up --name $FIX_NAME" "$(tail -3 "$D/up.log" | tr '\n' ' ')"
	exit 1
fi
ok "3-node galera cluster up"
fixture_cluster status >"$D/status.txt" 2>&1
mapfile -t ADDR < <(awk '$1 ~ /^[0-9]+$/ && $3 ~ /:/ { print $3 }' "$D/status.txt")
mapfile -t PIDS < <(awk '$1 ~ /^[0-9]+$/ && $3 ~ /:/ { print $2 }' "$D/status.txt")
is "three node addresses" "${#ADDR[@]}" 3
H=$(IFS=,; echo "${ADDR[*]}")
node_sql() { mariadb --defaults-file="$CN" -h "${1%:*}" -P "${1#*:}" -N -B bank -e "$2"; }

"$LAB" workload --hosts "$H" --defaults-file "$CN" --threads 4 --duration 10s --customers 400 \
	--seed 3 --journal "$D/journal" >"$D/workload.log" 2>&1
is "lab workload on the cluster" "$?" 0

"$LAB" check --hosts "$H" --defaults-file "$CN" --journal "$D/journal" --db "$D/r.db" >"$D/out" 2>&1
rc=$?
is "clean cluster: every check passes (exit 0)" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$D/out" | head -40
for a in "${ADDR[@]}"; do
	check "invariants looked at $a" grep -q "^   $a: [0-9]* customers" "$D/out"
done

C=$(node_sql "${ADDR[2]}" "SELECT id FROM customer ORDER BY id LIMIT 1 OFFSET 3")
node_sql "${ADDR[2]}" "SET SESSION wsrep_on = OFF; UPDATE customer SET credit = credit + 5 WHERE id = $C"
"$LAB" check --hosts "$H" --defaults-file "$CN" --journal "$D/journal" --db "$D/r.db" >"$D/out" 2>&1
is "row changed on node 3 alone: exit 1" "$?" 1
check "invariants: balance-drift customer:$C on node 3" grep -q "balance-drift customer:$C node ${ADDR[2]}:" "$D/out"
check_fails "invariants: nothing drifts on node 1" grep -q "balance-drift customer:$C node ${ADDR[0]}:" "$D/out"
check "convergence: diverged-row customer:$C on node 3" grep -q "diverged-row customer:$C node ${ADDR[2]}: customer:$C differs" "$D/out"
is "convergence: one anomalies row for it" "$(sqlite3 "$D/r.db" "SELECT COUNT(*) FROM anomalies WHERE run_id = (SELECT max(id) FROM runs) AND kind = 'diverged-row' AND row_id = $C AND node = '${ADDR[2]}'")" 1
node_sql "${ADDR[2]}" "SET SESSION wsrep_on = OFF; UPDATE customer SET credit = credit - 5 WHERE id = $C"

# node 2 killed (a process lab cluster up started for this test)
kill -9 "${PIDS[1]}"
sleep 2
"$LAB" check --hosts "$H" --defaults-file "$CN" --journal "$D/journal" --db "$D/r.db" \
	--checks invariants,durability,convergence >"$D/out" 2>&1
is "node 2 killed: exit 2 (could not check every node)" "$?" 2
check "node 2 killed: reported unreachable by name" grep -q "node-unreachable node ${ADDR[1]}" "$D/out"
check "node 2 killed: the other nodes still checked" grep -q "^   ${ADDR[2]}: [0-9]* customers" "$D/out"
