#!/usr/bin/env bash
# cluster_up_down.sh — a real 3-node Galera cluster on the local backend:
# up (timed, must be Synced within 60 s), status, a write on node 1 read on
# node 3, up again is safe, down leaves namespaces, mounts and processes as
# they were, down again is safe.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "cluster up/down"
lab_fixture_init
NAME=$FIX_NAME
STATE=$FIX_STATE
CNF=$STATE/client.cnf

# mariadbd processes of this cluster (by their datadir), zombies excluded.
our_servers() { ps -eo pid=,stat=,comm=,args= | awk -v d="$STATE/" '$3 == "mariadbd" && $2 !~ /^Z/ && index($0, d) { print $1 }' | sort; }
# The machine is shared: compare what is ours (lab-NAME-* namespaces, their
# nsfs mounts, this cluster's servers, routes of the subnet it gets).
our_netns() { ip netns list | awk '{print $1}' | grep "^lab-$NAME-" | sort; }
our_mounts() { grep -e "lab-$NAME-" -e "$STATE" /proc/mounts | sort; }
netns_before=$(our_netns)
mounts_before=$(our_mounts)
procs_before=$(our_servers)

start=$(date +%s.%N)
out=$(fixture_cluster_up 2>&1)
rc=$?
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
note "$out"
is "cluster up exits 0" "$rc" 0
note "time to Synced: $secs s"
check "3 nodes Synced within 60 s ($secs s)" awk -v s="$secs" 'BEGIN { exit !(s <= 60) }' 
[ "$rc" = 0 ] || exit 1

status=$(fixture_cluster status)
note "$status"
is "status shows 3 Synced nodes" "$(echo "$status" | awk '$6 == "Synced" && $4 == "Primary" && $5 == 3' | wc -l)" 3
check "client.cnf is 0600" test "$(stat -c %a "$CNF")" = 600
for i in 1 2 3; do
	p=$(fixture_cluster pid "$i")
	note "node $i pid $p rss $(awk '/VmRSS/ {print $2, $3}' /proc/"$p"/status)"
	is "node $i runs as mysql" "$(ps -o user= -p "$p")" mysql
done

h1=$(echo "$status" | awk '$1 == 1 {print $3}' | cut -d: -f1)
h3=$(echo "$status" | awk '$1 == 3 {print $3}' | cut -d: -f1)
subnet=$(echo "$h1" | cut -d. -f3)
check "node 1 is routed through the lab veth lb$subnet" bash -c "ip route get $h1 | grep -q 'dev lb$subnet '"
check "the blackhole safety route is there" bash -c "ip route | grep -q '^blackhole 10.213.0.0/16'"
token=row-$$-$RANDOM
check "write on node 1" mariadb --defaults-file="$CNF" -h "$h1" bank -e \
	"CREATE TABLE IF NOT EXISTS t_updown (id INT PRIMARY KEY, v VARCHAR(64)); REPLACE INTO t_updown VALUES (1, '$token')"
is "read on node 3" "$(mariadb --defaults-file="$CNF" -h "$h3" bank -N -B -e 'SELECT v FROM t_updown WHERE id = 1')" "$token"
is "lab user has ALL privileges" "$(mariadb --defaults-file="$CNF" -h "$h3" -N -B -e 'SHOW GRANTS' | grep -c 'GRANT ALL PRIVILEGES ON \*\.\*')" 1

out=$(fixture_cluster_up 2>&1)
rc=$?
is "up again exits 0" "$rc" 0
check "up again says already up" grep -q "already up" <<<"$out"

out=$(fixture_cluster down 2>&1)
is "down exits 0" "$?" 0
sleep 1
is "netns list as before" "$(our_netns)" "$netns_before"
is "mounts as before" "$(our_mounts)" "$mounts_before"
is "no server of the cluster left" "$(our_servers)" "$procs_before"
check "no subnet claim by $STATE left" bash -c "! grep -qx '$STATE' /run/lab/subnets/* 2>/dev/null"
if grep -q . "/run/lab/subnets/$subnet" 2>/dev/null; then
	skip "no route / veth for subnet $subnet left" "another cluster has claimed subnet $subnet since"
else
	check "no route for subnet $subnet left" bash -c "! ip route | grep -q '^10.213.$subnet.0/24'"
	check "no veth lb$subnet left" bash -c "! ip link show lb$subnet >/dev/null 2>&1"
fi
out=$(fixture_cluster down 2>&1)
is "down again exits 0" "$?" 0
check "down again says not up" grep -q "not up" <<<"$out"
