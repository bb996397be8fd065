/* SPDX-License-Identifier: BSD-3-Clause */
/* DNS wire helpers for every test kind: queries by hand, names, checksums, a response decoder. */

#ifndef SWERVE_TEST_WIRE_H
#define SWERVE_TEST_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Big-endian fields. */
static inline uint16_t
tu_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
tu_get32(const uint8_t *p)
{
	return (uint32_t)tu_get16(p) << 16 | tu_get16(p + 2);
}

static inline void
tu_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An RFC 1071 ones'-complement sum in network order, independent of DPDK's: add @n octets to @s. */
uint32_t tu_sum16(const uint8_t *p, size_t n, uint32_t s);

/* Fold a tu_sum16() sum to 16 bits (not complemented). */
uint16_t tu_fold(uint32_t s);

/* Presentation name ("www.example.com." or "www.example.com") to wire form; returns its length. */
size_t tu_name(const char *text, uint8_t *out);

/* Query options for tu_query(). */
struct tu_qopt {
	uint16_t id;
	uint16_t qclass; /* 0 means IN. */
	uint8_t opcode;
	uint8_t rd, cd;
	int edns;	  /* 1: add an OPT record. */
	uint16_t payload; /* OPT class, 0 means 1232. */
	uint8_t version;
	uint8_t do_bit;
	uint16_t
		ext_flags; /* Further OPT flag bits (other than DO), to test they are not echoed. */
	const uint8_t *opts; /* Raw OPT RDATA. */
	uint16_t opts_len;
};

/* Build a query for @qname/@qtype into @buf; returns its length. @o may be NULL. */
size_t tu_query(uint8_t *buf, size_t cap, const char *qname, uint16_t qtype,
		const struct tu_qopt *o);

/* ---- a small, strict response decoder ---- */

#define TU_MSG_MAXRR 256

struct tu_rr {
	char owner[1024];
	size_t owner_off; /* Where the owner starts in the message. */
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdata_off;
};

struct tu_msg {
	const uint8_t *buf;
	size_t len;
	uint16_t id, qd, an, ns, ar;
	uint8_t f1, f2;
	char qname[1024];
	uint16_t qtype, qclass;
	size_t qend;
	unsigned nrr;
	struct tu_rr rr[TU_MSG_MAXRR]; /* Answer records first, then authority, then additional. */
};

/*
 * Decode the (maybe compressed) name at @off into dotted text ("." for the
 * root); returns the offset past it, or 0. Pointers must point backwards.
 */
size_t tu_name_text(const uint8_t *buf, size_t len, size_t off, char *out);

/* Decode a whole message; 0 when every count is met exactly and nothing is left over, else -1. */
int tu_decode(const uint8_t *buf, size_t len, struct tu_msg *m);

#endif /* SWERVE_TEST_WIRE_H */
