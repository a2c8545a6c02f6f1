#!/usr/bin/env bash
# plan_shard.sh — a nightly plan split over two CI runners, for real:
#  - a plan of 3 scenarios x 2 cache modes x 2 option sets lists 12 runs
#    in --dry-run; --shard 1/2 and 2/2 are disjoint halves whose union is
#    the 12; a bad K/N, an axis value a scenario cannot take, and -j on a
#    machine without the memory for it are refused (exit 2, one line,
#    nothing run);
#  - two shards of a small plan run for real (1-node async clusters, a
#    2 s load each) with -j 2 into two databases: each run on its own
#    cluster NAME-1 / NAME-2, the plan's exit code is its worst run's, its
#    JUnit has one testcase per run named by the axis values;
#  - lab results merge joins the two shard databases and a recorded older
#    one without duplicating a run (a second merge adds nothing), refuses
#    an unreadable input leaving the result untouched, and lab results
#    trend shows the nights in text and HTML.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/report_fixtures/recorded_run.sh"
need_root "lab run --plan"
lab_fixture_init
fixture_plan
NAME=$FIX_NAME
fixture_add_cluster "$NAME-1"
fixture_add_cluster "$NAME-2"
tmp=$(fixture_tmp plan)
export LAB_NO_PROGRESS=1

# ---- the 12-run plan (dry run only) ---------------------------------------
mkdir -p "$tmp/sc"
for s in alpha beta gamma; do
	cat >"$tmp/sc/$s.yaml" <<YAML
name: plan-$s
description: A scenario of the dry-run plan.
cluster: { flavor: galera, nodes: 3 }
steps:
  - kill: { node: 2 }
  - start: { node: 2 }
YAML
done
cat >"$tmp/nightly.yaml" <<'YAML'
name: nightly
scenarios: ['sc/*.yaml']
matrix:
  cache_mode: [none, unsafe]
  mysqld:
    durable: { innodb_flush_log_at_trx_commit: 1, sync_binlog: 1 }
    relaxed: { innodb_flush_log_at_trx_commit: 2, sync_binlog: 0 }
YAML
all=$("$LAB" run --plan "$tmp/nightly.yaml" --dry-run); rc=$?
is "--dry-run exits 0" "$rc" 0
is "3 scenarios x 2 cache modes x 2 option sets: 12 runs" "$(wc -l <<<"$all")" 12
check "a run line: number, scenario, file, axis values" \
	grep -Eq "^   1  plan-alpha +$tmp/sc/alpha.yaml +cache_mode=none mysqld=durable$" <<<"$all"
is "every combination once" "$(awk '{print $2, $4, $5}' <<<"$all" | sort -u | wc -l)" 12
s1=$("$LAB" run --plan "$tmp/nightly.yaml" --dry-run --shard 1/2)
s2=$("$LAB" run --plan "$tmp/nightly.yaml" --dry-run --shard 2/2)
is "shard 1/2 has 6 runs" "$(wc -l <<<"$s1")" 6
is "shard 2/2 has 6 runs" "$(wc -l <<<"$s2")" 6
is "the shards are disjoint" "$(sort <(echo "$s1") <(echo "$s2") | uniq -d | wc -l)" 0
is "their union is the plan" "$(sort <(echo "$s1") <(echo "$s2"))" "$(sort <<<"$all")"
is "each shard has both option sets" "$(grep -c durable <<<"$s1") $(grep -c relaxed <<<"$s1")" "3 3"
is "the same shard twice is the same runs" "$("$LAB" run --plan "$tmp/nightly.yaml" --dry-run --shard 1/2)" "$s1"
for bad in 3/2 0/2 1/0 half 1/2/3; do
	err=$("$LAB" run --plan "$tmp/nightly.yaml" --dry-run --shard "$bad" 2>&1 >/dev/null); rc=$?
	is "--shard $bad exits 2 with one line" "$rc $(wc -l <<<"$err")" "2 1"
done

# ---- refused before anything runs ------------------------------------------
cat >"$tmp/sc-boot.yaml" <<'YAML'
name: plan-boot
cluster: { flavor: galera, nodes: 3 }
steps:
  - kill: { node: all }
  - bootstrap: { node: 1 }
YAML
cat >"$tmp/flavors.yaml" <<'YAML'
name: flavors
scenarios: [sc-boot.yaml]
matrix:
  flavor: [galera, async]
YAML
err=$("$LAB" run --plan "$tmp/flavors.yaml" --db "$tmp/none.db" 2>&1); rc=$?
is "an axis value the scenario cannot take exits 2" "$rc" 2
is "it is named at its place in the plan, with the scenario's own error" "$(head -1 <<<"$err")" \
	"$tmp/flavors.yaml:4:20: matrix.flavor 'async' cannot run scenario $tmp/sc-boot.yaml: $tmp/sc-boot.yaml:5:5: 'bootstrap' needs a cluster of flavor galera, this one is async"
check "nothing was run (no database made)" test ! -e "$tmp/none.db"
err2=$("$LAB" validate --plan "$tmp/flavors.yaml" 2>&1 >/dev/null); rc=$?
is "lab validate --plan says the same, exit 2" "$rc $(head -1 <<<"$err2")" "2 $(head -1 <<<"$err")"
out=$("$LAB" validate --plan "$tmp/nightly.yaml"); rc=$?
is "lab validate --plan on a good plan" "$rc $out" "0 $tmp/nightly.yaml: ok (nightly, 12 runs)"
err=$(LAB_NODE_MEMORY_MIB=1000000 "$LAB" run --plan "$tmp/nightly.yaml" -j 4 --db "$tmp/none.db" 2>&1); rc=$?
is "-j without the memory for it exits 2" "$rc" 2
is "with one line" "$(wc -l <<<"$err")" 1
check "saying what it needs and what there is" grep -Eq '^lab: -j 4 needs about [0-9]+ MiB \(12 nodes at once, 1000000 MiB each\) but [0-9]+ MiB are available: use a smaller -j$' <<<"$err"
check "nothing was run (no database made)" test ! -e "$tmp/none.db"

# ---- two shards for real, -j 2 each ----------------------------------------
mkdir -p "$tmp/real"
cat >"$tmp/real/small.yaml" <<'YAML'
name: plan-small
description: One node under a short load, checked.
timeout: 3m
cluster: { flavor: async, nodes: 1 }
workload: { threads: 2, customers: 50, products: 10 }
steps:
  - workload: start
  - sleep: 2s
  - workload: stop
  - check: [invariants, durability]
YAML
# The same, but expecting durability to fail: it passes, so the run is a
# finding (verdict fail), and the plan's exit code is 1.
sed -e 's/^name: plan-small/name: plan-small-expect/' -e '$a expect: { durability: fail }' \
	"$tmp/real/small.yaml" >"$tmp/real/small-expect.yaml"
cat >"$tmp/real.yaml" <<'YAML'
name: real
scenarios: [real/small.yaml, real/small-expect.yaml]
matrix:
  cache_mode: [unsafe]
  mysqld:
    durable: { innodb_flush_log_at_trx_commit: 1 }
    relaxed: { innodb_flush_log_at_trx_commit: 2 }
YAML
t0=$(date +%s)
# each shard in a directory of its own, as on two runners (the journals
# go to runs/RUN/ beside the database)
for k in 1 2; do
	mkdir -p "$tmp/s$k"
	"$LAB" run --plan "$tmp/real.yaml" --shard "$k/2" -j 2 --name "$NAME" --db "$tmp/s$k/shard$k.db" \
		--junit "$tmp/shard$k.xml" --html "$tmp/shard$k.html" >"$tmp/out$k" 2>"$tmp/err$k"
	echo $? >"$tmp/rc$k"
	ln -s "s$k/shard$k.db" "$tmp/shard$k.db"
done
note "two shards in $(( $(date +%s) - t0 )) s"
sed 's/^/# /' "$tmp/out1" "$tmp/out2" | grep -v '^#    '
for k in 1 2; do
	is "shard $k/2: exit 1, its worst run is a finding" "$(cat "$tmp/rc$k")" 1
	is "shard $k/2: two runs recorded" "$(sqlite3 "$tmp/shard$k.db" 'SELECT count(*) FROM runs')" 2
	is "shard $k/2: one pass, one fail" "$(sqlite3 "$tmp/shard$k.db" 'SELECT group_concat(verdict) FROM (SELECT verdict FROM runs ORDER BY verdict)')" "fail,pass"
	check "shard $k/2: the runs were on clusters $NAME-1 and $NAME-2 at once" \
		bash -c "grep -q \"cluster '$NAME-1'\" '$tmp/err$k' && grep -q \"cluster '$NAME-2'\" '$tmp/err$k'"
	is "shard $k/2: JUnit has one testcase per run" "$(grep -c '<testcase ' "$tmp/shard$k.xml")" 2
	is "shard $k/2: one HTML page per run" "$(ls "$tmp"/shard$k-*.html | wc -l)" 2
done
is "the plan's cache mode and option set are what the runs used" \
	"$(sqlite3 "$tmp/shard1.db" "SELECT cache_mode || ' ' || trim(mysqld_options) FROM runs WHERE label = 'cache_mode=unsafe mysqld=relaxed'")" \
	"unsafe innodb_flush_log_at_trx_commit=2"
check "JUnit names a run by its axis values" \
	grep -q 'name="plan-small \[cache_mode=unsafe mysqld=durable\]"' "$tmp/shard1.xml"
check "the failing run is a JUnit failure" grep -q '<failure' "$tmp/shard1.xml"
check "every run has a uuid" test "$(sqlite3 "$tmp/shard1.db" 'SELECT count(DISTINCT uuid) FROM runs WHERE length(uuid) = 36')" = 2
check "no namespace of the plan's clusters is left" \
	bash -c "! ip netns list | grep -qE '^lab-$NAME-[12]-'"

# ---- merge and trend ---------------------------------------------------------
old=$tmp/old.db
recorded_db "$old" && recorded_run "$old" 1 base 1795000000 && recorded_run "$old" 2 regressed 1795086400
all_db=$tmp/all.db
out=$("$LAB" results merge "$tmp/shard1.db" "$tmp/shard2.db" "$old" --into "$all_db"); rc=$?
is "merge exits 0" "$rc" 0
is "merge says what it did" "$out" "merged 3 databases into $all_db: 6 runs added, 0 already there, 0 kept"
is "the merged database has every run once" "$(sqlite3 "$all_db" 'SELECT count(*), count(DISTINCT uuid) FROM runs')" "6|6"
is "steps came along with their runs" "$(sqlite3 "$all_db" 'SELECT count(*) FROM steps')" \
	"$(( $(sqlite3 "$tmp/shard1.db" 'SELECT count(*) FROM steps') + $(sqlite3 "$tmp/shard2.db" 'SELECT count(*) FROM steps') + $(sqlite3 "$old" 'SELECT count(*) FROM steps') ))"
is "so did the per-second figures" "$(sqlite3 "$all_db" "SELECT count(*) FROM workload_seconds w JOIN runs r ON r.id = w.run_id WHERE r.scenario = 'galera-kill-partition'")" 120
is "the result is a current lab database" "$(sqlite3 "$all_db" 'PRAGMA user_version'; sqlite3 "$all_db" 'PRAGMA integrity_check')" "$(printf '5\nok')"
out=$("$LAB" results merge "$tmp/shard2.db" "$tmp/shard1.db" --into "$all_db"); rc=$?
is "merging the same shards again adds nothing" "$rc $out" "0 merged 3 databases into $all_db: 0 runs added, 4 already there, 6 kept"
is "still 6 runs" "$(sqlite3 "$all_db" 'SELECT count(*) FROM runs')" 6
sum=$(md5sum <"$all_db")
echo "not a database" >"$tmp/junk.db"
err=$("$LAB" results merge "$tmp/shard1.db" "$tmp/junk.db" --into "$all_db" 2>&1); rc=$?
is "an unreadable input exits 2" "$rc" 2
is "with one line naming it" "$err" "lab: cannot merge '$tmp/junk.db': not a lab results database (file is not a database)"
err=$("$LAB" results merge "$tmp/shard1.db" "$tmp/gone.db" --into "$all_db" 2>&1); rc=$?
is "a missing input exits 2" "$rc $err" "2 lab: cannot merge '$tmp/gone.db': No such file or directory"
is "the result is untouched" "$(md5sum <"$all_db")" "$sum"
is "no temporary file is left" "$(ls "$tmp" | grep -c '\.tmp\.')" 0

out=$("$LAB" results trend --db "$all_db" --html "$tmp/trend.html"); rc=$?
echo "$out" | sed 's/^/# /'
is "trend exits 0" "$rc" 0
today=$(sqlite3 "$all_db" "SELECT strftime('%Y-%m-%d', max(started_at) - 43200, 'unixepoch') FROM runs")
check "trend covers the recorded nights and tonight" grep -q "^trend: 3 nights (2026-11-17 .. $today), 5 series" <<<"$out"
check "the recorded scenario's regression night" grep -Eq '^  2026-11-18 +1  fail +3 +7 ' <<<"$out"
check "a plan series by its axes" grep -q '^plan-small \[cache_mode=unsafe mysqld=relaxed\]$' <<<"$out"
check "tonight's run of it passed with figures" grep -Eq "^  $today +1  pass +0 +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9]+$" <<<"$out"
is "HTML: one verdict row per series" "$(grep -o '<tr><td>' "$tmp/trend.html" | wc -l)" 5
is "HTML: one column per night" "$(grep -o '<table id="trend-verdicts"><tr><th>scenario</th>\(<th>[0-9-]*</th>\)*' "$tmp/trend.html" | grep -o '<th>[0-9]' | wc -l)" 3
check "HTML: the fail is drawn as one" grep -q 'class="verdict verdict-fail"' "$tmp/trend.html"
out=$("$LAB" results trend --db "$all_db" --scenario plan-small-expect --last 1)
check "--scenario --last 1: that scenario, tonight only" grep -q "^trend: 1 night ($today .. $today), 2 series" <<<"$out"
"$LAB" results trend --db "$all_db" extra >/dev/null 2>&1
is "trend with an argument exits 2" "$?" 2

# ---- the shipped CI example's plan ------------------------------------------
ci=$(cd "$LAB_TOP" && "$LAB" run --plan ci/nightly.yaml --dry-run); rc=$?
is "ci/nightly.yaml validates and lists 12 runs" "$rc $(wc -l <<<"$ci")" "0 12"
u=$(for k in 1 2 3 4; do (cd "$LAB_TOP" && "$LAB" run --plan ci/nightly.yaml --dry-run --shard "$k/4"); done | sort)
is "its 4 shards (as the CI examples run it) are the plan" "$u" "$(sort <<<"$ci")"
for f in ci/gitlab-ci.yml ci/github-actions.yml; do
	check "$f runs the plan sharded and merges the shards" \
		bash -c "grep -q -- '--plan' '$LAB_TOP/$f' && grep -q -- '--shard' '$LAB_TOP/$f' && grep -q 'results merge' '$LAB_TOP/$f' && grep -q 'results trend' '$LAB_TOP/$f'"
done
