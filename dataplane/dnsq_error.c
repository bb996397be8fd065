/* SPDX-License-Identifier: BSD-3-Clause */
/* The answer engine's responses to messages that did not parse: drops, NOTIMP and FORMERR. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "swerve/dnsq.h"
#include "dnsq_internal.h"

/*
 * Responses to messages that did not parse: drops, NOTIMP (the header, and
 * an OPT when the message had one: RFC 6891 6.1.1) and FORMERR (no OPT: the
 * OPT itself may be what is wrong).
 */
size_t
dnsq_answer_bad(enum dnsq_parse_rc rc, const struct dnsq_query *q, const struct dnsq_conf *conf,
		const uint8_t *query, uint8_t *resp, size_t cap, struct dnsq_info *info)
{
	uint16_t count[DNSQ_SEC_MAX] = {0, 0, 0};
	uint16_t id, qflags;
	size_t len;
	uint8_t rcode;

	switch (rc) {
	case DNSQ_PARSE_SHORT:
		info->verdict = DNSQ_DROP_SHORT;
		return 0;
	case DNSQ_PARSE_RESPONSE:
		info->verdict = DNSQ_DROP_RESPONSE;
		return 0;
	case DNSQ_PARSE_NOTIMP:
		rcode = DNSQ_RCODE_NOTIMP;
		len = DNSQ_HDR_LEN + (q->edns ? DNSQ_OPT_LEN : 0);
		break;
	default:
		rcode = DNSQ_RCODE_FORMERR;
		len = q->qend; /* The question when it parsed cleanly, else the header alone. */
		break;
	}
	if (cap < len) {
		info->verdict = DNSQ_DROP_NOSPACE;
		return 0;
	}
	id = dnsq_get16(query);
	qflags = dnsq_get16(query + 2);
	if (rcode == DNSQ_RCODE_NOTIMP) {
		struct dnsq_out out = {.buf = resp, .pos = DNSQ_HDR_LEN, .end = (uint32_t)cap};

		/* RD is defined for QUERY alone: a NOTIMP answer does not echo it. */
		qflags &= (uint16_t)~0x0100;
		if (q->edns)
			dnsq_write_opt(&out, conf->edns_payload, 0, q->edns_do);
		dnsq_write_header(resp, id, qflags, false, false, rcode, 0, out.count);
		info->rcode = rcode;
		info->rclass = DNSQ_CLASS_ERROR;
		return len;
	}
	if (resp != query)
		memmove(resp, query, len);
	dnsq_write_header(resp, id, qflags, false, false, rcode, len > DNSQ_HDR_LEN, count);
	if (len > DNSQ_HDR_LEN)
		info->qtype = q->qtype;
	info->rcode = rcode;
	info->rclass = DNSQ_CLASS_ERROR;
	return len;
}
