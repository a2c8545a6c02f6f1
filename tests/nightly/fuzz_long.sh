#!/usr/bin/env bash
# fuzz_long.sh — the nightly fuzzing: each libFuzzer harness (tests/fuzz/)
# for 10 minutes (FUZZ_SECONDS) from its corpus and what earlier nights
# learned (build/fuzz/corpus-NAME). A crash fails it and keeps the input in
# tests/fuzz/regress/NAME/ for `make test` to replay.
. "$(dirname "$0")/../lib/tap.sh"
cd "$LAB_TOP" || exit 1
if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
	skip "nightly fuzzing" "no clang (apt-get install clang libclang-rt-14-dev)"
	exit 0
fi
secs=${FUZZ_SECONDS:-600}
out=$(make --no-print-directory fuzz-smoke FUZZ_SECONDS="$secs" 2>&1)
rc=$?
while IFS= read -r line; do note "$line"; done < <(grep -E '^fuzz |^    ' <<<"$out")
is "every fuzzer ran $secs s without a crash" "$rc" 0
