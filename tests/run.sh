#!/usr/bin/env bash
# tests/run.sh — runs lab's tests and ends with "N passed, N failed, N skipped".
#
#   tests/run.sh UNIT_BINARY...            unit tests, then tests/integration/*.sh
#   tests/run.sh --unit-only UNIT_BINARY...
#   tests/run.sh --nightly                 tests/nightly/*.sh
#   LAB_TESTS="cluster workload" tests/run.sh ...   only integration tests whose
#                                          file name contains one of the words
#
# Unit tests are cmocka binaries (TAP output). Integration tests are scripts
# that print TAP lines through tests/lib/tap.sh: "ok - what", "not ok - what",
# "ok - what # SKIP why", numbered ("ok 3 - what"): only numbered lines are
# counted, so a tool's own "ok ..." on stdout is not taken for a test. A
# script that exits non-zero without printing a "not ok" counts as one
# failure. Each script's full output is kept in
# build/test-logs/NAME.log.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mode=all
case "${1:-}" in
	--unit-only) mode=unit; shift ;;
	--nightly) mode=nightly; shift ;;
esac
export LAB="$top/build/test/lab"      # the ASan/UBSan build
export LAB_REL="$top/lab"             # the optimised build (benchmarks)
export LAB_TOP="$top"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
logs="$top/build/test-logs"
mkdir -p "$logs"
passed=0 failed=0 skipped=0
failures=()

count_tap() { # name logfile rc
	local name=$1 log=$2 rc=$3 p f s
	p=$(grep -Ec '^ok [0-9]+( |$)' "$log" | tr -d ' ')
	s=$(grep -Ec '^ok [0-9]+ .*# *SKIP' "$log" | tr -d ' ')
	f=$(grep -Ec '^not ok [0-9]+( |$)' "$log" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	[ "$f" -gt 0 ] && failures+=("$name (see build/test-logs/$name.log)")
	printf '%-40s %3d passed %3d failed %3d skipped\n' "$name" "$p" "$f" "$s"
	if [ "$f" -gt 0 ]; then grep -E '^not ok [0-9]+( |$)' "$log" | head -20 | sed 's/^/    /'; fi
	grep -E '^ok [0-9]+ .*# *SKIP' "$log" | head -5 | sed 's/^/    /'
}

if [ "$mode" != nightly ]; then
	for bin in "$@"; do
		name=$(basename "$bin")
		log="$logs/$name.log"
		CMOCKA_MESSAGE_OUTPUT=TAP "$bin" >"$log" 2>&1
		count_tap "$name" "$log" $?
	done
fi

if [ "$mode" = all ]; then
	dir=tests/integration
elif [ "$mode" = nightly ]; then
	dir=tests/nightly
else
	dir=
fi
if [ -n "$dir" ]; then
	for t in "$dir"/*.sh; do
		[ -e "$t" ] || continue
		name=$(basename "$t" .sh)
		if [ -n "${LAB_TESTS:-}" ]; then
			want=0
			for w in $LAB_TESTS; do case "$name" in *"$w"*) want=1 ;; esac; done
			[ $want = 1 ] || continue
		fi
		log="$logs/$name.log"
		start=$(date +%s)
		bash "$t" >"$log" 2>&1
		rc=$?
		count_tap "$name" "$log" $rc
		echo "    ($(( $(date +%s) - start )) s)"
	done
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"
	for f in "${failures[@]}"; do echo "  $f"; done
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
