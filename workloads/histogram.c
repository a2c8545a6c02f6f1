/*
 * histogram.c — the log-bucketed latency histogram of histogram.h: bucket
 * arithmetic and percentiles. Pure functions, no locking: callers own the
 * count arrays.
 */
#include "histogram.h"

unsigned hist_bucket(uint64_t v)
{
	unsigned e;

	if (v < HIST_SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v); /* floor(log2 v) >= HIST_SUB_BITS */
	return HIST_SUB + (e - HIST_SUB_BITS) * HIST_SUB +
	       (unsigned)((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

uint64_t hist_bucket_low(unsigned b)
{
	unsigned e, sub;

	if (b < HIST_SUB)
		return b;
	if (b >= HIST_BUCKETS)
		b = HIST_BUCKETS - 1;
	e = (b - HIST_SUB) / HIST_SUB + HIST_SUB_BITS;
	sub = (b - HIST_SUB) % HIST_SUB;
	return (uint64_t)(HIST_SUB + sub) << (e - HIST_SUB_BITS);
}

uint64_t hist_bucket_high(unsigned b)
{
	unsigned e;

	if (b < HIST_SUB)
		return b;
	if (b >= HIST_BUCKETS - 1)
		return UINT64_MAX;
	e = (b - HIST_SUB) / HIST_SUB + HIST_SUB_BITS;
	return hist_bucket_low(b) + ((uint64_t)1 << (e - HIST_SUB_BITS)) - 1;
}

uint64_t hist_total(const uint64_t *counts)
{
	uint64_t n = 0;

	for (unsigned b = 0; b < HIST_BUCKETS; b++)
		n += counts[b];
	return n;
}

double hist_percentile(const uint64_t *counts, double p)
{
	uint64_t n = hist_total(counts), rank, seen = 0;

	if (!n)
		return 0;
	if (p <= 0)
		p = 0.000001;
	if (p > 100)
		p = 100;
	rank = (uint64_t)((p / 100.0) * (double)n);
	if ((double)rank < (p / 100.0) * (double)n)
		rank++; /* ceil */
	if (rank < 1)
		rank = 1;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += counts[b];
		if (seen >= rank)
			return ((double)hist_bucket_low(b) + (double)hist_bucket_high(b)) / 2.0;
	}
	return (double)hist_bucket_high(HIST_BUCKETS - 1);
}
