/*
 * signals.h — signal names and numbers ("KILL" and SIGKILL).
 */
#ifndef LAB_SIGNALS_H
#define LAB_SIGNALS_H

/* The signals a scenario may name, without the "SIG" prefix. The table is
 * public so that an error can list the names. */
struct signal_entry {
	const char *name;
	int sig;
};
#define SIGNAL_NAMES 16
extern const struct signal_entry signals[SIGNAL_NAMES];

/* Signal names: "KILL" -> SIGKILL; -1 if unknown. */
int signal_from_name(const char *s);
const char *signal_name(int sig);

#endif
