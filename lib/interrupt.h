/*
 * interrupt.h — winding down on SIGINT/SIGTERM/SIGHUP.
 */
#ifndef LAB_INTERRUPT_H
#define LAB_INTERRUPT_H

/* Set by the signal handlers of long-running verbs (run, workload): work
 * loops poll it and wind down, running their undo actions. */
extern volatile int lab_interrupted;
/* Install SIGINT/SIGTERM handlers that set lab_interrupted (no SA_RESTART,
 * so blocking calls return EINTR). */
void lab_install_interrupt_handlers(void);

#endif
