#!/usr/bin/env bash
# trust_env.sh — lab's secrets stay in lab: `lab cluster up` run with
# LAB_PASSWORD in its environment starts mariadbd and the powerfs daemons
# without it (their /proc/PID/environ), while everything else is passed on.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "children without LAB_PASSWORD"
lab_fixture_init
STATE=$FIX_STATE

out=$(LAB_PASSWORD=trust-env-secret LAB_TRUST_MARK=1 fixture_cluster_up --nodes 1 2>&1)
is "cluster up with LAB_PASSWORD set exits 0" "$?" 0
server=$(fixture_cluster pid 1)
pfs=$(awk '$1 == "node.1.powerfs_pid" { print $2 }' "$STATE/state")
for p in "$server" "$pfs"; do
	what="$(tr -d '\0' <"/proc/$p/comm" 2>/dev/null) (pid $p)"
	check "$what: no LAB_PASSWORD in its environ" bash -c "! tr '\0' '\n' <'/proc/$p/environ' | grep -q '^LAB_PASSWORD='"
	check "$what: the secret is nowhere in its environ" bash -c "! grep -q trust-env-secret '/proc/$p/environ'"
	check "$what: other variables are passed on" bash -c "tr '\0' '\n' <'/proc/$p/environ' | grep -qx 'LAB_TRUST_MARK=1'"
done
fixture_cluster down >/dev/null 2>&1
is "down exits 0" "$?" 0
