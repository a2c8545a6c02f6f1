#!/usr/bin/env bash
# proxmox_live.sh — the proxmox backend against a real Proxmox VE host:
# brings a Galera cluster up on three tagged VMs with `lab cluster up
# --backend proxmox`, injects a hard reset (status/reset) and checks that
# the node comes back Synced, changes a disk's cache mode (a cold restart),
# then runs shipped scenarios through `lab run --backend proxmox` and tears
# everything down (each disk's cache mode restored).
#
# Runs only when LAB_PROXMOX_URL and LAB_PROXMOX_TOKEN are set; prints SKIP
# with that reason otherwise. Also read:
#   LAB_PROXMOX_VMIDS        three VM ids, comma separated (required)
#   LAB_PROXMOX_NODE         the Proxmox node they are on, or
#   LAB_PROXMOX_NODES        one per VM, comma separated
#   LAB_PROXMOX_FINGERPRINT  the API certificate's SHA-256, or
#   LAB_PROXMOX_CA_FILE      its CA (one of the two is required)
#   LAB_PROXMOX_CLUSTER      cluster name (default pve): the VMs must be tagged
#                            lab-NAME-1, lab-NAME-2, lab-NAME-3
# The VMs need the QEMU guest agent, MariaDB with Galera, nftables and a
# network the host reaches them on (docs/backend-proxmox.md).
. "$(dirname "$0")/../lib/tap.sh"
if [ -z "${LAB_PROXMOX_URL:-}" ] || [ -z "${LAB_PROXMOX_TOKEN:-}" ]; then
	skip "proxmox live" "LAB_PROXMOX_URL and LAB_PROXMOX_TOKEN are not set (no Proxmox host to run against)"
	exit 0
fi
if [ -z "${LAB_PROXMOX_VMIDS:-}" ] || { [ -z "${LAB_PROXMOX_NODE:-}" ] && [ -z "${LAB_PROXMOX_NODES:-}" ]; } ||
	{ [ -z "${LAB_PROXMOX_FINGERPRINT:-}" ] && [ -z "${LAB_PROXMOX_CA_FILE:-}" ]; }; then
	skip "proxmox live" "set LAB_PROXMOX_VMIDS, LAB_PROXMOX_NODE(S) and LAB_PROXMOX_FINGERPRINT or LAB_PROXMOX_CA_FILE too"
	exit 0
fi
cd "$LAB_TOP" || exit 2
NAME=${LAB_PROXMOX_CLUSTER:-pve}
WORK=$LAB_TOP/build/test-logs/proxmox_live
mkdir -p "$WORK"
export LAB_PROXMOX_TASK_TIMEOUT=${LAB_PROXMOX_TASK_TIMEOUT:-300s}
P=(--backend proxmox --nodes 3 --name "$NAME" --proxmox "url=$LAB_PROXMOX_URL" --proxmox "vmids=$LAB_PROXMOX_VMIDS")
[ -n "${LAB_PROXMOX_NODE:-}" ] && P+=(--proxmox "node=$LAB_PROXMOX_NODE")
[ -n "${LAB_PROXMOX_NODES:-}" ] && P+=(--proxmox "nodes=$LAB_PROXMOX_NODES")
[ -n "${LAB_PROXMOX_FINGERPRINT:-}" ] && P+=(--proxmox "fingerprint=$LAB_PROXMOX_FINGERPRINT")
[ -n "${LAB_PROXMOX_CA_FILE:-}" ] && P+=(--proxmox "ca_file=$LAB_PROXMOX_CA_FILE")

cleanup() {
	if [ -e "/var/tmp/lab/$NAME/state" ]; then
		"$LAB" cluster down --name "$NAME" >"$WORK/down.log" 2>&1 || cat "$WORK/down.log"
	fi
}
trap cleanup EXIT
lab_log() { # label, lab arguments...: output into WORK/label.log
	local label=$1
	shift
	"$LAB" "$@" >"$WORK/$label.log" 2>&1
}

t0=$(date +%s)
if lab_log up cluster up "${P[@]}"; then
	ok "cluster up on VMs $LAB_PROXMOX_VMIDS ($(( $(date +%s) - t0 )) s)"
else
	not_ok "cluster up on VMs $LAB_PROXMOX_VMIDS" "$(tail -5 "$WORK/up.log")"
	exit 1
fi
check "status answers" lab_log status cluster status --name "$NAME"
pid_before=$("$LAB" cluster pid 2 --name "$NAME")
check "hard-reset 2 (status/reset)" lab_log reset cluster hard-reset 2 --name "$NAME"
check "node 2 is down after the reset" lab_log wait-down cluster wait 2 down --timeout 300s --name "$NAME"
check "node 2 starts again" lab_log start cluster start 2 --name "$NAME"
check "node 2 is Synced again" lab_log wait-synced cluster wait 2 synced --timeout 600s --name "$NAME"
note "node 2 mariadbd pid before the reset $pid_before, after $("$LAB" cluster pid 2 --name "$NAME")"
check "disk-cache 3 unsafe (a cold restart)" lab_log cache cluster disk-cache 3 unsafe --name "$NAME"
check "node 3 is Synced after the cold restart" lab_log wait-cache cluster wait 3 synced --timeout 600s --name "$NAME"
check "cluster down (cache modes restored)" lab_log down cluster down --name "$NAME"

# Shipped scenarios, with a cluster.proxmox section added.
for sc in hard-reset-one-node kill-mysqld-under-load; do
	yaml=$WORK/$sc.yaml
	python3 - "scenarios/$sc.yaml" "$yaml" <<'PY'
import os, sys
src, dst = sys.argv[1], sys.argv[2]
e = os.environ
items = ['url: "%s"' % e["LAB_PROXMOX_URL"], "vmids: [%s]" % e["LAB_PROXMOX_VMIDS"]]
if e.get("LAB_PROXMOX_NODE"): items.append("node: %s" % e["LAB_PROXMOX_NODE"])
if e.get("LAB_PROXMOX_NODES"): items.append("nodes: [%s]" % e["LAB_PROXMOX_NODES"])
if e.get("LAB_PROXMOX_FINGERPRINT"): items.append('fingerprint: "%s"' % e["LAB_PROXMOX_FINGERPRINT"])
if e.get("LAB_PROXMOX_CA_FILE"): items.append('ca_file: "%s"' % e["LAB_PROXMOX_CA_FILE"])
out = []
for line in open(src):
    out.append(line)
    if line.rstrip() == "cluster:":
        out.append("  proxmox: {%s}\n" % ", ".join(items))
open(dst, "w").write("".join(out))
PY
	if lab_log "run-$sc" run "$yaml" --backend proxmox --name "$NAME" --db "$WORK/results.db"; then
		ok "lab run $sc --backend proxmox"
	else
		not_ok "lab run $sc --backend proxmox" "$(tail -5 "$WORK/run-$sc.log")"
	fi
done
echo "1..$tap_n"
