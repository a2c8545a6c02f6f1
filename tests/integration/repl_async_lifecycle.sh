#!/usr/bin/env bash
# repl_async_lifecycle.sh — the async flavor's node life cycle on a real
# 3-node cluster: a replica that was down while node 2 was promoted is
# repointed to node 2 when it starts; a replica killed with SIGKILL resumes
# replication by itself when started; wait synced holds under writes; with
# every node stopped, start-all starts the primary first and the topology
# comes back (node 2 writable, the others read-only replicas of it).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "async cluster"
lab_fixture_init
STATE=$FIX_STATE
CNF=$STATE/client.cnf

out=$(fixture_cluster_up --flavor async --nodes 3 2>&1)
is "cluster up --flavor async exits 0" "$?" 0
note "$out"
status=$(fixture_cluster status)
h() { echo "$status" | awk -v n="$1" '$1 == n && $3 ~ /:/ {print $3; exit}' | cut -d: -f1; }
h1=$(h 1) h2=$(h 2) h3=$(h 3)
sql() { local host=$1; shift; mariadb --defaults-file="$CNF" -h "$host" -N -B "$@"; }
slave_field() { mariadb --defaults-file="$CNF" -h "$1" -e 'SHOW SLAVE STATUS\G' | awk -v f="$2:" '$1 == f {print $2}'; }
lc() { fixture_cluster "$@"; }

check "write on node 1" sql "$h1" bank -e "CREATE TABLE t_life (id INT PRIMARY KEY, v INT); INSERT INTO t_life VALUES (1, 1)"
check "stop node 3" lc stop 3
check "promote node 2 while node 3 is down" lc promote 2
check "write on node 2" sql "$h2" bank -e "INSERT INTO t_life VALUES (2, 2)"
out=$(lc start 3 2>&1)
is "start node 3 exits 0" "$?" 0
note "$out"
check "start says it repoints node 3" bash -c "echo \"\$1\" | grep -q 'repointing it to node 2'" _ "$out"
is "node 3 follows node 2" "$(slave_field "$h3" Master_Host)" "$h2"
check "wait node 3 synced" lc wait 3 synced --timeout 60s
is "node 3 has node 2's write" "$(sql "$h3" bank -e 'SELECT v FROM t_life WHERE id = 2')" 2

check "kill -9 node 3" lc kill 3
is "node 3 is down" "$(lc pid 3)" 0
check "write on node 2 while node 3 is down" sql "$h2" bank -e "INSERT INTO t_life VALUES (3, 3)"
check "start node 3 after the crash" lc start 3
check "wait node 3 synced (it resumed replication by itself)" lc wait 3 synced --timeout 60s
is "node 3 caught up" "$(sql "$h3" bank -e 'SELECT v FROM t_life WHERE id = 3')" 3

for i in 1 2 3; do lc stop "$i" >/dev/null 2>&1; done
is "every node is down" "$(for i in 1 2 3; do lc pid "$i"; done | sort -u)" 0
out=$(lc start-all 2>&1)
is "start-all exits 0" "$?" 0
note "$out"
check "start-all starts the primary, node 2, first" bash -c "echo \"\$1\" | grep -q 'primary, node 2, first'" _ "$out"
is "node 2 is writable" "$(sql "$h2" -e 'SELECT @@read_only')" 0
is "node 3 is read-only" "$(sql "$h3" -e 'SELECT @@read_only')" 1
is "node 1 (the old primary, never rejoined) is read-only" "$(sql "$h1" -e 'SELECT @@read_only')" 1
check "wait node 3 synced" lc wait 3 synced --timeout 60s
status=$(lc status)
note "$status"

out=$("$LAB" check --hosts "$h1:3306,$h2:3306,$h3:3306" --defaults-file "$CNF" --checks split-brain \
	--db "$STATE/check.db" 2>&1)
note "$out"
check "split-brain: one primary (node 2), nothing errant" bash -c "echo \"\$1\" | grep -q '^split-brain: primary'" _ "$out"
out=$("$LAB" check --hosts "$h1:3306,$h2:3306,$h3:3306" --defaults-file "$CNF" --checks gtid \
	--db "$STATE/check.db" 2>&1)
is "gtid checker on a healthy async cluster exits 0" "$?" 0
check "gtid: pass, no errant history" bash -c "echo \"\$1\" | grep -q '^gtid: pass'" _ "$out"
# Purged history: the primary's oldest binlog now starts at its current
# state, so the replicas' older transactions cannot be compared: they must
# not read as errant.
check "flush the primary's binlogs" sql "$h2" -e "FLUSH BINARY LOGS"
# The server keeps a binlog that a replica's dump thread still reads (it
# moves on once it has sent the rotate): purge until only the new one is
# left, as a DBA would retry.
cur=$(sql "$h2" -e 'SHOW MASTER STATUS' | cut -f1)
for _ in $(seq 100); do
	sql "$h2" -e "PURGE BINARY LOGS TO '$cur'" 2>/dev/null
	[ "$(sql "$h2" -e 'SHOW BINARY LOGS' | wc -l)" = 1 ] && break
	sleep 0.2
done
is "the primary has one binlog left ($cur)" "$(sql "$h2" -e 'SHOW BINARY LOGS' | wc -l)" 1
out=$("$LAB" check --hosts "$h1:3306,$h2:3306,$h3:3306" --defaults-file "$CNF" --checks split-brain \
	--db "$STATE/check.db" 2>&1)
note "$out"
check "split-brain after the purge: still one primary, nothing errant" bash -c "echo \"\$1\" | grep -q '^split-brain: primary'" _ "$out"
check "it says what it could not compare" bash -c "echo \"\$1\" | grep -q 'were not compared'" _ "$out"
check "kill -9 the primary" lc kill 2
out=$("$LAB" check --hosts "$h1:3306,$h2:3306,$h3:3306" --defaults-file "$CNF" --checks split-brain \
	--db "$STATE/check.db" 2>&1)
note "$out"
check "split-brain: no primary while nobody is promoted" bash -c "echo \"\$1\" | grep -q '^split-brain: no-primary'" _ "$out"
check "the dead primary is reported unreachable" bash -c "echo \"\$1\" | grep -q 'node-unreachable: node 2'" _ "$out"
