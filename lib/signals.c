/*
 * signals.c — signal names both ways: a scenario writes "KILL", "SIGTERM"
 * or a number (any case, "SIG" optional), and reports print the short name
 * back. See signals.h.
 */
#include "signals.h"
#include "base.h"
#include "parse.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

const struct signal_entry signals[SIGNAL_NAMES] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },
	{ "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
};

int signal_from_name(const char *s)
{
	int64_t n;

	if (parse_int64(s, 1, 64, &n) == 0)
		return (int)n;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (!strcasecmp(s, signals[i].name))
			return signals[i].sig;
	return -1;
}

const char *signal_name(int sig)
{
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	return "?";
}
