/*
 * words.h — the nearest word, for "did you mean 'timeout'?".
 */
#ifndef LAB_WORDS_H
#define LAB_WORDS_H

#include <stddef.h>

/* Edit distance (Levenshtein), for "did you mean". */
size_t edit_distance(const char *a, const char *b);
/* The candidate nearest to word, or NULL when none is near enough. */
const char *nearest_word(const char *word, const char *const *candidates, size_t n);

#endif
