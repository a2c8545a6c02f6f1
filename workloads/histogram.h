/*
 * histogram.h — a log-bucketed latency histogram (HdrHistogram's layout with
 * 16 sub-buckets per power of two: values below 16 are exact, above that
 * every bucket is at most 1/16 = 6.25 % wide). Values are microseconds.
 *
 * The histogram is a plain array of counts so that a worker can keep its own
 * (cumulative, single writer) and the reporter can sum and subtract
 * snapshots of them to get per-second percentiles.
 */
#ifndef LAB_HISTOGRAM_H
#define LAB_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 4
#define HIST_SUB (1u << HIST_SUB_BITS)                       /* 16 */
#define HIST_BUCKETS (HIST_SUB + HIST_SUB * (64 - HIST_SUB_BITS)) /* 976: every uint64 */

/* Bucket index of value v. */
unsigned hist_bucket(uint64_t v);
/* Smallest and largest value that fall into bucket b. */
uint64_t hist_bucket_low(unsigned b);
uint64_t hist_bucket_high(unsigned b);
/* The p-th percentile (0 < p <= 100) of the HIST_BUCKETS counts: the
 * midpoint of the bucket holding the ceil(p/100 * n)-th smallest value.
 * 0 when the histogram is empty. */
double hist_percentile(const uint64_t *counts, double p);
/* Sum of the counts. */
uint64_t hist_total(const uint64_t *counts);

#endif
