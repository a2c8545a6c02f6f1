# tests/lib/scenario.sh — run one shipped scenario through `lab run` into a
# results database of its own and query what it recorded (sourced, after
# tap.sh).
#
#   scenario_run SCENARIO CLUSTER   run scenarios/SCENARIO.yaml on cluster
#                                   CLUSTER; one TAP line: exit 0 means every
#                                   expect: was met. Sets DB and run (the run
#                                   id); the cluster and DB go at exit.
#   q SQL                           a query against DB
scenario_run() {
	local scenario=$1 start out rc
	SCENARIO_CLUSTER=$2
	SCENARIO_DIR=$(mktemp -d /var/tmp/lab-scenario-test.XXXXXX)
	DB=$SCENARIO_DIR/lab.db
	trap scenario_cleanup EXIT
	"$LAB" cluster down --name "$SCENARIO_CLUSTER" >/dev/null 2>&1
	start=$(date +%s)
	out=$("$LAB" run "$LAB_TOP/scenarios/$scenario.yaml" --name "$SCENARIO_CLUSTER" --db "$DB" 2>&1)
	rc=$?
	# The per-row lines of large findings would drown the log.
	echo "$out" | grep -v -e 'diverged-row' -e 'lost-ok ' -e 'lost-delete ' -e 'phantom ' | sed 's/^/# /'
	is "lab run $scenario meets its expect: (exit 0)" "$rc" 0
	note "took $(($(date +%s) - start)) s"
	run=$(q "SELECT max(id) FROM runs")
}

scenario_cleanup() {
	"$LAB" cluster down --name "$SCENARIO_CLUSTER" >/dev/null 2>&1
	rm -rf "$SCENARIO_DIR"
}

q() { sqlite3 "$DB" "$1"; }
