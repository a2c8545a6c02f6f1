#!/usr/bin/env bash
# proxmox_contract.sh — the proxmox backend against tests/lib/fake-pve.py, a
# Proxmox VE API on 127.0.0.1 (HTTPS, a self-signed certificate made here by
# openssl) that follows the documented contract and whose guests are
# directories: refusals first (no token, a token file others can read, a
# malformed or wrong token, an unreachable URL, an untrusted certificate, a CA
# or a fingerprint that does not match, a VM without lab's tag) — each exits
# 2 within seconds, says which, and changes nothing; then the whole control
# flow through the real `lab cluster` verbs: bring the backend up on three
# VMs on two Proxmox nodes with a disk cache mode (a running VM's change
# stays pending, so lab cold-restarts it and says so), hard reset, a task
# that outlives its timeout, guest-agent exec with output, input and exit
# codes (grastate edit, delete-file), snapshot / rollback / delete,
# partition and heal, and teardown restoring every disk's cache mode. The
# token never appears in any output.
. "$(dirname "$0")/../lib/tap.sh"
command -v openssl >/dev/null || { skip "proxmox contract" "no openssl"; exit 0; }
tmp=$(mktemp -d /tmp/lab-pve-contract.XXXXXX)
fake_pid= run_name=
cleanup() {
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	rm -rf "$tmp"
	[ -n "$run_name" ] && rmdir "/var/tmp/lab/$run_name" 2>/dev/null
	:
}
trap cleanup EXIT
cd "$tmp" || exit 1

SECRET=0f3c9a7e-5b1d-4c2e-9f8a-contract$$
TOKEN="lab@pve!ci=$SECRET"
mk_cert() { # name: a self-signed certificate for 127.0.0.1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=fake-pve" \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$1.key" -out "$1.pem" 2>/dev/null
}
mk_cert server && mk_cert other || { not_ok "openssl made the test certificates"; exit 1; }
FP=$(openssl x509 -in server.pem -noout -fingerprint -sha256 | sed 's/.*=//')
OTHER_FP=$(openssl x509 -in other.pem -noout -fingerprint -sha256 | sed 's/.*=//')

mkdir pve
run_name=pvect$$ # lab run's cluster: its own name, never another engineer's
cat >pve/vms.json <<JSON
{
 "101": {"node": "pve1", "status": "stopped", "config": {"name": "db1", "agent": "1", "boot": "order=scsi0;ide2",
   "ide2": "local:iso/debian-12.iso,media=cdrom", "scsi0": "local-lvm:vm-101-disk-0,cache=writeback,discard=on,size=8G",
   "tags": "db;lab-pc-1;lab-$run_name-1"}},
 "102": {"node": "pve2", "status": "running", "config": {"name": "db2", "agent": "enabled=1",
   "virtio0": "ceph:vm-102-disk-0,size=8G", "tags": "lab-pc-2;lab-$run_name-2"}},
 "103": {"node": "pve1", "status": "stopped", "config": {"name": "db3", "agent": "1",
   "scsi0": "local-lvm:vm-103-disk-0,size=8G", "tags": "lab-pc-3,other"}},
 "104": {"node": "pve1", "status": "running", "config": {"name": "somebodys-db", "agent": "1",
   "scsi0": "local-lvm:vm-104-disk-0,cache=none,size=8G", "tags": "db"}}
}
JSON
python3 "$LAB_TOP/tests/lib/fake-pve.py" --dir pve --token "$TOKEN" --cert server.pem --key server.key \
	--port-file pve/port 2>pve/server.err &
fake_pid=$!
for _ in $(seq 100); do [ -s pve/port ] && break; sleep 0.1; done
[ -s pve/port ] || { not_ok "fake-pve started" "$(cat pve/server.err)"; exit 1; }
URL="https://127.0.0.1:$(cat pve/port)"
note "fake Proxmox API at $URL, certificate SHA-256 $FP"

export LAB_VM_BOOT_TIMEOUT=30s
STATE="$tmp/state"
P=(--backend proxmox --nodes 3 --name pc --state-dir "$STATE"
	--proxmox "url=$URL" --proxmox nodes=pve1,pve2,pve1 --proxmox vmids=101,102,103)
FPOPT=(--proxmox "fingerprint=$FP")
vm() { # vmid python-expression-on-vm: print a field of the fake's state
	python3 -c "import json,sys; vm=json.load(open('pve/state.json'))['$1']; print($2)"
}
changes() { grep -Ev '^(GET|AUTH-FAIL|EXEC)' pve/requests.log 2>/dev/null | grep -v ' 403 ' | wc -l; }
all_out=$tmp/all-output
run() { # label, then lab arguments: sets out, rc, ms
	local t0=$(date +%s%N)
	out=$("$LAB" "$@" 2>&1)
	rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	printf '%s\n' "$out" >>"$all_out"
	note "lab $* -> $rc (${ms} ms)"
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
}
fast() { [ "$ms" -lt 10000 ]; }

# ---- refusals: exit 2, one reason, nothing changed ----
: >pve/requests.log
unset LAB_PROXMOX_TOKEN
run cluster up "${P[@]}" "${FPOPT[@]}"
is "no token: exit 2" "$rc" 2
check "no token: says so (LAB_PROXMOX_TOKEN or token_file)" grep -q "no Proxmox API token" <<<"$out"
check "no token: within seconds" fast
is "no token: no request reached the API" "$(wc -l <pve/requests.log)" 0
check_fails "no token: no state directory made" test -e "$STATE"
is "no token: one line, the reason" "$(grep -c . <<<"$out")" 1

printf '%s\n' "$TOKEN" >token
chmod 0644 token
run cluster up "${P[@]}" "${FPOPT[@]}" --proxmox "token_file=$tmp/token"
is "token file readable by others: exit 2" "$rc" 2
check "token file readable by others: refused, says chmod 600" grep -q "readable by group or others.*chmod 600" <<<"$out"
chmod 0600 token

export LAB_PROXMOX_TOKEN="lab@pve:$SECRET"
run cluster up "${P[@]}" "${FPOPT[@]}"
is "malformed token: exit 2" "$rc" 2
check "malformed token: says the form USER@REALM!TOKENID=SECRET" grep -q "USER@REALM!TOKENID=SECRET" <<<"$out"
is "malformed token: never sent" "$(wc -l <pve/requests.log)" 0

export LAB_PROXMOX_TOKEN="lab@pve!ci=wrong-secret"
run cluster up "${P[@]}" "${FPOPT[@]}"
is "wrong token: exit 2" "$rc" 2
check "wrong token: 'refused the token (HTTP 401)'" grep -q "refused the token (HTTP 401)" <<<"$out"
check "wrong token: the API saw a wrong token" grep -q "AUTH-FAIL.*wrong token" pve/requests.log

export LAB_PROXMOX_TOKEN="$TOKEN"
# a port nobody listens on: bind one, note it, close it
dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
run cluster up --backend proxmox --nodes 3 --name pc --state-dir "$STATE" --proxmox "url=https://127.0.0.1:$dead_port" \
	--proxmox node=pve1 --proxmox vmids=101,102,103 "${FPOPT[@]}"
is "unreachable URL: exit 2" "$rc" 2
check "unreachable URL: says unreachable" grep -q "Proxmox API at 'https://127.0.0.1:$dead_port' is unreachable" <<<"$out"
check "unreachable URL: within seconds" fast
check_fails "unreachable URL: no state directory made" test -e "$STATE"
is "unreachable URL: one line, the reason" "$(grep -c . <<<"$out")" 1

run cluster up "${P[@]}"
is "self-signed certificate, no ca_file/fingerprint: exit 2 (no silent -k)" "$rc" 2
check "untrusted certificate: says give ca_file or fingerprint" grep -q "certificate is not trusted (give 'ca_file:' or 'fingerprint:')" <<<"$out"
run cluster up "${P[@]}" --proxmox "ca_file=$tmp/other.pem"
is "CA file of another CA: exit 2" "$rc" 2
check "CA mismatch: not trusted" grep -q "certificate is not trusted" <<<"$out"
run cluster up "${P[@]}" --proxmox "fingerprint=$OTHER_FP"
is "fingerprint mismatch: exit 2" "$rc" 2
check "fingerprint mismatch: names the certificate's fingerprint, refuses it" grep -q "fingerprint $FP is not the pinned one; refusing it" <<<"$out"
run cluster up "${P[@]}" --proxmox "fingerprint=nothex"
is "malformed fingerprint: exit 2" "$rc" 2
is "no request got past TLS in any of these" "$(grep -c . pve/requests.log)" 1

: >pve/requests.log
run cluster up --backend proxmox --nodes 3 --name pc --state-dir "$STATE" --proxmox "url=$URL" \
	--proxmox nodes=pve1,pve2,pve1 --proxmox vmids=101,102,104 --proxmox "ca_file=$tmp/server.pem"
is "untagged VM: exit 2" "$rc" 2
check "untagged VM: names the VM, the tag and why" \
	grep -q "node 3: VM 104 on 'pve1' does not carry lab's marker tag 'lab-pc-3' (its tags: 'db'); refusing to touch it" <<<"$out"
is "untagged VM: nothing was changed on any VM (GETs only)" "$(changes)" 0
check_fails "untagged VM: no state directory made" test -e "$STATE"
check_fails "untagged VM: no VIOLATION at the API" grep -q VIOLATION pve/requests.log
run cluster up --backend proxmox --nodes 3 --name pc --state-dir "$STATE" --proxmox "url=$URL" \
	--proxmox node=pve1 --proxmox vmids=101,102,103 --proxmox "ca_file=$tmp/server.pem"
is "VM on another Proxmox node than said: exit 2" "$rc" 2
check "wrong node: the API's answer is shown" grep -q "qemu-server/102.conf' does not exist" <<<"$out"

# ---- the control flow ----
: >pve/requests.log
run cluster backend-up "${P[@]}" "${FPOPT[@]}" --cache-mode unsafe
is "backend-up on 3 VMs (fingerprint pinned, 2 Proxmox nodes): exit 0" "$rc" 0
is "VM 101 (was stopped): cache=unsafe applied directly, started" "$(vm 101 "vm['config']['scsi0'], vm['status']")" \
	"local-lvm:vm-101-disk-0,cache=unsafe,discard=on,size=8G running"
is "VM 102 (was running): cache=unsafe applied after the cold restart" "$(vm 102 "vm['config']['virtio0'], vm['pending'], vm['status']")" \
	"ceph:vm-102-disk-0,size=8G,cache=unsafe {} running"
check "VM 102: PUT config, then status/stop and status/start" \
	grep -qzE "PUT /api2/json/nodes/pve2/qemu/102/config digest,virtio0 200.*POST /api2/json/nodes/pve2/qemu/102/status/stop  200.*POST /api2/json/nodes/pve2/qemu/102/status/start  200" pve/requests.log
check "the cold restart is said" grep -q "node 2: VM 102 on 'pve2': disk virtio0 cache 'unsafe' stays pending until the VM is stopped and started; cold restart" <<<"$out"
check_fails "VM 101 was not cold-restarted (it was off)" grep -q "qemu/101/status/stop" pve/requests.log
check "tasks were polled until stopped" grep -q "GET /api2/json/nodes/pve2/tasks/UPID:pve2:" pve/requests.log
check "state records the original cache modes, not the token" \
	grep -qzE "proxmox.cache.1 writeback.*proxmox.cache.2 -" "$STATE/state"
check_fails "the state holds no token" grep -q "$SECRET" "$STATE/state"

run cluster status --name pc --state-dir "$STATE"
is "status: exit 0" "$rc" 0
is "status: each node's disk cache mode from the VM config, no server running" \
	"$(awk '$1 ~ /^[123]$/ {print $1, $2, $8}' <<<"$out" | tr '\n' ' ')" "1 - unsafe 2 - unsafe 3 - unsafe "
run cluster disk-cache 1 directsync --name pc --state-dir "$STATE"
is "disk-cache 1 directsync: exit 0" "$rc" 0
is "VM 101: cache=directsync, nothing pending" "$(vm 101 "vm['config']['scsi0'], vm['pending']")" \
	"local-lvm:vm-101-disk-0,cache=directsync,discard=on,size=8G {}"
check "disk-cache: cold restart said" grep -q "cold restart (status/stop, status/start)" <<<"$out"

: >pve/requests.log
run cluster hard-reset 1 --name pc --state-dir "$STATE"
is "hard-reset 1: exit 0" "$rc" 0
check "hard-reset 1: POST status/reset of VM 101 only" grep -q "^POST /api2/json/nodes/pve1/qemu/101/status/reset  200" pve/requests.log
is "hard-reset 1: one power operation" "$(grep -c '/status/\(reset\|stop\|start\|shutdown\)' pve/requests.log)" 1

echo '{"task_seconds": {"qmreset": 30}}' >pve/control.json
LAB_PROXMOX_TASK_TIMEOUT=2s run cluster hard-reset 2 --name pc --state-dir "$STATE"
rm -f pve/control.json
is "a reset task that outlives LAB_PROXMOX_TASK_TIMEOUT: exit 2" "$rc" 2
check "task timeout: says the task is still running after 2 s" grep -q "Proxmox task 'UPID:pve2:.*qmreset:102:.*' still running after 2 s" <<<"$out"
check "task timeout: gives up within seconds" fast
sleep 30.5 & wait_reset=$!

printf '# GALERA saved state\nversion: 2.1\nuuid:    6b3f1a52-0000-11ee-8000-000000000001\nseqno:   -1\nsafe_to_bootstrap: 0\n' \
	>pve/vm/101/root/var/lib/mysql/grastate.dat
run cluster edit-grastate 1 --seqno 42 --safe-to-bootstrap 1 --name pc --state-dir "$STATE"
is "edit-grastate 1 (read with cat, write with dd through agent exec): exit 0" "$rc" 0
check "grastate.dat in the guest: seqno 42" grep -q "^seqno: *42$" pve/vm/101/root/var/lib/mysql/grastate.dat
check "grastate.dat in the guest: safe_to_bootstrap 1" grep -q "^safe_to_bootstrap: 1$" pve/vm/101/root/var/lib/mysql/grastate.dat
check "the file went in as input-data to dd, as mysql" grep -q 'EXEC 101 \["runuser", "-u", "mysql", "--", "dd", "of=/var/lib/mysql/grastate.dat"' pve/requests.log
run cluster delete-file 1 nosuch.dat --name pc --state-dir "$STATE"
is "delete-file of a missing file: exit 2" "$rc" 2
check "the guest's exit status and stderr are reported" \
	grep -q "node 1: rm failed in the guest (status 1): rm: cannot remove '/var/lib/mysql/nosuch.dat': No such file or directory" <<<"$out"
run cluster delete-file 1 grastate.dat --name pc --state-dir "$STATE"
is "delete-file 1 grastate.dat: exit 0" "$rc" 0
check_fails "grastate.dat is gone from the guest" test -e pve/vm/101/root/var/lib/mysql/grastate.dat
run cluster delete-file 1 ../../etc/passwd --name pc --state-dir "$STATE"
is "delete-file outside the datadir: refused" "$rc" 2
run cluster kill 1 --name pc --state-dir "$STATE"
is "kill with no server running: exit 2" "$rc" 2
check "kill: says no mariadbd in VM 101 on 'pve1'" grep -q "node 1: no mariadbd is running in VM 101 on 'pve1'" <<<"$out"

: >pve/requests.log
echo before >pve/vm/103/root/var/lib/mysql/marker
run cluster snapshot 3 s1 --name pc --state-dir "$STATE"
is "snapshot 3 s1: exit 0" "$rc" 0
check "snapshot: the VM was shut down first" grep -q "^POST /api2/json/nodes/pve1/qemu/103/status/shutdown forceStop,timeout 200" pve/requests.log
check "snapshot: POST snapshot with snapname" grep -q "^POST /api2/json/nodes/pve1/qemu/103/snapshot description,snapname 200" pve/requests.log
is "snapshot: the fake holds s1, the VM is off" "$(vm 103 "vm['snapshots'], vm['status']")" "['s1'] stopped"
echo after >pve/vm/103/root/var/lib/mysql/marker
run cluster revert 3 s1 --name pc --state-dir "$STATE"
is "revert 3 s1: exit 0" "$rc" 0
check "revert: POST snapshot/s1/rollback" grep -q "^POST /api2/json/nodes/pve1/qemu/103/snapshot/s1/rollback  200" pve/requests.log
is "revert: the guest's disk is as it was at the snapshot" "$(cat pve/vm/103/root/var/lib/mysql/marker)" before
run cluster snapshot 3 s1 --name pc --state-dir "$STATE"
is "snapshot 3 s1 again: exit 0" "$rc" 0
check "an existing snapshot of that name is deleted first (DELETE snapshot/s1)" \
	grep -q "^DELETE /api2/json/nodes/pve1/qemu/103/snapshot/s1  200" pve/requests.log
run cluster snapshot 3 1bad --name pc --state-dir "$STATE"
is "a snapshot name Proxmox would refuse: exit 2" "$rc" 2

run cluster partition 1 2,3 --name pc --state-dir "$STATE"
is "partition 1 | 2,3: exit 0" "$rc" 0
check "partition: nftables rules went into guest 1 (input-data of nft -f -)" grep -q "table inet lab_partition {" pve/vm/101/root/etc/nftables-lab.rules
run cluster heal --name pc --state-dir "$STATE"
is "heal: exit 0" "$rc" 0
check_fails "heal: the partition table is gone in guest 1" grep -q "chain input" pve/vm/101/root/etc/nftables-lab.rules

wait "$wait_reset" # the slow reset task of VM 102 has finished at the fake
: >pve/requests.log
run cluster down --name pc --state-dir "$STATE"
is "down: exit 0" "$rc" 0
is "down: VM 101's disk cache restored to writeback" "$(vm 101 "vm['config']['scsi0']")" \
	"local-lvm:vm-101-disk-0,cache=writeback,discard=on,size=8G"
is "down: VM 102's disk back to no cache= option" "$(vm 102 "vm['config']['virtio0']")" "ceph:vm-102-disk-0,size=8G"
is "down: VM 103's disk back to no cache= option (after a rollback to a config with cache=unsafe)" "$(vm 103 "vm['config']['scsi0']")" \
	"local-lvm:vm-103-disk-0,size=8G"
is "down: the VMs are shut down" "$(vm 101 "vm['status']") $(vm 102 "vm['status']") $(vm 103 "vm['status']")" "stopped stopped stopped"
check "down: says what it restored" grep -q "node 1: disk cache mode of VM 101 on 'pve1' restored to 'writeback'" <<<"$out"
check_fails "down: the state is gone" test -e "$STATE/state"
is "VM 104 (untagged) was never changed" "$(vm 104 "vm['config']['scsi0'], vm['status']")" \
	"local-lvm:vm-104-disk-0,cache=none,size=8G running"
check_fails "no VIOLATION at the API during the whole test" grep -q VIOLATION pve/requests.log

# ---- lab run: the same refusal ----
cat >pve.yaml <<YAML
name: pve-contract
cluster:
  backend: proxmox
  nodes: 3
  proxmox: {url: "https://127.0.0.1:$dead_port", node: pve1, vmids: [101, 102, 103], fingerprint: "$FP"}
steps:
  - sleep: 1s
YAML
run validate pve.yaml
is "a scenario with a cluster.proxmox section validates" "$rc" 0
sed 's/vmids: \[101, 102, 103\]/vmids: [101, 102]/' pve.yaml >short.yaml
run validate short.yaml
is "vmids shorter than the cluster: validate exits 2" "$rc" 2
check "vmids shorter than the cluster: says one entry per node" grep -q "'vmids' (and 'nodes', if given) must list one entry per node" <<<"$out"
unset LAB_PROXMOX_TOKEN
t0=$(date +%s%N)
out=$("$LAB" run pve.yaml --name "$run_name" --db "$tmp/results.db" 2>&1)
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
printf '%s\n' "$out" >>"$all_out"
note "$out"
is "lab run with no token: exit 2" "$rc" 2
check "lab run with no token: says so" grep -q "no Proxmox API token" <<<"$out"
check "lab run with no token: within seconds" fast
export LAB_PROXMOX_TOKEN="$TOKEN"
out=$("$LAB" run pve.yaml --name "$run_name" --db "$tmp/results.db" 2>&1)
rc=$?
printf '%s\n' "$out" >>"$all_out"
is "lab run with an unreachable URL: exit 2" "$rc" 2
check "lab run with an unreachable URL: says so" grep -q "is unreachable" <<<"$out"
sed -e "s|https://127.0.0.1:$dead_port|$URL|" -e 's/node: pve1, vmids: \[101, 102, 103\]/nodes: [pve1, pve2, pve1], vmids: [101, 102, 104]/' \
	pve.yaml >untagged.yaml
: >pve/requests.log
out=$("$LAB" run untagged.yaml --name "$run_name" --db "$tmp/results.db" 2>&1)
rc=$?
printf '%s\n' "$out" >>"$all_out"
note "$out"
is "lab run naming an untagged VM in cluster.proxmox: exit 2" "$rc" 2
check "lab run: the scenario's nodes and vmids reached the backend (VM 104 refused)" \
	grep -q "node 3: VM 104 on 'pve1' does not carry lab's marker tag 'lab-$run_name-3'" <<<"$out"
is "lab run: nothing was changed on any VM" "$(changes)" 0

check_fails "the token's secret was never printed" grep -q "$SECRET" "$all_out"
echo "1..$tap_n"
