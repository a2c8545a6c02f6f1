/*
 * powerfs_map.c — the pending state of one file of the power-loss
 * filesystem: which 4 KiB pages were written but are not durable yet, the
 * logical size, and a pending truncate. Reads overlay the pending pages on
 * the backing file; a sync applies them; a power cut keeps a seeded random
 * fraction of them (torn writes) and drops the rest.
 *
 * Invariants (checked by tests/unit/test_powerfs.c):
 *  - a pending page holds the page's complete logical content, so applying
 *    it, or keeping it at a power cut, writes a whole 4 KiB page: the
 *    "sector" of this disk is a page, a page is never half-written;
 *  - backing bytes at or past min(durable_size, zero_from) are not part of
 *    the logical content (they read as zeros);
 *  - size >= every pending page's first byte.
 * Pages live in an open-addressing hash (linear probing, backward-shift
 * deletion), keyed by page index; apply and power cut sort them by index.
 */
#include "powerfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *const mode_names[] = {
	[POWERFS_NONE] = "none",
	[POWERFS_WRITEBACK] = "writeback",
	[POWERFS_WRITETHROUGH] = "writethrough",
	[POWERFS_DIRECTSYNC] = "directsync",
	[POWERFS_UNSAFE] = "unsafe",
};

int powerfs_mode_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (name && !strcmp(name, mode_names[i]))
			return (int)i;
	return -1;
}

const char *powerfs_mode_name(int mode)
{
	if (mode < 0 || (size_t)mode >= ARRAY_SIZE(mode_names))
		return "?";
	return mode_names[mode];
}

static size_t slot_of(const struct pf_file *f, uint64_t index)
{
	return (size_t)((index * 0x9E3779B97F4A7C15ull) >> 17) & (f->nslots - 1);
}

static struct pf_page *page_find(const struct pf_file *f, uint64_t index)
{
	if (!f->nslots)
		return NULL;
	for (size_t i = slot_of(f, index);; i = (i + 1) & (f->nslots - 1)) {
		struct pf_page *p = f->slots[i];

		if (!p)
			return NULL;
		if (p->index == index)
			return p;
	}
}

static void slot_put(struct pf_page **slots, size_t nslots, const struct pf_file *f, struct pf_page *p)
{
	(void)f;
	size_t i = (size_t)((p->index * 0x9E3779B97F4A7C15ull) >> 17) & (nslots - 1);

	while (slots[i])
		i = (i + 1) & (nslots - 1);
	slots[i] = p;
}

static void page_insert(struct pf_file *f, struct pf_page *p)
{
	if ((f->npages + 1) * 4 > f->nslots * 3) {
		size_t n = f->nslots ? f->nslots * 2 : 64;
		struct pf_page **s = xcalloc(n, sizeof(*s));

		for (size_t i = 0; i < f->nslots; i++)
			if (f->slots[i])
				slot_put(s, n, f, f->slots[i]);
		free(f->slots);
		f->slots = s;
		f->nslots = n;
	}
	slot_put(f->slots, f->nslots, f, p);
	f->npages++;
}

/* Remove the page at slot i (backward-shift deletion); frees it. */
static void slot_remove(struct pf_file *f, size_t i)
{
	size_t mask = f->nslots - 1, j = i;

	free(f->slots[i]);
	f->slots[i] = NULL;
	f->npages--;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!f->slots[j])
			return;
		home = slot_of(f, f->slots[j]->index);
		/* May the entry at j move to the hole at i? Yes unless its home
		 * lies cyclically in (i, j]. */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			f->slots[i] = f->slots[j];
			f->slots[j] = NULL;
			i = j;
		}
	}
}

/* Remove every page whose index is in [first, last]. */
static void pages_remove_range(struct pf_file *f, uint64_t first, uint64_t last)
{
	size_t i = 0;

	while (i < f->nslots) {
		struct pf_page *p = f->slots[i];

		if (p && p->index >= first && p->index <= last)
			slot_remove(f, i); /* something else may have shifted into i */
		else
			i++;
	}
}

int pf_file_init(struct pf_file *f, int fd)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->fd = fd;
	if (fstat(fd, &st) < 0) {
		lab_error("cannot stat backing file: %s", strerror(errno));
		return -1;
	}
	f->size = f->durable_size = (uint64_t)st.st_size;
	f->zero_from = UINT64_MAX;
	return 0;
}

void pf_file_release(struct pf_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nslots; i++)
		free(f->slots[i]);
	free(f->slots);
	f->slots = NULL;
	f->nslots = f->npages = 0;
}

static uint64_t backing_limit(const struct pf_file *f)
{
	return f->durable_size < f->zero_from ? f->durable_size : f->zero_from;
}

/* Read the backing bytes [off, off+len) as they count logically: past the
 * backing limit, zeros. 0 or -errno. */
static int read_backing(const struct pf_file *f, unsigned char *buf, size_t len, uint64_t off)
{
	uint64_t lim = backing_limit(f);
	size_t want = 0, got = 0;

	if (off < lim)
		want = (size_t)((lim - off) < len ? (lim - off) : len);
	while (got < want) {
		ssize_t n = pread(f->fd, buf + got, want - got, (off_t)(off + got));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	memset(buf + got, 0, len - got);
	return 0;
}

ssize_t pf_write(struct pf_file *f, const void *buf, size_t len, uint64_t off)
{
	const unsigned char *src = buf;
	uint64_t end = off + len, pos = off;

	if (len == 0)
		return 0;
	while (pos < end) {
		uint64_t index = pos / POWERFS_PAGE;
		size_t in = (size_t)(pos % POWERFS_PAGE);
		size_t n = POWERFS_PAGE - in;
		struct pf_page *p;

		if (n > end - pos)
			n = (size_t)(end - pos);
		p = page_find(f, index);
		if (!p) {
			p = malloc(sizeof(*p));
			if (!p)
				return -ENOMEM;
			p->index = index;
			if (n < POWERFS_PAGE) {
				int rc = read_backing(f, p->data, POWERFS_PAGE, index * POWERFS_PAGE);

				if (rc < 0) {
					free(p);
					return rc;
				}
				/* Bytes past the logical size are zero, whatever
				 * the backing file still holds there. */
				if (f->size < (index + 1) * POWERFS_PAGE) {
					uint64_t keep = f->size > index * POWERFS_PAGE ? f->size - index * POWERFS_PAGE : 0;

					memset(p->data + keep, 0, POWERFS_PAGE - (size_t)keep);
				}
			}
			page_insert(f, p);
		}
		memcpy(p->data + in, src + (pos - off), n);
		pos += n;
	}
	if (end > f->size)
		f->size = end;
	return (ssize_t)len;
}

ssize_t pf_read(struct pf_file *f, void *buf, size_t len, uint64_t off)
{
	unsigned char *dst = buf;
	uint64_t end, pos = off;

	if (off >= f->size)
		return 0;
	if (len > f->size - off)
		len = (size_t)(f->size - off);
	end = off + len;
	while (pos < end) {
		uint64_t index = pos / POWERFS_PAGE;
		size_t in = (size_t)(pos % POWERFS_PAGE);
		size_t n = POWERFS_PAGE - in;
		struct pf_page *p = page_find(f, index);

		if (n > end - pos)
			n = (size_t)(end - pos);
		if (p) {
			memcpy(dst + (pos - off), p->data + in, n);
		} else {
			/* Extend over following non-pending pages: one pread. */
			uint64_t run_end = pos + n;
			int rc;

			while (run_end < end && !page_find(f, run_end / POWERFS_PAGE))
				run_end = (run_end / POWERFS_PAGE + 1) * POWERFS_PAGE < end
					? (run_end / POWERFS_PAGE + 1) * POWERFS_PAGE : end;
			n = (size_t)(run_end - pos);
			rc = read_backing(f, dst + (pos - off), n, pos);
			if (rc < 0)
				return rc;
		}
		pos += n;
	}
	return (ssize_t)len;
}

int pf_truncate(struct pf_file *f, uint64_t size)
{
	if (size < f->size) {
		uint64_t first_gone = (size + POWERFS_PAGE - 1) / POWERFS_PAGE;
		struct pf_page *p;

		pages_remove_range(f, first_gone, UINT64_MAX);
		if (size % POWERFS_PAGE) {
			p = page_find(f, size / POWERFS_PAGE);
			if (p)
				memset(p->data + size % POWERFS_PAGE, 0, POWERFS_PAGE - size % POWERFS_PAGE);
		}
		if (size < f->zero_from)
			f->zero_from = size;
	}
	f->size = size;
	f->size_pending = (f->size != f->durable_size || f->zero_from < f->durable_size);
	return 0;
}

static int cmp_page(const void *a, const void *b)
{
	const struct pf_page *x = *(struct pf_page *const *)a, *y = *(struct pf_page *const *)b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* Write one page to the backing file, clipped to the logical size. */
static int write_page(struct pf_file *f, const struct pf_page *p)
{
	uint64_t start = p->index * POWERFS_PAGE, n = POWERFS_PAGE, done = 0;

	if (start >= f->size)
		return 0;
	if (f->size - start < n)
		n = f->size - start;
	while (done < n) {
		ssize_t w = pwrite(f->fd, p->data + done, (size_t)(n - done), (off_t)(start + done));

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (uint64_t)w;
	}
	if (start + n > f->durable_size)
		f->durable_size = start + n;
	return 0;
}

/* Pages with index in [first, last], sorted; caller frees the array. */
static struct pf_page **collect(const struct pf_file *f, uint64_t first, uint64_t last, size_t *count)
{
	struct pf_page **v = xmalloc((f->npages + 1) * sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < f->nslots; i++)
		if (f->slots[i] && f->slots[i]->index >= first && f->slots[i]->index <= last)
			v[n++] = f->slots[i];
	qsort(v, n, sizeof(*v), cmp_page);
	*count = n;
	return v;
}

static int apply_size_start(struct pf_file *f)
{
	if (f->zero_from < f->durable_size) {
		if (ftruncate(f->fd, (off_t)f->zero_from) < 0)
			return -errno;
		f->durable_size = f->zero_from;
	}
	return 0;
}

static int apply_size_end(struct pf_file *f)
{
	if (f->size != f->durable_size) {
		if (ftruncate(f->fd, (off_t)f->size) < 0)
			return -errno;
		f->durable_size = f->size;
	}
	f->zero_from = UINT64_MAX;
	f->size_pending = false;
	return 0;
}

int pf_apply_range(struct pf_file *f, uint64_t first, uint64_t last)
{
	struct pf_page **v;
	size_t n;
	int rc = 0;
	bool all = f->size_pending || (first == 0 && last == UINT64_MAX);

	if (all) {
		first = 0;
		last = UINT64_MAX;
		rc = apply_size_start(f);
		if (rc < 0)
			return rc;
	}
	v = collect(f, first, last, &n);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = write_page(f, v[i]);
	free(v);
	if (rc < 0)
		return rc;
	pages_remove_range(f, first, last);
	if (all)
		rc = apply_size_end(f);
	return rc;
}

int pf_apply(struct pf_file *f)
{
	return pf_apply_range(f, 0, UINT64_MAX);
}

uint64_t pf_pending_bytes(const struct pf_file *f)
{
	return (uint64_t)f->npages * POWERFS_PAGE;
}

bool pf_has_pending(const struct pf_file *f)
{
	return f->npages > 0 || f->size_pending || f->size != f->durable_size;
}

int pf_power_cut(struct pf_file *f, double keep, struct lab_rng *rng, struct strbuf *trace)
{
	struct pf_page **v;
	size_t n, nkept = 0;
	size_t *order;
	bool *kept;
	bool size_kept = false;
	int rc = 0;
	struct stat st;

	v = collect(f, 0, UINT64_MAX, &n);
	kept = xcalloc(n + 1, sizeof(*kept));
	order = xcalloc(n + 1, sizeof(*order));
	/* Draws in page order, so the same seed keeps the same pages. */
	for (size_t i = 0; i < n; i++) {
		if (keep > 0 && rng_double(rng) < keep) {
			kept[i] = true;
			order[nkept++] = i;
		}
	}
	if (f->size_pending && keep > 0 && rng_double(rng) < keep)
		size_kept = true;
	/* Kept pages reach the disk in a random order (Fisher-Yates). */
	for (size_t i = nkept; i > 1; i--) {
		size_t j = (size_t)rng_range(rng, 0, (int64_t)i - 1), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	if (trace) {
		size_t *rank = xcalloc(n + 1, sizeof(*rank));

		for (size_t k = 0; k < nkept; k++)
			rank[order[k]] = k + 1;
		for (size_t i = 0; i < n; i++) {
			if (kept[i])
				sb_printf(trace, "page %llu kept %zu\n",
					  (unsigned long long)(v[i]->index * POWERFS_PAGE), rank[i]);
			else
				sb_printf(trace, "page %llu dropped\n",
					  (unsigned long long)(v[i]->index * POWERFS_PAGE));
		}
		if (f->size_pending)
			sb_printf(trace, "size %llu->%llu %s\n", (unsigned long long)f->durable_size,
				  (unsigned long long)f->size, size_kept ? "kept" : "dropped");
		free(rank);
	}
	if (size_kept)
		rc = apply_size_start(f);
	else if (f->size < f->durable_size)
		f->size = f->durable_size; /* the truncate is dropped: pages clip at the old size */
	for (size_t k = 0; k < nkept && rc == 0; k++) {
		const struct pf_page *p = v[order[k]];
		uint64_t start = p->index * POWERFS_PAGE;

		/* An extending write that is kept extends the file only as far
		 * as its page goes, clipped to the logical size. */
		if (start < f->size)
			rc = write_page(f, p);
	}
	if (rc == 0 && size_kept)
		rc = apply_size_end(f);
	free(order);
	free(kept);
	free(v);
	pf_file_release(f);
	if (fstat(f->fd, &st) == 0) {
		f->size = f->durable_size = (uint64_t)st.st_size;
	} else if (rc == 0) {
		rc = -errno;
	}
	f->zero_from = UINT64_MAX;
	f->size_pending = false;
	return rc < 0 ? rc : (int)nkept;
}
