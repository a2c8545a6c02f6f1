/*
 * dialect.h — how each server family lab can meet spells its replication
 * statements, status columns, variables, options, tools and files: the
 * one table of dialects (dialect.c), so that nothing above lib/ writes
 * "SHOW SLAVE STATUS" or "if (mysql)".
 *
 * A dialect is a row (mariadb, mysql-8.0, percona-server-8.0, pxc-8.0);
 * a node's dialect is that row plus the release the node runs, because
 * MySQL 8.0 renamed things within the series: SHOW REPLICA STATUS, START
 * REPLICA and the Source_/Replica_ columns from 8.0.22, CHANGE REPLICATION
 * SOURCE TO from 8.0.23, the semi-sync plugins rpl_semi_sync_source /
 * _replica, the thread state names and the replica-* options from 8.0.26,
 * the redo log in #innodb_redo from 8.0.30. Each renamed word is one row of
 * the spellings table in dialect.c with the release that renamed it.
 *
 * Detection: SELECT VERSION(), @@version_comment (dialect_query), or the
 * server binary's `--version` line before it runs (dialect_parse_version_line):
 *
 *   10.11.6-MariaDB-0+deb12u1  Debian 12                                  mariadb
 *   8.0.34                     MySQL Community Server - GPL               mysql-8.0
 *   8.0.35-27                  Percona Server (GPL), Release 27, ...      percona-server-8.0
 *   8.0.35-27.1                Percona XtraDB Cluster (GPL), Release rel27, ...  pxc-8.0
 *
 * Everything here is pure except dialect_query; the strings returned are
 * static unless said otherwise.
 */
#ifndef LAB_DIALECT_H
#define LAB_DIALECT_H

#include <stdbool.h>
#include <stddef.h>

#include <mysql.h>

#include "gtid.h"

/* A release as one number: MAJOR*10000 + MINOR*100 + PATCH (8.0.35 ->
 * 80035, 10.11.6 -> 101106). 0: unknown (the newest spelling applies). */
#define DIALECT_NEVER 0xffffffffu

struct dialect {
	const char *name;         /* mariadb | mysql-8.0 | percona-server-8.0 | pxc-8.0 */
	const char *description;
	/* Detection: the row matches when VERSION() contains match_version
	 * (NULL: any), @@version_comment contains match_comment (NULL: any)
	 * and the release is within [min_release, max_release]. The first
	 * matching row wins. */
	const char *match_version, *match_comment;
	unsigned min_release, max_release;
	bool mysql_words;         /* spelled like MySQL (the spellings table's MySQL columns) */
	enum gtid_dialect gtid;   /* domain-server-seq or uuid:intervals */
	bool galera;              /* has wsrep (MariaDB with galera-4, PXC) */
	/* Files and programs. */
	const char *server_binary;   /* mariadbd | mysqld */
	const char *client;          /* mariadb | mysql */
	const char *binlog_tool;     /* mariadb-binlog | mysqlbinlog */
	/* How a datadir is made: the program and its options before
	 * --datadir=DIR ("--no-defaults" first, as both demand). */
	const char *install_program;  /* mariadb-install-db | mysqld */
	const char *install_args[6];  /* NULL-terminated */
	const char *galera_bootstrap; /* how its packages bootstrap a cluster by hand, NULL: no galera */
	const char *galera_provider; /* libgalera_smm.so path of its packages, NULL: no galera */
	const char *sst_method;      /* wsrep_sst_method lab uses, NULL: no galera */
	const char *strict_mode_var; /* pxc_strict_mode, NULL: none */
	/* A query that reads a system table: refused (1047) until wsrep is
	 * ready, where a bare SELECT 1 passes before. */
	const char *table_probe_sql;
	/* Replication. */
	const char *read_only_var;   /* what keeps even SUPER users out: read_only | super_read_only */
	bool semisync_plugin;        /* semi-sync is a plugin to load (MySQL), not built in (MariaDB 10.3+) */
	bool read_only_admin;        /* has the READ_ONLY ADMIN privilege (MariaDB 10.5+) */
	/* Redo log: only ib_logfile0 from this release (MariaDB 10.5), the
	 * #innodb_redo directory from this release (MySQL 8.0.30); before
	 * both, ib_logfile0 and ib_logfile1. DIALECT_NEVER: never. */
	unsigned single_redo_since, redo_dir_since;
};

/* A node's dialect: the row and the release it runs. */
struct server_dialect {
	const struct dialect *d;
	unsigned release;         /* 0: unknown */
	char version[96];         /* VERSION() or the binary's version word */
	char comment[160];        /* @@version_comment or the binary's parenthesis */
};

/* The table (NULL-terminated). */
extern const struct dialect *const lab_dialects[];
const struct dialect *dialect_find(const char *name);

/* "8.0.35-27" -> 80035; 0 when text does not start with N.N[.N]. */
unsigned dialect_release(const char *text);

/* Choose the row for VERSION() and @@version_comment. 0, or -1 with the
 * error reported ("server '8.4.0' (MySQL Community Server - GPL) is no
 * dialect lab knows: ..."); out->d is then NULL and out->version and
 * out->comment still say what the server is. */
int dialect_detect(const char *version, const char *comment, struct server_dialect *out);
/* The same from a server binary's `--version` line, e.g.
 * "/usr/sbin/mysqld  Ver 8.0.35-27 for Linux on x86_64 (Percona Server (GPL), Release 27, Revision 2f8eeab2)". */
int dialect_parse_version_line(const char *line, struct server_dialect *out);
/* SELECT VERSION(), @@version_comment on m. 0, or -1 reported. */
int dialect_query(MYSQL *m, struct server_dialect *out);
/* MariaDB, release unknown: what lab assumes of a node nobody asked. */
void dialect_default(struct server_dialect *out);

/* ---- replica status ---- */

enum dialect_column {
	DCOL_SOURCE_HOST,       /* Master_Host | Source_Host */
	DCOL_IO_RUNNING,        /* Slave_IO_Running | Replica_IO_Running */
	DCOL_SQL_RUNNING,
	DCOL_LAG,               /* Seconds_Behind_Master | Seconds_Behind_Source */
	DCOL_SQL_STATE,         /* Slave_SQL_Running_State | Replica_SQL_Running_State */
	DCOL_SOURCE_LOG_FILE,   /* Master_Log_File | Source_Log_File */
	DCOL_RELAY_SOURCE_LOG_FILE,
	DCOL_READ_SOURCE_POS,   /* Read_Master_Log_Pos | Read_Source_Log_Pos */
	DCOL_EXEC_SOURCE_POS,   /* Exec_Master_Log_Pos | Exec_Source_Log_Pos */
	DCOL_LAST_IO_ERRNO,
	DCOL_LAST_IO_ERROR,
	DCOL_LAST_SQL_ERRNO,
	DCOL_LAST_SQL_ERROR,
	DCOL_RECEIVED_GTIDS,    /* Gtid_IO_Pos | Retrieved_Gtid_Set */
	DCOL_EXECUTED_GTIDS,    /* Gtid_Slave_Pos | Executed_Gtid_Set */
	DCOL_USING_GTID,        /* Using_Gtid | Auto_Position */
	DCOL_COUNT
};
const char *dialect_column(const struct server_dialect *sd, enum dialect_column col);

/* Statements without their ';'. */
enum dialect_statement {
	DSQL_REPLICA_STATUS,    /* SHOW SLAVE STATUS | SHOW REPLICA STATUS */
	DSQL_START_REPLICA,     /* START SLAVE | START REPLICA */
	DSQL_STOP_REPLICA,
	DSQL_STOP_IO_THREAD,    /* STOP SLAVE IO_THREAD | STOP REPLICA IO_THREAD */
	DSQL_RESET_REPLICA_ALL, /* RESET SLAVE ALL | RESET REPLICA ALL */
	DSQL_COUNT
};
const char *dialect_statement(const struct server_dialect *sd, enum dialect_statement s);

/* The SQL thread's state once it applied all it received, as a prefix:
 * "Slave has read all relay log" | "Replica has read all relay log" (8.0.26). */
const char *dialect_sql_idle_state(const struct server_dialect *sd);

/* The one SELECT of a node's positions: columns read_only, binlog
 * position, replica position, current position, purged set. MariaDB:
 * @@read_only, @@gtid_binlog_pos, @@gtid_slave_pos, @@gtid_current_pos;
 * MySQL: @@read_only, @@global.gtid_executed, '', @@global.gtid_executed,
 * @@global.gtid_purged. Returns the number of columns in *n. */
const char *dialect_positions_sql(const struct server_dialect *sd, unsigned *n);

/* Is every transaction of position a within position b? MariaDB: both
 * gtid_current_pos-style positions (domain-server-seq); MySQL: both
 * executed sets (uuid:intervals). false when either does not parse. */
bool dialect_position_within(const struct server_dialect *sd, const char *a, const char *b);
/* How many transactions of position `ahead` (a primary's) position
 * `behind` (a replica's) lacks, when behind is within ahead: 0 when equal,
 * N when it lags; -1 when they cannot be compared (unparsable, or behind
 * has transactions ahead lacks: diverged, not lag). Same forms as
 * dialect_position_within. */
int64_t dialect_position_behind(const struct server_dialect *sd, const char *ahead, const char *behind);

/* ---- changing the source ---- */

/* Where a replica starts: MariaDB's MASTER_USE_GTID=slave_pos (what it
 * replicated) or current_pos (anything it logged itself too: a rejoined
 * old primary). MySQL has one: SOURCE_AUTO_POSITION=1. */
enum dialect_gtid_start { DGTID_SLAVE_POS, DGTID_CURRENT_POS };

struct dialect_source {
	const char *host_sql;      /* quoted SQL literal */
	unsigned port;
	const char *user_sql;      /* quoted SQL literal */
	const char *password_sql;  /* quoted SQL literal */
	enum dialect_gtid_start start;
	int connect_retry, heartbeat_period;
};
/* "STOP SLAVE;\nCHANGE MASTER TO ...;\nSTART SLAVE;\n" or its MySQL
 * spelling (CHANGE MASTER TO ... MASTER_AUTO_POSITION=1 before 8.0.23,
 * CHANGE REPLICATION SOURCE TO ... SOURCE_AUTO_POSITION=1 from it; with
 * GET_..._PUBLIC_KEY=1 for caching_sha2_password). malloc'd; holds the
 * password: the caller wipes it. */
char *dialect_change_source_sql(const struct server_dialect *sd, const struct dialect_source *src);

/* "SET GLOBAL read_only=ON;\n" and the like (MySQL: super_read_only ON;
 * off turns both off). */
const char *dialect_set_read_only_sql(const struct server_dialect *sd, bool on);

/* ---- semi-synchronous replication ---- */

enum dialect_semisync {
	DSEMI_SOURCE_ENABLED,   /* rpl_semi_sync_master_enabled | rpl_semi_sync_source_enabled */
	DSEMI_REPLICA_ENABLED,  /* rpl_semi_sync_slave_enabled | rpl_semi_sync_replica_enabled */
	DSEMI_WAIT_POINT,       /* rpl_semi_sync_master_wait_point | ..._source_wait_point */
	DSEMI_STATUS,           /* status: Rpl_semi_sync_master_status | Rpl_semi_sync_source_status */
	DSEMI_CLIENTS,          /* status: Rpl_semi_sync_master_clients | ..._source_clients */
	DSEMI_STATUS_LIKE,      /* SHOW GLOBAL STATUS LIKE ... of the source side */
	DSEMI_PLUGINS,          /* plugin-load-add value, NULL when built in */
	DSEMI_COUNT
};
const char *dialect_semisync(const struct server_dialect *sd, enum dialect_semisync what);
/* "SET GLOBAL VAR=ON|OFF;\n" for one of the variables above, into buf. */
const char *dialect_semisync_set(const struct server_dialect *sd, enum dialect_semisync var, bool on, char *buf,
				 size_t size);

/* ---- server options ---- */

enum dialect_option {
	DOPT_LOG_REPLICA_UPDATES, /* log-slave-updates | log-replica-updates (8.0.26) */
	DOPT_NET_TIMEOUT,         /* slave-net-timeout | replica-net-timeout (8.0.26) */
	DOPT_READ_ONLY,           /* read-only | super-read-only */
	DOPT_COUNT
};
const char *dialect_option(const struct server_dialect *sd, enum dialect_option o);

struct dialect_kv {
	const char *key, *value;
};
/* The options that turn GTIDs on: MariaDB gtid-domain-id=0; MySQL
 * gtid-mode=ON, enforce-gtid-consistency=ON. Returns how many (<= max). */
size_t dialect_gtid_options(const struct server_dialect *sd, struct dialect_kv *out, size_t max);
/* An option name with '_' as '-' (rpl_semi_sync_master_enabled ->
 * rpl-semi-sync-master-enabled), into buf. */
const char *dialect_option_name(const char *var, char *buf, size_t size);

/* ---- files ---- */

/* The redo log files of this release, relative to the datadir; the last
 * component may end in '*' (every file starting so). Returns how many
 * (<= max): MariaDB 10.5+ ib_logfile0; MySQL before 8.0.30 and MariaDB
 * before 10.5 ib_logfile0, ib_logfile1; MySQL 8.0.30+ #innodb_redo/#ib_redo*. */
size_t dialect_redo_files(const struct server_dialect *sd, const char **out, size_t max);

/* "pxc-8.0 (8.0.35-27.1, Percona XtraDB Cluster (GPL), ...)" into buf. */
const char *dialect_describe(const struct server_dialect *sd, char *buf, size_t size);

#endif
