/*
 * base.h — what every file of lab may need and that belongs to no helper:
 * the version string, ARRAY_SIZE and the exit codes of the command line.
 */
#ifndef LAB_BASE_H
#define LAB_BASE_H

#define LAB_VERSION "0.1"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes of the contract (docs/exit-codes.md). */
enum lab_exit {
	LAB_EXIT_OK = 0,      /* every expectation met */
	LAB_EXIT_FINDING = 1, /* a verdict differs from what was expected */
	LAB_EXIT_BROKEN = 2,  /* the harness could not do its job */
};

#endif
