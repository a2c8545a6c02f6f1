/*
 * history.h — lab's Elle-class transaction history checker (`lab history`).
 *
 * A history is read (streaming, one op at a time) from one of three formats:
 *
 *  - Jepsen JSON: a top-level array of ops, or one op per line;
 *  - Jepsen EDN: `{:type :invoke, :process 0, :value [[:append 1 2] [:r 3 nil]]}`
 *    maps, one after the other or inside a top-level vector;
 *  - lab's own append journal (written by the append workload):
 *
 *      # lab-journal 1 workload=append seed=SEED started=UNIX_SECONDS
 *      TXN<TAB>append<TAB>OUTCOME<TAB>NODE<TAB>START_NS<TAB>END_NS<TAB>ERRNO<TAB>PROCESS<TAB>MOPS
 *
 *    one line per transaction, written when it completed (so not in invoke
 *    order). TXN is a unique int64; OUTCOME ok|failed|unknown (Elle's
 *    :ok/:fail/:info); NODE host:port; START_NS/END_NS CLOCK_MONOTONIC
 *    invoke/complete times; ERRNO the MySQL errno or 0; PROCESS the client
 *    thread (a new number after an unknown outcome); MOPS space-separated
 *    micro-ops in transaction order: `a:KEY:VALUE` (append), `r:KEY:V1,V2`
 *    (read of the whole list), `r:KEY:` (empty list), `r:KEY:?` (read not
 *    completed). '#' lines are comments; a partial last line (crash) is
 *    ignored.
 *
 * Workloads: list-append (appends and whole-list reads) and rw-register
 * (writes and reads of single values). The checker infers version orders,
 * builds the dependency graph (ww, wr, rw, process, realtime), finds its
 * strongly connected components, searches each for the cycles of Elle's
 * anomaly classes, adds the non-cycle anomalies (G1a, G1b, internal,
 * dirty-update, lost-update, duplicate-elements, incompatible-order,
 * future-read, cyclic-versions, garbage-versions) and says which consistency
 * models the history rules out, following Elle's model lattice.
 *
 * Embedding it (a checker inside a scenario):
 *
 *     struct history_opts o;  history_opts_init(&o);
 *     struct history_result r;
 *     if (history_check_path(path, &o, &r) < 0) ... (bad input, error reported)
 *     for (size_t i = 0; i < r.n_anomalies; i++)
 *         printf("%s: %s\n", r.anomalies[i].type, r.anomalies[i].explanation);
 *     history_result_release(&r);
 */
#ifndef LAB_HISTORY_H
#define LAB_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum history_workload {
	HISTORY_WL_AUTO = 0,
	HISTORY_WL_LIST_APPEND,
	HISTORY_WL_RW_REGISTER,
};

/* Limits of the readers: an op (one JSON/EDN element or one journal line)
 * larger than this, or nested deeper, is bad input. */
#define HISTORY_MAX_OP_BYTES (1u << 20)
#define HISTORY_MAX_DEPTH 32
#define HISTORY_MAX_MOPS 65535

struct history_opts {
	enum history_workload workload;
	/* Consistency models expected to hold (friendly or canonical names, as
	 * Elle); what they prohibit counts as a finding. Default
	 * {"strict-serializable"}. Borrowed. */
	const char *models[8];
	size_t n_models;
	/* Extra anomalies that count as findings (Elle's :anomalies), e.g. G0. */
	const char *anomalies[8];
	size_t n_anomalies;
	/* rw-register version-order sources (Elle's options of the same names). */
	bool wfr_keys, sequential_keys, linearizable_keys;
	/* Milliseconds of cycle search per strongly connected component. */
	int64_t cycle_search_ms;
	/* Most anomalies kept per type (the count is still exact). */
	size_t max_per_type;
};

void history_opts_init(struct history_opts *o);

/* One finding. type is Elle's name (e.g. "G-single-item-realtime");
 * explanation is text a DBA can follow (multi-line for cycles); json is the
 * anomaly in Elle's shape (a JSON object's text). */
struct history_anomaly {
	char *type;
	char *explanation;
	char *json;
};

enum history_validity {
	HISTORY_VALID = 0,   /* nothing prohibited was found */
	HISTORY_INVALID,     /* a prohibited anomaly */
	HISTORY_UNKNOWN,     /* only reportable-but-not-prohibited findings (empty graph) */
};

struct history_result {
	enum history_validity valid;
	enum history_workload workload;
	size_t n_txns, n_ok, n_fail, n_info, n_keys;
	size_t n_anomalies;            /* kept anomalies (of types and note_types), grouped by type */
	struct history_anomaly *anomalies;
	/* anomaly types found (sorted, reportable ones), with exact counts */
	size_t n_types;
	char **types;
	size_t *type_counts;
	/* anomaly types found that the expected models allow (shown, no finding) */
	size_t n_notes;
	char **note_types;
	size_t *note_counts;
	/* models ruled out: the weakest (not) and the rest (also_not), sorted */
	size_t n_not, n_also_not;
	char **not_models, **also_not_models;
	double seconds_read, seconds_check;
};

/* Check the history in path ("-" is stdin). Returns 0 and fills *res (valid
 * or not), or -1 on bad input or an I/O error, reported once as
 * "FILE:LINE: what is wrong". Release *res with history_result_release
 * (also after -1). */
int history_check_path(const char *path, const struct history_opts *opts,
		       struct history_result *res);
/* Same, from an open stream; name is used in error messages. */
int history_check_stream(FILE *f, const char *name, const struct history_opts *opts,
			 struct history_result *res);
void history_result_release(struct history_result *res);

/* Human-readable report / Elle-shaped JSON of a result. */
void history_result_print(FILE *out, const char *name, const struct history_result *res);
void history_result_print_json(FILE *out, const struct history_result *res);

/* Is name a consistency model Elle knows? */
bool history_model_known(const char *name);

#endif
