/*
 * cmd_pcmk.c — the hidden verb `lab _pcmk-node STATE N`: a node's anchor
 * under the pacemaker failover manager (its own mount and UTS namespaces,
 * Corosync and Pacemaker as its children; manager_pacemaker.c), started by
 * the manager in the node's namespaces. Also lab's entry as Pacemaker's
 * fence agent: lab.c calls cmd_fence_lab when it is run as `fence_lab`.
 */
#include "cluster.h"
#include "commands.h"
#include "util.h"

#include <stdio.h>

int cmd_pcmk_node(int argc, char **argv)
{
	int64_t node, delay_ms = 0;

	if (argc < 3 || argc > 4 || parse_int64(argv[2], 1, LAB_MAX_NODES, &node) < 0 ||
	    (argc == 4 && parse_int64(argv[3], 0, 3600000, &delay_ms) < 0)) {
		fprintf(stderr, "usage: lab _pcmk-node STATE_DIR NODE [BOOT_DELAY_MS]\n");
		return LAB_EXIT_BROKEN;
	}
	return pcmk_node_main(argv[1], (int)node, delay_ms) == 0 ? LAB_EXIT_OK : LAB_EXIT_BROKEN;
}

int cmd_fence_lab(int argc, char **argv)
{
	return pcmk_fence_main(argc, argv);
}
