/*
 * troff.c — escaping help texts into man page source (troff.h). The man
 * page of lab (`lab help --man`) is written from the verb table and the
 * scenario tables; these helpers are what keeps any character of those
 * texts literal.
 */
#include "troff.h"

#include <string.h>

void troff_escape(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			fputs("\\e", f);
		else if (s[i] == '-')
			fputs("\\-", f);
		else
			fputc(s[i], f);
	}
}

void troff_line(FILE *f, const char *s, size_t n, int literal)
{
	if (n == 0) {
		if (literal)
			fputs("\\&\n", f);
		return;
	}
	if (s[0] == '.' || s[0] == '\'')
		fputs("\\&", f);
	troff_escape(f, s, n);
	fputc('\n', f);
}

/* Call troff_line on every line of text; skip leading blanks when !literal. */
static void each_line(FILE *f, const char *text, int literal)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *s = p;

		if (!literal)
			while (n && (*s == ' ' || *s == '\t')) {
				s++;
				n--;
			}
		troff_line(f, s, n, literal);
		if (!nl)
			break;
		p = nl + 1;
	}
}

void troff_text(FILE *f, const char *text)
{
	each_line(f, text, 0);
}

void troff_literal(FILE *f, const char *text)
{
	fputs(".nf\n", f);
	each_line(f, text, 1);
	fputs(".fi\n", f);
}
