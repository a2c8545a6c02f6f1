/*
 * history-gen.c — writes a large, valid (strict-serializable) Jepsen
 * list-append history in JSON for `make bench` (tools/bench.d/40-history.sh).
 *
 *   history-gen [--txns N] [--processes P] [--seed S] > history.json
 *
 * P client processes interleave at random. A process idle at its turn
 * invokes a new transaction of 1-4 micro-ops (appends of globally unique
 * values and reads) over a pool of 32 active keys; a busy one completes:
 * the transaction executes atomically at that moment against an in-memory
 * list per key, so every read is the true state and the history is strict
 * serializable by construction. About 1% of transactions fail (nothing is
 * applied) and 0.5% end :info (applied or not, at random; the process then
 * continues under a new number, as Jepsen does). A key that holds 16
 * elements is retired at the next invocation that picks it and replaced
 * with a fresh one, which keeps reads short, as Elle's generator does.
 * Output is written through one big buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACTIVE_KEYS 32
#define MAX_APPENDS 16

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static char obuf[1 << 20];
static size_t olen;

static void out_flush(void)
{
	fwrite(obuf, 1, olen, stdout);
	olen = 0;
}

static void out(const char *s, size_t n)
{
	if (olen + n > sizeof(obuf))
		out_flush();
	memcpy(obuf + olen, s, n);
	olen += n;
}

static void outs(const char *s)
{
	out(s, strlen(s));
}

static void outi(int64_t v)
{
	char b[24];
	int i = 24;
	uint64_t u = v < 0 ? (uint64_t)-v : (uint64_t)v;
	do {
		b[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		b[--i] = '-';
	out(b + i, (size_t)(24 - i));
}

struct key {
	int n;
	int64_t vals[MAX_APPENDS + 80]; /* in-flight appends may overshoot MAX_APPENDS */
};

struct mop {
	int append;
	int64_t key;
	int64_t value; /* append: the value; read: how many elements it saw */
};

struct proc {
	int64_t id;
	int busy;
	int n;
	struct mop m[4];
};

static struct key *all; /* every key ever used, by id */
static int64_t n_keys, cap_keys, active[ACTIVE_KEYS];
static int64_t next_value = 1, next_index, next_process;

static int64_t new_key(void)
{
	if (n_keys == cap_keys) {
		cap_keys = cap_keys ? cap_keys * 2 : 1024;
		all = realloc(all, (size_t)cap_keys * sizeof(*all));
		if (!all) {
			fprintf(stderr, "history-gen: out of memory\n");
			exit(1);
		}
	}
	all[n_keys].n = 0;
	return n_keys++;
}

static void emit(const struct proc *p, const char *type, int with_reads)
{
	outs(",\n{\"index\":");
	outi(next_index++);
	outs(",\"type\":\"");
	outs(type);
	outs("\",\"process\":");
	outi(p->id);
	outs(",\"f\":\"txn\",\"value\":[");
	for (int i = 0; i < p->n; i++) {
		if (i)
			outs(",");
		if (p->m[i].append) {
			outs("[\"append\",");
			outi(p->m[i].key);
			outs(",");
			outi(p->m[i].value);
			outs("]");
			continue;
		}
		outs("[\"r\",");
		outi(p->m[i].key);
		if (!with_reads) {
			outs(",null]");
			continue;
		}
		outs(",[");
		const struct key *k = &all[p->m[i].key];
		for (int64_t j = 0; j < p->m[i].value; j++) {
			if (j)
				outs(",");
			outi(k->vals[j]);
		}
		outs("]]");
	}
	outs("]}");
}

int main(int argc, char **argv)
{
	int64_t txns = 1000000, procs = 16, seed = 1;
	for (int i = 1; i + 1 < argc; i += 2) {
		int64_t v = strtoll(argv[i + 1], NULL, 10);
		if (strcmp(argv[i], "--txns") == 0)
			txns = v;
		else if (strcmp(argv[i], "--processes") == 0)
			procs = v;
		else if (strcmp(argv[i], "--seed") == 0)
			seed = v;
		else {
			fprintf(stderr, "usage: history-gen [--txns N] [--processes P] [--seed S]\n");
			return 2;
		}
	}
	if (procs < 1 || procs > 1024 || txns < 0) {
		fprintf(stderr, "history-gen: bad --txns or --processes\n");
		return 2;
	}
	rng_state = (uint64_t)seed;
	for (int i = 0; i < ACTIVE_KEYS; i++)
		active[i] = new_key();
	struct proc *ps = calloc((size_t)procs, sizeof(*ps));
	for (int64_t i = 0; i < procs; i++)
		ps[i].id = next_process++;
	int64_t invoked = 0, completed = 0;
	/* a nemesis op, as real histories have: not a client op */
	outs("[{\"index\":-1,\"type\":\"info\",\"process\":\"nemesis\",\"f\":\"start\",\"value\":null}");
	while (completed < txns) {
		struct proc *p = &ps[rnd() % (uint64_t)procs];
		if (!p->busy) {
			if (invoked >= txns)
				continue;
			p->busy = 1;
			invoked++;
			p->n = 1 + (int)(rnd() % 4);
			for (int i = 0; i < p->n; i++) {
				int slot = (int)(rnd() % ACTIVE_KEYS);
				if (all[active[slot]].n >= MAX_APPENDS)
					active[slot] = new_key(); /* retire the full key */
				p->m[i].append = (int)(rnd() % 2);
				p->m[i].key = active[slot];
				p->m[i].value = p->m[i].append ? next_value++ : 0;
			}
			emit(p, "invoke", 0);
			continue;
		}
		/* complete: ok 98.5%, fail 1%, info 0.5%; an ok or applied info
		 * transaction takes effect atomically now */
		uint64_t r = rnd() % 1000;
		int fail = r < 10, info = r >= 10 && r < 15;
		int apply = !fail && (!info || (rnd() & 1));
		if (apply)
			for (int i = 0; i < p->n; i++) {
				struct key *k = &all[p->m[i].key];
				if (p->m[i].append)
					k->vals[k->n++] = p->m[i].value;
				else
					p->m[i].value = k->n;
			}
		emit(p, fail ? "fail" : info ? "info" : "ok", !fail && !info);
		p->busy = 0;
		completed++;
		if (info)
			p->id = next_process++;
	}
	outs("\n]\n");
	out_flush();
	free(ps);
	free(all);
	return 0;
}
