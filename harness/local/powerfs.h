/*
 * powerfs.h — the power-loss filesystem: a FUSE passthrough over a backing
 * directory that keeps every write not yet made durable apart, in memory,
 * and drops it when the local backend cuts the power (docs/backends.md,
 * local; SQLite's test6.c crash simulation, in a real filesystem).
 *
 * Three layers, one header:
 *
 *  1. The page map (powerfs_map.c): per file, the pending 4 KiB pages (each
 *     holds the page's full current content), the logical size and the
 *     lowest size a pending truncate went to. Pure logic over a backing fd:
 *     unit-tested in tests/unit/test_powerfs.c.
 *  2. The daemon (powerfs_fuse.c): `lab _powerfs BACKING MOUNTPOINT ...`,
 *     libfuse3, in its own private mount namespace (or, --host-mount, in
 *     the caller's: the libvirt backend's VM disks), with a control socket.
 *  3. The client (powerfs_client.c): what the local backend calls.
 *
 * How the local backend uses it (integrator's recipe):
 *
 *     struct powerfs *pfs;
 *     struct powerfs_opts o = { .mode = "none", .log_path = LOG };
 *     pfs = powerfs_start(BACKING, DATADIR, SOCKET, &o);   // waits until mounted
 *     // mariadbd must run in the daemon's mount namespace to see DATADIR:
 *     const char **argv2 = powerfs_wrap_argv(pfs, mysqld_argv); // nsenter --mount=/proc/PID/ns/mnt -- ...
 *     pid = spawn_argv(argv2, netns, log);   // netns first (spawn_argv), then nsenter
 *     powerfs_free_argv(argv2);
 *     ...
 *     // hard reset: SIGKILL every process of the node FIRST, reap them, then
 *     powerfs_power_cut(pfs, 0.0, seed, TRACE_PATH_or_NULL, NULL);
 *     // or both in one call: powerfs_hard_reset(pfs, &pid, 1, keep, seed, trace, NULL);
 *     powerfs_save_image(pfs, DEST_DIR);     // optional: keep the post-cut image
 *     ... start mariadbd again (wrapped) ...
 *     powerfs_set_mode(pfs, "unsafe");       // disk-cache action
 *     powerfs_stop(pfs, true);               // flush pending, unmount, daemon gone
 *     powerfs_free(pfs);
 *
 * Anything else the harness does to a live datadir (delete-file, reading
 * grastate.dat) must also go through the mount, i.e. run in the daemon's
 * mount namespace (powerfs_wrap_argv, or setns(2) on powerfs_ns_path()).
 * Touching BACKING directly while the daemon runs bypasses the pending
 * state: do it only with the node stopped and right after a power cut,
 * `flush` (powerfs_ctl) or powerfs_stop — then the daemon holds nothing
 * (snapshot / revert copy BACKING, not the mountpoint). The daemon
 * outlives the lab process that started it; another lab process finds it
 * again with powerfs_attach(SOCKET).
 *
 * What is durable when (FUSE mode):
 *  - file data and size (write, truncate, fallocate): pending per file until
 *    that file's fsync/fdatasync, or a write through an O_SYNC / O_DSYNC
 *    descriptor (that write's pages). sync_file_range(2) never reaches a
 *    FUSE filesystem (the kernel has no such request): it makes nothing
 *    durable here.
 *  - namespace changes (create, mknod, mkdir, symlink, link, unlink, rmdir,
 *    rename, rename-exchange): done on BACKING at once but kept in an undo
 *    log (removed files wait in BACKING/.powerfs/); ANY honoured fsync,
 *    fdatasync or directory fsync commits the whole log, as ext4's journal
 *    commits all earlier metadata with any fsync. A cut undoes the rest,
 *    newest first. So "rename, no fsync, cut" brings the old name back.
 *  - chmod, chown, utimens: durable at once (not tracked).
 *  - writethrough / directsync: data and namespace changes durable at once.
 */
#ifndef LAB_POWERFS_H
#define LAB_POWERFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

/* ---- cache modes (QEMU's cache= names) ----
 * none, writeback:  writes stay pending until fsync/fdatasync (or O_SYNC /
 *                   O_DSYNC writes); the sync applies them; a power cut
 *                   drops them.
 * writethrough, directsync: every write is applied at once (nothing pending).
 * unsafe:           fsync is ignored; everything since the last natural
 *                   flush (max_pending overflow, flush interval, `flush`
 *                   command) is lost at a power cut. */
enum powerfs_mode {
	POWERFS_NONE,
	POWERFS_WRITEBACK,
	POWERFS_WRITETHROUGH,
	POWERFS_DIRECTSYNC,
	POWERFS_UNSAFE,
};
/* -1 if name is not a mode. */
int powerfs_mode_parse(const char *name);
const char *powerfs_mode_name(int mode);

#define POWERFS_PAGE 4096

/* ---- 1. page map of one file ---- */

/* One pending page: the page's whole content as the file has it now. */
struct pf_page {
	uint64_t index;               /* offset / POWERFS_PAGE */
	unsigned char data[POWERFS_PAGE];
};

/* The pending state of one file (one backing inode). Not locked: the daemon
 * holds the file's mutex around every call. */
struct pf_file {
	int fd;                  /* backing file, O_RDWR; borrowed by the map */
	uint64_t size;           /* logical size (what stat shows) */
	uint64_t durable_size;   /* the backing file's size */
	uint64_t zero_from;      /* backing bytes at or past this are stale
	                            (a pending truncate went down to here) */
	bool size_pending;       /* size or zero_from differ from the backing */
	struct pf_page **slots;  /* open-addressing hash by index */
	size_t nslots, npages;
};

/* Start tracking fd (size from fstat). -1 on error (reported). */
int pf_file_init(struct pf_file *f, int fd);
/* Drop every pending page without applying (does not close fd). */
void pf_file_release(struct pf_file *f);
/* Buffer a write. Partly written pages are filled from the logical
 * content first. Returns len or -errno. */
ssize_t pf_write(struct pf_file *f, const void *buf, size_t len, uint64_t off);
/* Read the logical content (pending overlaid on the backing file).
 * Returns bytes read (short at EOF) or -errno. */
ssize_t pf_read(struct pf_file *f, void *buf, size_t len, uint64_t off);
/* Pending truncate (or extend) to size. 0 or -errno. */
int pf_truncate(struct pf_file *f, uint64_t size);
/* Apply pages whose index is in [first, last] (all: 0, UINT64_MAX) and, when
 * all pages are applied, the size, to the backing file; they are then no
 * longer pending. 0 or -errno. */
int pf_apply_range(struct pf_file *f, uint64_t first, uint64_t last);
int pf_apply(struct pf_file *f);
uint64_t pf_pending_bytes(const struct pf_file *f);
bool pf_has_pending(const struct pf_file *f);

/* Power cut of one file: each pending page is kept (written to the backing
 * file) with probability keep, drawn from rng, the kept ones written in a
 * random order; the pending size change is kept with the same probability.
 * Everything else is dropped. When trace is non-NULL, one line per page:
 * "page OFFSET kept ORDER" or "page OFFSET dropped", then "size ...".
 * Returns the number of pages kept, or -errno (the state is dropped anyway). */
int pf_power_cut(struct pf_file *f, double keep, struct lab_rng *rng, struct strbuf *trace);

/* ---- 2. the daemon ---- */

/* `lab _powerfs BACKING MOUNTPOINT --socket PATH [--mode M] [--max-pending BYTES]
 *  [--flush-interval DUR] [--real-sync] [--host-mount]`: unshare the mount
 * namespace (not with --host-mount: then the mount is made in the caller's
 * namespace, where every process sees it), mount, serve until `stop` or
 * SIGTERM. Returns an exit code. */
int powerfs_daemon_main(const char *backing, const char *mountpoint, const char *socket_path,
			const char *mode, uint64_t max_pending, int64_t flush_interval_ms,
			bool real_sync, bool host_mount);

/* `lab _powerfs IMAGE MOUNTPOINT --socket PATH --loop [--loop-size BYTES]`:
 * the cheaper mode (powerfs_loop.c): ext4 on a loop device over IMAGE
 * (created and formatted if missing, default 2 GiB sparse); a cut is
 * FS_IOC_SHUTDOWN(NOLOGFLUSH) + remount. Cache mode none only, keep=0 only. */
int powerfs_loop_main(const char *image, const char *mountpoint, const char *socket_path, uint64_t size);

/* ---- 3. the client: what the local backend calls ---- */

struct powerfs_opts {
	const char *mode;          /* initial cache mode, NULL = "none" */
	const char *log_path;      /* daemon's stderr, NULL = inherit */
	uint64_t max_pending;      /* bytes; 0 = default 1 GiB; overflow = natural flush */
	int64_t flush_interval_ms; /* periodic natural flush; 0 = never */
	bool real_sync;            /* also fsync the backing file (slower; default off) */
	const char *lab_binary;    /* NULL = /proc/self/exe */
	bool loop;                 /* ext4-on-loop mode: backing is an image file */
	uint64_t loop_size;        /* image size when created; 0 = 2 GiB */
	bool host_mount;           /* mount in our own mount namespace, visible to
	                              every process (the VM disks: QEMU is started
	                              by libvirtd, not by lab); FUSE mode only */
};

struct powerfs {
	pid_t pid;             /* the daemon; its mount namespace holds the mount */
	char *backing;
	char *mountpoint;
	char *socket_path;
};

/* Start the daemon and wait (up to 20 s) until the mount answers. The
 * backing directory and mountpoint are created if missing. NULL on error. */
struct powerfs *powerfs_start(const char *backing, const char *mountpoint,
			      const char *socket_path, const struct powerfs_opts *opts);
/* Attach to a running daemon by its socket (e.g. from another lab process);
 * NULL when it does not answer. */
struct powerfs *powerfs_attach(const char *socket_path);
/* True when a daemon answers on socket_path (quiet: for probing). */
bool powerfs_answers(const char *socket_path);
/* Send one control command and put the one-line (or multi-line) reply in
 * reply (may be NULL). -1 on transport error or when the reply starts with
 * "error". Commands:
 *   mode NAME | stats | flush | stop [noflush]
 *   cut [keep=F] [seed=N] [trace=PATH] */
int powerfs_ctl(const char *socket_path, const char *cmd, struct strbuf *reply);
int powerfs_set_mode(struct powerfs *pfs, const char *mode);
/* The node's processes must be dead (SIGKILLed and reaped) before this.
 * keep in [0, 1]: fraction of pending pages written back (torn writes).
 * trace_path: where the operation trace goes (NULL: none). stats: the
 * daemon's reply ("dropped_pages=N kept_pages=N undone_meta=N ..."). */
int powerfs_power_cut(struct powerfs *pfs, double keep, uint64_t seed,
		      const char *trace_path, struct strbuf *stats);
/* The whole hard reset of a node: SIGKILL each of pids (pid <= 1 and our
 * own are refused), wait until they are gone (reaping our children), then
 * powerfs_power_cut. -1 if a process survives 10 s (no cut is done). */
int powerfs_hard_reset(struct powerfs *pfs, const pid_t *pids, size_t npids, double keep,
		       uint64_t seed, const char *trace_path, struct strbuf *stats);
/* "mode=none pending_bytes=N pending_files=N pending_meta=N ..." */
int powerfs_stats(struct powerfs *pfs, struct strbuf *out);
/* The natural flush (the kernel's writeback of dirty pages) the backends
 * give their powerfs: every 30 s unless the cluster says otherwise. */
#define POWERFS_FLUSH_DEFAULT_MS 30000
/* A cluster's --powerfs-flush-interval (0 = default, < 0 = never) as the
 * daemon's flush interval (0 = never). */
int64_t powerfs_flush_interval(int64_t spec_ms);
/* LAB_POWERFS=off|0|no in the environment: no power-loss layer. */
bool powerfs_env_off(void);
/* "key=NUMBER" in a daemon's reply (stats, cut), or -1. */
int64_t powerfs_reply_field(const char *reply, const char *key);
/* Pending bytes from stats, or -1. */
int64_t powerfs_pending_bytes(struct powerfs *pfs);
/* Flush (apply everything, unless flush is false) and unmount; waits for
 * the daemon to exit (SIGKILL after 10 s). The struct stays valid for
 * powerfs_free. */
int powerfs_stop(struct powerfs *pfs, bool flush);
void powerfs_free(struct powerfs *pfs);
/* "/proc/PID/ns/mnt" of the daemon (static buffer per call site: copy it). */
int powerfs_ns_path(const struct powerfs *pfs, char *buf, size_t size);
/* { "nsenter", "--mount=/proc/PID/ns/mnt", "--", argv... , NULL }: run argv
 * in the daemon's mount namespace. Free with powerfs_free_argv. */
const char **powerfs_wrap_argv(const struct powerfs *pfs, const char *const argv[]);
void powerfs_free_argv(const char **argv);
/* Copy the backing directory (the durable image) to dest, without the
 * daemon's own .powerfs directory. Meant right after a power cut. */
int powerfs_save_image(const struct powerfs *pfs, const char *dest);

/* Name of the daemon's bookkeeping directory inside BACKING (hidden from
 * the mount): holds unlinked files until their removal is durable. */
#define POWERFS_PRIVATE_DIR ".powerfs"

#endif
