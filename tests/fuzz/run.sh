#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS NAME... — run each libFuzzer harness
# build/fuzz/fuzz_NAME for SECONDS from its seed corpus
# (tests/fuzz/corpus/NAME; what it learns goes to build/fuzz/corpus-NAME,
# never into the repository). A crash, a leak, a timeout or an
# out-of-memory fails the run: its input is copied to
# tests/fuzz/regress/NAME/ — commit it there, and build/test/replay_NAME
# (the ASan test build) replays it in `make test` from then on.
# Called by `make fuzz-smoke` (SECONDS 30) and `make nightly` (600).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
secs=$1; shift
rc=0
for name in "$@"; do
	bin=build/fuzz/fuzz_$name
	work=build/fuzz/corpus-$name
	art=build/fuzz/artifacts-$name
	log=build/fuzz/$name.log
	mkdir -p "$work" "$art" "tests/fuzz/regress/$name"
	rm -f "$art"/*
	# One job: the machine is shared. Inputs up to 16 KiB (a scenario is
	# a few KiB); 10 s per input counts as a hang.
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-close_fd_mask=2 -print_final_stats=1 -artifact_prefix="$art/" \
		"$work" "tests/fuzz/corpus/$name" >"$log" 2>&1
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$status" -ne 0 ] || ls "$art" | grep -q .; then
		echo "fuzz $name: FAILED (status $status) after ${runs:-?} inputs; log $log"
		grep -E 'ERROR: |SUMMARY: |^    #[0-4] ' "$log" | head -12 | sed 's/^/    /'
		for f in "$art"/*; do
			[ -e "$f" ] || continue
			cp "$f" "tests/fuzz/regress/$name/"
			echo "    input kept as tests/fuzz/regress/$name/$(basename "$f") (commit it)"
		done
		rc=1
	else
		echo "fuzz $name: ok, ${runs:-?} inputs in $secs s, no crash"
	fi
done
exit $rc
