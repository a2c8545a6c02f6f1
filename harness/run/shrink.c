/*
 * shrink.c — ddmin over a run's faults and halving of its schedule's
 * waits and holds (shrink.h). No I/O: the caller's try function runs the
 * candidates.
 */
#include "shrink.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int shrink_ddmin(struct nemesis_fault *cur, size_t *n_cur, shrink_try_fn try, void *ctx)
{
	size_t gran = 2;
	struct nemesis_fault *cand = xcalloc(*n_cur ? *n_cur : 1, sizeof(*cand));
	int rc = 0;

	while (*n_cur >= 2) {
		bool reduced = false;
		size_t n = *n_cur;
		if (gran > n)
			gran = n;
		for (size_t c = 0; c < gran && !reduced; c++) {
			size_t lo = c * n / gran, hi = (c + 1) * n / gran, m = 0;
			char what[96];
			int r;
			for (size_t i = 0; i < n; i++)
				if (i < lo || i >= hi)
					cand[m++] = cur[i];
			if (hi - lo == 1)
				snprintf(what, sizeof(what), "%zu of %zu faults (dropping fault %zu)", m, n, lo + 1);
			else
				snprintf(what, sizeof(what), "%zu of %zu faults (dropping faults %zu..%zu)", m, n, lo + 1, hi);
			r = try(ctx, cand, m, what);
			if (r < 0) {
				rc = -1;
				goto out;
			}
			if (r) {
				memcpy(cur, cand, m * sizeof(*cur));
				*n_cur = m;
				gran = gran > 2 ? gran - 1 : 2;
				reduced = true;
			}
		}
		if (!reduced) {
			if (gran >= n)
				break;
			gran = 2 * gran < n ? 2 * gran : n;
		}
	}
out:
	free(cand);
	return rc;
}

bool shrink_halve(const struct nemesis_fault *in, struct nemesis_fault *out, size_t n, bool waits, bool holds)
{
	bool changed = false;
	int seq = -1;
	int64_t end_old = 0, end_new = 0; /* where the previous fault of the step ended */

	for (size_t i = 0; i < n; i++) {
		int64_t wait, hold;
		out[i] = in[i];
		if (in[i].seq != seq) {
			seq = in[i].seq;
			end_old = end_new = 0;
		}
		wait = in[i].at_ms - end_old;
		if (wait < 0)
			wait = 0;
		hold = in[i].hold_ms;
		if (waits && wait >= 2)
			wait /= 2;
		if (holds && hold > SHRINK_MIN_HOLD_MS)
			hold = hold / 2 > SHRINK_MIN_HOLD_MS ? hold / 2 : SHRINK_MIN_HOLD_MS;
		out[i].at_ms = end_new + wait;
		out[i].hold_ms = hold;
		if (out[i].at_ms != in[i].at_ms || out[i].hold_ms != in[i].hold_ms)
			changed = true;
		end_old = in[i].at_ms + in[i].hold_ms > end_old ? in[i].at_ms + in[i].hold_ms : end_old;
		end_new = out[i].at_ms + out[i].hold_ms;
	}
	return changed;
}

int shrink_timing(struct nemesis_fault *cur, size_t n, shrink_try_fn try, void *ctx)
{
	struct nemesis_fault *cand = xcalloc(n ? n : 1, sizeof(*cand));
	int rc = 0;

	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		bool waits = pass == 0;
		for (int k = 0; k < 4; k++) {
			int r;
			if (!shrink_halve(cur, cand, n, waits, !waits))
				break;
			r = try(ctx, cand, n, waits ? "the waits before the faults halved" : "every fault's hold halved");
			if (r < 0) {
				rc = -1;
				break;
			}
			if (!r)
				break;
			memcpy(cur, cand, n * sizeof(*cur));
		}
	}
	free(cand);
	return rc;
}
