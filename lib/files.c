/*
 * files.c — the file-system chores of the harness: creating directory
 * paths, removing trees without following symlinks (a datadir may hold
 * links out of it), reading a whole file and replacing one atomically
 * (temporary file, fsync, rename) so that a crash leaves the old or the new
 * content, never half of it. See files.h.
 */
#include "files.h"
#include "error.h"
#include "strbuf.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t n = lab_strlcpy(tmp, path, sizeof(tmp));

	if (n >= sizeof(tmp)) {
		lab_error("path too long: '%s'", path);
		return -1;
	}
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST) {
			lab_error("cannot create directory '%s': %s", tmp, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST) {
		lab_error("cannot create directory '%s': %s", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

int empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0, n = 0;

	if (!d) {
		lab_error("cannot open directory '%s': %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *child = xasprintf("%s/%s", dir, e->d_name);
		if (remove_tree(child) < 0)
			rc = -1;
		else
			n++;
		free(child);
	}
	closedir(d);
	return rc < 0 ? -1 : n;
}

int remove_tree(const char *path)
{
	struct stat st;
	int rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT) {
			lab_error("cannot remove '%s': %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	rc = empty_dir(path) < 0 ? -1 : 0;
	if (rmdir(path) < 0 && errno != ENOENT) {
		lab_error("cannot remove directory '%s': %s", path, strerror(errno));
		return -1;
	}
	return rc;
}

char *read_file(const char *path, size_t *len)
{
	struct strbuf sb = {0};
	char buf[65536];
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		lab_error("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		sb_add(&sb, buf, (size_t)r);
	if (r < 0) {
		lab_error("cannot read '%s': %s", path, strerror(errno));
		close(fd);
		sb_release(&sb);
		return NULL;
	}
	close(fd);
	if (len)
		*len = sb.len;
	return sb_detach(&sb);
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t off = 0;

	if (fd < 0) {
		lab_error("cannot create '%s': %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	fchmod(fd, mode);
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			lab_error("cannot write '%s': %s", tmp, strerror(errno));
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0) {
		lab_error("cannot fsync '%s': %s", tmp, strerror(errno));
		goto fail;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		lab_error("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
fail:
	close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}
