/*
 * workload.h — the bank workload (DESIGN.md "The bank workload"): the API
 * used by `lab workload` and by the scenario runner's `workload:` steps.
 *
 * Accounting identity, per second and in total:
 *     attempted = ok + failed + unknown
 */
#ifndef LAB_WORKLOAD_H
#define LAB_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "dbconn.h"

struct workload_mix {
	int credit, purchase, transfer, new_customer, delete_customer; /* weights */
};

enum update_style { UPDATE_RELATIVE, UPDATE_READ_MODIFY_WRITE };
enum lock_style { LOCK_NONE, LOCK_FOR_UPDATE };

struct workload_second {
	int64_t t; /* Unix second */
	int64_t ok, failed, unknown;
	double p50_ms, p95_ms, p99_ms;
};

struct workload_totals {
	int64_t attempted, ok, failed, unknown;
};

struct workload_opts {
	const struct hostport *hosts; /* borrowed for the workload's lifetime */
	size_t n_hosts;
	const struct lab_creds *creds; /* borrowed */
	int threads;
	int64_t customers, products;
	struct workload_mix mix;
	enum update_style update_style;
	enum lock_style lock;
	uint64_t seed;
	double rate;              /* total transactions per second, 0 = as fast as possible */
	int connect_timeout_s;    /* default 2 */
	int rw_timeout_s;         /* default 5 */
	const char *journal_path; /* required */
	bool load;                /* (re)create the schema and load customers/products */
	/* Called once per second from the reporter thread (may be NULL). */
	void (*on_second)(void *arg, const struct workload_second *s);
	void *arg;
};

void workload_opts_defaults(struct workload_opts *o);

struct workload;
/* Open the journal, load if asked, start the threads; returns at once.
 * NULL on error (reported). */
struct workload *workload_start(const struct workload_opts *o);
/* Totals so far (thread-safe). */
void workload_get_totals(struct workload *w, struct workload_totals *t);
/* Stop the threads, flush and close the journal, free w. 0, or -1 if the
 * journal could not be written. t may be NULL. */
int workload_stop(struct workload *w, struct workload_totals *t);

#endif
