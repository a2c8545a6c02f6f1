#!/usr/bin/env bash
# powerfs_basic.sh — the power-loss filesystem loses exactly what was not
# made durable. For each cache mode: mount (lab _powerfs) under the test's
# own directory, write a file and fsync it, then overwrite part of it,
# write and create more files without fsync, rename and delete without a
# directory fsync; cut the power and compare byte for byte with what must
# have survived. Then torn writes (keep=0.5) twice with one seed: the same
# pages survive. Finally the daemon stops and leaves no mount, no process.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "powerfs needs root (FUSE mount, mount namespace)"
[ -c /dev/fuse ] || { skip "powerfs" "no /dev/fuse"; exit 0; }
command -v nsenter >/dev/null || { skip "powerfs" "nsenter (util-linux) missing"; exit 0; }

lab_fixture_init
base=$(fixture_tmp powerfs)
daemon=
cleanup() {
	if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
		"$LAB" _powerfs ctl "$base/ctl.sock" stop >/dev/null 2>&1
		for _ in $(seq 50); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$daemon" 2>/dev/null
	fi
	wait 2>/dev/null
}
fixture_at_exit cleanup

# Reference data: random, so a byte-exact comparison means something.
head -c 20000 /dev/urandom >"$base/ref1"
head -c 6000 /dev/urandom >"$base/ref2"
head -c 9000 /dev/urandom >"$base/ref3"
head -c 262144 /dev/urandom >"$base/ref4"

start() { # mode
	B=$base/backing M=$base/mnt S=$base/ctl.sock
	rm -rf "$B" "$M"
	mkdir -p "$B" "$M"
	"$LAB" _powerfs "$B" "$M" --socket "$S" --mode "$1" >>"$base/daemon.log" 2>&1 &
	daemon=$!
	for _ in $(seq 100); do
		"$LAB" _powerfs ctl "$S" stats >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
stop() {
	"$LAB" _powerfs ctl "$S" stop >/dev/null
	wait "$daemon"
	local rc=$?
	daemon=
	return $rc
}
inns() { "$LAB" _powerfs exec "$S" -- "$@"; }

# The scripted I/O, run inside the mount namespace: each step says whether
# it was made durable.
io() { # mount
	inns sh -c '
	M=$1 R=$2
	set -e
	echo durable >"$M/old-durable"
	echo removed-later >"$M/gone"
	sync "$M/old-durable" "$M/gone"                                    # fsync both files
	dd if="$R/ref1" of="$M/f1" bs=4096 conv=fsync status=none        # 20000 bytes, fsynced
	dd if="$R/ref2" of="$M/f1" bs=6000 seek=1 conv=notrunc status=none # overwrite 6000..12000, not synced
	dd if="$R/ref3" of="$M/f2" bs=9000 status=none                     # new file, not synced
	mv "$M/old-durable" "$M/renamed"                                   # rename, no dir fsync
	rm "$M/gone"                                                       # unlink, no dir fsync
	' sh "$1" "$base"
}

head -c 6000 "$base/ref1" >"$base/want1"; cat "$base/ref2" >>"$base/want1"
tail -c +12001 "$base/ref1" >>"$base/want1"
expect_f1_synced() { # f1 must be exactly ref1
	cmp -s "$B/f1" "$base/ref1"
}
expect_f1_latest() {
	cmp -s "$B/f1" "$base/want1"
}

for mode in none writeback unsafe writethrough directsync; do
	if ! start "$mode"; then
		not_ok "$mode: daemon mounts" "$(tail -3 "$base/daemon.log")"
		continue
	fi
	ok "$mode: daemon mounts and answers"
	if grep -q " $M fuse" /proc/mounts; then
		not_ok "$mode: mount is private" "visible in the host mount namespace"
	else
		ok "$mode: mount is private to the daemon's namespace"
	fi
	if ! io "$M"; then
		not_ok "$mode: scripted i/o ran"
		stop
		continue
	fi
	# Before the cut, the mount shows the latest content.
	check "$mode: reads see the latest content before the cut" inns cmp -s "$M/f1" "$base/want1"
	"$LAB" _powerfs ctl "$S" stats >"$base/stats.$mode"
	"$LAB" _powerfs ctl "$S" cut seed=1 trace="$base/trace.$mode" >/dev/null
	case $mode in
	none | writeback)
		check "$mode: fsynced file intact, un-synced overwrite gone (byte-exact)" expect_f1_synced
		is "$mode: un-synced new file is gone" "$(test -e "$B/f2" && echo present || echo absent)" absent
		is "$mode: un-synced rename undone" "$(cat "$B/old-durable" 2>/dev/null)/$(test -e "$B/renamed" && echo r)" "durable/"
		is "$mode: un-synced unlink undone" "$(cat "$B/gone" 2>/dev/null)" removed-later
		;;
	unsafe)
		is "$mode: fsync ignored, even the fsynced file is gone" "$(test -e "$B/f1" && echo present || echo absent)" absent
		is "$mode: nothing survives" "$(ls "$B" | wc -l)" 0
		;;
	writethrough | directsync)
		check "$mode: every write durable at once (latest content)" expect_f1_latest
		check "$mode: new file complete" cmp -s "$B/f2" "$base/ref3"
		is "$mode: nothing was pending" "$(grep -o 'pending_pages=[0-9]*' "$base/stats.$mode")" "pending_pages=0"
		;;
	esac
	# The mount stays usable and shows the post-cut image.
	if [ "$mode" = none ]; then
		check "$mode: after the cut the mount serves the durable content" inns cmp -s "$M/f1" "$base/ref1"
		check "$mode: trace names the dropped pages" grep -q '^page 4096 dropped' "$base/trace.$mode"
	fi
	pid=$daemon
	check "$mode: daemon stops" stop
	is "$mode: daemon gone" "$(kill -0 "$pid" 2>/dev/null && echo alive || echo gone)" gone
	is "$mode: no mount left" "$(grep -c "$base" /proc/mounts)" 0
done

# Switching the cache mode at run time (the disk-cache action), and the
# natural flush that is the only way data survives in unsafe mode.
if start none; then
	inns sh -c 'echo one >"$1/a" && sync "$1/a"' sh "$M"
	"$LAB" _powerfs ctl "$S" mode unsafe >/dev/null
	inns sh -c 'echo two >"$1/b" && sync "$1/b"' sh "$M"
	grep -q 'fsyncs_ignored=[1-9]' <("$LAB" _powerfs ctl "$S" stats) && ok "mode switch: fsync now ignored" ||
		not_ok "mode switch: fsync now ignored"
	"$LAB" _powerfs ctl "$S" cut seed=3 >/dev/null
	is "mode switch: synced before the switch survives, synced after it is lost" \
		"$(cat "$B/a" 2>/dev/null)/$(cat "$B/b" 2>/dev/null)" "one/"
	inns sh -c 'echo three >"$1/c"' sh "$M"
	"$LAB" _powerfs ctl "$S" flush >/dev/null
	inns sh -c 'echo four >"$1/d" && sync "$1/d"' sh "$M"
	"$LAB" _powerfs ctl "$S" cut seed=4 >/dev/null
	is "unsafe: a natural flush survives, later writes do not" \
		"$(cat "$B/c" 2>/dev/null)/$(cat "$B/d" 2>/dev/null)" "three/"
	stop
else
	not_ok "mode switch: daemon mounts"
fi
# Bad control input is refused with a one-line error, nothing changed.
if start none; then
	check_fails "ctl: unknown mode refused" "$LAB" _powerfs ctl "$S" mode bogus
	check_fails "ctl: keep out of range refused" "$LAB" _powerfs ctl "$S" cut keep=2
	is "ctl: refused cut did nothing" "$("$LAB" _powerfs ctl "$S" stats | grep -o 'cuts=[0-9]*')" "cuts=0"
	stop
fi

# A cut is one instant: a write in flight from a process that died before
# the cut, delivered after it (here: through a descriptor its child
# inherited), is dropped; without a cut in between the same late write lands.
late_write() { # cut|nocut
	inns bash -c 'exec 3>"$1/late"; echo first >&3; sync "$1/late"
		( sleep 1.5; echo late >&3; echo written >"$1/late.done" ) & exit 0' sh "$M"
	[ "$1" = cut ] && "$LAB" _powerfs ctl "$S" cut seed=9 >/dev/null
	for _ in $(seq 100); do inns test -e "$M/late.done" && break; sleep 0.1; done
	inns cat "$M/late" | tr '\n' ' '
}
if start none; then
	is "late write from a dead opener after a cut: dropped" "$(late_write cut)" "first "
	check "stats count it (stale_writes=1)" bash -c '"$1" _powerfs ctl "$2" stats | grep -q " stale_writes=1$"' _ "$LAB" "$S"
	grep -q "dropped a write of 5 bytes at 6 to 'late' in flight from pid" "$base/daemon.log" &&
		ok "the daemon log names the dropped write" || not_ok "the daemon log names the dropped write" "$(tail -3 "$base/daemon.log")"
	stop
fi
if start none; then
	is "late write from a dead opener without a cut: lands" "$(late_write nocut)" "first late "
	stop
fi

# Torn writes: 64 un-synced pages, keep=0.5, twice with one seed.
torn() { # seed -> checksum of the post-cut file and kept count
	start none || return 1
	# The file exists durably (empty); its 64 pages are written, not synced.
	inns sh -c 'touch "$2/t" && sync "$2/t" && dd if="$1" of="$2/t" bs=65536 status=none' sh "$base/ref4" "$M"
	"$LAB" _powerfs ctl "$S" cut keep=0.5 seed="$1" trace="$base/torn.$1.$2" >/dev/null
	stop
	echo "$(sha256sum <"$B/t" | cut -c1-16) $(grep -c ' kept ' "$base/torn.$1.$2")"
}
a=$(torn 7 a) b=$(torn 7 b) c=$(torn 8 c)
is "torn: same seed keeps the same pages" "$a" "$b"
kept=${a#* }
if [ "$kept" -gt 5 ] && [ "$kept" -lt 59 ]; then ok "torn: keep=0.5 kept $kept of 64 pages"; else not_ok "torn: keep=0.5 kept a fraction" "kept $kept of 64"; fi
check "torn: another seed tears differently" test "$a" != "$c"
# Every 4 KiB page of the torn file is either new (ref4) or absent (zeros).
check "torn: pages are whole (new or never written)" python3 - "$B/t" "$base/ref4" <<'EOF'
import sys
got = open(sys.argv[1], 'rb').read()
ref = open(sys.argv[2], 'rb').read()
for i in range(0, len(got), 4096):
    g = got[i:i+4096]
    if g != ref[i:i+len(g)] and g != b'\0' * len(g):
        sys.exit(1)
EOF
# Only this test's own mounts (other powerfs users, e.g. a VM lab's disks,
# may have theirs in this namespace).
is "no powerfs mount of this test left" "$(grep labpowerfs /proc/mounts | grep -c "$base")" 0
