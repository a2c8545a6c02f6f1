/*
 * cmd_validate.c — the `lab validate` verb. Not built yet: it says so and exits 2,
 * so that no caller mistakes it for a result.
 */
#include "commands.h"
#include "util.h"

int cmd_validate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	lab_error("'validate' is not built yet");
	return LAB_EXIT_BROKEN;
}
