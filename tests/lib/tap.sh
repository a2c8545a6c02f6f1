# tests/lib/tap.sh — TAP output for lab's integration tests (sourced).
#
#   ok "what"; not_ok "what" "why"; skip "what" "why"
#   check "what" CMD ARGS...     ok if CMD succeeds
#   check_fails "what" CMD...    ok if CMD fails
#   is "what" GOT WANT
# Every script sources this, then tests/lib/cluster.sh, whose
# lab_fixture_init gives it a cluster name, directories and ports of its own
# and one teardown on EXIT; it never kills a process it did not start.
LAB=${LAB:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/test/lab}
LAB_TOP=${LAB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
tap_n=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
not_ok() { tap_n=$((tap_n + 1)); echo "not ok $tap_n - $1${2:+: $2}"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP ${2:-}"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what" "command failed: $*"; fi; }
check_fails() { local what=$1; shift; if "$@"; then not_ok "$what" "command succeeded: $*"; else ok "$what"; fi; }
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi; }
note() { echo "# $*"; }
need_root() { [ "$(id -u)" -eq 0 ] || { skip "$1" "needs root"; exit 0; }; }
