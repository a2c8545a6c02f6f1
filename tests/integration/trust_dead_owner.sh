#!/usr/bin/env bash
# trust_dead_owner.sh — lab SIGKILLed mid-fault (a CI job's timeout does
# this): the partition's nftables rules, a SIGSTOPped server and the powerfs
# daemons stay behind. The next `lab run` of that name must find the dead
# owner (pid and start time in STATE/lock), say what it undoes and clean up
# first instead of refusing with "already up"; `lab cluster down` must undo
# everything (paused server resumed and gone, namespaces, mounts, daemons).
. "$(dirname "$0")/../lib/tap.sh"
need_root "lab SIGKILLed mid-fault"
NAME=tr5
STATE=/var/tmp/lab/$NAME
tmp=$(mktemp -d /tmp/lab-trust-dead.XXXXXX)
lab_pid=

our_netns() { ip netns list | awk '{print $1}' | grep "^lab-$NAME-" | sort; }
# Every process whose command line names the state directory: servers and
# their powerfs daemons.
our_procs() { ps -eo pid=,stat=,args= | awk -v d="$STATE/" 'index($0, d) && $2 !~ /^Z/ && $3 !~ /awk/ { print $1 }' | sort -n; }
rules_in() { ip netns exec "lab-$NAME-n$1" nft list table inet lab_partition >/dev/null 2>&1; }
alive_any() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
cleanup() {
	[ -n "$lab_pid" ] && kill -0 "$lab_pid" 2>/dev/null && kill -KILL "$lab_pid" && wait "$lab_pid"
	"$LAB" cluster down --name "$NAME" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -e "$STATE/state" ] && "$LAB" cluster down --name "$NAME" >/dev/null 2>&1

scenario() { # file fault-step
	cat >"$1" <<YAML
name: trust-dead-owner
description: A fault that only the end of lab ends.
cluster: { flavor: galera, nodes: 2 }
steps:
  - $2
  - sleep: 10m
YAML
}
scenario "$tmp/partition.yaml" "partition: { groups: [[1], [2]] }"
scenario "$tmp/pause.yaml" "pause: { node: 2 }"
cat >"$tmp/short.yaml" <<'YAML'
name: trust-dead-owner-next
description: The next run of the same name.
cluster: { flavor: galera, nodes: 2 }
steps:
  - sleep: 1s
YAML

start_run() { # file until-command...
	local file=$1; shift
	LAB_NO_PROGRESS=1 "$LAB" run "$file" --name "$NAME" --db "$tmp/lab.db" >"$tmp/out" 2>&1 &
	lab_pid=$!
	for _ in $(seq 1 240); do
		"$@" && return 0
		kill -0 "$lab_pid" 2>/dev/null || break
		sleep 0.5
	done
	return 1
}

# --- 1: SIGKILL during a partition, then lab run again ----------------------
if ! start_run "$tmp/partition.yaml" rules_in 1; then
	not_ok "partition applied under lab run" "$(tail -5 "$tmp/out")"
	exit 1
fi
ok "partition applied under lab run (pid $lab_pid)"
old_procs=$(our_procs)
note "servers and powerfs daemons: $(echo $old_procs)"
kill -KILL "$lab_pid"
wait "$lab_pid"
lab_pid=
check "the SIGKILLed run left its partition in place" rules_in 1
check "the lock names the dead owner" grep -q "owner 1" "$STATE/lock"

out=$(LAB_NO_PROGRESS=1 "$LAB" run "$tmp/short.yaml" --name "$NAME" --db "$tmp/lab.db" --keep 2>&1)
rc=$?
note "$(grep -E 'undo|gone|heal|clean' <<<"$out")"
is "the next lab run of $NAME exits 0 (not 'already up')" "$rc" 0
check "it names the dead owner and undoes what it left" grep -q "which is gone: undoing what it left" <<<"$out"
check "it says it heals the partition" grep -q "healing the partition" <<<"$out"
check_fails "none of the dead run's servers or powerfs daemons is left" alive_any $old_procs
check_fails "no partition rules in the new cluster's node 1" rules_in 1
check_fails "no partition rules in the new cluster's node 2" rules_in 2
out=$("$LAB" cluster down --name "$NAME" 2>&1)
is "down of the kept cluster exits 0" "$?" 0

# --- 2: SIGKILL during a pause, then lab cluster down -----------------------
paused() { local p; p=$("$LAB" cluster pid 2 --name "$NAME" 2>/dev/null); [ -n "$p" ] && [ "$p" != 0 ] && [ "$(ps -o stat= -p "$p" | cut -c1)" = T ]; }
if ! start_run "$tmp/pause.yaml" paused; then
	not_ok "node 2 paused under lab run" "$(tail -5 "$tmp/out")"
	exit 1
fi
ok "node 2 paused under lab run (pid $lab_pid)"
old_procs=$(our_procs)
kill -KILL "$lab_pid"
wait "$lab_pid"
lab_pid=
# When lab dies, the kernel usually resumes the server itself: its process
# group is orphaned with a stopped member (SIGHUP + SIGCONT). Under a
# subreaper in the same session it is not; stop it again as such a dead run
# would have left it, so that down's resume is what is tested.
if paused; then
	ok "the SIGKILLed run left node 2 stopped"
else
	kill -STOP "$("$LAB" cluster pid 2 --name "$NAME")"
	sleep 0.2
	check "node 2 stopped again as a dead run under a subreaper leaves it" paused
fi
out=$("$LAB" cluster status --name "$NAME" 2>&1)
check "lab cluster status says the owner is gone and leaves it" grep -q "which is gone without cleaning up: 'lab cluster down --name $NAME'" <<<"$out"
check "status cleaned nothing up: the state file is still there" test -e "$STATE/state"
out=$("$LAB" cluster down --name "$NAME" 2>&1)
is "lab cluster down exits 0" "$?" 0
note "$out"
check "it names the dead owner" grep -q "which is gone" <<<"$out"
check "it resumes the paused server" grep -q "node 2 (pid [0-9]*) was paused (SIGSTOP): resuming it" <<<"$out"
check_fails "none of the dead run's servers or powerfs daemons is left" alive_any $old_procs
is "no namespace left" "$(our_netns)" ""
is "no process of the state directory left" "$(our_procs)" ""
check "no state file left" test ! -e "$STATE/state"
check "the lock record is cleared" test ! -s "$STATE/lock"
