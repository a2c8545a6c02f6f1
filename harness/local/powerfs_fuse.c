/*
 * powerfs_fuse.c — the power-loss filesystem daemon (`lab _powerfs`): a
 * libfuse3 passthrough over a backing directory that keeps writes apart
 * until they are made durable, and a control socket through which the local
 * backend switches the cache mode and cuts the power.
 *
 * Data: each backing inode that is open or has pending writes has one
 * struct pfs_inode (keyed by st_dev/st_ino, so hard links and renames keep
 * their state) holding the page map of powerfs_map.c and one O_RDWR fd on
 * the backing file. O_DIRECT is stripped (FUSE buffers are not aligned).
 *
 * Metadata: creations (create, mknod, mkdir, symlink, link), removals
 * (unlink, rmdir) and renames are done on the backing directory at once but
 * recorded in an undo log; a removed file is moved into BACKING/.powerfs/
 * (hidden from the mount) instead of being deleted. Any honoured fsync,
 * fdatasync or fsyncdir commits the whole log (ext4's journal commits
 * every earlier metadata change with any fsync); a power cut undoes the
 * uncommitted entries in reverse order. chmod, chown, utimens and xattrs
 * are applied at once and are durable at once.
 *
 * Locking: cut_lock (rwlock) is read-held by every filesystem operation and
 * write-held by a power cut; files_mutex guards the inode table and is
 * taken before an inode's mutex, never after; meta_mutex guards the log.
 *
 * Kernel caches: entry/attr timeouts are 0, kernel_cache is off (the page
 * cache of a file is dropped at each open) and auto_inval_data is off, so
 * after a cut (whose callers killed every user first) nothing stale is
 * served. sync_file_range(2) never reaches a FUSE filesystem (the kernel
 * has no such request), so it makes nothing durable here.
 */
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 14)
#include <fuse.h>

#include "powerfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <unistd.h>

/* One backing inode with state. */
struct pfs_inode {
	dev_t dev;
	ino_t ino;
	int opens;               /* open handles (files_mutex) */
	char *path;              /* last path it was opened by (trace, order) */
	pthread_mutex_t lock;    /* guards map */
	struct pf_file map;
	struct pfs_inode *next;  /* hash chain (files_mutex) */
};

struct pfs_handle {
	struct pfs_inode *inode;
	bool sync_writes; /* opened O_SYNC / O_DSYNC */
	pid_t opener;     /* the process (thread group) that opened it */
	uint64_t epoch;   /* S.cuts when it was opened */
};

enum meta_kind { META_CREATE, META_MKDIR, META_REMOVE, META_RMDIR, META_RENAME, META_EXCHANGE };

struct meta_op {
	enum meta_kind kind;
	char *path;     /* the created / removed / renamed-from path */
	char *path2;    /* rename target */
	char *trash;    /* name in .powerfs/ of what was removed or replaced */
	bool trash_dir;
	mode_t mode;    /* rmdir: to recreate */
	uid_t uid;
	gid_t gid;
};

#define NBUCKETS 4096

static struct {
	int rootfd, privfd;
	char *mountpoint;
	atomic_int mode;
	bool real_sync;
	uint64_t max_pending;
	int64_t flush_interval_ms;
	pthread_rwlock_t cut_lock;
	pthread_mutex_t files_mutex;
	struct pfs_inode *buckets[NBUCKETS];
	pthread_mutex_t meta_mutex;
	struct meta_op *meta;
	size_t nmeta, meta_cap;
	uint64_t trash_seq;
	atomic_uint_fast64_t pending_bytes, writes, fsyncs, fsyncs_ignored, natural_flushes, cuts,
		meta_commits, stale_writes;
	struct fuse *fuse;
	int sock;
	int stop_pipe[2];
	volatile sig_atomic_t stopping;
	bool host_mount;
	atomic_bool loop_done;
	const char *socket_path;
} S = { .rootfd = -1, .privfd = -1, .sock = -1, .stop_pipe = { -1, -1 } };

static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/* The daemon's own directory and nothing under it is visible. */
static bool hidden(const char *path)
{
	size_t n = strlen(POWERFS_PRIVATE_DIR);
	const char *r = rel(path);

	return !strncmp(r, POWERFS_PRIVATE_DIR, n) && (r[n] == '\0' || r[n] == '/');
}

static bool honoured(void)
{
	return atomic_load(&S.mode) != POWERFS_UNSAFE;
}

static bool write_through(void)
{
	int m = atomic_load(&S.mode);

	return m == POWERFS_WRITETHROUGH || m == POWERFS_DIRECTSYNC;
}

/* ---- inode table ---- */

static size_t bucket_of(dev_t dev, ino_t ino)
{
	return (size_t)(((uint64_t)ino * 0x9E3779B97F4A7C15ull) ^ (uint64_t)dev) % NBUCKETS;
}

/* Find or create the state of the file open on fd (which is consumed: kept
 * by a new inode, closed if one existed). opens is incremented when
 * open_ref. NULL with *err set on failure. files_mutex must not be held. */
static struct pfs_inode *inode_get(int fd, const char *path, bool open_ref, int *err)
{
	struct stat st;
	struct pfs_inode *in;
	size_t b;

	if (fstat(fd, &st) < 0) {
		*err = -errno;
		close(fd);
		return NULL;
	}
	b = bucket_of(st.st_dev, st.st_ino);
	pthread_mutex_lock(&S.files_mutex);
	for (in = S.buckets[b]; in; in = in->next)
		if (in->dev == st.st_dev && in->ino == st.st_ino)
			break;
	if (in) {
		close(fd);
		if (path && (!in->path || strcmp(in->path, path))) {
			free(in->path);
			in->path = xstrdup(path);
		}
	} else {
		in = xcalloc(1, sizeof(*in));
		in->dev = st.st_dev;
		in->ino = st.st_ino;
		in->path = xstrdup(path ? path : "?");
		pthread_mutex_init(&in->lock, NULL);
		if (pf_file_init(&in->map, fd) < 0) {
			pthread_mutex_unlock(&S.files_mutex);
			*err = -EIO;
			close(fd);
			free(in->path);
			free(in);
			return NULL;
		}
		in->next = S.buckets[b];
		S.buckets[b] = in;
	}
	if (open_ref)
		in->opens++;
	pthread_mutex_unlock(&S.files_mutex);
	return in;
}

/* Free the inode if it has no opens and nothing pending. files_mutex held. */
static void inode_maybe_drop_locked(struct pfs_inode *in)
{
	struct pfs_inode **pp;
	bool pending;

	if (in->opens > 0)
		return;
	pthread_mutex_lock(&in->lock);
	pending = pf_has_pending(&in->map);
	pthread_mutex_unlock(&in->lock);
	if (pending)
		return;
	for (pp = &S.buckets[bucket_of(in->dev, in->ino)]; *pp; pp = &(*pp)->next) {
		if (*pp == in) {
			*pp = in->next;
			break;
		}
	}
	pf_file_release(&in->map);
	close(in->map.fd);
	pthread_mutex_destroy(&in->lock);
	free(in->path);
	free(in);
}

static void inode_unref(struct pfs_inode *in)
{
	pthread_mutex_lock(&S.files_mutex);
	in->opens--;
	inode_maybe_drop_locked(in);
	pthread_mutex_unlock(&S.files_mutex);
}

/* The logical size of an inode with state (false: no state). The inode
 * may be freed as soon as files_mutex is released, so everything is done
 * under it. */
static bool inode_size(dev_t dev, ino_t ino, uint64_t *size)
{
	struct pfs_inode *in;

	pthread_mutex_lock(&S.files_mutex);
	for (in = S.buckets[bucket_of(dev, ino)]; in; in = in->next)
		if (in->dev == dev && in->ino == ino)
			break;
	if (in) {
		pthread_mutex_lock(&in->lock);
		*size = in->map.size;
		pthread_mutex_unlock(&in->lock);
	}
	pthread_mutex_unlock(&S.files_mutex);
	return in != NULL;
}

/* A renamed file's state follows it (for the trace's names). */
static void inode_rename(dev_t dev, ino_t ino, const char *path)
{
	struct pfs_inode *in;

	pthread_mutex_lock(&S.files_mutex);
	for (in = S.buckets[bucket_of(dev, ino)]; in; in = in->next)
		if (in->dev == dev && in->ino == ino) {
			free(in->path);
			in->path = xstrdup(path);
			break;
		}
	pthread_mutex_unlock(&S.files_mutex);
}

/* Run fn under the inode's lock, keeping the global pending count right. */
static void account(struct pfs_inode *in, uint64_t before)
{
	uint64_t after = pf_pending_bytes(&in->map);

	if (after >= before)
		atomic_fetch_add(&S.pending_bytes, after - before);
	else
		atomic_fetch_sub(&S.pending_bytes, before - after);
}

static int apply_inode(struct pfs_inode *in, bool datasync)
{
	uint64_t before;
	int rc;

	pthread_mutex_lock(&in->lock);
	before = pf_pending_bytes(&in->map);
	rc = pf_apply(&in->map);
	account(in, before);
	pthread_mutex_unlock(&in->lock);
	/* The real sync runs without the file's lock, so that writes and
	 * reads of the file go on meanwhile (the caller holds a reference). */
	if (rc == 0 && S.real_sync)
		rc = (datasync ? fdatasync(in->map.fd) : fsync(in->map.fd)) < 0 ? -errno : 0;
	return rc;
}

/* ---- metadata undo log ---- */

static void meta_commit(void);

/* Record a metadata change. In a write-through mode it is durable at once
 * (the log is committed right away). */
static void meta_add(struct meta_op op)
{
	pthread_mutex_lock(&S.meta_mutex);
	if (S.nmeta == S.meta_cap) {
		S.meta_cap = S.meta_cap ? S.meta_cap * 2 : 64;
		S.meta = xrealloc(S.meta, S.meta_cap * sizeof(*S.meta));
	}
	S.meta[S.nmeta++] = op;
	pthread_mutex_unlock(&S.meta_mutex);
	if (write_through())
		meta_commit();
}

static void meta_free(struct meta_op *op)
{
	free(op->path);
	free(op->path2);
	free(op->trash);
}

/* A fresh name in .powerfs/ for something removed. */
static char *trash_name(void)
{
	uint64_t n;

	pthread_mutex_lock(&S.meta_mutex);
	n = ++S.trash_seq;
	pthread_mutex_unlock(&S.meta_mutex);
	return xasprintf("t%llu", (unsigned long long)n);
}

/* The log becomes durable: what was removed is really deleted. */
static void meta_commit(void)
{
	pthread_mutex_lock(&S.meta_mutex);
	for (size_t i = 0; i < S.nmeta; i++) {
		if (S.meta[i].trash)
			unlinkat(S.privfd, S.meta[i].trash, S.meta[i].trash_dir ? AT_REMOVEDIR : 0);
		meta_free(&S.meta[i]);
	}
	if (S.nmeta)
		atomic_fetch_add(&S.meta_commits, 1);
	S.nmeta = 0;
	pthread_mutex_unlock(&S.meta_mutex);
}

static void trace_err(struct strbuf *tr, const char *what, const char *path)
{
	if (tr)
		sb_printf(tr, "error %s '%s': %s\n", what, path, strerror(errno));
}

/* Power cut: undo the log, newest first. cut_lock write-held. */
static size_t meta_undo(struct strbuf *tr)
{
	size_t n;

	pthread_mutex_lock(&S.meta_mutex);
	n = S.nmeta;
	for (size_t k = S.nmeta; k-- > 0;) {
		struct meta_op *op = &S.meta[k];

		switch (op->kind) {
		case META_CREATE:
			if (unlinkat(S.rootfd, op->path, 0) < 0)
				trace_err(tr, "undo create", op->path);
			if (tr)
				sb_printf(tr, "meta undo create %s\n", op->path);
			break;
		case META_MKDIR:
			if (unlinkat(S.rootfd, op->path, AT_REMOVEDIR) < 0)
				trace_err(tr, "undo mkdir", op->path);
			if (tr)
				sb_printf(tr, "meta undo mkdir %s\n", op->path);
			break;
		case META_REMOVE:
			if (renameat(S.privfd, op->trash, S.rootfd, op->path) < 0)
				trace_err(tr, "undo unlink", op->path);
			if (tr)
				sb_printf(tr, "meta undo unlink %s\n", op->path);
			break;
		case META_RMDIR:
			if (mkdirat(S.rootfd, op->path, op->mode & 07777) < 0 ||
			    fchownat(S.rootfd, op->path, op->uid, op->gid, AT_SYMLINK_NOFOLLOW) < 0)
				trace_err(tr, "undo rmdir", op->path);
			if (tr)
				sb_printf(tr, "meta undo rmdir %s\n", op->path);
			break;
		case META_RENAME:
			if (renameat(S.rootfd, op->path2, S.rootfd, op->path) < 0)
				trace_err(tr, "undo rename", op->path2);
			if (op->trash && renameat(S.privfd, op->trash, S.rootfd, op->path2) < 0)
				trace_err(tr, "undo rename target", op->path2);
			if (tr)
				sb_printf(tr, "meta undo rename %s -> %s%s\n", op->path, op->path2,
					  op->trash ? " (replaced target restored)" : "");
			break;
		case META_EXCHANGE:
			if (renameat2(S.rootfd, op->path, S.rootfd, op->path2, RENAME_EXCHANGE) < 0)
				trace_err(tr, "undo exchange", op->path);
			if (tr)
				sb_printf(tr, "meta undo exchange %s <-> %s\n", op->path, op->path2);
			break;
		}
		meta_free(op);
	}
	S.nmeta = 0;
	pthread_mutex_unlock(&S.meta_mutex);
	return n;
}

/* ---- flushing ---- */

/* Natural flush: apply every file and commit the log (the host's page
 * cache written back on its own). cut_lock read-held; no inode lock held. */
static void flush_all(void)
{
	pthread_mutex_lock(&S.files_mutex);
	for (size_t b = 0; b < NBUCKETS; b++) {
		struct pfs_inode *in = S.buckets[b], *next;

		for (; in; in = next) {
			next = in->next;
			apply_inode(in, false);
			inode_maybe_drop_locked(in);
		}
	}
	pthread_mutex_unlock(&S.files_mutex);
	meta_commit();
	atomic_fetch_add(&S.natural_flushes, 1);
}

/* ---- filesystem operations ---- */

static void *pfs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->kernel_cache = 0;
	cfg->auto_cache = 0;
	cfg->hard_remove = 1;
	cfg->nullpath_ok = 1;
	cfg->use_ino = 1;
	return NULL;
}

static int pfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	if (fi) {
		struct pfs_handle *h = (struct pfs_handle *)(uintptr_t)fi->fh;

		if (fstat(h->inode->map.fd, st) < 0)
			return -errno;
	} else {
		if (hidden(path))
			return -ENOENT;
		if (fstatat(S.rootfd, rel(path), st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0)
			return -errno;
	}
	if (S_ISREG(st->st_mode)) {
		uint64_t size;

		pthread_rwlock_rdlock(&S.cut_lock);
		if (inode_size(st->st_dev, st->st_ino, &size))
			st->st_size = (off_t)size;
		pthread_rwlock_unlock(&S.cut_lock);
	}
	return 0;
}

static int pfs_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n;

	if (size == 0)
		return -EINVAL;
	n = readlinkat(S.rootfd, rel(path), buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int pfs_opendir(const char *path, struct fuse_file_info *fi)
{
	int fd;

	if (hidden(path))
		return -ENOENT;
	fd = openat(S.rootfd, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int pfs_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

static int pfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
		       struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	int fd;
	DIR *d;
	struct dirent *de;
	struct stat r, me;
	bool root;

	(void)path;
	(void)offset;
	(void)flags;
	/* Only the root directory hides the daemon's own directory. */
	root = fstat(S.rootfd, &r) == 0 && fstat((int)fi->fh, &me) == 0 &&
	       r.st_dev == me.st_dev && r.st_ino == me.st_ino;
	fd = dup((int)fi->fh);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		struct stat st;

		if (root && !strcmp(de->d_name, POWERFS_PRIVATE_DIR))
			continue;
		memset(&st, 0, sizeof(st));
		st.st_ino = de->d_ino;
		st.st_mode = (mode_t)(de->d_type << 12);
		if (filler(buf, de->d_name, &st, 0, 0))
			break;
	}
	closedir(d);
	return 0;
}

static void own(const char *r)
{
	struct fuse_context *ctx = fuse_get_context();

	if (fchownat(S.rootfd, r, ctx->uid, ctx->gid, AT_SYMLINK_NOFOLLOW) < 0)
		(void)0; /* as root this only fails when the file is gone again */
}

static int pfs_mknod(const char *path, mode_t mode, dev_t rdev)
{
	const char *r = rel(path);
	int rc = 0;

	if (hidden(path))
		return -EPERM;
	pthread_rwlock_rdlock(&S.cut_lock);
	if (mknodat(S.rootfd, r, mode, rdev) < 0) {
		rc = -errno;
	} else {
		own(r);
		meta_add((struct meta_op){ .kind = META_CREATE, .path = xstrdup(r) });
	}
	pthread_rwlock_unlock(&S.cut_lock);
	return rc;
}

static int pfs_mkdir(const char *path, mode_t mode)
{
	const char *r = rel(path);
	int rc = 0;

	if (hidden(path))
		return -EPERM;
	pthread_rwlock_rdlock(&S.cut_lock);
	if (mkdirat(S.rootfd, r, mode) < 0) {
		rc = -errno;
	} else {
		own(r);
		meta_add((struct meta_op){ .kind = META_MKDIR, .path = xstrdup(r) });
	}
	pthread_rwlock_unlock(&S.cut_lock);
	return rc;
}

static int pfs_symlink(const char *target, const char *path)
{
	const char *r = rel(path);
	int rc = 0;

	if (hidden(path))
		return -EPERM;
	pthread_rwlock_rdlock(&S.cut_lock);
	if (symlinkat(target, S.rootfd, r) < 0) {
		rc = -errno;
	} else {
		own(r);
		meta_add((struct meta_op){ .kind = META_CREATE, .path = xstrdup(r) });
	}
	pthread_rwlock_unlock(&S.cut_lock);
	return rc;
}

static int pfs_link(const char *from, const char *to)
{
	int rc = 0;

	if (hidden(from) || hidden(to))
		return -EPERM;
	pthread_rwlock_rdlock(&S.cut_lock);
	if (linkat(S.rootfd, rel(from), S.rootfd, rel(to), 0) < 0)
		rc = -errno;
	else
		meta_add((struct meta_op){ .kind = META_CREATE, .path = xstrdup(rel(to)) });
	pthread_rwlock_unlock(&S.cut_lock);
	return rc;
}

static int pfs_unlink(const char *path)
{
	const char *r = rel(path);
	char *t;
	int rc = 0;

	if (hidden(path))
		return -ENOENT;
	pthread_rwlock_rdlock(&S.cut_lock);
	t = trash_name();
	if (renameat(S.rootfd, r, S.privfd, t) < 0) {
		rc = -errno;
		free(t);
	} else {
		meta_add((struct meta_op){ .kind = META_REMOVE, .path = xstrdup(r), .trash = t });
	}
	pthread_rwlock_unlock(&S.cut_lock);
	return rc;
}

static int pfs_rmdir(const char *path)
{
	const char *r = rel(path);
	struct stat st;
	int rc = 0;

	if (hidden(path))
		return -ENOENT;
	pthread_rwlock_rdlock(&S.cut_lock);
	if (fstatat(S.rootfd, r, &st, AT_SYMLINK_NOFOLLOW) < 0 || unlinkat(S.rootfd, r, AT_REMOVEDIR) < 0)
		rc = -errno;
	else
		meta_add((struct meta_op){ .kind = META_RMDIR, .path = xstrdup(r), .mode = st.st_mode,
					   .uid = st.st_uid, .gid = st.st_gid });
	pthread_rwlock_unlock(&S.cut_lock);
	return rc;
}

static bool dir_empty(const char *r)
{
	int fd = openat(S.rootfd, r, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	bool empty = true;

	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

static int pfs_rename(const char *from, const char *to, unsigned int flags)
{
	const char *rf = rel(from), *rt = rel(to);
	struct stat sf, st;
	char *t = NULL;
	int rc = 0;

	if (hidden(from) || hidden(to))
		return -EPERM;
	pthread_rwlock_rdlock(&S.cut_lock);
	if (flags & RENAME_EXCHANGE) {
		if (renameat2(S.rootfd, rf, S.rootfd, rt, RENAME_EXCHANGE) < 0)
			rc = -errno;
		else
			meta_add((struct meta_op){ .kind = META_EXCHANGE, .path = xstrdup(rf), .path2 = xstrdup(rt) });
		goto out;
	}
	if (fstatat(S.rootfd, rf, &sf, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = -errno;
		goto out;
	}
	if (fstatat(S.rootfd, rt, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (flags & RENAME_NOREPLACE) {
			rc = -EEXIST;
			goto out;
		}
		if (sf.st_dev == st.st_dev && sf.st_ino == st.st_ino)
			goto out; /* same file: rename does nothing */
		if (S_ISDIR(st.st_mode) && !S_ISDIR(sf.st_mode)) {
			rc = -EISDIR;
			goto out;
		}
		if (!S_ISDIR(st.st_mode) && S_ISDIR(sf.st_mode)) {
			rc = -ENOTDIR;
			goto out;
		}
		if (S_ISDIR(st.st_mode) && !dir_empty(rt)) {
			rc = -ENOTEMPTY;
			goto out;
		}
		t = trash_name();
		if (renameat(S.rootfd, rt, S.privfd, t) < 0) {
			rc = -errno;
			free(t);
			goto out;
		}
	}
	if (renameat(S.rootfd, rf, S.rootfd, rt) < 0) {
		rc = -errno;
		if (t && renameat(S.privfd, t, S.rootfd, rt) < 0)
			fprintf(stderr, "powerfs: cannot put back '%s': %s\n", rt, strerror(errno));
		free(t);
		goto out;
	}
	meta_add((struct meta_op){ .kind = META_RENAME, .path = xstrdup(rf), .path2 = xstrdup(rt),
				   .trash = t, .trash_dir = S_ISDIR(sf.st_mode) });
	if (S_ISREG(sf.st_mode))
		inode_rename(sf.st_dev, sf.st_ino, rt);
out:
	pthread_rwlock_unlock(&S.cut_lock);
	return rc;
}

static int pfs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	if (fi)
		return fchmod(((struct pfs_handle *)(uintptr_t)fi->fh)->inode->map.fd, mode) < 0 ? -errno : 0;
	return fchmodat(S.rootfd, rel(path), mode, 0) < 0 ? -errno : 0;
}

static int pfs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	if (fi)
		return fchown(((struct pfs_handle *)(uintptr_t)fi->fh)->inode->map.fd, uid, gid) < 0 ? -errno : 0;
	return fchownat(S.rootfd, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int pfs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	if (fi)
		return futimens(((struct pfs_handle *)(uintptr_t)fi->fh)->inode->map.fd, tv) < 0 ? -errno : 0;
	return utimensat(S.rootfd, rel(path), tv, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int open_backing(const char *r, int flags, mode_t mode)
{
	int fd = openat(S.rootfd, r, (flags & O_CREAT) | (flags & O_EXCL) | O_RDWR | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EISDIR))
		fd = openat(S.rootfd, r, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

/* The thread group (process) of thread tid, from /proc; 0 when unknown. */
static pid_t thread_group_of(pid_t tid)
{
	char path[64], buf[512];
	int fd;
	ssize_t n;
	const char *p;

	if (tid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "\nTgid:");
	return p ? (pid_t)atoi(p + 7) : 0;
}

static int attach(struct fuse_file_info *fi, int fd, const char *r)
{
	struct pfs_handle *h;
	struct pfs_inode *in;
	int err = 0;

	in = inode_get(fd, r, true, &err);
	if (!in)
		return err;
	h = xcalloc(1, sizeof(*h));
	h->inode = in;
	h->sync_writes = (fi->flags & (O_SYNC | O_DSYNC)) != 0;
	h->opener = thread_group_of(fuse_get_context()->pid);
	h->epoch = atomic_load(&S.cuts);
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 0;
	fi->keep_cache = 0;
	if (fi->flags & O_TRUNC) {
		uint64_t before;

		pthread_mutex_lock(&in->lock);
		before = pf_pending_bytes(&in->map);
		pf_truncate(&in->map, 0);
		if (write_through())
			pf_apply(&in->map);
		account(in, before);
		pthread_mutex_unlock(&in->lock);
	}
	return 0;
}

static int pfs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	const char *r = rel(path);
	struct stat st;
	bool existed;
	int fd, rc;

	if (hidden(path))
		return -EPERM;
	pthread_rwlock_rdlock(&S.cut_lock);
	existed = fstatat(S.rootfd, r, &st, AT_SYMLINK_NOFOLLOW) == 0;
	fd = open_backing(r, fi->flags | O_CREAT, mode);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	if (!existed) {
		own(r);
		meta_add((struct meta_op){ .kind = META_CREATE, .path = xstrdup(r) });
	}
	rc = attach(fi, fd, r);
out:
	pthread_rwlock_unlock(&S.cut_lock);
	return rc;
}

static int pfs_open(const char *path, struct fuse_file_info *fi)
{
	const char *r = rel(path);
	int fd, rc;

	if (hidden(path))
		return -ENOENT;
	pthread_rwlock_rdlock(&S.cut_lock);
	fd = open_backing(r, 0, 0);
	rc = fd < 0 ? fd : attach(fi, fd, r);
	pthread_rwlock_unlock(&S.cut_lock);
	return rc;
}

static int pfs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct pfs_inode *in = ((struct pfs_handle *)(uintptr_t)fi->fh)->inode;
	ssize_t n;

	(void)path;
	pthread_rwlock_rdlock(&S.cut_lock);
	pthread_mutex_lock(&in->lock);
	n = pf_read(&in->map, buf, size, (uint64_t)off);
	pthread_mutex_unlock(&in->lock);
	pthread_rwlock_unlock(&S.cut_lock);
	return (int)n;
}

static int pfs_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct pfs_handle *h = (struct pfs_handle *)(uintptr_t)fi->fh;
	struct pfs_inode *in = h->inode;
	uint64_t before;
	ssize_t n;
	bool over;

	(void)path;
	pthread_rwlock_rdlock(&S.cut_lock);
	/* A power cut is one instant: an asynchronous write (io_uring, AIO,
	 * O_DIRECT) that a process killed before the cut had in flight, and
	 * that the kernel delivers after the cut, belongs to the powered-off
	 * machine. Written through a handle opened before the latest cut whose
	 * process is gone, it is dropped (stats stale_writes) instead of
	 * landing on the restarted server's files. */
	if (h->epoch != atomic_load(&S.cuts) && h->opener > 0 && kill(h->opener, 0) < 0 && errno == ESRCH) {
		uint64_t k = atomic_fetch_add(&S.stale_writes, 1);
		if (k < 5)
			fprintf(stderr, "powerfs: dropped a write of %zu bytes at %lld to '%s' in flight from pid %d at the "
					"power cut\n", size, (long long)off, in->path ? in->path : "?", (int)h->opener);
		pthread_rwlock_unlock(&S.cut_lock);
		return (int)size;
	}
	pthread_mutex_lock(&in->lock);
	before = pf_pending_bytes(&in->map);
	n = pf_write(&in->map, buf, size, (uint64_t)off);
	if (n >= 0 && write_through()) {
		int rc = pf_apply(&in->map);

		if (rc < 0)
			n = rc;
	} else if (n >= 0 && h->sync_writes && honoured()) {
		/* O_SYNC / O_DSYNC: this write's pages are durable on return. */
		int rc = pf_apply_range(&in->map, (uint64_t)off / POWERFS_PAGE,
					((uint64_t)off + size - 1) / POWERFS_PAGE);

		if (rc < 0)
			n = rc;
	}
	account(in, before);
	pthread_mutex_unlock(&in->lock);
	atomic_fetch_add(&S.writes, 1);
	over = atomic_load(&S.pending_bytes) > S.max_pending;
	if (over)
		flush_all();
	pthread_rwlock_unlock(&S.cut_lock);
	return (int)n;
}

static int pfs_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	return fstatvfs(S.rootfd, st) < 0 ? -errno : 0;
}

static int pfs_release(const char *path, struct fuse_file_info *fi)
{
	struct pfs_handle *h = (struct pfs_handle *)(uintptr_t)fi->fh;

	(void)path;
	pthread_rwlock_rdlock(&S.cut_lock);
	inode_unref(h->inode);
	pthread_rwlock_unlock(&S.cut_lock);
	free(h);
	return 0;
}

static int pfs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct pfs_inode *in = ((struct pfs_handle *)(uintptr_t)fi->fh)->inode;
	int rc = 0;

	(void)path;
	pthread_rwlock_rdlock(&S.cut_lock);
	if (!honoured()) {
		atomic_fetch_add(&S.fsyncs_ignored, 1);
	} else {
		atomic_fetch_add(&S.fsyncs, 1);
		rc = apply_inode(in, datasync);
		meta_commit();
	}
	pthread_rwlock_unlock(&S.cut_lock);
	return rc;
}

static int pfs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)datasync;
	(void)fi;
	pthread_rwlock_rdlock(&S.cut_lock);
	if (!honoured()) {
		atomic_fetch_add(&S.fsyncs_ignored, 1);
	} else {
		atomic_fetch_add(&S.fsyncs, 1);
		meta_commit();
	}
	pthread_rwlock_unlock(&S.cut_lock);
	return 0;
}

static int pfs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct pfs_inode *in;
	uint64_t before;
	int rc = 0;

	pthread_rwlock_rdlock(&S.cut_lock);
	if (fi) {
		in = ((struct pfs_handle *)(uintptr_t)fi->fh)->inode;
		pthread_mutex_lock(&S.files_mutex);
		in->opens++;
		pthread_mutex_unlock(&S.files_mutex);
	} else {
		int fd = hidden(path) ? -ENOENT : open_backing(rel(path), 0, 0);

		if (fd < 0) {
			rc = fd;
			goto out;
		}
		in = inode_get(fd, rel(path), true, &rc);
		if (!in)
			goto out;
	}
	pthread_mutex_lock(&in->lock);
	before = pf_pending_bytes(&in->map);
	rc = pf_truncate(&in->map, (uint64_t)size);
	if (rc == 0 && write_through())
		rc = pf_apply(&in->map);
	account(in, before);
	pthread_mutex_unlock(&in->lock);
	inode_unref(in);
out:
	pthread_rwlock_unlock(&S.cut_lock);
	return rc;
}

/* fallocate: blocks are reserved on the backing file at once (that changes
 * no content); a size change or zeroed range is a pending write. */
static int pfs_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
	struct pfs_inode *in = ((struct pfs_handle *)(uintptr_t)fi->fh)->inode;
	uint64_t before, end = (uint64_t)off + (uint64_t)len;
	int rc = 0;

	(void)path;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	pthread_rwlock_rdlock(&S.cut_lock);
	pthread_mutex_lock(&in->lock);
	before = pf_pending_bytes(&in->map);
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		static const unsigned char zeros[65536];
		uint64_t stop = end;

		if ((mode & FALLOC_FL_KEEP_SIZE) && stop > in->map.size)
			stop = in->map.size;
		for (uint64_t p = (uint64_t)off; p < stop && rc == 0;) {
			size_t n = stop - p < sizeof(zeros) ? (size_t)(stop - p) : sizeof(zeros);
			ssize_t w = pf_write(&in->map, zeros, n, p);

			rc = w < 0 ? (int)w : 0;
			p += n;
		}
		if (rc == 0 && !(mode & FALLOC_FL_KEEP_SIZE) && end > in->map.size)
			rc = pf_truncate(&in->map, end);
	} else {
		if (end > in->map.durable_size &&
		    fallocate(in->map.fd, FALLOC_FL_KEEP_SIZE, off, len) < 0 && errno != EOPNOTSUPP)
			rc = -errno;
		if (rc == 0 && !(mode & FALLOC_FL_KEEP_SIZE) && end > in->map.size)
			rc = pf_truncate(&in->map, end);
	}
	if (rc == 0 && write_through())
		rc = pf_apply(&in->map);
	account(in, before);
	pthread_mutex_unlock(&in->lock);
	pthread_rwlock_unlock(&S.cut_lock);
	return rc;
}

static int pfs_access(const char *path, int mask)
{
	if (hidden(path))
		return -ENOENT;
	return faccessat(S.rootfd, rel(path), mask, 0) < 0 ? -errno : 0;
}

static const struct fuse_operations pfs_ops = {
	.init = pfs_init,
	.getattr = pfs_getattr,
	.readlink = pfs_readlink,
	.opendir = pfs_opendir,
	.readdir = pfs_readdir,
	.releasedir = pfs_releasedir,
	.mknod = pfs_mknod,
	.mkdir = pfs_mkdir,
	.symlink = pfs_symlink,
	.link = pfs_link,
	.unlink = pfs_unlink,
	.rmdir = pfs_rmdir,
	.rename = pfs_rename,
	.chmod = pfs_chmod,
	.chown = pfs_chown,
	.utimens = pfs_utimens,
	.truncate = pfs_truncate,
	.create = pfs_create,
	.open = pfs_open,
	.read = pfs_read,
	.write = pfs_write,
	.statfs = pfs_statfs,
	.release = pfs_release,
	.fsync = pfs_fsync,
	.fsyncdir = pfs_fsyncdir,
	.fallocate = pfs_fallocate,
	.access = pfs_access,
};

/* ---- control ---- */

static int cmp_inode_path(const void *a, const void *b)
{
	const struct pfs_inode *x = *(struct pfs_inode *const *)a, *y = *(struct pfs_inode *const *)b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->ino < y->ino ? -1 : x->ino > y->ino);
}

static void do_stats(struct strbuf *out)
{
	uint64_t files = 0, pages = 0;
	size_t nmeta;

	pthread_mutex_lock(&S.files_mutex);
	for (size_t b = 0; b < NBUCKETS; b++)
		for (struct pfs_inode *in = S.buckets[b]; in; in = in->next) {
			pthread_mutex_lock(&in->lock);
			if (pf_has_pending(&in->map)) {
				files++;
				pages += in->map.npages;
			}
			pthread_mutex_unlock(&in->lock);
		}
	pthread_mutex_unlock(&S.files_mutex);
	pthread_mutex_lock(&S.meta_mutex);
	nmeta = S.nmeta;
	pthread_mutex_unlock(&S.meta_mutex);
	sb_printf(out,
		  "ok pid=%d mode=%s pending_bytes=%llu pending_pages=%llu pending_files=%llu pending_meta=%zu "
		  "writes=%llu fsyncs=%llu fsyncs_ignored=%llu natural_flushes=%llu meta_commits=%llu cuts=%llu stale_writes=%llu\n",
		  (int)getpid(), powerfs_mode_name(atomic_load(&S.mode)), (unsigned long long)pages * POWERFS_PAGE,
		  (unsigned long long)pages, (unsigned long long)files, nmeta,
		  (unsigned long long)atomic_load(&S.writes), (unsigned long long)atomic_load(&S.fsyncs),
		  (unsigned long long)atomic_load(&S.fsyncs_ignored),
		  (unsigned long long)atomic_load(&S.natural_flushes),
		  (unsigned long long)atomic_load(&S.meta_commits), (unsigned long long)atomic_load(&S.cuts), (unsigned long long)atomic_load(&S.stale_writes));
}

/* cut [keep=F] [seed=N] [trace=PATH] */
static void do_cut(char *args, struct strbuf *out)
{
	double keep = 0;
	uint64_t seed = 0;
	const char *trace_path = NULL;
	char *save = NULL, *tok;
	struct strbuf tr = { 0 };
	struct pfs_inode **v = NULL;
	size_t n = 0, cap = 0, undone;
	uint64_t kept = 0, dropped = 0, files = 0;
	struct lab_rng rng;
	int errors = 0;

	for (tok = strtok_r(args, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		int64_t v64;
		char *end;

		if (!strncmp(tok, "keep=", 5)) {
			keep = strtod(tok + 5, &end);
			if (*end || end == tok + 5 || !(keep >= 0 && keep <= 1)) {
				sb_printf(out, "error keep must be a number in [0, 1], not '%s'\n", tok + 5);
				return;
			}
		} else if (!strncmp(tok, "seed=", 5)) {
			if (parse_int64(tok + 5, 0, INT64_MAX, &v64) < 0) {
				sb_printf(out, "error seed must be a whole number, not '%s'\n", tok + 5);
				return;
			}
			seed = (uint64_t)v64;
		} else if (!strncmp(tok, "trace=", 6)) {
			trace_path = tok + 6;
		} else {
			sb_printf(out, "error unknown cut argument '%s'\n", tok);
			return;
		}
	}
	rng_init(&rng, seed, 0x706f776572ull);
	pthread_rwlock_wrlock(&S.cut_lock);
	sb_printf(&tr, "cut keep=%g seed=%llu mode=%s\n", keep, (unsigned long long)seed,
		  powerfs_mode_name(atomic_load(&S.mode)));
	pthread_mutex_lock(&S.files_mutex);
	for (size_t b = 0; b < NBUCKETS; b++)
		for (struct pfs_inode *in = S.buckets[b]; in; in = in->next) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n++] = in;
		}
	if (n)
		qsort(v, n, sizeof(*v), cmp_inode_path);
	for (size_t i = 0; i < n; i++) {
		struct pfs_inode *in = v[i];
		uint64_t pages = in->map.npages;
		int rc;

		if (!pf_has_pending(&in->map))
			continue;
		files++;
		sb_printf(&tr, "file %s ino=%llu pages=%llu size=%llu durable_size=%llu\n", in->path,
			  (unsigned long long)in->ino, (unsigned long long)pages,
			  (unsigned long long)in->map.size, (unsigned long long)in->map.durable_size);
		rc = pf_power_cut(&in->map, keep, &rng, &tr);
		if (rc < 0) {
			errors++;
			sb_printf(&tr, "error writing kept pages of %s: %s\n", in->path, strerror(-rc));
		} else {
			kept += (uint64_t)rc;
			dropped += pages - (uint64_t)rc;
		}
	}
	for (size_t i = 0; i < n; i++)
		inode_maybe_drop_locked(v[i]);
	pthread_mutex_unlock(&S.files_mutex);
	free(v);
	atomic_store(&S.pending_bytes, 0);
	undone = meta_undo(&tr);
	atomic_fetch_add(&S.cuts, 1);
	pthread_rwlock_unlock(&S.cut_lock);
	sb_printf(&tr, "done files=%llu kept_pages=%llu dropped_pages=%llu undone_meta=%zu errors=%d\n",
		  (unsigned long long)files, (unsigned long long)kept, (unsigned long long)dropped, undone, errors);
	if (trace_path) {
		int fd = open(trace_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || write(fd, tr.buf, tr.len) != (ssize_t)tr.len) {
			sb_printf(out, "error cannot write trace '%s': %s\n", trace_path, strerror(errno));
			if (fd >= 0)
				close(fd);
			sb_release(&tr);
			return;
		}
		close(fd);
	}
	sb_printf(out, "%s files=%llu kept_pages=%llu dropped_pages=%llu undone_meta=%zu\n",
		  errors ? "error" : "ok", (unsigned long long)files, (unsigned long long)kept,
		  (unsigned long long)dropped, undone);
	sb_release(&tr);
}

static void request_stop(void)
{
	S.stopping = 1;
	fuse_exit(S.fuse);
	/* Waking the loop threads: the unmount makes their reads fail. */
	if (umount2(S.mountpoint, MNT_DETACH) < 0 && errno != EINVAL)
		fprintf(stderr, "powerfs: cannot unmount '%s': %s\n", S.mountpoint, strerror(errno));
}

static void handle_command(char *line, struct strbuf *out)
{
	char *args;

	line[strcspn(line, "\r\n")] = '\0';
	args = line + strcspn(line, " \t");
	if (*args)
		*args++ = '\0';
	if (!strcmp(line, "stats")) {
		do_stats(out);
	} else if (!strcmp(line, "mode")) {
		int m = powerfs_mode_parse(args);

		if (m < 0) {
			sb_printf(out, "error unknown cache mode '%s' (none, writeback, writethrough, directsync, unsafe)\n", args);
			return;
		}
		/* Entering a write-through mode makes what is pending durable,
		 * as QEMU flushes when the cache mode changes. */
		pthread_rwlock_wrlock(&S.cut_lock);
		atomic_store(&S.mode, m);
		pthread_rwlock_unlock(&S.cut_lock);
		if (m == POWERFS_WRITETHROUGH || m == POWERFS_DIRECTSYNC) {
			pthread_rwlock_rdlock(&S.cut_lock);
			flush_all();
			pthread_rwlock_unlock(&S.cut_lock);
		}
		sb_printf(out, "ok mode=%s\n", powerfs_mode_name(m));
	} else if (!strcmp(line, "flush")) {
		pthread_rwlock_rdlock(&S.cut_lock);
		flush_all();
		pthread_rwlock_unlock(&S.cut_lock);
		sb_puts(out, "ok flushed\n");
	} else if (!strcmp(line, "cut")) {
		do_cut(args, out);
	} else if (!strcmp(line, "stop")) {
		if (!strcmp(args, "noflush")) {
			/* Stopping without a flush is a power cut, then a stop. */
			struct strbuf cut = { 0 };
			char none[] = "";

			do_cut(none, &cut);
			sb_release(&cut);
		} else {
			pthread_rwlock_rdlock(&S.cut_lock);
			flush_all();
			pthread_rwlock_unlock(&S.cut_lock);
		}
		sb_puts(out, "ok stopping\n");
		request_stop();
	} else {
		sb_printf(out, "error unknown command '%s' (stats, mode, flush, cut, stop)\n", line);
	}
}

static void stop_signal(int sig)
{
	ssize_t rc;

	(void)sig;
	rc = write(S.stop_pipe[1], "x", 1);
	(void)rc;
}

static void *control_thread(void *arg)
{
	int64_t last_flush = mono_ns();

	(void)arg;
	while (!S.stopping) {
		struct pollfd p[2] = { { S.sock, POLLIN, 0 }, { S.stop_pipe[0], POLLIN, 0 } };
		int timeout = S.flush_interval_ms > 0 ? 200 : -1;
		int n = poll(p, 2, timeout);

		if (S.flush_interval_ms > 0 && mono_ns() - last_flush >= S.flush_interval_ms * 1000000) {
			pthread_rwlock_rdlock(&S.cut_lock);
			flush_all();
			pthread_rwlock_unlock(&S.cut_lock);
			last_flush = mono_ns();
		}
		if (n <= 0)
			continue;
		if (p[1].revents) {
			/* SIGTERM / SIGINT: a clean shutdown flushes, like stop. */
			pthread_rwlock_rdlock(&S.cut_lock);
			flush_all();
			pthread_rwlock_unlock(&S.cut_lock);
			request_stop();
			break;
		}
		if (p[0].revents & POLLIN) {
			int c = accept4(S.sock, NULL, NULL, SOCK_CLOEXEC);
			char line[1024];
			size_t got = 0;
			struct strbuf out = { 0 };

			if (c < 0)
				continue;
			struct timeval tv = { 5, 0 };
			setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			while (got < sizeof(line) - 1) {
				ssize_t r = read(c, line + got, sizeof(line) - 1 - got);

				if (r <= 0)
					break;
				got += (size_t)r;
				if (memchr(line, '\n', got))
					break;
			}
			line[got] = '\0';
			handle_command(line, &out);
			if (out.len && write(c, out.buf, out.len) < 0)
				(void)0; /* the client went away */
			close(c);
			sb_release(&out);
		}
	}
	/* Stopping. A mount made in a shared namespace may have been copied
	 * into mount namespaces created since (unshare(CLONE_NEWNS) by anyone
	 * copies every mount): our unmount then does not end the FUSE
	 * connection and the loop never returns. Exiting does: the kernel
	 * aborts the connection when its last /dev/fuse descriptor closes, and
	 * those copies become dead mounts. What was pending is flushed or cut
	 * already. */
	if (S.host_mount) {
		for (int i = 0; i < 100 && !atomic_load(&S.loop_done); i++)
			sleep_ms(20);
		if (!atomic_load(&S.loop_done)) {
			fprintf(stderr, "powerfs: %s is still referenced from another mount namespace; exiting to end the connection\n",
				S.mountpoint);
			unlink(S.socket_path);
			_exit(0);
		}
	}
	return NULL;
}

static int listen_socket(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		lab_error("control socket path '%s' is too long", path);
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0) {
		lab_error("cannot listen on control socket '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	chmod(path, 0600);
	return fd;
}

int powerfs_daemon_main(const char *backing, const char *mountpoint, const char *socket_path,
			const char *mode, uint64_t max_pending, int64_t flush_interval_ms, bool real_sync,
			bool host_mount)
{
	char *fsname = NULL;
	char *fuse_argv[4];
	struct fuse_args args;
	struct fuse_loop_config *lc = NULL;
	pthread_t ctl;
	struct sigaction sa;
	int m = powerfs_mode_parse(mode ? mode : "none");
	int rc = LAB_EXIT_BROKEN;
	bool mounted = false, ctl_started = false;

	if (m < 0) {
		lab_error("unknown cache mode '%s' (none, writeback, writethrough, directsync, unsafe)", mode);
		return LAB_EXIT_BROKEN;
	}
	atomic_store(&S.mode, m);
	S.max_pending = max_pending ? max_pending : (1ull << 30);
	S.flush_interval_ms = flush_interval_ms;
	S.real_sync = real_sync;
	S.host_mount = host_mount;
	S.socket_path = socket_path;
	S.mountpoint = xstrdup(mountpoint);
	pthread_rwlock_init(&S.cut_lock, NULL);
	pthread_mutex_init(&S.files_mutex, NULL);
	pthread_mutex_init(&S.meta_mutex, NULL);
	umask(0);

	/* Our own mount namespace, private, so that nobody else's namespace
	 * holds a copy of the mount: unmounting here really ends it. With
	 * host_mount the mount is made in the namespace we were started in
	 * (for programs that cannot be started inside ours: QEMU, started by
	 * libvirtd); a daemon that dies then leaves a dead mount there, which
	 * its user removes (umount2 MNT_DETACH). */
	if (!host_mount && unshare(CLONE_NEWNS) < 0) {
		lab_error("cannot create a mount namespace: %s", strerror(errno));
		return LAB_EXIT_BROKEN;
	}
	if (!host_mount && mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		lab_error("cannot make the mount namespace private: %s", strerror(errno));
		return LAB_EXIT_BROKEN;
	}
	S.rootfd = open(backing, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (S.rootfd < 0) {
		lab_error("cannot open backing directory '%s': %s", backing, strerror(errno));
		return LAB_EXIT_BROKEN;
	}
	if (mkdirat(S.rootfd, POWERFS_PRIVATE_DIR, 0700) < 0 && errno != EEXIST) {
		lab_error("cannot create '%s/%s': %s", backing, POWERFS_PRIVATE_DIR, strerror(errno));
		goto out;
	}
	S.privfd = openat(S.rootfd, POWERFS_PRIVATE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (S.privfd < 0) {
		lab_error("cannot open '%s/%s': %s", backing, POWERFS_PRIVATE_DIR, strerror(errno));
		goto out;
	}
	/* Removals a previous daemon left half-done (it was killed) count as
	 * durable: their undo information died with it. */
	{
		int fd = dup(S.privfd);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *de;

		while (d && (de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
			    unlinkat(S.privfd, de->d_name, 0) < 0 && errno == EISDIR)
				unlinkat(S.privfd, de->d_name, AT_REMOVEDIR);
		if (d)
			closedir(d);
		else if (fd >= 0)
			close(fd);
	}
	if (pipe2(S.stop_pipe, O_CLOEXEC) < 0) {
		lab_error("cannot create a pipe: %s", strerror(errno));
		goto out;
	}
	fsname = xasprintf("fsname=powerfs:%s,subtype=labpowerfs,allow_other,default_permissions", backing);
	fuse_argv[0] = "lab-powerfs";
	fuse_argv[1] = "-o";
	fuse_argv[2] = fsname;
	fuse_argv[3] = NULL;
	args = (struct fuse_args)FUSE_ARGS_INIT(3, fuse_argv);
	S.fuse = fuse_new(&args, &pfs_ops, sizeof(pfs_ops), NULL);
	fuse_opt_free_args(&args);
	if (!S.fuse) {
		lab_error("cannot create the FUSE filesystem for '%s'", mountpoint);
		goto out;
	}
	if (fuse_mount(S.fuse, mountpoint) != 0) {
		lab_error("cannot mount powerfs on '%s'", mountpoint);
		goto out;
	}
	mounted = true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stop_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* The socket is created last: its answering means "mounted". */
	S.sock = listen_socket(socket_path);
	if (S.sock < 0)
		goto out;
	if (pthread_create(&ctl, NULL, control_thread, NULL) != 0) {
		lab_error("cannot start the control thread");
		goto out;
	}
	ctl_started = true;
	fprintf(stderr, "powerfs: %s on %s (mode %s, pid %d%s)\n", backing, mountpoint,
		powerfs_mode_name(m), (int)getpid(), host_mount ? ", in the caller's mount namespace" : "");
	lc = fuse_loop_cfg_create();
	fuse_loop_cfg_set_clone_fd(lc, 1);
	fuse_loop_cfg_set_max_threads(lc, 16);
	fuse_loop_cfg_set_idle_threads(lc, 4);
	fuse_loop_mt(S.fuse, lc);
	atomic_store(&S.loop_done, true);
	rc = LAB_EXIT_OK;
out:
	if (ctl_started) {
		if (!S.stopping) {
			/* The loop ended on its own (unmounted from outside): flush. */
			pthread_rwlock_rdlock(&S.cut_lock);
			flush_all();
			pthread_rwlock_unlock(&S.cut_lock);
			S.stopping = 1;
			stop_signal(0);
		}
		pthread_join(ctl, NULL);
	}
	if (lc)
		fuse_loop_cfg_destroy(lc);
	if (S.fuse) {
		if (mounted)
			fuse_unmount(S.fuse);
		fuse_destroy(S.fuse);
	}
	if (S.sock >= 0) {
		close(S.sock);
		unlink(socket_path);
	}
	free(fsname);
	fprintf(stderr, "powerfs: %s stopped\n", mountpoint);
	return rc;
}
