/*
 * cmd_powerfs.c — the hidden verb `lab _powerfs`: the power-loss filesystem
 * daemon (started by the local backend through powerfs_start), plus three
 * small helpers for people and shell tests:
 *
 *   lab _powerfs BACKING MOUNTPOINT --socket PATH [--mode M]
 *               [--max-pending BYTES] [--flush-interval DUR] [--real-sync]
 *               [--host-mount]
 *   lab _powerfs IMAGE MOUNTPOINT --socket PATH --loop [--loop-size BYTES]
 *   lab _powerfs ctl SOCKET COMMAND...     stats | mode M | flush |
 *                                          cut [keep=F] [seed=N] [trace=PATH] |
 *                                          stop [noflush]
 *   lab _powerfs exec SOCKET -- PROGRAM ARGS...   run in the mount's namespace
 *   lab _powerfs save-image BACKING DEST   copy the durable image (after a cut)
 */
#include "commands.h"
#include "powerfs.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: lab _powerfs BACKING MOUNTPOINT --socket PATH [--mode none|writeback|writethrough|directsync|unsafe]\n"
	"                    [--max-pending BYTES] [--flush-interval DUR] [--real-sync] [--host-mount]\n"
	"       lab _powerfs IMAGE MOUNTPOINT --socket PATH --loop [--loop-size BYTES]   (ext4 on loop + FS_IOC_SHUTDOWN)\n"
	"       lab _powerfs ctl SOCKET stats | mode MODE | flush | cut [keep=F] [seed=N] [trace=PATH] | stop [noflush]\n"
	"       lab _powerfs exec SOCKET -- PROGRAM [ARGS...]\n"
	"       lab _powerfs save-image BACKING DEST\n";

static int bad(const char *fmt, const char *arg)
{
	fputs("lab: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	fputs(usage, stderr);
	return LAB_EXIT_BROKEN;
}

static int do_ctl(int argc, char **argv)
{
	struct strbuf cmd = { 0 }, reply = { 0 };
	int rc;

	if (argc < 3)
		return bad("%s", "_powerfs ctl needs SOCKET and COMMAND");
	for (int i = 2; i < argc; i++)
		sb_printf(&cmd, "%s%s", i > 2 ? " " : "", argv[i]);
	rc = powerfs_ctl(argv[1], cmd.buf, &reply);
	if (rc == 0)
		fputs(reply.buf ? reply.buf : "", stdout);
	sb_release(&cmd);
	sb_release(&reply);
	return rc == 0 ? LAB_EXIT_OK : LAB_EXIT_BROKEN;
}

static int do_exec(int argc, char **argv)
{
	struct powerfs *p;
	char ns[64];
	int fd;

	if (argc < 4 || strcmp(argv[2], "--"))
		return bad("%s", "_powerfs exec needs SOCKET -- PROGRAM [ARGS...]");
	p = powerfs_attach(argv[1]);
	if (!p)
		return LAB_EXIT_BROKEN;
	if (powerfs_ns_path(p, ns, sizeof(ns)) < 0) {
		powerfs_free(p);
		return LAB_EXIT_BROKEN;
	}
	powerfs_free(p);
	fd = open(ns, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNS) < 0) {
		lab_error("cannot enter mount namespace '%s': %s", ns, strerror(errno));
		return LAB_EXIT_BROKEN;
	}
	close(fd);
	execvp(argv[3], argv + 3);
	lab_error("cannot run '%s': %s", argv[3], strerror(errno));
	return LAB_EXIT_BROKEN;
}

int cmd_powerfs(int argc, char **argv)
{
	const char *socket_path = NULL, *mode = "none";
	int64_t max_pending = 0, interval_ms = 0, loop_size = 0;
	bool real_sync = false, loop = false, host_mount = false;
	const char *pos[2];
	int npos = 0;

	if (argc >= 2 && !strcmp(argv[1], "ctl"))
		return do_ctl(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "exec"))
		return do_exec(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "save-image")) {
		struct powerfs p = { 0 };

		if (argc != 4)
			return bad("%s", "_powerfs save-image needs BACKING and DEST");
		p.backing = argv[2];
		return powerfs_save_image(&p, argv[3]) == 0 ? LAB_EXIT_OK : LAB_EXIT_BROKEN;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--socket") || !strcmp(a, "--mode") || !strcmp(a, "--max-pending") ||
		    !strcmp(a, "--flush-interval") || !strcmp(a, "--loop-size")) {
			if (i + 1 >= argc)
				return bad("option '%s' needs a value", a);
			const char *v = argv[++i];

			if (!strcmp(a, "--socket")) {
				socket_path = v;
			} else if (!strcmp(a, "--mode")) {
				if (powerfs_mode_parse(v) < 0)
					return bad("unknown cache mode '%s'", v);
				mode = v;
			} else if (!strcmp(a, "--loop-size")) {
				if (parse_int64(v, 0, INT64_MAX, &loop_size) < 0)
					return bad("--loop-size '%s' is not a number of bytes", v);
			} else if (!strcmp(a, "--max-pending")) {
				if (parse_int64(v, 0, INT64_MAX, &max_pending) < 0)
					return bad("--max-pending '%s' is not a number of bytes", v);
			} else if (parse_duration_ms(v, &interval_ms) < 0 || interval_ms < 0) {
				return bad("--flush-interval '%s' is not a duration", v);
			}
		} else if (!strcmp(a, "--real-sync")) {
			real_sync = true;
		} else if (!strcmp(a, "--host-mount")) {
			host_mount = true;
		} else if (!strcmp(a, "--loop")) {
			loop = true;
		} else if (a[0] == '-') {
			return bad("unknown option '%s'", a);
		} else if (npos < 2) {
			pos[npos++] = a;
		} else {
			return bad("unexpected argument '%s'", a);
		}
	}
	if (npos != 2)
		return bad("%s", "_powerfs needs BACKING and MOUNTPOINT");
	if (!socket_path)
		return bad("%s", "_powerfs needs --socket PATH");
	if (loop) {
		if (strcmp(mode, "none"))
			return bad("--loop honours fsync only: cache mode '%s' needs the FUSE mode", mode);
		if (host_mount)
			return bad("%s", "--host-mount is for the FUSE mode only, not --loop");
		return powerfs_loop_main(pos[0], pos[1], socket_path, (uint64_t)loop_size);
	}
	return powerfs_daemon_main(pos[0], pos[1], socket_path, mode, (uint64_t)max_pending,
				   interval_ms, real_sync, host_mount);
}
