/*
 * lab_meta.c — the mark on databases lab made (lab_meta.h), checked before
 * any workload drops or loads tables.
 */
#include "lab_meta.h"
#include "dbconn.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int lab_meta_check(MYSQL *m, const char *db, bool recreate)
{
	size_t n = strlen(db);
	char *esc = xmalloc(2 * n + 1), *sql;
	const char *host = mysql_get_host_info(m);
	MYSQL_RES *r;
	MYSQL_ROW row;
	int64_t tables = 0, marked = 0;

	mysql_real_escape_string(m, esc, db, (unsigned long)n);
	sql = xasprintf("SELECT COUNT(*), COALESCE(SUM(table_name = 'lab_meta'), 0) FROM information_schema.tables"
			" WHERE table_schema = '%s'", esc);
	free(esc);
	if (mysql_real_query(m, sql, strlen(sql)) || !(r = mysql_store_result(m))) {
		lab_error("cannot list the tables of database '%s': %s", db, mysql_error(m));
		free(sql);
		return -1;
	}
	free(sql);
	row = mysql_fetch_row(r);
	if (row && row[0] && row[1]) {
		parse_int64(row[0], 0, INT64_MAX, &tables);
		parse_int64(row[1], 0, INT64_MAX, &marked);
	}
	mysql_free_result(r);
	if (tables == 0 || marked > 0)
		return 0;
	if (recreate) {
		lab_info("--recreate: database '%s' on %s has %" PRId64 " tables lab did not mark as its own; replacing the workload's tables",
			 db, host ? host : "?", tables);
		return 0;
	}
	lab_error("database '%s' on %s has %" PRId64 " table%s and no lab_meta marker: lab did not make it, so it will not drop or load into it (give lab a database of its own with --database, or pass --recreate to replace the workload's tables)",
		  db, host ? host : "?", tables, tables == 1 ? "" : "s");
	return -1;
}

int lab_meta_mark(MYSQL *m, const char *workload, const char *tables)
{
	char hostname[256] = "?";
	char *by, *by_esc, *w_esc, *t_esc, *sql;
	int rc;

	gethostname(hostname, sizeof(hostname) - 1);
	hostname[sizeof(hostname) - 1] = '\0';
	by = xasprintf("lab " LAB_VERSION " pid %d on %s", (int)getpid(), hostname);
	by_esc = xmalloc(2 * strlen(by) + 1);
	w_esc = xmalloc(2 * strlen(workload) + 1);
	t_esc = xmalloc(2 * strlen(tables) + 1);
	mysql_real_escape_string(m, by_esc, by, (unsigned long)strlen(by));
	mysql_real_escape_string(m, w_esc, workload, (unsigned long)strlen(workload));
	mysql_real_escape_string(m, t_esc, tables, (unsigned long)strlen(tables));
	sql = xasprintf("REPLACE INTO lab_meta (workload, tables, created_by, created_at) VALUES"
			" ('%s', '%s', CONCAT('%s', ' as ', CURRENT_USER()), UTC_TIMESTAMP())",
			w_esc, t_esc, by_esc);
	rc = db_exec(m, "CREATE TABLE IF NOT EXISTS lab_meta (workload VARCHAR(32) PRIMARY KEY,"
		     " tables VARCHAR(255) NOT NULL, created_by VARCHAR(255) NOT NULL,"
		     " created_at DATETIME NOT NULL) ENGINE=InnoDB");
	if (rc == 0)
		rc = db_exec(m, sql);
	if (rc == 0)
		rc = db_exec(m, "COMMIT");
	if (rc < 0)
		lab_error("cannot mark the database as lab's (table lab_meta): %s", lab_last_error());
	free(sql);
	free(by);
	free(by_esc);
	free(w_esc);
	free(t_esc);
	return rc;
}
