/*
 * xalloc.h — allocation that aborts on out-of-memory: lab cannot do
 * anything sensible without memory, and checking every small allocation
 * hides real errors.
 */
#ifndef LAB_XALLOC_H
#define LAB_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
