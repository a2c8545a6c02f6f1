/*
 * rng.h — the seeded random generator.
 *
 * xoshiro256**, seeded by splitmix64 from (seed, stream), so every thread
 * or purpose has its own reproducible stream from one seed.
 */
#ifndef LAB_RNG_H
#define LAB_RNG_H

#include <stdint.h>

struct lab_rng {
	uint64_t s[4];
};
void rng_init(struct lab_rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct lab_rng *r);
/* Uniform in [lo, hi] (inclusive). */
int64_t rng_range(struct lab_rng *r, int64_t lo, int64_t hi);
double rng_double(struct lab_rng *r); /* [0, 1) */

#endif
