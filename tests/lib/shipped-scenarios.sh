# tests/lib/shipped-scenarios.sh — the shipped scenarios through `lab run`,
# shared by integration/run_scenarios.sh (short) and the nightly
# run_scenarios_long.sh (sourced, after tap.sh and cluster.sh, once
# lab_fixture_init has run).
#
#   run_shipped_scenarios short|long   one TAP line per scenario whose
#                                      timeout: is 10 minutes or less | more
#
# SCENARIO_LANES=K runs K scenarios at once (default 1), each lane on its
# own cluster: lane 1 is $FIX_NAME, lane K is $FIX_NAME-K. A lane takes the
# next scenario of the list when it is free (those with the most steps are
# listed first). The TAP lines come out in the list's order once every lane
# is done. Two lanes take 4 min instead of 7.7 here. In the one run with two
# lanes, galera-coordinated-crash lost no acknowledged commit (its
# expectation assumes commits in flight at the kill, which a machine busy
# with two clusters did not have), and ist-after-crash said "caught up by
# none" — a race in lab's start step (a joiner answers SQL before its IST
# begins), since fixed. make test keeps one lane.
# The results database, each scenario's output and JUnit XML are kept in
# build/test-logs/run_scenarios/ ($OUT) for inspection.
OUT=$LAB_TOP/build/test-logs/run_scenarios
mkdir -p "$OUT"

# timeout: of a scenario in seconds (default 30m).
scenario_timeout() {
	local t
	t=$(awk '/^timeout:/ { print $2 }' "$1")
	case "$t" in
		"") echo 1800 ;;
		*ms) echo 1 ;;
		*s) echo "${t%s}" ;;
		*m) echo $(( ${t%m} * 60 )) ;;
		*h) echo $(( ${t%h} * 3600 )) ;;
		*) echo "$t" ;;
	esac
}

# shipped_run FILE CLUSTER: runs one scenario on CLUSTER; writes
# "$OUT/NAME.rc" (exit status and seconds) and "$OUT/NAME.log".
shipped_run() {
	local f=$1 cluster=$2 name rc start
	name=$(basename "$f" .yaml)
	start=$(date +%s)
	if grep -q '^  - nemesis:' "$f"; then
		# A nemesis scenario expects what a careful DBA expects
		# (everything passes); a time-boxed exploration reports what the
		# database did (exit 1: a finding, with the run to replay) and
		# fails only when lab could not do its job.
		LAB_NO_PROGRESS=1 "$LAB" explore "$f" --time-limit "${LAB_EXPLORE_LIMIT:-20m}" --name "$cluster" \
			--db "$OUT/lab.db" >"$OUT/$name.log" 2>&1 &
	else
		LAB_NO_PROGRESS=1 "$LAB" run "$f" --name "$cluster" --db "$OUT/lab.db" --junit "$OUT/$name.xml" \
			>"$OUT/$name.log" 2>&1 &
	fi
	SHIPPED_CHILD=$!
	wait "$SHIPPED_CHILD"
	rc=$?
	echo "$rc $(( $(date +%s) - start )) $cluster" >"$OUT/$name.rc"
	"$LAB" cluster down --name "$cluster" >/dev/null 2>&1
}

# shipped_report FILE: the TAP line of a scenario shipped_run ran.
shipped_report() {
	local f=$1 name rc secs cluster
	name=$(basename "$f" .yaml)
	if ! read -r rc secs cluster <"$OUT/$name.rc"; then
		not_ok "$name ran" "no result: its lane died"
		return
	fi
	if grep -q '^  - nemesis:' "$f"; then
		note "$(grep -E '^(explored|finding in run|  lab results show)' "$OUT/$name.log" | head -4)"
		if [ "$rc" -le 1 ]; then
			ok "$name explored ($secs s, exit $rc: $([ "$rc" = 1 ] && echo 'a finding, see above' || echo 'nothing found'))"
		else
			not_ok "$name explored ($secs s, exit $rc)" "$(grep -E 'broken|BROKEN|lab: ' "$OUT/$name.log" | tail -3 | tr '\n' ' ')"
		fi
		return
	fi
	note "$(grep -E '^(pass|fail|broken|aborted|skip) ' "$OUT/$name.log") [cluster $cluster]"
	if [ "$rc" -eq 0 ]; then
		ok "$name meets its expect: ($secs s)"
	else
		not_ok "$name meets its expect: ($secs s, exit $rc)" "$(grep -E '^(fail|broken|aborted) |FINDING|BROKEN' "$OUT/$name.log" | head -3 | tr '\n' ' ')"
	fi
}

# shipped_lane CLUSTER LIST: takes the next line of LIST (a file of scenario
# paths) under a lock until none is left, running each on CLUSTER.
shipped_lane() {
	local cluster=$1 list=$2 f
	# Stopped (the script's teardown sends TERM): lab is interrupted as by
	# Ctrl-C, so that it undoes its faults and takes its cluster down.
	trap 'kill -INT "$SHIPPED_CHILD" 2>/dev/null; wait "$SHIPPED_CHILD"; exit 143' TERM
	while :; do
		f=$(flock "$list.lock" bash -c 'f=$(head -n 1 "$1"); sed -i 1d "$1"; echo "$f"' _ "$list")
		[ -n "$f" ] || break
		shipped_run "$f" "$cluster"
	done
}

run_shipped_scenarios() { # short | long
	local kind=$1 f name t ran=() lanes lane pids=() queue
	for f in "$LAB_TOP"/scenarios/*.yaml; do
		name=$(basename "$f" .yaml)
		t=$(scenario_timeout "$f")
		if [ "$kind" = short ] && [ "$t" -gt 600 ]; then continue; fi
		if [ "$kind" = long ] && [ "$t" -le 600 ]; then continue; fi
		# report_real_run.sh runs it twice, each time to its expect:
		if [ "$kind" = short ] && [ "$name" = kill-mysqld-under-load ]; then continue; fi
		if grep -q "^  flavor: *\(async\|semisync\)" "$f" && ! "$LAB" validate "$f" >/dev/null 2>&1; then
			skip "$name" "does not validate here"
			continue
		fi
		rm -f "$OUT/$name.rc"
		ran+=("$f")
	done
	[ ${#ran[@]} -gt 0 ] || { skip "$kind scenarios" "no shipped scenario has such a timeout:"; return; }
	lanes=${SCENARIO_LANES:-1}
	# The queue: most steps first (the longest runs), then by name.
	queue=$(fixture_tmp lanes)/queue
	for f in "${ran[@]}"; do
		printf '%s\t%s\n' "$(grep -c '^  - ' "$f")" "$f"
	done | sort -t "$(printf '\t')" -k1,1nr -k2,2 | cut -f2 >"$queue"
	for lane in $(seq 1 "$lanes"); do
		local cluster=$FIX_NAME
		if [ "$lane" -gt 1 ]; then
			cluster=$FIX_NAME-$lane
			fixture_add_cluster "$cluster"
		fi
		shipped_lane "$cluster" "$queue" &
		pids+=($!)
		fixture_pid $!
	done
	wait "${pids[@]}"
	for f in "${ran[@]}"; do
		shipped_report "$f"
	done
}
