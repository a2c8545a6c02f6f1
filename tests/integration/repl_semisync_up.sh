#!/usr/bin/env bash
# repl_semisync_up.sh — a real 3-node semisync cluster on the local backend:
# `lab cluster up --flavor semisync` replicates a row to both replicas, the
# primary reports semi-sync ON with 2 clients, status shows roles, positions
# and threads, a replica refuses the lab user's write with 1290, the
# split-brain checker says "primary"; promote 2, with node 2 behind node 3,
# catches it up from node 3 first and makes node 2 the writable
# primary that node 3 follows (and node 1, untouched and still writable, is
# flagged as a second primary); down leaves nothing behind.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "semisync cluster"
lab_fixture_init
NAME=$FIX_NAME
STATE=$FIX_STATE
CNF=$STATE/client.cnf

start=$(date +%s.%N)
out=$(fixture_cluster_up --flavor semisync --nodes 3 2>&1)
rc=$?
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
note "$out"
is "cluster up --flavor semisync exits 0" "$rc" 0
note "time to replicating: $secs s"
[ "$rc" = 0 ] || exit 1

status=$(fixture_cluster status)
note "$status"
h() { echo "$status" | awk -v n="$1" '$1 == n && $3 ~ /:/ {print $3; exit}' | cut -d: -f1; }
h1=$(h 1) h2=$(h 2) h3=$(h 3)
sql() { local host=$1; shift; mariadb --defaults-file="$CNF" -h "$host" -N -B "$@"; }
slave_field() { mariadb --defaults-file="$CNF" -h "$1" -e 'SHOW SLAVE STATUS\G' | awk -v f="$2:" '$1 == f {print $2}'; }
is "node 1 is the primary" "$(echo "$status" | awk '$1 == 1 && $2 == "primary"' | wc -l)" 1
is "nodes 2 and 3 are replicas with both threads running" \
	"$(echo "$status" | awk '$2 == "replica" && /io Yes sql Yes/' | wc -l)" 2
check "status shows semi-sync ON with 2 clients on the primary" bash -c "echo \"\$1\" | grep -q 'semisync ON, 2 clients'" _ "$status"
is "primary: rpl_semi_sync_master_enabled" "$(sql "$h1" -e 'SELECT @@rpl_semi_sync_master_enabled')" 1
is "replica: rpl_semi_sync_slave_enabled" "$(sql "$h2" -e 'SELECT @@rpl_semi_sync_slave_enabled')" 1
is "replica: read_only" "$(sql "$h3" -e 'SELECT @@read_only')" 1
is "replica uses MariaDB GTIDs (slave_pos)" "$(slave_field "$h2" Using_Gtid)" Slave_Pos

token=row-$$-$RANDOM
before=$(sql "$h1" -e "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_yes_tx'" | awk '{print $2}')
check "write on the primary" sql "$h1" bank -e \
	"CREATE TABLE IF NOT EXISTS t_repl (id INT PRIMARY KEY, v VARCHAR(64)); REPLACE INTO t_repl VALUES (1, '$token')"
after=$(sql "$h1" -e "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_yes_tx'" | awk '{print $2}')
check "the commits were acknowledged semi-synchronously ($before -> $after)" test "$after" -gt "$before"
for host in "$h2" "$h3"; do
	got=""
	for _ in $(seq 1 50); do
		got=$(sql "$host" bank -e 'SELECT v FROM t_repl WHERE id = 1' 2>/dev/null)
		[ "$got" = "$token" ] && break
		sleep 0.2
	done
	is "row replicated to $host" "$got" "$token"
done
err=$(sql "$h2" bank -e "INSERT INTO t_repl VALUES (2, 'x')" 2>&1)
check "a replica refuses the lab user's write with 1290" bash -c "echo \"\$1\" | grep -q 'ERROR 1290'" _ "$err"

out=$("$LAB" check --hosts "$h1:3306,$h2:3306,$h3:3306" --defaults-file "$CNF" --checks split-brain \
	--db "$STATE/check.db" 2>&1)
note "$out"
check "split-brain checker: one primary, nothing errant" bash -c "echo \"\$1\" | grep -q '^split-brain: primary'" _ "$out"

# Node 2 falls behind (its replication stopped) while node 1 commits, acked
# by node 3: promote 2 must bring node 2 level with node 3 first.
check "node 2 stops replicating" sql "$h2" -e 'STOP SLAVE'
check "write on the primary while node 2 is stopped" sql "$h1" bank -e "REPLACE INTO t_repl VALUES (4, '$token')"
out=$(fixture_cluster promote 2 2>&1)
rc=$?
note "$out"
is "promote 2 exits 0" "$rc" 0
check "promote catches node 2 up from node 3, which is ahead" \
	bash -c "echo \"\$1\" | grep -q 'node 2 caught up from node 3'" _ "$out"
is "node 2 has the row it missed" "$(sql "$h2" bank -e 'SELECT v FROM t_repl WHERE id = 4')" "$token"
status=$(fixture_cluster status)
note "$status"
is "node 2 is writable" "$(sql "$h2" -e 'SELECT @@read_only')" 0
is "node 2 has no replication left" "$(sql "$h2" -e 'SHOW SLAVE STATUS' | wc -l)" 0
is "node 3 follows node 2" "$(slave_field "$h3" Master_Host)" "$h2"
check "write on the new primary" sql "$h2" bank -e "REPLACE INTO t_repl VALUES (3, '$token')"
got=""
for _ in $(seq 1 50); do
	got=$(sql "$h3" bank -e 'SELECT v FROM t_repl WHERE id = 3' 2>/dev/null)
	[ "$got" = "$token" ] && break
	sleep 0.2
done
is "node 3 replicates from the new primary" "$got" "$token"
out=$("$LAB" check --hosts "$h1:3306,$h2:3306,$h3:3306" --defaults-file "$CNF" --checks split-brain \
	--db "$STATE/check.db" 2>&1)
note "$out"
check "node 1, not fenced by promote, is a second writable primary" \
	bash -c "echo \"\$1\" | grep -q '^split-brain: split-brain-detected' && echo \"\$1\" | grep -q 'multiple-primaries'" _ "$out"

out=$(fixture_cluster down 2>&1)
is "cluster down exits 0" "$?" 0
check "no namespace of $NAME is left" bash -c "! ip netns list | grep -q 'lab-$NAME-'"
check "no server of $NAME is left" bash -c "! ps -eo args= | grep -v grep | grep -q '$STATE/'"
