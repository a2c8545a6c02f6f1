/*
 * journal.c — writing and reading the client journal (format in journal.h).
 *
 * The writer keeps one buffer under a mutex; workers format their line on
 * their own stack and copy it in, so the lock is held for a memcpy. A
 * flusher thread writes the buffer out every flush_ms (default 100 ms), and
 * when it passes 1 MiB the appending thread writes it out itself.
 */
#include "journal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const kind_names[TXN_KIND_COUNT] = {
	"load", "credit", "purchase", "transfer", "new_customer", "delete_customer", "audit",
};
static const char *const outcome_names[TXN_OUTCOME_COUNT] = { "ok", "failed", "unknown" };
static const char *const table_names[TBL_COUNT] = {
	"customer", "credit", "purchase", "purchase_item", "product",
};

const char *txn_kind_name(enum txn_kind k)
{
	return (unsigned)k < TXN_KIND_COUNT ? kind_names[k] : "?";
}

const char *txn_outcome_name(enum txn_outcome o)
{
	return (unsigned)o < TXN_OUTCOME_COUNT ? outcome_names[o] : "?";
}

const char *row_table_name(enum row_table t)
{
	return (unsigned)t < TBL_COUNT ? table_names[t] : "?";
}

static int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

int txn_kind_parse(const char *s, enum txn_kind *out)
{
	int i = name_index(kind_names, TXN_KIND_COUNT, s);
	if (i < 0)
		return -1;
	*out = (enum txn_kind)i;
	return 0;
}

int txn_outcome_parse(const char *s, enum txn_outcome *out)
{
	int i = name_index(outcome_names, TXN_OUTCOME_COUNT, s);
	if (i < 0)
		return -1;
	*out = (enum txn_outcome)i;
	return 0;
}

int row_table_parse(const char *s, enum row_table *out)
{
	int i = name_index(table_names, TBL_COUNT, s);
	if (i < 0)
		return -1;
	*out = (enum row_table)i;
	return 0;
}

void txn_record_init(struct txn_record *r)
{
	memset(r, 0, sizeof(*r));
}

void txn_record_reset(struct txn_record *r)
{
	struct row_ref *rows = r->rows;
	size_t cap = r->cap_rows;

	memset(r, 0, sizeof(*r));
	r->rows = rows;
	r->cap_rows = cap;
}

void txn_record_release(struct txn_record *r)
{
	free(r->rows);
	memset(r, 0, sizeof(*r));
}

void txn_add_row(struct txn_record *r, char op, enum row_table t, int64_t first, int64_t last)
{
	if (r->n_rows == r->cap_rows) {
		r->cap_rows = r->cap_rows ? r->cap_rows * 2 : 8;
		r->rows = xrealloc(r->rows, r->cap_rows * sizeof(*r->rows));
	}
	r->rows[r->n_rows++] = (struct row_ref){ .op = op, .table = (uint8_t)t, .first = first, .last = last };
}

int journal_format(const struct txn_record *r, char *buf, size_t size)
{
	size_t off;
	int n;

	n = snprintf(buf, size, "%" PRId64 "\t%s\t%s\t%s\t%" PRId64 "\t%" PRId64 "\t%u\t",
		     r->txn, txn_kind_name(r->kind), txn_outcome_name(r->outcome),
		     r->node[0] ? r->node : "-", r->start_ns, r->end_ns, r->err);
	if (n < 0 || (size_t)n >= size)
		return -1;
	off = (size_t)n;
	if (!r->n_rows) {
		if (off + 2 >= size)
			return -1;
		buf[off++] = '-';
	}
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct row_ref *x = &r->rows[i];
		if (x->first == x->last)
			n = snprintf(buf + off, size - off, "%s%c%s:%" PRId64, i ? " " : "", x->op,
				     row_table_name(x->table), x->first);
		else
			n = snprintf(buf + off, size - off, "%s%c%s:%" PRId64 "-%" PRId64, i ? " " : "",
				     x->op, row_table_name(x->table), x->first, x->last);
		if (n < 0 || (size_t)n >= size - off)
			return -1;
		off += (size_t)n;
	}
	if (off + 2 > size)
		return -1;
	buf[off++] = '\n';
	buf[off] = '\0';
	return (int)off;
}

struct journal_writer {
	int fd;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t flusher;
	bool stop;
	bool failed;
	int flush_ms;
	struct strbuf buf;
	char *path;
};

/* Called with the lock held; writes the whole buffer out. */
static int write_locked(struct journal_writer *w)
{
	size_t off = 0;

	while (off < w->buf.len) {
		ssize_t n = write(w->fd, w->buf.buf + off, w->buf.len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (!w->failed)
				lab_error("cannot write journal '%s': %s", w->path, strerror(errno));
			w->failed = true;
			break;
		}
		off += (size_t)n;
	}
	sb_reset(&w->buf);
	return w->failed ? -1 : 0;
}

static void *flusher_main(void *arg)
{
	struct journal_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)w->flush_ms * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&w->wake, &w->lock, &ts);
		if (w->buf.len)
			write_locked(w);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct journal_writer *journal_create_with_header(const char *path, const char *header, int flush_ms)
{
	struct journal_writer *w = xcalloc(1, sizeof(*w));

	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		lab_error("cannot create journal '%s': %s", path, strerror(errno));
		free(w);
		return NULL;
	}
	w->path = xstrdup(path);
	w->flush_ms = flush_ms > 0 ? flush_ms : 100;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	sb_puts(&w->buf, header);
	write_locked(w);
	if (pthread_create(&w->flusher, NULL, flusher_main, w)) {
		lab_error("cannot start the journal flusher thread");
		close(w->fd);
		free(w->path);
		free(w);
		return NULL;
	}
	return w;
}

struct journal_writer *journal_create(const char *path, uint64_t seed, int flush_ms)
{
	char header[96];

	snprintf(header, sizeof(header), "# lab-journal 1 seed=%" PRIu64 " started=%.3f\n", seed,
		 wall_seconds());
	return journal_create_with_header(path, header, flush_ms);
}

void journal_append_line(struct journal_writer *w, const char *line, size_t len)
{
	pthread_mutex_lock(&w->lock);
	sb_add(&w->buf, line, len);
	if (w->buf.len > (1u << 20))
		write_locked(w);
	pthread_mutex_unlock(&w->lock);
}

void journal_append(struct journal_writer *w, const struct txn_record *r)
{
	char stackbuf[4096];
	char *line = stackbuf;
	int n = journal_format(r, stackbuf, sizeof(stackbuf));

	if (n < 0) {
		/* A long row list (a big delete or load): format on the heap. */
		size_t size = 128 + r->n_rows * 64;
		line = xmalloc(size);
		n = journal_format(r, line, size);
		if (n < 0) {
			free(line);
			return;
		}
	}
	journal_append_line(w, line, (size_t)n);
	if (line != stackbuf)
		free(line);
}

int journal_flush(struct journal_writer *w)
{
	int rc;

	pthread_mutex_lock(&w->lock);
	rc = write_locked(w);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int journal_close(struct journal_writer *w)
{
	int rc;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->flusher, NULL);
	rc = write_locked(w);
	if (fsync(w->fd) < 0 && !w->failed) {
		lab_error("cannot fsync journal '%s': %s", w->path, strerror(errno));
		rc = -1;
	}
	if (close(w->fd) < 0)
		rc = -1;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	sb_release(&w->buf);
	free(w->path);
	free(w);
	return rc;
}

static int parse_i64_field(const char *s, int64_t *out)
{
	return parse_int64(s, INT64_MIN, INT64_MAX, out);
}

static int parse_row(char *tok, struct txn_record *r)
{
	char op = tok[0];
	char *colon, *dash;
	enum row_table t;
	int64_t first, last;

	if (op != ROW_INSERT && op != ROW_UPDATE && op != ROW_DELETE)
		return -1;
	colon = strchr(tok + 1, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	if (row_table_parse(tok + 1, &t) < 0)
		return -1;
	/* ids are positive; a leading '-' is not a range. "table:" with no id
	 * ends at colon + 1: nothing to search past it. */
	dash = colon[1] ? strchr(colon + 2, '-') : NULL;
	if (dash) {
		*dash = '\0';
		if (parse_i64_field(colon + 1, &first) < 0 || parse_i64_field(dash + 1, &last) < 0 ||
		    last < first)
			return -1;
	} else {
		if (parse_i64_field(colon + 1, &first) < 0)
			return -1;
		last = first;
	}
	txn_add_row(r, op, t, first, last);
	return 0;
}

int journal_parse_line(char *line, struct txn_record *r)
{
	char *field[8];
	int nf = 0;
	char *p = line;
	int64_t v;

	txn_record_reset(r);
	while (nf < 8) {
		field[nf++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	if (nf != 8)
		return -1;
	if (parse_i64_field(field[0], &r->txn) < 0 || txn_kind_parse(field[1], &r->kind) < 0 ||
	    txn_outcome_parse(field[2], &r->outcome) < 0)
		return -1;
	lab_strlcpy(r->node, field[3], sizeof(r->node));
	if (parse_i64_field(field[4], &r->start_ns) < 0 || parse_i64_field(field[5], &r->end_ns) < 0)
		return -1;
	if (parse_int64(field[6], 0, UINT32_MAX, &v) < 0)
		return -1;
	r->err = (unsigned)v;
	if (strcmp(field[7], "-") != 0) {
		char *save = NULL;
		for (char *tok = strtok_r(field[7], " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			if (parse_row(tok, r) < 0)
				return -1;
	}
	return 0;
}

struct journal_reader {
	FILE *f;
	char *path;
	char *line;
	size_t cap;
	long lineno;
	uint64_t seed;
};

struct journal_reader *journal_open(const char *path)
{
	struct journal_reader *jr = xcalloc(1, sizeof(*jr));
	ssize_t n;

	jr->f = fopen(path, "re");
	if (!jr->f) {
		lab_error("cannot open journal '%s': %s", path, strerror(errno));
		free(jr);
		return NULL;
	}
	jr->path = xstrdup(path);
	n = getline(&jr->line, &jr->cap, jr->f);
	jr->lineno = 1;
	if (n <= 0 || strncmp(jr->line, "# lab-journal 1 ", 16) != 0) {
		lab_error("%s:1: not a lab journal (version 1 header expected)", path);
		journal_reader_free(jr);
		return NULL;
	}
	/* Another workload's journal names itself: refuse it, do not misparse. */
	char *wl = strstr(jr->line, " workload=");
	if (wl && strncmp(wl + 10, "bank", 4) != 0) {
		size_t len = strcspn(wl + 10, " \n");
		lab_error("%s:1: an %.*s journal, not a bank journal", path, (int)(len > 32 ? 32 : len),
			  wl + 10);
		journal_reader_free(jr);
		return NULL;
	}
	char *s = strstr(jr->line, "seed=");
	if (s) {
		int64_t seed = 0;
		char *end = strchr(s + 5, ' ');
		if (end)
			*end = '\0';
		if (parse_int64(s + 5, 0, INT64_MAX, &seed) == 0)
			jr->seed = (uint64_t)seed;
		else
			jr->seed = strtoull(s + 5, NULL, 10);
	}
	return jr;
}

int journal_next(struct journal_reader *jr, struct txn_record *r)
{
	ssize_t n;

	while ((n = getline(&jr->line, &jr->cap, jr->f)) > 0) {
		jr->lineno++;
		if (jr->line[n - 1] != '\n')
			return 0; /* partial last line of a journal cut short */
		jr->line[n - 1] = '\0';
		if (jr->line[0] == '#' || jr->line[0] == '\0')
			continue;
		if (journal_parse_line(jr->line, r) < 0) {
			lab_error("%s:%ld: malformed journal line", jr->path, jr->lineno);
			return -1;
		}
		return 1;
	}
	if (ferror(jr->f)) {
		lab_error("cannot read journal '%s': %s", jr->path, strerror(errno));
		return -1;
	}
	return 0;
}

uint64_t journal_seed(const struct journal_reader *jr)
{
	return jr->seed;
}

void journal_reader_free(struct journal_reader *jr)
{
	if (!jr)
		return;
	if (jr->f)
		fclose(jr->f);
	free(jr->line);
	free(jr->path);
	free(jr);
}
