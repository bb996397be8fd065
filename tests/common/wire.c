/* SPDX-License-Identifier: BSD-3-Clause */
/* DNS wire helpers for every test kind: queries by hand, names, checksums, a response decoder. */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

uint32_t
tu_sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

uint16_t
tu_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

size_t
tu_name(const char *text, uint8_t *out)
{
	size_t n = 0;
	const char *p = text;

	while (*p != '\0' && !(p[0] == '.' && p[1] == '\0')) {
		const char *dot = strchr(p, '.');
		size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);

		out[n++] = (uint8_t)l;
		memcpy(out + n, p, l);
		n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	out[n++] = 0;
	return n;
}

size_t
tu_query(uint8_t *buf, size_t cap, const char *qname, uint16_t qtype, const struct tu_qopt *o)
{
	static const struct tu_qopt defaults = {.id = 0x1234};
	size_t n;
	uint16_t qclass;

	if (o == NULL)
		o = &defaults;
	if (cap < 512)
		abort();
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(o->id >> 8);
	buf[1] = (uint8_t)o->id;
	buf[2] = (uint8_t)((o->opcode & 0xf) << 3 | (o->rd ? 1 : 0));
	buf[3] = (uint8_t)(o->cd ? 0x10 : 0);
	buf[5] = 1; /* QDCOUNT */
	n = 12 + tu_name(qname, buf + 12);
	qclass = o->qclass != 0 ? o->qclass : 1;
	buf[n++] = (uint8_t)(qtype >> 8);
	buf[n++] = (uint8_t)qtype;
	buf[n++] = (uint8_t)(qclass >> 8);
	buf[n++] = (uint8_t)qclass;
	if (o->edns) {
		uint16_t payload = o->payload != 0 ? o->payload : 1232;
		uint16_t fl = (uint16_t)((o->do_bit ? 0x8000 : 0) | o->ext_flags);

		buf[11] = 1; /* ARCOUNT */
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = 41;
		buf[n++] = (uint8_t)(payload >> 8);
		buf[n++] = (uint8_t)payload;
		buf[n++] = 0; /* extended RCODE */
		buf[n++] = o->version;
		buf[n++] = (uint8_t)(fl >> 8);
		buf[n++] = (uint8_t)fl;
		buf[n++] = (uint8_t)(o->opts_len >> 8);
		buf[n++] = (uint8_t)o->opts_len;
		if (o->opts_len > 0) {
			memcpy(buf + n, o->opts, o->opts_len);
			n += o->opts_len;
		}
	}
	return n;
}

size_t
tu_name_text(const uint8_t *buf, size_t len, size_t off, char *out)
{
	size_t next = 0;
	size_t o = 0;
	unsigned hops = 0;

	for (;;) {
		uint8_t c;

		if (off >= len)
			return 0;
		c = buf[off];
		if (c == 0) {
			if (next == 0)
				next = off + 1;
			break;
		}
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (off + 1 >= len || ++hops > 64)
				return 0;
			target = (size_t)(c & 0x3f) << 8 | buf[off + 1];
			if (target >= off)
				return 0; /* the engine only ever points backwards */
			if (next == 0)
				next = off + 2;
			off = target;
			continue;
		}
		if (c > 63 || off + 1 + c > len || o + c + 2 > 1000)
			return 0;
		memcpy(out + o, buf + off + 1, c);
		o += c;
		out[o++] = '.';
		off += 1 + c;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return next;
}

int
tu_decode(const uint8_t *buf, size_t len, struct tu_msg *m)
{
	size_t p = 12;

	memset(m, 0, offsetof(struct tu_msg, rr));
	m->buf = buf;
	m->len = len;
	if (len < 12)
		return -1;
	m->id = tu_get16(buf);
	m->f1 = buf[2];
	m->f2 = buf[3];
	m->qd = tu_get16(buf + 4);
	m->an = tu_get16(buf + 6);
	m->ns = tu_get16(buf + 8);
	m->ar = tu_get16(buf + 10);
	if (m->qd > 1)
		return -1;
	if (m->qd == 1) {
		p = tu_name_text(buf, len, p, m->qname);
		if (p == 0 || p + 4 > len)
			return -1;
		m->qtype = tu_get16(buf + p);
		m->qclass = tu_get16(buf + p + 2);
		p += 4;
	}
	m->qend = p;
	if ((unsigned)m->an + m->ns + m->ar > TU_MSG_MAXRR)
		return -1;
	for (unsigned i = 0; i < (unsigned)m->an + m->ns + m->ar; i++) {
		struct tu_rr *rr = &m->rr[i];

		rr->owner_off = p;
		p = tu_name_text(buf, len, p, rr->owner);
		if (p == 0 || p + 10 > len)
			return -1;
		rr->type = tu_get16(buf + p);
		rr->rclass = tu_get16(buf + p + 2);
		rr->ttl = tu_get32(buf + p + 4);
		rr->rdlen = tu_get16(buf + p + 8);
		rr->rdata_off = p + 10;
		p += 10 + rr->rdlen;
		if (p > len)
			return -1;
		m->nrr++;
	}
	return p == len ? 0 : -1;
}
