# tests/lib/scenario.sh — run one shipped scenario through `lab run` into a
# results database of its own and query what it recorded (sourced, after
# tap.sh and cluster.sh, once lab_fixture_init has run).
#
#   scenario_run SCENARIO           run scenarios/SCENARIO.yaml on the
#                                   script's cluster ($FIX_NAME); one TAP
#                                   line: exit 0 means every expect: was met.
#                                   Sets DB and run (the run id); the cluster
#                                   and DB go with the fixture's teardown.
#   q SQL                           a query against DB
scenario_run() {
	local scenario=$1 start out rc
	DB=$(fixture_db lab)
	start=$(date +%s)
	out=$("$LAB" run "$LAB_TOP/scenarios/$scenario.yaml" --name "$FIX_NAME" --db "$DB" 2>&1)
	rc=$?
	# The per-row lines of large findings would drown the log.
	echo "$out" | grep -v -e 'diverged-row' -e 'lost-ok ' -e 'lost-delete ' -e 'phantom ' | sed 's/^/# /'
	is "lab run $scenario meets its expect: (exit 0)" "$rc" 0
	note "took $(($(date +%s) - start)) s"
	run=$(q "SELECT max(id) FROM runs")
}

q() { sqlite3 "$DB" "$1"; }
