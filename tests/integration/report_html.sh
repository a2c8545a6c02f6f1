#!/usr/bin/env bash
# report_html.sh — `lab report RUN --html` opened in headless Chromium: a
# screenshot is taken (kept as build/test-logs/report_html.png) and the DOM
# is checked — one fault band per fault step on each chart, one point per
# recorded second, one state segment per node state, the anomalies table
# with its ids — with no console error (a broken page proves the console
# check can fail). Also `lab report RUN --history`: the journal as an EDN
# history, 2 lines per transaction, every invoke completed once.
# The run is a recorded one (report_fixtures/recorded_run.sh), written with
# sqlite3 into a fresh results database.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/report_fixtures/recorded_run.sh"

lab_fixture_init
fixture_plan
tmp=$(fixture_tmp html)
db=$(fixture_db lab)
shot=$LAB_TOP/build/test-logs/report_html.png
mkdir -p "$(dirname "$shot")"
recorded_db "$db" || { not_ok "create fixture database"; exit 1; }
recorded_run "$db" 2 regressed 1795086400

# A journal for the run: 8 clients, 600 transactions, some failed, some unknown.
awk 'BEGIN {
	print "# lab-journal 1 seed=42 started=1795086401"
	printf "1\tload\tok\t10.213.1.1:3306\t1000000\t90000000\t0\t+customer:1-2000 +product:1-200\n"
	for (i = 0; i < 600; i++) {
		c = i % 8; k = int(i / 8); txn = 100 + i
		start = 100000000 + k * 80000000 + c * 7000000; end = start + 3000000 + (i % 13) * 1000000
		kind = (i % 5 == 0) ? "purchase" : (i % 7 == 0) ? "transfer" : "credit"
		outcome = "ok"; err = 0
		if (i % 17 == 3) { outcome = "failed"; err = 1213 }
		if (i % 50 == 7) { outcome = "unknown"; err = 2013 }
		rows = (kind == "purchase") ? "+purchase:" txn " +purchase_item:" txn*10 "-" txn*10+2 " ~customer:" (i % 2000) + 1 : (kind == "transfer") ? "+credit:" txn "-" txn+1 " ~customer:" (i % 2000) + 1 " ~customer:" (i * 7 % 2000) + 1 : "+credit:" txn " ~customer:" (i % 2000) + 1
		if (outcome == "failed") rows = "-"
		printf "%d\t%s\t%s\t10.213.1.%d:3306\t%d\t%d\t%d\t%s\n", txn, kind, outcome, c % 3 + 1, start, end, err, rows
	}
}' >"$tmp/journal"
n_txn=$(grep -vc '^#' "$tmp/journal")
n_unknown=$(awk -F'\t' '$3 == "unknown"' "$tmp/journal" | wc -l)
n_failed=$(awk -F'\t' '$3 == "failed"' "$tmp/journal" | wc -l)
sqlite3 "$db" "INSERT INTO artifacts VALUES (2, 'journal', '$tmp/journal')"

out=$("$LAB" report 2 --db "$db" --html "$tmp/report.html" --history "$tmp/history.edn"); rc=$?
is "report --html --history exits 0" "$rc" 0
check "report says what it wrote" grep -q "wrote $tmp/report.html" <<<"$out"

# --- the page itself: self-contained ---
check "html written" test -s "$tmp/report.html"
check "no external reference (src=, href=, url(, @import)" bash -c '! grep -Eq "(src|href)=|url\(|@import" "$1"' _ "$tmp/report.html"
check "no script in the page" bash -c '! grep -qi "<script" "$1"' _ "$tmp/report.html"
check "the only http: is the SVG namespace" bash -c '[ -z "$(grep -o "https\?://[^\"]*" "$1" | sort -u | grep -v "^http://www.w3.org/2000/svg$")" ]' _ "$tmp/report.html"

# --- in the browser ---
chromium_bin=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium_bin" ]; then
	skip "html report in headless chromium" "chromium is not installed (make deps installs it)"
else
	browse() { # URL OUT_DOM OUT_LOG [--screenshot ...]
		local url=$1 dom=$2 log=$3 ud
		shift 3
		ud=$(mktemp -d "$tmp/chromium.XXXXXX")
		(cd "$tmp" && HOME=$ud timeout 180 "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic \
			--no-first-run --disable-background-networking --disable-component-update --disable-sync \
			--user-data-dir="$ud" --enable-logging=stderr --v=0 "$@" "$url") >"$dom" 2>"$log"
	}
	browse "file://$tmp/report.html" "$tmp/shot.out" "$tmp/shot.log" --hide-scrollbars \
		--window-size=1400,1000 --screenshot="$shot"
	check "screenshot taken" test -s "$shot"
	is "screenshot is a 1400x1000 PNG" "$(file -b "$shot" | grep -o 'PNG image data, 1400 x 1000')" "PNG image data, 1400 x 1000"
	note "screenshot: $shot"
	browse "file://$tmp/report.html" "$tmp/dom.html" "$tmp/dom.log" --dump-dom
	check "DOM dumped" grep -q '<svg id="rate-chart"' "$tmp/dom.html"
	# one chart per block: split the dumped DOM at each <svg
	svg_count() { # CHART_ID PATTERN
		awk -v id="$1" 'BEGIN { RS = "<svg " } $0 ~ "^id=\"" id "\"" { print }' "$tmp/dom.html" | grep -o "$2" | wc -l
	}
	faults=$(sqlite3 "$db" "SELECT count(*) FROM steps WHERE run_id = 2 AND seq > 0 AND action IN ('kill','partition')")
	seconds=$(sqlite3 "$db" "SELECT count(*) FROM workload_seconds WHERE run_id = 2")
	lat=$(sqlite3 "$db" "SELECT count(*) FROM workload_seconds WHERE run_id = 2 AND ok > 0 AND p99_ms IS NOT NULL")
	states=$(sqlite3 "$db" "SELECT count(*) FROM node_states WHERE run_id = 2")
	is "rate chart: one fault band per fault step ($faults)" "$(svg_count rate-chart 'class="fault-band"')" "$faults"
	is "latency chart: $faults fault bands" "$(svg_count latency-chart 'class="fault-band"')" "$faults"
	is "node chart: $faults fault bands" "$(svg_count node-chart 'class="fault-band"')" "$faults"
	is "fault bands labelled with their step" "$(svg_count rate-chart '<text class="fault-label" data-seq="[37]"[^>]*>[37] \(kill n2\|partition n1\)<')" 2
	is "rate chart: one ok point per second ($seconds)" "$(svg_count rate-chart 'class="point ok"')" "$seconds"
	is "rate chart: one failed point per second" "$(svg_count rate-chart 'class="point failed"')" "$seconds"
	is "rate chart: one unknown point per second" "$(svg_count rate-chart 'class="point unknown"')" "$seconds"
	is "latency chart: one p99 point per second with ok > 0 ($lat)" "$(svg_count latency-chart 'class="point p99"')" "$lat"
	is "node chart: one segment per node state ($states)" "$(svg_count node-chart 'class="state-seg ')" "$states"
	is "ok = 0 windows marked (2)" "$(svg_count rate-chart 'class="unavail"')" 2
	is "anomalies table has the 4 anomalies with ids" "$(grep -o '<tr class="anomaly" id="anomaly-[1-4]"><td class="num">[1-4]</td>' "$tmp/dom.html" | wc -l)" 4
	check "verdict shown" grep -q '<span id="verdict" class="verdict verdict-fail">fail</span>' "$tmp/dom.html"
	check "scenario shown" grep -q '<h1 id="scenario">galera-kill-partition' "$tmp/dom.html"
	errors=$(grep -Ei 'Uncaught|CONSOLE.*error|Refused to|Failed to load|ERR_' "$tmp/dom.log" "$tmp/shot.log")
	is "no console errors or blocked loads" "$errors" ""
	# the console check itself: a page with a script error must be caught
	printf '<!DOCTYPE html><html><body><script>no_such_function();</script></body></html>\n' >"$tmp/broken.html"
	browse "file://$tmp/broken.html" "$tmp/broken.dom" "$tmp/broken.log" --dump-dom
	check "console check catches a script error" grep -q 'Uncaught ReferenceError: no_such_function' "$tmp/broken.log"
fi

# --- the history ---
is "history: 2 lines per journal transaction" "$(wc -l <"$tmp/history.edn")" "$((n_txn * 2))"
check "history lines are EDN maps" bash -c '! grep -vqE "^\{:index [0-9]+, :type :(invoke|ok|fail|info), :f :(load|credit|purchase|transfer|new-customer|delete-customer), :value \{:txn [0-9]+, :node \"[^\"]+\", :rows \[[^]]*\]\}, :process [0-9]+, :time [0-9]+(, :error \[:mysql [0-9]+\])?\}$" "$1"' _ "$tmp/history.edn"
paired=$(awk '{ match($0, /:txn [0-9]+/); t = substr($0, RSTART + 5, RLENGTH - 5)
	match($0, /:type :[a-z]+/); ty = substr($0, RSTART + 7, RLENGTH - 7)
	match($0, /:process [0-9]+/); p = substr($0, RSTART + 9, RLENGTH - 9)
	if (ty == "invoke") { if (t in inv || busy[p] != "") bad++; inv[t] = 1; busy[p] = t }
	else { if (!(t in inv) || (t in done) || busy[p] != t) bad++; done[t] = 1; busy[p] = "" }
} END { for (t in inv) if (!(t in done)) bad++; print bad + 0 }' "$tmp/history.edn")
is "every invoke has exactly one completion, after it, on the same process" "$paired" 0
is "unknown outcomes are :info" "$(grep -c ':type :info' "$tmp/history.edn")" "$n_unknown"
is "failed outcomes are :fail with the error" "$(grep -c ':type :fail, .*:error \[:mysql 1213\]' "$tmp/history.edn")" "$n_failed"
is "history is ordered by time" "$(grep -o ':time [0-9]*' "$tmp/history.edn" | awk '{ if ($2 < last) bad++; last = $2 } END { print bad + 0 }')" 0
check "a process is retired after :info (its last line)" bash -c '
	p=$(grep -m1 ":type :info" "$1" | grep -o ":process [0-9]*"); [ -n "$p" ] &&
	grep "$p," "$1" | tail -1 | grep -q ":type :info"' _ "$tmp/history.edn"
"$LAB" report --journal "$tmp/journal" --history "$tmp/h2.edn" >/dev/null
check "--journal without a RUN gives the same history" cmp -s "$tmp/history.edn" "$tmp/h2.edn"

# --- the JUnit report through the same verb (report_junit is results/junit.c) ---
"$LAB" report 2 --db "$db" --junit "$tmp/junit.xml" >/dev/null
is "report --junit exits 0" "$?" 0
check "junit: the run is a failed testcase" grep -q '<testsuites name="lab" tests="1" failures="1"' "$tmp/junit.xml"

# --- bad input: exit 2, nothing written ---
"$LAB" report 7 --db "$db" --html "$tmp/no.html" >/dev/null 2>&1; is "unknown run exits 2" "$?" 2
check "nothing written for an unknown run" test ! -e "$tmp/no.html"
err=$("$LAB" report 2 --db "$db" --html "$tmp/no2.html" --history "$tmp/no.edn" --journal "$tmp/nojournal" 2>&1 >/dev/null); rc=$?
is "missing journal exits 2" "$rc" 2
is "missing journal is named" "$err" "lab: journal '$tmp/nojournal' does not exist"
check "nothing written when the journal is missing" test ! -e "$tmp/no2.html" -a ! -e "$tmp/no.edn"
"$LAB" report 2 --db "$db" >/dev/null 2>&1; is "no output option exits 2" "$?" 2

# --- a failover manager's events (schema 5): results show and the page ---
# Recorded as the runner records them: Pacemaker's acts on each node and
# lab's failover measure (kill of node 2 at +11: n2's database failed at
# +13, n1 promoted at +18, the first ok write on node 1 at +19.4).
sqlite3 "$db" "INSERT INTO manager_events (run_id, t, node, kind, result, seconds, detail) VALUES
	(2, 1795086413.0, 2, 'failed', 'not running', NULL, 'Result of monitor operation for db on n2: not running'),
	(2, 1795086418.0, 1, 'promote', 'ok', NULL, 'Result of promote operation for db on n1: ok'),
	(2, 1795086419.4, 1, 'failover', 'ok', 8.4, 'kill node 2 (step 3): node 1 promoted after 7.0 s, first ok write on node 1 after 8.4 s')"
show=$("$LAB" results show 2 --db "$db")
check "results show lists the manager's events" bash -c 'grep -Eq "^ +\+ *13\.0s +node 2 +failed +not running$" <<<"$1" && grep -Eq "^ +\+ *18\.0s +node 1 +promote +ok$" <<<"$1"' _ "$show"
check "results show gives the failover time" grep -q "^failover time: 8.4 s — kill node 2 (step 3): node 1 promoted after 7.0 s" <<<"$show"
"$LAB" report 2 --db "$db" --html "$tmp/mgr.html" >/dev/null
check "the page marks each manager event on its node's lane" \
	bash -c '[ "$(grep -o "<path class=\"mgr-event [a-z]*\" data-kind=\"[a-z]*\" data-node=\"[0-9]\"" "$1" | sort | tr "\n" " ")" = "<path class=\"mgr-event failed\" data-kind=\"failed\" data-node=\"2\" <path class=\"mgr-event promote\" data-kind=\"promote\" data-node=\"1\" " ]' _ "$tmp/mgr.html"
check "the page has the manager's table and the failover time" \
	bash -c 'grep -q "<table id=\"manager-table\">" "$1" && grep -q "failover time: 8.4 s</b>" "$1"' _ "$tmp/mgr.html"
