#!/usr/bin/env bash
# run_scenarios_long.sh — the shipped scenarios whose `timeout:` is over 10
# minutes, each through `lab run`, each must meet
# its expect: (exit 0).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/../lib/shipped-scenarios.sh"
need_root "lab run long scenarios"
lab_fixture_init
run_shipped_scenarios long
