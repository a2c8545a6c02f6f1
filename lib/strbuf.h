/*
 * strbuf.h — growable NUL-terminated strings, and a bounded copy for
 * fixed-size buffers.
 */
#ifndef LAB_STRBUF_H
#define LAB_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/* Growable NUL-terminated string. Zero-initialise ({0}) before use. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_reset(struct strbuf *sb);
void sb_release(struct strbuf *sb);
/* Hands the buffer to the caller (never NULL) and resets sb. */
char *sb_detach(struct strbuf *sb);

/* Copy with truncation, always NUL-terminated; returns strlen(src). */
size_t lab_strlcpy(char *dst, const char *src, size_t size);

#endif
