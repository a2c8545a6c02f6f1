/*
 * verbs.c — the table of `lab` verbs (git's git.c style) with their usage
 * texts, and the usage helpers verbs call. Kept apart from main() in lab.c
 * so that unit-test binaries, which link every module but lab.c, can link
 * the verbs too.
 */
#include "commands.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct verb verbs[] = {
	{ "run", cmd_run, 0, "run scenarios and record their verdicts",
	  "usage: lab run SCENARIO.yaml... [--backend local|libvirt] [--seed N] [--name NAME]\n"
	  "               [--db FILE] [--junit FILE] [--html FILE] [--keep]\n"
	  "       lab run --plan PLAN.yaml [--dry-run] [--shard K/N] [-j N] [options above]\n"
	  "\n"
	  "SCENARIO is a file, or the name of a shipped scenario (lab list).\n"
	  "Runs each scenario: brings its cluster up, runs its steps (faults are\n"
	  "undone however the run ends), checks, compares with expect: and\n"
	  "stores everything in the results database (default results/lab.db).\n"
	  "Exit 0 every expectation met, 1 a finding, 2 broken (lab or the lab\n"
	  "machine failed, or bad input).\n"
	  "\n"
	  "--plan: the plan's scenario files times every combination of its matrix\n"
	  "   (version, flavor, cache_mode, mysqld option sets; lab validate\n"
	  "   --describe), one run each; an axis value a scenario cannot take is\n"
	  "   refused before anything runs. The exit code is the worst run's;\n"
	  "   --junit has one testcase per run, --html one page per run.\n"
	  "--dry-run: one line per run (number, scenario, file, axis values), nothing run.\n"
	  "--shard K/N: only share K of N, so that N CI runners split the runs: the\n"
	  "   shares are disjoint, together the whole plan, and differ by one run at most.\n"
	  "-j N: N runs at once, each on its own cluster NAME-1..NAME-N (own subnet and\n"
	  "   state directory); refused when MemAvailable is short of N clusters\n"
	  "   (LAB_NODE_MEMORY_MIB per node, default 384).\n" },
	{ "replay", cmd_replay, 0, "run a recorded run's fault schedule again",
	  "usage: lab replay RUN [--db FILE] [--name NAME] [--keep]\n"
	  "\n"
	  "Runs RUN's scenario file again (unchanged since: its SHA-256 is\n"
	  "checked) on a fresh cluster with RUN's seed; each nemesis step executes\n"
	  "the faults RUN recorded, at the same offsets, on the same nodes, instead\n"
	  "of drawing them. The new run records that it replays RUN. Exit codes as\n"
	  "lab run.\n" },
	{ "explore", cmd_explore, 0, "run scenarios with fresh seeds until something is found",
	  "usage: lab explore SCENARIO.yaml... [--runs N] [--time-limit 30m] [--keep-going]\n"
	  "                   [--db FILE] [--name NAME] [--backend local|libvirt]\n"
	  "\n"
	  "Runs the scenarios in turn, each run with a fresh seed (so their nemesis\n"
	  "steps draw new faults), every run stored; one line per run: run, seed,\n"
	  "faults injected, verdict, anomalies by kind. Stops at the first finding\n"
	  "(or broken run) unless --keep-going, and says where it is. Default: 10\n"
	  "runs. Exit 1 when anything was found, 0 when nothing was, 2 when lab\n"
	  "could not do its job.\n" },
	{ "shrink", cmd_shrink, 0, "the fewest of a failed run's faults that still show its finding",
	  "usage: lab shrink RUN --out FILE.yaml [--db FILE] [--max-runs 30] [--tries 2/3]\n"
	  "                  [--name NAME]\n"
	  "\n"
	  "Delta debugging over the faults RUN's nemesis steps executed: drops\n"
	  "halves, then smaller chunks, down to single faults, replaying each\n"
	  "candidate (RUN's seed, same offsets) on a fresh cluster, and keeps it\n"
	  "when its runs show RUN's anomaly kind in K of N tries; then halves the\n"
	  "waits before the faults and their holds while it still shows. Writes an\n"
	  "ordinary scenario (no nemesis step: the faults as scripted steps) with a\n"
	  "comment naming RUN and the number of candidate runs. --max-runs 0 runs\n"
	  "nothing and writes RUN's faults as they are. Exit 0 when written, 2\n"
	  "when not (RUN is not a fail, or its finding did not reproduce).\n" },
	{ "validate", cmd_validate, 0, "parse and lint scenarios",
	  "usage: lab validate SCENARIO.yaml...\n"
	  "       lab validate --plan PLAN.yaml  a nightly plan: each scenario with each axis value\n"
	  "       lab validate --describe       every key and action (and a plan's), from the parser's tables\n"
	  "\n"
	  "Reports every problem as FILE:LINE:COL: message and exits 2 if any;\n"
	  "touches no node.\n" },
	{ "list", cmd_list, 0, "list scenarios with their one-line purpose",
	  "usage: lab list [DIR]\n"
	  "\n"
	  "Lists the scenarios in DIR (default: the shipped scenarios: scenarios/\n"
	  "next to the lab binary, or PREFIX/share/lab/scenarios for an installed\n"
	  "PREFIX/bin/lab, e.g. /usr/share/lab/scenarios).\n" },
	{ "cluster", cmd_cluster, 0, "bring the embedded local cluster up, down, or show it",
	  "usage: lab cluster up     [--flavor galera|async|semisync] [--nodes N] [--name NAME]\n"
	  "                          [--state-dir DIR] [--mysqld KEY=VALUE]... [--cache-mode MODE]\n"
	  "                          [--no-powerfs] [--powerfs-flush-interval 30s] [--powerloss-images]\n"
	  "                          [--backend local|libvirt|proxmox] [--proxmox KEY=VALUE]...\n"
	  "                          [--version V]   server build of every node (lab versions)\n"
	  "                          [--manager none|pacemaker] [--no-fencing]   a failover manager runs the\n"
	  "                          databases (async, semisync; local backend): Corosync + Pacemaker on every node\n"
	  "       lab cluster down   [--name NAME] [--state-dir DIR]\n"
	  "       lab cluster status [--name NAME] [--state-dir DIR]\n"
	  "       lab cluster start|stop|kill|pause|resume|pid|datadir N\n"
	  "       lab cluster hard-reset N|N,N,...|all [--torn F]   one power loss of every node named\n"
	  "       lab cluster kill N [--signal KILL|TERM|...]\n"
	  "       lab cluster bootstrap N [--force]     lab cluster start-all\n"
	  "       lab cluster wait N synced|primary|non-primary|down [--timeout 120s]\n"
	  "       lab cluster partition 1 2,3           lab cluster heal\n"
	  "       lab cluster snapshot|revert N NAME    lab cluster delete-file N PATH\n"
	  "       lab cluster edit-grastate N [--seqno S] [--safe-to-bootstrap 0|1]\n"
	  "       lab cluster promote|rejoin N          (async, semisync)\n"
	  "       lab cluster disk-cache N none|writeback|writethrough|directsync|unsafe\n"
	  "       lab cluster version\n"
	  "       lab cluster upgrade N VERSION [--timeout 600s]   switch node N's server build (lab versions):\n"
	  "                                             clean shutdown, start from it, rejoin, mariadb-upgrade\n"
	  "\n"
	  "Each node is a mariadbd in its own network namespace lab-NAME-nI with its\n"
	  "datadir under the state directory (default /var/tmp/lab/NAME, NAME default\n"
	  "lab). The host reaches node I at 10.213.X.(10+I); the lab user's password\n"
	  "is in STATE/client.cnf (mode 0600). The fault sub-verbs are the ones the\n"
	  "scenario runner uses, for experiments by hand. Each datadir sits on\n"
	  "powerfs, which drops un-synced writes at a hard reset (a power cut) in the\n"
	  "node's cache mode (none = fsync honoured; unsafe = fsync ignored);\n"
	  "--no-powerfs (or LAB_POWERFS=off) puts it on the plain disk.\n"
	  "\n"
	  "up (local backend): --cache-mode MODE (default none: fsync honoured)\n"
	  "   --powerfs-flush-interval DUR (natural flush, the kernel's writeback;\n"
	  "   default 30s, 0 = never)\n"
	  "   --powerloss-images (keep each power cut's datadir image; also\n"
	  "   LAB_POWERLOSS_IMAGES=1)\n"
	  "delete-file N PATH: relative to the datadir; a last component NAME* deletes\n"
	  "   every file of that directory whose name starts with NAME\n"
	  "up (libvirt backend, lab's own VM lab on this machine): each guest's disk\n"
	  "   overlay sits on powerfs (--no-powerfs, --powerfs-flush-interval as\n"
	  "   above); --cache-mode is QEMU's cache= of the disk, which decides what\n"
	  "   QEMU fsyncs. hard-reset of such a guest is a power cut (QEMU killed,\n"
	  "   un-synced writes dropped, domain started); of other domains (named\n"
	  "   in the scenario, remote URI) it is virDomainReset, not a power cut.\n"
	  "hard-reset --torn F: torn writes, F (0..1) of the un-synced pages still\n"
	  "   reach the disk, in random order (local backend and libvirt on powerfs;\n"
	  "   default 0)\n" },

	{ "workload", cmd_workload, 0, "run the bank or list-append workload against any cluster",
	  "usage: lab workload --hosts H[:P],... [--workload bank|append] [--threads N]\n"
	  "                    [--duration 60s] [--journal FILE] [--rate R] [--seed S]\n"
	  "                    [--isolation serializable|repeatable-read|read-committed]\n"
	  "                    [--sync-wait 0..15] [--connect-timeout S]\n"
	  "                    [--read-timeout S] [--no-load] [--recreate] [--per-second]\n"
	  "                    [--user U] [--database D] [--defaults-file F]\n"
	  "  bank:   [--customers N] [--products N] [--mix credit=30,purchase=45,...]\n"
	  "          [--update-style relative|read_modify_write] [--lock none|for_update]\n"
	  "  append: [--keys 8] [--ops-per-txn 1..4] [--read-ratio 0.5]\n"
	  "          [--appends-per-key 32]\n"
	  "\n"
	  "The password comes from LAB_PASSWORD or the [client] section of\n"
	  "--defaults-file (mode 0600), never from the command line.\n" },

	{ "check", cmd_check, 0, "run every checker against a live cluster",
	  "usage: lab check --hosts H[:P],... [--journal FILE] [--checks LIST] [--db FILE]\n"
	  "                 [--first-reachable] [--examples N] [--model MODEL]\n"
	  "                 [--user U] [--database D] [--defaults-file F]\n"
	  "\n"
	  "Without --checks, every checker that can read the journal's workload\n"
	  "(a bank journal, or none: the bank's checkers; an append journal: the\n"
	  "history checker, for --model, default strict-serializable).\n"
	  "`lab validate --describe` lists every checker with what it needs.\n"
	  "Exit 0 when every check passes, 1 when any fails, 2 when lab could\n"
	  "not check.\n" },

	{ "results", cmd_results, 0, "list, show and compare recorded runs",
	  "usage: lab results [list] [--scenario NAME] [--limit N] [--db FILE]\n"
	  "       lab results show RUN|last [--db FILE]\n"
	  "       lab results compare RUN RUN [--db FILE] [limits]\n"
	  "       lab results compare --scenario NAME --last N [--db FILE] [limits]\n"
	  "       lab results merge A.db B.db... --into C.db\n"
	  "       lab results trend [--scenario NAME] [--last N] [--html FILE] [--db FILE]\n"
	  "\n"
	  "merge: the runs of every database (and C.db's own) into C.db, each run once\n"
	  "  (runs.uuid), atomically: C.db is untouched when any input cannot be read.\n"
	  "trend: per scenario and plan axes, the last N nights (default 14; a night is\n"
	  "  12:00 to 12:00 UTC): worst verdict, lost transactions, seconds unavailable,\n"
	  "  p99 and tps of the night's last run; one row per night, --html one column each.\n"
	  "\n"
	  "limits (a metric worse than this is a regression, exit 1):\n"
	  "  --max-tps-drop P%  --max-p99-rise P%  --max-unavailable-rise DUR\n"
	  "  --max-recovery-rise DUR\n" },

	{ "report", cmd_report, 0, "write a run's report",
	  "usage: lab report RUN [--html FILE] [--junit FILE] [--history FILE [--journal FILE]]\n"
	  "                      [--db FILE]\n"
	  "\n"
	  "--html: one self-contained page (inline SVG) with the fault timeline;\n"
	  "--history: the run's journal as a Jepsen-style EDN history.\n" },

	{ "vm", cmd_vm, 0, "define the libvirt domains of a VM lab",
	  "usage: lab vm define --nodes N [--name NAME] [--uri URI] [--type kvm|qemu]\n"
	  "                     [--image-dir DIR] [--state-dir DIR] [--cache MODE]\n"
	  "                     [--subnet X] [--memory MIB] [--vcpus N] [--start]\n"
	  "       lab vm undefine [--name NAME] [--uri URI] [--state-dir DIR] [--subnet X]\n"
	  "       lab vm list [--name NAME] [--uri URI]\n"
	  "       lab vm xml --node I --nodes N [define options]\n"
	  "       lab vm exec [--uri URI] [--timeout DURATION] DOMAIN -- PROGRAM [ARG...]\n"
	  "\n"
	  "See vm-images/README.md.\n" },

	{ "history", cmd_history, 0, "check a transaction history for Elle's anomalies (list-append, rw-register)", "usage: lab history FILE... [--workload list-append|rw-register] [--model M]... [--anomaly A]... [--json]\n               [--wfr-keys] [--sequential-keys] [--linearizable-keys] [--cycle-search-timeout MS] [--max-per-type N]\n\nChecks Jepsen histories (JSON array, JSON lines or EDN) or lab's append journal, as Elle does: version orders, ww/wr/rw/process/realtime dependencies, the shortest cycle of each anomaly class per strongly connected component (G0, G1c, G-single-item, G2-item, ... and their -process/-realtime variants) and the non-cycle anomalies (G1a, G1b, internal, dirty-update, lost-update, duplicate-elements, incompatible-order, future-read, cyclic-versions, garbage-versions), and names the consistency models ruled out. --model (default strict-serializable) decides what counts as a finding. --json prints Elle's result shape. Exit 0 valid, 1 anomalies, 2 bad input (FILE:LINE: what is wrong). See docs/history.md.\n" },
	{ "versions", cmd_versions, 0, "list the server builds lab can run; fetch one from Debian's archive",
	  "usage: lab versions [list]\n"
	  "       lab versions fetch VERSION\n\n"
	  "list: the installed build and every build in the cache (LAB_CACHE_DIR, default /var/cache/lab), each with "
	  "its 'mariadbd --version'.\n"
	  "fetch: apt-get download of mariadb-server-core, mariadb-client-core, mariadb-server and mariadb-client of "
	  "VERSION (e.g. 10.11.18), unpacked with dpkg -x into CACHE/mariadb-VERSION and run once; the system's "
	  "packages are not touched. The installed version needs no fetch. A scenario's cluster.version / "
	  "cluster.versions and 'lab cluster up --version V' choose the build of the nodes.\n" },
	{ "_powerfs", cmd_powerfs, VERB_HIDDEN, "internal: the power-loss filesystem daemon",
	  "usage: lab _powerfs BACKING MOUNTPOINT [options]\n" },
	{ "_pcmk-node", cmd_pcmk_node, VERB_HIDDEN, "internal: a node's Corosync and Pacemaker (cluster.manager: pacemaker)",
	  "usage: lab _pcmk-node STATE_DIR NODE [BOOT_DELAY_MS]\n" },
};

const struct lab_exit_desc lab_exit_codes[] = {
	{ LAB_EXIT_OK, "every expectation met" },
	{ LAB_EXIT_FINDING, "a finding" },
	{ LAB_EXIT_BROKEN, "lab could not do its job" },
	{ 0, NULL },
};

const struct verb *lab_verb_at(size_t i)
{
	return i < ARRAY_SIZE(verbs) ? &verbs[i] : NULL;
}

const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

int lab_usage(const char *verb, FILE *f)
{
	const struct verb *v = find_verb(verb);

	if (!v)
		return -1;
	fputs(v->usage, f);
	return 0;
}

int lab_usage_error(const char *verb, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	lab_error("%s (lab help %s)", sb.buf, verb);
	sb_release(&sb);
	return LAB_EXIT_BROKEN;
}

void lab_general_usage(FILE *f)
{
	fputs("usage: lab VERB [ARGS]   (lab help VERB for details)\n\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!(verbs[i].flags & VERB_HIDDEN))
			fprintf(f, "   %-10s %s\n", verbs[i].name, verbs[i].summary);
	fputs("\nExit codes:", f);
	for (size_t i = 0; lab_exit_codes[i].text; i++)
		fprintf(f, "%s %d %s", i ? "," : "", lab_exit_codes[i].code, lab_exit_codes[i].text);
	fputs(".\n", f);
}

