/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: DNS query octets -> dnsq_answer(), every response checked against CONFORMANCE. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "swerve/dnsq.h"
#include "fuzz_util.h"

/*
 * Input: one mode octet, then the query.
 *   bits 0-1  capacity: 65535, 512, 1232, or a small one near the query's size
 *   bit  2    DNSQ_TCP
 *   bits 3-4  which answer settings (fz_conf)
 *   bits 5-7  fine tuning of the small capacity (capacity mode 3); in the
 *             other capacity modes bit 5 answers from a signed zone instead,
 *             bit 6 choosing NSEC or NSEC3 (fz_table_signed(): proofs and
 *             RRSIGs with DO=1)
 * Every query is answered into a separate buffer of exactly the capacity (so
 * ASan sees any write past it) and in place; both answers must be identical.
 * A UDP answer that is not truncated must equal the answer at full capacity.
 */
static size_t
fz_cap(uint8_t mode, size_t qlen)
{
	switch (mode & 3) {
	case 0:
		return 65535;
	case 1:
		return 512;
	case 2:
		return 1232;
	default:
		/* Around the question's end: where DNSQ_DROP_NOSPACE and FORMERR meet. */
		return (qlen > 40 ? qlen - 40 : 12) + 11u * (mode >> 5);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Member by member: struct dnsq_info has a padding octet (nine octets of
 * members), which the two calls' different fill patterns leave different.
 */
static bool
fz_info_equal(const struct dnsq_info *a, const struct dnsq_info *b)
{
	return a->qtype == b->qtype && a->rcode == b->rcode && a->verdict == b->verdict &&
	       a->rclass == b->rclass && a->tc == b->tc && a->edns == b->edns &&
	       a->cookie == b->cookie;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct rrt *t;
	const struct dnsq_conf *conf;
	struct dnsq_info info, info2, info3;
	struct fz_call call;
	const uint8_t *query;
	uint8_t *resp, *inplace, *full;
	size_t qlen, cap, n, n2, n3, room;
	unsigned flags;
	uint8_t mode;

	if (size < 1 || size > 65536)
		return 0;
	mode = data[0];
	t = (mode & 3) != 3 && (mode & 0x20) ? fz_table_signed(mode >> 6) : fz_table();
	query = data + 1;
	qlen = size - 1;
	cap = fz_cap(mode, qlen);
	flags = (mode & 4) ? DNSQ_TCP : 0;
	conf = fz_conf(mode >> 3);

	/* Out of place, into exactly @cap octets. */
	resp = malloc(cap);
	memset(&info, 0xa5, sizeof(info));
	n = dnsq_answer(t, conf, NULL, query, qlen, resp, cap, flags, &info);
	call = (struct fz_call){
		.query = query,
		.qlen = qlen,
		.resp = resp,
		.n = n,
		.cap = cap,
		.flags = flags,
		.conf = conf,
		.info = &info,
	};
	fz_check_answer(&call);

	/* In place: the query sits in the response buffer (which may be smaller than the query). */
	room = qlen > cap ? qlen : cap;
	inplace = malloc(room > 0 ? room : 1);
	memcpy(inplace, query, qlen);
	memset(&info2, 0x5a, sizeof(info2));
	n2 = dnsq_answer(t, conf, NULL, inplace, qlen, inplace, cap, flags, &info2);
	FZ_CHECK(n2 == n, "in place %zu octets, out of place %zu", n2, n);
	FZ_CHECK(n == 0 || memcmp(inplace, resp, n) == 0, "in-place answer differs");
	FZ_CHECK(fz_info_equal(&info, &info2), "in-place info differs");

	/* The worker's burst path: prefetch, then the hinted answer, to the same octets. */
	{
		const uint8_t *qp = query;
		uint16_t ql = (uint16_t)(qlen < 65535 ? qlen : 65535);
		static struct dnsq_burst burst;
		struct dnsq_info info4;
		uint8_t *hinted = malloc(cap > 0 ? cap : 1);
		size_t n4;

		dnsq_prefetch(t, &qp, &ql, 1, &burst);
		memset(&info4, 0x3c, sizeof(info4));
		n4 = ql == qlen ? dnsq_answer_hinted(t, conf, NULL, query, qlen, hinted, cap, flags,
						     &info4, &burst.hint[0])
				: n;
		FZ_CHECK(n4 == n, "hinted %zu octets, plain %zu", n4, n);
		FZ_CHECK(ql != qlen || n == 0 || memcmp(hinted, resp, n) == 0,
			 "the hinted answer differs");
		FZ_CHECK(ql != qlen || fz_info_equal(&info, &info4), "hinted info differs");
		free(hinted);
	}

	/* TC iff truncated: an untruncated UDP answer is the whole answer. */
	if (n > 0 && cap < 65535) {
		full = malloc(65535);
		n3 = dnsq_answer(t, conf, NULL, query, qlen, full, 65535, flags, &info3);
		FZ_CHECK(n3 > 0, "answered at %zu octets, dropped at 65535", cap);
		if (!info.tc && !(flags & DNSQ_TCP)) {
			FZ_CHECK(n3 == n && memcmp(full, resp, n) == 0,
				 "untruncated answer (%zu) differs from the full one (%zu)", n, n3);
		} else if (info.tc) {
			/* Truncated only when the whole answer does not fit (or is truncated with
			 * room too): no exception. */
			FZ_CHECK(n3 > cap || info3.tc, "TC although all %zu octets fit in %zu", n3,
				 cap);
		}
		free(full);
	}
	free(inplace);
	free(resp);
	return 0;
}
