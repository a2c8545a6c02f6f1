#!/usr/bin/env bash
# nemesis_sigint.sh — Ctrl-C in the middle of a nemesis fault: `lab run
# --keep` gets SIGINT while a drawn partition or pause of every node is
# held (5 minutes). The fault registered its undo before it was applied, so
# the runner's undo stack heals / resumes it: no lab_partition table in any
# node namespace, no server left SIGSTOPped, the fault's row ends 'error',
# the run is 'aborted' and lab exits 2; then the same under `lab explore`
# (no further run, the cluster torn down).
. "$(dirname "$0")/../lib/tap.sh"
need_root "lab nemesis SIGINT"
NAME=nems
STATE=/var/tmp/lab/$NAME
tmp=$(mktemp -d /tmp/lab-nemesis-sigint.XXXXXX)
DB=$tmp/lab.db
lab_pid=
cleanup() {
	[ -n "$lab_pid" ] && kill -0 "$lab_pid" 2>/dev/null && kill -TERM "$lab_pid" && wait "$lab_pid"
	"$LAB" cluster down --name "$NAME" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -e "$STATE/state" ] && "$LAB" cluster down --name "$NAME" >/dev/null 2>&1

cat >"$tmp/nemesis.yaml" <<'YAML'
name: nemesis-sigint
description: A nemesis fault that only Ctrl-C ends.
cluster: { flavor: galera, nodes: 3 }
steps:
  - nemesis: { faults: [partition, pause], targets: [all], interval: 1s, for: 10s, recover: 5m }
YAML
sql() { sqlite3 "$DB" "$1" 2>/dev/null; }
rules_in() { ip netns exec "lab-$NAME-n$1" nft list table inet lab_partition >/dev/null 2>&1; }
pstate() { ps -o stat= -p "$1" 2>/dev/null | cut -c1; }

LAB_NO_PROGRESS=1 "$LAB" run "$tmp/nemesis.yaml" --name "$NAME" --db "$DB" --keep >"$tmp/out" 2>&1 &
lab_pid=$!
applied=
for _ in $(seq 1 240); do
	applied=$(sql "SELECT action FROM steps WHERE detail IS NULL AND outcome = 'running' AND action IN ('partition', 'pause')")
	[ -n "$applied" ] && break
	kill -0 "$lab_pid" 2>/dev/null || break
	sleep 0.5
done
if [ -z "$applied" ]; then
	not_ok "a nemesis fault is held under lab run" "$(tail -5 "$tmp/out")"
	exit 1
fi
sleep 2 # the fault is applied (its row is begun just before)
ok "a nemesis $applied of every node is held (lab pid $lab_pid)"
kill -INT "$lab_pid"
wait "$lab_pid"
rc=$?
lab_pid=
note "$(grep -E 'nemesis|undo|aborted|interrupted' "$tmp/out" | tail -8)"
is "lab run exits 2 after SIGINT" "$rc" 2
is "run recorded as aborted" "$(sql "SELECT verdict FROM runs")" aborted
is "the fault's row ended error (interrupted)" "$(sql "SELECT outcome FROM steps WHERE action = '$applied' AND seq = 1")" error
want=heal
[ "$applied" = pause ] && want=resume
check "undo:$want recorded ok" test "$(sql "SELECT count(*) FROM steps WHERE action = 'undo:$want' AND outcome = 'ok'")" -ge 1
for n in 1 2 3; do
	check_fails "no lab_partition table left in lab-$NAME-n$n" rules_in "$n"
	pid=$("$LAB" cluster pid "$n" --name "$NAME" 2>/dev/null)
	st=$(pstate "${pid:-0}")
	check "node $n (pid $pid) runs and is not stopped (state $st)" test -n "$st" -a "$st" != T
done
"$LAB" cluster down --name "$NAME" >/dev/null 2>&1

# The same under `lab explore`: Ctrl-C while a drawn fault is held undoes
# it, stops exploring (no further run), tears the cluster down and exits 2.
DB2=$tmp/explore.db
LAB_NO_PROGRESS=1 "$LAB" explore "$tmp/nemesis.yaml" --runs 3 --name "$NAME" --db "$DB2" >"$tmp/out2" 2>&1 &
lab_pid=$!
applied=
for _ in $(seq 1 240); do
	applied=$(sqlite3 "$DB2" "SELECT action FROM steps WHERE detail IS NULL AND outcome = 'running' AND action IN ('partition', 'pause')" 2>/dev/null)
	[ -n "$applied" ] && break
	kill -0 "$lab_pid" 2>/dev/null || break
	sleep 0.5
done
if [ -z "$applied" ]; then
	not_ok "a nemesis fault is held under lab explore" "$(tail -5 "$tmp/out2")"
	exit 1
fi
sleep 2
kill -INT "$lab_pid"
wait "$lab_pid"
rc=$?
lab_pid=
note "$(tail -4 "$tmp/out2")"
is "lab explore exits 2 after SIGINT" "$rc" 2
is "one run, recorded as aborted (no further run)" "$(sqlite3 "$DB2" "SELECT group_concat(verdict) FROM runs")" aborted
check "undo:$([ "$applied" = pause ] && echo resume || echo heal) recorded ok" \
	test "$(sqlite3 "$DB2" "SELECT count(*) FROM steps WHERE action LIKE 'undo:%' AND outcome = 'ok'")" -ge 1
is "the cluster was torn down (no namespace left)" "$(ip netns list | grep -c "lab-$NAME-")" 0
