/*
 * cluster_lock.c — the state directory's lock and the record of who holds
 * it (cluster_lock.h): a second `lab run` of the same name is refused with
 * the holder's pid instead of tearing down the first one's cluster, and an
 * owner that died is recognised by its pid and start time.
 */
#include "cluster_lock.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int lock_record_parse(const char *text, struct lock_holder *h)
{
	int64_t v;
	char word[32], num[32];
	const char *p = text;

	memset(h, 0, sizeof(*h));
	/* "key value" pairs; cmd takes the rest of the line. */
	while (p && *p && *p != '\n') {
		size_t n = strcspn(p, " \n");
		if (n == 0 || n >= sizeof(word))
			goto bad;
		memcpy(word, p, n);
		word[n] = '\0';
		p += n;
		if (*p != ' ')
			goto bad;
		p++;
		if (!strcmp(word, "cmd")) {
			n = strcspn(p, "\n");
			if (n >= sizeof(h->cmd))
				n = sizeof(h->cmd) - 1;
			memcpy(h->cmd, p, n);
			h->cmd[n] = '\0';
			break;
		}
		n = strcspn(p, " \n");
		if (n == 0 || n >= sizeof(num))
			goto bad;
		memcpy(num, p, n);
		num[n] = '\0';
		p += n;
		if (*p == ' ')
			p++;
		if (parse_int64(num, 0, INT64_MAX, &v) < 0)
			goto bad;
		if (!strcmp(word, "pid")) {
			if (v < 2 || v > INT32_MAX)
				goto bad;
			h->pid = (pid_t)v;
		} else if (!strcmp(word, "start")) {
			h->start = (unsigned long long)v;
		} else if (!strcmp(word, "owner")) {
			h->owner = v != 0;
		} else if (!strcmp(word, "since")) {
			h->since = (double)v;
		} /* unknown keys: a newer lab wrote it */
	}
	if (h->pid == 0)
		goto bad;
	return 0;
bad:
	memset(h, 0, sizeof(*h));
	return -1;
}

char *lock_record_format(const struct lock_holder *h)
{
	return xasprintf("pid %d start %llu owner %d since %.0f cmd %s\n", (int)h->pid, h->start, h->owner ? 1 : 0,
			 h->since, h->cmd);
}

int proc_start_time(pid_t pid, unsigned long long *start)
{
	char path[64], buf[1024];
	const char *p;
	FILE *f;
	int field = 2;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
	if (!p)
		return -1;
	p++;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		field++;
		if (field == 3 && (*p == 'Z' || *p == 'X'))
			return -1; /* dead, not yet reaped */
		if (field == 22) {
			char *end;
			*start = strtoull(p, &end, 10);
			return end == p ? -1 : 0;
		}
		p += strcspn(p, " ");
	}
	return -1;
}

bool lock_holder_alive(const struct lock_holder *h)
{
	unsigned long long s;

	if (h->pid <= 1 || proc_start_time(h->pid, &s) < 0)
		return false;
	return s == h->start;
}

/* The first words of our command line, for the record. */
static void own_cmd(char *buf, size_t size)
{
	char raw[512];
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, raw, sizeof(raw) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		lab_strlcpy(buf, "lab", size);
		return;
	}
	raw[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (raw[i] == '\0' || raw[i] == '\n')
			raw[i] = ' ';
	while (n > 0 && raw[n - 1] == ' ')
		raw[--n] = '\0';
	/* argv[0] as "lab", whatever path it was run by */
	{
		const char *args = strchr(raw, ' ');
		snprintf(buf, size, "lab%s", args ? args : "");
	}
}

static char *read_record(int fd)
{
	char buf[512];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

static int write_record(int fd, const char *path, const struct lock_holder *h)
{
	char *text = lock_record_format(h);
	size_t n = strlen(text);
	int rc = 0;

	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, n, 0) != (ssize_t)n) {
		lab_error("cannot write '%s': %s", path, strerror(errno));
		rc = -1;
	}
	free(text);
	return rc;
}

int cluster_lock_take(const char *state_dir, const char *name, bool owner, struct lock_holder *dead,
		      bool *wrote)
{
	char *path = xasprintf("%s/lock", state_dir);
	struct lock_holder old, me;
	char *text;
	int fd;

	memset(dead, 0, sizeof(*dead));
	*wrote = false;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		lab_error("cannot open the lock '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		text = read_record(fd);
		if (e != EWOULDBLOCK) {
			lab_error("cannot lock '%s': %s", path, strerror(e));
		} else if (text && lock_record_parse(text, &old) == 0) {
			char when[32];
			format_utc(old.since, when, sizeof(when));
			lab_error("cluster '%s' is in use by lab pid %d ('%s', since %s): wait for it to end, or stop it (kill %d)",
				  name, (int)old.pid, old.cmd, when, (int)old.pid);
		} else {
			lab_error("cluster '%s' is in use by another lab process (lock '%s' is held)", name, path);
		}
		free(text);
		close(fd);
		free(path);
		return -1;
	}
	text = read_record(fd);
	if (text && lock_record_parse(text, &old) == 0 && old.owner && old.pid != getpid() &&
	    !lock_holder_alive(&old))
		*dead = old;
	free(text);
	if (dead->pid && !owner) {
		/* Leave the dead owner's record for the next owner. */
		free(path);
		return fd;
	}
	memset(&me, 0, sizeof(me));
	me.pid = getpid();
	if (proc_start_time(me.pid, &me.start) < 0)
		me.start = 0;
	me.owner = owner;
	me.since = wall_seconds();
	own_cmd(me.cmd, sizeof(me.cmd));
	if (write_record(fd, path, &me) < 0) {
		close(fd);
		free(path);
		return -1;
	}
	*wrote = true;
	free(path);
	return fd;
}

void cluster_lock_peek_dead(const char *state_dir, struct lock_holder *dead)
{
	char *path = xasprintf("%s/lock", state_dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *text = fd >= 0 ? read_record(fd) : NULL;

	memset(dead, 0, sizeof(*dead));
	if (text && lock_record_parse(text, dead) == 0 && (!dead->owner || lock_holder_alive(dead)))
		memset(dead, 0, sizeof(*dead));
	if (fd >= 0)
		close(fd);
	free(text);
	free(path);
}

void cluster_lock_drop(int fd, bool wrote)
{
	if (fd < 0)
		return;
	if (wrote && ftruncate(fd, 0) < 0)
		lab_debug("cannot clear the lock record: %s", strerror(errno));
	close(fd); /* the flock goes with the last descriptor */
}
