/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: table image octets -> rrt_image_read_mem(), and every
 * table it accepts answered (docs/table-image.md).
 *
 * The checksum and the version stamp are skipped (RRT_IMAGE_NO_SUM): they
 * guard against accidents, and the fuzzer would only ever meet them. What
 * is left are the structural checks, which promise that a table they pass
 * cannot send a lookup or an answer outside its arrays: so each accepted
 * table is asked, for up to FZ_NAMES of its names and a child of each,
 * every type in fz_types, with and without DO, under ASan.
 *
 * Seeds: images of the shared example zones (tests/fuzz/corpus/fuzz_image,
 * written by test_rrt_image with SWERVE_IMAGE_SEEDS=DIR).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "swerve/dnsq.h"
#include "swerve/rrt.h"
#include "swerve/rrt_image.h"
#include "fuzz_util.h"

#define FZ_NAMES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t fz_types[] = {1, 2, 5, 6, 15, 16, 28, 43, 46, 47, 48, 50, 255, 0};

static void
fz_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A query for the wire name @name (@len octets, optionally below a label "x") and @type. */
static size_t
fz_query(uint8_t *q, const uint8_t *name, size_t len, bool child, uint16_t type, bool dnssec)
{
	size_t o = 12;

	memset(q, 0, 12);
	fz_put16(q, 0x1234);
	fz_put16(q + 4, 1);
	fz_put16(q + 10, 1);
	if (child && len + 2 <= DNAME_MAXLEN) {
		q[o++] = 1;
		q[o++] = 'x';
	}
	memcpy(q + o, name, len);
	o += len;
	fz_put16(q + o, type);
	fz_put16(q + o + 2, 1);
	o += 4;
	/* OPT: root owner, type 41, payload 1232, DO as asked. */
	q[o++] = 0;
	fz_put16(q + o, 41);
	fz_put16(q + o + 2, 1232);
	q[o + 4] = 0;
	q[o + 5] = 0;
	fz_put16(q + o + 6, dnssec ? 0x8000 : 0);
	fz_put16(q + o + 8, 0);
	return o + 10;
}

static void
fz_answer_all(const struct rrt *t)
{
	static uint8_t resp[65535];
	uint8_t q[DNAME_MAXLEN + 32];
	struct dnsq_info info;

	for (uint32_t i = 0; i < t->nnodes && i < FZ_NAMES; i++) {
		const struct rrt_node *n = &t->nodes[i];

		for (size_t k = 0; k < sizeof(fz_types) / sizeof(fz_types[0]); k++)
			for (unsigned v = 0; v < 4; v++) {
				size_t ql = fz_query(q, rrt_node_name(t, n), n->name_len, v & 1,
						     fz_types[k], v & 2);
				size_t rl = dnsq_answer(t, fz_conf(0), NULL, q, ql, resp,
							sizeof(resp), DNSQ_TCP, &info);

				FZ_CHECK(rl <= sizeof(resp), "answer of %zu octets", rl);
			}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rrt_slot **slots;
	struct rrt_image *im = NULL;
	char err[256];
	uint32_t nslots;

	if (rrt_image_read_mem(data, size, RRT_IMAGE_NO_SUM, &im, err, sizeof(err)) < 0) {
		FZ_CHECK(im == NULL, "refused (%s) but returned an image", err);
		return 0;
	}
	/* The failover records the image names get a slot each, serving one address. */
	nslots = im->nslots;
	slots = calloc(nslots + 1u, sizeof(*slots));
	FZ_CHECK(slots != NULL, "out of memory");
	for (uint32_t s = 0; s < nslots; s++) {
		static const uint8_t addr[4] = {198, 18, 0, 1};
		const uint8_t *rd = addr;
		uint16_t rdlen = sizeof(addr);

		slots[s] = rrt_slot_new(im->slots[s].name, im->slots[s].name_len, im->slots[s].type,
					rrt_rrset_new(1, 30, &rd, &rdlen, 1));
		im->table->slots[s] = slots[s];
	}
	fz_answer_all(im->table);
	rrt_image_free(im);
	for (uint32_t s = 0; s < nslots; s++)
		rrt_slot_free(slots[s]);
	free(slots);
	return 0;
}
