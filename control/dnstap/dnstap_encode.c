/* SPDX-License-Identifier: BSD-3-Clause */
/* dnstap records to Dnstap protobuf messages: the frames parsed, the fields filled (docs/dnstap.md). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swerve/dnstap.h"
#include "swerve/dnstap_log.h"

#include "dnstap.pb-c.h"

static inline uint16_t
dt_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The UDP endpoint of one frame (@held octets of it, @full in all). */
struct dt_frame {
	uint8_t family;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	const uint8_t *msg;
	uint32_t msg_len, msg_full;
};

/*
 * Ethernet, at most one 802.1Q tag, IPv4 (with options) or IPv6 without
 * extension headers, UDP: what pkt_process() answers. The headers always
 * lie within DNSTAP_ROOM; the message may be cut.
 */
static int
dt_frame_parse(const uint8_t *f, uint32_t held, struct dt_frame *out)
{
	uint32_t off = 14, l4, ulen;
	uint16_t et;

	if (held < 14)
		return -EINVAL;
	et = dt_be16(f + 12);
	if (et == 0x8100) {
		if (held < 18)
			return -EINVAL;
		et = dt_be16(f + 16);
		off = 18;
	}
	if (et == 0x0800) {
		uint32_t ihl;

		if (held < off + 20 || (f[off] >> 4) != 4)
			return -EINVAL;
		ihl = (uint32_t)(f[off] & 0xf) * 4;
		if (ihl < 20 || f[off + 9] != 17)
			return -EINVAL;
		out->family = 4;
		out->src = f + off + 12;
		out->dst = f + off + 16;
		l4 = off + ihl;
	} else if (et == 0x86dd) {
		if (held < off + 40 || (f[off] >> 4) != 6 || f[off + 6] != 17)
			return -EINVAL;
		out->family = 6;
		out->src = f + off + 8;
		out->dst = f + off + 24;
		l4 = off + 40;
	} else {
		return -EINVAL;
	}
	if (held < l4 + 8)
		return -EINVAL;
	ulen = dt_be16(f + l4 + 4);
	if (ulen < 8)
		return -EINVAL;
	out->sport = dt_be16(f + l4);
	out->dport = dt_be16(f + l4 + 2);
	out->msg = f + l4 + 8;
	out->msg_full = ulen - 8;
	out->msg_len = held - (l4 + 8) < out->msg_full ? held - (l4 + 8) : out->msg_full;
	return 0;
}

int
dnstap_rec_fields(const struct dnstap_rec *r, struct dnstap_fields *f)
{
	struct dt_frame q, a;

	memset(f, 0, sizeof(*f));
	if (r->qlen > DNSTAP_ROOM || r->rlen > DNSTAP_ROOM)
		return -EINVAL;
	if (r->kind == DNSTAP_REC_TCP) {
		if (r->family != 4 && r->family != 6)
			return -EINVAL;
		f->family = r->family;
		f->proto = DNSTAP_PROTO_TCP;
		f->qaddr = r->qaddr;
		f->raddr = r->raddr;
		f->qport = r->qport;
		f->rport = r->rport;
		f->qmsg = r->q;
		f->qmsg_len = r->qlen;
		f->qmsg_full = r->qfull;
		f->rmsg = r->r;
		f->rmsg_len = r->rlen;
		f->rmsg_full = r->rfull;
		return 0;
	}
	if (r->kind != DNSTAP_REC_FRAMES)
		return -EINVAL;
	/* The query frame says who asked whom; the response frame carries the same pair swapped. */
	if (dt_frame_parse(r->q, r->qlen, &q) < 0 || dt_frame_parse(r->r, r->rlen, &a) < 0)
		return -EINVAL;
	f->family = q.family;
	f->proto = DNSTAP_PROTO_UDP;
	f->qaddr = q.src;
	f->raddr = q.dst;
	f->qport = q.sport;
	f->rport = q.dport;
	f->qmsg = q.msg;
	f->qmsg_len = q.msg_len;
	f->qmsg_full = q.msg_full;
	f->rmsg = a.msg;
	f->rmsg_len = a.msg_len;
	f->rmsg_full = a.msg_full;
	return 0;
}

static ProtobufCBinaryData
dt_bytes(const void *p, size_t len)
{
	ProtobufCBinaryData b = {.len = len, .data = (uint8_t *)(uintptr_t)p};

	return b;
}

uint8_t *
dnstap_encode(const char *identity, const char *version, const struct dnstap_fields *f,
	      bool response, uint64_t qtime_ns, uint64_t rtime_ns, size_t *len)
{
	Dnstap__Dnstap d = DNSTAP__DNSTAP__INIT;
	Dnstap__Message m = DNSTAP__MESSAGE__INIT;
	size_t alen = f->family == 6 ? 16 : 4;
	const uint8_t *msg = response ? f->rmsg : f->qmsg;
	uint32_t held = response ? f->rmsg_len : f->qmsg_len;
	uint32_t full = response ? f->rmsg_full : f->qmsg_full;
	char extra[64];
	uint8_t *buf;
	size_t n;

	m.type = response ? DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE : DNSTAP__MESSAGE__TYPE__AUTH_QUERY;
	m.has_socket_family = 1;
	m.socket_family = f->family == 6 ? DNSTAP__SOCKET_FAMILY__INET6 : DNSTAP__SOCKET_FAMILY__INET;
	m.has_socket_protocol = 1;
	m.socket_protocol = f->proto == DNSTAP_PROTO_TCP ? DNSTAP__SOCKET_PROTOCOL__TCP
							  : DNSTAP__SOCKET_PROTOCOL__UDP;
	m.has_query_address = 1;
	m.query_address = dt_bytes(f->qaddr, alen);
	m.has_response_address = 1;
	m.response_address = dt_bytes(f->raddr, alen);
	m.has_query_port = 1;
	m.query_port = f->qport;
	m.has_response_port = 1;
	m.response_port = f->rport;
	/* Both kinds carry the query's time, as the format recommends for AUTH_RESPONSE. */
	m.has_query_time_sec = 1;
	m.query_time_sec = qtime_ns / 1000000000u;
	m.has_query_time_nsec = 1;
	m.query_time_nsec = (uint32_t)(qtime_ns % 1000000000u);
	if (response) {
		m.has_response_time_sec = 1;
		m.response_time_sec = rtime_ns / 1000000000u;
		m.has_response_time_nsec = 1;
		m.response_time_nsec = (uint32_t)(rtime_ns % 1000000000u);
		m.has_response_message = 1;
		m.response_message = dt_bytes(msg, held);
	} else {
		m.has_query_message = 1;
		m.query_message = dt_bytes(msg, held);
	}
	if (held < full) {
		n = (size_t)snprintf(extra, sizeof(extra), "swerve: %s cut at %u of %u octets",
				     response ? "response" : "query", held, full);
		d.has_extra = 1;
		d.extra = dt_bytes(extra, n);
	}
	if (identity != NULL) {
		d.has_identity = 1;
		d.identity = dt_bytes(identity, strlen(identity));
	}
	if (version != NULL) {
		d.has_version = 1;
		d.version = dt_bytes(version, strlen(version));
	}
	d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
	d.message = &m;

	n = dnstap__dnstap__get_packed_size(&d);
	buf = malloc(n != 0 ? n : 1);
	if (buf == NULL)
		return NULL;
	*len = dnstap__dnstap__pack(&d, buf);
	return buf;
}
