/*
 * repl_state.c — reads a primary/replica node's replication state
 * (repl_state.h) in its dialect (dialect.h): one SELECT of the GTID
 * positions, the replica status and the semi-sync status.
 */
#include "repl_state.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *field(MYSQL_RES *r, MYSQL_ROW row, const char *name)
{
	unsigned n = mysql_num_fields(r);
	MYSQL_FIELD *f = mysql_fetch_fields(r);

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return row[i] ? row[i] : "";
	return "";
}

static void read_positions(MYSQL *m, const struct server_dialect *sd, struct repl_state *rs)
{
	MYSQL_RES *r;
	MYSQL_ROW row;
	unsigned n;
	const char *sql = dialect_positions_sql(sd, &n);

	if (mysql_query(m, sql) || !(r = mysql_store_result(m)))
		return;
	if ((row = mysql_fetch_row(r)) && mysql_num_fields(r) >= n) {
		rs->read_only = row[0] && !strcmp(row[0], "1");
		lab_strlcpy(rs->binlog_pos, row[1] ? row[1] : "", sizeof(rs->binlog_pos));
		lab_strlcpy(rs->slave_pos, row[2] ? row[2] : "", sizeof(rs->slave_pos));
		lab_strlcpy(rs->current_pos, row[3] ? row[3] : "", sizeof(rs->current_pos));
		if (n > 4)
			lab_strlcpy(rs->purged, row[4] ? row[4] : "", sizeof(rs->purged));
		/* a MySQL executed set can outgrow the fixed buffers */
		if (sd->d->gtid == GTID_MYSQL && row[3])
			rs->gtid_executed = xstrdup(row[3]);
	}
	mysql_free_result(r);
}

static void read_replica_status(MYSQL *m, const struct server_dialect *sd, struct repl_state *rs)
{
	MYSQL_RES *r;
	MYSQL_ROW row;
	int64_t v;
	const char *idle = dialect_sql_idle_state(sd);

	if (mysql_query(m, dialect_statement(sd, DSQL_REPLICA_STATUS)) || !(r = mysql_store_result(m)))
		return;
	if ((row = mysql_fetch_row(r))) {
		rs->has_master = true;
		lab_strlcpy(rs->master_host, field(r, row, dialect_column(sd, DCOL_SOURCE_HOST)),
			    sizeof(rs->master_host));
		lab_strlcpy(rs->io_running, field(r, row, dialect_column(sd, DCOL_IO_RUNNING)),
			    sizeof(rs->io_running));
		lab_strlcpy(rs->sql_running, field(r, row, dialect_column(sd, DCOL_SQL_RUNNING)),
			    sizeof(rs->sql_running));
		if (parse_int64(field(r, row, dialect_column(sd, DCOL_LAG)), 0, INT64_MAX, &v) == 0)
			rs->lag = v;
		if (parse_int64(field(r, row, dialect_column(sd, DCOL_LAST_IO_ERRNO)), 0, 100000, &v) == 0)
			rs->io_errno = (unsigned)v;
		if (parse_int64(field(r, row, dialect_column(sd, DCOL_LAST_SQL_ERRNO)), 0, 100000, &v) == 0)
			rs->sql_errno = (unsigned)v;
		lab_strlcpy(rs->io_error, field(r, row, dialect_column(sd, DCOL_LAST_IO_ERROR)), sizeof(rs->io_error));
		lab_strlcpy(rs->sql_error, field(r, row, dialect_column(sd, DCOL_LAST_SQL_ERROR)),
			    sizeof(rs->sql_error));
		rs->sql_idle = !strncmp(field(r, row, dialect_column(sd, DCOL_SQL_STATE)), idle, strlen(idle));
		rs->caught_up = !strcmp(field(r, row, dialect_column(sd, DCOL_SOURCE_LOG_FILE)),
					field(r, row, dialect_column(sd, DCOL_RELAY_SOURCE_LOG_FILE))) &&
				!strcmp(field(r, row, dialect_column(sd, DCOL_READ_SOURCE_POS)),
					field(r, row, dialect_column(sd, DCOL_EXEC_SOURCE_POS)));
		/* MySQL has no replica position variable: what the replica
		 * received is its Retrieved_Gtid_Set. */
		if (sd->d->gtid == GTID_MYSQL)
			lab_strlcpy(rs->slave_pos, field(r, row, dialect_column(sd, DCOL_RECEIVED_GTIDS)),
				    sizeof(rs->slave_pos));
	}
	mysql_free_result(r);
}

static void read_semisync(MYSQL *m, const struct server_dialect *sd, struct repl_state *rs)
{
	MYSQL_RES *r;
	MYSQL_ROW row;
	int64_t v;
	const char *status = dialect_semisync(sd, DSEMI_STATUS), *clients = dialect_semisync(sd, DSEMI_CLIENTS);

	if (mysql_query(m, dialect_semisync(sd, DSEMI_STATUS_LIKE)) || !(r = mysql_store_result(m)))
		return;
	while ((row = mysql_fetch_row(r))) {
		if (!row[0] || !row[1])
			continue;
		if (!strcmp(row[0], status))
			lab_strlcpy(rs->semisync, row[1], sizeof(rs->semisync));
		else if (!strcmp(row[0], clients) && parse_int64(row[1], 0, INT64_MAX, &v) == 0)
			rs->semisync_clients = v;
	}
	mysql_free_result(r);
}

void repl_state_read(MYSQL *m, const struct server_dialect *sd, struct repl_state *rs)
{
	struct server_dialect asked;

	memset(rs, 0, sizeof(*rs));
	rs->read_only = -1;
	rs->lag = -1;
	if (!sd || !sd->d) {
		if (dialect_query(m, &asked) < 0)
			dialect_default(&asked);
		sd = &asked;
	}
	read_positions(m, sd, rs);
	read_replica_status(m, sd, rs);
	read_semisync(m, sd, rs);
}

void repl_state_release(struct repl_state *rs)
{
	if (!rs)
		return;
	free(rs->gtid_executed);
	rs->gtid_executed = NULL;
}
