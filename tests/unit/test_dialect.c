/* Unit tests for lib/dialect.c: which dialect each documented VERSION() /
 * @@version_comment pair (and each server's --version line) selects; the
 * column names against the column lists of SHOW REPLICA STATUS (MySQL 8.0
 * manual, 8.0.22+), SHOW SLAVE STATUS (MySQL before 8.0.22) and MariaDB's
 * SHOW SLAVE STATUS; the statements each dialect gets, byte for byte for
 * MariaDB (what lab always sent); semi-sync names; redo-log files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "util.h"

static struct server_dialect detect(const char *version, const char *comment)
{
	struct server_dialect sd;
	assert_int_equal(dialect_detect(version, comment, &sd), 0);
	return sd;
}

static void test_release(void **state)
{
	(void)state;
	assert_int_equal(dialect_release("8.0.34"), 80034);
	assert_int_equal(dialect_release("8.0.35-27"), 80035);
	assert_int_equal(dialect_release("8.0.35-27.1"), 80035);
	assert_int_equal(dialect_release("10.11.6-MariaDB-0+deb12u1"), 101106);
	assert_int_equal(dialect_release("11.4.2-MariaDB-ubu2404"), 110402);
	assert_int_equal(dialect_release("8.0"), 80000);
	assert_int_equal(dialect_release("8"), 0);
	assert_int_equal(dialect_release(""), 0);
	assert_int_equal(dialect_release(NULL), 0);
	assert_int_equal(dialect_release("x8.0.1"), 0);
	assert_int_equal(dialect_release("8.0.100"), 0);
	assert_int_equal(dialect_release("123456.0.1"), 0);
}

static void test_detect(void **state)
{
	(void)state;
	struct server_dialect sd;

	sd = detect("10.11.6-MariaDB-0+deb12u1", "Debian 12");
	assert_string_equal(sd.d->name, "mariadb");
	assert_int_equal(sd.release, 101106);
	assert_int_equal(sd.d->gtid, GTID_MARIADB);
	assert_string_equal(sd.comment, "Debian 12");

	sd = detect("11.4.2-MariaDB-ubu2404", "mariadb.org binary distribution");
	assert_string_equal(sd.d->name, "mariadb");

	sd = detect("8.0.34", "MySQL Community Server - GPL");
	assert_string_equal(sd.d->name, "mysql-8.0");
	assert_int_equal(sd.release, 80034);
	assert_int_equal(sd.d->gtid, GTID_MYSQL);
	assert_false(sd.d->galera);

	sd = detect("8.0.36-commercial", "MySQL Enterprise Server - Commercial");
	assert_string_equal(sd.d->name, "mysql-8.0");

	sd = detect("8.0.39-0ubuntu0.22.04.1", "(Ubuntu)");
	assert_string_equal(sd.d->name, "mysql-8.0");

	sd = detect("8.0.35-27", "Percona Server (GPL), Release 27, Revision 2f8eeab2");
	assert_string_equal(sd.d->name, "percona-server-8.0");
	assert_int_equal(sd.release, 80035);
	assert_null(sd.d->strict_mode_var);

	sd = detect("8.0.35-27.1", "Percona XtraDB Cluster (GPL), Release rel27, Revision 1ba8f1e, WSREP version 26.1.4.3");
	assert_string_equal(sd.d->name, "pxc-8.0");
	assert_true(sd.d->galera);
	assert_string_equal(sd.d->strict_mode_var, "pxc_strict_mode");
	assert_string_equal(sd.d->galera_bootstrap, "systemctl start mysql@bootstrap");
	assert_string_equal(sd.d->binlog_tool, "mysqlbinlog");

	/* not a dialect lab knows */
	lab_quiet = true;
	assert_int_equal(dialect_detect("8.4.0", "MySQL Community Server - GPL", &sd), -1);
	assert_null(sd.d);
	assert_non_null(strstr(lab_last_error(), "'8.4.0' (MySQL Community Server - GPL) is no dialect"));
	assert_int_equal(dialect_detect("5.7.44", "MySQL Community Server (GPL)", &sd), -1);
	assert_int_equal(dialect_detect("9.1.0", "", &sd), -1);
	assert_int_equal(dialect_detect("abc", "MySQL Community Server - GPL", &sd), -1);
	assert_int_equal(dialect_detect(NULL, NULL, &sd), -1);

	assert_ptr_equal(dialect_find("pxc-8.0"), dialect_find("pxc-8.0"));
	assert_null(dialect_find("oracle"));
	assert_null(dialect_find(NULL));
	for (size_t i = 0; lab_dialects[i]; i++)
		assert_ptr_equal(dialect_find(lab_dialects[i]->name), lab_dialects[i]);

	char buf[256];
	sd = detect("8.0.34", "MySQL Community Server - GPL");
	assert_string_equal(dialect_describe(&sd, buf, sizeof(buf)), "mysql-8.0 (8.0.34, MySQL Community Server - GPL)");
	dialect_default(&sd);
	assert_string_equal(sd.d->name, "mariadb");
	assert_string_equal(dialect_describe(&sd, buf, sizeof(buf)), "mariadb (release not known)");
	assert_string_equal(dialect_describe(NULL, buf, sizeof(buf)), "unknown");
}

static void test_version_lines(void **state)
{
	(void)state;
	struct server_dialect sd;

	assert_int_equal(dialect_parse_version_line("/usr/sbin/mariadbd  Ver 10.11.6-MariaDB-0+deb12u1 for "
						    "debian-linux-gnu on x86_64 (Debian 12)\n", &sd), 0);
	assert_string_equal(sd.d->name, "mariadb");
	assert_string_equal(sd.version, "10.11.6-MariaDB-0+deb12u1");
	assert_string_equal(sd.comment, "Debian 12");

	assert_int_equal(dialect_parse_version_line("/usr/sbin/mysqld  Ver 8.0.34 for Linux on x86_64 (MySQL "
						    "Community Server - GPL)", &sd), 0);
	assert_string_equal(sd.d->name, "mysql-8.0");
	assert_string_equal(sd.comment, "MySQL Community Server - GPL");

	assert_int_equal(dialect_parse_version_line("/usr/sbin/mysqld  Ver 8.0.35-27 for Linux on x86_64 (Percona "
						    "Server (GPL), Release 27, Revision 2f8eeab2)\n", &sd), 0);
	assert_string_equal(sd.d->name, "percona-server-8.0");
	assert_string_equal(sd.version, "8.0.35-27");
	assert_string_equal(sd.comment, "Percona Server (GPL), Release 27, Revision 2f8eeab2");

	assert_int_equal(dialect_parse_version_line("/usr/sbin/mysqld  Ver 8.0.35-27.1 for Linux on x86_64 (Percona "
						    "XtraDB Cluster (GPL), Release rel27, Revision 1ba8f1e, WSREP "
						    "version 26.1.4.3)", &sd), 0);
	assert_string_equal(sd.d->name, "pxc-8.0");

	/* versions.c keeps the line from "Ver" on */
	assert_int_equal(dialect_parse_version_line("Ver 10.11.6-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 "
						    "(Debian 12)", &sd), 0);
	assert_string_equal(sd.d->name, "mariadb");
	assert_string_equal(sd.version, "10.11.6-MariaDB-0+deb12u1");

	lab_quiet = true;
	assert_int_equal(dialect_parse_version_line("mysqld: command not found", &sd), -1);
	assert_int_equal(dialect_parse_version_line("Version 8.0.1", &sd), -1);
	assert_int_equal(dialect_parse_version_line(NULL, &sd), -1);
}

/* The column lists as the manuals document them. */
static const char *const mysql_replica_status[] = {
	"Replica_IO_State", "Source_Host", "Source_User", "Source_Port", "Connect_Retry", "Source_Log_File",
	"Read_Source_Log_Pos", "Relay_Log_File", "Relay_Log_Pos", "Relay_Source_Log_File", "Replica_IO_Running",
	"Replica_SQL_Running", "Replicate_Do_DB", "Replicate_Ignore_DB", "Replicate_Do_Table",
	"Replicate_Ignore_Table", "Replicate_Wild_Do_Table", "Replicate_Wild_Ignore_Table", "Last_Errno",
	"Last_Error", "Skip_Counter", "Exec_Source_Log_Pos", "Relay_Log_Space", "Until_Condition",
	"Until_Log_File", "Until_Log_Pos", "Source_SSL_Allowed", "Source_SSL_CA_File", "Source_SSL_CA_Path",
	"Source_SSL_Cert", "Source_SSL_Cipher", "Source_SSL_Key", "Seconds_Behind_Source",
	"Source_SSL_Verify_Server_Cert", "Last_IO_Errno", "Last_IO_Error", "Last_SQL_Errno", "Last_SQL_Error",
	"Replicate_Ignore_Server_Ids", "Source_Server_Id", "Source_UUID", "Source_Info_File", "SQL_Delay",
	"SQL_Remaining_Delay", "Replica_SQL_Running_State", "Source_Retry_Count", "Source_Bind",
	"Last_IO_Error_Timestamp", "Last_SQL_Error_Timestamp", "Source_SSL_Crl", "Source_SSL_Crlpath",
	"Retrieved_Gtid_Set", "Executed_Gtid_Set", "Auto_Position", "Replicate_Rewrite_DB", "Channel_Name",
	"Source_TLS_Version", "Source_public_key_path", "Get_Source_public_key", "Network_Namespace", NULL
};

static const char *const mysql_slave_status[] = {
	"Slave_IO_State", "Master_Host", "Master_User", "Master_Port", "Connect_Retry", "Master_Log_File",
	"Read_Master_Log_Pos", "Relay_Log_File", "Relay_Log_Pos", "Relay_Master_Log_File", "Slave_IO_Running",
	"Slave_SQL_Running", "Replicate_Do_DB", "Replicate_Ignore_DB", "Replicate_Do_Table",
	"Replicate_Ignore_Table", "Replicate_Wild_Do_Table", "Replicate_Wild_Ignore_Table", "Last_Errno",
	"Last_Error", "Skip_Counter", "Exec_Master_Log_Pos", "Relay_Log_Space", "Until_Condition",
	"Until_Log_File", "Until_Log_Pos", "Master_SSL_Allowed", "Master_SSL_CA_File", "Master_SSL_CA_Path",
	"Master_SSL_Cert", "Master_SSL_Cipher", "Master_SSL_Key", "Seconds_Behind_Master",
	"Master_SSL_Verify_Server_Cert", "Last_IO_Errno", "Last_IO_Error", "Last_SQL_Errno", "Last_SQL_Error",
	"Replicate_Ignore_Server_Ids", "Master_Server_Id", "Master_UUID", "Master_Info_File", "SQL_Delay",
	"SQL_Remaining_Delay", "Slave_SQL_Running_State", "Master_Retry_Count", "Master_Bind",
	"Last_IO_Error_Timestamp", "Last_SQL_Error_Timestamp", "Master_SSL_Crl", "Master_SSL_Crlpath",
	"Retrieved_Gtid_Set", "Executed_Gtid_Set", "Auto_Position", "Replicate_Rewrite_DB", "Channel_Name",
	"Master_TLS_Version", "Master_public_key_path", "Get_master_public_key", "Network_Namespace", NULL
};

static const char *const mariadb_slave_status[] = {
	"Slave_IO_State", "Master_Host", "Master_User", "Master_Port", "Connect_Retry", "Master_Log_File",
	"Read_Master_Log_Pos", "Relay_Log_File", "Relay_Log_Pos", "Relay_Master_Log_File", "Slave_IO_Running",
	"Slave_SQL_Running", "Replicate_Rewrite_DB", "Replicate_Do_DB", "Replicate_Ignore_DB",
	"Replicate_Do_Table", "Replicate_Ignore_Table", "Replicate_Wild_Do_Table", "Replicate_Wild_Ignore_Table",
	"Last_Errno", "Last_Error", "Skip_Counter", "Exec_Master_Log_Pos", "Relay_Log_Space", "Until_Condition",
	"Until_Log_File", "Until_Log_Pos", "Master_SSL_Allowed", "Master_SSL_CA_File", "Master_SSL_CA_Path",
	"Master_SSL_Cert", "Master_SSL_Cipher", "Master_SSL_Key", "Seconds_Behind_Master",
	"Master_SSL_Verify_Server_Cert", "Last_IO_Errno", "Last_IO_Error", "Last_SQL_Errno", "Last_SQL_Error",
	"Replicate_Ignore_Server_Ids", "Master_Server_Id", "Master_SSL_Crl", "Master_SSL_Crlpath", "Using_Gtid",
	"Gtid_IO_Pos", "Replicate_Do_Domain_Ids", "Replicate_Ignore_Domain_Ids", "Parallel_Mode", "SQL_Delay",
	"SQL_Remaining_Delay", "Slave_SQL_Running_State", "Slave_DDL_Groups", "Slave_Non_Transactional_Groups",
	"Slave_Transactional_Groups", NULL
};

static bool in_list(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

static void test_columns(void **state)
{
	(void)state;
	struct server_dialect maria = detect("10.11.6-MariaDB-0+deb12u1", "Debian 12");
	struct server_dialect m8021 = detect("8.0.21", "MySQL Community Server - GPL");
	struct server_dialect m8022 = detect("8.0.22", "MySQL Community Server - GPL");
	struct server_dialect pxc = detect("8.0.35-27.1", "Percona XtraDB Cluster (GPL), Release rel27, Revision "
					   "1ba8f1e, WSREP version 26.1.4.3");

	for (int c = 0; c < DCOL_COUNT; c++) {
		/* Gtid_Slave_Pos is a variable in MariaDB, not a column */
		if (c != DCOL_EXECUTED_GTIDS)
			assert_true(in_list(mariadb_slave_status, dialect_column(&maria, c)));
		assert_true(in_list(mysql_slave_status, dialect_column(&m8021, c)));
		assert_true(in_list(mysql_replica_status, dialect_column(&m8022, c)));
		assert_true(in_list(mysql_replica_status, dialect_column(&pxc, c)));
	}
	assert_string_equal(dialect_column(&maria, DCOL_IO_RUNNING), "Slave_IO_Running");
	assert_string_equal(dialect_column(&maria, DCOL_SOURCE_HOST), "Master_Host");
	assert_string_equal(dialect_column(&maria, DCOL_RECEIVED_GTIDS), "Gtid_IO_Pos");
	assert_string_equal(dialect_column(&m8021, DCOL_IO_RUNNING), "Slave_IO_Running");
	assert_string_equal(dialect_column(&m8021, DCOL_RECEIVED_GTIDS), "Retrieved_Gtid_Set");
	assert_string_equal(dialect_column(&m8022, DCOL_IO_RUNNING), "Replica_IO_Running");
	assert_string_equal(dialect_column(&m8022, DCOL_SOURCE_HOST), "Source_Host");
	assert_string_equal(dialect_column(&m8022, DCOL_LAG), "Seconds_Behind_Source");
	assert_string_equal(dialect_column(&pxc, DCOL_EXEC_SOURCE_POS), "Exec_Source_Log_Pos");
	assert_string_equal(dialect_column(&pxc, DCOL_EXECUTED_GTIDS), "Executed_Gtid_Set");
	assert_string_equal(dialect_column(NULL, DCOL_IO_RUNNING), "Slave_IO_Running");

	/* thread state names changed in 8.0.26 */
	struct server_dialect m8025 = detect("8.0.25", "MySQL Community Server - GPL");
	struct server_dialect m8026 = detect("8.0.26", "MySQL Community Server - GPL");
	assert_string_equal(dialect_sql_idle_state(&maria), "Slave has read all relay log");
	assert_string_equal(dialect_sql_idle_state(&m8025), "Slave has read all relay log");
	assert_string_equal(dialect_sql_idle_state(&m8026), "Replica has read all relay log");
}

static void test_statements(void **state)
{
	(void)state;
	struct server_dialect maria = detect("10.11.6-MariaDB-0+deb12u1", "Debian 12");
	struct server_dialect m8021 = detect("8.0.21", "MySQL Community Server - GPL");
	struct server_dialect m8022 = detect("8.0.22", "MySQL Community Server - GPL");
	struct server_dialect m8034 = detect("8.0.34", "MySQL Community Server - GPL");
	struct server_dialect ps = detect("8.0.35-27", "Percona Server (GPL), Release 27, Revision 2f8eeab2");
	struct server_dialect unknown_rel = { .d = dialect_find("mysql-8.0") };

	assert_string_equal(dialect_statement(&maria, DSQL_REPLICA_STATUS), "SHOW SLAVE STATUS");
	assert_string_equal(dialect_statement(&maria, DSQL_STOP_IO_THREAD), "STOP SLAVE IO_THREAD");
	assert_string_equal(dialect_statement(&maria, DSQL_RESET_REPLICA_ALL), "RESET SLAVE ALL");
	assert_string_equal(dialect_statement(&m8021, DSQL_REPLICA_STATUS), "SHOW SLAVE STATUS");
	assert_string_equal(dialect_statement(&m8021, DSQL_START_REPLICA), "START SLAVE");
	assert_string_equal(dialect_statement(&m8022, DSQL_REPLICA_STATUS), "SHOW REPLICA STATUS");
	assert_string_equal(dialect_statement(&m8022, DSQL_START_REPLICA), "START REPLICA");
	assert_string_equal(dialect_statement(&ps, DSQL_STOP_IO_THREAD), "STOP REPLICA IO_THREAD");
	assert_string_equal(dialect_statement(&ps, DSQL_RESET_REPLICA_ALL), "RESET REPLICA ALL");
	assert_string_equal(dialect_statement(&unknown_rel, DSQL_REPLICA_STATUS), "SHOW REPLICA STATUS");

	struct dialect_source src = { "'10.9.0.1'", 3306, "'lab'", "'pw'", DGTID_SLAVE_POS, 1, 1 };
	char *sql = dialect_change_source_sql(&maria, &src);
	/* exactly what lab has always sent to MariaDB */
	assert_string_equal(sql, "STOP SLAVE;\n"
				 "CHANGE MASTER TO MASTER_HOST='10.9.0.1', MASTER_PORT=3306, MASTER_USER='lab', "
				 "MASTER_PASSWORD='pw', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, "
				 "MASTER_HEARTBEAT_PERIOD=1;\n"
				 "START SLAVE;\n");
	free(sql);
	src.start = DGTID_CURRENT_POS;
	sql = dialect_change_source_sql(&maria, &src);
	assert_non_null(strstr(sql, "MASTER_USE_GTID=current_pos, "));
	free(sql);

	sql = dialect_change_source_sql(&m8021, &src);
	assert_string_equal(sql, "STOP SLAVE;\n"
				 "CHANGE MASTER TO MASTER_HOST='10.9.0.1', MASTER_PORT=3306, MASTER_USER='lab', "
				 "MASTER_PASSWORD='pw', MASTER_AUTO_POSITION=1, MASTER_CONNECT_RETRY=1, "
				 "MASTER_HEARTBEAT_PERIOD=1, GET_MASTER_PUBLIC_KEY=1;\n"
				 "START SLAVE;\n");
	free(sql);
	/* 8.0.22: REPLICA statements, still CHANGE MASTER TO */
	sql = dialect_change_source_sql(&m8022, &src);
	assert_string_equal(sql, "STOP REPLICA;\n"
				 "CHANGE MASTER TO MASTER_HOST='10.9.0.1', MASTER_PORT=3306, MASTER_USER='lab', "
				 "MASTER_PASSWORD='pw', MASTER_AUTO_POSITION=1, MASTER_CONNECT_RETRY=1, "
				 "MASTER_HEARTBEAT_PERIOD=1, GET_MASTER_PUBLIC_KEY=1;\n"
				 "START REPLICA;\n");
	free(sql);
	src.start = DGTID_SLAVE_POS;
	sql = dialect_change_source_sql(&m8034, &src);
	assert_string_equal(sql, "STOP REPLICA;\n"
				 "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.9.0.1', SOURCE_PORT=3306, "
				 "SOURCE_USER='lab', SOURCE_PASSWORD='pw', SOURCE_AUTO_POSITION=1, "
				 "SOURCE_CONNECT_RETRY=1, SOURCE_HEARTBEAT_PERIOD=1, GET_SOURCE_PUBLIC_KEY=1;\n"
				 "START REPLICA;\n");
	/* the password never leaves through an error message */
	char *clean = scrub_secrets(NULL, sql);
	assert_null(strstr(clean, "'pw'"));
	assert_non_null(strstr(clean, "SOURCE_PASSWORD='***'"));
	free(clean);
	free(sql);
	struct server_dialect m8023 = detect("8.0.23", "MySQL Community Server - GPL");
	sql = dialect_change_source_sql(&m8023, &src);
	assert_non_null(strstr(sql, "CHANGE REPLICATION SOURCE TO SOURCE_HOST="));
	free(sql);

	/* read-only */
	assert_string_equal(dialect_set_read_only_sql(&maria, true), "SET GLOBAL read_only=ON;\n");
	assert_string_equal(dialect_set_read_only_sql(&maria, false), "SET GLOBAL read_only=OFF;\n");
	assert_string_equal(dialect_set_read_only_sql(&ps, true), "SET GLOBAL super_read_only=ON;\n");
	assert_string_equal(dialect_set_read_only_sql(&ps, false),
			    "SET GLOBAL super_read_only=OFF;\nSET GLOBAL read_only=OFF;\n");
	assert_string_equal(dialect_option(&maria, DOPT_READ_ONLY), "read-only");
	assert_string_equal(dialect_option(&m8021, DOPT_READ_ONLY), "super-read-only");

	/* positions */
	unsigned n;
	assert_string_equal(dialect_positions_sql(&maria, &n),
			    "SELECT @@read_only, @@gtid_binlog_pos, @@gtid_slave_pos, @@gtid_current_pos");
	assert_int_equal(n, 4);
	assert_non_null(strstr(dialect_positions_sql(&m8034, &n), "@@global.gtid_executed"));
	assert_non_null(strstr(dialect_positions_sql(&m8034, &n), "@@global.gtid_purged"));
	assert_int_equal(n, 5);

	/* options */
	struct dialect_kv kv[4];
	assert_int_equal(dialect_gtid_options(&maria, kv, 4), 1);
	assert_string_equal(kv[0].key, "gtid-domain-id");
	assert_string_equal(kv[0].value, "0");
	assert_int_equal(dialect_gtid_options(&ps, kv, 4), 2);
	assert_string_equal(kv[0].key, "gtid-mode");
	assert_string_equal(kv[1].key, "enforce-gtid-consistency");
	assert_int_equal(dialect_gtid_options(&ps, kv, 1), 1);
	assert_string_equal(dialect_option(&maria, DOPT_LOG_REPLICA_UPDATES), "log-slave-updates");
	assert_string_equal(dialect_option(&maria, DOPT_NET_TIMEOUT), "slave-net-timeout");
	assert_string_equal(dialect_option(&m8022, DOPT_LOG_REPLICA_UPDATES), "log-slave-updates");
	assert_string_equal(dialect_option(&m8034, DOPT_LOG_REPLICA_UPDATES), "log-replica-updates");
	assert_string_equal(dialect_option(&m8034, DOPT_NET_TIMEOUT), "replica-net-timeout");
	char buf[128];
	assert_string_equal(dialect_option_name("rpl_semi_sync_source_enabled", buf, sizeof(buf)),
			    "rpl-semi-sync-source-enabled");
}

static void test_semisync(void **state)
{
	(void)state;
	struct server_dialect maria = detect("10.11.6-MariaDB-0+deb12u1", "Debian 12");
	struct server_dialect m8025 = detect("8.0.25", "MySQL Community Server - GPL");
	struct server_dialect m8026 = detect("8.0.26", "MySQL Community Server - GPL");
	char buf[128];

	assert_string_equal(dialect_semisync(&maria, DSEMI_SOURCE_ENABLED), "rpl_semi_sync_master_enabled");
	assert_string_equal(dialect_semisync(&maria, DSEMI_REPLICA_ENABLED), "rpl_semi_sync_slave_enabled");
	assert_string_equal(dialect_semisync(&maria, DSEMI_STATUS), "Rpl_semi_sync_master_status");
	assert_string_equal(dialect_semisync(&maria, DSEMI_STATUS_LIKE),
			    "SHOW GLOBAL STATUS LIKE 'Rpl\\_semi\\_sync\\_master\\_%'");
	assert_null(dialect_semisync(&maria, DSEMI_PLUGINS));
	assert_string_equal(dialect_semisync_set(&maria, DSEMI_REPLICA_ENABLED, false, buf, sizeof(buf)),
			    "SET GLOBAL rpl_semi_sync_slave_enabled=OFF;\n");

	assert_string_equal(dialect_semisync(&m8025, DSEMI_SOURCE_ENABLED), "rpl_semi_sync_master_enabled");
	assert_string_equal(dialect_semisync(&m8025, DSEMI_PLUGINS), "semisync_master.so;semisync_slave.so");
	assert_string_equal(dialect_semisync(&m8026, DSEMI_SOURCE_ENABLED), "rpl_semi_sync_source_enabled");
	assert_string_equal(dialect_semisync(&m8026, DSEMI_REPLICA_ENABLED), "rpl_semi_sync_replica_enabled");
	assert_string_equal(dialect_semisync(&m8026, DSEMI_WAIT_POINT), "rpl_semi_sync_source_wait_point");
	assert_string_equal(dialect_semisync(&m8026, DSEMI_STATUS), "Rpl_semi_sync_source_status");
	assert_string_equal(dialect_semisync(&m8026, DSEMI_CLIENTS), "Rpl_semi_sync_source_clients");
	assert_string_equal(dialect_semisync(&m8026, DSEMI_PLUGINS), "semisync_source.so;semisync_replica.so");
	assert_string_equal(dialect_semisync_set(&m8026, DSEMI_SOURCE_ENABLED, true, buf, sizeof(buf)),
			    "SET GLOBAL rpl_semi_sync_source_enabled=ON;\n");
}

static void test_positions(void **state)
{
	(void)state;
	struct server_dialect maria = detect("10.11.6-MariaDB-0+deb12u1", "Debian 12");
	struct server_dialect ps = detect("8.0.35-27", "Percona Server (GPL), Release 27, Revision 2f8eeab2");
	const char *u = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
	char a[128], b[128];

	assert_true(dialect_position_within(&maria, "0-1-5", "0-1-9"));
	assert_true(dialect_position_within(&maria, "0-1-5", "0-1-5,1-2-3"));
	assert_false(dialect_position_within(&maria, "0-1-9", "0-1-5"));
	assert_false(dialect_position_within(&maria, "0-1-5", "garbage"));
	snprintf(a, sizeof(a), "%s:1-5", u);
	snprintf(b, sizeof(b), "%s:1-9", u);
	assert_true(dialect_position_within(&ps, a, b));
	assert_false(dialect_position_within(&ps, b, a));
	/* an errant transaction on the replica: not within the primary's set */
	snprintf(a, sizeof(a), "%s:1-5,00020192-1111-1111-1111-111111111111:1", u);
	assert_false(dialect_position_within(&ps, a, b));
	assert_true(dialect_position_within(&ps, "", b));
	/* a MariaDB position is no MySQL set */
	assert_false(dialect_position_within(&ps, "0-1-5", b));
}

/* How far a replica lags: transactions of the primary's position it lacks;
 * a replica with something the primary has not is diverged, not lagging. */
static void test_position_behind(void **state)
{
	(void)state;
	struct server_dialect maria = detect("10.11.6-MariaDB-0+deb12u1", "Debian 12");
	struct server_dialect ps = detect("8.0.35-27", "Percona Server (GPL), Release 27, Revision 2f8eeab2");
	const char *u = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
	char a[160], b[160];

	assert_int_equal(dialect_position_behind(&maria, "0-1-9", "0-1-9"), 0);
	assert_int_equal(dialect_position_behind(&maria, "0-1-30000", "0-1-5000"), 25000);
	/* after a failover the domain's seqs go on under the new server id */
	assert_int_equal(dialect_position_behind(&maria, "0-2-120", "0-1-100"), 20);
	/* two domains: the lags add up; a domain the replica lacks counts whole */
	assert_int_equal(dialect_position_behind(&maria, "0-1-10,1-3-4", "0-1-7"), 7);
	/* the replica is ahead, or has the same seq from another server */
	assert_int_equal(dialect_position_behind(&maria, "0-1-5", "0-1-9"), -1);
	assert_int_equal(dialect_position_behind(&maria, "0-1-9", "0-2-9"), -1);
	assert_int_equal(dialect_position_behind(&maria, "garbage", "0-1-9"), -1);
	assert_int_equal(dialect_position_behind(&maria, "0-1-9", "0-1-"), -1);
	snprintf(a, sizeof(a), "%s:1-100", u);
	snprintf(b, sizeof(b), "%s:1-40", u);
	assert_int_equal(dialect_position_behind(&ps, a, b), 60);
	assert_int_equal(dialect_position_behind(&ps, a, a), 0);
	assert_int_equal(dialect_position_behind(&ps, b, a), -1);
	assert_int_equal(dialect_position_behind(&ps, a, ""), 100);
	/* an errant transaction on the replica: diverged */
	snprintf(b, sizeof(b), "%s:1-40,00020192-1111-1111-1111-111111111111:1", u);
	assert_int_equal(dialect_position_behind(&ps, a, b), -1);
	assert_int_equal(dialect_position_behind(&ps, "0-1-5", a), -1);
}

static void expect_redo(struct server_dialect sd, const char *a, const char *b)
{
	const char *f[4];
	size_t n = dialect_redo_files(&sd, f, 4);
	assert_int_equal(n, b ? 2 : 1);
	assert_string_equal(f[0], a);
	if (b)
		assert_string_equal(f[1], b);
}

static void test_redo(void **state)
{
	(void)state;
	expect_redo(detect("10.11.6-MariaDB-0+deb12u1", "Debian 12"), "ib_logfile0", NULL);
	expect_redo(detect("10.5.0-MariaDB", ""), "ib_logfile0", NULL);
	expect_redo(detect("10.4.32-MariaDB", ""), "ib_logfile0", "ib_logfile1");
	expect_redo(detect("8.0.29", "MySQL Community Server - GPL"), "ib_logfile0", "ib_logfile1");
	expect_redo(detect("8.0.30", "MySQL Community Server - GPL"), "#innodb_redo/#ib_redo*", NULL);
	expect_redo(detect("8.0.35-27", "Percona Server (GPL), Release 27, Revision 2f8eeab2"),
		    "#innodb_redo/#ib_redo*", NULL);
	expect_redo(detect("8.0.28-19.1", "Percona XtraDB Cluster (GPL), Release rel19, Revision f544540, WSREP "
			   "version 26.4.3"), "ib_logfile0", "ib_logfile1");
	struct server_dialect def;
	dialect_default(&def);
	expect_redo(def, "ib_logfile0", NULL);
	const char *f[1];
	assert_int_equal(dialect_redo_files(&(struct server_dialect){ .d = dialect_find("mysql-8.0"), .release = 80020 },
					    f, 1), 1);
	assert_int_equal(dialect_redo_files(NULL, f, 1), 1);
	assert_string_equal(f[0], "ib_logfile0");
}

int main(void)
{
	lab_quiet = true;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_version_lines),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_statements),
		cmocka_unit_test(test_semisync),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_position_behind),
		cmocka_unit_test(test_redo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
