/*
 * cluster_lock.h — one lab process at a time per state directory.
 *
 * STATE/lock is flock()ed (LOCK_EX) by the process that works on the
 * cluster and holds one line naming it:
 *
 *   pid 4242 start 918273 owner 1 since 1796000000 cmd lab run x.yaml
 *
 * start is the process's start time in clock ticks (field 22 of
 * /proc/PID/stat), so a recycled pid is never taken for the holder. owner 1
 * marks a process that owns the cluster's life (`lab run`, `lab cluster
 * up|down`): it clears the line when it ends normally, so a line with
 * owner 1 found by a process that got the lock is the record of an owner
 * that died (SIGKILL, a CI timeout) and left its cluster behind. Short
 * operations by hand (`lab cluster kill 2`) take the lock too, so that
 * they cannot rewrite the state file under a running owner; they leave a
 * dead owner's record in place for the next owner to clean up after.
 */
#ifndef LAB_CLUSTER_LOCK_H
#define LAB_CLUSTER_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct lock_holder {
	pid_t pid;                 /* 0: no record */
	unsigned long long start;  /* clock ticks since boot */
	bool owner;
	double since;              /* Unix seconds */
	char cmd[128];             /* its command line, for messages */
};

/* Parse / format the record line (pure; for tests). parse: 0, or -1 when
 * text is not a record (h->pid is then 0). format: malloc'd. */
int lock_record_parse(const char *text, struct lock_holder *h);
char *lock_record_format(const struct lock_holder *h);
/* Start time of pid from /proc/PID/stat: 0, or -1 when it is gone. */
int proc_start_time(pid_t pid, unsigned long long *start);
/* True when h names a process that is still the one that wrote it. */
bool lock_holder_alive(const struct lock_holder *h);

/*
 * Take STATE/lock (the directory must exist) without waiting. On success
 * returns the fd (close-on-exec) and, in *dead, the record of an owner
 * that died holding the cluster (dead->pid 0 when there is none); writes
 * this process's record unless it is short and a dead owner's record must
 * stay (*wrote says which). When another process holds the lock: reports "cluster 'NAME' is in
 * use by lab pid N (...)" and returns -1.
 */
int cluster_lock_take(const char *state_dir, const char *name, bool owner, struct lock_holder *dead,
		      bool *wrote);
/* Without taking the lock (readers): the record of an owner that died
 * holding the cluster, in *dead (dead->pid 0 when there is none). */
void cluster_lock_peek_dead(const char *state_dir, struct lock_holder *dead);
/* Clear this process's record (when it wrote one) and unlock. fd < 0: nothing. */
void cluster_lock_drop(int fd, bool wrote);

#endif
