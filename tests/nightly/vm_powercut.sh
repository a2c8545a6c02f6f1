#!/usr/bin/env bash
# vm_powercut.sh — a real power cut of a VM's disk (libvirt backend, disk
# overlay on powerfs): one guest from the vm-images/ image (QEMU TCG unless
# LAB_VM_TYPE=kvm), flavor async (a lone primary), innodb_flush_log_at_trx_commit=1,
# sync_binlog=1. Twice, with the disk's QEMU cache mode unsafe and then none:
#   flush the disk's powerfs (the host's writeback up to now; the periodic
#   natural flush is off so that the window is exactly what follows),
#   commit N single-row transactions, each acknowledged to the client,
#   `lab cluster hard-reset 1` (QEMU SIGKILLed, powerfs drops what QEMU had
#   not fsynced, the domain boots again), start the server, count the rows.
# With cache=unsafe QEMU never fsyncs: acknowledged commits are lost. With
# cache=none QEMU fsyncs on the guest's flushes: none is lost (2 MiB the
# guest wrote with O_DIRECT but did not flush just before each cut show in
# the notes what a cut drops then). Then the
# teardown leaves no domain, no mount and no powerfs daemon.
#
# SKIPs with the reason when the tools are missing. Four guest boots in all.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/../lib/libvirtd.sh"
need_root "vm power cut"
cd "$LAB_TOP" || exit 2
lab_fixture_init
NAME=$FIX_NAME
STATE=$FIX_RUN_STATE
URI=qemu:///system
IMG=$LAB_TOP/vm-images/out
WORK=$LAB_TOP/build/test-logs/vm_powercut
VMSTATE=/var/tmp/lab-vm/$NAME
N=${VM_POWERCUT_TXNS:-100}
mkdir -p "$WORK"
export LAB_VM_IMAGES=$IMG
export LAB_VM_TYPE=${LAB_VM_TYPE:-qemu}
kvm_saved=

cleanup() {
	if [ -e "$STATE/state" ]; then
		"$LAB" cluster down --name "$NAME" >"$WORK/down-cleanup.log" 2>&1 || cat "$WORK/down-cleanup.log"
	fi
	if command -v virsh >/dev/null && [ -x "$LAB" ]; then
		"$LAB" vm undefine --name "$NAME" >/dev/null 2>&1
	fi
	libvirtd_stop
	if [ -n "$kvm_saved" ]; then
		chown "${kvm_saved% *}" /dev/kvm && chmod "${kvm_saved#* }" /dev/kvm
	fi
}
fixture_at_exit cleanup

for t in qemu-system-x86_64 qemu-img libvirtd virtlogd virsh debootstrap mke2fs mariadb; do
	if ! command -v "$t" >/dev/null; then
		skip "vm power cut" "'$t' is not installed (make deps-vm installs VM_PKGS)"
		exit 0
	fi
done
if [ ! -c /dev/fuse ]; then
	skip "vm power cut" "no /dev/fuse: powerfs cannot run here"
	exit 0
fi

t0=$(date +%s)
if nice make -C vm-images >"$WORK/image.log" 2>&1; then
	ok "guest image built or cached ($(( $(date +%s) - t0 )) s)"
else
	not_ok "make -C vm-images" "see $WORK/image.log"
	tail -20 "$WORK/image.log"
	exit 1
fi

# As vm_cluster.sh: libvirtd re-probes QEMU while /dev/kvm is root-only.
if [ -e /dev/kvm ]; then
	kvm_saved="$(stat -c '%U:%G %a' /dev/kvm)"
	chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
fi

# libvirtd: a running one, or our own (in this mount namespace, where the
# powerfs mounts are made).
if ! libvirtd_up "$WORK"; then
	skip "vm power cut" "libvirtd does not answer at $URI (see $WORK/libvirtd.log)"
	exit 0
fi

t0=$(date +%s)
nice "$LAB" cluster up --backend libvirt --name "$NAME" --nodes 1 --flavor async --cache-mode unsafe \
	--powerfs-flush-interval 0 --mysqld innodb_flush_log_at_trx_commit=1 >"$WORK/up.log" 2>&1
rc=$?
sed 's/^/# /' "$WORK/up.log"
is "cluster up --backend libvirt, disk cache unsafe, exits 0 ($(( $(date +%s) - t0 )) s)" "$rc" 0
[ "$rc" = 0 ] || exit 1
check "the overlay is on powerfs (mounted here, QEMU holds it)" \
	grep -q " $VMSTATE/pfs/node1 " /proc/self/mountinfo
check "the domain's disk is the overlay on the mount" \
	bash -c "virsh -c $URI domblklist $NAME-node1 | grep -q '$VMSTATE/pfs/node1/node1.qcow2'"
check "the domain's disk cache is unsafe" \
	bash -c "virsh -c $URI dumpxml $NAME-node1 | grep -q \"cache='unsafe'\""

CNF=$STATE/client.cnf
ADDR=10.213.200.11
sql() { mariadb --defaults-file="$CNF" --connect-timeout=20 -h "$ADDR" -N -B "$@"; }
is "innodb_flush_log_at_trx_commit=1, sync_binlog=1 in the guest" \
	"$(sql -e 'SELECT @@innodb_flush_log_at_trx_commit, @@sync_binlog' | tr '\t' ' ')" "1 1"
sql -e "CREATE DATABASE IF NOT EXISTS pc; CREATE TABLE IF NOT EXISTS pc.t (id INT PRIMARY KEY) ENGINE=InnoDB"

# One experiment: flush, commit ids FROM+1..FROM+N (each acknowledged: the
# client sends the next only after the OK, and stops at the first error),
# cut, start, count. Prints the surviving count of those ids.
experiment() { # mode from
	local mode=$1 from=$2 stmts="" i acked survived t
	"$LAB" _powerfs ctl "$VMSTATE/pfs/node1.sock" flush >/dev/null ||
		{ not_ok "$mode: flush the disk's powerfs before the burst"; return 1; }
	for i in $(seq $((from + 1)) $((from + N))); do stmts+="INSERT INTO pc.t VALUES ($i);"; done
	if sql -e "$stmts"; then acked=$N; else acked=$(sql -e "SELECT COUNT(*) FROM pc.t WHERE id > $from"); fi
	is "$mode: $N commits acknowledged" "$acked" "$N"
	# Writes that reach QEMU but that the guest has not flushed (O_DIRECT,
	# no fsync): pending in powerfs whatever the cache mode, unless the
	# guest's journal commit flushes them first. For the note only.
	"$LAB" vm exec "$NAME-node1" -- dd if=/dev/zero of=/var/tmp/unflushed bs=64k count=32 oflag=direct >/dev/null 2>&1
	"$LAB" _powerfs ctl "$VMSTATE/pfs/node1.sock" stats | sed "s/^/# $mode: before the cut: /"
	t=$(date +%s)
	"$LAB" cluster hard-reset 1 --name "$NAME" >"$WORK/reset-$mode.log" 2>&1
	is "$mode: hard-reset 1 exits 0" "$?" 0
	sed 's/^/# /' "$WORK/reset-$mode.log"
	check "$mode: the reset was a power cut" grep -q "power cut of domain" "$WORK/reset-$mode.log"
	nice "$LAB" cluster start 1 --name "$NAME" >"$WORK/start-$mode.log" 2>&1
	rc=$?
	is "$mode: the server starts after the cut ($(( $(date +%s) - t )) s)" "$rc" 0
	[ "$rc" = 0 ] || { sed 's/^/# /' "$WORK/start-$mode.log"; return 1; }
	survived=$(sql -e "SELECT COUNT(*) FROM pc.t WHERE id > $from AND id <= $((from + N))")
	note "$mode: $survived of $acked acknowledged commits survived the power cut"
	echo "$survived" >"$WORK/survived-$mode"
}

experiment unsafe 0
s=$(cat "$WORK/survived-unsafe" 2>/dev/null)
check "cache=unsafe: acknowledged commits are lost at the cut (${s:-?} of $N survived)" \
	test -n "$s" -a "${s:-$N}" -lt "$N"

t0=$(date +%s)
nice "$LAB" cluster disk-cache 1 none --name "$NAME" >"$WORK/cache.log" 2>&1
is "disk-cache 1 none (cold restart) exits 0 ($(( $(date +%s) - t0 )) s)" "$?" 0
check "the domain's disk cache is none" bash -c "virsh -c $URI dumpxml $NAME-node1 | grep -q \"cache='none'\""

experiment none 1000
s=$(cat "$WORK/survived-none" 2>/dev/null)
is "cache=none: no acknowledged commit is lost at the cut" "${s:-?}" "$N"

"$LAB" cluster down --name "$NAME" >"$WORK/down.log" 2>&1
is "cluster down exits 0" "$?" 0
is "no domain of $NAME is left" "$("$LAB" vm list --name "$NAME" | wc -l)" 0
check "no powerfs mount is left" bash -c "! grep -q ' $VMSTATE/' /proc/self/mountinfo"
is "no powerfs daemon is left" "$(pgrep -fc "_powerfs $VMSTATE/")" 0
check "the disk files are gone" test ! -e "$VMSTATE/pfs"
