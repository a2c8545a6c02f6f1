/*
 * failover.c — see failover.h. The client's view decides: the manager's
 * promote says when it acted, the journal says when the service was back.
 * Only writes count (a replica answers reads before it is promoted), and
 * only on the promoted node: the workload may still commit on another
 * node that is up (a Galera survivor), which is no failover.
 */
#include "failover.h"

#include "cluster.h"
#include "error.h"
#include "journal.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

int failover_measure(const struct manager_event *ev, size_t n_ev, const struct fault_mark *faults,
		     size_t n_faults, const char *const *hosts, int nodes, char *const *journals, size_t n_journals,
		     double mono_to_wall, struct failover **out, size_t *n_out)
{
	struct failover *v = NULL;
	size_t n = 0;
	struct txn_record rec;
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	for (size_t f = 0; f < n_faults; f++) {
		double until = f + 1 < n_faults ? faults[f + 1].t : 1e300;
		for (size_t i = 0; i < n_ev; i++) {
			if (strcmp(ev[i].kind, "promote") || strcmp(ev[i].result, "ok") || ev[i].t < faults[f].t ||
			    ev[i].t >= until || ev[i].node < 1 || ev[i].node > nodes)
				continue;
			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n] = (struct failover){ .node = ev[i].node, .fault = &faults[f], .promoted = ev[i].t,
						  .seconds = -1 };
			n++;
			break;
		}
	}
	txn_record_init(&rec);
	for (size_t j = 0; n && j < n_journals; j++) {
		struct journal_reader *jr = journal_open(journals[j]);
		int got;
		if (!jr) {
			rc = -1;
			continue;
		}
		while ((got = journal_next(jr, &rec)) > 0) {
			if (rec.outcome != TXN_OK || rec.kind == TXN_LOAD || rec.kind == TXN_AUDIT)
				continue;
			double end = (double)rec.end_ns / 1e9 + mono_to_wall;
			for (size_t k = 0; k < n; k++)
				if (end > (v[k].fault->t_end > 0 ? v[k].fault->t_end : v[k].fault->t) &&
				    !strcmp(rec.node, hosts[v[k].node]) &&
				    (v[k].first_ok == 0 || end < v[k].first_ok))
					v[k].first_ok = end;
		}
		if (got < 0)
			rc = -1;
		journal_reader_free(jr);
	}
	txn_record_release(&rec);
	for (size_t k = 0; k < n; k++)
		if (v[k].first_ok > 0)
			v[k].seconds = v[k].first_ok - v[k].fault->t;
	*out = v;
	*n_out = n;
	return rc;
}
