/*
 * nemesis.h — seeded random fault schedules.
 *
 * A `nemesis` step draws faults from its options and the run's seed:
 *
 *   - nemesis: { faults: [kill, pause, partition, hard-reset, stop],
 *                targets: [one, minority, majority, all, primary],
 *                interval: 2s..8s, for: 60s, recover: 1s..10s, torn: 0..1 }
 *
 * The schedule (nemesis_plan) is a pure function of (seed, step, options,
 * cluster size): the same seed gives the same list of faults, so
 * `lab run --seed N` repeats a run's schedule. Executed, each fault is one
 * ordinary row of the steps table (action kill / pause / partition /
 * hard-reset / stop, its nodes, its detail "nemesis #K at=... hold=...")
 * from which `lab replay` and `lab shrink` read the schedule back
 * (nemesis_parse_row) and run it again through runner_opts.replay.
 *
 * Partitions are one node isolated (target one or primary), a minority
 * against a majority, every node alone (all), or a ring (target ring,
 * partitions only): with 4 or more nodes, in a random order, each node
 * talks only to its two neighbours (every node sees a majority of 3 of 4
 * or 5, no two agree on which); with 3 nodes a bridge: one node talks to
 * both others, which cannot reach each other. Ring needs 3 nodes or more;
 * a fault that is not a partition never draws it.
 */
#ifndef LAB_NEMESIS_H
#define LAB_NEMESIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster.h"

struct strbuf;

enum nem_kind { NEM_KILL, NEM_PAUSE, NEM_PARTITION, NEM_HARD_RESET, NEM_STOP, NEM_N_KINDS };
enum nem_target { NEM_ONE, NEM_MINORITY, NEM_MAJORITY, NEM_ALL, NEM_PRIMARY, NEM_RING, NEM_N_TARGETS };

/* NULL-terminated, indexed by the enums (the step's allowed values). */
extern const char *const nemesis_kind_names[];
extern const char *const nemesis_target_names[];

struct nemesis_opts {
	unsigned kinds;                     /* bit per enum nem_kind */
	unsigned targets;                   /* bit per enum nem_target */
	int64_t interval_min, interval_max; /* ms between one fault's undo and the next */
	int64_t for_ms;                     /* faults start within this long */
	int64_t recover_min, recover_max;   /* ms a fault lasts before it is undone */
	double torn_min, torn_max;          /* hard-reset: fraction of un-synced pages kept */
};

struct nemesis_fault {
	int seq;                  /* the nemesis step (1-based) it belongs to */
	int no;                   /* 1-based within the step */
	enum nem_kind kind;
	enum nem_target target;
	int64_t at_ms;            /* start, from the step's start */
	int64_t hold_ms;          /* how long it lasts before it is undone */
	uint32_t nodes;           /* bit i: node i; for target primary, chosen when it runs */
	uint32_t member_of[LAB_MAX_NODES]; /* partition: node i+1's groups (cluster.h) */
	double torn;              /* hard-reset */
	int promoted;             /* promote: the replica promoted while it ran (0: none) */
	int old_primary;          /* ... and the primary it replaced */
};

/* "2s..8s" or "5s" (both ends the same); -1 when not (no error printed). */
int nemesis_parse_duration_range(const char *s, int64_t *lo, int64_t *hi);
/* "0..1", "0.25" within 0..1; -1 when not (no error printed). */
int nemesis_parse_fraction_range(const char *s, double *lo, double *hi);

struct sc_step;
/* The step's options as numbers; -1 with the error reported. */
int nemesis_opts_from_step(const struct sc_step *st, struct nemesis_opts *o);
/* The step's cross-key rule (sc_action_desc.validate): static message or NULL. */
const char *nemesis_validate(const struct sc_step *st);

/* The schedule: *out (malloc'd, the caller frees) gets the faults in
 * order; returns how many. Pure: (o, seed, seq, nodes) decide everything. */
size_t nemesis_plan(const struct nemesis_opts *o, uint64_t seed, int seq, int nodes, struct nemesis_fault **out);

/* The action name of a fault (kill, pause, partition, hard-reset, stop). */
const char *nemesis_kind_name(enum nem_kind k);
/* One line for the schedule, comparable between runs:
 * "at=12.345s hold=4.200s kill 2" / "partition [1] | [2,3]" / "torn=0.37". */
void nemesis_describe(const struct nemesis_fault *f, int nodes, struct strbuf *out);
/* Read a fault back from a steps row (action, node, detail written by the
 * executor): 0, or -1 when the row is not a nemesis fault. */
int nemesis_parse_row(const char *action, const char *node, const char *detail, int seq, int nodes,
		      struct nemesis_fault *f);

struct runner;
/* The step's executor (sc_actions[] row "nemesis"). */
int nemesis_run(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *detail);

#endif
