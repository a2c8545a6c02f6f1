/*
 * rundata.h — one recorded run read back from the results database, and
 * the figures derived from it that `lab results show|compare` and the HTML
 * report share: fault windows, unavailability windows, recovery times and
 * throughput / latency before, during and after the faults.
 *
 * Definitions (the same everywhere they are printed):
 * - A fault step is one whose action injects a fault (kill, hard-reset,
 *   partition, disk-cache, delete-file, revert, stop, pause, ...).
 * - Its window runs from the step's start to the end of the first later
 *   step that undoes it on an overlapping node set (heal for a partition;
 *   start, bootstrap or resume for a killed / reset / stopped node; another
 *   disk-cache for a cache mode; any undo:* cleanup step), or to the end of
 *   the timeline when nothing undoes it.
 * - Seconds "during" faults are those whose [t, t+1) overlaps a window;
 *   "before" precede the first fault; "after" are the rest past the first
 *   fault's start. tps = ok transactions per second; p99 = mean of the
 *   per-second p99 over the seconds with ok > 0.
 * - An unavailability window is a run of consecutive seconds with ok = 0
 *   between the first and last recorded workload second (a second with no
 *   row counts as ok = 0).
 * - Recovery to first ok: from a fault step's start to the start of the
 *   first second after the one it started in with ok > 0 (1 s resolution).
 *   Recovery to Synced: from the start to the first Synced node state that
 *   follows a non-Synced state of a node of the step (node_states), the
 *   longest over those nodes; not available when no node left Synced.
 */
#ifndef LAB_RUNDATA_H
#define LAB_RUNDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "resultsdb.h"

/* Nullable REAL and INTEGER columns read as NAN and -1. */
struct run_row {
	int64_t id;
	char *scenario, *scenario_file, *scenario_hash;
	int64_t seed;
	char *backend, *flavor;
	int nodes;
	char *server_version, *galera_version, *cache_mode, *mysqld_options, *tags;
	char *lab_version, *host;
	double started_at, ended_at;
	char *verdict, *reason;
	char *uuid;   /* its identity across databases (schema 4) */
	char *label;  /* a plan's run: its axis values, or NULL */
};

struct step_row {
	int64_t id;
	int seq;
	char *action, *node;
	double started_at, ended_at;
	char *outcome, *detail;
};

struct check_row {
	char *checker, *expected, *actual;
	int64_t anomalies;
	char *details;
};

struct anomaly_row {
	int64_t id;
	char *checker, *kind, *tbl;
	int64_t row_id, txn_id;
	char *node, *detail;
};

struct second_row {
	int64_t t, ok, failed, unknown;
	double p50, p95, p99;
};

struct state_row {
	double t;
	int node;
	char *state, *detail;
};

struct version_row {
	double t;
	int node;
	char *version;
	int64_t step_seq;   /* the upgrade step, 0 at cluster up */
};

struct artifact_row {
	char *name, *path;
};

/* manager_events (schema 5): what the failover manager did; kind
 * "failover" is lab's measure (seconds: fault to first ok write). */
struct manager_row {
	double t;
	int node;
	char *kind, *result;
	double seconds;     /* NAN unless a failover with a first ok write */
	char *detail;
};

struct run_data {
	struct run_row run;
	struct step_row *steps;
	size_t n_steps;
	struct check_row *checks;
	size_t n_checks;
	struct anomaly_row *anomalies;
	size_t n_anomalies;
	struct second_row *seconds; /* ordered by t */
	size_t n_seconds;
	struct state_row *states;   /* ordered by t, node */
	size_t n_states;
	struct artifact_row *artifacts;
	size_t n_artifacts;
	struct version_row *versions; /* ordered by t, node; none before schema 2 */
	size_t n_versions;
	struct manager_row *manager;  /* ordered by t; none without a manager */
	size_t n_manager;
};

/* Read run `run` with everything that hangs off it. NULL with the error
 * reported ("no run N in results database ...") when it is not there.
 * The caller frees it with run_data_free(). */
struct run_data *run_data_load(struct resultsdb *db, int64_t run);
void run_data_free(struct run_data *rd); /* NULL ok */

/* Parse a RUN argument: a run id, or "last" for the newest run.
 * -1 (reported, naming the argument) when it is neither or there is none. */
int run_id_parse(struct resultsdb *db, const char *arg, int64_t *out);

/* The newest n runs of a scenario, oldest first. Returns how many were
 * found (0..n) in *ids (caller frees), -1 on a database error. */
int runs_of_scenario(struct resultsdb *db, const char *scenario, int n, int64_t **ids);

/* Verdict order for comparisons: pass < skip < running/aborted/broken < fail. */
int verdict_rank(const char *verdict);
/* A check met its expectation: expected NULL or "any", or equal to actual. */
bool check_met(const struct check_row *c);
/* The step injects a fault (see above). */
bool step_is_fault(const struct step_row *s);
/* The artifact path named `name`, or NULL. Borrowed. */
const char *run_artifact(const struct run_data *rd, const char *name);

struct fault_window {
	const struct step_row *step; /* borrowed from the run_data */
	double start, end;           /* Unix seconds */
};

struct phase_stats {
	int64_t seconds, ok;
	double tps; /* NAN when no seconds */
	double p99; /* NAN when no latency was recorded */
};

struct unavail_window {
	int64_t start, seconds; /* Unix second of the first ok = 0 second, length */
};

struct recovery {
	const struct fault_window *fault;
	double to_first_ok; /* seconds; NAN: no ok second after it */
	double to_synced;   /* seconds; NAN: not recorded / never left Synced; INFINITY: never back */
};

struct kind_count {
	const char *kind; /* borrowed */
	int64_t count;
	const struct anomaly_row *first; /* the first anomaly of this kind */
};

enum phase { PHASE_BEFORE, PHASE_DURING, PHASE_AFTER, PHASE_ALL, PHASE_COUNT };
extern const char *const phase_names[PHASE_COUNT];

struct run_stats {
	double t_begin, t_end; /* the timeline: run start .. last thing recorded */
	int64_t total_ok, total_failed, total_unknown;
	struct phase_stats phase[PHASE_COUNT];
	struct fault_window *faults;
	size_t n_faults;
	struct unavail_window *unavail;
	size_t n_unavail;
	int64_t unavail_seconds, longest_unavail;
	struct recovery *recoveries; /* one per fault window */
	double worst_first_ok;       /* max to_first_ok, NAN if none */
	struct kind_count *kinds;    /* by count, descending */
	size_t n_kinds;
	int64_t lost, phantom; /* anomalies whose kind starts with lost / phantom */
	int64_t checks_unmet;
};

/* Compute the figures of a run. stats borrows from rd: free stats first. */
void run_stats_compute(const struct run_data *rd, struct run_stats *stats);
void run_stats_release(struct run_stats *stats);

/* Which nodes a step's node field names: bit n-1 for node n; "all", NULL
 * or "" is every node (~0). */
uint64_t node_mask(const char *node);

/* Options of a comparison: a limit < 0 is not checked. */
struct compare_limits {
	double max_tps_drop_pct;      /* tps lower by more than this % in any phase */
	double max_p99_rise_pct;      /* p99 higher by more than this % in any phase */
	double max_unavail_rise_s;    /* total unavailable seconds up by more than this */
	double max_recovery_rise_s;   /* worst recovery to first ok up by more than this */
};

/* Compare baseline a with candidate b and print the comparison to out.
 * Returns the number of regressions found (0 none). */
int runs_compare(const struct run_data *a, const struct run_data *b,
		 const struct compare_limits *lim, FILE *out);
/* One line per run, oldest first: the trend over runs of one scenario. */
void runs_trend(struct run_data *const *runs, size_t n, FILE *out);
/* `lab results show`: everything about one run. */
void run_show(const struct run_data *rd, FILE *out);

#endif
