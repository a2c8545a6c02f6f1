/*
 * proc.c — /proc/PID/stat, read for proc.h: the state letter (field 3)
 * and the start time (field 22), counted after the command name's closing
 * parenthesis (the name may hold spaces and parentheses).
 */
#include "proc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int proc_stat(pid_t pid, unsigned long long *start, char *state)
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
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		field++;
		if (field == 3 && state)
			*state = *p;
		if (field == 22) {
			char *end;
			*start = strtoull(p, &end, 10);
			return end == p ? -1 : 0;
		}
		p += strcspn(p, " ");
	}
	return -1;
}

int proc_start_time(pid_t pid, unsigned long long *start)
{
	char state = '?';

	if (proc_stat(pid, start, &state) < 0 || state == 'Z' || state == 'X')
		return -1; /* gone, or dead and not yet reaped */
	return 0;
}

bool proc_exited(pid_t pid)
{
	unsigned long long s;
	char st = '?', path[64];
	DIR *dir;
	struct dirent *de;
	int threads = 0;

	if (proc_stat(pid, &s, &st) < 0)
		return true;
	if (st != 'Z' && st != 'X')
		return false;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return true;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			threads++;
	closedir(dir);
	return threads <= 1;
}
