#!/usr/bin/env bash
# vm_cluster.sh — the libvirt backend on real guests: builds (or reuses) the
# vm-images/ guest image, probes the domain type (kvm, else QEMU TCG), boots
# three lab-marked domains with `lab cluster up --backend libvirt`, forms
# the Galera cluster (boot-to-Synced time is noted), then injects faults
# through the backend and checks their effect: kill -9 of mysqld in a guest
# (the pid changes, the node comes back Synced) and a hard reset of a
# domain (virDomainReset: the guest reboots, its server is gone, it is
# started again and SQL answers); with the runner and the shipped
# scenarios, kill-mysqld-under-load and hard-reset-one-node also run
# through `lab run --backend libvirt`. Everything is torn down: domains
# undefined, network destroyed, overlays removed, /dev/kvm's mode and a
# libvirtd started here restored / stopped.
#
# SKIPs with the reason when the tools are missing or neither kvm nor qemu
# can boot the kernel. Environment: LAB_VM_TYPE=kvm|qemu forces the type.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/../lib/libvirtd.sh"
need_root "vm cluster"
cd "$LAB_TOP" || exit 2
lab_fixture_init
NAME=$FIX_NAME
STATE=$FIX_RUN_STATE
fixture_add_cluster "${NAME}r"
URI=qemu:///system
IMG=$LAB_TOP/vm-images/out
WORK=$LAB_TOP/build/test-logs/vm_cluster
mkdir -p "$WORK"
export LAB_VM_IMAGES=$IMG
kvm_saved=

cleanup() {
	for n in "$NAME" "${NAME}r"; do
		if [ -e "/var/tmp/lab/$n/state" ]; then
			"$LAB" cluster down --name "$n" >"$WORK/down-$n.log" 2>&1 || cat "$WORK/down-$n.log"
		fi
		if command -v virsh >/dev/null && [ -x "$LAB" ]; then
			"$LAB" vm undefine --name "$n" >/dev/null 2>&1
		fi
	done
	libvirtd_stop
	if [ -n "$kvm_saved" ]; then
		chown "${kvm_saved% *}" /dev/kvm && chmod "${kvm_saved#* }" /dev/kvm
	fi
}
fixture_at_exit cleanup

for t in qemu-system-x86_64 qemu-img libvirtd virtlogd debootstrap mke2fs; do
	if ! command -v "$t" >/dev/null; then
		skip "vm cluster" "'$t' is not installed (make nightly installs VM_PKGS)"
		exit 0
	fi
done

# The image (cached in vm-images/out between runs).
t0=$(date +%s)
if make -C vm-images >"$WORK/image.log" 2>&1; then
	ok "guest image built or cached ($(( $(date +%s) - t0 )) s, $(du -m "$IMG/base.qcow2" | cut -f1) MiB)"
else
	not_ok "make -C vm-images" "see $WORK/image.log"
	tail -20 "$WORK/image.log"
	exit 1
fi

# /dev/kvm is root-only 0600 here: QEMU runs as libvirt-qemu (group kvm),
# and libvirtd re-probes QEMU on almost every call while it cannot open it.
if [ -e /dev/kvm ]; then
	kvm_saved="$(stat -c '%U:%G %a' /dev/kvm)"
	chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
	note "/dev/kvm was $kvm_saved; kvm 0660 for the test"
fi

# Domain type: boot the guest kernel to its root-mount panic under each
# accelerator, keep the faster one that works.
probe() { # accel timeout -> seconds, or nothing
	local accel=$1 log="$WORK/probe-$1.log" s e
	rm -f "$log"
	s=$(date +%s.%N)
	timeout "$2" nice -n 19 qemu-system-x86_64 -machine "pc,accel=$accel" -m 256 -nodefaults \
		-display none -no-reboot -serial "file:$log" -kernel "$IMG/vmlinuz" \
		-append "console=ttyS0 panic=-1 root=/dev/lab-none" >"$log.err" 2>&1
	e=$(date +%s.%N)
	grep -q 'Kernel panic' "$log" 2>/dev/null && awk -v a="$s" -v b="$e" 'BEGIN { printf "%.1f", b - a }'
}
type=${LAB_VM_TYPE:-}
if [ -z "$type" ]; then
	# TCG first; KVM must then beat it (here KVM guests crawl: /dev/kvm is
	# a software module), so it gets TCG's time plus 10 s at most.
	t_kvm= t_tcg=
	t_tcg=$(probe tcg 300)
	[ -e /dev/kvm ] && t_kvm=$(probe kvm "$(awk -v t="${t_tcg:-290}" 'BEGIN { printf "%d", t + 10 }')")
	note "kernel to root-mount panic: kvm ${t_kvm:-failed} s, tcg ${t_tcg:-failed} s"
	if [ -n "$t_kvm" ] && { [ -z "$t_tcg" ] || awk -v k="$t_kvm" -v t="$t_tcg" 'BEGIN { exit !(k <= t) }'; }; then
		type=kvm
	elif [ -n "$t_tcg" ]; then
		type=qemu
	else
		skip "vm cluster" "neither kvm nor QEMU TCG boots the guest kernel (see $WORK/probe-*.log)"
		exit 0
	fi
fi
export LAB_VM_TYPE=$type
ok "domain type: $type"

# libvirtd: use a running one, or start our own (and stop it afterwards).
if ! libvirtd_up "$WORK"; then
	skip "vm cluster" "libvirtd does not answer at $URI (see $WORK/libvirtd.log)"
	exit 0
fi

# Boot three guests and form the cluster.
start=$(date +%s.%N)
"$LAB" cluster up --backend libvirt --name "$NAME" --nodes 3 >"$WORK/up.log" 2>&1
rc=$?
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
sed 's/^/# /' "$WORK/up.log"
is "cluster up --backend libvirt exits 0" "$rc" 0
note "boot-to-Synced: $secs s (domain type $type)"
[ "$rc" = 0 ] || exit 1

status=$("$LAB" cluster status --name "$NAME")
note "$status"
is "3 nodes Synced in one Primary component" "$(echo "$status" | awk '$6 == "Synced" && $4 == "Primary" && $5 == 3' | wc -l)" 3
is "every domain carries the marker" "$("$LAB" vm list --name "$NAME" | grep -c "cluster=$NAME ")" 3
check "the lab network has no forward (isolated)" bash -c "! virsh -c $URI net-dumpxml lab-$NAME | grep -q '<forward'"
check "the lab subnet has its blackhole route" bash -c "ip route | grep -q '^blackhole 10.213.200.0/24'"
check "mariadb.socket is masked in the guest" bash -c "$LAB vm exec $NAME-node2 -- systemctl is-enabled mariadb.socket | grep -q masked"

CNF=$STATE/client.cnf
sql() { mariadb --defaults-file="$CNF" --connect-timeout=10 -h "$1" bank -N -B -e "$2"; }
token=vm-$$-$RANDOM
check "write on node 1 over the lab network" sql 10.213.200.11 \
	"CREATE TABLE IF NOT EXISTS t_vm (id INT PRIMARY KEY, v VARCHAR(64)); REPLACE INTO t_vm VALUES (1, '$token')"
is "read on node 3" "$(sql 10.213.200.13 'SELECT v FROM t_vm WHERE id = 1')" "$token"

# kill -9 mysqld in guest 2: the process is gone, a new one serves again.
pid1=$("$LAB" cluster pid 2 --name "$NAME")
check "kill -9 node 2 (guest-exec kill)" "$LAB" cluster kill 2 --name "$NAME" --signal KILL
sleep 2
is "node 2 has no server after kill -9" "$("$LAB" cluster pid 2 --name "$NAME")" 0
check "start node 2 again (recovers its position)" "$LAB" cluster start 2 --name "$NAME"
check "node 2 Synced again" "$LAB" cluster wait 2 synced --name "$NAME" --timeout 600s
pid2=$("$LAB" cluster pid 2 --name "$NAME")
check "node 2's mysqld pid changed ($pid1 -> $pid2)" test "$pid2" -gt 0 -a "$pid2" != "$pid1"
is "node 2 serves the row written before" "$(sql 10.213.200.12 'SELECT v FROM t_vm WHERE id = 1')" "$token"

# Hard reset of domain 3 (virDomainReset): the guest reboots at once.
boot1=$("$LAB" vm exec "$NAME-node3" -- cat /proc/sys/kernel/random/boot_id)
sql 10.213.200.11 "REPLACE INTO t_vm VALUES (2, '$token-before-reset')"
t0=$(date +%s.%N)
check "hard-reset node 3 (virDomainReset)" "$LAB" cluster hard-reset 3 --name "$NAME"
note "virDomainReset returned after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
check "start node 3 after the reset" "$LAB" cluster start 3 --name "$NAME"
boot2=$("$LAB" vm exec "$NAME-node3" -- cat /proc/sys/kernel/random/boot_id)
check "node 3's guest rebooted (boot_id changed)" test -n "$boot2" -a "$boot1" != "$boot2"
check "node 3 Synced again" "$LAB" cluster wait 3 synced --name "$NAME" --timeout 600s
note "reset to Synced: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
is "node 3 has the row committed before its reset" "$(sql 10.213.200.13 "SELECT v FROM t_vm WHERE id = 2")" "$token-before-reset"

# The scenarios through the runner, when they exist. Each builds its own
# VM lab, so ours goes first.
"$LAB" cluster down --name "$NAME" >"$WORK/down.log" 2>&1
is "cluster down exits 0" "$?" 0
is "no domain of $NAME is left" "$("$LAB" vm list --name "$NAME" | wc -l)" 0
check "the lab network is gone" bash -c "! virsh -c $URI net-info lab-$NAME >/dev/null 2>&1"
check "the overlays are gone" bash -c "! ls /var/tmp/lab-vm/$NAME/*.qcow2 >/dev/null 2>&1"
for sc in kill-mysqld-under-load hard-reset-one-node; do
	f=scenarios/$sc.yaml
	if [ ! -e "$f" ]; then
		skip "lab run --backend libvirt $sc" "no $f yet"
		continue
	fi
	t0=$(date +%s)
	"$LAB" run --backend libvirt --name "${NAME}r" "$f" >"$WORK/run-$sc.log" 2>&1
	rc=$?
	tail -5 "$WORK/run-$sc.log" | sed 's/^/# /'
	is "lab run --backend libvirt $sc passes ($(( $(date +%s) - t0 )) s)" "$rc" 0
done
