/* SPDX-License-Identifier: BSD-3-Clause */
/* Semantic checks of a parsed zone: SOA, apex NS, CNAME exclusivity, names in the zone, sizes. */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swerve/error.h"
#include "swerve/zone.h"

#define ZC_TYPE_NS    2
#define ZC_TYPE_CNAME 5
#define ZC_TYPE_SOA   6
#define ZC_TYPE_RRSIG 46
#define ZC_TYPE_NSEC  47

/* DNS header plus the question's type and class: what an answer carries besides qname and RRset. */
#define ZC_MSG_OVERHEAD (12 + 4)

/* Presentation form of a wire name: RFC 1035 5.1 escapes; "\DDD" for anything unprintable. */
static const char *
zc_name(const uint8_t *name, char *out, size_t cap)
{
	size_t n = 0;

	if (*name == 0)
		return ".";
	while (*name != 0 && n + 6 < cap) {
		unsigned len = *name++;

		for (unsigned i = 0; i < len && n + 6 < cap; i++) {
			uint8_t c = *name++;

			if (c <= ' ' || c >= 0x7f)
				n += (size_t)snprintf(out + n, cap - n, "\\%03u", c);
			else if (strchr(".\\\"();@$", c) != NULL)
				n += (size_t)snprintf(out + n, cap - n, "\\%c", c);
			else
				out[n++] = (char)c;
		}
		out[n++] = '.';
	}
	out[n] = '\0';
	return out;
}

static const char *
zc_type(uint16_t type, char *out, size_t cap)
{
	static const struct {
		uint16_t type;
		const char *name;
	} names[] = {
		{1, "A"},	{2, "NS"},    {5, "CNAME"},  {6, "SOA"},    {12, "PTR"},
		{15, "MX"},	{16, "TXT"},  {28, "AAAA"},  {33, "SRV"},   {35, "NAPTR"},
		{39, "DNAME"},	{43, "DS"},   {44, "SSHFP"}, {46, "RRSIG"}, {47, "NSEC"},
		{48, "DNSKEY"}, {52, "TLSA"}, {64, "SVCB"},  {65, "HTTPS"}, {257, "CAA"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			return names[i].name;
	snprintf(out, cap, "TYPE%u", type);
	return out;
}

/* Report @code against record @rr: "<file>:<line>", message "<owner>: <reason>". */
static int zc_fail(const struct zone *z, struct sw_diag *diag, int code, const struct zone_rr *rr,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
zc_fail(const struct zone *z, struct sw_diag *diag, int code, const struct zone_rr *rr,
	const char *fmt, ...)
{
	char owner[DNAME_MAXLEN * 4 + 8];
	char reason[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return sw_diag_set(diag, code, zone_rr_file(z, rr), rr->line, "%s: %s",
			   zc_name(rr->owner, owner, sizeof(owner)), reason);
}

static bool
zc_at_apex(const struct zone *z, const struct zone_rr *rr)
{
	return rr->owner_len == z->apex_len && memcmp(rr->owner, z->apex, z->apex_len) == 0;
}

/* File-order checks: owners inside the zone, one SOA and at the apex, NS at the apex. */
static int
zc_records(const struct zone *z, struct sw_diag *diag)
{
	const struct zone_rr *soa = NULL;
	bool apex_ns = false;

	for (size_t i = 0; i < z->nrrs; i++) {
		const struct zone_rr *rr = &z->rrs[i];
		char zn[DNAME_MAXLEN * 4 + 8];

		if (!dname_is_below_or_at(rr->owner, rr->owner_len, z->apex, z->apex_len))
			return zc_fail(z, diag, SW_EZONE_OUTOFZONE, rr, "outside the zone %s",
				       zc_name(z->apex, zn, sizeof(zn)));
		if (rr->type == ZC_TYPE_SOA) {
			if (!zc_at_apex(z, rr))
				return zc_fail(z, diag, SW_EZONE_MULTISOA, rr,
					       "SOA below the zone apex %s",
					       zc_name(z->apex, zn, sizeof(zn)));
			if (soa != NULL)
				return zc_fail(z, diag, SW_EZONE_MULTISOA, rr,
					       "second SOA record (the first is on line %u)",
					       soa->line);
			soa = rr;
		}
		if (rr->type == ZC_TYPE_NS && zc_at_apex(z, rr))
			apex_ns = true;
	}
	if (soa == NULL)
		return sw_diag_set(diag, SW_EZONE_NOSOA, z->file, 0,
				   "%s: no SOA record at the apex",
				   z->name != NULL ? z->name : "zone");
	if (!apex_ns)
		return zc_fail(z, diag, SW_EZONE_NONS, soa, "no NS records at the zone apex");
	return 0;
}

/*
 * One owner's records, zone_order() entries ord[0..n) (by type, then in file order): CNAME
 * alone but for its DNSSEC records (RFC 1034 3.6.2, RFC 4035 2.5), and every
 * RRset small enough for a message. Returns the record to blame, or NULL,
 * with @code and @why filled.
 */
static const struct zone_rr *
zc_owner(const struct zone_rr *rrs, const uint32_t *ord, size_t n, int *code, char *why,
	 size_t cap)
{
	const struct zone_rr *cname = NULL, *other = NULL;
	char tn[16];

	for (size_t i = 0, j; i < n; i = j) {
		const struct zone_rr *gi = &rrs[zone_order_index(ord[i])];
		size_t size = ZC_MSG_OVERHEAD + gi->owner_len;

		for (j = i; j < n && rrs[zone_order_index(ord[j])].type == gi->type; j++) {
			/* Each record: pointer to the qname, type, class, TTL, RDLENGTH, RDATA. */
			size += 2 + 10 + (size_t)rrs[zone_order_index(ord[j])].rdlen;
			if (size > UINT16_MAX) {
				*code = SW_EZONE_TOOBIG;
				snprintf(why, cap,
					 "%s RRset too large for a DNS message (over 65535 octets)",
					 zc_type(gi->type, tn, sizeof(tn)));
				return &rrs[zone_order_index(ord[j])];
			}
		}
		if (gi->type == ZC_TYPE_CNAME) {
			cname = gi;
			if (j - i > 1) {
				*code = SW_EZONE_CNAME;
				snprintf(why, cap, "more than one CNAME (another is on line %u)",
					 gi->line);
				return &rrs[zone_order_index(ord[i + 1])];
			}
		} else if (gi->type != ZC_TYPE_RRSIG && gi->type != ZC_TYPE_NSEC &&
			   (other == NULL || gi < other)) {
			other = gi;
		}
	}
	if (cname == NULL || other == NULL)
		return NULL;
	*code = SW_EZONE_CNAME;
	/* Blame whichever came second in the file: that is the line the operator added last. */
	if (other > cname) {
		snprintf(why, cap, "%s record beside the CNAME on line %u",
			 zc_type(other->type, tn, sizeof(tn)), cname->line);
		return other;
	}
	snprintf(why, cap, "CNAME beside other data (%s on line %u)",
		 zc_type(other->type, tn, sizeof(tn)), other->line);
	return cname;
}

/* Per-owner checks over zone_order(): O(n) after that sort, for any zone size. */
static int
zc_owners(const struct zone *z, struct sw_diag *diag)
{
	const uint32_t *ord = z->order;
	uint32_t *own = NULL;
	const struct zone_rr *blame = NULL;
	char why[256] = "";
	int code = 0;

	if (z->nrrs == 0)
		return 0;
	if (ord == NULL) {
		if (zone_order(z, &own) < 0)
			return sw_diag_set(diag, -ENOMEM, z->file, 0,
					   "out of memory checking the zone");
		ord = own;
	}
	for (size_t i = 0, j; i < z->nrrs; i = j) {
		char w[256];
		int c = 0;
		const struct zone_rr *b;

		for (j = i + 1; j < z->nrrs && !(ord[j] & ZONE_ORDER_OWNER); j++)
			;
		b = zc_owner(z->rrs, ord + i, j - i, &c, w, sizeof(w));
		/* Of all the problems, report the one earliest in the file. */
		if (b != NULL && (blame == NULL || b < blame)) {
			blame = b;
			code = c;
			memcpy(why, w, sizeof(why));
		}
	}
	free(own);
	if (blame != NULL)
		return zc_fail(z, diag, code, blame, "%s", why);
	return 0;
}

int
zone_check(const struct zone *z, struct sw_diag *diag)
{
	int rc = zc_records(z, diag);

	if (rc < 0)
		return rc;
	return zc_owners(z, diag);
}

uint32_t
zone_sig_expire(const struct zone *z)
{
	uint32_t first = 0;

	for (size_t i = 0; i < z->nrrs; i++) {
		const struct zone_rr *rr = &z->rrs[i];
		uint32_t exp;

		if (rr->type != ZC_TYPE_RRSIG || rr->rdlen < 12)
			continue;
		exp = (uint32_t)rr->rdata[8] << 24 | (uint32_t)rr->rdata[9] << 16 |
		      (uint32_t)rr->rdata[10] << 8 | rr->rdata[11];
		if (first == 0 || exp < first)
			first = exp;
	}
	return first;
}
