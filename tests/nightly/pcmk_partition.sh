#!/usr/bin/env bash
# pcmk_partition.sh — Pacemaker's answer to a partition that isolates the
# promoted node (nftables in the node namespaces: Corosync's ring is cut
# too), with and without fencing.
#   fencing on:  the quorate side (n2, n3) fences n1 through fence_lab (a
#                real hard reset of n1, logged in STATE/manager-events.log
#                and in crm_mon's fencing history), promotes n2 or n3; n1
#                boots, stays without quorum until the heal, then rejoins
#                as unpromoted.
#   fencing off: nobody is shot; n1, without quorum, stops its own database
#                (no-quorum-policy=stop), n2 or n3 is promoted; after the
#                heal n1 rejoins as unpromoted.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "pacemaker partition"
command -v pacemakerd >/dev/null || { skip "pacemaker partition" "no pacemakerd (make deps)"; exit 0; }
lab_fixture_init
STATE=$FIX_STATE
CNF=$STATE/client.cnf

promoted() { fixture_cluster status 2>/dev/null | sed -n 's/.*\* Promoted: \[ n\([0-9]\) \].*/\1/p'; }
h() { fixture_cluster status 2>/dev/null | awk -v n="$1" '$1 == n && $3 ~ /:/ {print $3; exit}' | cut -d: -f1; }

for mode in fencing no-fencing; do
	args=(--flavor async --nodes 3 --manager pacemaker)
	[ "$mode" = no-fencing ] && args+=(--no-fencing)
	out=$(fixture_cluster_up "${args[@]}" 2>&1)
	is "$mode: cluster up exits 0" "$?" 0
	note "$out"
	is "$mode: n1 promoted first" "$(promoted)" 1
	h1=$(h 1)
	rm -f "$STATE/manager-events.log"
	# (the logs stay across a down: only what n1 logs from here counts)
	mark=$(wc -l <"$STATE/n1/manager-log/pacemaker.log")
	t0=$(date +%s.%N)
	check "$mode: partition n1 | n2,n3" fixture_cluster partition 1 2,3
	q=""
	for _ in $(seq 1 120); do
		q=$(promoted)
		[ -n "$q" ] && [ "$q" != 1 ] && break
		sleep 0.5
	done
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	check "$mode: Pacemaker promoted n$q on the quorate side" test -n "$q" -a "$q" != 1
	note "$mode: partition to a new promoted node: $secs s"
	if [ "$mode" = fencing ]; then
		check "fencing: fence_lab power-cut n1" grep -q "fence reboot n1: power cut" "$STATE/manager-events.log"
		check "fencing: crm_mon's fencing history names it" \
			bash -c "$LAB cluster status --name $FIX_NAME --state-dir $STATE | grep -q 'reboot of n1 by n[23].*successful'"
	else
		check "no-fencing: nobody was fenced" test ! -s "$STATE/manager-events.log"
		stopped=""
		for _ in $(seq 1 60); do
			tail -n +"$((mark + 1))" "$STATE/n1/manager-log/pacemaker.log" |
				grep -Eq "Actions: Stop +db:[0-9]+ +\( (Promoted|Unpromoted) n1 \) +due to no quorum" &&
				{ stopped=1; break; }
			sleep 0.5
		done
		check "no-fencing: n1's Pacemaker stopped its own database (no quorum)" test -n "$stopped"
	fi
	ro=$(mariadb --defaults-file="$CNF" -h "$h1" -N -B -e 'SELECT @@read_only' 2>/dev/null)
	check "$mode: n1 is not a writable primary ('$ro')" test "$ro" != 0
	check "$mode: heal" fixture_cluster heal
	back=""
	for _ in $(seq 1 120); do
		fixture_cluster status 2>/dev/null | grep -Eq "Unpromoted: \[.* n1( .*)? \]|Unpromoted n1" && { back=1; break; }
		sleep 1
	done
	check "$mode: n1 rejoined as unpromoted" test -n "$back"
	out=$(fixture_cluster down 2>&1)
	is "$mode: cluster down exits 0" "$?" 0
done
