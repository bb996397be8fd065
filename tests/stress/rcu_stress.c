/* SPDX-License-Identifier: BSD-3-Clause */
/* RCU stress: QSBR readers validate every RRset while a writer publishes and swaps slots. */

/*
 * What a violation looks like here, and why each is checked:
 * - an RRset whose records do not all carry the same marker, or whose wire
 *   walk does not end exactly at its length: a torn read, or memory reused
 *   under the reader;
 * - a name present or absent against the snapshot's variant (its SOA
 *   serial): a reader mixing two snapshots;
 * - a snapshot generation or slot version going backwards for one reader:
 *   publication ordering broken.
 * Replaced snapshots are sometimes poisoned before they are freed, so a
 * reader still inside one fails validation even without AddressSanitizer;
 * with it, any use after free or leak fails the run.
 *
 * Usage: rcu_stress [seconds]; default from SWERVE_STRESS_SECONDS, else 10.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>

#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"
#include "testutil.h"

#define T_TXT 16

#define NREADERS	  2
#define NVARIANTS	  4 /* Zone contents the writer cycles through; the SOA serial names it. */
#define NNAMES		  128
#define NSLOTS		  4
#define MAXREC		  4 /* Records per RRset: 1..MAXREC, so a torn count shows. */
#define ZONE_TTL	  300
#define SWAPS_PER_PUBLISH 32
#define LOOKUPS_PER_ITER  8
#define MAX_REPORTS	  10

#define ORIGIN "stress.example."

/* Shared between the threads. */
static struct rrt_root root;
static struct rrt_slot *slots[NSLOTS];
static int stop; /* Set by main when the time is up. */
static unsigned long violations;

struct reader_stats {
	pthread_t tid;
	unsigned id;
	uint64_t iterations;
	uint64_t lookups;
	uint64_t rrsets;
	uint64_t slot_reads;
	uint64_t slot_empty;
	uint64_t snapshots_seen;
};

struct writer_stats {
	pthread_t tid;
	double seconds;
	uint64_t publishes;
	uint64_t swaps;
	int failed;
};

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
violation(const char *fmt, ...)
{
	va_list ap;

	if (__atomic_add_fetch(&violations, 1, __ATOMIC_RELAXED) > MAX_REPORTS)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "rcu_stress: VIOLATION: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Name i exists in variant v unless i % NVARIANTS == v; it has 1..MAXREC TXT records. */
static bool
name_in_variant(unsigned i, unsigned v)
{
	return i % NVARIANTS != v;
}

static unsigned
name_records(unsigned i, unsigned v)
{
	return 1 + (i + v) % MAXREC;
}

static unsigned
slot_records(uint32_t ver)
{
	return 1 + ver % MAXREC;
}

static size_t
marker(char *out, size_t cap, const char *kind, unsigned a, unsigned b, unsigned r, unsigned k)
{
	return (size_t)snprintf(out, cap, "%s=%u m=%u r=%u k=%u", kind, a, b, r, k);
}

static size_t
owner_wire(uint8_t *out, const char *label, unsigned i)
{
	char text[64];

	snprintf(text, sizeof(text), "%s%u." ORIGIN, label, i);
	return tu_name(text, out);
}

/*
 * Check the wire form of @rs and that record r carries the text
 * "<kind>=<a> m=<b> r=<r> k=<count>" with count == @want.
 */
static bool
check_rrset(const struct rrt_rrset *rs, uint32_t ttl, const char *kind, unsigned a, unsigned b,
	    unsigned want)
{
	char expect[96];
	unsigned r = 0;
	uint16_t off = 0;

	if (rs->type != T_TXT || rs->count != want || rs->ttl != ttl || rs->sig_len != 0) {
		violation("%s=%u m=%u: header type %u count %u (want %u) ttl %u", kind, a, b,
			  rs->type, rs->count, want, rs->ttl);
		return false;
	}
	while (off < rs->len) {
		const uint8_t *p = rs->wire + off;
		uint16_t rdlen;
		size_t n;

		if ((size_t)off + 2 + RRT_RR_FIXED > rs->len)
			break;
		rdlen = (uint16_t)(p[10] << 8 | p[11]);
		n = marker(expect, sizeof(expect), kind, a, b, r, want);
		if (p[0] != 0xc0 || p[1] != 0x0c || p[2] != 0 || p[3] != T_TXT || p[4] != 0 ||
		    p[5] != 1 ||
		    ((uint32_t)p[6] << 24 | (uint32_t)p[7] << 16 | p[8] << 8 | p[9]) != ttl ||
		    (size_t)off + 12 + rdlen > rs->len || rdlen != n + 1 || p[12] != n ||
		    memcmp(p + 13, expect, n) != 0) {
			violation("%s=%u m=%u: record %u does not read \"%s\"", kind, a, b, r,
				  expect);
			return false;
		}
		off = rrt_rrset_next(rs, off);
		r++;
	}
	if (off != rs->len || r != want) {
		violation("%s=%u m=%u: wire walk ends at %u of %u after %u records", kind, a, b,
			  off, rs->len, r);
		return false;
	}
	return true;
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One lookup of zone name @i in snapshot @t of variant @v. */
static void
reader_name(struct reader_stats *st, const struct rrt *t, unsigned v, unsigned i)
{
	uint8_t name[DNAME_MAXLEN];
	size_t len = owner_wire(name, "n", i);
	const struct rrt_node *n = rrt_find(t, name, len, dname_hash(name, len));
	const struct rrt_ref *ref;

	st->lookups++;
	if ((n != NULL) != name_in_variant(i, v)) {
		violation("n%u: %s in a snapshot of variant %u", i,
			  n != NULL ? "present" : "absent", v);
		return;
	}
	if (n == NULL)
		return;
	if (n->name_len != len || memcmp(rrt_node_name(t, n), name, len) != 0) {
		violation("n%u: lookup returned another node", i);
		return;
	}
	ref = rrt_node_ref(t, n, T_TXT);
	if (ref == NULL || (ref->flags & RRT_REF_SLOT)) {
		violation("n%u: no TXT RRset", i);
		return;
	}
	if (check_rrset(rrt_ref_rrset(t, ref), ZONE_TTL, "v", v, i, name_records(i, v)))
		st->rrsets++;
}

/* One read of failover slot @j through snapshot @t; versions must never go back. */
static void
reader_slot(struct reader_stats *st, const struct rrt *t, unsigned j, uint32_t *last_ver)
{
	uint8_t name[DNAME_MAXLEN];
	size_t len = owner_wire(name, "s", j);
	const struct rrt_node *n = rrt_find(t, name, len, dname_hash(name, len));
	const struct rrt_ref *ref = n != NULL ? rrt_node_ref(t, n, T_TXT) : NULL;
	const struct rrt_rrset *rs;
	uint32_t ver;
	char text[96];
	size_t tlen;

	st->lookups++;
	if (ref == NULL || !(ref->flags & RRT_REF_SLOT) || ref->off >= t->nslots) {
		violation("s%u: no slot reference", j);
		return;
	}
	rs = rrt_ref_rrset(t, ref);
	st->slot_reads++;
	if (rs == NULL) {
		st->slot_empty++;
		return;
	}
	if (rs->count == 0 || rs->len < 2 + RRT_RR_FIXED + 1 + 8) {
		violation("s%u: short RRset (count %u, len %u)", j, rs->count, rs->len);
		return;
	}
	/* The version is in the first record, "s=<j> m=<ver> ..."; check_rrset() proves the rest.
	 */
	tlen = rs->wire[12] < sizeof(text) - 1 ? rs->wire[12] : sizeof(text) - 1;
	if (13 + tlen > rs->len)
		tlen = rs->len - 13u;
	memcpy(text, rs->wire + 13, tlen);
	text[tlen] = '\0';
	if (sscanf(text, "s=%*u m=%" SCNu32, &ver) != 1) {
		violation("s%u: first record \"%s\" has no version", j, text);
		return;
	}
	if (ver < *last_ver) {
		violation("s%u: version went back from %u to %u", j, *last_ver, ver);
		return;
	}
	*last_ver = ver;
	if (check_rrset(rs, 30 + ver % 5, "s", j, ver, slot_records(ver)))
		st->rrsets++;
}

static void *
reader_main(void *arg)
{
	struct reader_stats *st = arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (st->id + 1);
	uint32_t last_ver[NSLOTS] = {0};
	uint64_t last_gen = 0;

	rcu_register_thread();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		const struct rrt *t;
		unsigned v;

		/* Top of the loop, like a worker: nothing read before this is used after it. */
		rcu_quiescent_state();
		st->iterations++;
		/* Now and then go offline as an idle worker would, to exercise that path too. */
		if ((st->iterations & 4095) == 0) {
			rcu_thread_offline();
			rcu_thread_online();
		}
		t = rrt_current(&root);
		if (t == NULL)
			continue;
		if (t->generation < last_gen)
			violation("generation went back from %" PRIu64 " to %" PRIu64, last_gen,
				  t->generation);
		if (t->generation != last_gen)
			st->snapshots_seen++;
		last_gen = t->generation;
		if (t->nzones != 1 || t->zones[0].serial < 1 || t->zones[0].serial > NVARIANTS) {
			violation("snapshot %" PRIu64 ": %u zones, serial %u", t->generation,
				  t->nzones, t->nzones > 0 ? t->zones[0].serial : 0);
			continue;
		}
		v = t->zones[0].serial - 1;
		for (unsigned k = 0; k < LOOKUPS_PER_ITER; k++) {
			uint64_t r = rnd(&seed);

			if ((r & 3) == 0) {
				unsigned j = (unsigned)(r >> 8) % NSLOTS;

				reader_slot(st, t, j, &last_ver[j]);
			} else {
				reader_name(st, t, v, (unsigned)(r >> 8) % NNAMES);
			}
		}
	}
	rcu_thread_offline();
	rcu_unregister_thread();
	return NULL;
}

/* Slot @j's RRset at version @ver: 1..MAXREC TXT records. */
static struct rrt_rrset *
slot_rrset(unsigned j, uint32_t ver)
{
	uint8_t buf[MAXREC][96];
	const uint8_t *rdata[MAXREC];
	uint16_t rdlen[MAXREC];
	unsigned k = slot_records(ver);

	for (unsigned r = 0; r < k; r++) {
		size_t n = marker((char *)buf[r] + 1, sizeof(buf[r]) - 1, "s", j, ver, r, k);

		buf[r][0] = (uint8_t)n;
		rdata[r] = buf[r];
		rdlen[r] = (uint16_t)(n + 1);
	}
	return rrt_rrset_new(T_TXT, 30 + ver % 5, rdata, rdlen, k);
}

/* Zone text of variant @v. */
static char *
variant_text(unsigned v)
{
	size_t cap = 256 + (size_t)NNAMES * MAXREC * 64, n;
	char *text = malloc(cap);

	if (text == NULL)
		abort();
	n = (size_t)snprintf(text, cap,
			     "$ORIGIN " ORIGIN "\n$TTL %u\n"
			     "@ SOA ns1 hostmaster %u 3600 900 604800 60\n@ NS ns1\n"
			     "ns1 A 198.18.0.53\n",
			     ZONE_TTL, v + 1);
	for (unsigned i = 0; i < NNAMES; i++) {
		unsigned k = name_records(i, v);

		if (!name_in_variant(i, v))
			continue;
		for (unsigned r = 0; r < k; r++) {
			char m[96];

			marker(m, sizeof(m), "v", v, i, r, k);
			n += (size_t)snprintf(text + n, cap - n, "n%u TXT \"%s\"\n", i, m);
		}
	}
	return text;
}

/* Overwrite what a snapshot's readers touch, so a late reader fails loudly. */
static void
poison(struct rrt *t)
{
	memset(t->arena, 0x5a, t->arena_len);
	memset(t->nodes, 0xa5, (size_t)t->nnodes * sizeof(*t->nodes));
	memset(t->buckets, 0x5a, ((size_t)t->mask + 1) * sizeof(*t->buckets));
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct writer_arg {
	struct writer_stats *st;
	struct zone **zones;
};

static void *
writer_main(void *arg)
{
	struct writer_arg *wa = arg;
	struct writer_stats *st = wa->st;
	uint32_t ver[NSLOTS] = {0};
	double end = now() + st->seconds;
	struct rrt *old;

	/* call_rcu() wants a registered, online caller. */
	rcu_register_thread();
	while (now() < end) {
		const struct zone *z = wa->zones[st->publishes % NVARIANTS];
		struct sw_diag d = {0};
		struct rrt *t = NULL;

		if (rrt_build(&z, 1, slots, NSLOTS, &t, &d) < 0) {
			violation("rrt_build: %s", d.msg);
			st->failed = 1;
			break;
		}
		old = rrt_publish(&root, t);
		if (st->publishes & 1) {
			rrt_reclaim(old);
		} else if (old != NULL) {
			synchronize_rcu();
			poison(old);
			rrt_free(old);
		}
		st->publishes++;
		for (unsigned m = 0; m < SWAPS_PER_PUBLISH; m++) {
			unsigned j = m % NSLOTS;
			struct rrt_rrset *rs;

			ver[j]++;
			/* Some versions serve nothing (all-down "servfail"); never the resting one.
			 */
			rs = ver[j] % 16 == 3 ? NULL : slot_rrset(j, ver[j]);
			if (ver[j] % 16 != 3 && rs == NULL) {
				violation("rrt_rrset_new failed");
				st->failed = 1;
				break;
			}
			rrt_slot_replace(slots[j], rs);
			st->swaps++;
		}
		rcu_quiescent_state();
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	old = rrt_publish(&root, NULL);
	rrt_reclaim(old);
	/* Every slot RRset handed to call_rcu() is freed before the slots go. */
	rcu_barrier();
	rcu_thread_offline();
	rcu_unregister_thread();
	return NULL;
}

/* Before the race, the writer API alone: exact wire form, limits, generations. */
static int
check_writer_api(void)
{
	static const uint8_t a1[] = {198, 18, 0, 1};
	static const uint8_t a2[] = {198, 18, 0, 2};
	static const uint8_t want[] = {
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 198, 18, 0, 1,
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 198, 18, 0, 2,
	};
	static const uint8_t big[UINT16_MAX] = {0};
	const uint8_t *rdata[] = {a1, a2, big};
	uint16_t rdlen[] = {4, 4, UINT16_MAX - 12};
	uint8_t name[DNAME_MAXLEN];
	size_t len = tu_name("Mixed.Example.", name);
	struct rrt_rrset *rs = rrt_rrset_new(1, 3600, rdata, rdlen, 2);
	struct rrt_rrset *full;
	struct rrt_slot *slot;
	struct rrt_root r = {0};
	struct rrt *t1 = calloc(1, sizeof(*t1)), *t2 = calloc(1, sizeof(*t2));
	int bad = 0;

	if (rs == NULL || rs->type != 1 || rs->count != 2 || rs->len != sizeof(want) ||
	    rs->ttl != 3600 || rs->sig_len != 0 || memcmp(rs->wire, want, sizeof(want)) != 0)
		bad |= 1;
	/* RDLENGTH 65523 fills the 16-bit length exactly; one octet more does not fit. */
	full = rrt_rrset_new(1, 0, rdata + 2, rdlen + 2, 1);
	if (full == NULL || full->len != UINT16_MAX ||
	    rrt_rrset_new(1, 0, rdata + 1, rdlen + 1, 2) != NULL)
		bad |= 2;
	/* A slot owns its RRset: freeing the slot frees it. */
	rrt_slot_free(rrt_slot_new(name, len, 1, full));
	slot = rrt_slot_new(name, len, 1, rs);
	if (slot == NULL || slot->name_len != len ||
	    memcmp(slot->name, "\5mixed\7example", 15) != 0 || rrt_slot_get(slot) != rs ||
	    rrt_slot_new(name, 0, 1, NULL) != NULL ||
	    rrt_slot_new(name, DNAME_MAXLEN + 1, 1, NULL) != NULL)
		bad |= 4;
	rrt_slot_free(slot);
	if (t1 == NULL || t2 == NULL || rrt_publish(&r, t1) != NULL || rrt_current(&r) != t1 ||
	    rrt_publish(&r, t2) != t1 || t2->generation <= t1->generation ||
	    rrt_publish(&r, NULL) != t2 || rrt_current(&r) != NULL)
		bad |= 8;
	rrt_reclaim(NULL);
	free(t1);
	free(t2);
	if (bad != 0)
		violation("writer API self-check failed (mask %d)", bad);
	return bad;
}

static double
duration(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : getenv("SWERVE_STRESS_SECONDS");
	char *end;
	double d;

	if (s == NULL || *s == '\0')
		return 10.0;
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || *end != '\0' || d <= 0 || d > 86400) {
		fprintf(stderr, "rcu_stress: bad duration \"%s\"\n", s);
		exit(2);
	}
	return d;
}

int
main(int argc, char **argv)
{
	struct reader_stats readers[NREADERS] = {0};
	struct writer_stats writer = {.seconds = duration(argc, argv)};
	struct zone *zones[NVARIANTS];
	struct writer_arg wa = {.st = &writer, .zones = zones};
	uint64_t lookups = 0, rrsets = 0, slot_reads = 0, slot_empty = 0;

	if (check_writer_api() != 0)
		return 1;
	for (unsigned v = 0; v < NVARIANTS; v++) {
		char *text = variant_text(v);

		zones[v] = tu_zone(ORIGIN, text);
		free(text);
	}
	for (unsigned j = 0; j < NSLOTS; j++) {
		uint8_t name[DNAME_MAXLEN];
		size_t len = owner_wire(name, "s", j);

		slots[j] = rrt_slot_new(name, len, T_TXT, slot_rrset(j, 0));
		if (slots[j] == NULL)
			abort();
	}
	for (unsigned i = 0; i < NREADERS; i++) {
		readers[i].id = i;
		if (pthread_create(&readers[i].tid, NULL, reader_main, &readers[i]) != 0)
			abort();
	}
	if (pthread_create(&writer.tid, NULL, writer_main, &wa) != 0)
		abort();
	pthread_join(writer.tid, NULL);
	for (unsigned i = 0; i < NREADERS; i++) {
		pthread_join(readers[i].tid, NULL);
		lookups += readers[i].lookups;
		rrsets += readers[i].rrsets;
		slot_reads += readers[i].slot_reads;
		slot_empty += readers[i].slot_empty;
		printf("rcu_stress: reader %u: %" PRIu64 " iterations, %" PRIu64
		       " snapshots seen\n",
		       i, readers[i].iterations, readers[i].snapshots_seen);
	}
	for (unsigned j = 0; j < NSLOTS; j++)
		rrt_slot_free(slots[j]);
	for (unsigned v = 0; v < NVARIANTS; v++)
		zone_free(zones[v]);
	printf("rcu_stress: %.1f s, %d readers: %" PRIu64 " lookups, %" PRIu64
	       " RRsets validated, %" PRIu64 " slot reads (%" PRIu64 " empty)\n",
	       writer.seconds, NREADERS, lookups, rrsets, slot_reads, slot_empty);
	printf("rcu_stress: writer: %" PRIu64 " publishes, %" PRIu64 " slot swaps\n",
	       writer.publishes, writer.swaps);
	if (violations != 0 || writer.failed || writer.publishes == 0 || lookups == 0) {
		printf("rcu_stress: FAILED: %lu violations\n", violations);
		return 1;
	}
	printf("rcu_stress: PASSED: 0 violations\n");
	return 0;
}
