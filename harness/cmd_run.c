/*
 * cmd_run.c — the `lab run` verb. Not built yet: it says so and exits 2,
 * so that no caller mistakes it for a result.
 */
#include "commands.h"
#include "util.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	lab_error("'run' is not built yet");
	return LAB_EXIT_BROKEN;
}
