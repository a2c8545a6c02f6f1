/*
 * repl_state.c — reads a primary/replica node's replication state
 * (repl_state.h): one SELECT of the GTID positions, MySQL's gtid_executed
 * when the server has it, SHOW SLAVE STATUS and the semi-sync status.
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

static void read_positions(MYSQL *m, struct repl_state *rs)
{
	MYSQL_RES *r;
	MYSQL_ROW row;

	if (!mysql_query(m, "SELECT @@read_only, @@gtid_binlog_pos, @@gtid_slave_pos, "
			    "@@gtid_current_pos") &&
	    (r = mysql_store_result(m))) {
		if ((row = mysql_fetch_row(r))) {
			rs->read_only = row[0] && !strcmp(row[0], "1");
			lab_strlcpy(rs->binlog_pos, row[1] ? row[1] : "", sizeof(rs->binlog_pos));
			lab_strlcpy(rs->slave_pos, row[2] ? row[2] : "", sizeof(rs->slave_pos));
			lab_strlcpy(rs->current_pos, row[3] ? row[3] : "", sizeof(rs->current_pos));
		}
		mysql_free_result(r);
	} else if (!mysql_query(m, "SELECT @@read_only") && (r = mysql_store_result(m))) {
		/* MySQL: no MariaDB GTID variables. */
		if ((row = mysql_fetch_row(r)))
			rs->read_only = row[0] && !strcmp(row[0], "1");
		mysql_free_result(r);
	}
	if (!mysql_query(m, "SELECT @@global.gtid_executed") && (r = mysql_store_result(m))) {
		if ((row = mysql_fetch_row(r)) && row[0])
			rs->gtid_executed = xstrdup(row[0]);
		mysql_free_result(r);
	}
}

static void read_slave_status(MYSQL *m, struct repl_state *rs)
{
	MYSQL_RES *r;
	MYSQL_ROW row;
	int64_t v;

	if (mysql_query(m, "SHOW SLAVE STATUS") || !(r = mysql_store_result(m)))
		return;
	if ((row = mysql_fetch_row(r))) {
		rs->has_master = true;
		lab_strlcpy(rs->master_host, field(r, row, "Master_Host"), sizeof(rs->master_host));
		lab_strlcpy(rs->io_running, field(r, row, "Slave_IO_Running"), sizeof(rs->io_running));
		lab_strlcpy(rs->sql_running, field(r, row, "Slave_SQL_Running"), sizeof(rs->sql_running));
		if (parse_int64(field(r, row, "Seconds_Behind_Master"), 0, INT64_MAX, &v) == 0)
			rs->lag = v;
		if (parse_int64(field(r, row, "Last_IO_Errno"), 0, 100000, &v) == 0)
			rs->io_errno = (unsigned)v;
		if (parse_int64(field(r, row, "Last_SQL_Errno"), 0, 100000, &v) == 0)
			rs->sql_errno = (unsigned)v;
		lab_strlcpy(rs->io_error, field(r, row, "Last_IO_Error"), sizeof(rs->io_error));
		lab_strlcpy(rs->sql_error, field(r, row, "Last_SQL_Error"), sizeof(rs->sql_error));
		rs->sql_idle = !strncmp(field(r, row, "Slave_SQL_Running_State"),
					"Slave has read all relay log", 28);
		rs->caught_up = !strcmp(field(r, row, "Master_Log_File"), field(r, row, "Relay_Master_Log_File")) &&
				!strcmp(field(r, row, "Read_Master_Log_Pos"), field(r, row, "Exec_Master_Log_Pos"));
	}
	mysql_free_result(r);
}

static void read_semisync(MYSQL *m, struct repl_state *rs)
{
	MYSQL_RES *r;
	MYSQL_ROW row;
	int64_t v;

	if (mysql_query(m, "SHOW GLOBAL STATUS LIKE 'Rpl\\_semi\\_sync\\_master\\_%'") ||
	    !(r = mysql_store_result(m)))
		return;
	while ((row = mysql_fetch_row(r))) {
		if (!row[0] || !row[1])
			continue;
		if (!strcmp(row[0], "Rpl_semi_sync_master_status"))
			lab_strlcpy(rs->semisync, row[1], sizeof(rs->semisync));
		else if (!strcmp(row[0], "Rpl_semi_sync_master_clients") && parse_int64(row[1], 0, INT64_MAX, &v) == 0)
			rs->semisync_clients = v;
	}
	mysql_free_result(r);
}

void repl_state_read(MYSQL *m, struct repl_state *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->read_only = -1;
	rs->lag = -1;
	read_positions(m, rs);
	read_slave_status(m, rs);
	read_semisync(m, rs);
}

void repl_state_release(struct repl_state *rs)
{
	if (!rs)
		return;
	free(rs->gtid_executed);
	rs->gtid_executed = NULL;
}
