/*
 * lab_meta.h — the mark lab leaves in a database whose tables it made: a
 * table `lab_meta` with one row per workload (which tables, made by whom,
 * when). A workload drops or loads tables only in a database that is
 * empty or carries the mark, unless the user said --recreate: pointed at a
 * production replica's schema of the same name, lab refuses instead of
 * destroying it.
 *
 *   CREATE TABLE lab_meta (workload VARCHAR(32) PRIMARY KEY,
 *     tables VARCHAR(255) NOT NULL, created_by VARCHAR(255) NOT NULL,
 *     created_at DATETIME NOT NULL)
 */
#ifndef LAB_META_H
#define LAB_META_H

#include <stdbool.h>
#include <mysql.h>

/* May the workload drop and create tables in database `db` (selected on
 * m)? 0 when it has no table, carries the mark, or recreate is set (said
 * once on stderr); else -1 with the refusal reported ("database 'bank' on
 * HOST has 5 tables and no lab_meta marker ..."). */
int lab_meta_check(MYSQL *m, const char *db, bool recreate);
/* Mark db (selected on m) as lab's: workload's row says what it made
 * (tables: comma-separated) and who, when. Commits. */
int lab_meta_mark(MYSQL *m, const char *workload, const char *tables);

#endif
