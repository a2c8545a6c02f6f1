/*
 * parse.h — numbers and durations from text (command line, YAML, SQL
 * answers). No error is printed: callers name the field that was wrong.
 */
#ifndef LAB_PARSE_H
#define LAB_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Parse a duration "250ms", "10s", "2m", "1h" (a bare number is seconds).
 * Returns 0 and *ms, or -1 (no error printed: callers name the field). */
int parse_duration_ms(const char *s, int64_t *ms);
/* Parse a whole decimal number in [min, max]; -1 if not. No error printed. */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* A fraction in [0, 1] (no NaN, no trailing text); -1 if not. */
int parse_fraction(const char *s, double *out);
/* "LO..HI" or a single "V" (then HI is V too): the text of each bound, for
 * the caller's own parser. lo gets a copy of the first (at most size - 1
 * bytes), *hi points into s. -1 when s is NULL or the first is too long. */
int parse_range_split(const char *s, char *lo, size_t size, const char **hi);

#endif
