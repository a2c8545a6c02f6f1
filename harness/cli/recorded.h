/*
 * recorded.h — a recorded run as lab replay, lab shrink and lab explore
 * read it back from the results database: its scenario file, seed, and
 * the nemesis faults it executed (nemesis.h), plus its anomaly counts.
 */
#ifndef LAB_RECORDED_H
#define LAB_RECORDED_H

#include <stddef.h>
#include <stdint.h>

#include "nemesis.h"
#include "resultsdb.h"
#include "scenario.h"

struct recorded_run {
	int64_t id;
	char *scenario, *scenario_file, *scenario_hash, *verdict;
	uint64_t seed;
	int nodes;
	struct nemesis_fault *faults; /* as executed, in order */
	size_t n_faults;
};

/* A database that must exist already (a typo is an error, not a new file). */
struct resultsdb *recorded_db_open(const char *path);
/* Read run id; -1 with the error reported. Release with recorded_run_release. */
int recorded_run_load(struct resultsdb *db, int64_t id, struct recorded_run *rr);
void recorded_run_release(struct recorded_run *rr);
/* The run's scenario file, parsed; NULL (errors printed) when it is gone,
 * does not validate or changed since the run (its hash differs). */
struct scenario *recorded_scenario(const struct recorded_run *rr);
/* "lost-ok 3, phantom 1" (sorted by kind) or "-"; the number of anomalies. */
int64_t recorded_anomalies(struct resultsdb *db, int64_t id, struct strbuf *out);
/* Whether run id has an anomaly of that kind. */
int recorded_has_anomaly(struct resultsdb *db, int64_t id, const char *kind);
/* Its verdict word (malloc'd) or NULL. */
char *recorded_verdict(struct resultsdb *db, int64_t id);
/* "RUN" as a run id. */
int recorded_parse_id(const char *s, int64_t *id);

#endif
