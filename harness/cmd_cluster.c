/*
 * cmd_cluster.c — the `lab cluster` verb. Not built yet: it says so and exits 2,
 * so that no caller mistakes it for a result.
 */
#include "commands.h"
#include "util.h"

int cmd_cluster(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	lab_error("'cluster' is not built yet");
	return LAB_EXIT_BROKEN;
}
