/*
 * rng.c — reproducible randomness: a run's one seed and a stream number
 * (a worker thread, a fault schedule) give a xoshiro256** state through
 * splitmix64, so a run replayed with the same seed makes the same choices.
 * See rng.h.
 */
#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_init(struct lab_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct lab_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

int64_t rng_range(struct lab_rng *r, int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1;

	if (span == 0)
		return (int64_t)rng_next(r);
	/* Lemire-free simple rejection keeps it unbiased. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % span;
	uint64_t v;
	do
		v = rng_next(r);
	while (v >= limit);
	return lo + (int64_t)(v % span);
}

double rng_double(struct lab_rng *r)
{
	return (rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}
