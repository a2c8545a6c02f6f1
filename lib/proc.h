/*
 * proc.h — what /proc says about a process: its state and its start time
 * (clock ticks since boot), which with the pid names one process for good
 * (a pid alone may be reused).
 */
#ifndef LAB_PROC_H
#define LAB_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* Start time and state letter (R, S, T, Z, ...) of pid; state may be NULL.
 * -1 when there is no such process. */
int proc_stat(pid_t pid, unsigned long long *start, char *state);
/* Start time of a live (not zombie or dead) process; -1 otherwise. */
int proc_start_time(pid_t pid, unsigned long long *start);
/* Dead for the purpose of a power cut: gone, or a zombie whose every thread
 * has exited (a SIGKILLed thread may still be waiting for a FUSE answer,
 * i.e. still writing). Does not reap. */
bool proc_exited(pid_t pid);

#endif
