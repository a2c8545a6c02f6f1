#!/usr/bin/env bash
# fuzz_smoke.sh — the fuzzers as part of `make test`: every seed input and
# every kept crash (tests/fuzz/corpus/NAME, tests/fuzz/regress/NAME) is
# replayed by build/test/replay_NAME, the gcc ASan/UBSan test build; then
# `make fuzz-smoke` runs each libFuzzer harness (clang) for FUZZ_SECONDS
# (12 here; make fuzz-smoke alone: 30, make nightly: 10 minutes) and fails on a new crash, keeping its input in tests/fuzz/regress/.
# No root, no server: scenario loader and journal reader only.
. "$(dirname "$0")/../lib/tap.sh"
cd "$LAB_TOP" || exit 1
names=$(cd tests/fuzz && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
make --no-print-directory $(for n in $names; do echo build/test/replay_$n; done) >/dev/null 2>&1

for n in $names; do
	out=$(build/test/replay_$n "tests/fuzz/corpus/$n" "tests/fuzz/regress/$n" 2>&1)
	rc=$?
	count=$(grep -c '^ok ' <<<"$out")
	if [ "$rc" -eq 0 ]; then
		ok "replay $n: $count seed and regression inputs under ASan/UBSan"
	else
		not_ok "replay $n: an input crashes the ASan build" \
			"$(grep -E '^# |ERROR: |^    #1 ' <<<"$out" | grep -A2 ERROR -B1 | head -3 | tr '\n' ' ')"
	fi
done

if ! command -v "${FUZZ_CC:-clang}" >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
	skip "make fuzz-smoke" "no clang with libFuzzer (apt-get install clang libclang-rt-14-dev)"
	exit 0
fi
FUZZ_SECONDS=${FUZZ_SECONDS:-12}
out=$(make --no-print-directory -j"$(nproc)" fuzz-smoke FUZZ_SECONDS="$FUZZ_SECONDS" 2>&1)
rc=$?
while IFS= read -r line; do note "$line"; done < <(grep -v '^  ' <<<"$out" | grep -v '^ *CC\|^ *LD' ; grep '^    ' <<<"$out")
is "make fuzz-smoke: no crash in ${FUZZ_SECONDS} s per fuzzer" "$rc" 0
