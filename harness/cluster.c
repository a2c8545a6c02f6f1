/*
 * cluster.c — placeholder for the cluster API of cluster.h until the local
 * backend and the galera flavor land: every call says it is not built yet,
 * so nothing pretends to have injected a fault.
 */
#include "cluster.h"

#include <string.h>

const struct backend_ops *const lab_backends[] = { NULL };
const struct flavor_ops *const lab_flavors[] = { NULL };

#define NOT_BUILT(what) do { lab_error("%s: not built yet", what); return -1; } while (0)

const struct backend_ops *backend_find(const char *name) { (void)name; return NULL; }
const struct flavor_ops *flavor_find(const char *name) { (void)name; return NULL; }
const char *backend_name(const struct backend_ops *b) { (void)b; return "?"; }
const char *flavor_name(const struct flavor_ops *f) { (void)f; return "?"; }
const char *backend_unavailable(const struct backend_ops *b) { (void)b; return "not built yet"; }
int cluster_open(struct cluster *c, const struct cluster_spec *spec) { memset(c, 0, sizeof(*c)); (void)spec; NOT_BUILT("cluster"); }
void cluster_release(struct cluster *c) { (void)c; }
bool cluster_is_up(struct cluster *c) { (void)c; return false; }
int cluster_up(struct cluster *c) { (void)c; NOT_BUILT("cluster up"); }
int cluster_down(struct cluster *c) { (void)c; NOT_BUILT("cluster down"); }
int cluster_status(struct cluster *c, struct node_status *st) { (void)c; (void)st; NOT_BUILT("cluster status"); }
int node_start(struct cluster *c, int node) { (void)c; (void)node; NOT_BUILT("start"); }
int node_start_all(struct cluster *c, struct strbuf *why) { (void)c; (void)why; NOT_BUILT("start all"); }
int node_stop(struct cluster *c, int node) { (void)c; (void)node; NOT_BUILT("stop"); }
int node_kill(struct cluster *c, int node, int sig) { (void)c; (void)node; (void)sig; NOT_BUILT("kill"); }
int node_hard_reset(struct cluster *c, int node) { (void)c; (void)node; NOT_BUILT("hard-reset"); }
int node_pause(struct cluster *c, int node) { (void)c; (void)node; NOT_BUILT("pause"); }
int node_resume(struct cluster *c, int node) { (void)c; (void)node; NOT_BUILT("resume"); }
pid_t node_pid(struct cluster *c, int node) { (void)c; (void)node; return 0; }
int node_delete_file(struct cluster *c, int node, const char *p) { (void)c; (void)node; (void)p; NOT_BUILT("delete-file"); }
int node_edit_grastate(struct cluster *c, int node, const int64_t *s, int b) { (void)c; (void)node; (void)s; (void)b; NOT_BUILT("edit-grastate"); }
int cluster_partition(struct cluster *c, const int *g) { (void)c; (void)g; NOT_BUILT("partition"); }
int cluster_heal(struct cluster *c) { (void)c; NOT_BUILT("heal"); }
int node_snapshot(struct cluster *c, int node, const char *n) { (void)c; (void)node; (void)n; NOT_BUILT("snapshot"); }
int node_revert(struct cluster *c, int node, const char *n) { (void)c; (void)node; (void)n; NOT_BUILT("revert"); }
int node_set_cache_mode(struct cluster *c, int node, const char *m) { (void)c; (void)node; (void)m; NOT_BUILT("disk-cache"); }
int node_bootstrap(struct cluster *c, int node, bool f) { (void)c; (void)node; (void)f; NOT_BUILT("bootstrap"); }
int node_wait(struct cluster *c, int node, const char *s, int64_t t) { (void)c; (void)node; (void)s; (void)t; NOT_BUILT("wait"); }
int node_promote(struct cluster *c, int node) { (void)c; (void)node; NOT_BUILT("promote"); }
int node_rejoin(struct cluster *c, int node) { (void)c; (void)node; NOT_BUILT("rejoin"); }
const char *node_datadir(struct cluster *c, int node) { (void)c; (void)node; return NULL; }
char *cluster_server_version(struct cluster *c) { (void)c; return NULL; }
