#!/usr/bin/env bash
# fault_powerloss.sh — a hard reset on the local backend is a real power
# loss: every datadir sits on powerfs (harness/local/powerfs.h), which keeps the
# writes not yet made durable apart and drops them at the cut.
#
# On one real 3-node Galera cluster, node 3, with rows written on
# node 3 only (wsrep_on=OFF in the session: no other node holds them):
#   the servers run in their powerfs daemon's mount namespace; the mount is
#     not in the host's mount table; status shows cache modes and pending bytes
#   cache none + innodb_flush_log_at_trx_commit=1: acknowledged rows survive
#     a hard reset (fsync honoured)
#   cache unsafe (switched live) + flush_log_at_trx_commit=1: acknowledged
#     rows are gone after the hard reset (a SIGKILL alone never loses them)
#   cache unsafe + flush_log_at_trx_commit=0, the log written to the file
#     before the cut: acknowledged rows are gone
#   after each cut nothing is pending; the cut left a trace
#   down: no daemon, no mount of the cluster in any mount namespace
# The shipped scenario unsafe-cache-power-loss (every node cut with cache
# unsafe: lab must report lost acknowledged transactions) runs through
# `lab run` in run_scenarios.sh, with the other scenarios.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "power loss on the local backend"
[ -c /dev/fuse ] || { skip "power loss" "no /dev/fuse"; exit 0; }
lab_fixture_init
NAME=$FIX_NAME
STATE=$FIX_STATE
CNF=$STATE/client.cnf
L() { fixture_cluster "$@"; }

sql() { local n=$1; shift; mariadb --defaults-file="$CNF" -h "10.213.$SUBNET.$((10 + n))" --connect-timeout=5 bank -N -B -e "$*"; }
daemon_of() { awk -v k="node.$1.powerfs_pid" '$1 == k {print $2}' "$STATE/state"; }
# -w: "writes" is not the end of "stale_writes".
stat_of() { "$LAB" _powerfs ctl "$STATE/n$1/powerfs.sock" stats | grep -ow "$2=[0-9]*" | cut -d= -f2; }
pending_of() { L status | awk -v n="$1" '$1 == n {print $9}'; }
cache_of() { L status | awk -v n="$1" '$1 == n {print $8}'; }
# insert_rows NODE TABLE FROM TO: autocommit inserts on NODE only; prints
# how many the server acknowledged.
insert_rows() {
	local n=$1 t=$2 i acked=0
	for i in $(seq "$3" "$4"); do
		sql "$n" "SET SESSION wsrep_on = OFF; INSERT INTO $t VALUES ($i, REPEAT('x', 200))" && acked=$((acked + 1))
	done
	echo "$acked"
}
restart3() { L start 3 >/dev/null 2>&1 && L wait 3 synced --timeout 180s >/dev/null 2>&1; }

t0=$(date +%s)
out=$(L up 2>&1) || { not_ok "cluster up on powerfs" "$out"; exit 1; }
ok "cluster up on powerfs ($(( $(date +%s) - t0 )) s)"
SUBNET=$(L status | awk '$1 == 1 {split($3, a, "."); print a[3]}')
status=$(L status)
note "$status"
is "status shows cache mode none on every node" "$(echo "$status" | awk '$8 == "none"' | wc -l)" 3
is "status shows pending bytes of every node" "$(echo "$status" | awk '$1 ~ /^[0-9]$/ && $9 ~ /^[0-9]+$/' | wc -l)" 3

d3=$(daemon_of 3) m3=$(L pid 3)
check "node 3's powerfs daemon runs (pid $d3)" test -d "/proc/$d3"
check "the daemon is not in node 3's network namespace" bash -c "! ip netns pids lab-$NAME-n3 | grep -qx '$d3'"
check "node 3's datadir is a powerfs mount in the daemon's namespace" grep -q " $STATE/n3/data .* fuse.labpowerfs " "/proc/$d3/mountinfo"
is "mariadbd runs in that mount namespace" "$(readlink "/proc/$m3/ns/mnt")" "$(readlink "/proc/$d3/ns/mnt")"
is "the host's mount table has no powerfs mount of the cluster" "$(grep -c "$STATE/" /proc/mounts)" 0
check "lab cluster datadir reaches the mount (grastate.dat)" test -s "$(L datadir 3)/grastate.dat"

# Tables on node 3 only, made durable before the cuts (DDL is not what is tested).
check "create node-3-only tables" sql 3 "SET SESSION wsrep_on = OFF;
	CREATE TABLE pl_none (id INT PRIMARY KEY, pad VARCHAR(200)) ENGINE=InnoDB;
	CREATE TABLE pl_unsafe1 (id INT PRIMARY KEY, pad VARCHAR(200)) ENGINE=InnoDB;
	CREATE TABLE pl_unsafe0 (id INT PRIMARY KEY, pad VARCHAR(200)) ENGINE=InnoDB"
# (the daemon's "ok flushed" goes to the log as a comment, not as a TAP line)
check "flush node 3's disk" bash -c '"$@" | sed "s/^/# /"; exit "${PIPESTATUS[0]}"' _ "$LAB" _powerfs ctl "$STATE/n3/powerfs.sock" flush

# --- cache none, flush_log_at_trx_commit=1: survives
acked=$(insert_rows 3 pl_none 1 100)
is "cache none: 100 rows acknowledged on node 3" "$acked" 100
out=$(L hard-reset 3 2>&1)
note "$out"
check "hard-reset says what the cut dropped" grep -q "power cut (cache none): [0-9]* un-synced pages" <<<"$out"
check "the cut left its trace" test -s "$STATE/n3/powerloss-1.trace"
is "no process left in node 3's namespace" "$(ip netns pids "lab-$NAME-n3")" ""
is "nothing pending on node 3 after the cut" "$(pending_of 3)" 0
check "node 3 restarts and syncs" restart3
is "cache none: every acknowledged row survived the power cut" "$(sql 3 'SELECT COUNT(*) FROM pl_none')" 100

# --- cache unsafe, flush_log_at_trx_commit=1: lost. A natural flush
# (every 30 s, the kernel's writeback) between the writes and the cut would
# make them durable: then try again.
lost_unsafe() { # table first_id commit_setting
	local t=$1 first=$2 attempt before after
	for attempt in 1 2 3; do
		L disk-cache 3 unsafe >/dev/null 2>&1 || return 1
		[ "$3" = 0 ] && sql 3 "SET GLOBAL innodb_flush_log_at_trx_commit = 0"
		before=$(stat_of 3 natural_flushes) ign0=$(stat_of 3 fsyncs_ignored) w0=$(stat_of 3 writes)
		acked=$(insert_rows 3 "$t" "$first" $((first + 99)))
		if [ "$3" = 0 ]; then
			# wait until InnoDB has written its log to the file (once a
			# second): a SIGKILL alone would then lose nothing.
			for _ in $(seq 50); do [ "$(stat_of 3 writes)" -gt "$w0" ] && break; sleep 0.1; done
			sleep 1.5
		fi
		pend=$(pending_of 3) ign=$(( $(stat_of 3 fsyncs_ignored) - ign0 ))
		cut=$(L hard-reset 3 2>&1)
		after=$(stat_of 3 natural_flushes)
		L disk-cache 3 none >/dev/null 2>&1
		restart3 || return 1
		n=$(sql 3 "SELECT COUNT(*) FROM $t WHERE id BETWEEN $first AND $((first + 99))")
		note "attempt $attempt: $acked acknowledged, $ign fsyncs ignored, $pend bytes pending before the cut; $cut; $n rows after"
		[ "$before" = "$after" ] && return 0
		note "a natural flush came between the writes and the cut: again"
		first=$((first + 1000))
	done
	return 1
}
check "cache unsafe + flush_log_at_trx_commit=1: writes, cut, restart" lost_unsafe pl_unsafe1 1 1
is "status showed the unsafe cache and pending bytes before the cut" "$([ "${pend:-0}" -gt 0 ] && echo yes)" yes
check "fsyncs were ignored (unsafe)" test "${ign:-0}" -gt 0
is "cache unsafe: all $acked acknowledged rows are gone after the power cut" "$n" 0
is "cache back to none" "$(cache_of 3)" none

check "cache unsafe + flush_log_at_trx_commit=0: writes, log written, cut, restart" lost_unsafe pl_unsafe0 1 0
is "cache unsafe, flush_log_at_trx_commit=0: all $acked acknowledged rows are gone" "$n" 0
is "cache none rows are still there" "$(sql 3 'SELECT COUNT(*) FROM pl_none')" 100
is "node 1 never had the node-3-only tables (nothing came back by replication)" \
	"$(sql 1 "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'bank' AND table_name LIKE 'pl\\_%'")" 0

# --- down: no daemon, no mount anywhere
daemons=$(awk '/powerfs_pid/ {print $2}' "$STATE/state")
check "down" L down
left=""
for p in $daemons; do [ -d "/proc/$p" ] && left="$left $p"; done
is "no powerfs daemon left" "$left" ""
is "no mount namespace holds a mount of the cluster" "$(grep -l " $STATE/" /proc/[0-9]*/mountinfo 2>/dev/null | wc -l)" 0
is "no namespace of the cluster left" "$(ip netns list | grep -c "^lab-$NAME-")" 0
