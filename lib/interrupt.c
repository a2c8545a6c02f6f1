/*
 * interrupt.c — an interrupted run still cleans up: the handlers only set
 * lab_interrupted, and the work loops that poll it stop and run their undo
 * actions. No SA_RESTART, so a blocking call returns EINTR and the loop
 * notices at once; SIGPIPE is ignored so a closed pipe is an error to
 * handle, not a death. See interrupt.h.
 */
#include "interrupt.h"

#include <signal.h>
#include <string.h>

volatile int lab_interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	lab_interrupted = 1;
}

void lab_install_interrupt_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
