/*
 * files.h — directories and whole files.
 */
#ifndef LAB_FILES_H
#define LAB_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

int mkdir_p(const char *path, mode_t mode);
/* rm -r without following symlinks; ENOENT is success. */
int remove_tree(const char *path);
/* Remove everything inside dir, not dir itself (it may be a mount's root):
 * the number of entries removed, or -1 (reported) if any could not be. */
int empty_dir(const char *dir);
/* Read a whole file (NUL-terminated); NULL on error (reported). */
char *read_file(const char *path, size_t *len);
/* Write atomically (temp file, fsync, rename) with the given mode. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode);
bool path_exists(const char *path);

#endif
