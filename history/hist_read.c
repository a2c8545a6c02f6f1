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

static int parse_key(struct hist *h, json_object *k, uint32_t line, uint32_t *key)
{
	int64_t ik;
	if (json_int(k, &ik)) {
		*key = hist_key_int(h, ik);
		return 0;
	}
	const char *s = json_str(k);
	if (s) {
		*key = hist_key_str(h, s, (size_t)json_object_get_string_len(k));
		return 0;
	}
	BAD(h, line, "micro-op key is neither an integer nor a string");
	return -1;
}

/* Fill mops[0..n) from a JSON array of [f k v]. */
static int parse_mops(struct hist *h, json_object *value, uint32_t line, struct hist_mop *mops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(value, i);
		if (!json_object_is_type(m, json_type_array) || json_object_array_length(m) != 3) {
			BAD(h, line, "micro-op %zu is not a [f key value] triple", i);
			return -1;
		}
		const char *f = json_str(json_object_array_get_idx(m, 0));
		json_object *v = json_object_array_get_idx(m, 2);
		struct hist_mop *o = &mops[i];
		memset(o, 0, sizeof(*o));
		if (parse_key(h, json_object_array_get_idx(m, 1), line, &o->key) < 0)
			return -1;
		if (f && strcmp(f, "append") == 0) {
			o->f = HF_APPEND;
			h->saw_append = true;
		} else if (f && (strcmp(f, "r") == 0 || strcmp(f, "read") == 0)) {
			o->f = HF_READ;
		} else if (f && (strcmp(f, "w") == 0 || strcmp(f, "write") == 0)) {
			o->f = HF_WRITE;
			h->saw_write = true;
		} else {
			BAD(h, line, "micro-op %zu has function '%s' (want append, r or w)", i, f ? f : "?");
			return -1;
		}
		if (o->f != HF_READ) {
			if (!json_int(v, &o->v)) {
				BAD(h, line, "micro-op %zu writes a value that is not an integer", i);
				return -1;
			}
			continue;
		}
		if (!v) {
			o->flags = HM_NIL; /* nil: unknown in an invocation (see hist_finish), the initial state in an ok read */
		} else if (json_object_is_type(v, json_type_array)) {
			size_t len = json_object_array_length(v);
			int64_t off;
			int64_t *vals = hist_new_vals(h, len, &off);
			for (size_t j = 0; j < len; j++) {
				if (!json_int(json_object_array_get_idx(v, j), &vals[j])) {
					BAD(h, line, "micro-op %zu read a list element that is not an integer", i);
					return -1;
				}
			}
			o->flags = HM_LIST;
			o->v = off;
			o->len = (uint32_t)len;
			h->saw_list_read = true;
		} else if (json_int(v, &o->v)) {
			h->saw_reg_read = true;
		} else {
			BAD(h, line, "micro-op %zu read a value that is neither a list, an integer nor null", i);
			return -1;
		}
	}
	return 0;
}

int hist_add_json_op(struct hist *h, json_object *op, uint32_t line)
{
	int64_t ordinal = h->ordinal++;
	if (!json_object_is_type(op, json_type_object)) {
		BAD(h, line, "op is not a map/object");
		return -1;
	}
	json_object *jt = NULL, *jp = NULL, *jv = NULL, *ji = NULL;
	json_object_object_get_ex(op, "type", &jt);
	json_object_object_get_ex(op, "process", &jp);
	json_object_object_get_ex(op, "value", &jv);
	json_object_object_get_ex(op, "index", &ji);
	const char *type = json_str(jt);
	if (!type) {
		BAD(h, line, "op has no :type");
		return -1;
	}
	int64_t process, index = ordinal;
	if (!json_int(jp, &process))
		return 0; /* a nemesis or other non-client op: not part of the txn history */
	if (ji && !json_int(ji, &index)) {
		BAD(h, line, "op's :index is not an integer");
		return -1;
	}
	int t;
	if (strcmp(type, "invoke") == 0)
		t = HT_PENDING;
	else if (strcmp(type, "ok") == 0)
		t = HT_OK;
	else if (strcmp(type, "fail") == 0)
		t = HT_FAIL;
	else if (strcmp(type, "info") == 0)
		t = HT_INFO;
	else {
		BAD(h, line, "op has :type '%s' (want invoke, ok, fail or info)", type);
		return -1;
	}
	size_t n = 0;
	if (jv && !json_object_is_type(jv, json_type_array)) {
		BAD(h, line, "op's :value is not a list of micro-ops");
		return -1;
	}
	if (jv)
		n = json_object_array_length(jv);
	if (n > HISTORY_MAX_MOPS) {
		BAD(h, line, "op has %zu micro-ops (at most %u)", n, HISTORY_MAX_MOPS);
		return -1;
	}
	int64_t *slot;
	bool open = pm_slot(&h->pending, process, 0, &slot) && *slot >= 0;
	if (t == HT_PENDING) {
		if (open) {
			BAD(h, line, "process %" PRId64 " invokes again before its op on line %u completed",
			    process, h->txns[*slot].line);
			return -1;
		}
		struct hist_txn *x = hist_new_txn(h);
		x->index = index;
		x->inv_index = index;
		x->t_inv = ordinal;
		x->t_done = INT64_MAX;
		x->process = process;
		x->type = HT_PENDING;
		x->line = line;
		x->n_mops = (uint16_t)n;
		struct hist_mop *m = hist_new_mops(h, n, &x->mop_off);
		*slot = (int64_t)(h->n_txns - 1);
		return parse_mops(h, jv, line, m, n);
	}
	if (!open) {
		if (t == HT_INFO) {
			*slot = -1;
			return 0; /* an info without an invocation (e.g. a crash note) */
		}
		BAD(h, line, "process %" PRId64 " completes an op it never invoked", process);
		return -1;
	}
	struct hist_txn *x = &h->txns[*slot];
	*slot = -1;
	x->type = (uint8_t)t;
	x->index = index;
	x->line = line;
	if (t == HT_INFO)
		return 0; /* never completed, as far as we know */
	x->t_done = ordinal;
	if (t == HT_FAIL)
		return 0;
	/* ok: the completion's value is what happened. */
	if (n != x->n_mops) {
		BAD(h, line, "completion has %zu micro-ops, its invocation on line %u had %u", n, x->line,
		    x->n_mops);
		return -1;
	}
	return parse_mops(h, jv, line, &h->mops[x->mop_off], n);
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
	char buf[65536];
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
	r->len = fread(r->buf, 1, sizeof(r->buf), r->f);
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
 * tracking strings and depth. Returns 0, or -1 with the error reported. */
static int read_element(struct hist *h, struct reader *r, struct strbuf *sb, bool edn, uint32_t start_line)
{
	int depth = 0;
	bool in_str = false, esc = false;
	sb_reset(sb);
	for (;;) {
		int c = rd_get(r);
		if (c == -2) {
			lab_error("%s: read error: %s", h->name, strerror(errno));
			return -1;
		}
		if (c == EOF) {
			BAD(h, start_line, "op is cut short by the end of the file");
			return -1;
		}
		if (sb->len >= HISTORY_MAX_OP_BYTES) {
			BAD(h, start_line, "op is larger than %u bytes (the limit)", HISTORY_MAX_OP_BYTES);
			return -1;
		}
		char ch = (char)c;
		sb_add(sb, &ch, 1);
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
		else if (edn && c == '\\') {
			/* EDN character literal: take the next char verbatim. */
			int d = rd_get(r);
			if (d >= 0) {
				char dc = (char)d;
				sb_add(sb, &dc, 1);
			}
		} else if (c == '{' || c == '[' || c == '(') {
			if (++depth > HISTORY_MAX_DEPTH) {
				BAD(h, start_line, "op is nested deeper than %d levels (the limit)", HISTORY_MAX_DEPTH);
				return -1;
			}
		} else if (c == '}' || c == ']' || c == ')') {
			if (--depth == 0)
				return 0;
		}
	}
}

static int parse_json_element(struct hist *h, struct json_tokener *tok, struct strbuf *sb, uint32_t line)
{
	json_tokener_reset(tok);
	json_object *o = json_tokener_parse_ex(tok, sb->buf, (int)sb->len);
	enum json_tokener_error err = json_tokener_get_error(tok);
	if (!o || err != json_tokener_success) {
		if (o)
			json_object_put(o);
		BAD(h, line, "op is not valid JSON: %s%s", json_tokener_error_desc(err),
		    err == json_tokener_error_depth ? " (nesting limit)" : "");
		return -1;
	}
	int rc = hist_add_json_op(h, o, line);
	json_object_put(o);
	return rc;
}

static int parse_edn_element(struct hist *h, struct strbuf *sb, uint32_t line)
{
	const char *err = NULL;
	size_t off = 0;
	json_object *o = edn_parse(sb->buf, sb->len, &err, &off);
	if (!o) {
		uint32_t l = line;
		for (size_t i = 0; i < off && i < sb->len; i++)
			l += sb->buf[i] == '\n';
		BAD(h, l, "op is not valid EDN: %s", err);
		return -1;
	}
	int rc = hist_add_json_op(h, o, line);
	json_object_put(o);
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
	struct json_tokener *tok = json_tokener_new_ex(HISTORY_MAX_DEPTH);
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
	for (;;) {
		c = skip_ws(r, edn, true);
		if (c == -2) {
			lab_error("%s: read error: %s", h->name, strerror(errno));
			goto cleanup;
		}
		if (c == EOF) {
			if (array) {
				BAD(h, r->line, "the top-level array is not closed");
				goto cleanup;
			}
			break;
		}
		if (array && c == ']') {
			rd_get(r);
			c = skip_ws(r, edn, false);
			if (c != EOF) {
				BAD(h, r->line, "text after the end of the top-level array");
				goto cleanup;
			}
			break;
		}
		if (c != '{') {
			BAD(h, r->line, "expected an op (a map) but found '%c'", c);
			goto cleanup;
		}
		uint32_t line = r->line;
		if (read_element(h, r, &el, edn, line) < 0)
			goto cleanup;
		if ((edn ? parse_edn_element(h, &el, line) : parse_json_element(h, tok, &el, line)) < 0)
			goto cleanup;
	}
	rc = 0;
cleanup:
	if (tok)
		json_tokener_free(tok);
	sb_release(&el);
	free(r);
	return rc;
}
