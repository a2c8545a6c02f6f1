#!/usr/bin/env bash
# check_convergence.sh — two standalone mariadbd loaded identically must
# converge; then one changed row, one missing row and one extra row on the
# second server must each be named by primary key and node; a node that
# cannot be reached is reported, never skipped.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/solo-mariadb.sh"
. "$(dirname "$0")/../lib/cluster.sh"

need_root "check convergence"
command -v mariadbd >/dev/null || { skip "check convergence" "mariadbd not installed"; exit 0; }
command -v sqlite3 >/dev/null || { skip "check convergence" "sqlite3 not installed"; exit 0; }

lab_fixture_init
BASE=$FIX_ROOT
A=$(fixture_tmp a) B=$(fixture_tmp b)
PA=$(fixture_port) PB=$(fixture_port) PDEAD=$(fixture_dead_port)
RDB=$(fixture_db)
OUT=$BASE/out.txt
fixture_solo_start "$A" $PA || { not_ok "start mariadbd A"; exit 1; }
fixture_solo_start "$B" $PB || { not_ok "start mariadbd B"; exit 1; }
export MYSQL_PWD=$LAB_PASSWORD
sqlb() { mariadb --no-defaults -h127.0.0.1 -P$PB -ulab -N -B bank -e "$1"; }
for p in $PA $PB; do
	"$LAB_TOP/tools/bank-load" --port $p --customers 500 --purchases 1500 --products 30 \
		--journal "$BASE/journal.$p" || { not_ok "load server on port $p"; exit 1; }
done
ok "two servers loaded identically"
HOSTS=127.0.0.1:$PA,127.0.0.1:$PB
last_run() { sqlite3 "$RDB" "SELECT max(id) FROM runs"; }
conv() { "$LAB" check --hosts "$1" --checks convergence --db "$RDB" >"$OUT" 2>&1; rc=$?; }

conv $HOSTS
is "identical servers: exit 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$OUT"
check "identical servers: checksums said to be the same" grep -q "purchase_item .*127.0.0.1:$PB: 2000 rows, checksum [0-9a-f]* (same)" "$OUT"

# one changed row
sqlb "UPDATE customer SET address = 'moved' WHERE id = 17"
conv $HOSTS
is "changed row: exit 1" "$rc" 1
check "changed row: named by key and node" grep -q "diverged-row customer:17 node 127.0.0.1:$PB: customer:17 differs" "$OUT"
check "changed row: table checksum differs" grep -q "diverged-table customer node 127.0.0.1:$PB" "$OUT"
is "changed row: anomalies row" "$(sqlite3 "$RDB" "SELECT COUNT(*) FROM anomalies WHERE run_id = $(last_run) AND kind = 'diverged-row' AND tbl = 'customer' AND row_id = 17 AND node = '127.0.0.1:$PB'")" 1
is "changed row: nothing else differs" "$(sqlite3 "$RDB" "SELECT COUNT(*) FROM anomalies WHERE run_id = $(last_run) AND kind = 'diverged-row'")" 1

# a missing and an extra row, in another table
sqlb "DELETE FROM purchase_item WHERE id = 1234; INSERT INTO credit VALUES (900001, 3, 0)"
conv $HOSTS
is "missing and extra rows: exit 1" "$rc" 1
check "missing row named" grep -q "diverged-row purchase_item:1234 node 127.0.0.1:$PB: purchase_item:1234 missing on this node" "$OUT"
check "extra row named" grep -q "diverged-row credit:900001 node 127.0.0.1:$PB: credit:900001 only on this node" "$OUT"
is "three differing rows in all" "$(sqlite3 "$RDB" "SELECT COUNT(*) FROM anomalies WHERE run_id = $(last_run) AND kind = 'diverged-row'")" 3

# an unreachable node is reported, and the others still compared
conv "$HOSTS,127.0.0.1:$PDEAD"
is "unreachable third node with a divergence: exit 1 (the finding)" "$rc" 1
check "unreachable node reported" grep -q "node-unreachable node 127.0.0.1:$PDEAD" "$OUT"
# undo: copy the rows back from A, drop the extra one
copy_row() { # table id
	mariadb-dump --no-defaults -h127.0.0.1 -P$PA -ulab --no-create-info --replace --skip-triggers \
		--where="id = $2" bank "$1" | mariadb --no-defaults -h127.0.0.1 -P$PB -ulab bank
}
copy_row customer 17 && copy_row purchase_item 1234 && sqlb "DELETE FROM credit WHERE id = 900001"
conv $HOSTS
is "undone: identical again, exit 0" "$rc" 0
conv "$HOSTS,127.0.0.1:$PDEAD"
is "unreachable node, nothing else wrong: exit 2 (could not check)" "$rc" 2
is "unreachable node: recorded as broken" "$(sqlite3 "$RDB" "SELECT actual FROM checks WHERE run_id = $(last_run)")" broken
