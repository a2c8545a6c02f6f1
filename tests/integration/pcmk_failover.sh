#!/usr/bin/env bash
# pcmk_failover.sh — the real failover manager in the loop: `lab cluster up
# --flavor async --manager pacemaker` runs Corosync 3 + Pacemaker 2 on each
# of 3 local nodes, each node's daemons in the node's own network, mount
# and UTS namespaces (hostname nI, private /run, /dev/shm, CIB under
# STATE/nI/manager), the databases as an ocf:heartbeat:mariadb promotable
# clone, fencing on (fence_lab). The primary's mariadbd is SIGKILLed; the
# test shows that Pacemaker, not lab, promoted a replica: crm_mon names a
# new promoted node, Pacemaker's scheduler logged the promote, the new
# primary is writable and the others replicate from it, lab's own record of
# the primary is untouched and lab's promote is refused. down leaves no
# daemon, namespace, mount or CIB behind.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "pacemaker cluster"
for p in corosync pacemakerd crm_mon; do
	command -v "$p" >/dev/null || { skip "pacemaker cluster" "no $p (make deps: corosync pacemaker)"; exit 0; }
done
lab_fixture_init
NAME=$FIX_NAME
STATE=$FIX_STATE
CNF=$STATE/client.cnf

start=$(date +%s.%N)
out=$(fixture_cluster_up --flavor async --nodes 3 --manager pacemaker 2>&1)
rc=$?
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
note "$out"
is "cluster up --manager pacemaker exits 0" "$rc" 0
note "time to Pacemaker running the databases: $secs s"
[ "$rc" = 0 ] || exit 1

status=$(fixture_cluster status)
note "$status"
promoted() { echo "$1" | sed -n 's/.*\* Promoted: \[ n\([0-9]\) \].*/\1/p'; }
h() { echo "$status" | awk -v n="$1" '$1 == n && $3 ~ /:/ {print $3; exit}' | cut -d: -f1; }
sql() { local host=$1; shift; mariadb --defaults-file="$CNF" -h "$host" -N -B "$@"; }
slave_field() { mariadb --defaults-file="$CNF" -h "$1" -e 'SHOW SLAVE STATUS\G' | awk -v f="$2:" '$1 == f {print $2}'; }
declare -A host
for i in 1 2 3; do host[$i]=$(h "$i"); done
P=$(promoted "$status")
check "status shows Pacemaker's view (crm_mon) with a promoted node" test -n "$P"
check "crm_mon: 3 nodes online, fence_lab started" \
	bash -c "echo \"\$1\" | grep -q 'Online: \[ n1 n2 n3 \]' && echo \"\$1\" | grep -q 'stonith:fence_lab.*Started'" _ "$status"

# Isolation: each node's daemons in its own namespaces.
hostns=$(readlink /proc/self/ns/mnt)
for i in 1 2 3; do
	a=$(awk '{print $1}' "$STATE/n$i/manager/anchor.pid" 2>/dev/null)
	cpid=$(pgrep -P "$a" -x corosync)
	nodens=$(ip netns exec "lab-$NAME-n$i" readlink /proc/self/ns/net)
	is "node $i: corosync in the node's network namespace" "$(readlink /proc/$cpid/ns/net)" "$nodens"
	check "node $i: a mount namespace of its own" test "$(readlink /proc/$cpid/ns/mnt)" != "$hostns"
	is "node $i: hostname" "$(nsenter --target "$cpid" --uts hostname)" "n$i"
	check "node $i: its CIB under its state" test -s "$STATE/n$i/manager/lib-pacemaker/cib/cib.xml"
done
check "the host has no corosync.conf of ours" bash -c "! grep -q 'lab-$NAME' /etc/corosync/corosync.conf"

# The database's own view agrees with crm_mon.
is "node $P (promoted) is writable" "$(sql "${host[$P]}" -e 'SELECT @@read_only')" 0
for i in 1 2 3; do
	[ "$i" = "$P" ] && continue
	is "node $i is read-only" "$(sql "${host[$i]}" -e 'SELECT @@read_only')" 1
	is "node $i replicates from node $P" "$(slave_field "${host[$i]}" Master_Host)" "${host[$P]}"
done
token=row-$$-$RANDOM
check "write on the primary" sql "${host[$P]}" bank -e \
	"CREATE TABLE t_pcmk (id INT PRIMARY KEY, v VARCHAR(64)); INSERT INTO t_pcmk VALUES (1, '$token')"

out=$(fixture_cluster promote 2 2>&1)
rc=$?
note "$out"
check "lab's promote is refused with the reason (exit $rc)" \
	bash -c "[ $rc != 0 ] && echo \"\$1\" | grep -q \"failover manager's job\"" _ "$out"
lab_primary=$(awk '$1 == "async.primary" {print $2}' "$STATE/state")

# The fault: the primary's server dies. Pacemaker reacts.
t0=$(date +%s.%N)
check "kill node $P's mariadbd (SIGKILL)" fixture_cluster kill "$P"
Q=""
for _ in $(seq 1 120); do
	s=$(fixture_cluster status 2>/dev/null)
	q=$(promoted "$s")
	if [ -n "$q" ] && [ "$q" != "$P" ]; then
		Q=$q
		break
	fi
	sleep 0.5
done
failover=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
note "$s"
check "Pacemaker promoted another node (n$Q)" test -n "$Q"
note "failover time (kill to a new promoted node in crm_mon): $failover s"
[ -n "$Q" ] || exit 1
back=""
for _ in $(seq 1 120); do
	s=$(fixture_cluster status 2>/dev/null)
	if echo "$s" | grep -Eq "Unpromoted: \[.* n$P( .*)? \]|Unpromoted n$P"; then back=1; break; fi
	sleep 0.5
done
check "Pacemaker restarted n$P's server as unpromoted" test -n "$back"

logs=("$STATE"/n*/manager-log/pacemaker.log)
check "Pacemaker's scheduler logged the promotion of n$Q (never promoted before the kill)" \
	grep -q "Promote *db:[0-9]* *( Unpromoted -> Promoted n$Q )" "${logs[@]}"
check "Pacemaker saw n$P's monitor fail (not running)" \
	grep -q "Result of monitor operation for db on n$P: not running" "${logs[@]}"
pw=$(awk -F= '$1 == "password" {print $2}' "$CNF")
check "the lab password is in no Pacemaker log (a CIB secret, lrm://)" \
	bash -c '! grep -qF -- "$1" "${@:2}"' _ "$pw" "${logs[@]}"
is "lab's own record of the primary is untouched (lab promoted nothing)" \
	"$(awk '$1 == "async.primary" {print $2}' "$STATE/state")" "$lab_primary"
is "node $Q is writable" "$(sql "${host[$Q]}" -e 'SELECT @@read_only')" 0
is "node $Q has the row written before the kill" "$(sql "${host[$Q]}" bank -e 'SELECT v FROM t_pcmk WHERE id = 1')" "$token"
check "write on the new primary" sql "${host[$Q]}" bank -e "INSERT INTO t_pcmk VALUES (2, '$token')"
for i in 1 2 3; do
	[ "$i" = "$Q" ] && continue
	is "node $i is read-only" "$(sql "${host[$i]}" -e 'SELECT @@read_only')" 1
	# (the agent's notifications reset and repoint replication: poll)
	mh=""
	for _ in $(seq 1 60); do
		mh=$(slave_field "${host[$i]}" Master_Host 2>/dev/null)
		[ "$mh" = "${host[$Q]}" ] && break
		sleep 0.5
	done
	is "node $i replicates from node $Q" "$mh" "${host[$Q]}"
	got=""
	for _ in $(seq 1 50); do
		got=$(sql "${host[$i]}" bank -e 'SELECT v FROM t_pcmk WHERE id = 2' 2>/dev/null)
		[ "$got" = "$token" ] && break
		sleep 0.2
	done
	is "node $i has the new primary's write" "$got" "$token"
done

daemons=""
for i in 1 2 3; do
	a=$(awk '{print $1}' "$STATE/n$i/manager/anchor.pid" 2>/dev/null)
	[ -n "$a" ] && daemons="$daemons $a $(pgrep -P "$a" | tr '\n' ' ')"
done
out=$(fixture_cluster down 2>&1)
is "cluster down exits 0" "$?" 0
note "$out"
check "no namespace of $NAME is left" bash -c "! ip netns list | grep -q 'lab-$NAME-'"
alive=""
for pid in $daemons; do [ -d "/proc/$pid" ] && alive="$alive $pid"; done
is "every anchor, corosync and pacemakerd of $NAME is gone" "$alive" ""
check "no server of $NAME is left" bash -c "! ps -eo args= | grep -v grep | grep -q '$STATE/'"
for i in 1 2 3; do
	check "node $i: no CIB left" test ! -e "$STATE/n$i/manager"
done
