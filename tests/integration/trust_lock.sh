#!/usr/bin/env bash
# trust_lock.sh — one lab process at a time per cluster: while `lab run`
# owns cluster tr4, a second `lab run` of the same name, a `lab cluster
# kill` and a `lab cluster down` by hand are refused (exit 2) with a
# message naming the owner's pid, and none of them touches the owner's
# servers, namespaces or state file; reading (`lab cluster status`) still
# works. When the run ends, its lock record is cleared.
. "$(dirname "$0")/../lib/tap.sh"
need_root "state directory lock"
NAME=tr4
STATE=/var/tmp/lab/$NAME
tmp=$(mktemp -d /tmp/lab-trust-lock.XXXXXX)
lab_pid=

our_netns() { ip netns list | awk '{print $1}' | grep "^lab-$NAME-" | sort; }
cleanup() {
	[ -n "$lab_pid" ] && kill -0 "$lab_pid" 2>/dev/null && kill -TERM "$lab_pid" && wait "$lab_pid"
	"$LAB" cluster down --name "$NAME" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -e "$STATE/state" ] && "$LAB" cluster down --name "$NAME" >/dev/null 2>&1

cat >"$tmp/hold.yaml" <<'YAML'
name: trust-lock-hold
description: Holds a one-node cluster until it is stopped.
cluster: { flavor: galera, nodes: 1 }
steps:
  - sleep: 10m
YAML

LAB_NO_PROGRESS=1 "$LAB" run "$tmp/hold.yaml" --name "$NAME" --db "$tmp/lab.db" >"$tmp/out" 2>&1 &
lab_pid=$!
for _ in $(seq 1 240); do
	grep -q '^status up' "$STATE/state" 2>/dev/null && break
	kill -0 "$lab_pid" 2>/dev/null || break
	sleep 0.5
done
if ! grep -q '^status up' "$STATE/state" 2>/dev/null; then
	not_ok "lab run brought cluster $NAME up" "$(tail -5 "$tmp/out")"
	exit 1
fi
ok "lab run (pid $lab_pid) owns cluster $NAME"
server=$("$LAB" cluster pid 1 --name "$NAME")
netns_before=$(our_netns)
sum_before=$(md5sum <"$STATE/state")

out=$(LAB_NO_PROGRESS=1 "$LAB" run "$tmp/hold.yaml" --name "$NAME" --db "$tmp/lab2.db" 2>&1)
is "a second lab run of $NAME exits 2" "$?" 2
check "it names the owner's pid" grep -q "in use by lab pid $lab_pid" <<<"$out"

out=$("$LAB" cluster kill 1 --name "$NAME" 2>&1)
is "lab cluster kill 1 during the run exits 2" "$?" 2
check "the refusal names the owner's pid" grep -q "in use by lab pid $lab_pid" <<<"$out"
note "$out"
check "node 1 still runs (pid $server)" kill -0 "$server"

out=$("$LAB" cluster down --name "$NAME" 2>&1)
is "lab cluster down during the run exits 2" "$?" 2
check "the refusal names the owner's pid" grep -q "in use by lab pid $lab_pid" <<<"$out"
is "the run's namespaces are all still there" "$(our_netns)" "$netns_before"
is "the state file was not rewritten" "$(md5sum <"$STATE/state")" "$sum_before"
check "lab cluster status still answers" "$LAB" cluster status --name "$NAME"
check "the lock record names the owner" grep -q "^pid $lab_pid .*owner 1" "$STATE/lock"

kill -TERM "$lab_pid"
wait "$lab_pid"
is "the run, stopped, exits 2 (aborted)" "$?" 2
lab_pid=
is "the run took its cluster down: no namespace left" "$(our_netns)" ""
check "the lock record is cleared" test ! -s "$STATE/lock"
