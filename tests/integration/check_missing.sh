#!/usr/bin/env bash
# check_missing.sh — data that is gone altogether is a finding, not "could
# not check": after the bank's database (or one table) disappears from a
# node that still answers — what a power cut of a node whose writes were
# never durable leaves — lab check names the missing tables and exits 1.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/solo-mariadb.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "check_missing"
lab_fixture_init
dir=$(fixture_tmp server)
port=$(fixture_port)
fixture_solo_start "$dir" "$port" || { not_ok "standalone mariadbd starts"; exit 1; }
ok "standalone mariadbd starts"
j=$dir/bank.journal
check "workload writes a bank" "$LAB" workload --hosts 127.0.0.1:$port --threads 2 --duration 3s \
	--customers 200 --products 20 --journal "$j" --seed 5
out=$("$LAB" check --hosts 127.0.0.1:$port --journal "$j" --db "$(fixture_db)" 2>&1); rc=$?
is "a clean bank passes" "$rc" 0

solo_sql "$port" "DROP TABLE bank.purchase_item"
out=$("$LAB" check --hosts 127.0.0.1:$port --journal "$j" --db "$(fixture_db)" 2>&1); rc=$?
is "a missing table is a finding (exit 1)" "$rc" 1
case "$out" in *missing-table*purchase_item*) ok "the missing table is named" ;;
	*) not_ok "the missing table is named" "$(echo "$out" | tail -5)" ;; esac

solo_sql "$port" "DROP DATABASE bank"
out=$("$LAB" check --hosts 127.0.0.1:$port --journal "$j" --db "$(fixture_db)" 2>&1); rc=$?
is "a missing database is a finding (exit 1), not broken (2)" "$rc" 1
n=$(sqlite3 "$(fixture_db)" "SELECT count(*) FROM anomalies WHERE kind = 'missing-table' AND checker = 'durability' AND run_id = (SELECT max(id) FROM runs)")
is "durability records every table as missing" "$n" 5

solo_stop "$dir"
out=$("$LAB" check --hosts 127.0.0.1:$port --journal "$j" --db "$(fixture_db)" 2>&1); rc=$?
is "a node that does not answer is still 'could not check' (exit 2)" "$rc" 2
