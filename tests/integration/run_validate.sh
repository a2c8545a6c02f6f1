#!/usr/bin/env bash
# run_validate.sh — `lab validate` and `lab run` on malformed scenarios:
# every problem reported as FILE:LINE:COL with a did-you-mean, exit 2, and
# nothing touched (no namespace, no state directory, no results db). The
# shipped scenarios all validate and `lab list` shows each with its purpose.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
lab_fixture_init
tmp=$(fixture_tmp validate)
cd "$tmp" || exit 1

cat >bad.yaml <<'YAML'
name: bad
cluster:
  flavour: galera
  nodes: 3
steps:
  - wait: { for: synched, node: 4, timout: 10s }
  - hardreset: 1
  - sleep: 10 sec
expect:
  durability: pass
YAML
out=$("$LAB" validate bad.yaml 2>&1)
rc=$?
note "$out"
is "validate exits 2 on a bad scenario" "$rc" 2
want=(
	"bad.yaml:3:3: unknown key 'flavour' in 'cluster' (did you mean 'flavor'?)"
	"bad.yaml:6:18: 'for' must be synced, primary, non-primary or down, not 'synched' (did you mean 'synced'?)"
	"bad.yaml:6:33: node 4 is out of range: the cluster has 3 nodes"
	"bad.yaml:6:36: unknown key 'timout' in 'wait' (did you mean 'timeout'?)"
	"bad.yaml:7:5: unknown action 'hardreset' (did you mean 'hard-reset'?)"
	"bad.yaml:8:12: 'duration' must be a duration such as 500ms, 10s or 2m, not '10 sec'"
	"bad.yaml:10:3: expect 'durability' but no check step runs 'durability'"
)
is "exactly ${#want[@]} errors, in file order" "$out" "$(printf '%s\n' "${want[@]}")"

printf 'name: t\ncluster: {nodes: 3\nsteps: []\n' >syntax.yaml
is "a YAML syntax error names its line" "$("$LAB" validate syntax.yaml 2>&1)" \
	"syntax.yaml:3:6: YAML syntax: did not find expected ',' or '}' (while parsing a flow mapping at line 2)"

"$LAB" validate missing.yaml >/dev/null 2>&1
is "a missing file exits 2" "$?" 2

# lab run validates everything first: a bad file among good ones runs nothing.
# Only the namespaces of this cluster name: other people's clusters come and
# go on the shared machine meanwhile.
our_netns() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^lab-$FIX_NAME-" | sort; }
netns_before=$(our_netns)
out=$("$LAB" run "$LAB_TOP/scenarios/kill-mysqld-under-load.yaml" bad.yaml --name "$FIX_NAME" --db "$tmp/lab.db" 2>&1)
rc=$?
is "lab run exits 2 when one file is bad" "$rc" 2
check "lab run says nothing was run" grep -q "nothing was run" <<<"$out"
is "no namespace created" "$(our_netns)" "$netns_before"
check_fails "no state directory for the cluster" test -e "$FIX_RUN_STATE"
check_fails "no results db written" test -e "$tmp/lab.db"

# The shipped scenarios validate, and list shows them.
out=$("$LAB" validate "$LAB_TOP"/scenarios/*.yaml 2>&1)
is "every shipped scenario validates" "$?" 0
note "$out"
list=$("$LAB" list "$LAB_TOP/scenarios")
is "lab list exits 0" "$?" 0
for f in "$LAB_TOP"/scenarios/*.yaml; do
	n=$(basename "$f" .yaml)
	check "lab list shows $n with a purpose" grep -Eq "^$n +[A-Za-z].{20,}" <<<"$list"
done
n_actions=$(grep -c '^	ROW("' "$LAB_TOP/harness/run/actions.c")
check "lab validate --describe lists every action ($n_actions rows of the faults table)" \
	bash -c '"$0" validate --describe | grep -c "^  - " | grep -qx "$1"' "$LAB" "$n_actions"

# `lab cluster up --mysqld` refuses what a scenario's cluster.mysqld refuses,
# before anything is created.
netns_before=$(our_netns)
for opt in datadir=/tmp wsrep-cluster-address=gcomm://10.0.0.1 Port=3306 init-file=/tmp/x wsrep_notify_cmd=/bin/true; do
	out=$("$LAB" cluster up --name "$FIX_NAME" --nodes 1 --mysqld "$opt" 2>&1)
	is "cluster up --mysqld $opt exits 2" "$?" 2
	check "it names the option and why ($opt)" grep -Eq "^lab: --mysqld $opt: '.*' (is set by lab itself|makes the server run a program)" <<<"$out"
done
is "no namespace created by a refused --mysqld" "$(our_netns)" "$netns_before"
check_fails "no state directory for the refused cluster" test -e "$FIX_RUN_STATE"
