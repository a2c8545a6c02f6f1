/*
 * dbconn.c — host lists, credentials and connections with short timeouts.
 * See dbconn.h.
 */
#include "dbconn.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int hosts_parse(const char *list, struct hostport **out, size_t *n)
{
	struct hostport *v = NULL;
	size_t count = 0;
	char *copy, *save = NULL, *item;

	*out = NULL;
	*n = 0;
	if (!list || !*list) {
		lab_error("--hosts: empty host list");
		return -1;
	}
	copy = xstrdup(list);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		struct hostport hp = { .port = 3306 };
		char *colon = strrchr(item, ':');

		if (colon && strchr(item, ':') == colon) {
			int64_t port;
			*colon = '\0';
			if (parse_int64(colon + 1, 1, 65535, &port) < 0) {
				lab_error("--hosts: bad port in '%s:%s'", item, colon + 1);
				goto fail;
			}
			hp.port = (unsigned)port;
		}
		if (!*item || strlen(item) >= sizeof(hp.host)) {
			lab_error("--hosts: bad host '%s'", item);
			goto fail;
		}
		lab_strlcpy(hp.host, item, sizeof(hp.host));
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = hp;
	}
	free(copy);
	if (!count) {
		lab_error("--hosts: empty host list");
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
fail:
	free(copy);
	free(v);
	return -1;
}

void hostport_format(const struct hostport *hp, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%u", hp->host, hp->port);
}

int creds_init(struct lab_creds *c, const char *user, const char *database,
	       const char *defaults_file)
{
	const char *pw = getenv("LAB_PASSWORD");

	memset(c, 0, sizeof(*c));
	c->user = xstrdup(user ? user : "lab");
	c->database = xstrdup(database ? database : "bank");
	if (pw)
		c->password = xstrdup(pw);
	if (defaults_file) {
		struct stat st;
		if (stat(defaults_file, &st) < 0) {
			lab_error("--defaults-file '%s': %s", defaults_file, strerror(errno));
			creds_release(c);
			return -1;
		}
		if (st.st_mode & 077) {
			lab_error("--defaults-file '%s': readable by others (mode %03o), want 0600",
				  defaults_file, (unsigned)(st.st_mode & 0777));
			creds_release(c);
			return -1;
		}
		c->defaults_file = xstrdup(defaults_file);
	}
	return 0;
}

void creds_release(struct lab_creds *c)
{
	if (!c)
		return;
	if (c->password)
		memset(c->password, 0, strlen(c->password));
	free(c->user);
	free(c->password);
	free(c->database);
	free(c->defaults_file);
	memset(c, 0, sizeof(*c));
}

static _Thread_local unsigned last_connect_errno;

unsigned db_last_connect_errno(void)
{
	return last_connect_errno;
}

MYSQL *db_connect(const struct hostport *hp, const struct lab_creds *c, int connect_timeout_s,
		  int rw_timeout_s, int with_db)
{
	MYSQL *m = mysql_init(NULL);
	unsigned int ct = (unsigned)connect_timeout_s, rw = (unsigned)rw_timeout_s;
	const char *user = c->user;

	last_connect_errno = 0;
	if (!m) {
		lab_error_quiet("mysql_init failed");
		return NULL;
	}
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw);
	if (c->defaults_file) {
		mysql_options(m, MYSQL_READ_DEFAULT_FILE, c->defaults_file);
		mysql_options(m, MYSQL_READ_DEFAULT_GROUP, "client");
	}
	/* With a defaults file and no explicit password, the file's user and
	 * password apply (NULL arguments let the library use them). */
	if (c->defaults_file && !c->password)
		user = NULL;
	if (!mysql_real_connect(m, hp->host, user, c->password, with_db ? c->database : NULL,
				hp->port, NULL, 0)) {
		lab_error_quiet("cannot connect to %s:%u: %s", hp->host, hp->port, mysql_error(m));
		last_connect_errno = mysql_errno(m);
		mysql_close(m);
		return NULL;
	}
	return m;
}

int db_exec(MYSQL *m, const char *sql)
{
	if (mysql_real_query(m, sql, strlen(sql))) {
		lab_error_quiet("query failed (%u %s): %.200s", mysql_errno(m), mysql_error(m), sql);
		return -1;
	}
	/* Drain any result so the connection stays usable. */
	do {
		MYSQL_RES *r = mysql_store_result(m);
		if (r)
			mysql_free_result(r);
	} while (mysql_next_result(m) == 0);
	return 0;
}

char *db_query_value(MYSQL *m, const char *sql, int *err)
{
	MYSQL_RES *r;
	MYSQL_ROW row;
	char *v = NULL;

	if (err)
		*err = 0;
	if (mysql_real_query(m, sql, strlen(sql))) {
		lab_error_quiet("query failed (%u %s): %.200s", mysql_errno(m), mysql_error(m), sql);
		if (err)
			*err = 1;
		return NULL;
	}
	r = mysql_store_result(m);
	if (!r) {
		if (mysql_field_count(m) && err)
			*err = 1;
		return NULL;
	}
	row = mysql_fetch_row(r);
	if (row && row[0])
		v = xstrdup(row[0]);
	mysql_free_result(r);
	return v;
}

static char *show_one(MYSQL *m, const char *what, const char *name)
{
	char sql[256];
	MYSQL_RES *r;
	MYSQL_ROW row;
	char *v = NULL;

	snprintf(sql, sizeof(sql), "SHOW GLOBAL %s LIKE '%s'", what, name);
	if (mysql_real_query(m, sql, strlen(sql))) {
		lab_error_quiet("query failed (%u %s): %s", mysql_errno(m), mysql_error(m), sql);
		return NULL;
	}
	r = mysql_store_result(m);
	if (!r)
		return NULL;
	row = mysql_fetch_row(r);
	if (row && row[1])
		v = xstrdup(row[1]);
	mysql_free_result(r);
	return v;
}

char *db_status(MYSQL *m, const char *name)
{
	return show_one(m, "STATUS", name);
}

char *db_variable(MYSQL *m, const char *name)
{
	return show_one(m, "VARIABLES", name);
}

char *sql_quote(const char *s)
{
	struct strbuf sb = { 0 };

	sb_puts(&sb, "'");
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			sb_add(&sb, "\\", 1);
		sb_add(&sb, s, 1);
	}
	sb_puts(&sb, "'");
	return sb_detach(&sb);
}
