#!/usr/bin/env bash
# run_scenarios.sh — every shipped scenario that declares `timeout:` of 10
# minutes or less (they take under 5) runs through `lab run` on the local backend and must meet
# its expect: (exit 0). Longer ones run in tests/nightly/run_scenarios_long.sh.
# Prints each verdict and duration; the results db and JUnit XML are kept
# in build/test-logs/ for inspection.
. "$(dirname "$0")/../lib/tap.sh"
need_root "lab run scenarios"
. "$(dirname "$0")/run_lib.bash"
run_shipped_scenarios short
