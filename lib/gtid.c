/*
 * gtid.c — GTID sets (MySQL uuid:intervals, MariaDB exact sets from binlog
 * scans) and MariaDB positions: strict parsing, canonical printing, union,
 * difference and subset.  The semantics, especially of MariaDB positions,
 * are documented in gtid.h.  The split-brain checker computes errant
 * transactions with these (gtid_executed(demoted) − gtid_executed(promoted),
 * as gh-mysql-rewind does).
 */
#include "gtid.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- small parsing helpers ------------------------------------------- */

struct cursor {
	const char *text, *p;
	const char *what; /* "gtid set", "gtid position" */
};

static void skip_space(struct cursor *c)
{
	while (*c->p && isspace((unsigned char)*c->p))
		c->p++;
}

static int parse_fail(const struct cursor *c, const char *expected)
{
	lab_error("invalid %s '%s' at offset %zu: expected %s", c->what, c->text,
		  (size_t)(c->p - c->text), expected);
	return -1;
}

/* Decimal number without sign, at most max. */
static int parse_u64(struct cursor *c, uint64_t max, uint64_t *out, const char *what)
{
	uint64_t v = 0;
	const char *start = c->p;
	if (!isdigit((unsigned char)*c->p))
		return parse_fail(c, what);
	while (isdigit((unsigned char)*c->p)) {
		unsigned d = (unsigned)(*c->p - '0');
		if (v > (max - d) / 10) {
			c->p = start;
			return parse_fail(c, "a number in range");
		}
		v = v * 10 + d;
		c->p++;
	}
	*out = v;
	return 0;
}

static bool is_uuid(const char *s, size_t len)
{
	static const int dash[] = { 8, 13, 18, 23 };
	if (len != 36)
		return false;
	for (size_t i = 0, k = 0; i < 36; i++) {
		if (k < 4 && (int)i == dash[k]) {
			if (s[i] != '-')
				return false;
			k++;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* ---- sets ------------------------------------------------------------- */

void gtid_set_init(struct gtid_set *s, enum gtid_dialect d)
{
	memset(s, 0, sizeof(*s));
	s->dialect = d;
}

void gtid_set_release(struct gtid_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->src[i].iv);
	free(s->src);
	enum gtid_dialect d = s->dialect;
	gtid_set_init(s, d);
}

static int source_cmp(enum gtid_dialect d, const struct gtid_source *a, const char *uuid,
		      uint32_t domain, uint32_t server)
{
	if (d == GTID_MYSQL)
		return strcmp(a->uuid, uuid);
	if (a->domain != domain)
		return a->domain < domain ? -1 : 1;
	if (a->server != server)
		return a->server < server ? -1 : 1;
	return 0;
}

/* Find or insert (keeping the order) the source; NULL for a bad uuid. */
static struct gtid_source *source_get(struct gtid_set *s, const char *uuid, uint32_t domain,
				      uint32_t server, bool create)
{
	char norm[37] = "";
	if (s->dialect == GTID_MYSQL) {
		if (!uuid || !is_uuid(uuid, strlen(uuid))) {
			if (create)
				lab_error("invalid gtid source uuid '%s'", uuid ? uuid : "");
			return NULL;
		}
		for (int i = 0; i < 36; i++)
			norm[i] = (char)tolower((unsigned char)uuid[i]);
		norm[36] = '\0';
	}
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = source_cmp(s->dialect, &s->src[mid], norm, domain, server);
		if (c == 0)
			return &s->src[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!create)
		return NULL;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->src = xrealloc(s->src, s->cap * sizeof(*s->src));
	}
	memmove(&s->src[lo + 1], &s->src[lo], (s->n - lo) * sizeof(*s->src));
	struct gtid_source *src = &s->src[lo];
	memset(src, 0, sizeof(*src));
	memcpy(src->uuid, norm, sizeof(norm));
	src->domain = domain;
	src->server = server;
	s->n++;
	return src;
}

static void source_add(struct gtid_source *src, uint64_t first, uint64_t last)
{
	/* Find the first interval that ends at or after first-1 (could merge). */
	size_t i = 0;
	while (i < src->n && src->iv[i].last != UINT64_MAX && src->iv[i].last + 1 < first)
		i++;
	size_t j = i;
	/* Merge every interval that starts at or before last+1. */
	while (j < src->n && (last == UINT64_MAX || src->iv[j].first <= last + 1)) {
		if (src->iv[j].first < first)
			first = src->iv[j].first;
		if (src->iv[j].last > last)
			last = src->iv[j].last;
		j++;
	}
	if (j == i) { /* insert a new interval at i */
		if (src->n == src->cap) {
			src->cap = src->cap ? src->cap * 2 : 4;
			src->iv = xrealloc(src->iv, src->cap * sizeof(*src->iv));
		}
		memmove(&src->iv[i + 1], &src->iv[i], (src->n - i) * sizeof(*src->iv));
		src->n++;
	} else if (j > i + 1) { /* intervals i..j-1 collapse into i */
		memmove(&src->iv[i + 1], &src->iv[j], (src->n - j) * sizeof(*src->iv));
		src->n -= j - i - 1;
	}
	src->iv[i].first = first;
	src->iv[i].last = last;
}

int gtid_set_add(struct gtid_set *s, const char *uuid, uint32_t domain, uint32_t server,
		 uint64_t first, uint64_t last)
{
	if (first == 0 || first > last) {
		lab_error("invalid gtid interval %llu-%llu", (unsigned long long)first,
			  (unsigned long long)last);
		return -1;
	}
	struct gtid_source *src = source_get(s, uuid, domain, server, true);
	if (!src)
		return -1;
	source_add(src, first, last);
	return 0;
}

bool gtid_set_contains(const struct gtid_set *s, const char *uuid, uint32_t domain,
		       uint32_t server, uint64_t seq)
{
	struct gtid_source *src = source_get((struct gtid_set *)s, uuid, domain, server, false);
	if (!src)
		return false;
	for (size_t i = 0; i < src->n; i++)
		if (src->iv[i].first <= seq && seq <= src->iv[i].last)
			return true;
	return false;
}

bool gtid_set_is_empty(const struct gtid_set *s)
{
	return s->n == 0;
}

uint64_t gtid_set_count(const struct gtid_set *s)
{
	uint64_t total = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->src[i].n; k++) {
			uint64_t len = s->src[i].iv[k].last - s->src[i].iv[k].first + 1;
			if (len == 0 || total > UINT64_MAX - len)
				return UINT64_MAX;
			total += len;
		}
	return total;
}

enum gtid_dialect gtid_guess_dialect(const char *text)
{
	return text && strchr(text, ':') ? GTID_MYSQL : GTID_MARIADB;
}

/* MySQL: uuid ':' interval (':' interval)* */
static int parse_mysql_item(struct gtid_set *s, struct cursor *c)
{
	const char *u = c->p;
	size_t len = 0;
	while (u[len] && (isxdigit((unsigned char)u[len]) || u[len] == '-'))
		len++;
	if (!is_uuid(u, len))
		return parse_fail(c, "a source uuid (8-4-4-4-12 hex digits)");
	char uuid[37];
	memcpy(uuid, u, 36);
	uuid[36] = '\0';
	c->p += 36;
	if (*c->p != ':')
		return parse_fail(c, "':' after the uuid");
	while (*c->p == ':') {
		c->p++;
		uint64_t first, last;
		const char *at = c->p;
		if (parse_u64(c, INT64_MAX, &first, "a sequence number") < 0)
			return -1;
		last = first;
		if (*c->p == '-') {
			c->p++;
			if (parse_u64(c, INT64_MAX, &last, "the end of the interval") < 0)
				return -1;
		}
		if (first == 0 || last < first) {
			c->p = at;
			return parse_fail(c, "an interval N or N-M with 1 <= N <= M");
		}
		if (gtid_set_add(s, uuid, 0, 0, first, last) < 0)
			return -1;
	}
	return 0;
}

/* MariaDB: domain '-' server '-' seq ('..' seq)? */
static int parse_mariadb_triplet(struct cursor *c, uint32_t *domain, uint32_t *server,
				 uint64_t *seq)
{
	uint64_t d, sv;
	if (parse_u64(c, UINT32_MAX, &d, "a domain id") < 0)
		return -1;
	if (*c->p != '-')
		return parse_fail(c, "'-' after the domain id");
	c->p++;
	if (parse_u64(c, UINT32_MAX, &sv, "a server id") < 0)
		return -1;
	if (*c->p != '-')
		return parse_fail(c, "'-' after the server id");
	c->p++;
	if (parse_u64(c, UINT64_MAX, seq, "a sequence number") < 0)
		return -1;
	*domain = (uint32_t)d;
	*server = (uint32_t)sv;
	return 0;
}

static int parse_mariadb_item(struct gtid_set *s, struct cursor *c)
{
	uint32_t domain, server;
	uint64_t first, last;
	const char *at = c->p;
	if (parse_mariadb_triplet(c, &domain, &server, &first) < 0)
		return -1;
	last = first;
	if (c->p[0] == '.' && c->p[1] == '.') {
		c->p += 2;
		if (parse_u64(c, UINT64_MAX, &last, "the end of the range") < 0)
			return -1;
	}
	if (first == 0 || last < first) {
		c->p = at;
		return parse_fail(c, "D-S-N or D-S-N..M with 1 <= N <= M");
	}
	return gtid_set_add(s, NULL, domain, server, first, last);
}

int gtid_set_parse(struct gtid_set *s, enum gtid_dialect d, const char *text)
{
	gtid_set_init(s, d);
	if (!text)
		return 0;
	struct cursor c = { text, text, "gtid set" };
	skip_space(&c);
	if (!*c.p)
		return 0;
	for (;;) {
		skip_space(&c);
		int rc = d == GTID_MYSQL ? parse_mysql_item(s, &c) : parse_mariadb_item(s, &c);
		if (rc < 0) {
			gtid_set_release(s);
			return -1;
		}
		skip_space(&c);
		if (!*c.p)
			return 0;
		if (*c.p != ',') {
			parse_fail(&c, "',' or the end");
			gtid_set_release(s);
			return -1;
		}
		c.p++;
	}
}

char *gtid_set_format(const struct gtid_set *s)
{
	struct strbuf sb = { 0 };
	sb_puts(&sb, "");
	for (size_t i = 0; i < s->n; i++) {
		const struct gtid_source *src = &s->src[i];
		if (s->dialect == GTID_MYSQL) {
			sb_printf(&sb, "%s%s", i ? "," : "", src->uuid);
			for (size_t k = 0; k < src->n; k++) {
				if (src->iv[k].first == src->iv[k].last)
					sb_printf(&sb, ":%llu", (unsigned long long)src->iv[k].first);
				else
					sb_printf(&sb, ":%llu-%llu", (unsigned long long)src->iv[k].first,
						  (unsigned long long)src->iv[k].last);
			}
		} else {
			for (size_t k = 0; k < src->n; k++) {
				sb_printf(&sb, "%s%u-%u-%llu", (i || k) ? "," : "", src->domain,
					  src->server, (unsigned long long)src->iv[k].first);
				if (src->iv[k].last != src->iv[k].first)
					sb_printf(&sb, "..%llu", (unsigned long long)src->iv[k].last);
			}
		}
	}
	return sb_detach(&sb);
}

static int check_dialects(const struct gtid_set *a, const struct gtid_set *b)
{
	if (a->dialect != b->dialect) {
		lab_error("cannot combine a mysql gtid set with a mariadb one");
		return -1;
	}
	return 0;
}

int gtid_set_union(struct gtid_set *dst, const struct gtid_set *a)
{
	if (check_dialects(dst, a) < 0)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		const struct gtid_source *src = &a->src[i];
		for (size_t k = 0; k < src->n; k++)
			if (gtid_set_add(dst, src->uuid, src->domain, src->server, src->iv[k].first,
					 src->iv[k].last) < 0)
				return -1;
	}
	return 0;
}

int gtid_set_subtract(struct gtid_set *out, const struct gtid_set *a, const struct gtid_set *b)
{
	gtid_set_init(out, a->dialect);
	if (check_dialects(a, b) < 0)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		const struct gtid_source *sa = &a->src[i];
		const struct gtid_source *sb =
			source_get((struct gtid_set *)b, sa->uuid, sa->domain, sa->server, false);
		size_t k2 = 0;
		for (size_t k = 0; k < sa->n; k++) {
			uint64_t first = sa->iv[k].first, last = sa->iv[k].last;
			/* Walk b's intervals that overlap [first, last]. */
			while (sb && k2 < sb->n && sb->iv[k2].last < first)
				k2++;
			size_t m = k2;
			while (first <= last) {
				if (!sb || m >= sb->n || sb->iv[m].first > last) {
					gtid_set_add(out, sa->uuid, sa->domain, sa->server, first, last);
					break;
				}
				if (sb->iv[m].first > first)
					gtid_set_add(out, sa->uuid, sa->domain, sa->server, first,
						     sb->iv[m].first - 1);
				if (sb->iv[m].last >= last)
					break;
				first = sb->iv[m].last + 1;
				m++;
			}
		}
	}
	return 0;
}

bool gtid_set_is_subset(const struct gtid_set *a, const struct gtid_set *b)
{
	struct gtid_set d;
	if (gtid_set_subtract(&d, a, b) < 0)
		return false;
	bool empty = gtid_set_is_empty(&d);
	gtid_set_release(&d);
	return empty;
}

bool gtid_set_equal(const struct gtid_set *a, const struct gtid_set *b)
{
	return gtid_set_is_subset(a, b) && gtid_set_is_subset(b, a);
}

/* ---- MariaDB positions ------------------------------------------------ */

void gtid_mpos_init(struct gtid_mpos *p)
{
	memset(p, 0, sizeof(*p));
}

void gtid_mpos_release(struct gtid_mpos *p)
{
	if (!p)
		return;
	free(p->e);
	gtid_mpos_init(p);
}

static int entry_cmp(const void *x, const void *y)
{
	const struct gtid_mpos_entry *a = x, *b = y;
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->server != b->server)
		return a->server < b->server ? -1 : 1;
	return 0;
}

static void mpos_push(struct gtid_mpos *p, uint32_t domain, uint32_t server, uint64_t seq)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4;
		p->e = xrealloc(p->e, p->cap * sizeof(*p->e));
	}
	p->e[p->n++] = (struct gtid_mpos_entry){ domain, server, seq };
}

int gtid_mpos_parse(struct gtid_mpos *p, const char *text, bool state)
{
	gtid_mpos_init(p);
	p->state = state;
	if (!text)
		return 0;
	struct cursor c = { text, text, state ? "gtid binlog state" : "gtid position" };
	skip_space(&c);
	if (!*c.p)
		return 0;
	for (;;) {
		skip_space(&c);
		uint32_t domain, server;
		uint64_t seq;
		const char *at = c.p;
		if (parse_mariadb_triplet(&c, &domain, &server, &seq) < 0)
			goto fail;
		for (size_t i = 0; i < p->n; i++)
			if (p->e[i].domain == domain && (!state || p->e[i].server == server)) {
				c.p = at;
				parse_fail(&c, state ? "each (domain, server) once"
						     : "each domain once");
				goto fail;
			}
		mpos_push(p, domain, server, seq);
		skip_space(&c);
		if (!*c.p)
			break;
		if (*c.p != ',') {
			parse_fail(&c, "',' or the end");
			goto fail;
		}
		c.p++;
	}
	qsort(p->e, p->n, sizeof(*p->e), entry_cmp);
	return 0;
fail:
	gtid_mpos_release(p);
	return -1;
}

char *gtid_mpos_format(const struct gtid_mpos *p)
{
	struct strbuf sb = { 0 };
	sb_puts(&sb, "");
	for (size_t i = 0; i < p->n; i++)
		sb_printf(&sb, "%s%u-%u-%llu", i ? "," : "", p->e[i].domain, p->e[i].server,
			  (unsigned long long)p->e[i].seq);
	return sb_detach(&sb);
}

bool gtid_mpos_get(const struct gtid_mpos *p, uint32_t domain, uint32_t *server, uint64_t *seq)
{
	bool found = false;
	for (size_t i = 0; i < p->n; i++) {
		if (p->e[i].domain != domain)
			continue;
		if (!found || p->e[i].seq > *seq) {
			*seq = p->e[i].seq;
			*server = p->e[i].server;
		}
		found = true;
	}
	return found;
}

/* Distinct domains of p, in order, into *out (malloc'd). */
static size_t mpos_domains(const struct gtid_mpos *p, uint32_t **out)
{
	uint32_t *d = xcalloc(p->n + 1, sizeof(*d));
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++)
		if (n == 0 || d[n - 1] != p->e[i].domain)
			d[n++] = p->e[i].domain;
	*out = d;
	return n;
}

int gtid_mpos_subtract(const struct gtid_mpos *a, const struct gtid_mpos *b,
		       struct gtid_mpos_diff **out, size_t *n)
{
	uint32_t *doms;
	size_t nd = mpos_domains(a, &doms);
	struct gtid_mpos_diff *d = xcalloc(nd + 1, sizeof(*d));
	size_t k = 0;
	for (size_t i = 0; i < nd; i++) {
		uint32_t as = 0, bs = 0;
		uint64_t an = 0, bn = 0;
		gtid_mpos_get(a, doms[i], &as, &an);
		bool inb = gtid_mpos_get(b, doms[i], &bs, &bn);
		if (an == 0)
			continue;
		if (!inb || bn < an) {
			d[k++] = (struct gtid_mpos_diff){ GTID_AHEAD, doms[i], as, inb ? bs : 0,
							  inb ? bn + 1 : 1, an };
		} else if (bn == an && bs != as) {
			d[k++] = (struct gtid_mpos_diff){ GTID_DIVERGED, doms[i], as, bs, an, an };
		}
	}
	free(doms);
	*out = d;
	*n = k;
	return 0;
}

bool gtid_mpos_is_subset(const struct gtid_mpos *a, const struct gtid_mpos *b)
{
	struct gtid_mpos_diff *d;
	size_t n;
	if (gtid_mpos_subtract(a, b, &d, &n) < 0)
		return false;
	free(d);
	return n == 0;
}

int gtid_mpos_union(struct gtid_mpos *dst, const struct gtid_mpos *a)
{
	int conflict = 0;
	uint32_t *doms;
	size_t nd = mpos_domains(a, &doms);
	for (size_t i = 0; i < nd; i++) {
		uint32_t as = 0, ds = 0;
		uint64_t an = 0, dn = 0;
		gtid_mpos_get(a, doms[i], &as, &an);
		if (!gtid_mpos_get(dst, doms[i], &ds, &dn)) {
			mpos_push(dst, doms[i], as, an);
			continue;
		}
		if (an == dn && as != ds)
			conflict = 1;
		if (an <= dn)
			continue;
		if (dst->state) { /* keep one entry per (domain, server) */
			bool done = false;
			for (size_t j = 0; j < dst->n; j++)
				if (dst->e[j].domain == doms[i] && dst->e[j].server == as) {
					dst->e[j].seq = an;
					done = true;
				}
			if (!done)
				mpos_push(dst, doms[i], as, an);
		} else {
			for (size_t j = 0; j < dst->n; j++)
				if (dst->e[j].domain == doms[i])
					dst->e[j] = (struct gtid_mpos_entry){ doms[i], as, an };
		}
	}
	free(doms);
	qsort(dst->e, dst->n, sizeof(*dst->e), entry_cmp);
	return conflict;
}

void gtid_mpos_diff_format(const struct gtid_mpos_diff *d, char *buf, size_t size)
{
	if (d->from == d->to)
		snprintf(buf, size, "%u-%u-%llu", d->domain, d->a_server,
			 (unsigned long long)d->from);
	else
		snprintf(buf, size, "%u-%u-%llu..%llu", d->domain, d->a_server,
			 (unsigned long long)d->from, (unsigned long long)d->to);
}

/* ---- binlog scans ----------------------------------------------------- */

void binlog_scan_init(struct binlog_scan *bs, const char *database)
{
	memset(bs, 0, sizeof(*bs));
	lab_strlcpy(bs->database, database ? database : "", sizeof(bs->database));
	gtid_set_init(&bs->set, GTID_MARIADB);
}

void binlog_scan_release(struct binlog_scan *bs)
{
	if (!bs)
		return;
	gtid_set_release(&bs->set);
	gtid_mpos_release(&bs->start);
	free(bs->list_text);
	free(bs->txn);
	free(bs->row);
	char db[64];
	lab_strlcpy(db, bs->database, sizeof(db));
	binlog_scan_init(bs, db);
}

/* "`db`.`table`" at p: fills table when db matches the filter. */
static bool parse_qualified(const struct binlog_scan *bs, const char *p, char *table, size_t size)
{
	const char *d0, *d1, *t0, *t1;
	if (*p != '`' || !(d1 = strchr((d0 = p + 1), '`')) || d1[1] != '.' || d1[2] != '`' ||
	    !(t1 = strchr((t0 = d1 + 3), '`')))
		return false;
	if (bs->database[0] &&
	    ((size_t)(d1 - d0) != strlen(bs->database) || strncmp(d0, bs->database, (size_t)(d1 - d0))))
		return false;
	size_t len = (size_t)(t1 - t0);
	if (len == 0 || len >= size)
		return false;
	memcpy(table, t0, len);
	table[len] = '\0';
	return true;
}

int binlog_scan_line(struct binlog_scan *bs, const char *line)
{
	const char *p;
	if (line[0] == '#' && line[1] == '#' && line[2] == '#') {
		p = line + 3;
		while (*p == ' ')
			p++;
		char op = 0;
		if (!strncmp(p, "INSERT INTO ", 12))
			op = '+', p += 12;
		else if (!strncmp(p, "UPDATE ", 7))
			op = '~', p += 7;
		else if (!strncmp(p, "DELETE FROM ", 12))
			op = '-', p += 12;
		if (op) {
			bs->pending_op = 0;
			if (bs->in_txn && parse_qualified(bs, p, bs->pending_table, sizeof(bs->pending_table)))
				bs->pending_op = op;
			return 0;
		}
		if (bs->pending_op && !strncmp(p, "@1=", 3)) {
			int64_t id;
			char num[32];
			size_t n = 0;
			p += 3;
			while ((isdigit((unsigned char)*p) || (*p == '-' && n == 0)) && n < sizeof(num) - 1)
				num[n++] = *p++;
			num[n] = '\0';
			if (parse_int64(num, INT64_MIN, INT64_MAX, &id) == 0) {
				if (bs->n_row == bs->cap_row) {
					bs->cap_row = bs->cap_row ? bs->cap_row * 2 : 256;
					bs->row = xrealloc(bs->row, bs->cap_row * sizeof(*bs->row));
				}
				struct binlog_row *r = &bs->row[bs->n_row++];
				r->op = bs->pending_op;
				lab_strlcpy(r->table, bs->pending_table, sizeof(r->table));
				r->id = id;
				bs->txn[bs->n_txn - 1].n_rows++;
			}
			bs->pending_op = 0;
		}
		return 0;
	}
	if (line[0] != '#')
		return 0;
	/* "#261121  6:34:36 server id 1  end_log_pos 285 CRC32 0x... \tGtid list [0-1-9,"
	 * then "# 1-2-3]": one entry per line after the first. */
	if (bs->list_text || (!bs->have_start && (p = strstr(line, "\tGtid list [")) != NULL)) {
		const char *b = bs->list_text ? line + 1 : p + 12;
		while (*b == ' ')
			b++;
		const char *e = strchr(b, ']');
		struct strbuf sb = { 0 };
		sb_puts(&sb, bs->list_text ? bs->list_text : "");
		sb_add(&sb, b, e ? (size_t)(e - b) : strlen(b));
		free(bs->list_text);
		bs->list_text = sb_detach(&sb);
		if (!e) {
			if (strlen(bs->list_text) > 1000000) {
				lab_error("binlog gtid list longer than 1 MB");
				return -1;
			}
			return 0;
		}
		int rc = gtid_mpos_parse(&bs->start, bs->list_text, true);
		free(bs->list_text);
		bs->list_text = NULL;
		if (rc < 0)
			return -1;
		bs->have_start = true;
		return 0;
	}
	/* "#261121  6:36:42 server id 1  end_log_pos 1335 CRC32 0x... \tGTID 0-1-7 trans" */
	p = strstr(line, "\tGTID ");
	if (!p || !strstr(line, "server id"))
		return 0;
	struct cursor c = { line, p + 6, "binlog gtid line" };
	uint32_t domain, server;
	uint64_t seq;
	if (parse_mariadb_triplet(&c, &domain, &server, &seq) < 0)
		return -1;
	if (seq == 0) {
		parse_fail(&c, "a sequence number above 0");
		return -1;
	}
	gtid_set_add(&bs->set, NULL, domain, server, seq, seq);
	if (bs->n_txn == bs->cap_txn) {
		bs->cap_txn = bs->cap_txn ? bs->cap_txn * 2 : 256;
		bs->txn = xrealloc(bs->txn, bs->cap_txn * sizeof(*bs->txn));
	}
	bs->txn[bs->n_txn++] = (struct binlog_txn){ domain, server, seq, bs->n_row, 0 };
	bs->in_txn = true;
	bs->pending_op = 0;
	return 0;
}

int binlog_scan_file(struct binlog_scan *bs, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		lab_error("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (binlog_scan_line(bs, line) < 0) {
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

const struct binlog_txn *binlog_scan_find(const struct binlog_scan *bs, uint32_t domain,
					  uint32_t server, uint64_t seq)
{
	/* Binlogs are mostly in seq order per domain, but not across domains or
	 * after a failover: a linear scan from the end is simple and rare. */
	for (size_t i = bs->n_txn; i-- > 0;)
		if (bs->txn[i].domain == domain && bs->txn[i].server == server && bs->txn[i].seq == seq)
			return &bs->txn[i];
	return NULL;
}
