#!/usr/bin/env bash
# mysql80_live.sh — lab's MySQL-family dialects (docs/dialects.md) against
# real MySQL 8.0 / Percona Server 8.0 / Percona XtraDB Cluster 8.0 servers
# the user provides. No such server exists on lab's development machines,
# so each part runs only when its variable is set and says SKIP otherwise:
#
#   LAB_MYSQL80_HOSTS    host:port,... of a running MySQL / Percona Server
#                        8.0 GTID replication set (the first is the primary),
#                        reached as LAB_MYSQL80_USER (default lab) with
#                        LAB_PASSWORD: `lab check --checks split-brain,gtid`
#                        must name one primary and no errant GTIDs, through
#                        SHOW REPLICA STATUS and gtid_executed.
#   LAB_MYSQL80_DOMAINS  three libvirt domains (comma separated) carrying
#                        lab's marker for cluster NAME (LAB_MYSQL80_CLUSTER,
#                        default my80) with MySQL or Percona Server 8.0
#                        installed (mysqld, mysql, mysqlbinlog, nftables,
#                        the QEMU guest agent): `lab run` of a semisync
#                        scenario: up (CHANGE REPLICATION SOURCE TO ...
#                        SOURCE_AUTO_POSITION=1, semisync_source plugin,
#                        super_read_only), kill the primary, promote,
#                        rejoin the old one, split-brain / gtid checks.
#   LAB_PXC80_DOMAINS    three libvirt domains (cluster LAB_PXC80_CLUSTER,
#                        default pxc80) with Percona XtraDB Cluster 8.0:
#                        `lab run` of a galera scenario with a hard reset and
#                        delete-redo-log (#innodb_redo/#ib_redo* from 8.0.30).
#   LAB_LIBVIRT_URI      libvirt URI for both (default qemu:///system).
. "$(dirname "$0")/../lib/tap.sh"
cd "$LAB_TOP" || exit 2
WORK=$LAB_TOP/build/test-logs/mysql80_live
mkdir -p "$WORK"
URI=${LAB_LIBVIRT_URI:-qemu:///system}
ran=0

domains_yaml() { # comma list -> [a, b, c]
	echo "[$(echo "$1" | sed 's/,/, /g')]"
}

# run_guest_scenario LABEL CLUSTER SCENARIO: lab run it, its verdict must
# be met (exit 0); the log stays in WORK/LABEL.log; the cluster is taken down.
run_guest_scenario() {
	local label=$1 name=$2 sc=$3 rc
	LAB_NO_PROGRESS=1 "$LAB" run "$sc" --name "$name" --db "$WORK/lab.db" >"$WORK/$label.log" 2>&1
	rc=$?
	tail -40 "$WORK/$label.log" | sed "s/^/# /"
	is "lab run of $(basename "$sc") exits 0" "$rc" 0
	"$LAB" cluster down --name "$name" >/dev/null 2>&1
}

# --- existing servers: detection, replica status, executed sets
if [ -n "${LAB_MYSQL80_HOSTS:-}" ]; then
	ran=1
	if [ -z "${LAB_PASSWORD:-}" ]; then
		not_ok "check of $LAB_MYSQL80_HOSTS" "LAB_PASSWORD is not set (the password of ${LAB_MYSQL80_USER:-lab})"
	else
		"$LAB" check --hosts "$LAB_MYSQL80_HOSTS" --user "${LAB_MYSQL80_USER:-lab}" --checks split-brain,gtid \
			--db "$WORK/check.db" >"$WORK/check.log" 2>&1
		rc=$?
		sed "s/^/# /" "$WORK/check.log"
		is "lab check split-brain,gtid on $LAB_MYSQL80_HOSTS exits 0" "$rc" 0
		check "split-brain names one primary" grep -q 'split-brain: primary' "$WORK/check.log"
		check "every node was read (no node-unreachable)" bash -c "! grep -q node-unreachable '$WORK/check.log'"
		check "replicas were read through the replica status (io/sql threads shown)" \
			grep -Eq 'replica, .*io (Yes|Connecting|No) sql' "$WORK/check.log"
	fi
else
	skip "mysql 8.0 check" "LAB_MYSQL80_HOSTS is not set (no MySQL 8.0 replication set to check)"
fi

# --- guests lab drives: a semisync cluster on MySQL / Percona Server 8.0
if [ -n "${LAB_MYSQL80_DOMAINS:-}" ]; then
	ran=1
	name=${LAB_MYSQL80_CLUSTER:-my80}
	sc=$WORK/my80-semisync.yaml
	cat >"$sc" <<EOF
name: my80-semisync-failover
description: MySQL 8.0 semisync on user-provided guests; kill the primary, promote, careless rejoin.
seed: 8023
timeout: 30m
cluster:
  backend: libvirt
  flavor: semisync
  nodes: 3
  libvirt: {uri: "$URI", domains: $(domains_yaml "$LAB_MYSQL80_DOMAINS")}
workload:
  threads: 4
  customers: 200
  products: 20
steps:
  - workload: start
  - sleep: 10s
  - kill: { node: 1 }
  - promote: { node: 2 }
  - sleep: 5s
  - workload: stop
  - rejoin: { node: 1 }
  - check: [invariants, durability, split-brain, gtid]
expect:
  invariants: pass
  durability: any
  cluster: any
  gtid: any
EOF
	run_guest_scenario my80 "$name" "$sc"
	check "the nodes were spoken to as MySQL 8.0" grep -Eq 'dialect: .*(mysql-8\.0|percona-server-8\.0)' "$WORK/my80.log"
else
	skip "mysql 8.0 guests" "LAB_MYSQL80_DOMAINS is not set (no libvirt guests with MySQL 8.0)"
fi

# --- guests lab drives: PXC 8.0 with a lost redo log
if [ -n "${LAB_PXC80_DOMAINS:-}" ]; then
	ran=1
	name=${LAB_PXC80_CLUSTER:-pxc80}
	sc=$WORK/pxc80-redo.yaml
	cat >"$sc" <<EOF
name: pxc80-delete-redo-log
description: PXC 8.0 on user-provided guests; a crashed node loses its redo log and is rebuilt by SST.
seed: 8030
timeout: 30m
cluster:
  backend: libvirt
  flavor: galera
  nodes: 3
  libvirt: {uri: "$URI", domains: $(domains_yaml "$LAB_PXC80_DOMAINS")}
workload:
  threads: 4
  customers: 200
  products: 20
steps:
  - workload: start
  - sleep: 10s
  - hard-reset: { node: 3 }
  - delete-redo-log: { node: 3 }
  - start: { node: 3, outcome: any }
  - stop: { node: 3, outcome: any }
  - wipe: { node: 3 }
  - start: { node: 3 }
  - wait: { for: synced, node: all, timeout: 900s }
  - workload: stop
  - check: [invariants, durability, convergence]
expect:
  invariants: pass
  durability: pass
  convergence: pass
EOF
	run_guest_scenario pxc80 "$name" "$sc"
	check "delete-redo-log deleted what the release keeps" grep -Eq 'deleted (#innodb_redo/#ib_redo\*|ib_logfile0, ib_logfile1)' "$WORK/pxc80.log"
	check "pxc_strict_mode was reported" grep -q 'pxc_strict_mode is' "$WORK/pxc80.log"
else
	skip "pxc 8.0 guests" "LAB_PXC80_DOMAINS is not set (no libvirt guests with Percona XtraDB Cluster 8.0)"
fi

[ "$ran" = 1 ] || note "nothing ran: lab's MySQL 8.0 / PXC 8.0 dialects have not met a live server here"
echo "1..$tap_n"
