/*
 * checkutil.c — the parts every checker shares (see checkutil.h): the
 * anomaly sink that counts, prints and stores findings, node connections,
 * streamed queries, integer fields, and the row hash and checksum combine
 * used by convergence.
 */
#include "checkutil.h"
#include "util.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const check_tables[5] = { "customer", "credit", "purchase", "purchase_item", "product" };

const enum row_table scan_order[TBL_COUNT] = { TBL_PRODUCT, TBL_CUSTOMER, TBL_CREDIT, TBL_PURCHASE,
					       TBL_PURCHASE_ITEM };

struct anomaly {
	char *kind, *tbl, *node, *detail;
	int64_t row_id, txn_id;
};

struct kind_stat {
	char *kind;
	int64_t count;
	struct anomaly *examples;
	size_t n_examples;
};

struct anomaly_sink {
	const struct check_ctx *ctx;
	char *checker;
	struct kind_stat *kinds;
	size_t n_kinds;
	struct anomaly *stored;
	size_t n_stored, cap_stored;
	int64_t not_stored;
	int64_t total, unreachable;
	bool tolerate_unreachable;
	struct strbuf notes;
};

struct anomaly_sink *sink_new(const struct check_ctx *ctx, const char *checker)
{
	struct anomaly_sink *s = xcalloc(1, sizeof(*s));

	s->ctx = ctx;
	s->checker = xstrdup(checker);
	return s;
}

static void anomaly_release(struct anomaly *a)
{
	free(a->kind);
	free(a->tbl);
	free(a->node);
	free(a->detail);
}

void sink_free(struct anomaly_sink *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_kinds; i++) {
		for (size_t j = 0; j < s->kinds[i].n_examples; j++)
			anomaly_release(&s->kinds[i].examples[j]);
		free(s->kinds[i].examples);
		free(s->kinds[i].kind);
	}
	free(s->kinds);
	for (size_t i = 0; i < s->n_stored; i++)
		anomaly_release(&s->stored[i]);
	free(s->stored);
	sb_release(&s->notes);
	free(s->checker);
	free(s);
}

static struct kind_stat *kind_get(struct anomaly_sink *s, const char *kind)
{
	for (size_t i = 0; i < s->n_kinds; i++)
		if (!strcmp(s->kinds[i].kind, kind))
			return &s->kinds[i];
	s->kinds = xrealloc(s->kinds, (s->n_kinds + 1) * sizeof(*s->kinds));
	memset(&s->kinds[s->n_kinds], 0, sizeof(*s->kinds));
	s->kinds[s->n_kinds].kind = xstrdup(kind);
	return &s->kinds[s->n_kinds++];
}

static void anomaly_fill(struct anomaly *a, const char *kind, const char *tbl, int64_t row_id,
			 int64_t txn_id, const char *node, const char *detail)
{
	a->kind = xstrdup(kind);
	a->tbl = tbl ? xstrdup(tbl) : NULL;
	a->node = node ? xstrdup(node) : NULL;
	a->detail = detail ? xstrdup(detail) : NULL;
	a->row_id = row_id;
	a->txn_id = txn_id;
}

static void sink_addv(struct anomaly_sink *s, const char *kind, const char *tbl, int64_t row_id,
		      int64_t txn_id, const char *node, const char *fmt, va_list ap)
{
	struct kind_stat *k = kind_get(s, kind);
	size_t max_ex = s->ctx->max_examples > 0 ? (size_t)s->ctx->max_examples : 20;
	bool want_example = k->n_examples < max_ex;
	bool want_store = s->ctx->db && s->n_stored < SINK_MAX_STORED;
	struct strbuf detail = { 0 };

	k->count++;
	s->total++;
	if (!want_example && !want_store) {
		s->not_stored += s->ctx->db ? 1 : 0;
		return;
	}
	if (fmt)
		sb_vprintf(&detail, fmt, ap);
	if (want_example) {
		k->examples = xrealloc(k->examples, (k->n_examples + 1) * sizeof(*k->examples));
		anomaly_fill(&k->examples[k->n_examples++], kind, tbl, row_id, txn_id, node,
			     detail.buf);
	}
	if (want_store) {
		if (s->n_stored == s->cap_stored) {
			s->cap_stored = s->cap_stored ? s->cap_stored * 2 : 64;
			s->stored = xrealloc(s->stored, s->cap_stored * sizeof(*s->stored));
		}
		anomaly_fill(&s->stored[s->n_stored++], kind, tbl, row_id, txn_id, node,
			     detail.buf);
	} else if (s->ctx->db) {
		s->not_stored++;
	}
	sb_release(&detail);
}

void sink_add(struct anomaly_sink *s, const char *kind, const char *tbl, int64_t row_id,
	      int64_t txn_id, const char *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sink_addv(s, kind, tbl, row_id, txn_id, node, fmt, ap);
	va_end(ap);
}

void sink_unreachable(struct anomaly_sink *s, const char *node, const char *why)
{
	s->unreachable++;
	sink_add(s, ANOMALY_UNREACHABLE, NULL, -1, -1, node, "%s", why);
}

void sink_tolerate_unreachable(struct anomaly_sink *s)
{
	s->tolerate_unreachable = true;
}

int64_t sink_findings(const struct anomaly_sink *s)
{
	return s->total - s->unreachable;
}

int64_t sink_count(const struct anomaly_sink *s, const char *kind)
{
	for (size_t i = 0; i < s->n_kinds; i++)
		if (!strcmp(s->kinds[i].kind, kind))
			return s->kinds[i].count;
	return 0;
}

int64_t sink_unreachable_count(const struct anomaly_sink *s)
{
	return s->unreachable;
}

void sink_note(struct anomaly_sink *s, const char *fmt, ...)
{
	va_list ap;

	sb_puts(&s->notes, "   ");
	va_start(ap, fmt);
	sb_vprintf(&s->notes, fmt, ap);
	va_end(ap);
	sb_puts(&s->notes, "\n");
}

static void format_anomaly(struct strbuf *sb, const struct anomaly *a)
{
	sb_printf(sb, "     %s", a->kind);
	if (a->tbl && a->row_id >= 0)
		sb_printf(sb, " %s:%" PRId64, a->tbl, a->row_id);
	else if (a->tbl)
		sb_printf(sb, " %s", a->tbl);
	if (a->txn_id >= 0)
		sb_printf(sb, " txn %" PRId64, a->txn_id);
	if (a->node)
		sb_printf(sb, " node %s", a->node);
	if (a->detail && *a->detail)
		sb_printf(sb, ": %s", a->detail);
	sb_puts(sb, "\n");
}

/* Anomalies of every checker go to one SQLite handle; checkers may run in
 * threads, so writes are serialised here. */
static pthread_mutex_t db_lock = PTHREAD_MUTEX_INITIALIZER;

static int store_all(struct anomaly_sink *s)
{
	const struct check_ctx *ctx = s->ctx;
	int rc = 0;

	if (!ctx->db || !s->n_stored)
		return 0;
	pthread_mutex_lock(&db_lock);
	if (resultsdb_begin(ctx->db) < 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < s->n_stored && rc == 0; i++) {
		const struct anomaly *a = &s->stored[i];
		rc = resultsdb_anomaly(ctx->db, ctx->run_id, s->checker, a->kind, a->tbl, a->row_id,
				       a->txn_id, a->node, a->detail);
	}
	if (resultsdb_commit(ctx->db) < 0)
		rc = -1;
out:
	pthread_mutex_unlock(&db_lock);
	return rc;
}

int sink_finish(struct anomaly_sink *s, int rc, struct check_result *res)
{
	struct strbuf out = { 0 }, sum = { 0 };
	int64_t findings = sink_findings(s);
	const char *actual;

	if (rc < 0)
		actual = "broken";
	else if (findings > 0)
		actual = "fail";
	else if (s->unreachable > 0 && !s->tolerate_unreachable)
		actual = "broken";
	else
		actual = "pass";
	lab_strlcpy(res->actual, actual, sizeof(res->actual));
	res->anomalies = s->total;

	sb_printf(&out, "%s: %s, %" PRId64 " anomal%s", s->checker, actual, findings,
		  findings == 1 ? "y" : "ies");
	if (s->unreachable)
		sb_printf(&out, ", %" PRId64 " node%s unreachable", s->unreachable,
			  s->unreachable == 1 ? "" : "s");
	if (rc < 0 && *lab_last_error())
		sb_printf(&out, " (%s)", lab_last_error());
	sb_puts(&out, "\n");
	if (s->notes.len)
		sb_puts(&out, s->notes.buf);
	if (findings > 0 || s->unreachable)
		sb_printf(&sum, "%" PRId64 " anomalies:", s->total);
	for (size_t i = 0; i < s->n_kinds; i++) {
		sb_printf(&out, "   %-22s %" PRId64 "\n", s->kinds[i].kind, s->kinds[i].count);
		sb_printf(&sum, "%s %s %" PRId64, i ? "," : "", s->kinds[i].kind, s->kinds[i].count);
	}
	for (size_t i = 0; i < s->n_kinds; i++) {
		const struct kind_stat *k = &s->kinds[i];
		sb_printf(&out, "   first %zu of %" PRId64 " %s:\n", k->n_examples, k->count, k->kind);
		for (size_t j = 0; j < k->n_examples; j++)
			format_anomaly(&out, &k->examples[j]);
	}
	if (s->not_stored)
		sb_printf(&out, "   %" PRId64 " anomalies counted but not stored (limit %d per check)\n",
			  s->not_stored, SINK_MAX_STORED);
	if (!sum.len)
		sb_printf(&sum, "%s", actual);
	if (s->notes.len)
		sb_printf(&sum, "\n%s", s->notes.buf);
	res->summary = sb_detach(&sum);
	if (s->ctx->out) {
		fputs(out.buf, s->ctx->out);
		fflush(s->ctx->out);
	}
	sb_release(&out);
	if (store_all(s) < 0)
		rc = -1;
	return rc;
}

void check_node_name(const struct check_ctx *ctx, size_t i, char *buf, size_t size)
{
	hostport_format(&ctx->hosts[i], buf, size);
}

MYSQL *check_connect(const struct check_ctx *ctx, size_t i, struct anomaly_sink *s)
{
	char name[300];
	MYSQL *m;

	check_node_name(ctx, i, name, sizeof(name));
	/* Scans of millions of rows: the server may think for a while before
	 * the first row (a sort), hence the long read timeout. */
	m = db_connect(&ctx->hosts[i], ctx->creds, 5, 300, 1);
	if (!m) {
		if (s)
			sink_unreachable(s, name, lab_last_error());
		return NULL;
	}
	/* A galera node outside the primary component refuses reads unless
	 * asked; its data is what the checks are about, so ask. Servers
	 * without wsrep do not know the variable: that is fine. */
	if (mysql_query(m, "SET SESSION wsrep_dirty_reads = ON") != 0)
		lab_clear_error();
	return m;
}

int check_snapshot(MYSQL *m)
{
	if (db_exec(m, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ") < 0)
		return -1;
	return db_exec(m, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
}

int stream_open(struct row_stream *st, MYSQL *m, const char *sql)
{
	memset(st, 0, sizeof(*st));
	st->m = m;
	st->sql = sql;
	if (mysql_real_query(m, sql, strlen(sql))) {
		lab_error_quiet("query failed (%u %s): %.200s", mysql_errno(m), mysql_error(m), sql);
		return -1;
	}
	st->res = mysql_use_result(m);
	if (!st->res) {
		lab_error_quiet("query returned no rows (%u %s): %.200s", mysql_errno(m),
				mysql_error(m), sql);
		return -1;
	}
	st->n_fields = mysql_num_fields(st->res);
	return 0;
}

int stream_next(struct row_stream *st)
{
	if (!st->res)
		return 0;
	st->row = mysql_fetch_row(st->res);
	if (!st->row) {
		if (mysql_errno(st->m)) {
			lab_error_quiet("reading rows failed (%u %s): %.200s", mysql_errno(st->m),
					mysql_error(st->m), st->sql);
			return -1;
		}
		return 0;
	}
	st->lengths = mysql_fetch_lengths(st->res);
	return 1;
}

void stream_close(struct row_stream *st)
{
	if (st->res)
		mysql_free_result(st->res); /* reads what is left, so the connection stays usable */
	st->res = NULL;
}

int field_i64(const char *s, int64_t *out)
{
	uint64_t v = 0;
	bool neg = false;
	const char *p = s;

	if (!s || !*s)
		return -1;
	if (*p == '-') {
		neg = true;
		p++;
	}
	if (!*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -1;
		*out = (int64_t)(0 - v);
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -1;
		*out = (int64_t)v;
	}
	return 0;
}

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

uint64_t row_hash(char **fields, const unsigned long *lengths, unsigned n)
{
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ n;

	for (unsigned i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)fields[i];
		unsigned long len = lengths[i];

		if (!p) {
			h = mix64(h ^ UINT64_C(0x4e554c4c4e554c4c)); /* a NULL, unlike any length */
			continue;
		}
		h = mix64(h ^ ((uint64_t)len + 1));
		while (len >= 8) {
			uint64_t w;
			memcpy(&w, p, 8);
			h = (h ^ w) * UINT64_C(0x100000001b3);
			h ^= h >> 29;
			p += 8;
			len -= 8;
		}
		if (len) {
			uint64_t w = 0;
			memcpy(&w, p, len);
			h = (h ^ w ^ ((uint64_t)len << 56)) * UINT64_C(0x100000001b3);
			h ^= h >> 29;
		}
	}
	return mix64(h);
}

uint64_t checksum_combine(uint64_t acc, int64_t pk, uint64_t rowhash)
{
	/* Order-dependent: each step mixes the running value before adding the
	 * next row, so swapping two rows (or a row's key) changes the result. */
	return mix64(acc * UINT64_C(0x9e3779b97f4a7c15) + rowhash) ^ mix64((uint64_t)pk);
}

int stream_column(const struct row_stream *st, unsigned from, const char *name)
{
	MYSQL_FIELD *f = mysql_fetch_fields(st->res);

	for (unsigned i = from; i < st->n_fields; i++)
		if (!strcasecmp(f[i].name, name))
			return (int)i;
	lab_error_quiet("no column '%s' in the result of: %.120s", name, st->sql);
	return -1;
}

int scan_tables(MYSQL *m, struct table_consumer *const *c, size_t n)
{
	bool ids_only = true;

	for (size_t k = 0; k < n; k++)
		ids_only = ids_only && c[k]->ids_only;
	for (size_t ti = 0; ti < TBL_COUNT; ti++) {
		enum row_table t = scan_order[ti];
		struct row_stream st;
		char sql[160];
		int r;

		if (ids_only)
			snprintf(sql, sizeof(sql), "SELECT id FROM %s ORDER BY id", row_table_name(t));
		else
			snprintf(sql, sizeof(sql), "SELECT id, t.* FROM %s t ORDER BY id",
				 row_table_name(t));
		if (stream_open(&st, m, sql) < 0)
			return -1;
		r = 0;
		for (size_t k = 0; k < n && r == 0; k++)
			if (c[k]->open)
				r = c[k]->open(c[k]->arg, t, &st);
		while (r == 0 && (r = stream_next(&st)) == 1) {
			int64_t id;
			if (field_i64(st.row[0], &id) < 0) {
				lab_error_quiet("unexpected id '%s' from: %s",
						st.row[0] ? st.row[0] : "NULL", st.sql);
				r = -1;
				break;
			}
			r = 0;
			for (size_t k = 0; k < n && r == 0; k++)
				r = c[k]->row(c[k]->arg, t, id, &st);
		}
		for (size_t k = 0; k < n && r == 0; k++)
			if (c[k]->close)
				r = c[k]->close(c[k]->arg, t);
		stream_close(&st);
		if (r < 0)
			return -1;
	}
	return 0;
}
