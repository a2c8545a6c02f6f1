/*
 * workload.c — placeholder until the bank workload lands: it says it is not
 * built yet instead of pretending to drive a cluster.
 */
#include "workload.h"
#include "util.h"

#include <string.h>

void workload_opts_defaults(struct workload_opts *o)
{
	memset(o, 0, sizeof(*o));
}

struct workload *workload_start(const struct workload_opts *o)
{
	(void)o;
	lab_error("the bank workload is not built yet");
	return NULL;
}

void workload_get_totals(struct workload *w, struct workload_totals *t)
{
	(void)w;
	memset(t, 0, sizeof(*t));
}

int workload_stop(struct workload *w, struct workload_totals *t)
{
	(void)w;
	if (t)
		memset(t, 0, sizeof(*t));
	return -1;
}
