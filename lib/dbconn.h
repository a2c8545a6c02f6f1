/*
 * dbconn.h — connecting to MySQL-family servers: host lists, credentials
 * (LAB_PASSWORD or the [client] section of a defaults file, never the
 * command line) and connections with short timeouts.
 *
 * mysql_library_init() is called once by main() before any thread starts.
 */
#ifndef LAB_DBCONN_H
#define LAB_DBCONN_H

#include <mysql.h>
#include <stddef.h>

struct hostport {
	char host[256];
	unsigned port;      /* 3306 when not given */
};

/* Parse "host[:port],host[:port]"; *out is malloc'd, free() it.
 * Returns 0, or -1 with the offending item in the error message. */
int hosts_parse(const char *list, struct hostport **out, size_t *n);
/* "host:port" into buf. */
void hostport_format(const struct hostport *hp, char *buf, size_t size);

struct lab_creds {
	char *user;          /* default "lab" */
	char *password;      /* from LAB_PASSWORD, or NULL: see defaults_file */
	char *database;      /* default "bank" */
	char *defaults_file; /* --defaults-file, read by the client library */
};
/* Fill creds from the arguments (NULL for defaults) and the environment.
 * A defaults file must not be readable by others (0600). */
int creds_init(struct lab_creds *c, const char *user, const char *database,
	       const char *defaults_file);
void creds_release(struct lab_creds *c);

/* Connect with the given timeouts (seconds). with_db: select creds->database.
 * Returns NULL on failure; the error (with host:port) is left in
 * lab_last_error() without printing, because callers often retry. */
MYSQL *db_connect(const struct hostport *hp, const struct lab_creds *c, int connect_timeout_s,
		  int rw_timeout_s, int with_db);
/* The MySQL error number of this thread's last failed db_connect (0 if the
 * failure was not the server's answer). */
unsigned db_last_connect_errno(void);
/* Run a statement that returns no rows; -1 with the error remembered. */
int db_exec(MYSQL *m, const char *sql);
/* First column of the first row as a malloc'd string (NULL if no row or
 * error: *err set to 1 on error). */
char *db_query_value(MYSQL *m, const char *sql, int *err);
/* SHOW GLOBAL STATUS / VARIABLES value of one name, malloc'd, or NULL. */
char *db_status(MYSQL *m, const char *name);
char *db_variable(MYSQL *m, const char *name);

/* 'text' quoted as an SQL string literal (quotes and backslashes escaped);
 * malloc'd. */
char *sql_quote(const char *s);

#endif
