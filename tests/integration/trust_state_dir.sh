#!/usr/bin/env bash
# trust_state_dir.sh — a --state-dir the servers' user (mysql) cannot
# reach: `lab cluster up --state-dir $(mktemp -d)/state` is refused at once
# (exit 2, one line naming the directory that is not searchable and what to
# do), and nothing is created: no state directory, no namespace, no subnet
# claim. A state directory whose missing ancestors lab makes itself works
# whatever the umask (077 here).
. "$(dirname "$0")/../lib/tap.sh"
need_root "state directory reachable by mysql"
NAME=tr2
tmp=$(mktemp -d /tmp/lab-trust-sd.XXXXXX)   # 0700, as mktemp makes it
open_dir=$(mktemp -d /tmp/lab-trust-sd2.XXXXXX)
chmod 0755 "$open_dir"

our_netns() { ip netns list | awk '{print $1}' | grep "^lab-$NAME-" | sort; }
cleanup() {
	"$LAB" cluster down --name "$NAME" --state-dir "$tmp/state" >/dev/null 2>&1
	"$LAB" cluster down --name "$NAME" --state-dir "$open_dir/a/b/state" >/dev/null 2>&1
	rm -rf "$tmp" "$open_dir"
}
trap cleanup EXIT

t0=$(date +%s)
out=$("$LAB" cluster up --name "$NAME" --nodes 1 --state-dir "$tmp/state" 2>&1)
rc=$?
t1=$(date +%s)
note "$out"
is "up with a state directory under a 0700 mktemp directory exits 2" "$rc" 2
check "it names the directory mysql cannot search" grep -q "'$tmp' (mode 0700, owner root) is not searchable" <<<"$out"
check "it says what to do" grep -q "chmod o+x '$tmp', or choose another --state-dir" <<<"$out"
is "it is one line" "$(wc -l <<<"$out")" 1
check "it is refused within 2 s" test $((t1 - t0)) -le 2
check "no state directory created" test ! -e "$tmp/state"
is "no namespace created" "$(our_netns)" ""
check "no subnet claim by it" bash -c "! grep -qx '$tmp/state' /run/lab/subnets/* 2>/dev/null"

out=$( (umask 077; "$LAB" cluster up --name "$NAME" --nodes 1 --state-dir "$open_dir/a/b/state" 2>&1) )
rc=$?
is "up under umask 077 with missing ancestors exits 0" "$rc" 0
[ "$rc" = 0 ] || note "$(tail -5 <<<"$out")"
is "the ancestors lab made are 0755" "$(stat -c %a "$open_dir/a") $(stat -c %a "$open_dir/a/b")" "755 755"
out=$("$LAB" cluster down --name "$NAME" --state-dir "$open_dir/a/b/state" 2>&1)
is "down exits 0" "$?" 0
