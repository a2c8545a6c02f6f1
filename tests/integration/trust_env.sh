#!/usr/bin/env bash
# trust_env.sh — lab's secrets stay in lab: `lab cluster up` run with
# LAB_PASSWORD in its environment starts mariadbd and the powerfs daemons
# without it (their /proc/PID/environ), while everything else is passed on.
. "$(dirname "$0")/../lib/tap.sh"
need_root "children without LAB_PASSWORD"
NAME=tr8
STATE=/var/tmp/lab/$NAME
cleanup() { "$LAB" cluster down --name "$NAME" >/dev/null 2>&1; }
trap cleanup EXIT
[ -e "$STATE/state" ] && "$LAB" cluster down --name "$NAME" >/dev/null 2>&1

out=$(LAB_PASSWORD=trust-env-secret LAB_TRUST_MARK=1 "$LAB" cluster up --name "$NAME" --nodes 1 2>&1)
is "cluster up with LAB_PASSWORD set exits 0" "$?" 0
server=$("$LAB" cluster pid 1 --name "$NAME")
pfs=$(awk '$1 == "node.1.powerfs_pid" { print $2 }' "$STATE/state")
for p in "$server" "$pfs"; do
	what="$(tr -d '\0' <"/proc/$p/comm" 2>/dev/null) (pid $p)"
	check "$what: no LAB_PASSWORD in its environ" bash -c "! tr '\0' '\n' <'/proc/$p/environ' | grep -q '^LAB_PASSWORD='"
	check "$what: the secret is nowhere in its environ" bash -c "! grep -q trust-env-secret '/proc/$p/environ'"
	check "$what: other variables are passed on" bash -c "tr '\0' '\n' <'/proc/$p/environ' | grep -qx 'LAB_TRUST_MARK=1'"
done
"$LAB" cluster down --name "$NAME" >/dev/null 2>&1
is "down exits 0" "$?" 0
