/*
 * powerfs_loop.c — the second, cheaper power-loss mode: ext4 on a loop
 * device over an image file, mounted in the daemon's private mount
 * namespace; a power cut is the FS_IOC_SHUTDOWN ioctl with NOLOGFLUSH (the
 * filesystem stops at once: nothing it had not yet written to the device
 * gets there, the journal is not flushed), then an unmount and a fresh
 * mount that replays the journal. No FUSE in the I/O path, so no cost; but
 * no torn pages, no ignored fsync (mode is always "none") and no trace.
 *
 *   lab _powerfs IMAGE MOUNTPOINT --socket PATH --loop [--loop-size BYTES]
 *
 * Same control protocol as the FUSE daemon: stats | mode none | flush |
 * cut | stop [noflush].
 */
#include "powerfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef FS_IOC_SHUTDOWN
#define FS_IOC_SHUTDOWN _IOR('X', 125, uint32_t)
#endif
#define FS_SHUTDOWN_FLAGS_NOLOGFLUSH 0x2

static struct {
	char loopdev[64];
	const char *image, *mountpoint;
	uint64_t cuts;
	int stop_pipe[2];
} L = { .stop_pipe = { -1, -1 } };

static void loop_stop_signal(int sig)
{
	ssize_t rc;

	(void)sig;
	rc = write(L.stop_pipe[1], "x", 1);
	(void)rc;
}

static int loop_mount(void)
{
	if (mount(L.loopdev, L.mountpoint, "ext4", 0, NULL) < 0) {
		lab_error("cannot mount '%s' (%s) on '%s': %s", L.loopdev, L.image, L.mountpoint, strerror(errno));
		return -1;
	}
	return 0;
}

static int loop_setup(uint64_t size)
{
	struct strbuf out = { 0 };
	struct run_opts o = { .timeout_ms = 120000, .out = &out };
	int rc;

	if (!path_exists(L.image)) {
		int fd = open(L.image, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		const char *mkfs[] = { "mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=1,lazy_journal_init=1",
				       L.image, NULL };

		if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
			lab_error("cannot create image '%s': %s", L.image, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
		rc = run_argv(mkfs, &o);
		if (rc != 0) {
			if (rc > 0)
				lab_error("mkfs.ext4 on '%s' failed: %s", L.image, out.buf ? out.buf : "");
			sb_release(&out);
			unlink(L.image);
			return -1;
		}
		sb_reset(&out);
	}
	{
		const char *los[] = { "losetup", "--find", "--show", L.image, NULL };

		rc = run_argv(los, &o);
		if (rc != 0 || !out.buf || strncmp(out.buf, "/dev/loop", 9)) {
			if (rc >= 0)
				lab_error("losetup '%s' failed: %s", L.image, out.buf ? out.buf : "");
			sb_release(&out);
			return -1;
		}
		out.buf[strcspn(out.buf, "\n")] = '\0';
		lab_strlcpy(L.loopdev, out.buf, sizeof(L.loopdev));
	}
	sb_release(&out);
	return 0;
}

static void loop_detach(void)
{
	const char *argv[] = { "losetup", "-d", L.loopdev, NULL };
	struct run_opts o = { .timeout_ms = 30000, .quiet = true };

	if (L.loopdev[0])
		run_argv(argv, &o);
	L.loopdev[0] = '\0';
}

static void loop_sync(void)
{
	int fd = open(L.mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		syncfs(fd);
		close(fd);
	}
}

/* Shut the filesystem down without flushing, unmount, mount again. */
static void loop_cut(struct strbuf *out)
{
	uint32_t flags = FS_SHUTDOWN_FLAGS_NOLOGFLUSH;
	int fd = open(L.mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, FS_IOC_SHUTDOWN, &flags) < 0) {
		sb_printf(out, "error cannot shut down '%s': %s\n", L.mountpoint, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	if (umount2(L.mountpoint, 0) < 0) {
		sb_printf(out, "error cannot unmount '%s' after the shutdown (still in use? kill the node first): %s\n",
			  L.mountpoint, strerror(errno));
		return;
	}
	if (loop_mount() < 0) {
		sb_printf(out, "error %s\n", lab_last_error());
		return;
	}
	L.cuts++;
	sb_puts(out, "ok shutdown=nologflush remounted=1\n");
}

static bool loop_command(char *line, struct strbuf *out)
{
	char *args;

	line[strcspn(line, "\r\n")] = '\0';
	args = line + strcspn(line, " \t");
	if (*args)
		*args++ = '\0';
	if (!strcmp(line, "stats")) {
		sb_printf(out, "ok pid=%d mode=none backend=loop device=%s cuts=%" PRIu64 "\n", (int)getpid(),
			  L.loopdev, L.cuts);
	} else if (!strcmp(line, "mode")) {
		if (strcmp(args, "none"))
			sb_printf(out, "error the loop power-loss mode honours fsync only: cache mode '%s' needs the FUSE mode\n", args);
		else
			sb_puts(out, "ok mode=none\n");
	} else if (!strcmp(line, "flush")) {
		loop_sync();
		sb_puts(out, "ok flushed\n");
	} else if (!strcmp(line, "cut")) {
		char *save = NULL, *tok;
		const char *trace = NULL;

		for (tok = strtok_r(args, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			if (!strncmp(tok, "keep=", 5) && strtod(tok + 5, NULL) != 0) {
				sb_puts(out, "error the loop power-loss mode cannot keep part of the pending writes (keep=0 only)\n");
				return false;
			} else if (!strncmp(tok, "trace=", 6)) {
				trace = tok + 6;
			}
		}
		loop_cut(out);
		if (trace && !strncmp(out->buf, "ok", 2)) {
			FILE *f = fopen(trace, "w");

			if (f) {
				fprintf(f, "cut loop device=%s image=%s shutdown=nologflush\n", L.loopdev, L.image);
				fclose(f);
			}
		}
	} else if (!strcmp(line, "stop")) {
		if (strcmp(args, "noflush"))
			loop_sync();
		else {
			struct strbuf cut = { 0 };

			loop_cut(&cut);
			sb_release(&cut);
		}
		sb_puts(out, "ok stopping\n");
		return true;
	} else {
		sb_printf(out, "error unknown command '%s' (stats, mode, flush, cut, stop)\n", line);
	}
	return false;
}

int powerfs_loop_main(const char *image, const char *mountpoint, const char *socket_path, uint64_t size)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct sigaction sa;
	int sock = -1, rc = LAB_EXIT_BROKEN;
	bool stop = false;

	L.image = image;
	L.mountpoint = mountpoint;
	if (strlen(socket_path) >= sizeof(a.sun_path)) {
		lab_error("control socket path '%s' is too long", socket_path);
		return LAB_EXIT_BROKEN;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		lab_error("cannot create a private mount namespace: %s", strerror(errno));
		return LAB_EXIT_BROKEN;
	}
	if (pipe2(L.stop_pipe, O_CLOEXEC) < 0) {
		lab_error("cannot create a pipe: %s", strerror(errno));
		return LAB_EXIT_BROKEN;
	}
	if (loop_setup(size ? size : (2ull << 30)) < 0)
		return LAB_EXIT_BROKEN;
	if (loop_mount() < 0)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = loop_stop_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	memcpy(a.sun_path, socket_path, strlen(socket_path) + 1);
	unlink(socket_path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(sock, 16) < 0) {
		lab_error("cannot listen on control socket '%s': %s", socket_path, strerror(errno));
		goto out;
	}
	chmod(socket_path, 0600);
	fprintf(stderr, "powerfs: ext4 image %s on %s via %s (pid %d)\n", image, mountpoint, L.loopdev, (int)getpid());
	while (!stop) {
		struct pollfd p[2] = { { sock, POLLIN, 0 }, { L.stop_pipe[0], POLLIN, 0 } };

		if (poll(p, 2, -1) <= 0)
			continue;
		if (p[1].revents) {
			loop_sync();
			break;
		}
		if (p[0].revents & POLLIN) {
			int c = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
			struct timeval tv = { 5, 0 };
			char line[1024];
			ssize_t n;
			struct strbuf out = { 0 };

			if (c < 0)
				continue;
			setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			size_t got = 0;

			while (got < sizeof(line) - 1) {
				n = read(c, line + got, sizeof(line) - 1 - got);
				if (n <= 0)
					break;
				got += (size_t)n;
				if (memchr(line, '\n', got))
					break;
			}
			line[got] = '\0';
			stop = loop_command(line, &out);
			if (write(c, out.buf, out.len) < 0)
				(void)0; /* the client went away */
			close(c);
			sb_release(&out);
		}
	}
	rc = LAB_EXIT_OK;
out:
	if (umount2(mountpoint, 0) < 0 && errno != EINVAL && umount2(mountpoint, MNT_DETACH) < 0)
		fprintf(stderr, "powerfs: cannot unmount '%s': %s\n", mountpoint, strerror(errno));
	loop_detach();
	if (sock >= 0) {
		close(sock);
		unlink(socket_path);
	}
	fprintf(stderr, "powerfs: %s stopped\n", mountpoint);
	return rc;
}
