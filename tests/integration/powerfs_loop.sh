#!/usr/bin/env bash
# powerfs_loop.sh — the cheaper power-loss mode: ext4 on a loop device in the
# daemon's private mount namespace; a cut is FS_IOC_SHUTDOWN (NOLOGFLUSH)
# plus a remount. An fsynced file survives byte for byte, a file written
# after it without fsync does not; torn writes and other cache modes are
# refused; the stop leaves no mount and no loop device.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "the loop mode needs root (losetup, mount namespace)"
for c in mkfs.ext4 losetup; do
	command -v $c >/dev/null || { skip "powerfs loop" "$c missing"; exit 0; }
done
[ -e /dev/loop-control ] || { skip "powerfs loop" "no /dev/loop-control"; exit 0; }

lab_fixture_init
base=$(fixture_tmp powerfs)
mkdir -p "$base/mnt"
I=$base/disk.img M=$base/mnt S=$base/ctl.sock
daemon=
cleanup() {
	if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
		"$LAB" _powerfs ctl "$S" stop noflush >/dev/null 2>&1
		for _ in $(seq 50); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$daemon" 2>/dev/null
	fi
	wait 2>/dev/null
	rm -f "$I"
}
fixture_at_exit cleanup
inns() { "$LAB" _powerfs exec "$S" -- "$@"; }
# The daemon's replies ("ok ...") go to the log as comments: a TAP reader
# would count them as tests.
ctl() { "$LAB" _powerfs ctl "$S" "$@" | sed 's/^/# /'; return "${PIPESTATUS[0]}"; }

check_fails "loop mode refuses cache mode unsafe" "$LAB" _powerfs "$I" "$M" --socket "$S" --loop --mode unsafe
"$LAB" _powerfs "$I" "$M" --socket "$S" --loop --loop-size $((256 << 20)) >"$base/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 200); do "$LAB" _powerfs ctl "$S" stats >/dev/null 2>&1 && break; sleep 0.1; done
if ! "$LAB" _powerfs ctl "$S" stats >/dev/null 2>&1; then
	not_ok "loop daemon mounts" "$(tail -3 "$base/daemon.log")"
	exit 1
fi
ok "loop daemon mounts ext4 on a loop device"
dev=$("$LAB" _powerfs ctl "$S" stats | grep -o 'device=[^ ]*' | cut -d= -f2)
is "mount is private to the daemon's namespace" "$(grep -c "$M" /proc/mounts)" 0
head -c 100000 /dev/urandom >"$base/ref"
check "write, fsync, then write without fsync" inns sh -c \
	'cp "$1" "$2/synced" && sync "$2/synced" && cp "$1" "$2/unsynced" && echo x >>"$2/synced"' sh "$base/ref" "$M"
check "cut (shutdown + remount)" ctl cut seed=1
check "fsynced file intact (byte-exact)" inns cmp -s "$M/synced" "$base/ref"
is "file written without fsync is gone" "$(inns sh -c 'test -e "$1/unsynced" && echo present || echo absent' sh "$M")" absent
check_fails "torn writes refused in loop mode" "$LAB" _powerfs ctl "$S" cut keep=0.5
check "the mount is usable after the cut" inns sh -c 'echo y >"$1/after" && sync "$1/after"' sh "$M"
pid=$daemon
check "daemon stops" ctl stop
wait "$daemon"; daemon=
is "daemon gone" "$(kill -0 "$pid" 2>/dev/null && echo alive || echo gone)" gone
is "loop device released" "$(losetup -a | grep -c "$I")" 0
is "no mount left" "$(grep -c "$base" /proc/mounts)" 0
