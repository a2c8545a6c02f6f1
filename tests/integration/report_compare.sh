#!/usr/bin/env bash
# report_compare.sh — `lab results list|show|compare` on recorded runs with a
# known difference (written with sqlite3 into a fresh results database, see
# report_fixtures/recorded_run.sh): compare must name what changed (server
# version, mysqld option, verdict, anomalies, unavailability, tps / p99) and
# exit 1 on a regression, 0 without one, 2 on bad input.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
. "$(dirname "$0")/report_fixtures/recorded_run.sh"

lab_fixture_init
fixture_plan
tmp=$(fixture_tmp compare)
db=$(fixture_db lab)
recorded_db "$db" || { not_ok "create fixture database"; exit 1; }
recorded_run "$db" 1 base 1795000000
recorded_run "$db" 2 regressed 1795086400
recorded_run "$db" 3 base 1795172800
is "three recorded runs" "$(sqlite3 "$db" 'SELECT count(*) FROM runs')" 3

# list
out=$("$LAB" results list --db "$db"); rc=$?
is "list exits 0" "$rc" 0
check "list shows run 2 with its verdict and 4 anomalies" grep -Eq '^ +2 +2026-11-19T11:06:40Z +galera-kill-partition +local/galera +fail +66.0s +4$' <<<"$out"
is "list is newest first" "$(awk 'NR==2 {print $1}' <<<"$out")" 3

# show
out=$("$LAB" results show 2 --db "$db"); rc=$?
is "show exits 0" "$rc" 0
check "show has the server version" grep -q 'server          10.11.11-MariaDB' <<<"$out"
check "show has the mysqld options" grep -q 'innodb_flush_log_at_trx_commit=2' <<<"$out"
check "show has the kill step as a fault" grep -Eq '^ +3  kill +2 .*\[fault\]' <<<"$out"
check "show has the unmet durability check" grep -Eq 'durability +pass +fail +3  NOT MET' <<<"$out"
check "show groups anomalies by kind" grep -Eq '^  lost-ok +3$' <<<"$out"
check "show gives the first examples with ids" grep -q '#1 durability credit:9001 txn 51001' <<<"$out"
check "show has the workload totals" grep -q 'workload: 60 seconds, ok 14651, failed 260, unknown 4' <<<"$out"
check "show has the unavailability windows" grep -q 'unavailable 7 s in 2 window(s): at +12s for 1 s, at +35s for 6 s' <<<"$out"
check "show has recovery to Synced" grep -q 'recovery after step 3 kill node 2: first ok 2.0s, Synced 22.0s' <<<"$out"
out=$("$LAB" results show last --db "$db")
check "show last is the newest run" grep -q '^run 3:' <<<"$out"

# compare: base -> regressed
out=$("$LAB" results compare 1 2 --db "$db" --max-tps-drop 20% --max-p99-rise 50%); rc=$?
echo "$out" | sed 's/^/# /'
is "compare base -> regressed exits 1" "$rc" 1
check "names the server version change" grep -Eq 'server version +10.11.6-MariaDB-0\+deb12u1 -> 10.11.11-MariaDB-0\+deb12u1' <<<"$out"
check "names the mysqld option change" grep -Eq 'mysqld innodb_flush_log_at_trx_commit +1 -> 2' <<<"$out"
check "the verdict is a regression" grep -Eq 'verdict +pass +fail  REGRESSION' <<<"$out"
check "durability check is a regression" grep -Eq 'check durability \(expect pass\) +pass +fail  REGRESSION' <<<"$out"
check "new anomaly kind lost-ok" grep -Eq 'lost-ok \(new\) +0 +3' <<<"$out"
check "lost count" grep -Eq 'lost \(acknowledged\) +0 +3' <<<"$out"
check "unavailability rose 3 -> 7 s" grep -Eq 'total seconds +3 +7' <<<"$out"
check "partition recovery slower by 4 s" grep -Eq 'step 7 partition node 1 .*slower by 4.0 s' <<<"$out"
check "kill: Synced later by 5 s" grep -Eq 'step 3 kill node 2 .*Synced later by 5.0 s' <<<"$out"
check "tps drop past the limit" grep -Eq '^  before .*tps -30.1% REGRESSION \(limit -20%\)' <<<"$out"
check "p99 rise past the limit" grep -Eq '^  before .*p99 \+100.0% REGRESSION \(limit \+50%\)' <<<"$out"
check "result line counts regressions" grep -Eq '^result: 9 regressions: verdict pass -> fail' <<<"$out"

# only the tps limit, loose: the verdict still regresses
out=$("$LAB" results compare 1 2 --db "$db" --max-tps-drop 90%); rc=$?
is "loose limits still exit 1 on the verdict" "$rc" 1
check "no tps regression under a 90% limit" bash -c '! grep -q "tps .*REGRESSION" <<<"$1"' _ "$out"

# compare: regressed -> base (improvement) and base -> same base
"$LAB" results compare 2 3 --db "$db" --max-tps-drop 20% --max-p99-rise 50% >"$tmp/imp" ; rc=$?
is "compare regressed -> base exits 0" "$rc" 0
check "improvement is called out" grep -Eq 'verdict +fail +pass  better' "$tmp/imp"
check "improvement: no regression" grep -q '^result: no regression' "$tmp/imp"
"$LAB" results compare 1 3 --db "$db" --max-tps-drop 1% >"$tmp/same"; rc=$?
is "compare two equal runs exits 0" "$rc" 0
check "equal runs: nothing changed" grep -q 'changed between the runs: nothing recorded' "$tmp/same"

# unavailability limit alone
"$LAB" results compare 1 2 --db "$db" --max-unavailable-rise 2s >"$tmp/u"
check "unavailability past its limit is a regression" grep -Eq 'total seconds +3 +7  REGRESSION \(\+4 s, limit 2 s\)' "$tmp/u"

# --scenario --last N: trend, oldest vs newest
out=$("$LAB" results compare --scenario galera-kill-partition --last 3 --db "$db"); rc=$?
is "compare --last 3 (base, regressed, base) exits 0" "$rc" 0
check "trend table lists the three runs" bash -c '[ "$(grep -Ec "^ +[123]  2026-11-" <<<"$1")" = 3 ]' _ "$out"
check "trend compares oldest with newest" grep -q 'compare: run 1 .* -> run 3 ' <<<"$out"
out=$("$LAB" results compare --scenario galera-kill-partition --last 2 --db "$db" --max-tps-drop 20%); rc=$?
is "compare --last 2 (regressed, base) exits 0" "$rc" 0

# bad input: exit 2 with a one-line reason
err=$("$LAB" results compare 1 99 --db "$db" 2>&1 >/dev/null); rc=$?
is "unknown run exits 2" "$rc" 2
is "unknown run is named" "$err" "lab: no run 99 in results database '$db'"
err=$("$LAB" results compare 1 2 --db "$db" --max-tps-drop lots 2>&1 >/dev/null); rc=$?
is "bad threshold exits 2" "$rc" 2
is "bad threshold is named" "$err" "lab: invalid value 'lots' for --max-tps-drop: expected a percentage such as 20%"
"$LAB" results compare 1 --db "$db" >/dev/null 2>&1; is "one run exits 2" "$?" 2
"$LAB" results compare --scenario nosuch --last 2 --db "$db" >/dev/null 2>&1; is "unknown scenario exits 2" "$?" 2
err=$("$LAB" results list --db "$tmp/none.db" 2>&1); rc=$?
is "missing database exits 2" "$rc" 2
check "missing database is not created" test ! -e "$tmp/none.db"
"$LAB" results frobnicate --db "$db" >/dev/null 2>&1; is "unknown sub-command exits 2" "$?" 2
"$LAB" results show abc --db "$db" >/dev/null 2>&1; is "bad run id exits 2" "$?" 2
is "database still readable after bad input" "$(sqlite3 "$db" 'PRAGMA integrity_check')" ok
