/*
 * cluster.c — the cluster API of cluster.h: the lists of backends and
 * flavors, the state file that lets `down` and `status` work from a fresh
 * process, and the dispatch functions that check their arguments and call
 * the backend's or the flavor's table, saying so when a table lacks an
 * operation (nothing silently does nothing).
 *
 * State file STATE/state: one "key value" per line (value to the end of the
 * line), '#' starts a comment; written atomically. Keys: version, name,
 * flavor, backend, nodes, state_dir, status (creating | up), mysqld.OPTION,
 * and the backend's and flavor's own keys (local.*, node.I.*, galera.*).
 *
 * Lock STATE/lock (cluster_lock.h): cluster_open takes it as the spec
 * says (the cluster's owner, a short change by hand, or none for reading)
 * and keeps it until cluster_release; a fresh cluster's directory is made
 * and locked by cluster_up, and cluster_down never removes anything it
 * could not lock.
 */
#include "cluster.h"
#include "names.h"
#include "cluster_lock.h"
#include "versions.h"
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const struct backend_ops backend_local;
extern const struct backend_ops backend_libvirt;
extern const struct backend_ops backend_proxmox;
extern const struct flavor_ops flavor_galera;
extern const struct flavor_ops flavor_async, flavor_semisync;
extern const struct manager_ops manager_pacemaker;

/* Add a backend, flavor or failover manager: one file, one row here. The scenario parser's
 * allowed values and `lab validate --describe` come from these lists. */
const struct backend_ops *const lab_backends[] = { &backend_local, &backend_libvirt, &backend_proxmox, NULL };
const struct flavor_ops *const lab_flavors[] = { &flavor_galera, &flavor_async, &flavor_semisync, NULL };
const struct manager_ops *const lab_managers[] = { &manager_pacemaker, NULL };

const struct manager_ops *manager_find(const char *name)
{
	for (size_t i = 0; lab_managers[i]; i++)
		if (!strcmp(lab_managers[i]->name, name))
			return lab_managers[i];
	return NULL;
}

const struct backend_ops *backend_find(const char *name)
{
	for (size_t i = 0; lab_backends[i]; i++)
		if (!strcmp(lab_backends[i]->name, name))
			return lab_backends[i];
	return NULL;
}

const struct flavor_ops *flavor_find(const char *name)
{
	for (size_t i = 0; lab_flavors[i]; i++)
		if (!strcmp(lab_flavors[i]->name, name))
			return lab_flavors[i];
	return NULL;
}

const char *backend_name(const struct backend_ops *b)
{
	return b ? b->name : "?";
}

const char *flavor_name(const struct flavor_ops *f)
{
	return f ? f->name : "?";
}

const char *backend_unavailable(const struct backend_ops *b)
{
	if (!b)
		return "no such backend";
	return b->unavailable ? b->unavailable() : NULL;
}

/* ---- state ---- */

void kv_free(struct kv *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

int cluster_state_parse(const char *text, struct kv **out, size_t *n)
{
	char *copy = xstrdup(text), *save = NULL, *line;
	struct kv *v = NULL;
	size_t count = 0;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp;
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		sp = strchr(line, ' ');
		v = xrealloc(v, (count + 1) * sizeof(*v));
		if (sp) {
			*sp = '\0';
			v[count].value = xstrdup(sp + 1);
		} else {
			v[count].value = xstrdup("");
		}
		v[count].key = xstrdup(line);
		count++;
	}
	free(copy);
	*out = v;
	*n = count;
	return 0;
}

const char *cluster_state_get(const struct cluster *c, const char *key)
{
	for (size_t i = 0; i < c->n_state; i++)
		if (!strcmp(c->state[i].key, key))
			return c->state[i].value;
	return NULL;
}

int cluster_state_get_int(const struct cluster *c, const char *key, int64_t *v)
{
	const char *s = cluster_state_get(c, key);

	if (!s || parse_int64(s, INT64_MIN, INT64_MAX, v) < 0)
		return -1;
	return 0;
}

void cluster_state_set(struct cluster *c, const char *key, const char *value)
{
	for (size_t i = 0; i < c->n_state; i++) {
		if (strcmp(c->state[i].key, key))
			continue;
		if (!value) {
			free(c->state[i].key);
			free(c->state[i].value);
			memmove(&c->state[i], &c->state[i + 1], (c->n_state - i - 1) * sizeof(*c->state));
			c->n_state--;
			return;
		}
		free(c->state[i].value);
		c->state[i].value = xstrdup(value);
		return;
	}
	if (!value)
		return;
	c->state = xrealloc(c->state, (c->n_state + 1) * sizeof(*c->state));
	c->state[c->n_state].key = xstrdup(key);
	c->state[c->n_state].value = xstrdup(value);
	c->n_state++;
}

void cluster_state_setf(struct cluster *c, const char *key, const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	cluster_state_set(c, key, sb.buf ? sb.buf : "");
	sb_release(&sb);
}

static char *state_path(const struct cluster *c)
{
	return xasprintf("%s/state", c->state_dir);
}

int cluster_state_save(struct cluster *c)
{
	struct strbuf sb = {0};
	char *path;
	int rc;

	/* Opened without the lock (status, wait, the fence agent while a run
	 * owns the cluster): read only. Writing the whole file from this
	 * copy would undo what the owner wrote since. */
	if (c->spec.lock == CLUSTER_LOCK_NONE)
		return 0;
	path = state_path(c);

	sb_puts(&sb, "# lab cluster state: written by lab, read by `lab cluster down|status`\n");
	for (size_t i = 0; i < c->n_state; i++)
		sb_printf(&sb, "%s %s\n", c->state[i].key, c->state[i].value);
	rc = write_file_atomic(path, sb.buf, sb.len, 0644);
	sb_release(&sb);
	free(path);
	return rc;
}

static int state_load(struct cluster *c)
{
	char *path = state_path(c);
	char *text;

	if (!path_exists(path)) {
		free(path);
		kv_free(c->state, c->n_state);
		c->state = NULL;
		c->n_state = 0;
		return 0;
	}
	text = read_file(path, NULL);
	free(path);
	if (!text)
		return -1;
	kv_free(c->state, c->n_state);
	cluster_state_parse(text, &c->state, &c->n_state);
	free(text);
	return 0;
}

/* ---- open / release ---- */

static void remove_state_files(struct cluster *c);

/* The owner recorded in STATE/lock died holding the cluster (SIGKILL, a
 * CI job's timeout): remove what it left, as cluster_down would (paused
 * servers resumed and stopped, partitions healed, powerfs unmounted,
 * namespaces removed; the backend says each), before anything else. */
static int clean_after_dead_owner(struct cluster *c, const struct lock_holder *dead)
{
	const char *status = cluster_state_get(c, "status");
	char when[32];

	format_utc(dead->since, when, sizeof(when));
	lab_info("cluster '%s' was left %s by lab pid %d ('%s', since %s), which is gone: undoing what it left",
		 c->name, status ? status : "half built", (int)dead->pid, dead->cmd, when);
	if (c->manager)
		c->manager->down(c);
	if (c->backend->destroy(c) < 0) {
		lab_error("cluster '%s': cannot clean up after lab pid %d; the state stays in '%s/state' for 'lab cluster down --name %s'",
			  c->name, (int)dead->pid, c->state_dir, c->name);
		return -1;
	}
	remove_state_files(c);
	kv_free(c->state, c->n_state);
	c->state = NULL;
	c->n_state = 0;
	lab_info("cluster '%s': cleaned up after lab pid %d: its servers stopped, their disks unmounted, its network and state removed",
		 c->name, (int)dead->pid);
	c->dead_owner = dead->pid;
	return 0;
}

/* Take STATE/lock as c->spec.lock says, unless held already or not wanted.
 * The state file is read again under the lock: what another process wrote
 * before it let go is what counts. */
static int take_lock(struct cluster *c, struct lock_holder *dead)
{
	int fd;

	memset(dead, 0, sizeof(*dead));
	if (c->lock_fd >= 0 || c->spec.lock == CLUSTER_LOCK_NONE)
		return 0;
	fd = cluster_lock_take(c->state_dir, c->name, c->spec.lock == CLUSTER_LOCK_OWNER, dead, &c->lock_wrote);
	if (fd < 0)
		return -1;
	c->lock_fd = fd;
	return state_load(c);
}

static int init_creds(struct cluster *c)
{
	creds_release(&c->creds);
	if (creds_init(&c->creds, "lab", "bank", c->defaults_file) < 0)
		return -1;
	/* This cluster's password is in its client.cnf; LAB_PASSWORD is for
	 * clusters lab did not start. */
	if (c->creds.password) {
		memset(c->creds.password, 0, strlen(c->creds.password));
		free(c->creds.password);
		c->creds.password = NULL;
	}
	return 0;
}

int cluster_open(struct cluster *c, const struct cluster_spec *spec)
{
	const char *name = spec->name ? spec->name : "lab";
	const char *flavor, *backend;
	int64_t nodes;
	struct lock_holder dead = { 0 };

	memset(c, 0, sizeof(*c));
	c->lock_fd = -1;
	c->spec.lock = spec->lock;
	if (!cluster_name_valid(name)) {
		lab_error("bad cluster name '%s': want 1-32 of a-z 0-9 - _, starting with a letter or digit",
			  name);
		return -1;
	}
	c->name = xstrdup(name);
	c->state_dir = spec->state_dir ? xstrdup(spec->state_dir) : xasprintf("/var/tmp/lab/%s", name);
	if (c->state_dir[0] != '/') {
		/* Absolute: servers and the powerfs mount see it from elsewhere. */
		char cwd[PATH_MAX];
		char *abs;
		if (!getcwd(cwd, sizeof(cwd))) {
			lab_error("cannot get the current directory: %s", strerror(errno));
			goto fail;
		}
		abs = xasprintf("%s/%s", cwd, c->state_dir);
		free(c->state_dir);
		c->state_dir = abs;
	}
	c->defaults_file = xasprintf("%s/client.cnf", c->state_dir);
	/* A fresh cluster has no directory yet: cluster_up locks it. */
	if (path_exists(c->state_dir) && take_lock(c, &dead) < 0)
		goto fail;
	if (state_load(c) < 0)
		goto fail;

	c->spec = *spec;
	c->spec.name = c->name;
	c->spec.state_dir = c->state_dir;
	flavor = cluster_state_get(c, "flavor");
	backend = cluster_state_get(c, "backend");
	if (c->n_state) {
		if (cluster_state_get_int(c, "nodes", &nodes) < 0 || nodes < 1 || nodes > LAB_MAX_NODES) {
			lab_error("state file '%s/state': bad or missing 'nodes'", c->state_dir);
			goto fail;
		}
		c->spec.nodes = (int)nodes;
		/* The extra server options the cluster was made with. */
		size_t n = 0;
		for (size_t i = 0; i < c->n_state; i++)
			if (!strncmp(c->state[i].key, "mysqld.", 7))
				n++;
		c->owned_mysqld = xcalloc(n + 1, sizeof(struct kv));
		n = 0;
		for (size_t i = 0; i < c->n_state; i++) {
			if (strncmp(c->state[i].key, "mysqld.", 7))
				continue;
			c->owned_mysqld[n].key = xstrdup(c->state[i].key + 7);
			c->owned_mysqld[n].value = xstrdup(c->state[i].value);
			n++;
		}
		c->spec.mysqld = c->owned_mysqld;
		c->spec.n_mysqld = n;
	} else {
		flavor = spec->flavor ? spec->flavor : "galera";
		backend = spec->backend ? spec->backend : "local";
		if (!spec->nodes)
			c->spec.nodes = 3;
		if (c->spec.nodes < 1 || c->spec.nodes > LAB_MAX_NODES) {
			lab_error("bad node count %d: want 1..%d", c->spec.nodes, LAB_MAX_NODES);
			goto fail;
		}
		c->owned_mysqld = xcalloc(spec->n_mysqld + 1, sizeof(struct kv));
		for (size_t i = 0; i < spec->n_mysqld; i++) {
			c->owned_mysqld[i].key = xstrdup(spec->mysqld[i].key);
			c->owned_mysqld[i].value = xstrdup(spec->mysqld[i].value ? spec->mysqld[i].value : "");
		}
		c->spec.mysqld = c->owned_mysqld;
		c->spec.n_mysqld = spec->n_mysqld;
	}
	if (!flavor || !backend) {
		lab_error("state file '%s/state': missing flavor or backend", c->state_dir);
		goto fail;
	}
	c->flavor = flavor_find(flavor);
	c->backend = backend_find(backend);
	if (!c->flavor) {
		lab_error("unknown flavor '%s'", flavor);
		goto fail;
	}
	if (!c->backend) {
		lab_error("unknown backend '%s'", backend);
		goto fail;
	}
	c->spec.flavor = c->flavor->name;
	c->spec.backend = c->backend->name;
	{
		const char *m = c->n_state ? cluster_state_get(c, "manager") : spec->manager;
		if (m && strcmp(m, "none")) {
			c->manager = manager_find(m);
			if (!c->manager) {
				lab_error("unknown failover manager '%s' (none, pacemaker)", m);
				goto fail;
			}
			c->spec.manager = c->manager->name;
		} else {
			c->spec.manager = NULL;
		}
		if (c->n_state) {
			const char *f = cluster_state_get(c, "manager.fencing");
			c->spec.no_fencing = f && !strcmp(f, "0");
		}
	}
	/* libvirt_uri and domains are borrowed from the caller's spec, for
	 * cluster_up (the backend records them in the state file); an
	 * existing cluster has them in its state. */
	if (c->n_state) {
		c->spec.libvirt_uri = NULL;
		c->spec.domains = NULL;
	}
	if (path_exists(c->defaults_file) && init_creds(c) < 0)
		goto fail;
	if (c->n_state && c->backend->attach && c->backend->attach(c) < 0)
		goto fail;
	if (dead.pid && c->n_state && c->spec.lock == CLUSTER_LOCK_OWNER && clean_after_dead_owner(c, &dead) < 0)
		goto fail;
	if (c->spec.lock != CLUSTER_LOCK_OWNER && c->n_state) {
		/* A reader or a change by hand leaves a dead owner's mess to
		 * the next owner, but says it is there. */
		if (c->lock_fd < 0)
			cluster_lock_peek_dead(c->state_dir, &dead);
		if (dead.pid)
			lab_info("cluster '%s' was left by lab pid %d ('%s'), which is gone without cleaning up: 'lab cluster down --name %s' or the next 'lab run' undoes what it left",
				 c->name, (int)dead.pid, dead.cmd, c->name);
	}
	return 0;
fail:
	cluster_release(c);
	return -1;
}

void cluster_release(struct cluster *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->state_dir);
	free(c->defaults_file);
	creds_release(&c->creds);
	if (c->owned_mysqld) {
		for (size_t i = 0; c->owned_mysqld[i].key; i++) {
			free(c->owned_mysqld[i].key);
			free(c->owned_mysqld[i].value);
		}
		free(c->owned_mysqld);
	}
	kv_free(c->state, c->n_state);
	free(c->backend_data);
	free(c->flavor_data);
	cluster_lock_drop(c->lock_fd, c->lock_wrote);
	memset(c, 0, sizeof(*c));
	c->lock_fd = -1;
}

/* Server options lab sets itself (where each node lives, who it is, how
 * the topology is wired): a user who set them would break the cluster lab
 * builds or point it at something else. */
static const char *const managed_options[] = {
	"user", "datadir", "basedir", "port", "socket", "pid_file", "bind_address", "log_error", "plugin_dir",
	"lc_messages_dir", "server_id", "log_bin", "relay_log", "wsrep_on", "wsrep_provider",
	"wsrep_cluster_address", "wsrep_cluster_name", "wsrep_node_address", "wsrep_node_name",
	"wsrep_new_cluster", "wsrep_start_position", "wsrep_recover", "wsrep_sst_receive_address", NULL,
};
/* Options with which the server runs programs or loads code. */
static const char *const command_options[] = {
	"wsrep_notify_cmd", "init_file", "init_connect", "plugin_load", "plugin_load_add", NULL,
};

static bool in_list(const char *const *v, const char *w)
{
	for (size_t i = 0; v[i]; i++)
		if (!strcmp(v[i], w))
			return true;
	return false;
}

const char *mysqld_option_problem(const char *key, bool allow_commands)
{
	char norm[64];
	size_t i;

	for (i = 0; key[i] && i + 1 < sizeof(norm); i++)
		norm[i] = key[i] == '-' ? '_' : (char)tolower((unsigned char)key[i]);
	norm[i] = '\0';
	if (in_list(managed_options, norm))
		return "is set by lab itself (it places, names and wires every node): leave it out";
	if (in_list(command_options, norm) && !allow_commands)
		return "makes the server run a program or load code";
	return NULL;
}

bool cluster_is_up(struct cluster *c)
{
	const char *s = cluster_state_get(c, "status");

	return s && !strcmp(s, "up");
}

MYSQL *cluster_connect(struct cluster *c, int node, int timeout_s)
{
	return db_connect(&c->hosts[node - 1], &c->creds, timeout_s, timeout_s, 0);
}

/* ---- up / down / status ---- */

static int write_client_cnf(struct cluster *c)
{
	unsigned char raw[18];
	char pw[sizeof(raw) * 2 + 1];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	char *text;
	int rc;

	if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw)) {
		lab_error("cannot read /dev/urandom: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(pw + 2 * i, 3, "%02x", raw[i]);
	text = xasprintf("# lab cluster '%s': the lab user's credentials\n[client]\nuser=lab\npassword=%s\n",
			 c->name, pw);
	rc = write_file_atomic(c->defaults_file, text, strlen(text), 0600);
	memset(text, 0, strlen(text));
	memset(pw, 0, sizeof(pw));
	free(text);
	if (rc < 0)
		return -1;
	return init_creds(c);
}

/* Remove what up made besides processes and network: the state file, the
 * credentials, the data directories and snapshots. Logs stay. */
static void remove_state_files(struct cluster *c)
{
	char *p;

	for (int i = 1; i <= c->spec.nodes; i++) {
		p = xasprintf("%s/n%d/data", c->state_dir, i);
		remove_tree(p);
		free(p);
		/* the local backend's powerfs backing store (its daemon is gone) */
		p = xasprintf("%s/n%d/backing", c->state_dir, i);
		remove_tree(p);
		free(p);
		/* a failover manager's per-node state (Pacemaker's CIB) */
		p = xasprintf("%s/n%d/manager", c->state_dir, i);
		remove_tree(p);
		free(p);
	}
	p = xasprintf("%s/snapshots", c->state_dir);
	remove_tree(p);
	free(p);
	unlink(c->defaults_file);
	p = state_path(c);
	unlink(p);
	free(p);
}

/* Can user (uid, its groups) search directory st (permission bits only)? */
static bool searchable_by(const struct stat *st, uid_t uid, const gid_t *groups, int n_groups)
{
	if (uid == 0)
		return true;
	if (st->st_uid == uid)
		return st->st_mode & S_IXUSR;
	for (int i = 0; i < n_groups; i++)
		if (st->st_gid == groups[i])
			return st->st_mode & S_IXGRP;
	return st->st_mode & S_IXOTH;
}

/* The servers run as `user` and open files under the state directory:
 * every ancestor that exists must be searchable by that user (mktemp -d
 * makes 0700 directories). Those that do not exist yet are listed in
 * *missing (malloc'd, NULL-terminated) for make_state_dir to open up. */
static int check_state_dir_reachable(const char *dir, const char *user, char ***missing)
{
	struct passwd *pw = getpwnam(user);
	gid_t groups[64];
	int n_groups = ARRAY_SIZE(groups);
	char *path = xstrdup(dir);
	size_t n_missing = 0;
	int rc = 0;

	*missing = xcalloc(1, sizeof(char *));
	if (!pw) {
		free(path);
		lab_error("no user '%s' (install mariadb-server: make deps)", user);
		return -1;
	}
	if (getgrouplist(user, pw->pw_gid, groups, &n_groups) < 0)
		n_groups = ARRAY_SIZE(groups);
	for (char *slash = path + 1;; slash++) {
		bool last = *slash == '\0';
		struct stat st;
		if (!last && *slash != '/')
			continue;
		*slash = '\0';
		if (stat(path, &st) < 0) {
			*missing = xrealloc(*missing, (n_missing + 2) * sizeof(char *));
			(*missing)[n_missing++] = xstrdup(path);
			(*missing)[n_missing] = NULL;
		} else if (!S_ISDIR(st.st_mode)) {
			lab_error("state directory '%s': '%s' is not a directory", dir, path);
			rc = -1;
		} else if (!last && !searchable_by(&st, pw->pw_uid, groups, n_groups)) {
			/* (the state directory itself is made 0755 by cluster_up) */
			struct passwd *owner = getpwuid(st.st_uid);
			lab_error("state directory '%s' is out of reach of the servers' user '%s': '%s' (mode %04o, owner %s) is not searchable by it; chmod o+x '%s', or choose another --state-dir",
				  dir, user, path, (unsigned)(st.st_mode & 07777), owner ? owner->pw_name : "?", path);
			rc = -1;
		}
		if (last || rc < 0)
			break;
		*slash = '/';
	}
	free(path);
	return rc;
}

static void free_list(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Make the state directory (and its missing ancestors, searchable by the
 * servers' user whatever the umask) and lock it. */
static int make_state_dir(struct cluster *c)
{
	char **missing = NULL;
	int rc = -1;

	if (c->backend->server_user && check_state_dir_reachable(c->state_dir, c->backend->server_user, &missing) < 0)
		goto out;
	if (mkdir_p(c->state_dir, 0755) < 0)
		goto out;
	for (size_t i = 0; missing && missing[i]; i++)
		if (chmod(missing[i], 0755) < 0) {
			lab_error("cannot chmod '%s': %s", missing[i], strerror(errno));
			goto out;
		}
	rc = 0;
out:
	free_list(missing);
	return rc;
}

int cluster_up(struct cluster *c)
{
	const char *why;
	const char *status;
	struct lock_holder dead;

	why = backend_unavailable(c->backend);
	if (why) {
		lab_error("backend '%s' is unavailable: %s", c->backend->name, why);
		return -1;
	}
	/* Nothing is made, here or remotely, before the backend may go on. */
	if (c->backend->precheck && c->backend->precheck(c) < 0)
		return -1;
	if (cluster_check_builds(c) < 0)   /* versions.h: every node's server build is here */
		return -1;
	if (c->manager) {
		const char *no = c->manager->unavailable ? c->manager->unavailable() : NULL;
		if (!no && c->manager->cannot)
			no = c->manager->cannot(c);
		if (no) {
			lab_error("failover manager '%s' is unavailable: %s", c->manager->name, no);
			return -1;
		}
	}
	if (make_state_dir(c) < 0)
		return -1;
	if (take_lock(c, &dead) < 0)
		return -1;
	status = cluster_state_get(c, "status");
	if (status && !strcmp(status, "up")) {
		lab_info("cluster '%s' is already up (%s, %d nodes, state in '%s')", c->name,
			 c->flavor->name, c->spec.nodes, c->state_dir);
		return 0;
	}
	if (status) {
		lab_error("cluster '%s' is half built (status '%s' in '%s/state'): run 'lab cluster down --name %s' first",
			  c->name, status, c->state_dir, c->name);
		return -1;
	}
	chmod(c->state_dir, 0755);
	cluster_state_describe(c, "creating");
	cluster_record_builds(c);
	if (c->manager) {
		cluster_state_set(c, "manager", c->manager->name);
		cluster_state_set(c, "manager.fencing", c->spec.no_fencing ? "0" : "1");
	}
	for (size_t i = 0; i < c->spec.n_mysqld; i++) {
		char *k = xasprintf("mysqld.%s", c->spec.mysqld[i].key);
		cluster_state_set(c, k, c->spec.mysqld[i].value);
		free(k);
	}
	if (cluster_state_save(c) < 0)
		return -1;
	if (write_client_cnf(c) < 0 || c->backend->create(c) < 0 || cluster_choose_dialects(c) < 0 ||
	    c->flavor->up(c) < 0 ||
	    (c->backend->up_done && c->backend->up_done(c) < 0) || (c->manager && c->manager->up(c) < 0)) {
		char msg[1024];
		lab_strlcpy(msg, lab_last_error(), sizeof(msg));
		lab_info("cluster '%s' did not come up; removing what was made (logs stay in '%s')",
			 c->name, c->state_dir);
		if (c->manager)
			c->manager->down(c);
		c->backend->destroy(c);
		remove_state_files(c);
		kv_free(c->state, c->n_state);
		c->state = NULL;
		c->n_state = 0;
		lab_error_quiet("%s", msg);
		return -1;
	}
	cluster_state_set(c, "status", "up");
	cluster_state_setf(c, "up_at", "%.0f", wall_seconds());
	return cluster_state_save(c);
}

int cluster_down(struct cluster *c)
{
	struct lock_holder dead;

	/* Never remove what another lab process is working on. */
	if (path_exists(c->state_dir) && c->spec.lock != CLUSTER_LOCK_NONE && take_lock(c, &dead) < 0)
		return -1;
	if (!c->n_state) {
		if (!c->dead_owner)
			lab_info("cluster '%s' is not up (no state in '%s'): nothing to do", c->name, c->state_dir);
		return 0;
	}
	if (c->manager)
		c->manager->down(c);
	if (c->backend->destroy(c) < 0) {
		lab_error("cluster '%s' was not fully removed; the state stays in '%s/state' for another 'down'",
			  c->name, c->state_dir);
		return -1;
	}
	remove_state_files(c);
	kv_free(c->state, c->n_state);
	c->state = NULL;
	c->n_state = 0;
	return 0;
}

void cluster_state_describe(struct cluster *c, const char *status)
{
	cluster_state_set(c, "version", "1");
	cluster_state_set(c, "name", c->name);
	cluster_state_set(c, "flavor", c->flavor->name);
	cluster_state_set(c, "backend", c->backend->name);
	cluster_state_setf(c, "nodes", "%d", c->spec.nodes);
	cluster_state_set(c, "state_dir", c->state_dir);
	cluster_state_set(c, "status", status);
}

int cluster_check_node(struct cluster *c, int node)
{
	if (!c->n_state) {
		lab_error("cluster '%s' is not up", c->name);
		return -1;
	}
	if (node < 1 || node > c->spec.nodes) {
		lab_error("no node %d in cluster '%s' (nodes 1..%d)", node, c->name, c->spec.nodes);
		return -1;
	}
	return 0;
}

int cluster_status(struct cluster *c, struct node_status *st)
{
	if (!c->n_state) {
		lab_error("cluster '%s' is not up", c->name);
		return -1;
	}
	for (int i = 1; i <= c->spec.nodes; i++) {
		struct node_status *s = &st[i - 1];
		memset(s, 0, sizeof(*s));
		s->node = i;
		s->cluster_size = -1;
		s->last_committed = -1;
		s->pending_bytes = -1;
		s->pid = c->backend->node_pid(c, i);
		hostport_format(&c->hosts[i - 1], s->address, sizeof(s->address));
		if (s->pid > 0)
			c->flavor->node_status(c, i, s);
		if (c->backend->node_disk_status)
			c->backend->node_disk_status(c, i, s);
	}
	return 0;
}

/* ---- dispatch ---- */

#define NEED_B(op, what)                                                                     \
	do {                                                                                 \
		if (!c->backend->op) {                                                       \
			lab_error("backend '%s' cannot %s", c->backend->name, what);         \
			return -1;                                                           \
		}                                                                            \
	} while (0)
#define NEED_F(op, what)                                                                     \
	do {                                                                                 \
		if (!c->flavor->op) {                                                        \
			lab_error("flavor '%s' cannot %s", c->flavor->name, what);           \
			return -1;                                                           \
		}                                                                            \
	} while (0)

/* With a failover manager lab does not make database decisions: -1 with
 * the reason. */
static int manager_refuses(struct cluster *c, const char *what)
{
	lab_error("refused: %s is the failover manager's job (cluster.manager: %s); lab does not do it behind the manager's back — make a fault (kill, hard-reset, partition) and let %s react, or boot a node with 'start'",
		  what, c->manager->name, c->manager->name);
	return -1;
}

int cluster_manager_status(struct cluster *c, struct strbuf *out)
{
	if (!c->manager || !c->n_state)
		return 0;
	return c->manager->status(c, out);
}

int cluster_manager_events(struct cluster *c, double since, struct manager_event **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!c->manager || !c->n_state || !c->manager->events)
		return 0;
	return c->manager->events(c, since, out, n);
}

int node_start(struct cluster *c, int node)
{
	if (cluster_check_node(c, node) < 0)
		return -1;
	if (c->manager) {
		/* A node boots: its manager's daemons start, and the manager
		 * starts the database as it sees fit. */
		if (c->manager->node_running(c, node)) {
			lab_info("node %d: %s runs there already; the database is its business", node, c->manager->name);
			return 0;
		}
		return c->manager->node_boot(c, node);
	}
	if (c->backend->node_pid(c, node) > 0) {
		lab_info("node %d is already running", node);
		return 0;
	}
	return c->flavor->node_start(c, node);
}

int node_start_all(struct cluster *c, struct strbuf *why)
{
	if (!c->n_state) {
		lab_error("cluster '%s' is not up", c->name);
		return -1;
	}
	if (c->manager) {
		for (int i = 1; i <= c->spec.nodes; i++)
			if (!c->manager->node_running(c, i) && c->manager->node_boot(c, i) < 0)
				return -1;
		sb_printf(why, "every node booted; %s decides what starts where", c->manager->name);
		return 0;
	}
	NEED_F(node_start_all, "start all nodes");
	return c->flavor->node_start_all(c, why);
}

int node_stop(struct cluster *c, int node)
{
	if (cluster_check_node(c, node) < 0)
		return -1;
	if (c->manager)
		return c->manager->node_shutdown(c, node);
	return c->backend->node_stop(c, node, 300000);
}

int node_kill(struct cluster *c, int node, int sig)
{
	if (cluster_check_node(c, node) < 0)
		return -1;
	if (sig <= 0 || sig >= NSIG) {
		lab_error("bad signal %d", sig);
		return -1;
	}
	return c->backend->node_signal(c, node, sig);
}

/* The one place a hard reset happens (the backend decides what a power cut
 * means: for local, SIGKILL of the node's processes; with the power-loss
 * layer, also the loss of its un-synced writes). */
int node_hard_reset(struct cluster *c, int node)
{
	c->note[0] = '\0';
	if (cluster_check_node(c, node) < 0)
		return -1;
	NEED_B(node_hard_reset, "hard-reset a node");
	return c->backend->node_hard_reset(c, node);
}

int nodes_hard_reset(struct cluster *c, const int *nodes, size_t n, struct strbuf *detail)
{
	bool frozen[LAB_MAX_NODES + 1] = { false };
	int n_frozen = 0, rc = 0;
	int64_t t0 = mono_ns();
	struct strbuf notes = { 0 };

	for (size_t i = 0; i < n; i++)
		if (cluster_check_node(c, nodes[i]) < 0)
			return -1;
	NEED_B(node_hard_reset, "hard-reset a node");
	/* Several nodes lose power at the same instant: each one's reset (kill,
	 * page cache write-back, power cut) takes a while, so first every
	 * running one is frozen, all within a millisecond or so; none of them
	 * commits, acknowledges or writes anything after the first went dark. */
	if (n > 1) {
		for (size_t i = 0; i < n; i++) {
			if (frozen[nodes[i]] || c->backend->node_pid(c, nodes[i]) <= 0)
				continue;
			if (c->backend->node_signal(c, nodes[i], SIGSTOP) < 0) {
				rc = -1;
				break;
			}
			frozen[nodes[i]] = true;
			n_frozen++;
		}
		if (rc == 0 && n_frozen > 1 && detail)
			sb_printf(detail, "%d nodes frozen within %.1f ms, then ", n_frozen, (mono_ns() - t0) / 1e6);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		pid_t pid = c->backend->node_pid(c, nodes[i]);
		c->note[0] = '\0';
		if (c->backend->node_hard_reset(c, nodes[i]) < 0) {
			rc = -1;
			break;
		}
		frozen[nodes[i]] = false;
		if (c->note[0])
			sb_printf(&notes, "%s%s", notes.len ? "; " : "", c->note);
		if (detail)
			sb_printf(detail, "%snode %d (pid %d) reset",
				  detail->len && detail->buf[detail->len - 1] != ' ' ? ", " : "", nodes[i], (int)pid);
	}
	/* A reset that failed half way leaves no server frozen behind it. */
	for (int k = 1; k <= LAB_MAX_NODES; k++)
		if (frozen[k] && c->backend->node_pid(c, k) > 0)
			c->backend->node_signal(c, k, SIGCONT);
	/* The account of every cut, for the step's detail. */
	if (notes.len)
		lab_strlcpy(c->note, notes.buf, sizeof(c->note));
	sb_release(&notes);
	return rc;
}

int nodes_hard_reset_torn(struct cluster *c, const int *nodes, size_t n, double torn, struct strbuf *detail)
{
	int rc;

	if (!(torn >= 0.0 && torn <= 1.0)) {
		lab_error("bad torn fraction %g: want 0..1", torn);
		return -1;
	}
	c->torn = torn;
	rc = nodes_hard_reset(c, nodes, n, detail);
	c->torn = 0.0;
	return rc;
}

int64_t node_log_mark(struct cluster *c, int node)
{
	const char *path = c->backend && c->backend->node_log_path ? c->backend->node_log_path(c, node) : NULL;
	struct stat sb;

	return path && stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* The node's error log from mark on (malloc'd), or NULL when there is none. */
static char *log_since(struct cluster *c, int node, int64_t mark)
{
	const char *path = c->backend && c->backend->node_log_path ? c->backend->node_log_path(c, node) : NULL;
	size_t len;
	char *text, *tail;

	if (!path || !(text = read_file(path, &len)))
		return NULL;
	if (mark > 0 && (size_t)mark <= len) {
		tail = xstrdup(text + mark);
		free(text);
		return tail;
	}
	return text;
}

const char *node_caught_up(struct cluster *c, int node, int64_t mark, struct strbuf *what)
{
	const char *kind;
	char *tail;

	if (!c->flavor->log_caught_up || !(tail = log_since(c, node, mark)))
		return NULL;
	kind = c->flavor->log_caught_up(tail, what);
	free(tail);
	return kind;
}

void node_start_failure(struct cluster *c, int node, int64_t mark, struct strbuf *why)
{
	char *tail;

	if (!c->flavor->log_start_failure || !(tail = log_since(c, node, mark)))
		return;
	c->flavor->log_start_failure(tail, why);
	free(tail);
}

int cluster_primary(struct cluster *c)
{
	if (c->manager && c->n_state)
		return c->manager->primary(c);
	return c->flavor && c->flavor->primary ? c->flavor->primary(c) : 0;
}

int node_pause(struct cluster *c, int node)
{
	if (cluster_check_node(c, node) < 0)
		return -1;
	return c->backend->node_signal(c, node, SIGSTOP);
}

int node_resume(struct cluster *c, int node)
{
	if (cluster_check_node(c, node) < 0)
		return -1;
	return c->backend->node_signal(c, node, SIGCONT);
}

pid_t node_pid(struct cluster *c, int node)
{
	if (!c->n_state || node < 1 || node > c->spec.nodes)
		return 0;
	return c->backend->node_pid(c, node);
}

int node_delete_file(struct cluster *c, int node, const char *relpath)
{
	if (cluster_check_node(c, node) < 0)
		return -1;
	NEED_B(node_delete_file, "delete files");
	return c->backend->node_delete_file(c, node, relpath);
}

int node_delete_redo_log(struct cluster *c, int node, struct strbuf *deleted)
{
	const char *files[4];
	char what[320];

	if (cluster_check_node(c, node) < 0)
		return -1;
	NEED_B(node_delete_file, "delete files");
	const struct server_dialect *sd = cluster_node_dialect(c, node);
	size_t n = dialect_redo_files(sd, files, ARRAY_SIZE(files));
	for (size_t i = 0; i < n; i++) {
		if (c->backend->node_delete_file(c, node, files[i]) < 0)
			return -1;
		if (deleted)
			sb_printf(deleted, "%s%s", deleted->len ? ", " : "", files[i]);
	}
	lab_info("node %d: deleted its redo log (%s: %zu entr%s)", node, dialect_describe(sd, what, sizeof(what)), n,
		 n == 1 ? "y" : "ies");
	return 0;
}

int node_edit_grastate(struct cluster *c, int node, const int64_t *seqno, int safe_to_bootstrap)
{
	if (cluster_check_node(c, node) < 0)
		return -1;
	NEED_F(node_edit_state, "edit grastate.dat");
	return c->flavor->node_edit_state(c, node, seqno, safe_to_bootstrap);
}

void partition_format(const uint32_t *member_of, int nodes, struct strbuf *out)
{
	bool first = true;

	for (int g = 0; g < LAB_MAX_GROUPS; g++) {
		bool any = false;
		for (int n = 1; n <= nodes; n++)
			if (member_of[n - 1] & (1u << g)) {
				sb_printf(out, "%s%d", any ? "," : first ? "[" : "] | [", n);
				any = true;
				first = false;
			}
	}
	if (!first)
		sb_puts(out, "]");
}

int cluster_partition(struct cluster *c, const uint32_t *member_of)
{
	if (!c->n_state) {
		lab_error("cluster '%s' is not up", c->name);
		return -1;
	}
	NEED_B(partition, "partition the network");
	return c->backend->partition(c, member_of);
}

int cluster_heal(struct cluster *c)
{
	if (!c->n_state) {
		lab_error("cluster '%s' is not up", c->name);
		return -1;
	}
	NEED_B(heal, "heal the network");
	return c->backend->heal(c);
}

static int check_snapshot_name(const struct cluster *c, const char *name)
{
	const char *why = snapshot_name_problem(name);

	if (!why && c->backend->snapshot_name_problem)
		why = c->backend->snapshot_name_problem(name);
	if (why) {
		lab_error("bad snapshot name '%s': %s", name, why);
		return -1;
	}
	return 0;
}

int node_snapshot(struct cluster *c, int node, const char *name)
{
	if (cluster_check_node(c, node) < 0 || check_snapshot_name(c, name) < 0)
		return -1;
	NEED_B(node_snapshot, "snapshot a node");
	return c->backend->node_snapshot(c, node, name);
}

int node_revert(struct cluster *c, int node, const char *name)
{
	if (cluster_check_node(c, node) < 0 || check_snapshot_name(c, name) < 0)
		return -1;
	NEED_B(node_revert, "revert a node");
	return c->backend->node_revert(c, node, name);
}

int node_set_cache_mode(struct cluster *c, int node, const char *mode)
{
	c->note[0] = '\0';
	if (cluster_check_node(c, node) < 0)
		return -1;
	NEED_B(node_set_cache_mode, "set a disk cache mode");
	return c->backend->node_set_cache_mode(c, node, mode);
}

int node_bootstrap(struct cluster *c, int node, bool force)
{
	if (cluster_check_node(c, node) < 0)
		return -1;
	if (c->manager)
		return manager_refuses(c, "bootstrapping a node");
	NEED_F(node_bootstrap, "bootstrap a node");
	return c->flavor->node_bootstrap(c, node, force);
}

int node_wait(struct cluster *c, int node, const char *for_state, int64_t timeout_ms)
{
	if (cluster_check_node(c, node) < 0)
		return -1;
	if (!strcmp(for_state, "down")) {
		int64_t deadline = mono_ns() + timeout_ms * 1000000;
		for (;;) {
			if (c->backend->node_pid(c, node) == 0)
				return 0;
			if (mono_ns() > deadline || lab_interrupted)
				break;
			sleep_ms(100);
		}
		lab_error("node %d is still running after %lld ms", node, (long long)timeout_ms);
		return -1;
	}
	if (strcmp(for_state, "synced") && strcmp(for_state, "primary") && strcmp(for_state, "non-primary")) {
		lab_error("bad wait state '%s': want synced, primary, non-primary or down", for_state);
		return -1;
	}
	NEED_F(node_wait, "wait for a node");
	return c->flavor->node_wait(c, node, for_state, timeout_ms);
}

int node_promote(struct cluster *c, int node)
{
	if (cluster_check_node(c, node) < 0)
		return -1;
	if (c->manager)
		return manager_refuses(c, "promoting a node");
	NEED_F(node_promote, "promote a node");
	return c->flavor->node_promote(c, node);
}

int node_rejoin(struct cluster *c, int node)
{
	if (cluster_check_node(c, node) < 0)
		return -1;
	if (c->manager)
		return manager_refuses(c, "repointing a node's replication");
	NEED_F(node_rejoin, "rejoin a node");
	return c->flavor->node_rejoin(c, node);
}

const char *node_datadir(struct cluster *c, int node)
{
	if (!c->n_state || node < 1 || node > c->spec.nodes || !c->backend->node_datadir)
		return NULL;
	return c->backend->node_datadir(c, node);
}

char *cluster_server_version(struct cluster *c)
{
	if (!c->n_state || !c->flavor->server_version)
		return NULL;
	return c->flavor->server_version(c);
}

void cluster_set_note(struct cluster *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->note, sizeof(c->note), fmt, ap);
	va_end(ap);
}

const char *cluster_last_note(const struct cluster *c)
{
	return c->note;
}

char *cluster_lab_password(struct cluster *c)
{
	size_t len = 0;
	char *text = read_file(c->defaults_file, &len), *save = NULL, *line, *pw = NULL;

	if (!text)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "password=", 9)) {
			pw = xstrdup(line + 9);
			break;
		}
	memset(text, 0, len);
	free(text);
	if (!pw)
		lab_error("no password in '%s'", c->defaults_file);
	return pw;
}
