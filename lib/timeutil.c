/*
 * timeutil.c — the two clocks lab uses (monotonic nanoseconds for deadlines
 * and durations, wall-clock seconds for what is recorded), a sleep that an
 * interrupt cuts short, and the ISO 8601 UTC form of timestamps written to
 * results. See timeutil.h.
 */
#include "timeutil.h"
#include "interrupt.h"

#include <errno.h>
#include <time.h>

int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double wall_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR && !lab_interrupted)
		;
}

void format_utc(double unix_seconds, char *buf, size_t size)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
