/* SPDX-License-Identifier: BSD-3-Clause */
/* Interfaces between the answer engine's parser, writer and resolver (dataplane/dnsq_*.c). */

#ifndef SWERVE_DNSQ_INTERNAL_H
#define SWERVE_DNSQ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "swerve/dname.h"

struct rrt_rrset;

/* DNS constants used by the engine (RFC 1035, 6891, 7873, 8482). */
#define DNSQ_HDR_LEN  12
#define DNSQ_OPT_LEN  11 /* A root-owned OPT record with empty RDATA. */
#define DNSQ_RR_FIXED 10 /* Type, class, TTL and RDLENGTH after a record's owner. */
#define DNSQ_UDP_MIN  512
#define DNSQ_TCP_MAX  65535
#define DNSQ_PTR_MAX  0x3fff /* The last offset a compression pointer can reach. */

#define DNSQ_OPCODE_QUERY 0

#define DNSQ_RCODE_NOERROR  0
#define DNSQ_RCODE_FORMERR  1
#define DNSQ_RCODE_SERVFAIL 2
#define DNSQ_RCODE_NXDOMAIN 3
#define DNSQ_RCODE_NOTIMP   4
#define DNSQ_RCODE_REFUSED  5
#define DNSQ_RCODE_BADVERS  16

#define DNSQ_CLASS_IN  1
#define DNSQ_CLASS_CH  3
#define DNSQ_CLASS_ANY 255

#define DNSQ_TYPE_NS	2
#define DNSQ_TYPE_CNAME 5
#define DNSQ_TYPE_TXT	16
#define DNSQ_TYPE_DS	43
#define DNSQ_TYPE_OPT	41
#define DNSQ_TYPE_IXFR	251
#define DNSQ_TYPE_AXFR	252
#define DNSQ_TYPE_MAILB 253
#define DNSQ_TYPE_MAILA 254
#define DNSQ_TYPE_ANY	255

#define DNSQ_EDNS_COOKIE 10

/* What the parser concluded about a message. */
enum dnsq_parse_rc {
	DNSQ_PARSE_OK = 0,
	DNSQ_PARSE_SHORT,    /* Fewer than 12 octets: drop. */
	DNSQ_PARSE_RESPONSE, /* QR=1: drop. */
	DNSQ_PARSE_NOTIMP,   /* An opcode other than QUERY: NOTIMP, header only. */
	DNSQ_PARSE_FORMERR,  /* Malformed: FORMERR, with the question when q->qend > 12. */
};

/*
 * A parsed query. Only what the answer needs is kept, so that the query's
 * octets may be overwritten by the response once parsing is over. The parser
 * sets every member it promises below and nothing else: the structure is
 * never cleared as a whole (qname[] is 255 octets).
 */
struct dnsq_query {
	uint16_t qtype;	 /* Valid when qend > 12. */
	uint16_t qclass; /* Valid when qend > 12. */
	uint16_t qend;	 /* Offset just past the question; 12 when it is absent or malformed. */
	uint16_t edns_payload; /* The client's UDP payload size (OPT class), when edns. */
	uint8_t qname_len;     /* Octets in qname[], root label included; valid when qend > 12. */
	uint8_t edns;	       /* 1: one well-formed OPT record was present. */
	uint8_t edns_version;  /* When edns. */
	uint8_t edns_do;       /* When edns: 1 if the DO bit was set. */
	/* The QNAME in lowercase wire form; one spare octet lets the copy go by whole words. */
	uint8_t qname[DNAME_MAXLEN + 1];
};

/*
 * Validate the whole of @msg (@len octets) and fill @q. Work is linear in
 * @len; @msg is only read.
 */
enum dnsq_parse_rc dnsq_parse(const uint8_t *msg, size_t len, struct dnsq_query *q);

/* Response sections, in message order. */
enum dnsq_section {
	DNSQ_SEC_AN = 0,
	DNSQ_SEC_NS,
	DNSQ_SEC_AR,
	DNSQ_SEC_MAX,
};

/*
 * The response under construction. Records go between the question and @end;
 * @end already leaves room for the OPT record when one will be added, so
 * running out of room means truncation, never a missing OPT.
 */
struct dnsq_out {
	uint8_t *buf;
	uint32_t pos; /* Next octet to write. */
	uint32_t end; /* Records must end at or before this offset. */
	uint16_t count[DNSQ_SEC_MAX];
	bool full; /* A record did not fit: the response will be truncated (TC=1). */
};

/*
 * Append the precompiled records of @rs to section @sec, their owner the
 * compression pointer @owner (0xC000 | offset of a name already written).
 * Returns the offset of the first record written, or 0 when they do not fit
 * (out->full is then set and nothing is written).
 */
uint32_t dnsq_write_rrset(struct dnsq_out *out, enum dnsq_section sec, const struct rrt_rrset *rs,
			  uint16_t owner);

/* Append @rs as it is stored (records with full owner names: glue). Same return as above. */
uint32_t dnsq_write_block(struct dnsq_out *out, enum dnsq_section sec, const struct rrt_rrset *rs);

/* Append a CH TXT record, owner the qname, carrying @text split into character-strings. */
void dnsq_write_chaos_txt(struct dnsq_out *out, const char *text);

/* Append our OPT record (class @payload, extended RCODE @ercode, DO echoed) at out->pos. */
void dnsq_write_opt(struct dnsq_out *out, uint16_t payload, uint8_t ercode, bool do_bit);

/*
 * Write the 12-octet header. @qflags are the query's two flag octets
 * (opcode, RD and CD are copied from them); @qdcount is 1 when the question
 * is echoed.
 */
void dnsq_write_header(uint8_t *buf, uint16_t id, uint16_t qflags, bool aa, bool tc, uint8_t rcode,
		       uint16_t qdcount, const uint16_t count[DNSQ_SEC_MAX]);

static inline uint16_t
dnsq_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
dnsq_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#endif /* SWERVE_DNSQ_INTERNAL_H */
