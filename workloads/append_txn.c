/*
 * append_txn.c — the list-append workload's table of operations (append.h
 * has the design and the journal format): its schema (one table,
 * append_kv, recreated or attached to), the planning of a transaction
 * (how many micro-operations, which are reads, which keys from the
 * rotating window, which unique values), its statements, and its journal
 * line. Everything else — threads, connections, failover, outcomes,
 * statistics — is the shared machinery of workload.c; this workload asks
 * it for a host per transaction (host_per_txn) so that a thread's reads
 * and writes land on different nodes.
 */
#include "lab_meta.h"
#include "wl_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ERR_LOST 2013u      /* CR_SERVER_LOST: no errno from the library */
#define ERR_BAD_LIST 2027u  /* CR_MALFORMED_PACKET: a list that is not one */

static int append_check_opts(const struct workload_opts *o)
{
	const struct append_opts *a = &o->append;

	if (a->keys < 1 || a->keys > 100000)
		return lab_error("workload: keys %" PRId64 " out of range 1..100000", a->keys), -1;
	if (a->ops_min < 1 || a->ops_max < a->ops_min || a->ops_max > APPEND_MAX_OPS)
		return lab_error("workload: ops per transaction %d..%d not within 1..%d", a->ops_min,
				 a->ops_max, APPEND_MAX_OPS), -1;
	if (!(a->read_ratio >= 0 && a->read_ratio <= 1))
		return lab_error("workload: read ratio %g not within 0..1", a->read_ratio), -1;
	if (a->appends_per_key < 1 || a->appends_per_key > 65535)
		return lab_error("workload: appends per key %d out of range 1..65535", a->appends_per_key), -1;
	return 0;
}

static void append_journal_header_hook(const struct workload_opts *o, struct strbuf *sb)
{
	append_journal_header(sb, o->seed, wall_seconds());
}

static int exec_or_report(MYSQL *db, const char *sql, const char *node)
{
	if (db_exec(db, sql) < 0) {
		lab_error("append set-up on %s failed: %s", node, lab_last_error());
		return -1;
	}
	return 0;
}

/* With --load, a fresh table and keys from 1; without, the existing table
 * (created if missing) and keys above every key in it. */
static int append_setup(struct workload *w, MYSQL *db, const char *node)
{
	const struct append_opts *a = &w->opts.append;
	int64_t first_key = 1;

	bool create = w->opts.load;

	if (w->opts.load) {
		if (exec_or_report(db, "DROP TABLE IF EXISTS append_kv", node) < 0)
			return -1;
	} else {
		/* --no-load on a database without append_kv creates it: only in
		 * a database that is empty or lab's (lab_meta.h), as a load. */
		int err = 0;
		char *n = db_query_value(db, "SELECT COUNT(*) FROM information_schema.tables WHERE "
					 "table_schema = DATABASE() AND table_name = 'append_kv'", &err);
		if (err) {
			lab_error("append set-up on %s failed: %s", node, lab_last_error());
			free(n);
			return -1;
		}
		create = n && !strcmp(n, "0");
		free(n);
		if (create && lab_meta_check(db, w->opts.creds->database, false) < 0)
			return -1;
	}
	if (exec_or_report(db, "CREATE TABLE IF NOT EXISTS append_kv (k BIGINT PRIMARY KEY,"
			       " v MEDIUMTEXT NOT NULL) ENGINE=InnoDB", node) < 0)
		return -1;
	/* lab's own from now on: a later load may drop it (lab_meta.h) */
	if (create && lab_meta_mark(db, "append", "append_kv") < 0)
		return -1;
	if (!w->opts.load) {
		int err = 0;
		char *v = db_query_value(db, "SELECT COALESCE(MAX(k), 0) FROM append_kv", &err);
		int64_t max = 0;
		if (err || (v && parse_int64(v, 0, APPEND_KEY_MAX, &max) < 0)) {
			lab_error("cannot read the largest key of append_kv on %s: %s", node,
				  err ? lab_last_error() : v);
			free(v);
			return -1;
		}
		free(v);
		first_key = max + 1;
	}
	w->prefix = workload_choose_prefix(wall_seconds(), 0);
	append_keys_init(&w->keys, (size_t)a->keys, a->appends_per_key, first_key);
	lab_info("append: %" PRId64 " active keys from %" PRId64 ", %d appends per key, on %s", a->keys,
		 first_key, a->appends_per_key, node);
	return 0;
}

static void append_release(struct workload *w)
{
	append_keys_release(&w->keys);
}

static int append_begin(struct wl_client *c)
{
	struct workload *w = c->w;
	const struct append_opts *a = &w->opts.append;
	struct append_record *r = &c->arec;
	int n = (int)rng_range(&c->rng, a->ops_min, a->ops_max);

	append_record_reset(r);
	c->kind = 0;
	r->txn = c->txn_id;
	for (int i = 0; i < n; i++) {
		struct append_mop *m = &r->mops[i];
		size_t slot = (size_t)rng_range(&c->rng, 0, a->keys - 1);

		if (rng_double(&c->rng) < a->read_ratio) {
			m->kind = MOP_READ;
			m->key = append_keys_for_read(&w->keys, slot);
		} else {
			m->kind = MOP_APPEND;
			m->key = append_keys_for_append(&w->keys, slot);
			m->value = wl_next_id(c);
			if (!m->value) {
				lab_error("thread %u used up its ids and stops", c->thread);
				return -1;
			}
		}
		m->done = false;
	}
	r->n_mops = (size_t)n;
	return 0;
}

static enum body_result failed_statement(struct wl_client *c)
{
	c->err = mysql_errno(c->db);
	if (!c->err)
		c->err = ERR_LOST;
	return BODY_ERROR;
}

static enum body_result append_body(struct wl_client *c)
{
	struct append_record *r = &c->arec;

	for (size_t i = 0; i < r->n_mops; i++) {
		struct append_mop *m = &r->mops[i];
		MYSQL_RES *res;
		MYSQL_ROW row;
		unsigned long *len;

		sb_reset(&c->sql);
		if (m->kind == MOP_APPEND) {
			sb_printf(&c->sql, "INSERT INTO append_kv (k, v) VALUES (%" PRId64 ", '%" PRId64
				  "') ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', '%" PRId64 "')",
				  m->key, m->value, m->value);
			if (mysql_real_query(c->db, c->sql.buf, c->sql.len))
				return failed_statement(c);
			continue;
		}
		sb_printf(&c->sql, "SELECT v FROM append_kv WHERE k = %" PRId64, m->key);
		if (mysql_real_query(c->db, c->sql.buf, c->sql.len) || !(res = mysql_store_result(c->db)))
			return failed_statement(c);
		sb_reset(&m->list);
		row = mysql_fetch_row(res);
		len = row ? mysql_fetch_lengths(res) : NULL;
		if (row && row[0] && len) {
			int64_t *vals;
			size_t n;
			if (append_list_parse(row[0], len[0], &vals, &n) < 0) {
				lab_debug("key %" PRId64 " on %s holds no list: '%.60s'", m->key, c->node, row[0]);
				mysql_free_result(res);
				c->err = ERR_BAD_LIST;
				return BODY_ERROR;
			}
			free(vals);
			sb_add(&m->list, row[0], len[0]);
		}
		mysql_free_result(res);
		m->done = true;
	}
	return BODY_READY;
}

static void append_journal_hook(struct wl_client *c)
{
	struct append_record *r = &c->arec;

	r->outcome = c->outcome;
	lab_strlcpy(r->node, c->node, sizeof(r->node));
	r->start_ns = c->start_ns;
	r->end_ns = c->end_ns;
	r->err = c->outcome == TXN_OK ? 0 : c->err;
	r->process = c->process;
	sb_reset(&c->sql);
	append_journal_format(r, &c->sql);
	journal_append_line(c->w->journal, c->sql.buf, c->sql.len);
}

static const char *append_kind_name(int kind)
{
	(void)kind;
	return "append";
}

const struct workload_ops append_ops = {
	.name = "append",
	.host_per_txn = true,
	.first_kind = 0,
	.n_kinds = 1,
	.kind_name = append_kind_name,
	.check_opts = append_check_opts,
	.journal_header = append_journal_header_hook,
	.setup = append_setup,
	.begin = append_begin,
	.body = append_body,
	.journal = append_journal_hook,
	.release = append_release,
};
