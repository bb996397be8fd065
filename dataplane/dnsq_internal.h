/* SPDX-License-Identifier: BSD-3-Clause */
/* Interfaces between the answer engine's parser, writer and resolver (dataplane/dnsq_*.c). */

#ifndef SWERVE_DNSQ_INTERNAL_H
#define SWERVE_DNSQ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <urcu/compiler.h>

#include "swerve/dname.h"

struct rrt_rrset;

/* DNS constants used by the engine (RFC 1035, 6891, 7873, 8482). */
#define DNSQ_HDR_LEN  12
#define DNSQ_OPT_LEN  11 /* A root-owned OPT record with empty RDATA. */
#define DNSQ_RR_FIXED 10 /* Type, class, TTL and RDLENGTH after a record's owner. */
#define DNSQ_UDP_MIN  512
#define DNSQ_TCP_MAX  65535
#define DNSQ_PTR_MAX  0x3fff /* The last offset a compression pointer can reach. */

#define DNSQ_OPCODE_QUERY  0
#define DNSQ_OPCODE_NOTIFY 4

#define DNSQ_RCODE_NOERROR   0
#define DNSQ_RCODE_FORMERR   1
#define DNSQ_RCODE_SERVFAIL  2
#define DNSQ_RCODE_NXDOMAIN  3
#define DNSQ_RCODE_NOTIMP    4
#define DNSQ_RCODE_REFUSED   5
#define DNSQ_RCODE_NOTAUTH   9
#define DNSQ_RCODE_BADVERS   16
#define DNSQ_RCODE_BADCOOKIE 23 /* RFC 7873 8: header RCODE 7, extended 1. */

#define DNSQ_CLASS_IN  1
#define DNSQ_CLASS_CH  3
#define DNSQ_CLASS_ANY 255

#define DNSQ_TYPE_NS	2
#define DNSQ_TYPE_CNAME 5
#define DNSQ_TYPE_TXT	16
#define DNSQ_TYPE_DS	43
#define DNSQ_TYPE_RRSIG	46
#define DNSQ_TYPE_NSEC	47
#define DNSQ_TYPE_OPT	41
#define DNSQ_TYPE_TSIG	250
#define DNSQ_TYPE_IXFR	251
#define DNSQ_TYPE_AXFR	252
#define DNSQ_TYPE_MAILB 253
#define DNSQ_TYPE_MAILA 254
#define DNSQ_TYPE_ANY	255

#define DNSQ_EDNS_COOKIE 10

/* TSIG (RFC 8945): the error a query signed with a key we do not have gets (BADKEY). */
#define DNSQ_TSIG_BADKEY 17
/* Time signed (48 bits) and fudge (16 bits), copied into our TSIG record as they came. */
#define DNSQ_TSIG_TIME_LEN 8
#define DNSQ_COOKIE_MAX	 40 /* Client cookie (8) and the longest server cookie (32). */

/* What the parser concluded about a message. */
enum dnsq_parse_rc {
	DNSQ_PARSE_OK = 0,
	DNSQ_PARSE_SHORT,    /* Fewer than 12 octets: drop. */
	DNSQ_PARSE_RESPONSE, /* QR=1: drop. */
	DNSQ_PARSE_NOTIMP,   /* An opcode other than QUERY: NOTIMP, the header and an OPT. */
	DNSQ_PARSE_NOTIFY,   /* NOTIFY (RFC 1996): for the control side over UDP, else NOTIMP. */
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
	/*
	 * The QNAME in lowercase wire form: qname_buf[], or the copy
	 * dnsq_prefetch() made of it (the hint's), which then is not copied
	 * again. Valid when qend > 12.
	 */
	const uint8_t *qname;
	/* One spare octet lets the copy go by whole words. */
	uint8_t qname_buf[DNAME_MAXLEN + 1];
	/* Octets of the first COOKIE option (8, or 16 to 40), 0 without one. Always set. */
	uint8_t cookie_len;
	/* COOKIE octets the response carries, in cookie[] (0 or 24); set by dnsq_cookie(). */
	uint8_t cookie_out;
	/* The COOKIE option's data: client cookie, then the server cookie (ours once replaced). */
	uint8_t cookie[DNSQ_COOKIE_MAX];
	/*
	 * 1: the query ends with a well-formed TSIG record (RFC 8945). swerve
	 * holds no key for queries, so the answer is NOTAUTH with an unsigned
	 * TSIG of error BADKEY (RFC 8945 5.2.1, 5.3.2), which names the key
	 * and the algorithm and carries the client's time and fudge. The
	 * members below are set only when tsig is 1. Always set.
	 */
	uint8_t tsig;
	uint8_t tsig_key_len;			 /* Octets in tsig_key[]. */
	uint8_t tsig_alg_len;			 /* Octets in tsig_alg[]. */
	uint8_t tsig_time[DNSQ_TSIG_TIME_LEN];	 /* Time signed and fudge, as sent. */
	uint8_t tsig_key[DNAME_MAXLEN];		 /* The key name, uncompressed. */
	uint8_t tsig_alg[DNAME_MAXLEN];		 /* The algorithm name, uncompressed. */
};

/* Octets our BADKEY TSIG record takes: owner, fixed part, RDATA with an empty MAC. */
static inline uint32_t
dnsq_tsig_room(const struct dnsq_query *q)
{
	return q->tsig ? (uint32_t)q->tsig_key_len + DNSQ_RR_FIXED + q->tsig_alg_len +
				 DNSQ_TSIG_TIME_LEN + 2 + 2 + 2 + 2
		       : 0;
}

struct dnsq_hint;

/*
 * Validate the whole of @msg (@len octets) and fill @q. Work is linear in
 * @len; @msg is only read. With a @hint from dnsq_prefetch() for these
 * octets (NULL: none), its copy of the QNAME is taken instead of reading it
 * again.
 */
enum dnsq_parse_rc dnsq_parse(const uint8_t *msg, size_t len, struct dnsq_query *q,
			      const struct dnsq_hint *hint);

/* Lowercase the ASCII letters among 8 octets at once; octets >= 0x80 and label lengths stay. */
static inline uint64_t
dnsq_lower8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t low7 = w & (0x7f * ones);
	uint64_t above_z = low7 + (0x7f - 'Z') * ones; /* high bit set where the octet > 'Z' */
	uint64_t from_a = low7 + (0x80 - 'A') * ones;  /* high bit set where the octet >= 'A' */
	uint64_t upper = (from_a ^ above_z) & ~w & (0x80 * ones);

	return w | (upper >> 2);
}

/*
 * Read the QNAME at offset 12 of @msg into @out (DNAME_MAXLEN + 1 octets:
 * whole words may be written past the name) in lowercase, and its length
 * into *@out_len. The QNAME of a query may not be compressed: nothing
 * precedes it that it could point to. The label walk touches only the length octets; the copy then goes a
 * word at a time (label lengths are below 'A', so lowering them is a no-op).
 * Returns the offset past the name, or 0 when it is malformed.
 */
static inline size_t
dnsq_parse_qname(const uint8_t *msg, size_t len, uint8_t *out, uint8_t *out_len)
{
	const uint8_t *name = msg + DNSQ_HDR_LEN;
	/* The root label must sit within the message and within 255 octets. */
	size_t max = len - DNSQ_HDR_LEN < DNAME_MAXLEN ? len - DNSQ_HDR_LEN : DNAME_MAXLEN;
	size_t off = 0;
	size_t i, words;

	for (;;) {
		unsigned c;

		if (caa_unlikely(off >= max))
			return 0;
		c = name[off];
		if (c == 0)
			break;
		/* 0x40, 0x80 (extended, reserved label types), 0xC0 (pointer): all above 63. */
		if (caa_unlikely(c > DNAME_MAXLABEL))
			return 0;
		off += c + 1;
	}
	off++;
	/*
	 * Whole words when the message has room for the last one (qname[] has
	 * 256 octets, so a rounded-up length always fits there): one bound, no
	 * byte tail. Otherwise words, then the tail octet by octet.
	 */
	words = (off + 7) & ~(size_t)7;
	if (caa_likely(DNSQ_HDR_LEN + words <= len)) {
		for (i = 0; i < words; i += 8) {
			uint64_t w;

			memcpy(&w, name + i, 8);
			w = dnsq_lower8(w);
			memcpy(out + i, &w, 8);
		}
	} else {
		for (i = 0; i + 8 <= off; i += 8) {
			uint64_t w;

			memcpy(&w, name + i, 8);
			w = dnsq_lower8(w);
			memcpy(out + i, &w, 8);
		}
		for (; i < off; i++)
			out[i] = dname_lower_octet(name[i]);
	}
	*out_len = (uint8_t)off;
	return DNSQ_HDR_LEN + off;
}
/* dnsq_parse() and dnsq_prefetch() read the QNAME with it, so their hashes agree. */

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
 * compression pointer @owner (0xC000 | offset of a name already written),
 * with the RRSIGs that cover them when @sigs. Returns the offset of the
 * first record written, or 0 when they do not fit (out->full is then set
 * and nothing is written).
 */
uint32_t dnsq_write_rrset(struct dnsq_out *out, enum dnsq_section sec, const struct rrt_rrset *rs,
			  uint16_t owner, bool sigs);

/* Append only the RRSIGs of @rs (an explicit RRSIG query), owner @owner. Same return. */
uint32_t dnsq_write_sigs(struct dnsq_out *out, enum dnsq_section sec, const struct rrt_rrset *rs,
			 uint16_t owner);

/*
 * Append @rs and its RRSIGs with an owner that is not in the message yet:
 * @prefix (@plen octets of labels) followed by the compression pointer
 * @suffix to the rest of it (the zone's apex in the name being answered).
 * For NSEC and NSEC3 records of other names. Same return.
 */
uint32_t dnsq_write_rrset_named(struct dnsq_out *out, enum dnsq_section sec,
				const struct rrt_rrset *rs, const uint8_t *prefix, unsigned plen,
				uint16_t suffix);

/*
 * The NS targets of a referral as written in the message, for the glue that
 * follows: each target's name in the NS RRset (@name) and the offset where
 * the message holds it. Targets past DNSQ_NS_NAMES are not remembered (their
 * glue is compressed against the cut only).
 */
#define DNSQ_NS_NAMES 16
struct dnsq_ns_names {
	const uint8_t *name[DNSQ_NS_NAMES];
	uint16_t off[DNSQ_NS_NAMES];
	unsigned n;
};

/*
 * Append a delegation's NS RRset @rs (owner the cut, @cut_ptr) to the
 * authority section with each target below the cut (a lowercase wire name
 * of @cut_len octets) written as its labels above the cut and the pointer
 * @cut_ptr to the cut in the question (RFC 1035 4.1.4 allows it in NS
 * RDATA). Where each target went is noted in @names. Same return as above.
 */
uint32_t dnsq_write_ns(struct dnsq_out *out, const struct rrt_rrset *rs, const uint8_t *cut,
		       unsigned cut_len, uint16_t cut_ptr, struct dnsq_ns_names *names);

/*
 * Append a referral's glue block @rs (records stored with full owner names)
 * to the additional section. An owner that is one of the NS targets in
 * @names is a pointer to that target in the NS RDATA, as Knot and NSD write
 * it; another owner below the cut is its labels above the cut and @cut_ptr.
 * The glue of a delegation with many name servers then fits a UDP answer as
 * it does with those servers. Same return as above.
 */
uint32_t dnsq_write_glue(struct dnsq_out *out, const struct rrt_rrset *rs, const uint8_t *cut,
			 unsigned cut_len, uint16_t cut_ptr, const struct dnsq_ns_names *names);

/* Append a CH TXT record, owner the qname, carrying @text split into character-strings. */
void dnsq_write_chaos_txt(struct dnsq_out *out, const char *text);

/*
 * Append the unsigned BADKEY TSIG of a query with a TSIG record (q->tsig),
 * the last record of the message, for the query whose ID was @id. Room was
 * kept for it (dnsq_tsig_room()).
 */
void dnsq_write_tsig(struct dnsq_out *out, const struct dnsq_query *q, uint16_t id);

/* Append our OPT record (class @payload, extended RCODE @ercode, DO echoed) at out->pos. */
void dnsq_write_opt(struct dnsq_out *out, uint16_t payload, uint8_t ercode, bool do_bit);

struct dnsq_conf;
struct dnsq_client;

/* dnsq_cookie(): the answer must be BADCOOKIE (a flag beside the enum dnsq_cookie value). */
#define DNSQ_COOKIE_BAD 0x80

/*
 * The query's COOKIE option (q->cookie_len != 0) against the server secrets
 * (RFC 7873 5.2, RFC 9018 4.3), for a query from @client (NULL: unknown)
 * that came over UDP or TCP (@flags). With cookies enabled and a client
 * known, sets q->cookie_out and puts the server cookie the response carries
 * into q->cookie: the received one while fresh, else a new one. Returns the
 * enum dnsq_cookie for dnsq_info, with DNSQ_COOKIE_BAD added when a server
 * cookie that does not verify came over UDP (see dnsq_write.c).
 */
uint8_t dnsq_cookie(struct dnsq_query *q, const struct dnsq_conf *conf,
		    const struct dnsq_client *client, unsigned flags);

/* Room the response's COOKIE option takes in the OPT record. */
static inline uint32_t
dnsq_cookie_room(const struct dnsq_query *q)
{
	return q->cookie_out != 0 ? 4u + q->cookie_out : 0;
}

/* Append the COOKIE option (q->cookie_out != 0) to the OPT record just written. */
void dnsq_write_cookie_opt(struct dnsq_out *out, const struct dnsq_query *q);

/* The same, when there is one: a test inline, the writing out of line. */
static inline void
dnsq_write_cookie(struct dnsq_out *out, const struct dnsq_query *q)
{
	if (caa_unlikely(q->cookie_out != 0))
		dnsq_write_cookie_opt(out, q);
}

/*
 * Write the 12-octet header. @qflags are the query's two flag octets
 * (opcode and RD are copied from them); @qdcount is 1 when the question is
 * echoed.
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

struct dnsq_conf;
struct rrt;
struct rrt_node;

/*
 * CNAMEs followed inside served zones per answer. Resolvers give up on
 * longer chains anyway (BIND and Unbound stop around 8 to 16), and every
 * hop is a lookup a spoofed query can make us do.
 */
#define DNSQ_MAX_CNAME 8

/*
 * A wildcard CNAME met in a chain: its proof goes to the authority section,
 * so it waits until the chain's last answer record is written.
 */
struct dnsq_pending_proof {
	const struct rrt_node *ce; /* The closest encloser of the name. */
	const struct rrt_node *w;  /* Its wildcard child that matched. */
	uint16_t name_off;	   /* Where the name sits in the response. */
	uint8_t name_len;
};

/* The state of one query while its answer is chosen. Lives on the stack, set up field by field. */
struct dnsq_ctx {
	const struct rrt *t;
	const struct dnsq_conf *conf;
	const struct dnsq_query *q;
	struct dnsq_out out;
	unsigned flags; /* DNSQ_TCP. */
	uint16_t rcode; /* Full RCODE, extended bits included. */
	bool aa;
	bool referral;
	bool answered; /* Records went to the answer section (even if truncation drops them). */
	bool dnssec;   /* DO=1: RRSIGs and denial proofs go with the answer (docs/dnssec.md). */
	uint8_t nproved; /* Entries in proved[]. */
	/* The closest encloser when the node being answered is its wildcard child, else NULL. */
	const struct rrt_node *wild_ce;
	uint8_t npending; /* Entries in pending[]. */
	struct dnsq_pending_proof pending[DNSQ_MAX_CNAME];
	/* Denial RRsets already written (arena offsets), so two proofs never write one twice. */
	uint32_t proved[4];
	/*
	 * The name being answered: the qname first, then each CNAME target.
	 * @name_off is where it sits in the response (the qname at 12, a
	 * target in its CNAME's RDATA), always within pointer reach: see
	 * dnsq_answer_cname().
	 */
	const uint8_t *name; /* Lowercase wire form. */
	uint16_t name_off;
	uint8_t name_len;
	/*
	 * dnsq_prefetch()'s hint while @name is the qname, whose hashes it
	 * holds; NULL without one, and once a CNAME is followed.
	 */
	const struct dnsq_hint *hint;
	uint8_t target[DNAME_MAXLEN]; /* Lowercase copy of the current CNAME target. */
};

/* A compression pointer to a suffix (the last @suffix_len octets) of the name being answered. */
static inline uint16_t
dnsq_owner_suffix(const struct dnsq_ctx *c, unsigned suffix_len)
{
	return (uint16_t)(0xc000 | (c->name_off + c->name_len - suffix_len));
}

/*
 * Denial proofs (dnsq_dnssec.c, one function per shape, RFC 4035 3.1.3 and
 * RFC 5155 7.2). Each writes, to the authority section, the NSEC or NSEC3
 * RRsets with their RRSIGs that prove its case for the name being answered
 * (c->name) in zone @zone, when c->dnssec and the zone is signed; otherwise
 * nothing. None allocates or locks; an NSEC3 proof hashes up to three names.
 */

/* NXDOMAIN: no name at c->name, @ce is its closest encloser and has no wildcard child. */
void dnsq_proof_nxdomain(struct dnsq_ctx *c, const struct rrt_node *ce);

/* NODATA at node @n (c->name itself, an empty non-terminal included): no RRset of the type. */
void dnsq_proof_nodata(struct dnsq_ctx *c, const struct rrt_node *n);

/*
 * An answer synthesised from the wildcard @w below the closest encloser @ce:
 * the proof that c->name itself does not exist, and with @nodata the proof
 * that @w has no RRset of the type.
 */
void dnsq_proof_wildcard(struct dnsq_ctx *c, const struct rrt_node *ce, const struct rrt_node *w,
			 bool nodata);

/* A referral at @cut: its DS RRset with RRSIGs, or the proof that it has none. */
void dnsq_proof_referral(struct dnsq_ctx *c, const struct rrt_node *cut);

/*
 * The response to a message that did not parse as a query (dnsq_error.c):
 * rc says why. Returns its length in @resp, 0 to drop (info->verdict says
 * why). @query and @resp may be the same buffer.
 */
struct dnsq_info;
size_t dnsq_answer_bad(enum dnsq_parse_rc rc, const struct dnsq_query *q,
		       const struct dnsq_conf *conf, const uint8_t *query, uint8_t *resp,
		       size_t cap, struct dnsq_info *info);

/*
 * NODATA for DS at the apex of @child, from its served parent: the parent's
 * NSEC at the cut, or the NSEC3 matching it (the opt-out proof without one).
 */
struct rrt_zone;
void dnsq_proof_parent_ds(struct dnsq_ctx *c, const struct rrt_zone *child);

/* The proofs of the wildcard CNAMEs of a chain, once its answer section is complete. */
void dnsq_proof_pending(struct dnsq_ctx *c);

/*
 * The NODATA proof for the node @n being answered: its own, or its
 * wildcard's. Inline so that a DO=0 NODATA answer calls nothing for it.
 */
static inline void
dnsq_proof_nodata_at(struct dnsq_ctx *c, const struct rrt_node *n)
{
	if (caa_likely(!c->dnssec))
		return;
	if (c->wild_ce != NULL)
		dnsq_proof_wildcard(c, c->wild_ce, n, true);
	else
		dnsq_proof_nodata(c, n);
}

/*
 * The DNSSEC records a query names directly (dnsq_dnssec.c), called by the
 * resolver in dnsq_answer.c on the thread answering the query.
 */

/*
 * Whether @qtype at the CNAME's owner @n names data there rather than the
 * CNAME's target: its NSEC, or the RRSIGs when the CNAME is signed.
 */
bool dnsq_beside_cname(const struct dnsq_ctx *c, const struct rrt_node *n, uint16_t qtype);

/*
 * QTYPE RRSIG: the RRSIGs of every RRset at @n (they are stored beside
 * what they cover) into the answer section, setting c->answered when one
 * went out. Returns whether one did: the caller writes NODATA otherwise.
 */
bool dnsq_sigs_answer(struct dnsq_ctx *c, const struct rrt_node *n);

#endif /* SWERVE_DNSQ_INTERNAL_H */
