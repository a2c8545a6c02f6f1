/*
 * troff.h — writing text into a man page (man(7) macros): the escapes that
 * keep a help text's characters from being read as troff requests, for
 * filled paragraphs and for literal (no-fill) blocks.
 */
#ifndef LAB_TROFF_H
#define LAB_TROFF_H

#include <stddef.h>
#include <stdio.h>

/* Write the n bytes of s escaped ('\' as \e, '-' as \-), nothing else:
 * for a word inside a line the caller builds (a .TP tag). */
void troff_escape(FILE *f, const char *s, size_t n);
/* Write the n bytes of s (no newline among them) as one line of troff
 * input: '\' as \e, '-' as \- (so options copy as ASCII hyphen-minus), and
 * \& before a leading '.' or '\'' so the line is never a request. Nothing
 * is written for n == 0 unless literal, which writes \& (an empty line). */
void troff_line(FILE *f, const char *s, size_t n, int literal);
/* A filled paragraph's text: each line of text as troff_line, leading
 * blanks dropped (they would break the line), empty lines skipped. */
void troff_text(FILE *f, const char *text);
/* A literal block: .nf, every line of text as it is (indentation kept),
 * .fi. A final newline of text ends the last line, not a new one. */
void troff_literal(FILE *f, const char *text);

#endif
