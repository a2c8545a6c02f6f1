# tests/lib/shipped-scenarios.sh — the shipped scenarios through `lab run`,
# shared by integration/run_scenarios.sh (short) and the nightly
# run_scenarios_long.sh (sourced, after tap.sh and cluster.sh, once
# lab_fixture_init has run: every scenario runs on the cluster $FIX_NAME).
#
#   run_shipped_scenarios short|long   one TAP line per scenario whose
#                                      timeout: is 10 minutes or less | more
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

run_shipped_scenarios() { # short | long
	local kind=$1 f name t rc start secs ran=0
	for f in "$LAB_TOP"/scenarios/*.yaml; do
		name=$(basename "$f" .yaml)
		t=$(scenario_timeout "$f")
		if [ "$kind" = short ] && [ "$t" -gt 600 ]; then continue; fi
		if [ "$kind" = long ] && [ "$t" -le 600 ]; then continue; fi
		if grep -q "^  flavor: *\(async\|semisync\)" "$f" && ! "$LAB" validate "$f" >/dev/null 2>&1; then
			skip "$name" "does not validate here"
			continue
		fi
		ran=$((ran + 1))
		start=$(date +%s)
		if grep -q '^  - nemesis:' "$f"; then
			# A nemesis scenario expects what a careful DBA expects
			# (everything passes); a time-boxed exploration reports
			# what the database did (exit 1: a finding, with the run to
			# replay) and fails only when lab could not do its job.
			LAB_NO_PROGRESS=1 "$LAB" explore "$f" --time-limit "${LAB_EXPLORE_LIMIT:-20m}" --name "$FIX_NAME" \
				--db "$OUT/lab.db" >"$OUT/$name.log" 2>&1
			rc=$?
			secs=$(( $(date +%s) - start ))
			note "$(grep -E '^(explored|finding in run|  lab results show)' "$OUT/$name.log" | head -4)"
			if [ $rc -le 1 ]; then
				ok "$name explored ($secs s, exit $rc: $([ $rc = 1 ] && echo 'a finding, see above' || echo 'nothing found'))"
			else
				not_ok "$name explored ($secs s, exit $rc)" "$(grep -E 'broken|BROKEN|lab: ' "$OUT/$name.log" | tail -3 | tr '\n' ' ')"
			fi
			"$LAB" cluster down --name "$FIX_NAME" >/dev/null 2>&1
			continue
		fi
		LAB_NO_PROGRESS=1 "$LAB" run "$f" --name "$FIX_NAME" --db "$OUT/lab.db" --junit "$OUT/$name.xml" \
			>"$OUT/$name.log" 2>&1
		rc=$?
		secs=$(( $(date +%s) - start ))
		note "$(grep -E '^(pass|fail|broken|aborted|skip) ' "$OUT/$name.log")"
		if [ $rc -eq 0 ]; then
			ok "$name meets its expect: ($secs s)"
		else
			not_ok "$name meets its expect: ($secs s, exit $rc)" "$(grep -E '^(fail|broken|aborted) |FINDING|BROKEN' "$OUT/$name.log" | head -3 | tr '\n' ' ')"
		fi
		"$LAB" cluster down --name "$FIX_NAME" >/dev/null 2>&1
	done
	[ $ran -gt 0 ] || skip "$kind scenarios" "no shipped scenario has such a timeout:"
}
