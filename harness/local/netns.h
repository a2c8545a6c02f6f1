/*
 * netns.h — the local backend's network: one namespace per node, a bridge
 * in a namespace of its own, a veth from the root namespace to the bridge,
 * a claimed 10.213.X.0/24 per cluster, a blackhole route for 10.213.0.0/16
 * as a safety net, and nftables tables inside node namespaces for
 * partitions. Everything goes through `ip` / `nft` as argv arrays.
 *
 * Layout for cluster NAME on subnet X (node i = 1..n):
 *
 *   root ns:      lbX  10.213.X.1/24   (veth; its peer lbXh is a bridge port)
 *                 route 10.213.X.0/24 dev lbX    (the kernel's, from the address)
 *                 route blackhole 10.213.0.0/16  (while any lab cluster exists)
 *   lab-NAME-br:  br0 (bridge, up) with ports lbXh, lbXn1 .. lbXnN
 *   lab-NAME-ni:  lo, eth0 10.213.X.(10+i)/24 (peer of lbXni); no default route
 *                 table inet lab_partition   (only while partitioned)
 */
#ifndef LAB_NETNS_H
#define LAB_NETNS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#define LAB_SUBNET_DIR "/run/lab/subnets"
#define LAB_SUBNET_MIN 1
#define LAB_SUBNET_MAX 250
#define LAB_NET_PREFIX "10.213"

/* Valid cluster name: [a-z0-9][a-z0-9_-]{0,31}. */
bool cluster_name_valid(const char *name);

/* Subnet claims. A claim is the file DIR/X (created with O_EXCL) holding
 * the owner's state directory. A claim whose owner has no "state" file any
 * more is stale and may be taken over. All calls hold DIR/.lock. */
/* Claim the lowest free X in [LAB_SUBNET_MIN, LAB_SUBNET_MAX] that busy
 * (NULL, or LAB_SUBNET_MAX + 1 flags) does not mark as used by someone
 * else; when ensure_blackhole, also install the blackhole route under the
 * lock. */
int subnet_claim(const char *dir, const char *owner, bool ensure_blackhole, const bool *busy,
		 int *index);
/* Mark in busy[0..LAB_SUBNET_MAX] every 10.213.X.0/24 that already has a
 * route in the root namespace (another tool's lab network, e.g. a libvirt
 * bridge) or address, from a /24 down to a host address; the shared
 * 10.213.0.0/16 blackhole does not count. -1 (reported) when a route or
 * address of the host covers the whole lab network (net_overlap_parse). */
int net_busy_subnets(bool *busy);
/* The same from `ip -o route show` output (pure; for tests). */
void net_busy_subnets_parse(const char *routes, bool *busy);
/* From `ip -o -4 route show` and `ip -o -4 addr show` output (addrs may be
 * NULL; pure, for tests): mark every lab /24 a route or an address of the
 * host overlaps; -1 when one (not the default route, not lab's own
 * blackhole) covers all of 10.213.0.0/16 — a wider route or address: why
 * (if not NULL) then names it ("route '10.0.0.0/8 via ...'", "address
 * 10.213.9.9/16 on eth1"). */
int net_overlap_parse(const char *routes, const char *addrs, bool *busy, char *why, size_t why_size);
/* Release X if owner holds it; when drop_blackhole and no claim remains,
 * remove the blackhole route under the lock. */
int subnet_release(const char *dir, int index, const char *owner, bool drop_blackhole);
/* Number of live claims in dir (-1 on error). */
int subnet_count(const char *dir);

/* Names and addresses. */
void net_node_ns(char *buf, size_t size, const char *cluster, int node);
void net_bridge_ns(char *buf, size_t size, const char *cluster);
void net_node_addr(char *buf, size_t size, int subnet, int node);
void net_host_addr(char *buf, size_t size, int subnet);
void net_host_veth(char *buf, size_t size, int subnet);

/* Build the whole network; on failure the caller runs net_destroy. */
int net_create(const char *cluster, int subnet, int nodes);
/* Remove every namespace, veth and table net_create made. Safe to run on a
 * half-built or absent network. */
int net_destroy(const char *cluster, int subnet, int nodes);
/* member_of[i]: node i+1's groups (a bit each, cluster.h). Drops traffic
 * between nodes that share no group (both directions, in each node's
 * namespace); host traffic stays. */
int net_partition(const char *cluster, int subnet, int nodes, const uint32_t *member_of);
int net_heal(const char *cluster, int nodes);
/* The nft script net_partition loads into node `node` (malloc'd); pure. */
char *net_partition_script(int subnet, int nodes, const uint32_t *member_of, int node);

/* Pids of the processes in namespace ns (malloc'd array, may be empty). */
int net_ns_pids(const char *ns, pid_t **pids, size_t *n);
bool net_ns_exists(const char *ns);

#endif
