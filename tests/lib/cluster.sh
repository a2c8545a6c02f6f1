# tests/lib/cluster.sh — what every integration test needs of its own, and
# one teardown for it all (sourced, after tap.sh).
#
# The machine is shared: other people's clusters and servers run beside the
# tests, so nothing here is picked by hand. Each script gets a cluster name,
# directories and ports no other process is using, and one EXIT trap that
# takes down exactly what the script made, by name and by PID.
#
#   lab_fixture_init         call once, after need_root and the other SKIP
#                            checks. Sets
#                              FIX_NAME   a cluster name unique on the machine:
#                                         the script's name and $$ (at most 22
#                                         characters: lab takes 1-32 of a-z
#                                         0-9 - _; it is in namespace names
#                                         lab-NAME-n1 and libvirt's NAME-node1)
#                              FIX_ROOT   the script's temporary root, a fresh
#                                         /var/tmp/lab-t.NAME.XXXX (mode 0755:
#                                         mariadbd runs as mysql)
#                              FIX_STATE  $FIX_ROOT/state, the state directory
#                                         of the cluster fixture_cluster makes
#                              FIX_RUN_STATE  /var/tmp/lab/$FIX_NAME, where
#                                         `lab run --name "$FIX_NAME"` keeps it
#                            and traps EXIT with fixture_teardown.
#   fixture_cluster VERB [ARGS...]
#                            $LAB cluster VERB ARGS --name $FIX_NAME
#                            --state-dir $FIX_STATE
#   fixture_cluster_up [ARGS...]   fixture_cluster up ARGS
#   fixture_add_cluster NAME [STATE_DIR]
#                            one more cluster for the teardown to bring down
#                            (STATE_DIR defaults to /var/tmp/lab/NAME)
#   fixture_tmp [NAME]       prints a directory under FIX_ROOT (NAME, or a
#                            fresh one), created
#   fixture_db [NAME]        prints a results database path under FIX_ROOT
#                            (NAME.db, default results.db); not created
#   fixture_port             prints a free TCP port on 127.0.0.1 (the kernel's
#                            pick), never the same one twice in a script
#   fixture_dead_port        prints a port bound on 127.0.0.1 without a
#                            listener (connecting is refused), held until exit
#                            so that nobody else starts a server on it
#   fixture_solo_start DIR PORT   solo_start (tests/lib/solo-mariadb.sh) whose
#                            server the teardown stops; sets SOLO_PID
#   fixture_pid PID          a process the script started in the background:
#                            the teardown stops it (TERM, then KILL after 10 s)
#   fixture_at_exit CMD      shell code the teardown runs first (newest first),
#                            for what only the script knows how to undo
#
# The teardown (on EXIT, whatever the exit status): the fixture_at_exit
# commands; every registered PID still alive; every solo server (by its pid
# file); `lab cluster down` of every cluster of the script that has a state
# file. Then it looks for what is left of the script: namespaces
# lab-NAME-n*/-br, mounts under its directories in any mount namespace,
# processes whose command line names its directories. It says so in one TAP
# line ("ok - teardown: ..." or "not ok"), stops such processes by PID, and
# removes its directories — unless a mount is still under one, or
# LAB_TEST_KEEP=1 (the directories stay for a post-mortem; the processes
# are stopped all the same).
#
# A script that prints its TAP plan last calls fixture_plan instead: the
# teardown prints "1..N" after its own line.

lab_fixture_init() {
	local base short
	base=$(basename "$0" .sh)
	short=$(printf '%s' "$base" | tr 'A-Z_' 'a-z-' | tr -cd 'a-z0-9-' | cut -c1-14)
	short=${short%-}
	[ -n "$short" ] || short=t
	FIX_NAME=$short-$$
	# A namespace or state of this name left by a script that died with this
	# PID long ago is not ours to reuse: take another name.
	while ip netns list 2>/dev/null | grep -qE "^lab-$FIX_NAME-(n[0-9]+|br)( |$)" ||
		[ -e "/var/tmp/lab/$FIX_NAME" ]; do
		FIX_NAME=$short-$$$(tr -dc 'a-z' </dev/urandom | head -c 1)
	done
	FIX_ROOT=$(mktemp -d "/var/tmp/lab-t.$FIX_NAME.XXXX") || { not_ok "fixture: temporary root"; exit 1; }
	chmod 0755 "$FIX_ROOT"
	FIX_STATE=$FIX_ROOT/state
	FIX_RUN_STATE=/var/tmp/lab/$FIX_NAME
	FIX_EXIT_CMDS=()
	FIX_PLAN=0
	: >"$FIX_ROOT/.pids"
	: >"$FIX_ROOT/.ports"
	: >"$FIX_ROOT/.solo"
	printf '%s\t%s\n' "$FIX_NAME" "$FIX_STATE" "$FIX_NAME" "$FIX_RUN_STATE" >"$FIX_ROOT/.clusters"
	trap fixture_teardown EXIT
	note "fixture: cluster name $FIX_NAME, directory $FIX_ROOT"
}

fixture_cluster() {
	local verb=$1
	shift
	"$LAB" cluster "$verb" "$@" --name "$FIX_NAME" --state-dir "$FIX_STATE"
}

fixture_cluster_up() { fixture_cluster up "$@"; }

fixture_add_cluster() {
	printf '%s\t%s\n' "$1" "${2:-/var/tmp/lab/$1}" >>"$FIX_ROOT/.clusters"
}

fixture_tmp() {
	local d
	if [ -n "${1:-}" ]; then
		d=$FIX_ROOT/$1
		mkdir -p "$d"
	else
		d=$(mktemp -d "$FIX_ROOT/tmp.XXXX")
	fi
	chmod 0755 "$d"
	echo "$d"
}

fixture_db() { echo "$FIX_ROOT/${1:-results}.db"; }

# The kernel picks a port nothing is bound to; the socket is closed at once
# and the port handed out. A port given out before is never given again.
fixture_port() {
	local p
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		p=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || return 1
		if ! grep -qx "$p" "$FIX_ROOT/.ports"; then
			echo "$p" >>"$FIX_ROOT/.ports"
			echo "$p"
			return 0
		fi
	done
	return 1
}

fixture_dead_port() {
	local f
	f=$(mktemp "$FIX_ROOT/.dead.XXXX")
	rm -f "$f"
	python3 -c 'import os, signal, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0))
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
signal.pause()' "$f" </dev/null >/dev/null 2>&1 &
	echo $! >>"$FIX_ROOT/.pids"
	for _ in $(seq 100); do [ -s "$f" ] && break; sleep 0.05; done
	[ -s "$f" ] || return 1
	cat "$f" >>"$FIX_ROOT/.ports"
	cat "$f"
}

fixture_solo_start() {
	grep -qxF "$1" "$FIX_ROOT/.solo" || echo "$1" >>"$FIX_ROOT/.solo"
	solo_start "$1" "$2"
}

fixture_pid() { echo "$1" >>"$FIX_ROOT/.pids"; }

fixture_at_exit() { FIX_EXIT_CMDS+=("$1"); }

fixture_plan() { FIX_PLAN=1; }

# stop_pid PID: TERM, up to 10 s, then KILL; reaped if it is our child.
fixture_stop_pid() {
	local p=$1
	kill -0 "$p" 2>/dev/null || return 0
	kill "$p" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$p" 2>/dev/null || break
		# a zombie is gone for our purposes
		[ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] && break
		sleep 0.1
	done
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

# What is left of this script: one line per thing, nothing when clean.
fixture_leftovers() {
	local name dir dirs
	while IFS=$'\t' read -r name dir; do
		ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^lab-$name-(n[0-9]+|br)$" | sed 's/^/namespace /'
		grep -F -e "/run/netns/lab-$name-" /proc/mounts 2>/dev/null | awk '{print "mount " $2}'
	done <"$FIX_ROOT/.clusters"
	# Our directories, read before ps runs: a command of this function
	# naming them must not be running while ps looks.
	dirs=$(cut -f2 "$FIX_ROOT/.clusters"; echo "$FIX_ROOT")
	# Mounts in any mount namespace (powerfs keeps its own), under any of
	# our directories.
	FIX_DIRS=$dirs awk 'BEGIN { n = split(ENVIRON["FIX_DIRS"], d, "\n") }
		{ for (i = 1; i <= n; i++) if (d[i] != "" && (index($5, d[i] "/") == 1 || $5 == d[i])) print "mount " $5 " (" FILENAME ")" }' \
		/proc/[0-9]*/mountinfo 2>/dev/null | sort -u -k2,2
	# Processes (not zombies) whose command line names our directories; the
	# directories go through the environment, so awk never matches itself.
	ps -eo pid=,stat=,args= | FIX_DIRS=$dirs awk 'BEGIN { n = split(ENVIRON["FIX_DIRS"], d, "\n") }
		$2 !~ /^Z/ { for (i = 1; i <= n; i++) if (d[i] != "" && index($0, d[i] "/")) { print "process " $1 " " $3; break } }'
	while read -r p; do
		[ -n "$p" ] && kill -0 "$p" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] &&
			echo "process $p (started by the script)"
	done <"$FIX_ROOT/.pids"
}

fixture_teardown() {
	local rc=$? i name dir left p
	trap - EXIT
	[ -n "${FIX_ROOT:-}" ] && [ -d "$FIX_ROOT" ] || exit "$rc"
	for ((i = ${#FIX_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${FIX_EXIT_CMDS[$i]}"
	done
	while read -r p; do [ -n "$p" ] && fixture_stop_pid "$p"; done <"$FIX_ROOT/.pids"
	while read -r dir; do [ -n "$dir" ] && solo_stop "$dir"; done <"$FIX_ROOT/.solo"
	while IFS=$'\t' read -r name dir; do
		[ -e "$dir/state" ] || continue
		"$LAB" cluster down --name "$name" --state-dir "$dir" >"$FIX_ROOT/.down.log" 2>&1 ||
			sed 's/^/# cluster down: /' "$FIX_ROOT/.down.log"
	done <"$FIX_ROOT/.clusters"
	left=$(fixture_leftovers)
	if [ -z "$left" ]; then
		ok "teardown: no namespace, mount or process of $FIX_NAME left"
	else
		not_ok "teardown: no namespace, mount or process of $FIX_NAME left" "$(echo "$left" | tr '\n' ';')"
		# Stop what is ours (its command line names our directories) by PID.
		echo "$left" | awk '$1 == "process" { print $2 }' | while read -r p; do fixture_stop_pid "$p"; done
	fi
	if [ "${LAB_TEST_KEEP:-0}" = 1 ]; then
		note "LAB_TEST_KEEP=1: $FIX_ROOT kept"
	elif grep -q '^mount ' <<<"$left"; then
		note "a mount is still under $FIX_ROOT or a state directory: nothing removed"
	else
		while IFS=$'\t' read -r name dir; do
			[ "$dir" = "/var/tmp/lab/$name" ] && rm -rf "$dir"
		done <"$FIX_ROOT/.clusters"
		rm -rf "$FIX_ROOT"
	fi
	[ "$FIX_PLAN" = 1 ] && echo "1..$tap_n"
	exit "$rc"
}
