/*
 * shrink.h — the search behind `lab shrink`, pure: which subset of a
 * failing run's faults, and how short a schedule, still shows its finding.
 * The caller's `try` runs a candidate (real runs on a fresh cluster, k of n
 * tries) and answers; here only the order of the candidates is decided, so
 * tests/unit/test_shrink.c checks it with a synthetic answer.
 */
#ifndef LAB_SHRINK_H
#define LAB_SHRINK_H

#include "nemesis.h"

#include <stddef.h>

/* 1: the candidate shows the finding; 0: it does not; -1: stop now (the
 * budget is spent, lab broke, Ctrl-C). what says what the candidate is. */
typedef int (*shrink_try_fn)(void *ctx, const struct nemesis_fault *f, size_t n, const char *what);

/* Delta debugging (ddmin, complements only): drop one of 2 chunks, then of
 * 4, ... down to single faults; cur shrinks in place to a set from which
 * no single fault can be dropped (1-minimal) or, on -1, the smallest found
 * so far. cur must reproduce as given. */
int shrink_ddmin(struct nemesis_fault *cur, size_t *n_cur, shrink_try_fn try, void *ctx);

/* Shorter schedules: halve every wait before a fault (up to 4 times),
 * then every fault's hold (not below SHRINK_MIN_HOLD_MS), keeping each
 * candidate that still reproduces. 0, or -1 when try said stop. */
#define SHRINK_MIN_HOLD_MS 500
int shrink_timing(struct nemesis_fault *cur, size_t n, shrink_try_fn try, void *ctx);

/* out = in with the waits before each fault (per nemesis step) and/or the
 * holds halved; false when nothing would change. */
bool shrink_halve(const struct nemesis_fault *in, struct nemesis_fault *out, size_t n, bool waits, bool holds);

#endif
