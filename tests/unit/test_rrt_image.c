/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the table image: round trip, damage, and the checks on what a lookup follows. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/rrt_image.h"
#include "swerve/zone.h"
#include "testutil.h"

/* Unsigned with a delegation and glue, NSEC-signed, NSEC3-signed: every kind of arena entry. */
static const char *const fixtures[][2] = {
	{"example.com.", "example.com.zone"},
	{"example.net.", "example.net.zone"},
	{"nsec.example.", "signed/nsec.example.zone"},
	{"nsec3.example.", "signed/nsec3.example.zone"},
};
#define NFIX (sizeof(fixtures) / sizeof(fixtures[0]))

struct fix {
	struct zone *zones[NFIX];
	uint16_t cfg[NFIX];
	struct rrt_slot *slot;
	struct rrt *t;
	char path[64];
	uint8_t *img;
	size_t len;
};

static struct rrt_slot *
slot_www(void)
{
	static const uint8_t name[] = "\x03" "api" "\x07" "example" "\x03" "com";
	static const uint8_t addr[4] = {198, 18, 0, 99};
	const uint8_t *rd = addr;
	uint16_t rdlen = 4;

	return rrt_slot_new(name, sizeof(name), 1, rrt_rrset_new(1, 30, &rd, &rdlen, 1));
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct sw_diag d;
	char err[256];

	assert_non_null(f);
	for (size_t i = 0; i < NFIX; i++) {
		memset(&d, 0, sizeof(d));
		assert_int_equal(zone_load(fixtures[i][0], tu_fixture_path(fixtures[i][1]),
					   &f->zones[i], &d),
				 0);
		f->cfg[i] = (uint16_t)(i * 2 + 1); /* Not the table index: the map must be kept. */
	}
	f->slot = slot_www();
	memset(&d, 0, sizeof(d));
	assert_int_equal(rrt_build((const struct zone *const *)f->zones, NFIX, &f->slot, 1, &f->t,
				   &d),
			 0);
	snprintf(f->path, sizeof(f->path), "/tmp/swerve-img-test-%ld", (long)getpid());
	assert_int_equal(rrt_image_write(f->path, f->t, (const struct zone *const *)f->zones,
					 f->cfg, err, sizeof(err)),
			 0);
	f->img = slurp(f->path, &f->len);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	unlink(f->path);
	free(f->img);
	rrt_free(f->t);
	rrt_slot_free(f->slot);
	for (size_t i = 0; i < NFIX; i++)
		zone_free(f->zones[i]);
	free(f);
	return 0;
}

/* The table read back is the table written, array for array; the identities come back too. */
static void
test_round_trip(void **state)
{
	struct fix *f = *state;
	struct rrt_image *im = NULL;
	char err[256] = "";
	const struct rrt *a = f->t, *b;

	if (rrt_image_read(f->path, &im, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	b = im->table;
	assert_int_equal(b->nzones, a->nzones);
	assert_int_equal(b->nnodes, a->nnodes);
	assert_int_equal(b->mask, a->mask);
	assert_int_equal(b->nslots, 1);
	assert_null(b->slots[0]); /* Bound by the caller. */
	assert_int_equal(b->arena_len, a->arena_len);
	assert_memory_equal(b->zones, a->zones, a->nzones * sizeof(*a->zones));
	assert_memory_equal(b->buckets, a->buckets, ((size_t)a->mask + 1) * sizeof(*a->buckets));
	assert_memory_equal(b->nodes, a->nodes, a->nnodes * sizeof(*a->nodes));
	assert_memory_equal(b->arena, a->arena, a->arena_len);
	assert_int_equal(b->resident, a->resident);
	for (size_t i = 0; i < NFIX; i++) {
		const struct rrt_image_zone *iz = &im->zones[i];
		const struct zone *z = f->zones[i];

		assert_int_equal(iz->cfg, f->cfg[i]);
		assert_string_equal(iz->name, z->name);
		assert_int_equal(iz->records, z->nrrs);
		assert_int_equal(iz->nfiles, z->nfiles);
		assert_string_equal(iz->files[0].path, z->files[0]);
		assert_memory_equal(&iz->files[0].id, &z->sources[0], sizeof(z->sources[0]));
	}
	assert_true(rrt_image_slot_is(&im->slots[0], f->slot));
	rrt_image_free(im);
}

/* What the start compares an image with: the identity of the file as it is now. */
static void
test_identify(void **state)
{
	struct fix *f = *state;
	struct zone_source now;
	const char *tmp;

	assert_int_equal(rrt_image_identify(tu_fixture_path(fixtures[2][1]), &now), 0);
	assert_int_equal(now.size, f->zones[2]->sources[0].size);
	assert_memory_equal(now.sha256, f->zones[2]->sources[0].sha256, sizeof(now.sha256));
	tmp = tu_write_temp("one octet more or less changes the hash\n");
	assert_int_equal(rrt_image_identify(tmp, &now), 0);
	assert_int_equal(now.size, 40);
	assert_memory_not_equal(now.sha256, f->zones[2]->sources[0].sha256, sizeof(now.sha256));
	assert_int_equal(rrt_image_identify("/nonexistent/zone", &now), -ENOENT);
}

/* A different record, or the same one signed with other keys, is not the slot in the image. */
static void
test_slot_identity(void **state)
{
	struct fix *f = *state;
	struct rrt_image *im = NULL;
	struct rrt_image_slot s;
	char err[256];

	assert_int_equal(rrt_image_read_mem(f->img, f->len, 0, &im, err, sizeof(err)), 0);
	s = im->slots[0];
	assert_true(rrt_image_slot_is(&s, f->slot));
	s.type = 28;
	assert_false(rrt_image_slot_is(&s, f->slot));
	s = im->slots[0];
	s.nkeys = 1;
	assert_false(rrt_image_slot_is(&s, f->slot));
	s = im->slots[0];
	s.name[1] = 'b';
	assert_false(rrt_image_slot_is(&s, f->slot));
	rrt_image_free(im);
}

/* Any octet changed after the header, anywhere in the file, fails the checksum. */
static void
test_damage_anywhere(void **state)
{
	struct fix *f = *state;
	uint8_t *copy = malloc(f->len);
	size_t tried = 0;

	assert_non_null(copy);
	for (size_t off = 0; off < f->len; off += 1 + off % 251) {
		struct rrt_image *im = NULL;
		char err[256] = "";

		memcpy(copy, f->img, f->len);
		copy[off] ^= 0x20;
		if (rrt_image_read_mem(copy, f->len, 0, &im, err, sizeof(err)) == 0) {
			/* Only the header's own time stamp may change without a refusal. */
			assert_true(off < 256);
			rrt_image_free(im);
			continue;
		}
		assert_null(im);
		assert_true(err[0] != '\0');
		tried++;
	}
	assert_true(tried > 100);
	free(copy);
}

/* Torn writes: every shorter file, and a longer one, is refused. */
static void
test_truncated(void **state)
{
	struct fix *f = *state;
	uint8_t *longer = calloc(1, f->len + 8);

	assert_non_null(longer);
	for (size_t len = 0; len < f->len; len += 1 + len / 3) {
		struct rrt_image *im = NULL;
		char err[256];

		assert_true(rrt_image_read_mem(f->img, len, 0, &im, err, sizeof(err)) < 0);
		assert_null(im);
	}
	memcpy(longer, f->img, f->len);
	{
		struct rrt_image *im = NULL;
		char err[256];

		assert_true(rrt_image_read_mem(longer, f->len + 8, 0, &im, err, sizeof(err)) < 0);
	}
	free(longer);
}

/* Another build's table builder may compile other tables: its image is stale, not damaged. */
static void
test_other_version(void **state)
{
	struct fix *f = *state;
	uint8_t *copy = malloc(f->len);
	const char *v = rrt_image_build();
	struct rrt_image *im = NULL;
	char err[256] = "";
	uint8_t *at;

	assert_non_null(copy);
	memcpy(copy, f->img, f->len);
	at = memmem(copy, 256, v, strlen(v));
	assert_non_null(at);
	at[0] ^= 1;
	assert_int_equal(rrt_image_read_mem(copy, f->len, 0, &im, err, sizeof(err)), -ESTALE);
	assert_non_null(strstr(err, "written by build"));
	free(copy);
}

/*
 * Where the arrays are: at the end of the file, arena last, each padded to
 * 8 octets (the sizes are the built table's).
 */
static size_t
pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static size_t
arena_at(const struct fix *f)
{
	return f->len - pad8(f->t->arena_len);
}

static size_t
nodes_at(const struct fix *f)
{
	return arena_at(f) - f->t->nnodes * sizeof(struct rrt_node);
}

static size_t
buckets_at(const struct fix *f)
{
	return nodes_at(f) - ((size_t)f->t->mask + 1) * sizeof(struct rrt_bucket);
}

/* Read @copy without its checksum: the structural checks alone must refuse it, naming @what. */
static void
expect_refused(uint8_t *copy, size_t len, const char *what)
{
	struct rrt_image *im = NULL;
	char err[256] = "";

	assert_int_equal(rrt_image_read_mem(copy, len, RRT_IMAGE_NO_SUM, &im, err, sizeof(err)),
			 -EBADMSG);
	if (strstr(err, what) == NULL)
		fail_msg("refused for \"%s\", expected \"%s\"", err, what);
}

/*
 * An image that passes its checksum but holds a wrong table (a bug, or a
 * file someone wrote by hand) must still not send a lookup outside the
 * arrays: each of these is refused by the checks, not served.
 */
static void
test_checks(void **state)
{
	struct fix *f = *state;
	uint8_t *c = malloc(f->len);
	struct rrt_image *im = NULL;
	char err[256];
	struct rrt_bucket *bk;
	struct rrt_node *nd;
	uint32_t rs_off = 0;

	assert_non_null(c);
	/* Unchanged, the checks pass. */
	memcpy(c, f->img, f->len);
	assert_int_equal(rrt_image_read_mem(c, f->len, RRT_IMAGE_NO_SUM, &im, err, sizeof(err)), 0);
	rrt_image_free(im);

	memcpy(c, f->img, f->len);
	bk = (struct rrt_bucket *)(void *)(c + buckets_at(f));
	for (uint32_t i = 0; i <= f->t->mask; i++)
		if (bk[i].node != RRT_NONE) {
			bk[i].node = f->t->nnodes;
			break;
		}
	expect_refused(c, f->len, "bucket");

	memcpy(c, f->img, f->len);
	bk = (struct rrt_bucket *)(void *)(c + buckets_at(f));
	for (uint32_t i = 0; i <= f->t->mask; i++)
		if (bk[i].node == RRT_NONE)
			bk[i].node = 0;
	expect_refused(c, f->len, "no empty bucket");

	memcpy(c, f->img, f->len);
	nd = (struct rrt_node *)(void *)(c + nodes_at(f));
	nd[3].name_off = (uint32_t)f->t->arena_len - 1;
	expect_refused(c, f->len, "bad name");

	memcpy(c, f->img, f->len);
	nd = (struct rrt_node *)(void *)(c + nodes_at(f));
	nd[0].wildcard = f->t->nnodes + 5;
	expect_refused(c, f->len, "out of range");

	/* A reference pointing past the arena, then an RRset whose records do not add up. */
	for (uint32_t i = 0; i < f->t->nnodes && rs_off == 0; i++) {
		const struct rrt_node *n = &f->t->nodes[i];

		if (n->nrefs > 0 && !(rrt_node_refs(f->t, n)[0].flags & RRT_REF_SLOT)) {
			memcpy(c, f->img, f->len);
			nd = (struct rrt_node *)(void *)(c + nodes_at(f));
			nd[i].refs_off = (uint32_t)f->t->arena_len - 4;
			expect_refused(c, f->len, "references outside the arena");
			rs_off = rrt_node_refs(f->t, n)[0].off;
		}
	}
	assert_true(rs_off != 0);
	memcpy(c, f->img, f->len);
	((struct rrt_rrset *)(void *)(c + arena_at(f) + rs_off))->len += 1;
	expect_refused(c, f->len, "RRset at");
	memcpy(c, f->img, f->len);
	((struct rrt_rrset *)(void *)(c + arena_at(f) + rs_off))->count += 1;
	expect_refused(c, f->len, "records, it says");
	/* An RRset with no record at all (a CNAME's target would be read past the answer). */
	memcpy(c, f->img, f->len);
	{
		struct rrt_rrset *rs = (struct rrt_rrset *)(void *)(c + arena_at(f) + rs_off);

		rs->count = 0;
		rs->len = 0;
		rs->sig_len = 0;
	}
	expect_refused(c, f->len, "records, it says");
	free(c);
}

/* The index of the node named @text in the built table. */
static uint32_t
node_of(const struct fix *f, const char *text)
{
	uint8_t n[DNAME_MAXLEN];
	size_t len = tu_name(text, n);
	const struct rrt_node *node = rrt_find(f->t, n, len, dname_hash(n, len));

	assert_non_null(node);
	return (uint32_t)(node - f->t->nodes);
}

/*
 * Relations the answer engine computes lengths from: a node outside its
 * zone, a cut below the node, a wildcard that is not "*.<node>", a failover
 * reference of another type, an expired zone with data. Each is refused.
 */
static void
test_checks_relations(void **state)
{
	struct fix *f = *state;
	uint8_t *c = malloc(f->len);
	struct rrt_node *nd;
	struct rrt_ref *refs;
	uint32_t apex = node_of(f, "example.com."), api = node_of(f, "api.example.com.");
	uint32_t other = node_of(f, "www.example.net.");

	assert_non_null(c);
	memcpy(c, f->img, f->len);
	nd = (struct rrt_node *)(void *)(c + nodes_at(f));
	nd[other].zone = nd[apex].zone;
	expect_refused(c, f->len, "not in its zone");

	memcpy(c, f->img, f->len);
	nd = (struct rrt_node *)(void *)(c + nodes_at(f));
	nd[apex].cut = api;
	expect_refused(c, f->len, "its cut is not above it");

	memcpy(c, f->img, f->len);
	nd = (struct rrt_node *)(void *)(c + nodes_at(f));
	nd[apex].wildcard = api;
	expect_refused(c, f->len, "its wildcard is not");

	memcpy(c, f->img, f->len);
	nd = (struct rrt_node *)(void *)(c + nodes_at(f));
	refs = (struct rrt_ref *)(void *)(c + arena_at(f) + nd[api].refs_off);
	for (unsigned k = 0; k < nd[api].nrefs; k++)
		if (refs[k].flags & RRT_REF_SLOT)
			refs[k].type = 5; /* CNAME: the slot's addresses taken for a name. */
	expect_refused(c, f->len, "is not its own A or AAAA");

	memcpy(c, f->img, f->len);
	((struct rrt_zone *)(void *)(c + buckets_at(f) - pad8(NFIX * sizeof(struct rrt_zone))))[0]
		.expired = 1;
	expect_refused(c, f->len, "expired");
	free(c);
}

/* With SWERVE_IMAGE_SEEDS=DIR, the images the fuzzer starts from (tests/fuzz/corpus/fuzz_image). */
static void
write_seeds(const struct fix *f)
{
	const char *dir = getenv("SWERVE_IMAGE_SEEDS");
	char path[512], err[256];

	if (dir == NULL)
		return;
	for (size_t i = 0; i < NFIX; i++) {
		struct sw_diag d;
		struct rrt *t = NULL;
		uint16_t cfg = 0;
		const struct zone *z = f->zones[i];

		memset(&d, 0, sizeof(d));
		assert_int_equal(rrt_build(&z, 1, NULL, 0, &t, &d), 0);
		snprintf(path, sizeof(path), "%s/%.*simg", dir, (int)strlen(fixtures[i][0]), fixtures[i][0]);
		assert_int_equal(rrt_image_write(path, t, &z, &cfg, err, sizeof(err)), 0);
		rrt_free(t);
		/* A seed the checks refuse would leave the fuzzer only refusals to explore. */
		{
			struct rrt_image *im = NULL;

			if (rrt_image_read(path, &im, err, sizeof(err)) != 0)
				fail_msg("seed %s: %s", path, err);
			rrt_image_free(im);
		}
	}
}

static void
test_seeds(void **state)
{
	write_seeds(*state);
}

/*
 * The fuzzer's seeds as committed still pass the checks (the checksum and
 * the build aside, as the fuzzer reads them): after a format change they
 * must be written again, or the fuzzer only ever sees refusals.
 */
static void
test_committed_seeds(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFIX; i++) {
		char name[128], err[256] = "";
		struct rrt_image *im = NULL;
		uint8_t *img;
		size_t len;

		snprintf(name, sizeof(name), "../../fuzz/corpus/fuzz_image/%.*simg",
			 (int)strlen(fixtures[i][0]), fixtures[i][0]);
		img = slurp(tu_fixture_path(name), &len);
		if (rrt_image_read_mem(img, len, RRT_IMAGE_NO_SUM, &im, err, sizeof(err)) != 0)
			fail_msg("%s: %s (write the seeds again: SWERVE_IMAGE_SEEDS=DIR "
				 "test_rrt_image)",
				 name, err);
		rrt_image_free(im);
		free(img);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_identify),
		cmocka_unit_test(test_slot_identity), cmocka_unit_test(test_damage_anywhere),
		cmocka_unit_test(test_truncated),    cmocka_unit_test(test_other_version),
		cmocka_unit_test(test_checks),	     cmocka_unit_test(test_checks_relations),
		cmocka_unit_test(test_seeds),	     cmocka_unit_test(test_committed_seeds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
