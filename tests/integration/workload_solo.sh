#!/usr/bin/env bash
# workload_solo.sh — the bank workload against one real standalone mariadbd
# (its port and directory from tests/lib/cluster.sh): 10 s on 4 threads, then the journal
# is held against the tables: its counts add up and match the summary,
# every `ok` credit row is there (unless an `ok` delete removed it), no
# `failed` one is, the ledger sums (invariant 1) hold; then the server is
# SIGKILLed mid-run: the workload must record unknown/failed outcomes, end
# on time and cleanly, and after the server restarts every acknowledged
# credit is still there. Last, a read-only server (a stand-in for an async
# replica) first in --hosts: the load skips it, and the threads that start
# there get 1290, move on and carry on on the writable one. Ctrl-C (SIGINT)
# stops a run cleanly with the journal flushed. Read-modify-write without
# FOR UPDATE loses updates (the ledger breaks); with FOR UPDATE it holds.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/solo-mariadb.sh"
. "$(dirname "$0")/../lib/journal.sh"
. "$(dirname "$0")/../lib/cluster.sh"

need_root "workload solo"
[ -x "$LAB" ] || { not_ok "lab binary" "$LAB missing (make build/test/lab)"; exit 1; }
lab_fixture_init
DIR=$(fixture_tmp solo)
PORT=$(fixture_port)
RO_DIR=$(fixture_tmp solo-ro)
RO_PORT=$(fixture_port)
OUT=$(fixture_tmp out)
# A private tmpdir for mariadb-install-db and mariadbd (they take TMPDIR):
# the machine's /tmp is shared with other servers' temporary tables.
export TMPDIR
TMPDIR=$(fixture_tmp tmp) && chmod 1777 "$TMPDIR"
fixture_solo_start "$DIR" $PORT || { not_ok "start mariadbd" "see above"; exit 1; }
ok "mariadbd started on port $PORT (pid $SOLO_PID)"

# journal_counts FILE -> "attempted ok failed unknown" of the transaction lines
journal_counts() {
	awk -F'\t' '/^#/ || $2 == "load" { next }
		{ n++; c[$3]++ } END { printf "%d %d %d %d\n", n, c["ok"], c["failed"], c["unknown"] }' "$1"
}
# summary_counts FILE -> the same four numbers from the workload's summary line
summary_counts() {
	sed -n 's/^summary: attempted=\([0-9]*\) ok=\([0-9]*\) failed=\([0-9]*\) unknown=\([0-9]*\).*/\1 \2 \3 \4/p' "$1"
}
ledger() {
	solo_sql $PORT "SELECT (SELECT COALESCE(SUM(credit),0) FROM bank.customer) = \
		(SELECT COALESCE(SUM(amount),0) FROM bank.credit) - (SELECT COALESCE(SUM(cost),0) FROM bank.purchase)"
}

# ---- 1. a clean 10 s run -------------------------------------------------
J=$OUT/journal1
"$LAB" workload --hosts 127.0.0.1:$PORT --threads 4 --duration 10s --journal "$J" --seed 42 \
	--customers 1000 --products 100 --per-second >"$OUT/run1.out" 2>"$OUT/run1.err"
rc=$?
is "workload run exits 0" "$rc" 0
sed 's/^/# /' "$OUT/run1.out" | grep -v '^# second' | head -12
jc=$(journal_counts "$J")
sc=$(summary_counts "$OUT/run1.out")
read -r att okn fail unk <<<"$jc"
is "journal counts add up (attempted = ok + failed + unknown)" "$att" "$((okn + fail + unk))"
is "journal counts match the summary" "$jc" "$sc"
check "some transactions committed ($okn)" test "$okn" -gt 100
is "no unknown outcome without a fault" "$unk" 0
secs=$(grep -c '^second ' "$OUT/run1.out")
check "per-second lines printed ($secs)" test "$secs" -ge 9
psum=$(awk '/^second /{ s += $4 } END { print s + 0 }' "$OUT/run1.out")
is "per-second ok figures add up to the total" "$psum" "$okn"

credit_ids "$J" ok + >"$OUT/ok_ins"
{ credit_ids "$J" ok -; credit_ids "$J" unknown -; } | sort >"$OUT/ok_del"
comm -23 "$OUT/ok_ins" "$OUT/ok_del" >"$OUT/expected"
solo_sql $PORT "SELECT id FROM bank.credit" | sort >"$OUT/table"
missing=$(comm -23 "$OUT/expected" "$OUT/table" | wc -l)
check "journal lists ok credit rows ($(wc -l <"$OUT/expected"))" test "$(wc -l <"$OUT/expected")" -gt 1000
is "every ok credit id (not deleted by an ok or unknown delete) is in the table" "$missing" 0
credit_ids "$J" failed + >"$OUT/failed_ins"
phantom=$(comm -12 "$OUT/failed_ins" "$OUT/table" | wc -l)
is "no failed credit id is in the table" "$phantom" 0
extra=$(comm -13 <(sort -u "$OUT/ok_ins") "$OUT/table" | wc -l)
is "every credit row in the table is explained by an ok journal line" "$extra" 0
is "invariant 1: sum(customer.credit) = sum(credit.amount) - sum(purchase.cost)" "$(ledger)" 1
neg=$(solo_sql $PORT "SELECT COUNT(*) FROM bank.customer WHERE credit < 0")
is "no negative balance (refused purchases are refused)" "$neg" 0

# ---- 2. the server is killed half way ------------------------------------
J2=$OUT/journal2
start=$(date +%s)
"$LAB" workload --hosts 127.0.0.1:$PORT --threads 4 --duration 12s --journal "$J2" --seed 43 \
	--no-load --per-second >"$OUT/run2.out" 2>"$OUT/run2.err" &
WL_PID=$!
fixture_pid "$WL_PID"
sleep 5
kill -KILL "$SOLO_PID"
wait "$SOLO_PID" 2>/dev/null
check_fails "mariadbd (pid $SOLO_PID) is gone after SIGKILL" kill -0 "$SOLO_PID" 2>/dev/null
wait "$WL_PID"
rc=$?
WL_PID=
took=$(( $(date +%s) - start ))
is "workload exits 0 after losing its server" "$rc" 0
check "workload ended on time (${took}s for a 12 s run)" test "$took" -le 20
sed 's/^/# /' "$OUT/run2.out" | grep -v '^# second' | head -12
jc=$(journal_counts "$J2")
read -r att okn fail unk <<<"$jc"
is "journal counts add up after the kill" "$att" "$((okn + fail + unk))"
is "journal counts match the summary after the kill" "$jc" "$(summary_counts "$OUT/run2.out")"
check "the kill shows as unknown or failed outcomes (failed $fail, unknown $unk)" test "$((fail + unk))" -gt 0
lost=$(awk -F'\t' '/^#/ { next } $3 != "ok" && ($7 == 2013 || $7 == 2006 || $7 == 2026 || $7 == 2055) { n++ } END { print n + 0 }' "$J2")
check "lost-connection errors (2013/2006) journaled ($lost)" test "$lost" -gt 0
check "journal ends with a whole line (flushed at stop)" test "$(tail -c1 "$J2" | od -An -c | tr -d ' ')" = '\n'
check "no lost-connection outcome is reported as ok" test "$(awk -F'\t' '$3 == "ok" && $7 != 0' "$J2" | wc -l)" -eq 0

fixture_solo_start "$DIR" $PORT || { not_ok "restart mariadbd" "see above"; exit 1; }
cat "$J" "$J2" >"$OUT/both"
credit_ids "$OUT/both" ok + >"$OUT/ok_ins"
{ credit_ids "$OUT/both" ok -; credit_ids "$OUT/both" unknown -; } | sort >"$OUT/ok_del"
comm -23 "$OUT/ok_ins" "$OUT/ok_del" >"$OUT/expected"
solo_sql $PORT "SELECT id FROM bank.credit" | sort >"$OUT/table"
is "after crash recovery every acknowledged credit id is in the table" \
	"$(comm -23 "$OUT/expected" "$OUT/table" | wc -l)" 0
# An unknown delete_customer is all or nothing: its credit rows are all
# there or all gone.
partial=0
n_unknown_del=0
while IFS= read -r line; do
	n_unknown_del=$((n_unknown_del + 1))
	printf '%s\n' "$line" >"$OUT/one"
	credit_ids "$OUT/one" unknown - >"$OUT/one_ids"
	total=$(wc -l <"$OUT/one_ids")
	present=$(comm -12 "$OUT/one_ids" "$OUT/table" | wc -l)
	[ "$present" -eq 0 ] || [ "$present" -eq "$total" ] || partial=$((partial + 1))
done < <(awk -F'\t' '$2 == "delete_customer" && $3 == "unknown"' "$J2")
is "after crash recovery each unknown delete_customer ($n_unknown_del) is all or nothing" "$partial" 0
credit_ids "$J2" failed + >"$OUT/failed_ins"
is "after crash recovery no failed credit id is in the table" "$(comm -12 "$OUT/failed_ins" "$OUT/table" | wc -l)" 0
is "invariant 1 holds after crash recovery" "$(ledger)" 1

# ---- 2b. Ctrl-C ------------------------------------------------------------
J4=$OUT/journal4
"$LAB" workload --hosts 127.0.0.1:$PORT --threads 4 --duration 60s --journal "$J4" --seed 45 \
	--no-load >"$OUT/run4.out" 2>"$OUT/run4.err" &
WL_PID=$!
fixture_pid "$WL_PID"
sleep 4
t0=$(date +%s)
kill -INT "$WL_PID"
wait "$WL_PID"
rc=$?
WL_PID=
is "SIGINT: the workload exits 0" "$rc" 0
check "SIGINT: it stopped within 6 s ($(( $(date +%s) - t0 )) s)" test $(( $(date +%s) - t0 )) -le 6
check "SIGINT: the journal ends with a whole line" test "$(tail -c1 "$J4" | od -An -c | tr -d ' ')" = '\n'
is "SIGINT: journal counts match the summary" "$(journal_counts "$J4")" "$(summary_counts "$OUT/run4.out")"
check "SIGINT: transactions were journaled" test "$(journal_counts "$J4" | cut -d' ' -f2)" -gt 100

# ---- 3. a read-only server first in --hosts ------------------------------
MAIN_PID=$SOLO_PID
SOLO_EXTRA_ARGS=--read-only fixture_solo_start "$RO_DIR" $RO_PORT || { not_ok "start read-only mariadbd" "see above"; exit 1; }
ok "read-only mariadbd started on port $RO_PORT (pid $SOLO_PID)"
# A user without READ_ONLY ADMIN (GRANT ALL would let the lab user write).
for d in "$DIR" "$RO_DIR"; do
	mariadb --no-defaults -uroot --socket="$d/mysqld.sock" -e "
		CREATE USER IF NOT EXISTS 'app'@'127.0.0.1' IDENTIFIED BY '$LAB_PASSWORD';
		GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP ON bank.* TO 'app'@'127.0.0.1';"
done
J3=$OUT/journal3
"$LAB" workload --hosts 127.0.0.1:$RO_PORT,127.0.0.1:$PORT --user app --threads 4 --duration 6s \
	--journal "$J3" --seed 44 --customers 500 --per-second >"$OUT/run3.out" 2>"$OUT/run3.err"
is "workload with a read-only first host exits 0" "$?" 0
sed 's/^/# /' "$OUT/run3.err" | head -3
check "the load went to the writable server" grep -q "on 127.0.0.1:$PORT" "$OUT/run3.err"
ro_tables=$(mariadb --no-defaults -uroot --socket="$RO_DIR/mysqld.sock" -N -B -e \
	"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'bank'")
is "nothing was created on the read-only server" "$ro_tables" 0
refused=$(awk -F'\t' -v n="127.0.0.1:$RO_PORT" '!/^#/ && $4 == n && $3 == "failed" && $7 == 1290' "$J3" | wc -l)
ok_ro=$(awk -F'\t' -v n="127.0.0.1:$RO_PORT" '!/^#/ && $4 == n && $3 == "ok"' "$J3" | wc -l)
ok_rw=$(awk -F'\t' -v n="127.0.0.1:$PORT" '!/^#/ && $4 == n && $3 == "ok" && $2 != "load"' "$J3" | wc -l)
check "threads that started on the read-only server got 1290 ($refused) and moved" test "$refused" -ge 1 -a "$refused" -le 4
is "no ok transaction on the read-only server" "$ok_ro" 0
# the thread is bits 28..35 of the transaction id (workload.h): bash, not awk, for 63-bit ids
threads_rw=$(awk -F'\t' -v n="127.0.0.1:$PORT" '!/^#/ && $4 == n && $3 == "ok" && $2 != "load" { print $1 }' "$J3" |
	while read -r id; do echo $(( (id >> 28) & 255 )); done | sort -u | tr '\n' ' ')
is "all four threads carried on on the writable server ($ok_rw ok)" "$threads_rw" "1 2 3 4 "
is "invariant 1 holds after the read-only run" "$(ledger)" 1

# ---- 4. read-modify-write: lost updates without FOR UPDATE ----------------
# 20 customers, 8 threads: two transactions read the same balance and both
# write back their own absolute value; the ledger no longer adds up (the
# anomaly Jepsen showed on Galera). With FOR UPDATE it must add up.
"$LAB" workload --hosts 127.0.0.1:$PORT --threads 8 --duration 5s --journal "$OUT/journal5" --seed 46 \
	--customers 20 --update-style read_modify_write --lock none >"$OUT/run5.out" 2>&1
is "read_modify_write without a lock: workload exits 0" "$?" 0
is "read_modify_write without a lock loses updates (invariant 1 broken)" "$(ledger)" 0
"$LAB" workload --hosts 127.0.0.1:$PORT --threads 8 --duration 5s --journal "$OUT/journal6" --seed 47 \
	--customers 20 --update-style read_modify_write --lock for_update >"$OUT/run6.out" 2>&1
is "read_modify_write with FOR UPDATE: workload exits 0" "$?" 0
is "read_modify_write with FOR UPDATE keeps invariant 1" "$(ledger)" 1
