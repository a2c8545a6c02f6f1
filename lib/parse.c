/*
 * parse.c — strict parsing of whole decimal numbers in a range and of
 * durations with a unit: the whole string must be used, leading blanks and
 * signs where they make no sense are refused, so "10x" or " 5" is an error
 * rather than 10 or 5. See parse.h.
 */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_duration_ms(const char *s, int64_t *ms)
{
	char *end;
	double v;
	double mult;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	if (!*end || !strcmp(end, "s"))
		mult = 1000;
	else if (!strcmp(end, "ms"))
		mult = 1;
	else if (!strcmp(end, "m"))
		mult = 60000;
	else if (!strcmp(end, "h"))
		mult = 3600000;
	else
		return -1;
	if (v * mult > (double)INT64_MAX / 2)
		return -1;
	*ms = (int64_t)(v * mult + 0.5);
	return 0;
}

int parse_fraction(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !(v >= 0.0 && v <= 1.0))
		return -1;
	*out = v;
	return 0;
}

int parse_range_split(const char *s, char *lo, size_t size, const char **hi)
{
	const char *dots = s ? strstr(s, "..") : NULL;
	size_t n;

	if (!s)
		return -1;
	n = dots ? (size_t)(dots - s) : strlen(s);
	if (n >= size)
		return -1;
	memcpy(lo, s, n);
	lo[n] = '\0';
	*hi = dots ? dots + 2 : lo;
	return 0;
}
