# tests/integration/report_fixtures/recorded_run.sh — recorded runs for the
# report tests, written with sqlite3 into a fresh results database (sourced).
#
#   recorded_db DB                      create DB with lab's schema (user_version 1)
#   recorded_run DB ID VARIANT [T0]     record run ID of scenario galera-kill-partition:
#       VARIANT base       pass; kill node 2 at +11 (1 s with ok = 0), partition at +35
#                          (2 s with ok = 0); ~400 tps; node 2 back to Synced at +28
#       VARIANT regressed  fail: server 10.11.11, innodb_flush_log_at_trx_commit=2,
#                          durability fails with 3 lost-ok + 1 balance-drift anomalies,
#                          ~30% fewer tps, p99 x2, partition leaves ok = 0 for 6 s,
#                          node 2 back to Synced at +33
# The run: 60 workload seconds from +1, steps with real-looking timing,
# node states, checks and anomalies. Two fault steps (kill, partition).
recorded_db() {
	sqlite3 "$1" <"$LAB_TOP/results/schema.sql" && sqlite3 "$1" "PRAGMA user_version = 1"
}

recorded_run() {
	local db=$1 id=$2 variant=$3 t0=${4:-1795000000}
	awk -v id="$id" -v v="$variant" -v t0="$t0" 'BEGIN {
		reg = (v == "regressed")
		srv = reg ? "10.11.11-MariaDB-0+deb12u1" : "10.11.6-MariaDB-0+deb12u1"
		opts = reg ? "innodb_flush_log_at_trx_commit=2\nsync_binlog=1" : "innodb_flush_log_at_trx_commit=1\nsync_binlog=1"
		print "BEGIN;"
		printf "INSERT INTO runs (id, scenario, scenario_file, scenario_hash, seed, backend, flavor, nodes, server_version, galera_version, cache_mode, mysqld_options, lab_version, host, pid, started_at, ended_at, verdict, reason) VALUES (%d, \x27galera-kill-partition\x27, \x27scenarios/galera-kill-partition.yaml\x27, \x27%s\x27, 42, \x27local\x27, \x27galera\x27, 3, \x27%s\x27, \x2726.4.16(r7dce5149)\x27, \x27none\x27, \x27%s\x27, \x270.1\x27, \x27testhost\x27, 1, %d, %d, \x27%s\x27, %s);\n", id, "9f2c1e", srv, opts, t0, t0 + 66, reg ? "fail" : "pass", reg ? "\x27durability: 3 acknowledged transactions lost\x27" : "NULL"
		n = split("1 workload 0 1.0 1.1 start|2 sleep 0 1.1 11.0 10s|3 kill 2 11.0 11.2 SIGKILL pid 4242|4 sleep 0 11.2 21.0 10s|5 start 2 21.0 24.0 mariadbd started|6 wait 0 24.0 " (reg ? "33.5" : "28.5") " synced|7 partition 1 35.0 35.3 [[1],[2,3]]|8 sleep 0 35.3 45.0 10s|9 heal 0 45.0 45.2 rules removed|10 wait 0 45.2 50.0 synced|11 workload 0 61.0 61.5 stop|12 check 0 61.5 66.0 invariants durability convergence split-brain", st, "|")
		for (i = 1; i <= n; i++) {
			split(st[i], f, " ")
			d = f[6]; for (k = 7; k in f; k++) d = d " " f[k]; delete f[k]
			printf "INSERT INTO steps (run_id, seq, action, node, started_at, ended_at, outcome, detail) VALUES (%d, %d, \x27%s\x27, %s, %.3f, %.3f, \x27ok\x27, \x27%s\x27);\n", id, f[1], f[2], f[3] == "0" ? "NULL" : "\x27" f[3] "\x27", t0 + f[4], t0 + f[5], d
			delete f
		}
		for (s = 1; s <= 60; s++) {
			ok = 400 + (s * 37 % 41) - 20; failed = (s * 13 % 5 == 0); unknown = 0
			p50 = 2.0 + (s % 7) * 0.1; p95 = 6.0 + (s % 5) * 0.3; p99 = 11.0 + (s % 3)
			if (s == 11) { ok = 150; failed = 40; unknown = 3; p99 = 250 }
			if (s == 12) { ok = 0; failed = 60; unknown = 1 }
			if (s == 13) { p50 = 4; p95 = 40; p99 = 900 }
			if (s >= 35 && s <= (reg ? 40 : 36)) { ok = 0; failed = 25 }
			if (s == (reg ? 41 : 37)) { p50 = 5; p95 = 120; p99 = 1800 }
			if (reg) { ok = int(ok * 0.7); p50 *= 1.5; p95 *= 2; p99 *= 2 }
			printf "INSERT INTO workload_seconds VALUES (%d, %d, %d, %d, %d, %.2f, %.2f, %.2f);\n", id, t0 + s, ok, failed, unknown, p50, p95, p99
		}
		for (nd = 1; nd <= 3; nd++) printf "INSERT INTO node_states VALUES (%d, %.1f, %d, \x27Synced\x27, NULL);\n", id, t0 + 0.5, nd
		printf "INSERT INTO node_states VALUES (%d, %.1f, 2, \x27down\x27, \x27killed\x27);\n", id, t0 + 11.3
		printf "INSERT INTO node_states VALUES (%d, %.1f, 2, \x27Joining\x27, \x27SST rsync\x27);\n", id, t0 + 21.5
		printf "INSERT INTO node_states VALUES (%d, %.1f, 2, \x27Joined\x27, NULL);\n", id, t0 + (reg ? 30 : 26)
		printf "INSERT INTO node_states VALUES (%d, %.1f, 2, \x27Synced\x27, NULL);\n", id, t0 + (reg ? 33 : 28)
		printf "INSERT INTO node_states VALUES (%d, %.1f, 1, \x27non-Primary\x27, \x27partitioned\x27);\n", id, t0 + 35.6
		printf "INSERT INTO node_states VALUES (%d, %.1f, 1, \x27Synced\x27, NULL);\n", id, t0 + 46.0
		printf "INSERT INTO checks (run_id, checker, expected, actual, anomalies, details) VALUES (%d, \x27invariants\x27, \x27pass\x27, \x27%s\x27, %d, \x27%s\x27);\n", id, reg ? "fail" : "pass", reg ? 1 : 0, reg ? "sum of credit off by 120" : "4 invariants hold"
		printf "INSERT INTO checks (run_id, checker, expected, actual, anomalies, details) VALUES (%d, \x27durability\x27, \x27pass\x27, \x27%s\x27, %d, \x27%s\x27);\n", id, reg ? "fail" : "pass", reg ? 3 : 0, reg ? "3 ok transactions lost" : "22840 ok present, 4 unknown resolved"
		printf "INSERT INTO checks (run_id, checker, expected, actual, anomalies, details) VALUES (%d, \x27convergence\x27, \x27pass\x27, \x27pass\x27, 0, \x27checksums agree\x27);\n", id
		printf "INSERT INTO checks (run_id, checker, expected, actual, anomalies, details) VALUES (%d, \x27split-brain\x27, \x27primary\x27, \x27primary\x27, 0, NULL);\n", id
		if (reg) {
			for (a = 1; a <= 3; a++)
				printf "INSERT INTO anomalies (run_id, checker, kind, tbl, row_id, txn_id, node, detail) VALUES (%d, \x27durability\x27, \x27lost-ok\x27, \x27credit\x27, %d, %d, \x2710.213.1.2:3306\x27, \x27acknowledged credit missing\x27);\n", id, 9000 + a, 51000 + a
			printf "INSERT INTO anomalies (run_id, checker, kind, tbl, row_id, txn_id, node, detail) VALUES (%d, \x27invariants\x27, \x27balance-drift\x27, \x27customer\x27, 17, NULL, NULL, \x27credit 480, expected 600\x27);\n", id
		}
		print "COMMIT;"
	}' | sqlite3 "$db"
}
