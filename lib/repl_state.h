/*
 * repl_state.h — what a primary/replica node says about its replication,
 * read in one place for everyone who asks: the async/semisync flavor (who is
 * primary, has a replica caught up, is semi-sync on) and the split-brain and
 * gtid checkers (positions, errors, MySQL's executed set).
 *
 * What is asked, and the names of the answers, are the node's dialect's
 * (dialect.h): MariaDB @@read_only, @@gtid_binlog_pos, @@gtid_slave_pos,
 * @@gtid_current_pos, SHOW SLAVE STATUS, Rpl_semi_sync_master_*; MySQL,
 * Percona Server and PXC 8.0 @@global.gtid_executed (as the binlog and
 * the current position, and whole in gtid_executed), @@global.gtid_purged,
 * SHOW REPLICA STATUS (8.0.22+) and Rpl_semi_sync_source_* (8.0.26+).
 */
#ifndef LAB_REPL_STATE_H
#define LAB_REPL_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <mysql.h>

#include "dialect.h"

struct repl_state {
	bool reachable;                /* set by the caller that connected */
	int read_only;                 /* -1 unknown */
	char binlog_pos[512], slave_pos[512], current_pos[512];
	char purged[512];              /* MySQL: @@gtid_purged, else "" */
	char *gtid_executed;           /* MySQL / Percona (malloc'd), else NULL */
	bool has_master;               /* the replica status has a row */
	char master_host[256];
	char io_running[16], sql_running[16];
	int64_t lag;                   /* Seconds_Behind_Master, -1 NULL */
	unsigned io_errno, sql_errno;
	char io_error[512], sql_error[512];
	bool caught_up;                /* applied everything received (Exec == Read) */
	bool sql_idle;                 /* the SQL thread waits for more relay log */
	char semisync[16];             /* Rpl_semi_sync_master_status / _source_status */
	int64_t semisync_clients;
};

/* Fill rs from the server (rs zeroed first; reachable left false), in the
 * node's dialect sd (NULL: ask the server, SELECT VERSION(),
 * @@version_comment; MariaDB when it does not say). Queries that fail
 * leave their fields empty / -1: a half-answered node is not an error
 * here. */
void repl_state_read(MYSQL *m, const struct server_dialect *sd, struct repl_state *rs);
void repl_state_release(struct repl_state *rs);

#endif
