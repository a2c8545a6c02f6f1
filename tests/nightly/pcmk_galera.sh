#!/usr/bin/env bash
# pcmk_galera.sh — Galera under Pacemaker (ocf:heartbeat:galera), the
# shipped scenario pcmk-galera-power-loss through `lab run`: every node
# loses power at once under load; the machines boot and Pacemaker's galera
# agent alone brings the cluster back. Checks, from the run's results and
# the nodes' own logs (the run keeps the cluster for that, then it is
# taken down):
#   - the run meets the scenario's expectations (nothing acknowledged lost);
#   - the agent bootstrapped the node whose recovered seqno was the highest
#     ("Last commit version found" of each node, logged after the cut);
#   - the other nodes joined with the history kept: IST or nothing to
#     transfer, no full SST (a node started without its recovered position
#     begins a new history, and the others then need a full SST);
#   - the manager's events are in the results (a bootstrap, a promote of
#     every node after the cut) and a failover time, from the power cut to
#     the first ok write on the node the agent bootstrapped.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "pacemaker galera"
command -v pacemakerd >/dev/null || { skip "pacemaker galera" "no pacemakerd (make deps)"; exit 0; }
lab_fixture_init
db=$(fixture_db)
STATE=$FIX_RUN_STATE

out=$(LAB_NO_PROGRESS=1 "$LAB" run "$LAB_TOP/scenarios/pcmk-galera-power-loss.yaml" --name "$FIX_NAME" --db "$db" --keep 2>&1)
rc=$?
note "$(grep -E '^(lab: (failover|pacemaker|node . (booted|power))|pass|fail|broken)' <<<"$out")"
is "lab run pcmk-galera-power-loss meets its expect: (exit 0)" "$rc" 0
run=$(sqlite3 "$db" "SELECT max(id) FROM runs")
t_cut=$(sqlite3 "$db" "SELECT started_at FROM steps WHERE run_id = $run AND action = 'hard-reset'")
check "the power cut was one cut of the three nodes" \
	bash -c 'sqlite3 "$1" "SELECT detail FROM steps WHERE run_id = $2 AND action = '"'hard-reset'"'" | grep -q "^3 nodes frozen within"' _ "$db" "$run"

# What each node's agent found after the cut, and whom it bootstrapped.
logs=("$STATE"/n*/manager-log/pacemaker.log)
# The first recovery after the cut is the one the bootstrap choice was made
# from; a later one (the agent restarting a node after the rejoin) is noted.
found=$(for n in 1 2 3; do
	awk -v t="$(date -d "@${t_cut%.*}" '+%H:%M:%S')" '$3 >= t && /Last commit version found:/ && v == "" { v = $NF } END { print v }' \
		"$STATE/n$n/manager-log/pacemaker.log" | sed "s/^/$n /"
done)
for n in 1 2 3; do
	later=$(awk -v t="$(date -d "@${t_cut%.*}" '+%H:%M:%S')" '$3 >= t && /Last commit version found:/ { k++; if (k > 1) printf "%s at %s; ", $NF, $3 }' \
		"$STATE/n$n/manager-log/pacemaker.log")
	if [ -n "$later" ]; then note "node $n recovered again after the bootstrap: $later"; fi
done
note "manager events after the cut: $(sqlite3 "$db" "SELECT printf('%.1f', t - $t_cut) || 's ' || kind || ' n' || node || ' ' || coalesce(result, '') FROM manager_events WHERE run_id = $run AND t >= $t_cut ORDER BY t" | tr '\n' ';')"
note "recovered seqnos after the cut (node seqno): $(tr '\n' ' ' <<<"$found")"
boot=$(sqlite3 "$db" "SELECT node FROM manager_events WHERE run_id = $run AND kind = 'bootstrap' AND t >= $t_cut ORDER BY t LIMIT 1")
best=$(sort -k2,2n <<<"$found" | tail -1 | cut -d' ' -f2)
check "each node reported its last committed seqno after the cut" bash -c '[ "$(grep -c "^[123] [0-9][0-9]*$" <<<"$1")" = 3 ]' _ "$found"
check "the agent bootstrapped a node with the highest seqno ($best): node $boot" \
	bash -c 'grep -q "^$2 $3$" <<<"$1"' _ "$found" "$boot" "$best"
for n in 1 2 3; do
	[ "$n" = "$boot" ] && continue
	# error.log times are "2026-12-05  3:30:42": compared as seconds of the day
	after=$(awk -v t="$(date -d "@${t_cut%.*}" '+%H:%M:%S')" 'BEGIN { split(t, c, ":"); cut = c[1] * 3600 + c[2] * 60 + c[3] }
		{ if (split($2, a, ":") == 3 && a[1] * 3600 + a[2] * 60 + a[3] >= cut) print }' "$STATE/n$n/error.log")
	check "node $n rejoined without a full SST (history kept)" \
		bash -c '! grep -q "SST completed on joiner\|Bootstrapping a new cluster" <<<"$1"' _ "$after"
done
is "a promote of every node after the cut is in the results" \
	"$(sqlite3 "$db" "SELECT count(DISTINCT node) FROM manager_events WHERE run_id = $run AND kind = 'promote' AND result = 'ok' AND t >= $t_cut")" 3
fo=$(sqlite3 "$db" "SELECT node || ' ' || printf('%.1f', seconds) FROM manager_events WHERE run_id = $run AND kind = 'failover'")
note "failover: $fo"
# the machines boot, the agent recovers every seqno, then bootstraps: not
# under a second (a write that ended before the cut reached the node is
# not the service back)
check "a failover time from the cut to the first ok write on the bootstrapped node (over 1 s)" \
	bash -c '[[ "$1" =~ ^$2\ ([0-9]+\.[0-9])$ ]] && awk -v s="${BASH_REMATCH[1]}" "BEGIN { exit !(s >= 1) }"' _ "$fo" "$boot"
show=$("$LAB" results show "$run" --db "$db")
check "results show gives it" grep -q "^failover time: [0-9.]* s — hard-reset node all (step 3): node $boot promoted" <<<"$show"
"$LAB" cluster down --name "$FIX_NAME" >/dev/null 2>&1
