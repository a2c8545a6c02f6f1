/*
 * nightly.h — what a nightly plan's results need beyond one database:
 * `lab results merge` joins the databases of CI runners (merge.c) and
 * `lab results trend` shows verdicts and key figures night by night
 * (trend.c).
 */
#ifndef LAB_NIGHTLY_H
#define LAB_NIGHTLY_H

#include <stddef.h>
#include <stdio.h>

#include "resultsdb.h"

struct merge_counts {
	size_t inputs;      /* databases read (into's own included when it existed) */
	size_t kept;        /* into's own runs (when it existed) */
	size_t runs;        /* runs added from the inputs */
	size_t duplicates;  /* runs already there (same uuid) */
};

/* Join the runs of inputs (and of `into` itself when it exists) into
 * `into`, each run once, atomically: `into` is replaced only when every
 * input was read. 0, or -1 (reported) with `into` untouched. */
int results_merge(const char *const *inputs, size_t n, const char *into, struct merge_counts *mc);

/* A night runs from 12:00 UTC to 12:00 UTC the next day and is named by
 * its first day (a plan that starts at 22:00 and ends at 03:00 is one
 * night): "YYYY-MM-DD" into buf (11 bytes). */
void trend_night(double started_at, char *buf, size_t size);

/* `lab results trend`: for each series (scenario and plan axes) and each
 * of the last `nights` nights with runs (of `scenario` when not NULL):
 * the worst verdict of the night's runs and the figures of its last run
 * (lost transactions, seconds unavailable, p99 latency, tps). Text to
 * out (one row per night), and an HTML page to html_path when not NULL
 * (one column per night). 0, or -1 reported. */
int results_trend(struct resultsdb *db, const char *scenario, int nights, FILE *out, const char *html_path);

#endif
