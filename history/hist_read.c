/*
 * hist_read.c — reading a history, streaming: the file is read through a
 * fixed 64 KiB buffer and cut into ops one at a time (a JSON array element,
 * one JSON object per line, an EDN map, or a journal line), each at most
 * HISTORY_MAX_OP_BYTES and HISTORY_MAX_DEPTH deep. Each op is parsed (json-c
 * for JSON, edn_parse for EDN, a strict field splitter for lab's journal)
 * and turned into the store; the first malformed op stops the read with
 * "FILE:LINE: what is wrong". Invocations are paired with their completion
 * by process, as Jepsen does; the completion's value is used for ok ops, the
 * invocation's for failed and info ones.
 */
#include "hist_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#define BAD(h, line, ...)                                                     \
	do {                                                                  \
		char *m_ = xasprintf(__VA_ARGS__);                            \
		lab_error("%s:%u: %s", (h)->name, (unsigned)(line), m_);      \
		free(m_);                                                     \
	} while (0)

static bool json_int(json_object *o, int64_t *out)
{
	if (!o || !json_object_is_type(o, json_type_int))
		return false;
	errno = 0;
	*out = json_object_get_int64(o);
	return errno == 0;
}

static const char *json_str(json_object *o)
{
	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

/* ---- ops as the workers convert them, before pairing ---- */

/* An op converted from its json-c tree by a worker thread (which frees
 * the tree at once, in its own malloc arena); the calling thread pairs it
 * and interns its keys. */
struct pop {
	int8_t type;     /* HT_PENDING (invoke), HT_OK, HT_FAIL, HT_INFO; -1 not a client op */
	bool has_index;
	int64_t process, index;
	uint32_t mop_off, n_mops;
};

struct pmop {
	uint8_t f, flags, key_str;
	uint32_t len, key_len;
	int64_t key; /* integer key, or the offset of a string key in strs */
	int64_t v;   /* value; list reads: offset into vals */
};

struct conv {
	struct pop *pop;
	struct pmop *pm;
	size_t n_pm, cap_pm;
	int64_t *pv;
	size_t n_pv, cap_pv;
	struct strbuf strs;
};

static void conv_reset(struct conv *cv)
{
	cv->n_pm = cv->n_pv = 0;
	sb_reset(&cv->strs);
}

static void conv_release(struct conv *cv)
{
	free(cv->pop);
	free(cv->pm);
	free(cv->pv);
	sb_release(&cv->strs);
}

/* Convert op into cv->pop[i]; returns NULL or the error text (malloc'd). */
static char *convert_op(struct conv *cv, size_t i, json_object *op)
{
	struct pop *p = &cv->pop[i];
	memset(p, 0, sizeof(*p));
	if (!json_object_is_type(op, json_type_object))
		return xstrdup("op is not a map/object");
	json_object *jt = NULL, *jp = NULL, *jv = NULL, *ji = NULL;
	json_object_object_get_ex(op, "type", &jt);
	json_object_object_get_ex(op, "process", &jp);
	json_object_object_get_ex(op, "value", &jv);
	json_object_object_get_ex(op, "index", &ji);
	const char *type = json_str(jt);
	if (!type)
		return xstrdup("op has no :type");
	if (!json_int(jp, &p->process)) {
		p->type = -1; /* a nemesis or other non-client op: not part of the txn history */
		return NULL;
	}
	if (ji) {
		if (!json_int(ji, &p->index))
			return xstrdup("op's :index is not an integer");
		p->has_index = true;
	}
	if (strcmp(type, "invoke") == 0)
		p->type = HT_PENDING;
	else if (strcmp(type, "ok") == 0)
		p->type = HT_OK;
	else if (strcmp(type, "fail") == 0)
		p->type = HT_FAIL;
	else if (strcmp(type, "info") == 0)
		p->type = HT_INFO;
	else
		return xasprintf("op has :type '%s' (want invoke, ok, fail or info)", type);
	if (jv && !json_object_is_type(jv, json_type_array))
		return xstrdup("op's :value is not a list of micro-ops");
	size_t n = jv ? json_object_array_length(jv) : 0;
	if (n > HISTORY_MAX_MOPS)
		return xasprintf("op has %zu micro-ops (at most %u)", n, HISTORY_MAX_MOPS);
	if (cv->n_pm + n > cv->cap_pm) {
		while (cv->n_pm + n > cv->cap_pm)
			cv->cap_pm = cv->cap_pm ? cv->cap_pm * 2 : 8192;
		cv->pm = xrealloc(cv->pm, cv->cap_pm * sizeof(*cv->pm));
	}
	p->mop_off = (uint32_t)cv->n_pm;
	p->n_mops = (uint32_t)n;
	for (size_t j = 0; j < n; j++) {
		json_object *m = json_object_array_get_idx(jv, j);
		struct pmop *o = &cv->pm[cv->n_pm++];
		memset(o, 0, sizeof(*o));
		if (!json_object_is_type(m, json_type_array) || json_object_array_length(m) != 3)
			return xasprintf("micro-op %zu is not a [f key value] triple", j);
		const char *f = json_str(json_object_array_get_idx(m, 0));
		json_object *k = json_object_array_get_idx(m, 1);
		json_object *v = json_object_array_get_idx(m, 2);
		if (!json_int(k, &o->key)) {
			const char *ks = json_str(k);
			if (!ks)
				return xasprintf("micro-op %zu key is neither an integer nor a string", j);
			o->key_str = 1;
			o->key = (int64_t)cv->strs.len;
			o->key_len = (uint32_t)json_object_get_string_len(k);
			sb_add(&cv->strs, ks, o->key_len);
		}
		if (f && strcmp(f, "append") == 0)
			o->f = HF_APPEND;
		else if (f && (strcmp(f, "r") == 0 || strcmp(f, "read") == 0))
			o->f = HF_READ;
		else if (f && (strcmp(f, "w") == 0 || strcmp(f, "write") == 0))
			o->f = HF_WRITE;
		else
			return xasprintf("micro-op %zu has function '%s' (want append, r or w)", j, f ? f : "?");
		if (o->f != HF_READ) {
			if (!json_int(v, &o->v))
				return xasprintf("micro-op %zu writes a value that is not an integer", j);
			continue;
		}
		if (!v) {
			o->flags = HM_NIL; /* unknown in an invocation (see hist_finish), the initial state in an ok read */
		} else if (json_object_is_type(v, json_type_array)) {
			size_t len = json_object_array_length(v);
			if (cv->n_pv + len > cv->cap_pv) {
				while (cv->n_pv + len > cv->cap_pv)
					cv->cap_pv = cv->cap_pv ? cv->cap_pv * 2 : 65536;
				cv->pv = xrealloc(cv->pv, cv->cap_pv * sizeof(*cv->pv));
			}
			o->v = (int64_t)cv->n_pv;
			o->len = (uint32_t)len;
			o->flags = HM_LIST;
			for (size_t e = 0; e < len; e++)
				if (!json_int(json_object_array_get_idx(v, e), &cv->pv[cv->n_pv++]))
					return xasprintf("micro-op %zu read a list element that is not an integer", j);
		} else if (!json_int(v, &o->v)) {
			return xasprintf("micro-op %zu read a value that is neither a list, an integer nor null", j);
		}
	}
	return NULL;
}

static void copy_mops(struct hist *h, const struct conv *cv, const struct pop *p, struct hist_mop *out)
{
	for (uint32_t j = 0; j < p->n_mops; j++) {
		const struct pmop *o = &cv->pm[p->mop_off + j];
		struct hist_mop *m = &out[j];
		m->key = o->key_str ? hist_key_str(h, cv->strs.buf + o->key, o->key_len) : hist_key_int(h, o->key);
		m->f = o->f;
		m->flags = o->flags;
		m->len = 0;
		m->v = o->v;
		if (o->f == HF_APPEND)
			h->saw_append = true;
		else if (o->f == HF_WRITE)
			h->saw_write = true;
		else if (o->flags & HM_LIST) {
			int64_t off;
			int64_t *vals = hist_new_vals(h, o->len, &off);
			if (o->len)
				memcpy(vals, cv->pv + o->v, o->len * sizeof(*vals));
			m->v = off;
			m->len = o->len;
			h->saw_list_read = true;
		} else if (!(o->flags & HM_NIL))
			h->saw_reg_read = true;
	}
}

/* Pair a converted op with its process's invocation and store it. */
static int store_op(struct hist *h, const struct conv *cv, const struct pop *p, uint32_t line)
{
	int64_t ordinal = h->ordinal++;
	if (p->type < 0)
		return 0;
	int64_t index = p->has_index ? p->index : ordinal;
	int64_t *slot;
	bool open = pm_slot(&h->pending, p->process, 0, &slot) && *slot >= 0;
	if (p->type == HT_PENDING) {
		if (open) {
			BAD(h, line, "process %" PRId64 " invokes again before its op on line %u completed", p->process,
			    h->txns[*slot].line);
			return -1;
		}
		struct hist_txn *x = hist_new_txn(h);
		x->index = index;
		x->inv_index = index;
		x->t_inv = ordinal;
		x->t_done = INT64_MAX;
		x->process = p->process;
		x->type = HT_PENDING;
		x->line = line;
		x->n_mops = (uint16_t)p->n_mops;
		struct hist_mop *m = hist_new_mops(h, p->n_mops, &x->mop_off);
		*slot = (int64_t)(h->n_txns - 1);
		copy_mops(h, cv, p, m);
		return 0;
	}
	if (!open) {
		if (p->type == HT_INFO) {
			*slot = -1;
			return 0; /* an info without an invocation (e.g. a crash note) */
		}
		BAD(h, line, "process %" PRId64 " completes an op it never invoked", p->process);
		return -1;
	}
	struct hist_txn *x = &h->txns[*slot];
	*slot = -1;
	x->type = (uint8_t)p->type;
	x->index = index;
	uint32_t inv_line = x->line;
	x->line = line;
	if (p->type == HT_INFO)
		return 0; /* never completed, as far as we know */
	x->t_done = ordinal;
	if (p->type == HT_FAIL)
		return 0;
	/* ok: the completion's value is what happened */
	if (p->n_mops != x->n_mops) {
		BAD(h, line, "completion has %u micro-ops, its invocation on line %u had %u", p->n_mops, inv_line,
		    x->n_mops);
		return -1;
	}
	if (p->n_mops) /* an empty transaction: no pointer arithmetic on a NULL array */
		copy_mops(h, cv, p, &h->mops[x->mop_off]);
	return 0;
}

void hist_finish(struct hist *h)
{
	for (size_t i = 0; i < h->n_txns; i++)
		if (h->txns[i].type == HT_PENDING)
			h->txns[i].type = HT_INFO;
	/* Reads of unfinished txns are unknown. */
	for (size_t i = 0; i < h->n_txns; i++) {
		struct hist_txn *x = &h->txns[i];
		if (x->type == HT_OK)
			continue;
		for (uint16_t j = 0; j < x->n_mops; j++) {
			struct hist_mop *m = &h->mops[x->mop_off + j];
			if (m->f == HF_READ)
				m->flags |= HM_UNKNOWN;
		}
	}
}

/* ---- lab journal ---- */

static int field_int(const char *s, size_t n, int64_t min, int64_t *out)
{
	char buf[32];
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return parse_int64(buf, min, INT64_MAX, out);
}

int hist_add_journal_line(struct hist *h, const char *line, size_t n, uint32_t lineno)
{
	const char *f[9];
	size_t fl[9];
	size_t nf = 0;
	const char *p = line, *end = line + n;
	while (nf < 9) {
		const char *tab = nf < 8 ? memchr(p, '\t', (size_t)(end - p)) : NULL;
		const char *e = tab ? tab : end;
		f[nf] = p;
		fl[nf++] = (size_t)(e - p);
		if (!tab)
			break;
		p = tab + 1;
	}
	if (nf != 9) {
		BAD(h, lineno, "journal line has %zu tab-separated fields (want 9)", nf);
		return -1;
	}
	int64_t id, start, endt, process;
	if (field_int(f[0], fl[0], INT64_MIN + 1, &id) < 0) {
		BAD(h, lineno, "TXN is not an integer");
		return -1;
	}
	if (fl[1] != 6 || memcmp(f[1], "append", 6) != 0) {
		BAD(h, lineno, "workload field is '%.*s' (want append)", (int)fl[1], f[1]);
		return -1;
	}
	int t;
	if (fl[2] == 2 && memcmp(f[2], "ok", 2) == 0)
		t = HT_OK;
	else if (fl[2] == 6 && memcmp(f[2], "failed", 6) == 0)
		t = HT_FAIL;
	else if (fl[2] == 7 && memcmp(f[2], "unknown", 7) == 0)
		t = HT_INFO;
	else {
		BAD(h, lineno, "OUTCOME is '%.*s' (want ok, failed or unknown)", (int)fl[2], f[2]);
		return -1;
	}
	if (field_int(f[4], fl[4], 0, &start) < 0 || field_int(f[5], fl[5], 0, &endt) < 0) {
		BAD(h, lineno, "START_NS or END_NS is not a non-negative integer");
		return -1;
	}
	if (field_int(f[7], fl[7], 0, &process) < 0) {
		BAD(h, lineno, "PROCESS is not a non-negative integer");
		return -1;
	}
	/* Micro-ops: count them first. */
	size_t nm = 0;
	for (const char *q = f[8]; q < end;) {
		const char *sp = memchr(q, ' ', (size_t)(end - q));
		const char *e = sp ? sp : end;
		if (e > q)
			nm++;
		q = e + 1;
	}
	if (nm > HISTORY_MAX_MOPS) {
		BAD(h, lineno, "transaction has %zu micro-ops (at most %u)", nm, HISTORY_MAX_MOPS);
		return -1;
	}
	struct hist_txn *x = hist_new_txn(h);
	x->index = id;
	x->inv_index = id;
	x->t_inv = start;
	x->t_done = t == HT_INFO ? INT64_MAX : endt;
	x->process = process;
	x->type = (uint8_t)t;
	x->line = lineno;
	x->n_mops = (uint16_t)nm;
	struct hist_mop *mops = hist_new_mops(h, nm, &x->mop_off);
	size_t i = 0;
	for (const char *q = f[8]; q < end && i < nm;) {
		const char *sp = memchr(q, ' ', (size_t)(end - q));
		const char *e = sp ? sp : end;
		if (e == q) {
			q = e + 1;
			continue;
		}
		struct hist_mop *m = &mops[i];
		memset(m, 0, sizeof(*m));
		const char *c1 = memchr(q, ':', (size_t)(e - q));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(e - c1 - 1)) : NULL;
		int64_t key;
		if (!c2 || c1 - q != 1 || (q[0] != 'a' && q[0] != 'r') ||
		    field_int(c1 + 1, (size_t)(c2 - c1 - 1), 0, &key) < 0) {
			BAD(h, lineno, "micro-op %zu '%.*s' is not a:KEY:VALUE or r:KEY:V1,V2,...", i,
			    (int)(e - q), q);
			return -1;
		}
		m->key = hist_key_int(h, key);
		const char *v = c2 + 1;
		size_t vl = (size_t)(e - v);
		if (q[0] == 'a') {
			m->f = HF_APPEND;
			h->saw_append = true;
			if (field_int(v, vl, 0, &m->v) < 0) {
				BAD(h, lineno, "micro-op %zu appends '%.*s', not a non-negative integer", i, (int)vl, v);
				return -1;
			}
		} else {
			m->f = HF_READ;
			if (vl == 1 && v[0] == '?') {
				m->flags = HM_UNKNOWN | HM_LIST;
			} else {
				size_t cnt = vl ? 1 : 0;
				for (size_t j = 0; j < vl; j++)
					cnt += v[j] == ',';
				int64_t off;
				int64_t *vals = hist_new_vals(h, cnt, &off);
				const char *s = v;
				for (size_t j = 0; j < cnt; j++) {
					const char *comma = memchr(s, ',', (size_t)(e - s));
					const char *se = comma ? comma : e;
					if (field_int(s, (size_t)(se - s), 0, &vals[j]) < 0) {
						BAD(h, lineno, "micro-op %zu reads '%.*s', not a list of integers", i,
						    (int)vl, v);
						return -1;
					}
					s = se + 1;
				}
				m->flags = HM_LIST;
				m->v = off;
				m->len = (uint32_t)cnt;
				h->saw_list_read = true;
			}
		}
		i++;
		q = e + 1;
	}
	return 0;
}

/* ---- the streaming splitter ---- */

enum fmt { FMT_UNKNOWN, FMT_JSON, FMT_EDN, FMT_JOURNAL };

struct reader {
	FILE *f;
	char buf[65536 + 1]; /* NUL after the data: strcspn stops there */
	size_t pos, len;
	bool eof;
	uint32_t line;
};

static int rd_fill(struct reader *r)
{
	if (r->pos < r->len)
		return 1;
	if (r->eof)
		return 0;
	r->len = fread(r->buf, 1, sizeof(r->buf) - 1, r->f);
	r->buf[r->len] = '\0';
	r->pos = 0;
	if (r->len == 0) {
		r->eof = true;
		return ferror(r->f) ? -1 : 0;
	}
	return 1;
}

static int rd_peek(struct reader *r)
{
	int rc = rd_fill(r);
	return rc > 0 ? (unsigned char)r->buf[r->pos] : (rc == 0 ? EOF : -2);
}

static int rd_get(struct reader *r)
{
	int c = rd_peek(r);
	if (c >= 0) {
		r->pos++;
		if (c == '\n')
			r->line++;
	}
	return c;
}

static int skip_ws(struct reader *r, bool edn, bool commas)
{
	for (;;) {
		int c = rd_peek(r);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || (commas && c == ',')) {
			rd_get(r);
			continue;
		}
		if (edn && c == ';') {
			while ((c = rd_get(r)) >= 0 && c != '\n')
				;
			continue;
		}
		return c;
	}
}

/* Read one bracketed element (starting at the current '{' or '[') into sb,
 * tracking strings and depth; whole spans of the buffer are copied at
 * once. Returns 0, or -1 with the error reported. */
static int read_element(struct hist *h, struct reader *r, struct strbuf *sb, bool edn, uint32_t start_line)
{
	int depth = 0;
	bool in_str = false, esc = false, edn_char = false;
	sb_reset(sb);
	for (;;) {
		int rc = rd_fill(r);
		if (rc < 0) {
			lab_error("%s: read error: %s", h->name, strerror(errno));
			return -1;
		}
		if (rc == 0) {
			BAD(h, start_line, "op is cut short by the end of the file");
			return -1;
		}
		const char *p = r->buf + r->pos, *end = r->buf + r->len;
		const char *q = p;
		bool done = false;
		for (; q < end; q++) {
			/* jump over the bytes that change no state (digits, letters,
			 * commas...): strcspn is vectorised; a NUL in the data stops
			 * it early and is then taken as an ordinary byte */
			if (!edn_char && !esc) {
				q += strcspn(q, in_str ? "\"\\\n" : "\"{}[]()\n\\");
				if (q >= end)
					break;
			}
			char c = *q;
			if (c == '\n') {
				r->line++;
				continue;
			}
			if (edn_char) {
				edn_char = false;
				continue;
			}
			if (in_str) {
				if (esc)
					esc = false;
				else if (c == '\\')
					esc = true;
				else if (c == '"')
					in_str = false;
				continue;
			}
			if (c == '"')
				in_str = true;
			else if (edn && c == '\\')
				edn_char = true;
			else if (c == '{' || c == '[' || c == '(') {
				if (++depth > HISTORY_MAX_DEPTH) {
					BAD(h, start_line, "op is nested deeper than %d levels (the limit)", HISTORY_MAX_DEPTH);
					return -1;
				}
			} else if (c == '}' || c == ']' || c == ')') {
				if (--depth == 0) {
					q++;
					done = true;
					break;
				}
			}
		}
		if (sb->len + (size_t)(q - p) > HISTORY_MAX_OP_BYTES) {
			BAD(h, start_line, "op is larger than %u bytes (the limit)", HISTORY_MAX_OP_BYTES);
			return -1;
		}
		sb_add(sb, p, (size_t)(q - p));
		r->pos += (size_t)(q - p);
		if (done)
			return 0;
	}
}

/* ---- parallel parsing ----
 *
 * The splitter (the calling thread) cuts ops into batches of text; worker
 * threads parse whole batches (json-c or edn_parse) into json-c trees; the
 * calling thread takes the parsed batches back in input order and turns
 * each tree into the store. json-c allocates a lot: spreading the parsing
 * over the cores is what makes a million transactions take seconds. A
 * tree is owned by one thread at a time (handed over under the mutex).
 */

#define NBATCH 8
#define BATCH_OPS 2048
#define BATCH_BYTES (1u << 20)

struct batch {
	struct strbuf text;
	size_t *off;
	uint32_t *len, *line;
	char **err;        /* parse error text of an element, or NULL */
	size_t *err_off;   /* offset of the error in the element (EDN) */
	struct conv cv;    /* the converted ops */
	size_t n;
	uint64_t seq;
	int state;         /* B_FREE, B_READY (to parse), B_BUSY, B_PARSED */
};

enum { B_FREE, B_READY, B_BUSY, B_PARSED };

struct pool;
struct worker_arg {
	struct pool *p;
	int id;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct batch b[NBATCH];
	bool edn, stop;
	pthread_t th[4];
	struct worker_arg args[4];
	int n_threads;
};

static void parse_batch(struct batch *bt, bool edn, struct json_tokener *tok)
{
	conv_reset(&bt->cv);
	for (size_t i = 0; i < bt->n; i++)
		bt->err[i] = NULL;
	for (size_t i = 0; i < bt->n; i++) {
		const char *text = bt->text.buf + bt->off[i];
		bt->err[i] = NULL;
		bt->err_off[i] = 0;
		if (edn) {
			const char *err = NULL;
			json_object *o = edn_parse(text, bt->len[i], &err, &bt->err_off[i]);
			if (!o) {
				bt->err[i] = xasprintf("op is not valid EDN: %s", err);
				return; /* nothing after the first bad op matters */
			}
			bt->err[i] = convert_op(&bt->cv, i, o);
			json_object_put(o);
			if (bt->err[i])
				return;
			continue;
		}
		json_tokener_reset(tok);
		json_object *o = json_tokener_parse_ex(tok, text, (int)bt->len[i]);
		enum json_tokener_error e = json_tokener_get_error(tok);
		if (!o || e != json_tokener_success) {
			json_object_put(o);
			bt->err[i] = xasprintf("op is not valid JSON: %s%s", json_tokener_error_desc(e),
					       e == json_tokener_error_depth ? " (nesting limit)" : "");
			return;
		}
		bt->err[i] = convert_op(&bt->cv, i, o);
		json_object_put(o);
		if (bt->err[i])
			return;
	}
}

static void batch_clear(struct batch *bt);

static void *worker(void *arg)
{
	struct pool *p = ((struct worker_arg *)arg)->p;
	struct json_tokener *tok = json_tokener_new_ex(HISTORY_MAX_DEPTH);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct batch *bt = NULL;
		for (int i = 0; i < NBATCH; i++)
			if (p->b[i].state == B_READY && (!bt || p->b[i].seq < bt->seq))
				bt = &p->b[i];
		if (!bt) {
			if (p->stop)
				break;
			pthread_cond_wait(&p->work, &p->mu);
			continue;
		}
		bt->state = B_BUSY;
		pthread_mutex_unlock(&p->mu);
		parse_batch(bt, p->edn, tok);
		pthread_mutex_lock(&p->mu);
		bt->state = B_PARSED;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	json_tokener_free(tok);
	return NULL;
}

static void batch_add(struct batch *bt, const struct strbuf *el, uint32_t line)
{
	/* the caller hands the batch on at BATCH_OPS ops */
	bt->off[bt->n] = bt->text.len;
	bt->len[bt->n] = (uint32_t)el->len;
	bt->line[bt->n] = line;
	bt->n++;
	sb_add(&bt->text, el->buf, el->len);
}

static void pool_init(struct pool *p, bool edn)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->edn = edn;
	for (int i = 0; i < NBATCH; i++) {
		struct batch *bt = &p->b[i];
		bt->off = xmalloc(BATCH_OPS * sizeof(*bt->off));
		bt->len = xmalloc(BATCH_OPS * sizeof(*bt->len));
		bt->line = xmalloc(BATCH_OPS * sizeof(*bt->line));
		bt->cv.pop = xmalloc(BATCH_OPS * sizeof(*bt->cv.pop));
		bt->err = xmalloc(BATCH_OPS * sizeof(*bt->err));
		bt->err_off = xmalloc(BATCH_OPS * sizeof(*bt->err_off));
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	p->n_threads = cores < 1 ? 1 : cores > 4 ? 4 : (int)cores;
	for (int i = 0; i < p->n_threads; i++) {
		p->args[i] = (struct worker_arg){ p, i };
		if (pthread_create(&p->th[i], NULL, worker, &p->args[i]) != 0) {
			p->n_threads = i;
			break;
		}
	}
}

static void batch_clear(struct batch *bt)
{
	for (size_t i = 0; i < bt->n; i++) {
		free(bt->err[i]);
		bt->err[i] = NULL;
	}
	bt->n = 0;
	sb_reset(&bt->text);
	bt->state = B_FREE;
}

static void pool_release(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->n_threads; i++)
		pthread_join(p->th[i], NULL);
	for (int i = 0; i < NBATCH; i++) {
		struct batch *bt = &p->b[i];
		if (bt->state == B_PARSED)
			batch_clear(bt);
		sb_release(&bt->text);
		free(bt->off);
		free(bt->len);
		free(bt->line);
		conv_release(&bt->cv);
		free(bt->err);
		free(bt->err_off);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
}

/* Wait for the batch of sequence number seq and store its ops. Returns 0,
 * or -1 with the first bad op reported. */
static int consume(struct hist *h, struct pool *p, uint64_t seq)
{
	struct batch *bt = NULL;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (int i = 0; i < NBATCH && !bt; i++)
			if (p->b[i].state != B_FREE && p->b[i].seq == seq)
				bt = &p->b[i];
		if (bt && bt->state == B_PARSED)
			break;
		if (p->n_threads == 0 && bt && bt->state == B_READY) {
			/* no worker could be started: parse here */
			bt->state = B_BUSY;
			pthread_mutex_unlock(&p->mu);
			struct json_tokener *tok = json_tokener_new_ex(HISTORY_MAX_DEPTH);
			parse_batch(bt, p->edn, tok);
			json_tokener_free(tok);
			pthread_mutex_lock(&p->mu);
			bt->state = B_PARSED;
			break;
		}
		pthread_cond_wait(&p->done, &p->mu);
		bt = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	int rc = 0;
	for (size_t i = 0; i < bt->n && rc == 0; i++) {
		if (bt->err[i]) {
			uint32_t l = bt->line[i];
			const char *text = bt->text.buf + bt->off[i];
			for (size_t j = 0; j < bt->err_off[i] && j < bt->len[i]; j++)
				l += text[j] == '\n';
			BAD(h, l, "%s", bt->err[i]);
			rc = -1;
			break;
		}
		rc = store_op(h, &bt->cv, &bt->cv.pop[i], bt->line[i]);
	}
	pthread_mutex_lock(&p->mu);
	batch_clear(bt);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static int read_journal(struct hist *h, struct reader *r)
{
	struct strbuf line = { 0 };
	int rc = 0;
	for (;;) {
		sb_reset(&line);
		uint32_t lineno = r->line;
		bool nl = false;
		int c;
		while ((c = rd_get(r)) >= 0) {
			if (c == '\n') {
				nl = true;
				break;
			}
			if (line.len >= HISTORY_MAX_OP_BYTES) {
				BAD(h, lineno, "line is longer than %u bytes (the limit)", HISTORY_MAX_OP_BYTES);
				rc = -1;
				goto cleanup;
			}
			char ch = (char)c;
			sb_add(&line, &ch, 1);
		}
		if (c == -2) {
			lab_error("%s: read error: %s", h->name, strerror(errno));
			rc = -1;
			break;
		}
		if (!nl)
			break; /* EOF: a partial last line is a crash's cut, ignored */
		if (line.len == 0 || line.buf[0] == '#')
			continue;
		if (hist_add_journal_line(h, line.buf, line.len, lineno) < 0) {
			rc = -1;
			break;
		}
	}
cleanup:
	sb_release(&line);
	return rc;
}

int hist_read_stream(struct hist *h, FILE *f)
{
	struct reader *r = xcalloc(1, sizeof(*r));
	struct strbuf el = { 0 };
	int rc = -1;
	r->f = f;
	r->line = 1;
	int c = skip_ws(r, false, false);
	enum fmt fmt = FMT_UNKNOWN;
	bool array = false;
	if (c == -2) {
		lab_error("%s: read error: %s", h->name, strerror(errno));
		goto cleanup;
	}
	if (c == EOF) {
		rc = 0; /* empty history */
		goto cleanup;
	}
	if (c == '#') {
		rc = read_journal(h, r);
		goto cleanup;
	}
	if (c == '[') {
		array = true;
		rd_get(r);
		c = skip_ws(r, true, true);
	}
	if (c == '{') {
		/* JSON objects have "key"; EDN maps :key (or a comment). */
		size_t p = r->pos + 1;
		while (p < r->len && (r->buf[p] == ' ' || r->buf[p] == '\n' || r->buf[p] == '\t' || r->buf[p] == '\r'))
			p++;
		fmt = (p < r->len && r->buf[p] == '"') ? FMT_JSON : FMT_EDN;
	} else if (c == ']' && array) {
		rc = 0;
		goto cleanup;
	} else {
		BAD(h, r->line, "not a history: expected a JSON array or object, an EDN map, or a lab journal");
		goto cleanup;
	}
	bool edn = fmt == FMT_EDN;
	struct pool *pool = xmalloc(sizeof(*pool));
	pool_init(pool, edn);
	uint64_t next_seq = 0, consumed = 0;
	struct batch *cur = NULL;
	int split_rc = 0;
	for (;;) {
		c = skip_ws(r, edn, true);
		if (c == -2) {
			lab_error("%s: read error: %s", h->name, strerror(errno));
			split_rc = -1;
			break;
		}
		if (c == EOF) {
			if (array) {
				BAD(h, r->line, "the top-level array is not closed");
				split_rc = -1;
			}
			break;
		}
		if (array && c == ']') {
			rd_get(r);
			c = skip_ws(r, edn, false);
			if (c != EOF) {
				BAD(h, r->line, "text after the end of the top-level array");
				split_rc = -1;
			}
			break;
		}
		if (c != '{') {
			BAD(h, r->line, "expected an op (a map) but found '%c'", c);
			split_rc = -1;
			break;
		}
		uint32_t line = r->line;
		if (read_element(h, r, &el, edn, line) < 0) {
			split_rc = -1;
			break;
		}
		if (!cur) {
			/* a free batch, consuming the oldest when all are in flight */
			for (;;) {
				pthread_mutex_lock(&pool->mu);
				for (int i = 0; i < NBATCH && !cur; i++)
					if (pool->b[i].state == B_FREE)
						cur = &pool->b[i];
				pthread_mutex_unlock(&pool->mu);
				if (cur)
					break;
				if (consume(h, pool, consumed++) < 0) {
					pool_release(pool);
					free(pool);
					goto cleanup;
				}
			}
			cur->seq = next_seq++;
		}
		batch_add(cur, &el, line);
		if (cur->n >= BATCH_OPS || cur->text.len >= BATCH_BYTES) {
			pthread_mutex_lock(&pool->mu);
			cur->state = B_READY;
			pthread_cond_signal(&pool->work);
			pthread_mutex_unlock(&pool->mu);
			cur = NULL;
		}
	}
	if (cur) {
		pthread_mutex_lock(&pool->mu);
		cur->state = B_READY;
		pthread_cond_signal(&pool->work);
		pthread_mutex_unlock(&pool->mu);
	}
	/* earlier ops' errors come first: store everything split so far */
	int crc = 0;
	while (crc == 0 && consumed < next_seq)
		crc = consume(h, pool, consumed++);
	pool_release(pool);
	free(pool);
	if (crc < 0 || split_rc < 0)
		goto cleanup;
	rc = 0;
cleanup:
	sb_release(&el);
	free(r);
	return rc;
}
