/*
 * append_rules.c — the pure parts of the list-append workload (append.h),
 * kept apart from threads and sockets so unit tests can pin them: the
 * journal line (format and parse, a round trip), the list text the server's
 * CONCAT builds, the option parsers (ops per transaction, read ratio) and
 * the lock-free key rotation.
 */
#include "append.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void append_record_reset(struct append_record *r)
{
	for (size_t i = 0; i < APPEND_MAX_OPS; i++) {
		sb_reset(&r->mops[i].list);
		r->mops[i].done = false;
	}
	r->n_mops = 0;
}

void append_record_release(struct append_record *r)
{
	for (size_t i = 0; i < APPEND_MAX_OPS; i++)
		sb_release(&r->mops[i].list);
	r->n_mops = 0;
}

/* ---- journal ---- */

void append_journal_header(struct strbuf *sb, uint64_t seed, double unix_seconds)
{
	sb_printf(sb, "# lab-journal 1 workload=append seed=%" PRIu64 " started=%" PRId64 "\n", seed,
		  (int64_t)unix_seconds);
}

void append_mops_format(const struct append_mop *m, size_t n, struct strbuf *sb)
{
	for (size_t i = 0; i < n; i++) {
		const char *sep = i ? " " : "";
		if (m[i].kind == MOP_APPEND)
			sb_printf(sb, "%sa:%" PRId64 ":%" PRId64, sep, m[i].key, m[i].value);
		else if (!m[i].done)
			sb_printf(sb, "%sr:%" PRId64 ":?", sep, m[i].key);
		else {
			sb_printf(sb, "%sr:%" PRId64 ":", sep, m[i].key);
			if (m[i].list.len)
				sb_add(sb, m[i].list.buf, m[i].list.len);
		}
	}
}

void append_journal_format(const struct append_record *r, struct strbuf *sb)
{
	sb_printf(sb, "%" PRId64 "\tappend\t%s\t%s\t%" PRId64 "\t%" PRId64 "\t%u\t%" PRId64 "\t", r->txn,
		  txn_outcome_name(r->outcome), r->node[0] ? r->node : "-", r->start_ns, r->end_ns,
		  r->err, r->process);
	append_mops_format(r->mops, r->n_mops, sb);
	sb_add(sb, "\n", 1);
}

/* A whole decimal int64 in s[0..len). */
static int parse_i64_span(const char *s, size_t len, int64_t min, int64_t *out)
{
	char buf[24];

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return parse_int64(buf, min, INT64_MAX, out);
}

int append_list_parse(const char *text, size_t len, int64_t **vals, size_t *n)
{
	int64_t *out = NULL;
	size_t count = 0, cap = 0, i = 0;

	*vals = NULL;
	*n = 0;
	if (!len)
		return 0;
	while (i <= len) {
		size_t j = i;
		int64_t v;
		while (j < len && text[j] != ',')
			j++;
		if (j == i || parse_i64_span(text + i, j - i, INT64_MIN, &v) < 0) {
			free(out);
			return -1;
		}
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			out = xrealloc(out, cap * sizeof(*out));
		}
		out[count++] = v;
		i = j + 1;
	}
	*vals = out;
	*n = count;
	return 0;
}

/* Whether s[0..len) is a list: digits (and '-') separated by single commas. */
static bool list_text_ok(const char *s, size_t len)
{
	int64_t *v;
	size_t n;

	if (append_list_parse(s, len, &v, &n) < 0)
		return false;
	free(v);
	return true;
}

static int parse_mop(const char *s, size_t len, struct append_mop *m)
{
	const char *c1, *c2, *end = s + len;
	int64_t key;

	if (len < 4 || (s[0] != MOP_APPEND && s[0] != MOP_READ) || s[1] != ':')
		return -1;
	c1 = s + 2;
	c2 = memchr(c1, ':', (size_t)(end - c1));
	if (!c2 || parse_i64_span(c1, (size_t)(c2 - c1), 0, &key) < 0)
		return -1;
	m->kind = s[0];
	m->key = key;
	m->value = 0;
	m->done = false;
	sb_reset(&m->list);
	c2++;
	if (m->kind == MOP_APPEND)
		return parse_i64_span(c2, (size_t)(end - c2), INT64_MIN, &m->value);
	if (end - c2 == 1 && *c2 == '?')
		return 0;
	if (!list_text_ok(c2, (size_t)(end - c2)))
		return -1;
	m->done = true;
	sb_add(&m->list, c2, (size_t)(end - c2));
	return 0;
}

int append_journal_parse_line(const char *line, struct append_record *r)
{
	const char *field[9], *p = line;
	size_t flen[9];
	int nf = 0;
	int64_t v;
	enum txn_outcome oc;
	char buf[32];

	append_record_reset(r);
	while (nf < 9) {
		const char *tab = strchr(p, '\t');
		field[nf] = p;
		flen[nf] = tab ? (size_t)(tab - p) : strlen(p);
		nf++;
		if (!tab)
			break;
		p = tab + 1;
	}
	if (nf != 9 || strchr(field[8], '\t'))
		return -1;
	if (parse_i64_span(field[0], flen[0], INT64_MIN, &r->txn) < 0)
		return -1;
	if (flen[1] != 6 || strncmp(field[1], "append", 6))
		return -1;
	if (flen[2] >= sizeof(buf))
		return -1;
	memcpy(buf, field[2], flen[2]);
	buf[flen[2]] = '\0';
	if (txn_outcome_parse(buf, &oc) < 0)
		return -1;
	r->outcome = oc;
	if (!flen[3] || flen[3] >= sizeof(r->node))
		return -1;
	memcpy(r->node, field[3], flen[3]);
	r->node[flen[3]] = '\0';
	if (parse_i64_span(field[4], flen[4], INT64_MIN, &r->start_ns) < 0 ||
	    parse_i64_span(field[5], flen[5], INT64_MIN, &r->end_ns) < 0)
		return -1;
	if (parse_i64_span(field[6], flen[6], 0, &v) < 0 || v > UINT32_MAX)
		return -1;
	r->err = (unsigned)v;
	if (parse_i64_span(field[7], flen[7], 0, &r->process) < 0)
		return -1;
	p = field[8];
	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);
		if (r->n_mops == APPEND_MAX_OPS || parse_mop(p, len, &r->mops[r->n_mops]) < 0)
			return -1;
		r->n_mops++;
		if (!sp)
			break;
		p = sp + 1;
		if (!*p)
			return -1; /* trailing space */
	}
	return r->n_mops ? 0 : -1;
}

/* ---- options ---- */

int append_ops_range_parse(const char *s, int *min, int *max)
{
	char first[24];
	const char *second;
	int64_t lo, hi;

	if (parse_range_split(s, first, sizeof(first), &second) < 0 ||
	    parse_int64(first, 1, APPEND_MAX_OPS, &lo) < 0 || parse_int64(second, 1, APPEND_MAX_OPS, &hi) < 0 ||
	    hi < lo) {
		lab_error_quiet("ops per transaction: '%s' is not N or MIN..MAX with 1 <= MIN <= MAX <= %d",
				s ? s : "", APPEND_MAX_OPS);
		return -1;
	}
	*min = (int)lo;
	*max = (int)hi;
	return 0;
}

int append_ratio_parse(const char *s, double *out)
{
	if (parse_fraction(s, out) < 0) {
		lab_error_quiet("read ratio: '%s' is not a fraction in 0..1", s ? s : "");
		return -1;
	}
	return 0;
}

/* ---- key rotation ---- */

#define SLOT_KEY(s) ((int64_t)((s) >> 16))
#define SLOT_COUNT(s) ((int)((s) & 0xffff))
#define SLOT(key, count) (((uint64_t)(key) << 16) | (uint64_t)(count))

void append_keys_init(struct append_keys *k, size_t n, int max_appends, int64_t first_key)
{
	k->n = n;
	k->max_appends = max_appends < 1 ? 1 : max_appends > 0xffff ? 0xffff : max_appends;
	k->slot = xcalloc(n ? n : 1, sizeof(*k->slot));
	for (size_t i = 0; i < n; i++)
		atomic_init(&k->slot[i], SLOT(first_key + (int64_t)i, 0));
	atomic_init(&k->next_key, first_key + (int64_t)n);
}

void append_keys_release(struct append_keys *k)
{
	free(k->slot);
	k->slot = NULL;
	k->n = 0;
}

int64_t append_keys_for_append(struct append_keys *k, size_t i)
{
	_Atomic uint64_t *s = &k->slot[i % k->n];
	uint64_t cur = atomic_load(s), next;
	int64_t fresh = 0;

	for (;;) {
		int count = SLOT_COUNT(cur) + 1;
		if (count >= k->max_appends) {
			/* This append is the key's last: the slot moves on. A fresh
			 * key drawn for a lost CAS race is simply skipped. */
			if (!fresh)
				fresh = atomic_fetch_add(&k->next_key, 1);
			next = SLOT(fresh, 0);
		} else {
			next = SLOT(SLOT_KEY(cur), count);
		}
		if (atomic_compare_exchange_weak(s, &cur, next))
			return SLOT_KEY(cur);
	}
}

int64_t append_keys_for_read(struct append_keys *k, size_t i)
{
	return SLOT_KEY(atomic_load_explicit(&k->slot[i % k->n], memory_order_relaxed));
}
