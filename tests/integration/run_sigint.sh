#!/usr/bin/env bash
# run_sigint.sh — Ctrl-C in the middle of a fault: `lab run` gets SIGINT
# while a partition is in place and the workload runs. It must undo the
# partition (no lab_partition nftables table left in any node namespace),
# stop the workload, record the run as 'aborted' with its undo steps, exit
# 2, and — without --keep — leave no namespace, mount or server behind.
# Two runs: with --keep (to look inside the namespaces after the undo), and
# without (to see the teardown).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "lab run SIGINT"
lab_fixture_init
NAME=$FIX_NAME
STATE=$FIX_RUN_STATE
tmp=$(fixture_tmp sigint)
DB=$(fixture_db lab)
lab_pid=

our_netns() { ip netns list | awk '{print $1}' | grep "^lab-$NAME-" | sort; }
our_servers() { ps -eo pid=,stat=,comm=,args= | awk -v d="$STATE/" '$3 == "mariadbd" && $2 !~ /^Z/ && index($0, d) { print $1 }'; }
# A lab run still going at exit gets SIGTERM: it undoes its faults and
# tears its cluster down before the fixture looks.
fixture_at_exit '[ -n "$lab_pid" ] && kill -0 "$lab_pid" 2>/dev/null && kill -TERM "$lab_pid" && wait "$lab_pid"'

cat >"$tmp/partition.yaml" <<'YAML'
name: sigint-during-partition
description: A partition that only Ctrl-C ends.
cluster: { flavor: galera, nodes: 3 }
workload: { threads: 2, customers: 100, products: 20 }
steps:
  - workload: start
  - partition: { groups: [[1], [2, 3]] }
  - sleep: 10m
  - heal
  - workload: stop
YAML

sql() { sqlite3 "$DB" "$1" 2>/dev/null; }

# Start lab run in the background and wait until the partition step is ok.
start_run() { # extra args...
	local before
	before=$(sql "SELECT coalesce(max(id), 0) FROM runs")
	before=${before:-0}
	LAB_NO_PROGRESS=1 "$LAB" run "$tmp/partition.yaml" --name "$NAME" --db "$DB" "$@" >"$tmp/out" 2>&1 &
	lab_pid=$!
	for _ in $(seq 1 240); do
		[ "$(sql "SELECT count(*) FROM steps WHERE action = 'partition' AND outcome = 'ok' AND run_id > $before")" = 1 ] && return 0
		kill -0 "$lab_pid" 2>/dev/null || break
		sleep 0.5
	done
	return 1
}

rules_in() { ip netns exec "lab-$NAME-n$1" nft list table inet lab_partition >/dev/null 2>&1; }

# --- 1: with --keep, look inside the namespaces after the undo ---------------
if ! start_run --keep; then
	not_ok "partition applied under lab run" "$(tail -5 "$tmp/out")"
	exit 1
fi
ok "partition applied under lab run (pid $lab_pid)"
check "the partition is real: node 1's namespace has the lab_partition table" rules_in 1
kill -INT "$lab_pid"
wait "$lab_pid"
rc=$?
lab_pid=
note "$(tail -8 "$tmp/out")"
is "lab run exits 2 after SIGINT" "$rc" 2
is "run recorded as aborted" "$(sql "SELECT verdict FROM runs ORDER BY id DESC LIMIT 1")" aborted
is "undo:heal recorded ok" "$(sql "SELECT outcome FROM steps WHERE action = 'undo:heal' ORDER BY id DESC LIMIT 1")" ok
is "undo:workload-stop recorded ok" "$(sql "SELECT outcome FROM steps WHERE action = 'undo:workload-stop' ORDER BY id DESC LIMIT 1")" ok
for n in 1 2 3; do
	check_fails "no lab_partition table left in lab-$NAME-n$n" rules_in $n
done
"$LAB" cluster down --name "$NAME" >/dev/null 2>&1

# --- 2: without --keep, nothing of the cluster may remain --------------------
if ! start_run; then
	not_ok "partition applied under lab run (second run)" "$(tail -5 "$tmp/out")"
	exit 1
fi
kill -INT "$lab_pid"
wait "$lab_pid"
rc=$?
lab_pid=
is "second lab run exits 2 after SIGINT" "$rc" 2
is "second run recorded as aborted" "$(sql "SELECT verdict FROM runs ORDER BY id DESC LIMIT 1")" aborted
is "cluster-down recorded ok" "$(sql "SELECT outcome FROM steps WHERE action = 'cluster-down' ORDER BY id DESC LIMIT 1")" ok
is "no lab-$NAME-* namespace left" "$(our_netns)" ""
is "no server of $NAME left" "$(our_servers)" ""
check "the results db is readable" sqlite3 "$DB" "PRAGMA integrity_check"
