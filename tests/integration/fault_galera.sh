#!/usr/bin/env bash
# fault_galera.sh — every fault of the local backend + galera flavor on one
# real 3-node cluster (CPU is scarce: one bring-up for all), each checked
# for its effect AND its undo:
#   kill -> pid gone, others see size 2; start -> rejoins by IST, not SST
#   pause -> state T; resume -> runs, Synced
#   partition 1|2,3 -> TCP n1 -> n2:4567 fails, host -> n1 works, n1 non-Primary;
#   partition 1,2|2,3 (a bridge) -> n1 and n3 cannot talk, both reach n2;
#     heal -> connect works, tables gone, n1 Synced
#   hard-reset -> no process left in the node's namespace; start -> Synced
#   stop -> clean grastate; snapshot; edit-grastate -> file says so (and back);
#     delete-file refuses absolute and '..'; revert -> datadir == snapshot;
#     delete-file grastate.dat -> gone; delete-file PREFIX* -> gone, refused
#     inside a name; start -> rejoins
#   kill all -> start-all -> says which node and why, all Synced, data intact
#   stop all -> bootstrap (unforced) refused -> bootstrap --force -> Primary
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "galera faults"
lab_fixture_init
NAME=$FIX_NAME
STATE=$FIX_STATE
CNF=$STATE/client.cnf
L() { fixture_cluster "$@"; }

sql() { local n=$1; shift; mariadb --defaults-file="$CNF" -h "10.213.$SUBNET.$((10 + n))" --connect-timeout=5 bank -N -B -e "$*"; }
size_of() { sql "$1" "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | awk '{print $2}'; }
pstate() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null; }
# wait_until SECONDS CMD...: poll every 0.5 s
wait_until() { local t=$(( $1 * 2 )); shift; while [ $t -gt 0 ]; do "$@" && return 0; sleep 0.5; t=$((t - 1)); done; return 1; }
tcp() { ip netns exec "lab-$NAME-n$1" timeout 3 bash -c "echo > /dev/tcp/$2/$3" 2>/dev/null; }
count_rows() { sql "$1" "SELECT COUNT(*) FROM f"; }

t0=$(date +%s)
out=$(L up 2>&1) || { not_ok "cluster up" "$out"; exit 1; }
ok "cluster up ($(( $(date +%s) - t0 )) s)"
SUBNET=$(L status | awk '$1 == 1 {split($3, a, "."); print a[3]}')
check "write some rows" sql 1 "CREATE TABLE f (id INT PRIMARY KEY AUTO_INCREMENT, v INT); INSERT INTO f (v) VALUES (1), (2), (3)"

# --- kill / start by IST
p2=$(L pid 2)
check "kill node 2" L kill 2
check "node 2's pid $p2 is gone" bash -c "! kill -0 $p2 2>/dev/null || grep -q '^[^ ]* ([^)]*) Z' /proc/$p2/stat"
is "lab says node 2 is down" "$(L pid 2)" 0
check "node 1 sees cluster size 2" wait_until 60 bash -c "[ \"\$(mariadb --defaults-file=$CNF -h 10.213.$SUBNET.11 -N -B -e \"SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'\" | awk '{print \$2}')\" = 2 ]"
check "write while node 2 is down" sql 1 "INSERT INTO f (v) VALUES (4), (5)"
log_off=$(stat -c %s "$STATE/n2/error.log")
check "start node 2 after the kill" L start 2
check "node 2 Synced" L wait 2 synced --timeout 120s
newlog=$(tail -c +"$((log_off + 1))" "$STATE/n2/error.log")
check "node 2 rejoined by IST" grep -q "Receiving IST" <<<"$newlog"
# The rsync joiner script always starts (it listens for either); a full
# SST is one that completed a transfer.
check "node 2 did not need a full SST" bash -c '! grep -q "rsync SST completed on joiner" <<<"$1"' _ "$newlog"
is "node 2 has the rows written while it was down" "$(count_rows 2)" 5

# --- pause / resume
p3=$(L pid 3)
check "pause node 3" L pause 3
is "node 3 is stopped (state T)" "$(pstate "$p3")" T
check "resume node 3" L resume 3
check "node 3 runs again" bash -c "[ \"\$(awk '{print \$3}' /proc/$p3/stat)\" != T ]"
check "node 3 Synced after resume" L wait 3 synced --timeout 120s

# --- partition / heal
check "node 1 reaches node 2's gcomm port before the partition" tcp 1 "10.213.$SUBNET.12" 4567
check "partition [1] [2,3]" L partition 1 2,3
check_fails "TCP from node 1 to node 2:4567 fails across the partition" tcp 1 "10.213.$SUBNET.12" 4567
check_fails "TCP from node 3 to node 1:4567 fails across the partition" tcp 3 "10.213.$SUBNET.11" 4567
check "node 2 still reaches node 3 (same side)" tcp 2 "10.213.$SUBNET.13" 4567
check "the host still reaches node 1 (SQL)" sql 1 "SELECT 1"
check "node 1 becomes non-Primary" L wait 1 non-primary --timeout 60s
check "nodes 2 and 3 stay Primary" L wait 2 primary --timeout 60s
check "heal" L heal
check "TCP from node 1 to node 2:4567 works after heal" tcp 1 "10.213.$SUBNET.12" 4567
is "no nft table left in node 1" "$(ip netns exec "lab-$NAME-n1" nft list tables)" ""
check "node 1 Synced after heal" L wait 1 synced --timeout 120s
# Overlapping groups: node 2 bridges nodes 1 and 3, which cannot reach
# each other (the nemesis's ring on 3 nodes).
check "partition [1,2] [2,3] (a bridge)" L partition 1,2 2,3
check_fails "TCP from node 1 to node 3:4567 fails across the bridge" tcp 1 "10.213.$SUBNET.13" 4567
check_fails "TCP from node 3 to node 1:4567 fails across the bridge" tcp 3 "10.213.$SUBNET.11" 4567
check "node 1 still reaches node 2 (the bridge)" tcp 1 "10.213.$SUBNET.12" 4567
check "node 3 still reaches node 2 (the bridge)" tcp 3 "10.213.$SUBNET.12" 4567
sleep 2
check "heal the bridge" L heal
check "TCP from node 1 to node 3:4567 works after heal" tcp 1 "10.213.$SUBNET.13" 4567
for i in 1 2 3; do check "node $i Synced after the bridge healed" L wait "$i" synced --timeout 120s; done

# --- hard reset
check "hard-reset node 2" L hard-reset 2
is "no process left in node 2's namespace" "$(ip netns pids "lab-$NAME-n2")" ""
is "lab says node 2 is down" "$(L pid 2)" 0
check "start node 2 after the hard reset" L start 2
check "node 2 Synced" L wait 2 synced --timeout 120s
# Several nodes at once are one power loss: frozen together, then each cut;
# the cluster comes back by start-all from the most advanced node.
L hard-reset 2,9 2>/dev/null; is "hard-reset with a node out of range exits 2" "$?" 2
out=$(L hard-reset all 2>&1)
is "hard-reset all exits 0" "$?" 0
note "$out"
check "hard-reset all froze the three nodes before the first cut" \
	bash -c "echo \"\$1\" | grep -Eq '^3 nodes frozen within [0-9.]+ ms, then node 1 .* reset, node 2 .* reset, node 3 .* reset$'" _ "$out"
is "no process left in any node's namespace" \
	"$(ip netns pids "lab-$NAME-n1"; ip netns pids "lab-$NAME-n2"; ip netns pids "lab-$NAME-n3")" ""
check "start-all after the power loss" L start-all
for i in 1 2 3; do check "node $i Synced after start-all" L wait "$i" synced --timeout 120s; done

# --- stop, snapshot, edit-grastate, delete-file, revert
check "stop node 3 (clean shutdown)" L stop 3
is "node 3 is down" "$(L pid 3)" 0
seq3=$(awk '/^seqno:/ {print $2}' "$(L datadir 3)/grastate.dat")
check "clean shutdown left a seqno ($seq3)" test "$seq3" -ge 0
check "snapshot node 3 as p1" L snapshot 3 p1
check "edit-grastate node 3 seqno 7 safe_to_bootstrap 1" L edit-grastate 3 --seqno 7 --safe-to-bootstrap 1
check "grastate.dat says seqno 7" grep -qx "seqno:   7" "$(L datadir 3)/grastate.dat"
check "grastate.dat says safe_to_bootstrap 1" grep -qx "safe_to_bootstrap: 1" "$(L datadir 3)/grastate.dat"
check "edit-grastate back" L edit-grastate 3 --seqno "$seq3" --safe-to-bootstrap 0
check "grastate.dat has its seqno back" grep -qx "seqno:   $seq3" "$(L datadir 3)/grastate.dat"
L delete-file 3 /etc/hostname 2>/dev/null; is "delete-file refuses an absolute path (exit 2)" "$?" 2
L delete-file 3 ../state 2>/dev/null; is "delete-file refuses '..' (exit 2)" "$?" 2
check "state file still there" test -e "$STATE/state"
check "write while node 3 is stopped" sql 1 "INSERT INTO f (v) VALUES (6)"
check "start node 3" L start 3
check "node 3 Synced" L wait 3 synced --timeout 120s
is "node 3 has 6 rows" "$(count_rows 3)" 6
check "stop node 3 again" L stop 3
check_fails "node 3's datadir differs from snapshot p1 now" bash -c 'diff -rq "$1" "$2" >/dev/null' _ "$(L datadir 3)" "$STATE/snapshots/p1/n3"
check "revert node 3 to p1" L revert 3 p1
check "node 3's datadir is snapshot p1's" diff -rq "$(L datadir 3)" "$STATE/snapshots/p1/n3"
check "delete-file grastate.dat on node 3" L delete-file 3 grastate.dat
check "grastate.dat is gone" test ! -e "$(L datadir 3)/grastate.dat"
check "node 3 has an ib_buffer_pool after its clean shutdown" test -e "$(L datadir 3)/ib_buffer_pool"
check "delete-file 'ib_buffer_poo*' deletes by prefix" L delete-file 3 'ib_buffer_poo*'
check "ib_buffer_pool is gone" test ! -e "$(L datadir 3)/ib_buffer_pool"
L delete-file 3 'nosuch*' 2>/dev/null; is "delete-file of a prefix nothing has: exit 2" "$?" 2
L delete-file 3 'ib*data1' 2>/dev/null; is "delete-file refuses a '*' inside a name (exit 2)" "$?" 2
check "ibdata1 is still there" test -e "$(L datadir 3)/ibdata1"
check "start the reverted node 3" L start 3
check "node 3 Synced" L wait 3 synced --timeout 120s
is "node 3 caught up (6 rows)" "$(count_rows 3)" 6

# --- all nodes crash: start-all
check "write before the crash" sql 2 "INSERT INTO f (v) VALUES (7)"
for i in 1 2 3; do L kill "$i" >/dev/null; done
is "all nodes down" "$(L pid 1)$(L pid 2)$(L pid 3)" 000
why=$(L start-all 2>/dev/null)
is "start-all exits 0" "$?" 0
note "$why"
check "start-all says which node and why" grep -q "bootstrapped node [1-3]: it has the highest seqno" <<<"$why"
for i in 1 2 3; do check "node $i Synced after start-all" L wait "$i" synced --timeout 120s; done
is "no row lost (7 on node 3)" "$(count_rows 3)" 7

# --- bootstrap: unforced refused, forced works
for i in 1 2 3; do L stop "$i" >/dev/null 2>&1; done
is "all nodes stopped" "$(L pid 1)$(L pid 2)$(L pid 3)" 000
check "node 1 is not safe to bootstrap" grep -qx "safe_to_bootstrap: 0" "$(L datadir 1)/grastate.dat"
check_fails "bootstrap node 1 without force is refused" L bootstrap 1
check "bootstrap node 1 --force" L bootstrap 1 --force
check "node 1 Primary" L wait 1 primary --timeout 60s
check "start node 2" L start 2
check "start node 3" L start 3
for i in 2 3; do check "node $i Synced" L wait "$i" synced --timeout 120s; done
is "data intact after the forced bootstrap" "$(count_rows 2)" 7
check "cluster version" bash -c '"$@" | grep -q MariaDB' _ "$LAB" cluster version --name "$NAME" --state-dir "$STATE"

check "down" L down
is "no namespace of $NAME left" "$(ip netns list | grep -c "lab-$NAME-")" 0
note "fault suite took $(( $(date +%s) - t0 )) s"
