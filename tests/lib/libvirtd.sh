# libvirtd.sh — for the VM tests (tests/nightly/vm_*.sh): a libvirt daemon
# at $URI, a running one or one started here (in this mount namespace, where
# lab's powerfs disk mounts are made), stopped again by libvirtd_stop.
#   libvirtd_up WORK     0 when libvirtd answers at $URI (logs in WORK)
#   libvirtd_stop        stop what libvirtd_up started (by pid)
libvirtd_pids=()

libvirtd_up() {
	local work=$1
	mkdir -p /var/lib/libvirt/dnsmasq
	if ! virsh -c "$URI" uri >/dev/null 2>&1; then
		virtlogd >"$work/virtlogd.log" 2>&1 &
		libvirtd_pids+=($!)
		nice -n 19 libvirtd >"$work/libvirtd.log" 2>&1 &
		libvirtd_pids+=($!)
		for _ in $(seq 60); do virsh -c "$URI" uri >/dev/null 2>&1 && break; sleep 1; done
	fi
	virsh -c "$URI" uri >/dev/null 2>&1
}

libvirtd_stop() {
	local p
	for p in "${libvirtd_pids[@]}"; do
		kill "$p" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
		kill -9 "$p" 2>/dev/null
	done
	libvirtd_pids=()
}
