#!/usr/bin/env bash
# report_real_run.sh — the reports of a REAL run: `lab run` of the shipped
# scenario kill-mysqld-under-load on the embedded 3-node Galera cluster,
# twice, with --html; then `lab report RUN --html` opened in headless
# Chromium (screenshot kept as build/test-logs/report_real_run.png), the DOM
# checked against the results database (a fault band per fault step, a point
# per recorded second, no console error), `lab report RUN --history` checked
# against the run's journal (2 lines per transaction), and `lab results
# show/compare` on two real runs. SKIPs while `lab run` is not built.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "real run report"

lab_fixture_init
fixture_plan
tmp=$(fixture_tmp real)
db=$(fixture_db lab)
shot=$LAB_TOP/build/test-logs/report_real_run.png
mkdir -p "$(dirname "$shot")"

scenario=$LAB_TOP/scenarios/kill-mysqld-under-load.yaml
if [ ! -e "$scenario" ]; then
	skip "real run report" "the shipped scenario $scenario is not in this tree"
	exit 0
fi

if "$LAB" validate "$scenario" 2>&1 | grep -q "not built yet"; then
	skip "real run report" "lab run is not built yet in this tree: report_html.sh covers a recorded run"
	exit 0
fi
for i in 1 2; do
	"$LAB" run "$scenario" --name "$FIX_NAME" --db "$db" --html "$tmp/run$i.html" >"$tmp/run$i.log" 2>&1
	rc=$?
	note "lab run #$i exited $rc: $(tail -1 "$tmp/run$i.log")"
	check "lab run #$i recorded a verdict" grep -qE '^(pass|fail|broken) ' "$tmp/run$i.log"
	# run_scenarios leaves this scenario to this test: it must meet its expect: each time
	is "lab run #$i meets the scenario's expect: (exit 0)" "$rc" 0
done
check "lab run --html wrote the report" test -s "$tmp/run1.html"
run=$(sqlite3 "$db" "SELECT min(id) FROM runs")
seconds=$(sqlite3 "$db" "SELECT count(*) FROM workload_seconds WHERE run_id = $run")
faults=$(sqlite3 "$db" "SELECT count(*) FROM steps WHERE run_id = $run AND seq > 0 AND action IN
	('kill','hard-reset','stop','pause','partition','disk-cache','delete-file','revert')")
lat=$(sqlite3 "$db" "SELECT count(*) FROM workload_seconds WHERE run_id = $run AND ok > 0 AND p99_ms IS NOT NULL")
note "run $run: $seconds workload seconds, $faults fault steps"
check "the run recorded at least 15 workload seconds" test "$seconds" -ge 15
is "the run recorded its fault step (kill)" "$faults" 1

"$LAB" report "$run" --db "$db" --html "$tmp/report.html" --history "$tmp/history.edn" >/dev/null
is "lab report --html --history exits 0" "$?" 0
chromium_bin=$(command -v chromium || true)
if [ -z "$chromium_bin" ]; then
	skip "real run report in chromium" "chromium is not installed (make deps installs it)"
else
	browse() { local ud; ud=$(mktemp -d "$tmp/chromium.XXXXXX")
		(cd "$tmp" && HOME=$ud timeout 180 "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic \
			--no-first-run --disable-background-networking --disable-component-update --disable-sync \
			--user-data-dir="$ud" --enable-logging=stderr --v=0 "$@" "file://$tmp/report.html"); }
	browse --hide-scrollbars --window-size=1400,1000 --screenshot="$shot" >"$tmp/shot.out" 2>"$tmp/shot.log"
	check "screenshot of the real run's report" test -s "$shot"
	note "screenshot: $shot"
	browse --dump-dom >"$tmp/dom.html" 2>"$tmp/dom.log"
	svg_count() { awk -v id="$1" 'BEGIN { RS = "<svg " } $0 ~ "^id=\"" id "\"" { print }' "$tmp/dom.html" | grep -o "$2" | wc -l; }
	is "a fault band per fault step" "$(svg_count rate-chart 'class="fault-band"')" "$faults"
	is "a labelled band per fault step" "$(svg_count rate-chart 'class="fault-label"')" "$faults"
	is "an ok point per recorded second" "$(svg_count rate-chart 'class="point ok"')" "$seconds"
	is "a p99 point per second with ok > 0" "$(svg_count latency-chart 'class="point p99"')" "$lat"
	check "node states drawn" test "$(svg_count node-chart 'class="state-seg ')" -ge 3
	is "no console errors" "$(grep -Ei 'Uncaught|CONSOLE.*error|Refused to|ERR_' "$tmp/shot.log" "$tmp/dom.log")" ""
fi
journal=$(sqlite3 "$db" "SELECT path FROM artifacts WHERE run_id = $run AND name = 'journal'")
if [ -n "$journal" ] && [ -e "$journal" ]; then
	n_txn=$(grep -vc '^#' "$journal")
	is "history: 2 lines per journal transaction ($n_txn)" "$(wc -l <"$tmp/history.edn")" "$((n_txn * 2))"
	is "history: one invoke per transaction" "$(grep -c ':type :invoke' "$tmp/history.edn")" "$n_txn"
else
	not_ok "the run recorded its journal as an artifact"
fi
"$LAB" results show "$run" --db "$db" >"$tmp/show"
check "results show has the kill step" grep -Eq '^ +[0-9]+  kill +2 .*\[fault\]' "$tmp/show"
check "results show has recovery times" grep -q 'recovery after step [0-9]* kill node 2: first ok' "$tmp/show"
"$LAB" results compare --scenario kill-mysqld-under-load --last 2 --db "$db" >"$tmp/cmp"
rc=$?
check "compare of two real runs exits 0 or 1" test "$rc" -le 1
check "compare of two real runs shows tps by phase" grep -Eq '^  (before|during|after) ' "$tmp/cmp"
sed 's/^/# /' "$tmp/cmp" | head -60
