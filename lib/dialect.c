/*
 * dialect.c — the table of server dialects (dialect.h) and the table of
 * the words MySQL renamed within 8.0, each with the release that renamed
 * it. MariaDB keeps the old words (it accepts some new ones, but lab
 * speaks to it exactly as it always has); MySQL, Percona Server and PXC
 * before the release use the old words, from it the new ones.
 *
 * Sources: MySQL 8.0 reference manual (SHOW REPLICA STATUS, CHANGE
 * REPLICATION SOURCE TO, semisync plugin installation, replication SQL
 * thread states, "Redo Log Capacity"), MariaDB knowledge base (SHOW SLAVE
 * STATUS, CHANGE MASTER TO, semi-synchronous replication), Percona Server
 * and PXC 8.0 documentation (version_comment, pxc_strict_mode, bootstrap).
 */
#include "dialect.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R(maj, min, patch) ((unsigned)(maj) * 10000u + (unsigned)(min) * 100u + (unsigned)(patch))

/* ---- the dialects ---- */

static const struct dialect mariadb = {
	.name = "mariadb",
	.description = "MariaDB 10.x / 11.x (Galera with galera-4), MariaDB GTIDs",
	.match_version = "MariaDB",
	.min_release = R(10, 0, 0),
	.max_release = R(11, 99, 99),
	.gtid = GTID_MARIADB,
	.galera = true,
	.server_binary = "mariadbd",
	.client = "mariadb",
	.binlog_tool = "mariadb-binlog",
	.install_program = "mariadb-install-db",
	.install_args = { "--no-defaults", "--user=mysql", "--auth-root-authentication-method=normal", "--skip-test-db",
			  "--skip-name-resolve", NULL },
	.galera_bootstrap = "galera_new_cluster",
	.galera_provider = "/usr/lib/galera/libgalera_smm.so",
	.sst_method = "rsync",
	.table_probe_sql = "SELECT 1 FROM mysql.global_priv LIMIT 1",
	.read_only_var = "read_only",
	.read_only_admin = true,
	.single_redo_since = R(10, 5, 0),
	.redo_dir_since = DIALECT_NEVER,
};

/* What MySQL 8.0, Percona Server 8.0 and PXC 8.0 share. */
#define MYSQL80_COMMON                                   \
	.min_release = R(8, 0, 0),                       \
	.max_release = R(8, 0, 99),                      \
	.mysql_words = true,                             \
	.gtid = GTID_MYSQL,                              \
	.server_binary = "mysqld",                       \
	.client = "mysql",                               \
	.binlog_tool = "mysqlbinlog",                    \
	.install_program = "mysqld",                     \
	.install_args = { "--no-defaults", "--initialize-insecure", "--user=mysql", NULL }, \
	.read_only_var = "super_read_only",              \
	.table_probe_sql = "SELECT 1 FROM mysql.user LIMIT 1", \
	.semisync_plugin = true,                         \
	.single_redo_since = DIALECT_NEVER,              \
	.redo_dir_since = R(8, 0, 30)

static const struct dialect pxc80 = {
	.name = "pxc-8.0",
	.description = "Percona XtraDB Cluster 8.0 (Galera 4 in Percona Server 8.0), MySQL GTIDs",
	.match_comment = "Percona XtraDB Cluster",
	MYSQL80_COMMON,
	.galera = true,
	.galera_bootstrap = "systemctl start mysql@bootstrap",
	.galera_provider = "/usr/lib/galera4/libgalera_smm.so",
	.sst_method = "xtrabackup-v2",
	.strict_mode_var = "pxc_strict_mode",
};

static const struct dialect percona80 = {
	.name = "percona-server-8.0",
	.description = "Percona Server for MySQL 8.0, MySQL GTIDs",
	.match_comment = "Percona Server",
	MYSQL80_COMMON,
};

static const struct dialect mysql80 = {
	.name = "mysql-8.0",
	.description = "MySQL 8.0 (Community, Enterprise, distribution builds), MySQL GTIDs",
	MYSQL80_COMMON,
};

/* Order matters: the first row that matches wins (mysql-8.0 takes any
 * other 8.0 server, e.g. Ubuntu's "(Ubuntu)" comment). */
const struct dialect *const lab_dialects[] = { &mariadb, &pxc80, &percona80, &mysql80, NULL };

const struct dialect *dialect_find(const char *name)
{
	for (size_t i = 0; lab_dialects[i]; i++)
		if (name && !strcmp(lab_dialects[i]->name, name))
			return lab_dialects[i];
	return NULL;
}

/* ---- the words MySQL renamed ---- */

/* One word: MariaDB's, MySQL's before `since`, MySQL's from it. */
struct spelling {
	const char *mariadb, *mysql_old, *mysql_new;
	unsigned since;
};

static const char *spell(const struct server_dialect *sd, const struct spelling *s)
{
	if (!sd || !sd->d || !sd->d->mysql_words)
		return s->mariadb;
	/* an unknown release speaks the newest words */
	return sd->release && sd->release < s->since ? s->mysql_old : s->mysql_new;
}

static const struct spelling columns[DCOL_COUNT] = {
	[DCOL_SOURCE_HOST] = { "Master_Host", "Master_Host", "Source_Host", R(8, 0, 22) },
	[DCOL_IO_RUNNING] = { "Slave_IO_Running", "Slave_IO_Running", "Replica_IO_Running", R(8, 0, 22) },
	[DCOL_SQL_RUNNING] = { "Slave_SQL_Running", "Slave_SQL_Running", "Replica_SQL_Running", R(8, 0, 22) },
	[DCOL_LAG] = { "Seconds_Behind_Master", "Seconds_Behind_Master", "Seconds_Behind_Source", R(8, 0, 22) },
	[DCOL_SQL_STATE] = { "Slave_SQL_Running_State", "Slave_SQL_Running_State", "Replica_SQL_Running_State",
			     R(8, 0, 22) },
	[DCOL_SOURCE_LOG_FILE] = { "Master_Log_File", "Master_Log_File", "Source_Log_File", R(8, 0, 22) },
	[DCOL_RELAY_SOURCE_LOG_FILE] = { "Relay_Master_Log_File", "Relay_Master_Log_File", "Relay_Source_Log_File",
					 R(8, 0, 22) },
	[DCOL_READ_SOURCE_POS] = { "Read_Master_Log_Pos", "Read_Master_Log_Pos", "Read_Source_Log_Pos", R(8, 0, 22) },
	[DCOL_EXEC_SOURCE_POS] = { "Exec_Master_Log_Pos", "Exec_Master_Log_Pos", "Exec_Source_Log_Pos", R(8, 0, 22) },
	[DCOL_LAST_IO_ERRNO] = { "Last_IO_Errno", "Last_IO_Errno", "Last_IO_Errno", 0 },
	[DCOL_LAST_IO_ERROR] = { "Last_IO_Error", "Last_IO_Error", "Last_IO_Error", 0 },
	[DCOL_LAST_SQL_ERRNO] = { "Last_SQL_Errno", "Last_SQL_Errno", "Last_SQL_Errno", 0 },
	[DCOL_LAST_SQL_ERROR] = { "Last_SQL_Error", "Last_SQL_Error", "Last_SQL_Error", 0 },
	[DCOL_RECEIVED_GTIDS] = { "Gtid_IO_Pos", "Retrieved_Gtid_Set", "Retrieved_Gtid_Set", 0 },
	[DCOL_EXECUTED_GTIDS] = { "Gtid_Slave_Pos", "Executed_Gtid_Set", "Executed_Gtid_Set", 0 },
	[DCOL_USING_GTID] = { "Using_Gtid", "Auto_Position", "Auto_Position", 0 },
};

static const struct spelling statements[DSQL_COUNT] = {
	[DSQL_REPLICA_STATUS] = { "SHOW SLAVE STATUS", "SHOW SLAVE STATUS", "SHOW REPLICA STATUS", R(8, 0, 22) },
	[DSQL_START_REPLICA] = { "START SLAVE", "START SLAVE", "START REPLICA", R(8, 0, 22) },
	[DSQL_STOP_REPLICA] = { "STOP SLAVE", "STOP SLAVE", "STOP REPLICA", R(8, 0, 22) },
	[DSQL_STOP_IO_THREAD] = { "STOP SLAVE IO_THREAD", "STOP SLAVE IO_THREAD", "STOP REPLICA IO_THREAD",
				  R(8, 0, 22) },
	[DSQL_RESET_REPLICA_ALL] = { "RESET SLAVE ALL", "RESET SLAVE ALL", "RESET REPLICA ALL", R(8, 0, 22) },
};

/* CHANGE MASTER TO ... MASTER_x until 8.0.23, then CHANGE REPLICATION
 * SOURCE TO ... SOURCE_x. */
static const struct spelling change_stmt = { "CHANGE MASTER TO", "CHANGE MASTER TO", "CHANGE REPLICATION SOURCE TO",
					     R(8, 0, 23) };
static const struct spelling change_word = { "MASTER", "MASTER", "SOURCE", R(8, 0, 23) };

static const struct spelling idle_state = { "Slave has read all relay log", "Slave has read all relay log",
					    "Replica has read all relay log", R(8, 0, 26) };

/* The semisync_master / semisync_slave plugins until 8.0.26, then
 * semisync_source / semisync_replica with the new variable names. MariaDB
 * has them built in (10.3.3+), under the old names. */
static const struct spelling semisync[DSEMI_COUNT] = {
	[DSEMI_SOURCE_ENABLED] = { "rpl_semi_sync_master_enabled", "rpl_semi_sync_master_enabled",
				   "rpl_semi_sync_source_enabled", R(8, 0, 26) },
	[DSEMI_REPLICA_ENABLED] = { "rpl_semi_sync_slave_enabled", "rpl_semi_sync_slave_enabled",
				    "rpl_semi_sync_replica_enabled", R(8, 0, 26) },
	[DSEMI_WAIT_POINT] = { "rpl_semi_sync_master_wait_point", "rpl_semi_sync_master_wait_point",
			       "rpl_semi_sync_source_wait_point", R(8, 0, 26) },
	[DSEMI_STATUS] = { "Rpl_semi_sync_master_status", "Rpl_semi_sync_master_status", "Rpl_semi_sync_source_status",
			   R(8, 0, 26) },
	[DSEMI_CLIENTS] = { "Rpl_semi_sync_master_clients", "Rpl_semi_sync_master_clients",
			    "Rpl_semi_sync_source_clients", R(8, 0, 26) },
	[DSEMI_STATUS_LIKE] = { "SHOW GLOBAL STATUS LIKE 'Rpl\\_semi\\_sync\\_master\\_%'",
				"SHOW GLOBAL STATUS LIKE 'Rpl\\_semi\\_sync\\_master\\_%'",
				"SHOW GLOBAL STATUS LIKE 'Rpl\\_semi\\_sync\\_source\\_%'", R(8, 0, 26) },
	[DSEMI_PLUGINS] = { NULL, "semisync_master.so;semisync_slave.so", "semisync_source.so;semisync_replica.so",
			    R(8, 0, 26) },
};

static const struct spelling options[DOPT_COUNT] = {
	[DOPT_LOG_REPLICA_UPDATES] = { "log-slave-updates", "log-slave-updates", "log-replica-updates", R(8, 0, 26) },
	[DOPT_NET_TIMEOUT] = { "slave-net-timeout", "slave-net-timeout", "replica-net-timeout", R(8, 0, 26) },
	[DOPT_READ_ONLY] = { "read-only", "super-read-only", "super-read-only", 0 },
};

const char *dialect_column(const struct server_dialect *sd, enum dialect_column col)
{
	return col < DCOL_COUNT ? spell(sd, &columns[col]) : "";
}

const char *dialect_statement(const struct server_dialect *sd, enum dialect_statement s)
{
	return s < DSQL_COUNT ? spell(sd, &statements[s]) : "";
}

const char *dialect_sql_idle_state(const struct server_dialect *sd)
{
	return spell(sd, &idle_state);
}

const char *dialect_semisync(const struct server_dialect *sd, enum dialect_semisync what)
{
	return what < DSEMI_COUNT ? spell(sd, &semisync[what]) : NULL;
}

const char *dialect_semisync_set(const struct server_dialect *sd, enum dialect_semisync var, bool on, char *buf,
				 size_t size)
{
	snprintf(buf, size, "SET GLOBAL %s=%s;\n", dialect_semisync(sd, var), on ? "ON" : "OFF");
	return buf;
}

const char *dialect_option(const struct server_dialect *sd, enum dialect_option o)
{
	return o < DOPT_COUNT ? spell(sd, &options[o]) : "";
}

const char *dialect_option_name(const char *var, char *buf, size_t size)
{
	lab_strlcpy(buf, var ? var : "", size);
	for (char *p = buf; *p; p++)
		if (*p == '_')
			*p = '-';
	return buf;
}

size_t dialect_gtid_options(const struct server_dialect *sd, struct dialect_kv *out, size_t max)
{
	static const struct dialect_kv maria[] = { { "gtid-domain-id", "0" } };
	static const struct dialect_kv mysql[] = { { "gtid-mode", "ON" }, { "enforce-gtid-consistency", "ON" } };
	const struct dialect_kv *v = sd && sd->d && sd->d->mysql_words ? mysql : maria;
	size_t n = v == mysql ? ARRAY_SIZE(mysql) : ARRAY_SIZE(maria);

	if (n > max)
		n = max;
	memcpy(out, v, n * sizeof(*v));
	return n;
}

const char *dialect_positions_sql(const struct server_dialect *sd, unsigned *n)
{
	if (sd && sd->d && sd->d->mysql_words) {
		*n = 5;
		return "SELECT @@read_only, @@global.gtid_executed, '', @@global.gtid_executed, @@global.gtid_purged";
	}
	*n = 4;
	return "SELECT @@read_only, @@gtid_binlog_pos, @@gtid_slave_pos, @@gtid_current_pos";
}

bool dialect_position_within(const struct server_dialect *sd, const char *a, const char *b)
{
	return dialect_position_behind(sd, b, a) >= 0;
}

int64_t dialect_position_behind(const struct server_dialect *sd, const char *ahead, const char *behind)
{
	int64_t n = -1;

	if (sd && sd->d && sd->d->gtid == GTID_MYSQL) {
		struct gtid_set sa, sb, d;
		if (gtid_set_parse(&sa, GTID_MYSQL, ahead) < 0)
			return -1;
		gtid_set_init(&d, GTID_MYSQL);
		if (gtid_set_parse(&sb, GTID_MYSQL, behind) == 0) {
			if (gtid_set_is_subset(&sb, &sa) && gtid_set_subtract(&d, &sa, &sb) == 0) {
				uint64_t k = gtid_set_count(&d);
				n = k > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)k;
			}
			gtid_set_release(&d);
			gtid_set_release(&sb);
		}
		gtid_set_release(&sa);
		return n;
	}
	struct gtid_mpos pa, pb;
	if (gtid_mpos_parse(&pa, ahead, false) < 0)
		return -1;
	if (gtid_mpos_parse(&pb, behind, false) == 0) {
		struct gtid_mpos_diff *d;
		size_t nd;
		if (gtid_mpos_is_subset(&pb, &pa) && gtid_mpos_subtract(&pa, &pb, &d, &nd) == 0) {
			uint64_t k = 0;
			for (size_t i = 0; i < nd; i++) {
				uint64_t w = d[i].to - d[i].from + 1;
				k = k > UINT64_MAX - w ? UINT64_MAX : k + w;
			}
			/* behind within ahead: every difference is GTID_AHEAD */
			n = k > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)k;
			free(d);
		}
		gtid_mpos_release(&pb);
	}
	gtid_mpos_release(&pa);
	return n;
}

const char *dialect_set_read_only_sql(const struct server_dialect *sd, bool on)
{
	if (sd && sd->d && !strcmp(sd->d->read_only_var, "super_read_only"))
		/* super_read_only=ON implies read_only=ON; read_only=OFF
		 * turns super_read_only off as well. */
		return on ? "SET GLOBAL super_read_only=ON;\n" : "SET GLOBAL super_read_only=OFF;\nSET GLOBAL read_only=OFF;\n";
	return on ? "SET GLOBAL read_only=ON;\n" : "SET GLOBAL read_only=OFF;\n";
}

char *dialect_change_source_sql(const struct server_dialect *sd, const struct dialect_source *src)
{
	const char *w = spell(sd, &change_word);
	struct strbuf sb = { 0 };

	sb_printf(&sb, "%s;\n%s %s_HOST=%s, %s_PORT=%u, %s_USER=%s, %s_PASSWORD=%s, ",
		  dialect_statement(sd, DSQL_STOP_REPLICA), spell(sd, &change_stmt), w, src->host_sql, w, src->port, w,
		  src->user_sql, w, src->password_sql);
	if (sd && sd->d && sd->d->mysql_words)
		sb_printf(&sb, "%s_AUTO_POSITION=1, ", w);
	else
		sb_printf(&sb, "MASTER_USE_GTID=%s, ", src->start == DGTID_CURRENT_POS ? "current_pos" : "slave_pos");
	sb_printf(&sb, "%s_CONNECT_RETRY=%d, %s_HEARTBEAT_PERIOD=%d", w, src->connect_retry, w, src->heartbeat_period);
	/* caching_sha2_password (MySQL 8.0's default) over a connection
	 * without TLS needs the source's RSA key. */
	if (sd && sd->d && sd->d->mysql_words)
		sb_printf(&sb, ", GET_%s_PUBLIC_KEY=1", w);
	sb_printf(&sb, ";\n%s;\n", dialect_statement(sd, DSQL_START_REPLICA));
	return sb_detach(&sb);
}

size_t dialect_redo_files(const struct server_dialect *sd, const char **out, size_t max)
{
	const struct dialect *d = sd && sd->d ? sd->d : &mariadb;
	unsigned rel = sd ? sd->release : 0;
	const char *files[2];
	size_t n;

	/* an unknown release: the newest layout */
	if (d->redo_dir_since != DIALECT_NEVER && (!rel || rel >= d->redo_dir_since)) {
		files[0] = "#innodb_redo/#ib_redo*";
		n = 1;
	} else if (d->single_redo_since != DIALECT_NEVER && (!rel || rel >= d->single_redo_since)) {
		files[0] = "ib_logfile0";
		n = 1;
	} else {
		files[0] = "ib_logfile0";
		files[1] = "ib_logfile1";
		n = 2;
	}
	if (n > max)
		n = max;
	memcpy(out, files, n * sizeof(*files));
	return n;
}

/* ---- detection ---- */

unsigned dialect_release(const char *text)
{
	unsigned part[3] = { 0, 0, 0 };
	int k = 0;
	const char *p = text;

	if (!p)
		return 0;
	while (k < 3) {
		if (*p < '0' || *p > '9')
			break;
		unsigned v = 0;
		int digits = 0;
		while (*p >= '0' && *p <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*p - '0');
			p++;
			digits++;
		}
		if (*p >= '0' && *p <= '9')
			return 0;
		part[k++] = v;
		if (*p != '.')
			break;
		p++;
	}
	if (k < 2 || part[1] > 99 || part[2] > 99)
		return 0;
	return R(part[0], part[1], part[2]);
}

static bool row_matches(const struct dialect *d, const char *version, const char *comment, unsigned rel)
{
	if (d->match_version && !strstr(version, d->match_version))
		return false;
	if (d->match_comment && !strstr(comment, d->match_comment))
		return false;
	return rel >= d->min_release && rel <= d->max_release;
}

int dialect_detect(const char *version, const char *comment, struct server_dialect *out)
{
	unsigned rel = dialect_release(version);

	memset(out, 0, sizeof(*out));
	version = version ? version : "";
	comment = comment ? comment : "";
	lab_strlcpy(out->version, version, sizeof(out->version));
	lab_strlcpy(out->comment, comment, sizeof(out->comment));
	if (!rel) {
		lab_error("server version '%s' is not a release number", version);
		return -1;
	}
	for (size_t i = 0; lab_dialects[i]; i++) {
		if (row_matches(lab_dialects[i], version, comment, rel)) {
			out->d = lab_dialects[i];
			out->release = rel;
			return 0;
		}
	}
	lab_error("server '%s' (%s) is no dialect lab knows: mariadb 10.x/11.x, mysql-8.0, percona-server-8.0, "
		  "pxc-8.0",
		  version, comment[0] ? comment : "no version comment");
	return -1;
}

int dialect_parse_version_line(const char *line, struct server_dialect *out)
{
	/* "PATH  Ver VERSION for OS on ARCH (COMMENT)": the comment is
	 * everything in the parenthesis that ends the line (it may hold
	 * parentheses of its own: "Percona Server (GPL), Release 27"). */
	const char *v = !line ? NULL : !strncmp(line, "Ver ", 4) ? line : strstr(line, " Ver ");
	char version[96], comment[160] = "";

	memset(out, 0, sizeof(*out));
	if (!v) {
		lab_error("no 'Ver' in the server's --version line '%.200s'", line ? line : "");
		return -1;
	}
	v += *v == ' ' ? 5 : 4;
	while (*v == ' ')
		v++;
	size_t n = strcspn(v, " \n");
	if (n >= sizeof(version))
		n = sizeof(version) - 1;
	memcpy(version, v, n);
	version[n] = '\0';
	const char *open = strstr(v, " (");
	if (open) {
		const char *end = open + strlen(open);
		while (end > open && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		if (end > open + 2 && end[-1] == ')') {
			size_t len = (size_t)(end - 1 - (open + 2));
			if (len >= sizeof(comment))
				len = sizeof(comment) - 1;
			memcpy(comment, open + 2, len);
			comment[len] = '\0';
		}
	}
	return dialect_detect(version, comment, out);
}

int dialect_query(MYSQL *m, struct server_dialect *out)
{
	MYSQL_RES *r;
	MYSQL_ROW row;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (mysql_query(m, "SELECT VERSION(), @@version_comment") || !(r = mysql_store_result(m))) {
		lab_error("SELECT VERSION(), @@version_comment: %s", mysql_error(m));
		return -1;
	}
	if ((row = mysql_fetch_row(r)) && row[0])
		rc = dialect_detect(row[0], row[1] ? row[1] : "", out);
	else
		lab_error("SELECT VERSION(), @@version_comment returned no row");
	mysql_free_result(r);
	return rc;
}

void dialect_default(struct server_dialect *out)
{
	memset(out, 0, sizeof(*out));
	out->d = &mariadb;
}

const char *dialect_describe(const struct server_dialect *sd, char *buf, size_t size)
{
	if (!sd || !sd->d)
		snprintf(buf, size, "unknown");
	else if (!sd->version[0])
		snprintf(buf, size, "%s (release not known)", sd->d->name);
	else
		snprintf(buf, size, "%s (%s%s%s)", sd->d->name, sd->version, sd->comment[0] ? ", " : "", sd->comment);
	return buf;
}
