/*
 * test_powerfs.c — unit tests of the power-loss filesystem's page map
 * (harness/local/powerfs_map.c) against a real temporary backing file: writes
 * overlapping each other and page boundaries, truncate down and up, reads
 * overlaying pending pages on the backing file, sync applying exactly what
 * is pending, power cuts that drop everything or keep a seeded fraction
 * (reproducible), and a randomised comparison with a byte-array model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "powerfs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXSZ (64 * 1024)

struct fixture {
	char path[64];
	int fd;
	struct pf_file f;
	unsigned char logical[MAXSZ];  /* what reads must return */
	uint64_t lsize;
	unsigned char durable[MAXSZ];  /* what the backing file must hold */
	uint64_t dsize;
};

static struct fixture *fx_new(size_t initial)
{
	struct fixture *x = calloc(1, sizeof(*x));

	snprintf(x->path, sizeof(x->path), "/tmp/test_powerfs.XXXXXX");
	x->fd = mkstemp(x->path);
	assert_true(x->fd >= 0);
	for (size_t i = 0; i < initial; i++)
		x->durable[i] = x->logical[i] = (unsigned char)('a' + i % 23);
	assert_int_equal(write(x->fd, x->durable, initial), (ssize_t)initial);
	x->lsize = x->dsize = initial;
	assert_int_equal(pf_file_init(&x->f, x->fd), 0);
	return x;
}

static void fx_free(struct fixture *x)
{
	pf_file_release(&x->f);
	close(x->fd);
	unlink(x->path);
	free(x);
}

static void fx_write(struct fixture *x, uint64_t off, size_t len, unsigned char seed)
{
	unsigned char buf[MAXSZ];

	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed + i * 7);
	assert_int_equal(pf_write(&x->f, buf, len, off), (ssize_t)len);
	if (off > x->lsize)
		memset(x->logical + x->lsize, 0, off - x->lsize);
	memcpy(x->logical + off, buf, len);
	if (off + len > x->lsize)
		x->lsize = off + len;
}

static void fx_truncate(struct fixture *x, uint64_t size)
{
	assert_int_equal(pf_truncate(&x->f, size), 0);
	if (size > x->lsize)
		memset(x->logical + x->lsize, 0, size - x->lsize);
	x->lsize = size;
}

/* Reads through the map equal the model, in odd-sized pieces too. */
static void check_logical(struct fixture *x)
{
	unsigned char buf[MAXSZ + 100];
	struct stat st;

	assert_int_equal(x->f.size, x->lsize);
	assert_int_equal(pf_read(&x->f, buf, sizeof(buf), 0), (ssize_t)x->lsize);
	assert_memory_equal(buf, x->logical, x->lsize);
	for (uint64_t off = 0; off < x->lsize; off += 1237) {
		size_t want = x->lsize - off < 3001 ? (size_t)(x->lsize - off) : 3001;

		assert_int_equal(pf_read(&x->f, buf, 3001, off), (ssize_t)want);
		assert_memory_equal(buf, x->logical + off, want);
	}
	assert_int_equal(pf_read(&x->f, buf, 10, x->lsize), 0);
	assert_int_equal(fstat(x->fd, &st), 0);
	(void)st;
}

static void check_backing(struct fixture *x, const unsigned char *want, uint64_t size)
{
	unsigned char buf[MAXSZ];
	struct stat st;

	assert_int_equal(fstat(x->fd, &st), 0);
	assert_int_equal((uint64_t)st.st_size, size);
	assert_int_equal(pread(x->fd, buf, size, 0), (ssize_t)size);
	assert_memory_equal(buf, want, size);
}

static void test_overlapping_writes_and_overlay(void **state)
{
	struct fixture *x = fx_new(10000);

	(void)state;
	fx_write(x, 100, 50, 1);
	fx_write(x, 120, 5000, 2);   /* overlaps the first, crosses pages */
	fx_write(x, 4090, 12, 3);    /* across a page boundary */
	fx_write(x, 9990, 3000, 4);  /* extends the file */
	fx_write(x, 0, 1, 5);
	check_logical(x);
	/* Nothing reached the backing file yet. */
	check_backing(x, x->durable, x->dsize);
	assert_true(pf_has_pending(&x->f));
	assert_int_equal(pf_pending_bytes(&x->f) % POWERFS_PAGE, 0);
	fx_free(x);
}

static void test_write_past_eof_leaves_zero_gap(void **state)
{
	struct fixture *x = fx_new(100);

	(void)state;
	fx_write(x, 20000, 10, 9);
	check_logical(x);
	assert_int_equal(pf_apply(&x->f), 0);
	check_backing(x, x->logical, x->lsize);
	fx_free(x);
}

static void test_truncate_down_then_up_reads_zeros(void **state)
{
	struct fixture *x = fx_new(20000);

	(void)state;
	fx_write(x, 5000, 100, 1);
	fx_truncate(x, 5050);       /* inside a pending page */
	fx_truncate(x, 3000);       /* below it, into backing-only data */
	check_logical(x);
	fx_truncate(x, 15000);      /* the old bytes must not come back */
	check_logical(x);
	fx_write(x, 14000, 10, 2);  /* fill a page from zeroed content */
	check_logical(x);
	check_backing(x, x->durable, x->dsize);
	assert_int_equal(pf_apply(&x->f), 0);
	check_backing(x, x->logical, x->lsize);
	assert_false(pf_has_pending(&x->f));
	check_logical(x);
	fx_free(x);
}

static void test_apply_makes_exactly_pending_durable(void **state)
{
	struct fixture *x = fx_new(8192);

	(void)state;
	fx_write(x, 10, 10, 1);
	fx_write(x, 8000, 500, 2);
	assert_int_equal(pf_apply(&x->f), 0);
	memcpy(x->durable, x->logical, x->lsize);
	x->dsize = x->lsize;
	check_backing(x, x->durable, x->dsize);
	assert_int_equal(pf_pending_bytes(&x->f), 0);
	/* Later writes are pending again, the applied ones stay. */
	fx_write(x, 4096, 4096, 3);
	check_backing(x, x->durable, x->dsize);
	check_logical(x);
	fx_free(x);
}

static void test_apply_range_only_those_pages(void **state)
{
	struct fixture *x = fx_new(4 * POWERFS_PAGE);

	(void)state;
	fx_write(x, 0, 10, 1);
	fx_write(x, 2 * POWERFS_PAGE + 5, 10, 2);
	assert_int_equal(pf_apply_range(&x->f, 2, 2), 0);
	memcpy(x->durable + 2 * POWERFS_PAGE, x->logical + 2 * POWERFS_PAGE, POWERFS_PAGE);
	check_backing(x, x->durable, x->dsize);
	assert_int_equal(pf_pending_bytes(&x->f), POWERFS_PAGE);
	check_logical(x);
	fx_free(x);
}

static void test_power_cut_drops_everything(void **state)
{
	struct fixture *x = fx_new(10000);
	struct lab_rng rng;
	struct strbuf tr = { 0 };

	(void)state;
	fx_write(x, 0, 9000, 1);
	fx_write(x, 12000, 100, 2);
	fx_truncate(x, 11000);
	rng_init(&rng, 1, 0);
	assert_int_equal(pf_power_cut(&x->f, 0.0, &rng, &tr), 0);
	check_backing(x, x->durable, x->dsize);
	memcpy(x->logical, x->durable, x->dsize);
	x->lsize = x->dsize;
	check_logical(x);
	assert_false(pf_has_pending(&x->f));
	assert_non_null(strstr(tr.buf, "page 0 dropped"));
	assert_null(strstr(tr.buf, " kept"));
	sb_release(&tr);
	fx_free(x);
}

static void test_power_cut_keep_all(void **state)
{
	struct fixture *x = fx_new(10000);
	struct lab_rng rng;

	(void)state;
	fx_write(x, 100, 9000, 1);
	fx_write(x, 15000, 100, 2);
	rng_init(&rng, 1, 0);
	assert_int_equal(pf_power_cut(&x->f, 1.0, &rng, NULL), 4);
	check_backing(x, x->logical, x->lsize);
	fx_free(x);
}

/* Run a torn cut on a fresh fixture; return the backing content. */
static unsigned char *torn(uint64_t seed, double keep, char **trace, int *kept)
{
	struct fixture *x = fx_new(40000);
	struct lab_rng rng;
	struct strbuf tr = { 0 };
	unsigned char *out = calloc(1, MAXSZ);

	for (int i = 0; i < 12; i++)
		fx_write(x, (uint64_t)i * 3000 + 17, 2500, (unsigned char)(i + 1));
	rng_init(&rng, seed, 7);
	*kept = pf_power_cut(&x->f, keep, &rng, &tr);
	assert_true(*kept >= 0);
	assert_int_equal(pread(x->fd, out, MAXSZ, 0), 40000);
	/* Each page is all old or all new: never torn inside a page. */
	for (uint64_t p = 0; p * POWERFS_PAGE < 40000; p++) {
		size_t n = 40000 - p * POWERFS_PAGE < POWERFS_PAGE ? 40000 - p * POWERFS_PAGE : POWERFS_PAGE;
		bool old = !memcmp(out + p * POWERFS_PAGE, x->durable + p * POWERFS_PAGE, n);
		bool new = !memcmp(out + p * POWERFS_PAGE, x->logical + p * POWERFS_PAGE, n);

		assert_true(old || new);
	}
	*trace = sb_detach(&tr);
	fx_free(x);
	return out;
}

static void test_partial_keep_is_reproducible(void **state)
{
	char *t1, *t2, *t3;
	int k1, k2, k3;
	unsigned char *a = torn(42, 0.5, &t1, &k1);
	unsigned char *b = torn(42, 0.5, &t2, &k2);
	unsigned char *c = torn(43, 0.5, &t3, &k3);

	(void)state;
	assert_int_equal(k1, k2);
	assert_true(k1 > 0 && k1 < 10);   /* 10 pages pending, some kept, some not */
	assert_memory_equal(a, b, MAXSZ);
	assert_string_equal(t1, t2);
	assert_string_not_equal(t1, t3);  /* another seed tears differently */
	free(a);
	free(b);
	free(c);
	free(t1);
	free(t2);
	free(t3);
}

/* Random operations against the byte-array model. */
static void test_random_against_model(void **state)
{
	struct lab_rng rng;

	(void)state;
	rng_init(&rng, 2026, 1);
	for (int round = 0; round < 20; round++) {
		struct fixture *x = fx_new((size_t)rng_range(&rng, 0, 30000));

		for (int op = 0; op < 200; op++) {
			int64_t k = rng_range(&rng, 0, 99);

			if (k < 70) {
				uint64_t off = (uint64_t)rng_range(&rng, 0, 50000);
				size_t len = (size_t)rng_range(&rng, 1, 9000);

				if (off + len > MAXSZ)
					len = MAXSZ - off;
				fx_write(x, off, len, (unsigned char)op);
			} else if (k < 85) {
				fx_truncate(x, (uint64_t)rng_range(&rng, 0, 60000));
			} else if (k < 95) {
				assert_int_equal(pf_apply(&x->f), 0);
				memcpy(x->durable, x->logical, x->lsize);
				x->dsize = x->lsize;
				check_backing(x, x->durable, x->dsize);
			} else {
				struct lab_rng r2;

				rng_init(&r2, (uint64_t)op, 3);
				assert_true(pf_power_cut(&x->f, 0.0, &r2, NULL) >= 0);
				memcpy(x->logical, x->durable, x->dsize);
				x->lsize = x->dsize;
			}
			if (op % 10 == 0)
				check_logical(x);
		}
		check_logical(x);
		check_backing(x, x->durable, x->dsize);
		fx_free(x);
	}
}

static void test_mode_names(void **state)
{
	(void)state;
	assert_int_equal(powerfs_mode_parse("none"), POWERFS_NONE);
	assert_int_equal(powerfs_mode_parse("unsafe"), POWERFS_UNSAFE);
	assert_int_equal(powerfs_mode_parse("directsync"), POWERFS_DIRECTSYNC);
	assert_int_equal(powerfs_mode_parse("bogus"), -1);
	assert_int_equal(powerfs_mode_parse(NULL), -1);
	assert_string_equal(powerfs_mode_name(POWERFS_WRITEBACK), "writeback");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlapping_writes_and_overlay),
		cmocka_unit_test(test_write_past_eof_leaves_zero_gap),
		cmocka_unit_test(test_truncate_down_then_up_reads_zeros),
		cmocka_unit_test(test_apply_makes_exactly_pending_durable),
		cmocka_unit_test(test_apply_range_only_those_pages),
		cmocka_unit_test(test_power_cut_drops_everything),
		cmocka_unit_test(test_power_cut_keep_all),
		cmocka_unit_test(test_partial_keep_is_reproducible),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_mode_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
