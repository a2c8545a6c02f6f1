/*
 * versions.h — the server builds lab can run side by side: the installed
 * one (the system's /usr) and the ones unpacked from Debian's archive into
 * the build cache (CACHE/mariadb-VERSION, CACHE = LAB_CACHE_DIR or
 * /var/cache/lab), and which build each node of a cluster runs.
 *
 * A version is upstream's, "10.11.18". A node's build is the state key
 * node.I.version; no key means the installed build. Every program a node
 * runs (mariadbd, mariadb-install-db, mariadb-upgrade, mariadb-binlog, the
 * SST scripts) comes from its build: node_exec_words() gives the words
 * that start it, node_build_options() the server options that point the
 * server at its own plugins and messages.
 */
#ifndef LAB_VERSIONS_H
#define LAB_VERSIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "cluster.h"

/* LAB_CACHE_DIR or /var/cache/lab. Borrowed. */
const char *versions_cache_dir(void);
/* The installed build's upstream version ("10.11.19", malloc'd), or NULL
 * with the error reported. */
char *versions_installed(void);
/* Upstream version of a Debian version: "1:10.11.18-0+deb12u1" ->
 * "10.11.18" (pure; into out). 0, or -1 when it does not look like one. */
int versions_upstream(const char *debian_version, char *out, size_t size);
/* Is "10.11.18" a version string lab accepts (digits and dots)? */
bool versions_valid(const char *version);
/* The root of a build: "" for the installed one (its programs on PATH),
 * else CACHE/mariadb-VERSION. -1 with one line "server build 'V' is not
 * cached: run 'lab versions fetch V'" when it is neither. */
int versions_root(const char *version, char *root, size_t size);
/* Download and unpack VERSION into the cache (apt-get download, dpkg -x;
 * the system's packages are never touched), and check its mariadbd runs.
 * Already cached, or the installed version: nothing to do. */
int versions_fetch(const char *version);
/* First line of ROOT's `mariadbd --version` (malloc'd), or NULL. */
char *versions_mariadbd_version(const char *root);
/* The MAJOR.MINOR of two versions differ (10.11 -> 11.4). */
bool versions_major_change(const char *from, const char *to);

/* Order of two versions, numerically by part: <0, 0, >0. */
int versions_compare(const char *a, const char *b);

/* The version node runs (NULL: the installed build). Borrowed. */
const char *node_version(const struct cluster *c, int node);
/* First line of the node's build's `mariadbd --version` from "Ver" on
 * (malloc'd), or NULL. */
char *node_mariadbd_version(const struct cluster *c, int node);
/* Path of program prog of the node's build, malloc'd: the bare name for
 * the installed build (found on PATH, as before), an absolute path into
 * the cache otherwise. NULL when the build is gone (error reported). */
char *node_binary(const struct cluster *c, int node, const char *prog);
/* Append to words (NUL-separated argv words) what starts prog from the
 * node's build: "prog" for the installed one; "env PATH=ROOT/usr/bin:...
 * ROOT/usr/sbin/prog" for a cached one, so that the programs prog runs
 * (the SST scripts, my_print_defaults) come from the same build. */
int node_exec_words(const struct cluster *c, int node, const char *prog, struct strbuf *words);
/* Append the server options of a cached build (--basedir, --plugin-dir,
 * --lc-messages-dir) as NUL-separated argv words; nothing for the
 * installed one. */
int node_build_options(const struct cluster *c, int node, struct strbuf *words);
/* The node's SELECT VERSION() (malloc'd), NULL when it does not answer. */
char *node_server_version(struct cluster *c, int node);
/* cluster_up, before anything is made: is the build of every node (the
 * spec's version / versions[]) available? One line naming 'lab versions
 * fetch V' when one is not. */
int cluster_check_builds(struct cluster *c);
/* cluster_up, with the state it records: node.I.version of each node
 * that does not run the installed build. */
void cluster_record_builds(struct cluster *c);

/* Switch node to the server build version as a DBA would (upgrade, or a
 * downgrade with an older version): a clean shutdown (a slow one,
 * innodb_fast_shutdown=0, for a change of series or a downgrade), the
 * build recorded in the state file (node.I.version, so a restart keeps
 * it), the node started from the new build and waited for (Synced /
 * replicating), mariadb-upgrade from the new build after an upgrade.
 * detail gets one line: from -> to, the shutdown, how long the node was
 * out, how it caught up, mariadb-upgrade's time, the server's new
 * VERSION(). res (may be NULL): the same as figures. */
struct upgrade_result {
	int64_t out_ms;       /* from the shutdown until the node was back */
	char caught_up[8];    /* ist | sst | none, "" when the flavor cannot tell */
	char now[96];         /* the server's VERSION() afterwards */
};
int node_upgrade(struct cluster *c, int node, const char *version, int64_t timeout_ms, struct strbuf *detail,
		 struct upgrade_result *res);

#endif
