/*
 * timeutil.h — clocks, sleeping and UTC timestamps.
 */
#ifndef LAB_TIMEUTIL_H
#define LAB_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

int64_t mono_ns(void);      /* CLOCK_MONOTONIC */
double wall_seconds(void);  /* CLOCK_REALTIME, Unix seconds */
/* Sleep ms milliseconds; returns early once lab_interrupted is set. */
void sleep_ms(int64_t ms);
/* "2026-11-21T06:40:12Z" for a Unix time. */
void format_utc(double unix_seconds, char *buf, size_t size);

#endif
