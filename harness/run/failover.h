/*
 * failover.h — the failover time of a run with a failover manager: from
 * the fault that took the primary away to the first transaction the
 * client got committed on the node the manager promoted. Pure: the
 * manager's events, the run's fault steps and the workload's journals in,
 * one result per fault the manager answered with a promotion out
 * (unit-tested in tests/unit/test_failover.c).
 */
#ifndef LAB_FAILOVER_H
#define LAB_FAILOVER_H

#include <stddef.h>
#include <stdint.h>

struct manager_event;

/* A step that takes nodes away (kill, stop, hard-reset, pause, partition):
 * when it started (Unix seconds), its position and what it was. */
struct fault_mark {
	double t;               /* the step's start */
	double t_end;           /* its end: the fault is in place (0: unknown, t) */
	int seq;
	char what[96];          /* "kill node 1" */
};

struct failover {
	int node;               /* the node promoted */
	const struct fault_mark *fault;
	double promoted;        /* the promote's time (Unix seconds) */
	double first_ok;        /* the first ok write on node; 0: none */
	double seconds;         /* first_ok - fault->t; -1: no ok write after the fault */
};

/* hosts[i] ("host:port", as in the journal) for node i = 1..nodes; mono_to_wall
 * turns a journal's CLOCK_MONOTONIC seconds into Unix seconds (add it).
 * The first ok write counts from the fault step's end (a Galera node took
 * writes until the cut), the time from its start.
 * For each fault, the first successful promote after it (and before the
 * next fault) is its failover. *out malloc'd; 0, or -1 when a journal
 * cannot be read (reported). */
int failover_measure(const struct manager_event *ev, size_t n_ev, const struct fault_mark *faults,
		     size_t n_faults, const char *const *hosts, int nodes, char *const *journals, size_t n_journals,
		     double mono_to_wall, struct failover **out, size_t *n_out);

#endif
