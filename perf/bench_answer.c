/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmarks the answer engine alone: load time, memory per name, queries per second per mix. */

/*
 *   bench_answer [-s SECONDS] [-n QUERIES] [-c CPU] [-m MIX] [-l] [-H] [-D] [-B] [-T N] ZONEFILE [ORIGIN]
 *
 * Loads ZONEFILE (perf/gen_zone.py writes one), reports zone_load() and
 * rrt_build() times and the bytes each name costs, then answers pre-built
 * query buffers with dnsq_answer() in a tight loop on one core, one mix of
 * queries at a time. Nothing but the engine runs in the loop: no NIC, no
 * mbufs, no copies besides the engine's own. -l stops after the load figures.
 * -H moves the table's arrays into transparent huge pages first, to show
 * how much of the lookup cost is TLB misses (rrt_build() uses malloc).
 * -m runs only the mixes whose name starts with MIX (for example "realistic"
 * under valgrind --tool=callgrind, where one mix is slow enough).
 * -D sends every query with EDNS and the DO bit, as validating resolvers do:
 * on a signed zone every answer then carries its RRSIGs and every denial its
 * NSEC or NSEC3 proof (perf/bench_dnssec.sh runs it next to the unsigned zone).
 * -B answers in bursts of DNSQ_BURST as a worker does: dnsq_prefetch() on the
 * burst, then dnsq_answer_hinted() per query (docs/design.md, "Answering a
 * burst"); without it each query goes through dnsq_answer() alone. A table
 * that rrt_cache_resident() calls small is answered one query at a time
 * either way, as the worker does.
 * -T N adds a worker's dnstap capture (docs/dnstap.md) around every answer:
 * 1 in N sampled as worker_frame() does it (the query copied before the
 * answer, the response after, the record pushed on a ring of 4096); -T 0
 * runs the same loop with dnstap off, the one branch a worker then pays.
 * The ring is emptied every 64 queries with one store, as if a consumer kept
 * up, so what a consumer on another core costs the worker (cache lines of
 * the slots moving back and forth) is not in the figure.
 */

#include <getopt.h>
#include <malloc.h>
#include <sched.h>
#include <sys/mman.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "swerve/dname.h"
#include "swerve/dnsq.h"
#include "swerve/dnstap.h"
#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"

#define TYPE_A	  1
#define TYPE_AAAA 28

/*
 * Room for one query: header, a 255-octet name, question tail and OPT, plus
 * its two-octet length. Queries are packed back to back, so the loop streams
 * through them the way a worker finds fresh packets in its RX ring.
 */
#define SLOT_LEN 296

/* A class of queries the benchmark can make, and the answer class it must get. */
enum bench_kind {
	K_EXACT,
	K_NXDOMAIN,
	K_NODATA,
	K_EDNS,
	K_CNAME,
	K_WILDCARD,
	K_REFERRAL,
	K_MAX,
};

static const uint8_t bench_expect[K_MAX] = {
	[K_EXACT] = DNSQ_CLASS_ANSWER,	    [K_NXDOMAIN] = DNSQ_CLASS_NXDOMAIN,
	[K_NODATA] = DNSQ_CLASS_NODATA,	    [K_EDNS] = DNSQ_CLASS_ANSWER,
	[K_CNAME] = DNSQ_CLASS_ANSWER,	    [K_WILDCARD] = DNSQ_CLASS_ANSWER,
	[K_REFERRAL] = DNSQ_CLASS_REFERRAL,
};

/* A mix: the share of each kind, in percent. */
struct bench_mix {
	const char *name;
	uint8_t pct[K_MAX];
};

/*
 * The realistic mix is an assumed workload, not a measured one: most
 * queries come from resolvers that send EDNS with DO and hit an existing
 * name, a tenth are NXDOMAIN (typos, probes, junk), and a few land on
 * NODATA, CNAMEs, wildcards and delegations.
 */
static const struct bench_mix bench_mixes[] = {
	{"exact A", {[K_EXACT] = 100}},
	{"NXDOMAIN", {[K_NXDOMAIN] = 100}},
	{"NODATA", {[K_NODATA] = 100}},
	{"EDNS+DO A", {[K_EDNS] = 100}},
	{"CNAME chain", {[K_CNAME] = 100}},
	{"wildcard", {[K_WILDCARD] = 100}},
	{"referral", {[K_REFERRAL] = 100}},
	{"realistic mix",
	 {[K_EDNS] = 60,
	  [K_EXACT] = 15,
	  [K_NXDOMAIN] = 10,
	  [K_NODATA] = 6,
	  [K_CNAME] = 5,
	  [K_WILDCARD] = 2,
	  [K_REFERRAL] = 2}},
};

/* -D: every query asks with EDNS and DO, not only the EDNS kind. */
static bool bench_all_do;

/* Candidate names per kind: offsets of wire names in one buffer. */
struct bench_names {
	uint8_t *buf;
	size_t len, cap;
	uint32_t *off[K_MAX];
	size_t n[K_MAX], ncap[K_MAX];
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t
bench_rss(void)
{
	unsigned long size = 0;
	unsigned long rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (size_t)sysconf(_SC_PAGESIZE);
}

static uint64_t
bench_rand(uint64_t *s)
{
	/* xorshift64*: deterministic, so every run asks the same queries. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static void *
bench_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap != 0 ? *cap : 4096;

	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	p = realloc(p, c * elem);
	if (p == NULL) {
		perror("bench_answer");
		exit(1);
	}
	*cap = c;
	return p;
}

/* Remember @prefix (a wire label, or NULL) + @name as a candidate of @kind. */
static void
bench_add(struct bench_names *bn, enum bench_kind kind, const uint8_t *prefix, const uint8_t *name,
	  size_t len)
{
	size_t plen = prefix != NULL ? prefix[0] + 1u : 0;

	if (plen + len > DNAME_MAXLEN)
		return;
	bn->buf = bench_grow(bn->buf, &bn->cap, bn->len + plen + len, 1);
	bn->off[kind] =
		bench_grow(bn->off[kind], &bn->ncap[kind], bn->n[kind] + 1, sizeof(uint32_t));
	bn->off[kind][bn->n[kind]++] = (uint32_t)bn->len;
	if (plen > 0)
		memcpy(bn->buf + bn->len, prefix, plen);
	memcpy(bn->buf + bn->len + plen, name, len);
	bn->len += plen + len;
}

/* Sort every name of the table into the kinds of query it can serve. */
static void
bench_classify(const struct rrt *t, struct bench_names *bn)
{
	static const uint8_t www[] = {3, 'w', 'w', 'w'};
	const struct rrt_node *apex = &t->nodes[t->zones[0].apex];
	uint8_t label[16];

	for (uint32_t i = 0; i < t->nnodes; i++) {
		const struct rrt_node *n = &t->nodes[i];
		const uint8_t *name = rrt_node_name(t, n);

		if (n->nrefs == 0 || (n->flags & RRT_NODE_BELOW_CUT))
			continue;
		if (n->flags & RRT_NODE_CUT) {
			bench_add(bn, K_REFERRAL, www, name, n->name_len);
		} else if (n->flags & RRT_NODE_CNAME) {
			bench_add(bn, K_CNAME, NULL, name, n->name_len);
		} else if (n->flags & RRT_NODE_WILDCARD) {
			/* Many different names under the wildcard, as a real client population
			 * sends. */
			for (unsigned k = 0; k < 1024; k++) {
				label[0] = (uint8_t)snprintf((char *)label + 1, sizeof(label) - 1,
							     "q%u", k);
				bench_add(bn, K_WILDCARD, label, name + name[0] + 1,
					  n->name_len - name[0] - 1u);
			}
		} else if (rrt_node_ref(t, n, TYPE_A) != NULL) {
			bench_add(bn, K_EXACT, NULL, name, n->name_len);
			if (rrt_node_ref(t, n, TYPE_AAAA) == NULL)
				bench_add(bn, K_NODATA, NULL, name, n->name_len);
		}
	}
	for (unsigned k = 0; k < 65536; k++) {
		label[0] = (uint8_t)snprintf((char *)label + 1, sizeof(label) - 1, "nx-%u", k);
		bench_add(bn, K_NXDOMAIN, label, rrt_node_name(t, apex), apex->name_len);
	}
	/* EDNS queries ask the exact-hit names. */
	for (size_t k = 0; k < bn->n[K_EXACT]; k++) {
		bn->off[K_EDNS] =
			bench_grow(bn->off[K_EDNS], &bn->ncap[K_EDNS], k + 1, sizeof(uint32_t));
		bn->off[K_EDNS][k] = bn->off[K_EXACT][k];
	}
	bn->n[K_EDNS] = bn->n[K_EXACT];
}

/* Write a query for @name into @slot (length in the first two octets); returns the octets used. */
static size_t
bench_query(uint8_t *slot, uint16_t id, const uint8_t *name, uint16_t qtype, bool edns)
{
	size_t len = dname_len(name);
	uint8_t *q = slot + 2;
	size_t n = 12;

	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[5] = 1;
	memcpy(q + n, name, len);
	n += len;
	q[n++] = (uint8_t)(qtype >> 8);
	q[n++] = (uint8_t)qtype;
	q[n++] = 0;
	q[n++] = 1;
	if (edns) {
		static const uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0};

		q[11] = 1;
		memcpy(q + n, opt, sizeof(opt));
		n += sizeof(opt);
	}
	slot[0] = (uint8_t)(n >> 8);
	slot[1] = (uint8_t)n;
	return n + 2;
}

/* Pack @nq queries for @mix into @slots; @kinds gets each query's kind. False if a kind has no
 * names. */
static bool
bench_build(const struct bench_names *bn, const struct bench_mix *mix, uint8_t *slots,
	    uint8_t *kinds, size_t nq)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t at = 0;

	for (int k = 0; k < K_MAX; k++)
		if (mix->pct[k] != 0 && bn->n[k] == 0)
			return false;
	for (size_t i = 0; i < nq; i++) {
		unsigned r = (unsigned)(bench_rand(&seed) % 100);
		int k = 0;
		const uint8_t *name;

		while (r >= mix->pct[k]) {
			r -= mix->pct[k];
			k++;
		}
		name = bn->buf + bn->off[k][bench_rand(&seed) % bn->n[k]];
		at += bench_query(slots + at, (uint16_t)i, name, k == K_NODATA ? TYPE_AAAA : TYPE_A,
				  k == K_EDNS || bench_all_do);
		kinds[i] = (uint8_t)k;
	}
	return true;
}

/* Answer every query once and count those whose answer class is the expected one. */
static size_t
bench_check(const struct rrt *t, const struct dnsq_conf *conf, const uint8_t *slots,
	    const uint8_t *kinds, size_t nq)
{
	uint8_t resp[4096];
	struct dnsq_info info;
	size_t ok = 0;

	for (size_t i = 0; i < nq; i++) {
		size_t qlen = (size_t)(slots[0] << 8 | slots[1]);
		size_t len = dnsq_answer(t, conf, NULL, slots + 2, qlen, resp, sizeof(resp), 0, &info);

		ok += len > 0 && info.rclass == bench_expect[kinds[i]] && !info.tc;
		slots += 2 + qlen;
	}
	return ok;
}

/* The next burst of up to DNSQ_BURST queries from *@s (query *@i of @nq): pointers and lengths. */
static unsigned
bench_gather(const uint8_t **s, size_t *i, size_t nq, const uint8_t **q, uint16_t *ql)
{
	unsigned n = 0;

	for (; n < DNSQ_BURST && *i < nq; n++, (*i)++) {
		ql[n] = (uint16_t)((*s)[0] << 8 | (*s)[1]);
		q[n] = *s + 2;
		*s += 2 + ql[n];
	}
	return n;
}

/* bench_check() through the burst path (-B): the answers of the path that is timed. */
static size_t
bench_check_burst(const struct rrt *t, const struct dnsq_conf *conf, const uint8_t *slots,
		  const uint8_t *kinds, size_t nq)
{
	uint8_t resp[4096];
	const uint8_t *q[DNSQ_BURST];
	uint16_t ql[DNSQ_BURST];
	struct dnsq_burst b;
	struct dnsq_info info;
	size_t ok = 0, i = 0;

	while (i < nq) {
		size_t first = i;
		unsigned n = bench_gather(&slots, &i, nq, q, ql);

		dnsq_prefetch(t, q, ql, n, &b);
		for (unsigned k = 0; k < n; k++) {
			size_t len = dnsq_answer_hinted(t, conf, NULL, q[k], ql[k], resp, sizeof(resp),
							0, &info, &b.hint[k]);

			ok += len > 0 && info.rclass == bench_expect[kinds[first + k]] && !info.tc;
		}
	}
	return ok;
}

/*
 * One pass over the @nq queries at @slots: answers them all once and returns
 * their lengths added up (kept, so the compiler cannot drop the work).
 * @done is how many were answered before this pass.
 */
typedef size_t (*bench_pass_fn)(const struct rrt *t, const struct dnsq_conf *conf,
				const uint8_t *slots, size_t nq, uint64_t done);

/* Run @pass round and round for at least @seconds; returns ns per query. */
static double
bench_timed(bench_pass_fn pass, const struct rrt *t, const struct dnsq_conf *conf,
	    const uint8_t *slots, size_t nq, double seconds, uint64_t *total)
{
	volatile size_t sink = 0;
	uint64_t done = 0;
	double t0 = bench_now();
	double el;

	do {
		sink += pass(t, conf, slots, nq, done);
		done += nq;
		el = bench_now() - t0;
	} while (el < seconds);
	(void)sink;
	*total = done;
	return el * 1e9 / (double)done;
}

/* One query at a time through dnsq_answer(). */
static size_t
bench_pass(const struct rrt *t, const struct dnsq_conf *conf, const uint8_t *s, size_t nq,
	   uint64_t done)
{
	static uint8_t resp[4096];
	struct dnsq_info info;
	size_t sum = 0;

	(void)done;
	for (size_t i = 0; i < nq; i++) {
		size_t qlen = (size_t)(s[0] << 8 | s[1]);

		sum += dnsq_answer(t, conf, NULL, s + 2, qlen, resp, sizeof(resp), 0, &info);
		s += 2 + qlen;
	}
	return sum;
}

/*
 * -B: the worker's burst path. Bursts of DNSQ_BURST queries: the questions
 * read and the lookups staged by dnsq_prefetch(), then each answered with
 * dnsq_answer_hinted(). A worker also reads every frame's head first; here
 * the queries lie back to back in one buffer, which streams by itself.
 */
static bool bench_burst;

static size_t
bench_pass_burst(const struct rrt *t, const struct dnsq_conf *conf, const uint8_t *s, size_t nq,
		 uint64_t done)
{
	static uint8_t resp[4096];
	const uint8_t *q[DNSQ_BURST];
	uint16_t ql[DNSQ_BURST];
	struct dnsq_burst b;
	struct dnsq_info info;
	size_t sum = 0, i = 0;

	(void)done;
	while (i < nq) {
		unsigned n = bench_gather(&s, &i, nq, q, ql);

		dnsq_prefetch(t, q, ql, n, &b);
		for (unsigned k = 0; k < n; k++)
			sum += dnsq_answer_hinted(t, conf, NULL, q[k], ql[k], resp, sizeof(resp), 0,
						  &info, &b.hint[k]);
	}
	return sum;
}

/* -T: the sampler and its ring, as a worker has them (NULL ring: -T not given). */
static struct dnstap_tap bench_tap;

/*
 * Hand every committed slot back at once, as if a consumer had taken them:
 * one store, so the loop measures the producer's side only.
 */
static inline void
bench_tap_discard(void)
{
	struct dnstap_ring *r = bench_tap.ring;

	__atomic_store_n(&r->tail, __atomic_load_n(&r->head, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
}

/* bench_pass() with the worker's dnstap hook around each answer (-T). */
static size_t
bench_pass_tap(const struct rrt *t, const struct dnsq_conf *conf, const uint8_t *s, size_t nq,
	       uint64_t done)
{
	static uint8_t resp[4096];
	struct dnstap_tap *tap = &bench_tap;
	struct dnsq_info info;
	size_t sum = 0;

	for (size_t i = 0; i < nq; i++) {
		size_t qlen = (size_t)(s[0] << 8 | s[1]);
		struct dnstap_rec *dt = NULL;
		size_t n;

		if (__builtin_expect(tap->every != 0, 0))
			dt = dnstap_tap_query(tap, s + 2, (uint32_t)qlen, done);
		n = dnsq_answer(t, conf, NULL, s + 2, qlen, resp, sizeof(resp), 0, &info);
		if (__builtin_expect(dt != NULL, 0) && n != 0)
			dnstap_tap_response(tap, dt, resp, (uint32_t)n, done + i);
		sum += n;
		s += 2 + qlen;
		if ((i & 63) == 63)
			bench_tap_discard();
	}
	return sum;
}

/* Where -H put the table's arrays, to undo it before rrt_free(). */
struct bench_thp {
	void *orig[3];
	void *raw[3];
	size_t len[3];
};

/* Copy @len octets to a fresh 2 MiB-aligned mapping advised for huge pages. */
static void *
bench_thp_copy(const void *src, size_t len, void **raw, size_t *maplen)
{
	const size_t huge = 2u << 20;
	size_t l = ((len + huge - 1) & ~(huge - 1)) + huge;
	uint8_t *m = mmap(NULL, l, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *p;

	if (m == MAP_FAILED)
		return NULL;
	p = (uint8_t *)(((uintptr_t)m + huge - 1) & ~(uintptr_t)(huge - 1));
	/* Advise before the first touch, so the faults themselves hand out huge pages. */
	if (madvise(p, l - (size_t)(p - m), MADV_HUGEPAGE) < 0)
		perror("madvise");
	memcpy(p, src, len);
	*raw = m;
	*maplen = l;
	return p;
}

static void
bench_thp_move(struct rrt *t, struct bench_thp *h)
{
	void **field[3] = {(void **)&t->buckets, (void **)&t->nodes, (void **)&t->arena};
	size_t len[3] = {((size_t)t->mask + 1) * sizeof(struct rrt_bucket),
			 (size_t)t->nnodes * sizeof(struct rrt_node), t->arena_len};

	for (int i = 0; i < 3; i++) {
		void *p = bench_thp_copy(*field[i], len[i], &h->raw[i], &h->len[i]);

		if (p == NULL) {
			perror("bench_answer: mmap");
			exit(1);
		}
		h->orig[i] = *field[i];
		*field[i] = p;
	}
}

static void
bench_thp_restore(struct rrt *t, struct bench_thp *h)
{
	void **field[3] = {(void **)&t->buckets, (void **)&t->nodes, (void **)&t->arena};

	for (int i = 0; i < 3; i++) {
		if (h->raw[i] == NULL)
			continue;
		munmap(h->raw[i], h->len[i]);
		*field[i] = h->orig[i];
	}
}

static void
bench_usage(void)
{
	fprintf(stderr, "usage: bench_answer [-s SECONDS] [-n QUERIES] [-c CPU] [-m MIX] [-l] [-H] [-D] "
			"[-B] [-T N] ZONEFILE [ORIGIN]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *origin = "bench.example.";
	double seconds = 1.0;
	size_t nq = 1u << 18;
	int cpu = -1;
	bool load_only = false;
	bool thp = false;
	const char *only = NULL;
	struct bench_thp th = {0};
	struct dnsq_conf conf = {.edns_payload = DNSQ_EDNS_PAYLOAD_DEFAULT};
	struct bench_names bn = {0};
	struct sw_diag d = {0};
	struct zone *z = NULL;
	struct rrt *t = NULL;
	size_t rss0, rss1, rss2, table, names;
	double t0, t1, t2;
	uint8_t *slots, *kinds;
	int opt;

	while ((opt = getopt(argc, argv, "s:n:c:m:lHDBT:")) != -1) {
		switch (opt) {
		case 's':
			seconds = atof(optarg);
			break;
		case 'n':
			nq = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'm':
			only = optarg;
			break;
		case 'l':
			load_only = true;
			break;
		case 'H':
			thp = true;
			break;
		case 'D':
			bench_all_do = true;
			break;
		case 'B':
			bench_burst = true;
			break;
		case 'T': {
			/* A worker's ring: 4096 records, as dnstap.ring's default. */
			void *mem = NULL;

			if (posix_memalign(&mem, 64, dnstap_ring_bytes(4096)) != 0) {
				perror("bench_answer");
				return 1;
			}
			dnstap_tap_init(&bench_tap, dnstap_ring_init(mem, 4096),
					(uint32_t)strtoul(optarg, NULL, 10), 2);
			break;
		}
		default:
			bench_usage();
		}
	}
	if (optind >= argc || nq == 0)
		bench_usage();
	if (optind + 1 < argc)
		origin = argv[optind + 1];
	/* One core, and the same one throughout: a migration mid-loop would show up as noise. */
	if (cpu < 0)
		cpu = sched_getcpu();
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			perror("sched_setaffinity");
	}

	rss0 = bench_rss();
	t0 = bench_now();
	if (zone_load(origin, argv[optind], &z, &d) < 0) {
		fprintf(stderr, "bench_answer: %s:%u: %s\n", d.file, d.line, d.msg);
		return 1;
	}
	t1 = bench_now();
	if (rrt_build((const struct zone *const *)&z, 1, NULL, 0, &t, &d) < 0) {
		fprintf(stderr, "bench_answer: rrt_build: %s\n", d.msg);
		return 1;
	}
	t2 = bench_now();
	rss1 = bench_rss();
	names = t->nnodes;
	zone_free(z);
	/* Hand freed zone memory back so the second RSS figure is the table alone. */
	malloc_trim(0);
	rss2 = bench_rss();
	table = t->arena_len + (size_t)t->nnodes * sizeof(struct rrt_node) +
		((size_t)t->mask + 1) * sizeof(struct rrt_bucket) +
		(size_t)t->nzones * sizeof(struct rrt_zone);

	printf("zone       %s (%s)\n", argv[optind], origin);
	printf("names      %zu table nodes (owner names and empty non-terminals)\n", names);
	printf("load       zone_load %.2f s, rrt_build %.2f s (%.0f ns/name)\n", t1 - t0, t2 - t1,
	       (t2 - t1) * 1e9 / (double)names);
	printf("table      %.1f MB = %.1f bytes/name (arena %.1f, nodes %.1f, buckets %.1f "
	       "bytes/name)\n",
	       (double)table / 1e6, (double)table / (double)names,
	       (double)t->arena_len / (double)names,
	       (double)t->nnodes * sizeof(struct rrt_node) / (double)names,
	       ((double)t->mask + 1) * sizeof(struct rrt_bucket) / (double)names);
	printf("RSS        +%.1f MB after load (zone + table) = %.1f bytes/name; "
	       "+%.1f MB table only = %.1f bytes/name\n",
	       (double)(rss1 - rss0) / 1e6, (double)(rss1 - rss0) / (double)names,
	       (double)(rss2 - rss0) / 1e6, (double)(rss2 - rss0) / (double)names);
	if (load_only)
		goto out;
	bench_classify(t, &bn);
	if (thp) {
		bench_thp_move(t, &th);
		printf("huge pages table arrays copied to MADV_HUGEPAGE mappings (-H)\n");
	}

	slots = malloc(nq * SLOT_LEN);
	kinds = malloc(nq);
	if (slots == NULL || kinds == NULL) {
		perror("bench_answer");
		return 1;
	}
	printf("\nqueries    %zu distinct per mix, cpu %d, >= %.1f s per mix\n", nq, cpu, seconds);
	if (bench_tap.ring != NULL)
		printf("dnstap     worker capture around each answer: 1 in %u%s\n",
		       bench_tap.every, bench_tap.every == 0 ? " (off: the branch alone)" : "");
	printf("\n");
	printf("%-15s %12s %10s %8s %8s\n", "mix", "answered", "ns/query", "Mqps", "check");
	for (size_t m = 0; m < sizeof(bench_mixes) / sizeof(bench_mixes[0]); m++) {
		const struct bench_mix *mix = &bench_mixes[m];
		uint64_t total;
		size_t ok;
		double ns;

		if (only != NULL && strncmp(mix->name, only, strlen(only)) != 0)
			continue;
		if (!bench_build(&bn, mix, slots, kinds, nq)) {
			printf("%-15s %12s\n", mix->name, "(no such names in this zone)");
			continue;
		}
		/* The check pass doubles as the warm-up: caches and branch predictors settle. */
		ok = bench_burst && !rrt_cache_resident(t)
			     ? bench_check_burst(t, &conf, slots, kinds, nq)
			     : bench_check(t, &conf, slots, kinds, nq);
		ns = bench_timed(bench_tap.ring != NULL		      ? bench_pass_tap
				 : bench_burst && !rrt_cache_resident(t) ? bench_pass_burst
									  : bench_pass,
				 t, &conf, slots, nq, seconds, &total);
		printf("%-15s %12llu %10.1f %8.2f %7.1f%%\n", mix->name, (unsigned long long)total,
		       ns, 1e3 / ns, 100.0 * (double)ok / (double)nq);
	}
	free(slots);
	free(kinds);
out:
	for (int k = 0; k < K_MAX; k++)
		free(bn.off[k]);
	free(bn.buf);
	bench_thp_restore(t, &th);
	rrt_free(t);
	if (bench_tap.ring != NULL)
		printf("dnstap     %llu messages dropped at a full ring\n",
		       (unsigned long long)dnstap_ring_dropped(bench_tap.ring));
	free(bench_tap.ring);
	return 0;
}
