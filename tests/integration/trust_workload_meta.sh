#!/usr/bin/env bash
# trust_workload_meta.sh — `lab workload` drops and re-creates the bank's
# tables only in a database lab made (marked by its lab_meta table) or an
# empty one. Against a real standalone mariadbd (its port and directory from
# tests/lib/cluster.sh): a database `prod` holding someone's own `customer`
# table is refused (exit 2, nothing dropped, no journal written); with
# --recreate it is replaced and marked; a database lab loaded is loaded
# again without --recreate; --recreate with --no-load is a usage error.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/solo-mariadb.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "workload database marker"
lab_fixture_init
DIR=$(fixture_tmp solo)
PORT=$(fixture_port)
OUT=$(fixture_tmp out)
fixture_solo_start "$DIR" $PORT || { not_ok "start mariadbd" "see above"; exit 1; }
ok "mariadbd started on port $PORT (pid $SOLO_PID)"

solo_sql $PORT "CREATE DATABASE prod; CREATE TABLE prod.customer (id BIGINT PRIMARY KEY, name VARCHAR(20), credit BIGINT NOT NULL, address VARCHAR(16)); INSERT INTO prod.customer VALUES (1, 'a real customer', 500, 'main street')"

"$LAB" workload --hosts 127.0.0.1:$PORT --database prod --duration 0 --customers 10 --products 5 \
	--journal "$OUT/j1" >"$OUT/run1.out" 2>"$OUT/run1.err"
is "load into a database with foreign tables and no marker exits 2" "$?" 2
note "$(cat "$OUT/run1.err")"
check "the refusal says there is no lab_meta marker and names --recreate" \
	grep -q "database 'prod' on .* has 1 table and no lab_meta marker.*--recreate" "$OUT/run1.err"
is "the real customer is still there" "$(solo_sql $PORT "SELECT name FROM prod.customer WHERE id = 1")" "a real customer"
check "no journal was written" test ! -e "$OUT/j1"

"$LAB" workload --hosts 127.0.0.1:$PORT --database prod --duration 0 --customers 10 --products 5 --recreate \
	--journal "$OUT/j2" >"$OUT/run2.out" 2>"$OUT/run2.err"
is "with --recreate the load exits 0" "$?" 0
check "it says it replaces tables lab did not mark" grep -q -- "--recreate: database 'prod'" "$OUT/run2.err"
is "the bank's customers replaced the table" "$(solo_sql $PORT "SELECT COUNT(*) FROM prod.customer")" 10
is "prod now carries lab's mark" "$(solo_sql $PORT "SELECT workload, tables FROM prod.lab_meta")" \
	"$(printf 'bank\tcustomer,credit,purchase,purchase_item,product')"
check "the mark says who and when" test -n "$(solo_sql $PORT "SELECT created_by FROM prod.lab_meta WHERE created_by LIKE 'lab % pid % on % as lab@%' AND created_at > UTC_TIMESTAMP() - INTERVAL 5 MINUTE")"

"$LAB" workload --hosts 127.0.0.1:$PORT --database fresh --duration 0 --customers 10 --products 5 \
	--journal "$OUT/j3" >"$OUT/run3.out" 2>"$OUT/run3.err"
is "a load into a new database exits 0" "$?" 0
"$LAB" workload --hosts 127.0.0.1:$PORT --database fresh --duration 2s --threads 2 --customers 20 --products 5 \
	--journal "$OUT/j4" >"$OUT/run4.out" 2>"$OUT/run4.err"
is "loading again a database lab made exits 0 without --recreate" "$?" 0
is "it holds the second load" "$(solo_sql $PORT "SELECT COUNT(*) >= 20 FROM fresh.customer")" 1

"$LAB" workload --hosts 127.0.0.1:$PORT --database fresh --recreate --no-load --duration 1s \
	--journal "$OUT/j5" >"$OUT/run5.out" 2>"$OUT/run5.err"
is "--recreate with --no-load exits 2" "$?" 2

# The append workload with --no-load creates append_kv when it is missing:
# only in a database that is lab's or empty, and it marks what it made.
solo_sql $PORT "CREATE DATABASE shop; CREATE TABLE shop.orders (id BIGINT PRIMARY KEY)"
"$LAB" workload --workload append --hosts 127.0.0.1:$PORT --database shop --no-load --duration 1s \
	--journal "$OUT/j6" >"$OUT/run6.out" 2>"$OUT/run6.err"
is "append --no-load into a database with foreign tables and no marker exits 2" "$?" 2
check "the refusal names the marker" grep -q "database 'shop' on .* no lab_meta marker" "$OUT/run6.err"
is "no append_kv was made in it" \
	"$(solo_sql $PORT "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'shop' AND table_name = 'append_kv'")" 0
solo_sql $PORT "CREATE DATABASE empty1"
"$LAB" workload --workload append --hosts 127.0.0.1:$PORT --database empty1 --no-load --duration 1s --threads 2 \
	--journal "$OUT/j7" >"$OUT/run7.out" 2>"$OUT/run7.err"
is "append --no-load into an empty database exits 0" "$?" 0
is "it marked the table it made" "$(solo_sql $PORT "SELECT workload, tables FROM empty1.lab_meta")" "$(printf 'append\tappend_kv')"
