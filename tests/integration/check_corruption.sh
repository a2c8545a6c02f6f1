#!/usr/bin/env bash
# check_corruption.sh — testing the tester: a real bank database on a
# standalone mariadbd (written by `lab workload` when it is built, else by
# tools/bank-load plus a few journaled transactions run here), checked clean,
# then corrupted one way at a time — restored from a dump in between — and
# each corruption must be caught AND named by id, in lab check's output and
# in the anomalies table of the results database.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/solo-mariadb.sh"
. "$(dirname "$0")/../lib/cluster.sh"

need_root "check corruption"
command -v mariadbd >/dev/null || { skip "check corruption" "mariadbd not installed"; exit 0; }
command -v sqlite3 >/dev/null || { skip "check corruption" "sqlite3 not installed"; exit 0; }

lab_fixture_init
DIR=$(fixture_tmp server)
PORT=$(fixture_port)
DEAD=$(fixture_dead_port)
NODE=127.0.0.1:$PORT
J=$DIR/journal
RDB=$(fixture_db)
OUT=$DIR/out.txt
fixture_solo_start "$DIR" $PORT || { not_ok "start mariadbd" "see $DIR/error.log"; exit 1; }
export MYSQL_PWD=$LAB_PASSWORD
sql() { mariadb --no-defaults -h127.0.0.1 -P$PORT -ulab -N -B bank -e "$1"; }

# --- the data: lab workload if it is built, else the bench loader --------
source=workload
if ! "$LAB" workload --hosts $NODE --threads 4 --duration 8s --customers 300 --products 40 \
	--seed 7 --journal "$J" >"$DIR/workload.log" 2>&1; then
	if grep -q "not built yet" "$DIR/workload.log"; then
		source=bank-load
	else
		not_ok "lab workload wrote the database" "$(tail -3 "$DIR/workload.log" | tr '\n' ' ')"
		exit 1
	fi
fi
if [ $source = bank-load ]; then
	"$LAB_TOP/tools/bank-load" --port $PORT --customers 300 --purchases 900 --products 40 --journal "$J" ||
		{ not_ok "bank-load"; exit 1; }
	# a few acknowledged credit transactions on top of the load, journaled
	# the way the workload does
	for k in 1 2 3 4 5; do
		id=$((10000000 + k)) cust=$((10 * k))
		sql "START TRANSACTION; INSERT INTO credit VALUES ($id, $cust, 500);
		     UPDATE customer SET credit = credit + 500 WHERE id = $cust; COMMIT;"
		printf '%s\tcredit\tok\t%s\t%s\t%s\t0\t+credit:%s ~customer:%s\n' $((100 + k)) $NODE $k $k $id $cust >>"$J"
	done
fi
note "data source: $source ($(sql 'SELECT COUNT(*) FROM customer') customers, $(sql 'SELECT COUNT(*) FROM purchase') purchases, $(grep -vc '^#' "$J") journal lines)"
ok "database written by $source"

mariadb-dump --no-defaults -h127.0.0.1 -P$PORT -ulab --single-transaction bank >"$DIR/clean.sql" ||
	{ not_ok "dump the clean database"; exit 1; }
restore() { mariadb --no-defaults -h127.0.0.1 -P$PORT -ulab bank <"$DIR/clean.sql"; }

run_check() { # extra args...; sets rc, output in $OUT
	"$LAB" check --hosts $NODE --journal "$J" --db "$RDB" "$@" >"$OUT" 2>&1
	rc=$?
}
last_run() { sqlite3 "$RDB" "SELECT max(id) FROM runs WHERE scenario = 'check'"; }
anomaly_rows() { # kind tbl row_id [txn_id]
	local q="SELECT COUNT(*) FROM anomalies WHERE run_id = $(last_run) AND kind = '$1' AND tbl = '$2' AND row_id = $3"
	[ -n "${4:-}" ] && q="$q AND txn_id = $4"
	sqlite3 "$RDB" "$q"
}
# expect_caught NAME KIND TBL ID [TXN]: exit 1, "KIND TBL:ID" in the output,
# and an anomalies row for it
expect_caught() {
	local name=$1 kind=$2 tbl=$3 id=$4 txn=${5:-}
	is "$name: lab check exits 1" "$rc" 1
	if grep -q "$kind $tbl:$id\b" "$OUT"; then ok "$name: output names $kind $tbl:$id"
	else not_ok "$name: output names $kind $tbl:$id" "$(grep -E '^   [a-z]' "$OUT" | head -5 | tr '\n' ' ')"; fi
	local n; n=$(anomaly_rows "$kind" "$tbl" "$id" "$txn")
	if [ "${n:-0}" -ge 1 ]; then ok "$name: anomalies table has $kind $tbl:$id${txn:+ txn $txn}"
	else not_ok "$name: anomalies table has $kind $tbl:$id${txn:+ txn $txn}" "no such row in run $(last_run)"; fi
}
checker_is() { # checker verdict: the verdict recorded for the last run
	sqlite3 "$RDB" "SELECT actual FROM checks WHERE run_id = $(last_run) AND checker = '$1'"
}

# --- clean ---------------------------------------------------------------
run_check
is "clean database: lab check exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$OUT" | head -40
is "clean database: verdict recorded" "$(sqlite3 "$RDB" "SELECT verdict FROM runs WHERE id = $(last_run)")" pass
is "clean database: no anomalies stored" "$(sqlite3 "$RDB" "SELECT COUNT(*) FROM anomalies WHERE run_id = $(last_run)")" 0

# Targets, chosen from the data (and from the journal's acknowledged
# transactions, so that durability has something to say about them).
C1=$(sql "SELECT id FROM customer ORDER BY id LIMIT 1 OFFSET 5")
read -r SA SB < <(sql "SELECT a.id, b.id FROM customer a JOIN customer b ON b.id > a.id AND b.credit <> a.credit
	WHERE a.id > $C1 ORDER BY a.id, b.id LIMIT 1")
CR_ORPHAN=$(sql "SELECT id FROM credit ORDER BY id LIMIT 1 OFFSET 10")
C_ALONE=$(sql "SELECT customer_id FROM credit c JOIN customer u ON u.id = c.customer_id
	GROUP BY customer_id ORDER BY customer_id LIMIT 1 OFFSET 20")
# a purchase acknowledged in the journal with at least two items (else any)
ok_purchases=$(awk -F'\t' '$2 == "purchase" && $3 == "ok" { if (match($8, /\+purchase:[0-9]+/)) print substr($8, RSTART + 10, RLENGTH - 10) }' "$J" | head -300 | paste -sd, -)
P=
[ -n "$ok_purchases" ] && P=$(sql "SELECT purchase_id FROM purchase_item WHERE purchase_id IN ($ok_purchases)
	GROUP BY purchase_id HAVING COUNT(*) >= 2 ORDER BY purchase_id LIMIT 1")
[ -n "$P" ] || P=$(sql "SELECT purchase_id FROM purchase_item GROUP BY purchase_id HAVING COUNT(*) >= 2 ORDER BY purchase_id LIMIT 1")
ITEM=$(sql "SELECT MAX(id) FROM purchase_item WHERE purchase_id = $P")
# an acknowledged credit transaction whose row is still there, with a
# positive amount the customer's balance covers
CREDIT_TXN= CREDIT_ID=
# Every acknowledged credit of the journal, asked in batches of 500: the
# first whose row is there and whose customer still holds at least its
# amount (purchases drain credit: the first few hundred may all be spent).
awk -F'\t' '$2 == "credit" && $3 == "ok" { if (match($8, /\+credit:[0-9]+/)) print $1 "\t" substr($8, RSTART + 8, RLENGTH - 8) }' "$J" >"$DIR/ok-credits"
while read -r batch; do
	cid=$(sql "SELECT c.id FROM credit c JOIN customer u ON u.id = c.customer_id
		WHERE c.id IN ($batch) AND c.amount > 0 AND u.credit >= c.amount ORDER BY c.id LIMIT 1")
	if [ -n "$cid" ]; then
		CREDIT_ID=$cid
		CREDIT_TXN=$(awk -F'\t' -v id="$cid" '($2 "") == id { print $1; exit }' "$DIR/ok-credits")
		break
	fi
done < <(awk -F'\t' '{ b = b (n++ ? "," : "") $2; if (n == 500) { print b; b = ""; n = 0 } } END { if (n) print b }' "$DIR/ok-credits")
C_PHANTOM=$(sql "SELECT id FROM customer ORDER BY id LIMIT 1 OFFSET 30")
PHANTOM_ID=$(sql "SELECT MAX(id) + 1000 FROM credit")
note "targets: drift $C1, shuffle $SA/$SB, orphan credit $CR_ORPHAN, lone customer $C_ALONE, purchase $P item $ITEM, ack credit $CREDIT_ID (txn $CREDIT_TXN), phantom credit $PHANTOM_ID"
for v in C1 SA SB CR_ORPHAN C_ALONE P ITEM CREDIT_ID CREDIT_TXN C_PHANTOM PHANTOM_ID; do
	[ -n "${!v}" ] || { not_ok "choose corruption targets" "$v is empty"; exit 1; }
done

# --- 1. a balance that drifts -------------------------------------------
sql "UPDATE customer SET credit = credit + 7 WHERE id = $C1"
run_check
expect_caught "drifted balance" balance-drift customer "$C1"
restore

# --- 2. two balances shuffled, totals still hold ------------------------
sql "UPDATE customer a JOIN customer b ON a.id = $SA AND b.id = $SB SET a.credit = b.credit, b.credit = a.credit"
run_check
expect_caught "shuffled balances (first)" balance-drift customer "$SA"
expect_caught "shuffled balances (second)" balance-drift customer "$SB"
check_fails "shuffled balances: totals still hold (no total-mismatch)" grep -q "total-mismatch" "$OUT"
restore

# --- 3. an orphan credit ------------------------------------------------
sql "UPDATE credit SET customer_id = 987654321987 WHERE id = $CR_ORPHAN"
run_check
expect_caught "orphan credit" orphan-credit credit "$CR_ORPHAN"
restore

# --- 4. a customer row deleted alone ------------------------------------
sql "DELETE FROM customer WHERE id = $C_ALONE"
run_check
expect_caught "customer deleted alone (durability)" lost-ok customer "$C_ALONE"
check "customer deleted alone: its credits are orphans naming customer_id=$C_ALONE" \
	grep -q "orphan-credit credit:[0-9]*.*customer_id=$C_ALONE " "$OUT"
restore

# --- 5. a lost purchase item --------------------------------------------
sql "DELETE FROM purchase_item WHERE id = $ITEM"
run_check
expect_caught "lost purchase item (durability)" lost-ok purchase_item "$ITEM"
expect_caught "lost purchase item (invariants)" cost-mismatch purchase "$P"
restore

# --- 6. an edited item price --------------------------------------------
sql "UPDATE purchase_item SET price = price + 3 WHERE id = $ITEM"
run_check
expect_caught "edited item price" cost-mismatch purchase "$P"
is "edited item price: durability still passes" "$(checker_is durability)" pass
restore

# --- 7. an acknowledged credit deleted, balance adjusted so every sum holds
sql "UPDATE customer u JOIN credit c ON c.customer_id = u.id AND c.id = $CREDIT_ID SET u.credit = u.credit - c.amount;
     DELETE FROM credit WHERE id = $CREDIT_ID"
run_check
is "ack credit deleted: invariants pass (every sum holds)" "$(checker_is invariants)" pass
expect_caught "ack credit deleted" lost-ok credit "$CREDIT_ID" "$CREDIT_TXN"
check "ack credit deleted: output names txn $CREDIT_TXN" grep -q "lost-ok credit:$CREDIT_ID txn $CREDIT_TXN node " "$OUT"
restore

# --- 8. a phantom credit with the balance adjusted ----------------------
sql "INSERT INTO credit VALUES ($PHANTOM_ID, $C_PHANTOM, 77); UPDATE customer SET credit = credit + 77 WHERE id = $C_PHANTOM"
run_check
is "phantom credit: invariants pass (every sum holds)" "$(checker_is invariants)" pass
expect_caught "phantom credit" phantom credit "$PHANTOM_ID"
restore

# --- 9. an item whose product does not exist ----------------------------
sql "UPDATE purchase_item SET product_id = 987654321 WHERE id = $ITEM"
run_check
expect_caught "item without product" orphan-item-product purchase_item "$ITEM"
restore

# --- restored: clean again ----------------------------------------------
run_check
is "restored database: lab check exits 0 again" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$OUT" | head -40

# --- an audit that saw the ledger not add up (read skew) ------------------
# The database is clean at rest; the journal says one audit snapshot during
# the run did not add up: the invariants checker must report it.
cp "$J" "$DIR/journal.skew"
printf '# read-skew 4242 customer=100 ledger=90 diff=10 negative=0\n' >>"$DIR/journal.skew"
"$LAB" check --hosts $NODE --journal "$DIR/journal.skew" --db "$RDB" --checks invariants >"$OUT" 2>&1
is "read skew in an audit: lab check exits 1" "$?" 1
check "read skew: named, with the audit's transaction and totals" \
	grep -q "read-skew .*txn 4242.*customer=100 ledger=90 diff=10" "$OUT"

# --- harness trouble is not a finding -----------------------------------
"$LAB" check --hosts 127.0.0.1:$DEAD --db "$RDB" --checks invariants >"$OUT" 2>&1
is "unreachable node: exit 2" "$?" 2
check "unreachable node: reported by name" grep -q "node-unreachable node 127.0.0.1:$DEAD" "$OUT"
"$LAB" check --hosts $NODE --db "$RDB" --checks invariants,nosuch >"$OUT" 2>&1
is "unknown checker: exit 2" "$?" 2
check "unknown checker: one-line error naming it" grep -q "no such checker 'nosuch'" "$OUT"
"$LAB" check --hosts $NODE --db "$RDB" --journal "$DIR/nonexistent" >"$OUT" 2>&1
is "missing journal: exit 2" "$?" 2
"$LAB" check --hosts 127.0.0.1:$DEAD,$NODE --first-reachable --journal "$J" --db "$RDB" \
	--checks invariants,durability >"$OUT" 2>&1
is "--first-reachable: a dead first node is reported, the next one checked, exit 0" "$?" 0
check "--first-reachable: the dead node named" grep -q "node-unreachable node 127.0.0.1:$DEAD" "$OUT"
check "--first-reachable: the live node checked" grep -q "^   $NODE: [0-9]* customers" "$OUT"
