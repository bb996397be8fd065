/* SPDX-License-Identifier: BSD-3-Clause */
/* NOTIFY (RFC 1996) requests: parse, TSIG check and the reply. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swerve/dname.h"
#include "swerve/error.h"
#include "swerve/xfr.h"
#include "xfr_serial.h"
#include "xfr_tsig.h"

/* @rdf in presentation form, lowercase with the final dot, into @buf. */
static int
xfr_name_text(const ldns_rdf *rdf, char *buf, size_t len)
{
	char *t = ldns_rdf2str(rdf);
	int rc;

	if (t == NULL)
		return -ENOMEM;
	rc = dname_text_canon(t, buf, len);
	free(t);
	return rc < 0 ? -EBADMSG : 0;
}

int
xfr_notify_parse(const uint8_t *msg, size_t len, struct xfr_notify *n)
{
	ldns_pkt *p = NULL;
	const ldns_rr *q;
	int ret = -EBADMSG;

	memset(n, 0, sizeof(*n));
	if (msg == NULL || ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return -EBADMSG;
	if (ldns_pkt_get_opcode(p) != LDNS_PACKET_NOTIFY || ldns_pkt_qr(p) ||
	    ldns_pkt_qdcount(p) != 1)
		goto out;
	q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	if (ldns_rr_get_type(q) != LDNS_RR_TYPE_SOA || ldns_rr_get_class(q) != LDNS_RR_CLASS_IN)
		goto out;
	if (xfr_name_text(ldns_rr_owner(q), n->zone, sizeof(n->zone)) < 0)
		goto out;
	n->id = ldns_pkt_id(p);
	for (size_t i = 0; i < ldns_pkt_ancount(p); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7 &&
		    ldns_dname_compare(ldns_rr_owner(rr), ldns_rr_owner(q)) == 0) {
			n->has_serial = true;
			n->serial = xfr_soa_rr_serial(rr);
			break;
		}
	}
	if (ldns_pkt_tsig(p) != NULL) {
		n->signed_ = true;
		if (xfr_name_text(ldns_rr_owner(ldns_pkt_tsig(p)), n->key_name,
				  sizeof(n->key_name)) < 0)
			goto out;
	}
	ret = 0;
out:
	ldns_pkt_free(p);
	if (ret < 0)
		memset(n, 0, sizeof(*n));
	return ret;
}

int
xfr_notify_verify(const uint8_t *msg, size_t len, const struct xfr_tsig *key)
{
	ldns_pkt *p = NULL;
	char why[256];
	int ret;

	if (msg == NULL || key == NULL)
		return -EINVAL;
	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return -EBADMSG;
	ret = xfr_tsig_verify(p, msg, len, key, NULL, false, NULL, why, sizeof(why));
	ldns_pkt_free(p);
	return ret;
}

int
xfr_notify_reply(const uint8_t *msg, size_t len, const struct xfr_tsig *key, uint8_t rcode,
		 uint8_t *resp, size_t cap)
{
	ldns_pkt *req = NULL, *r = NULL;
	ldns_rr *q;
	uint8_t *wire = NULL;
	size_t wlen = 0;
	int ret;

	if (msg == NULL || resp == NULL)
		return -EINVAL;
	if (ldns_wire2pkt(&req, msg, len) != LDNS_STATUS_OK || ldns_pkt_qdcount(req) != 1) {
		ret = -EBADMSG;
		goto out;
	}
	r = ldns_pkt_new();
	if (r == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	ldns_pkt_set_id(r, ldns_pkt_id(req));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_aa(r, true);
	ldns_pkt_set_opcode(r, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_rcode(r, rcode);
	q = ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(req), 0));
	if (q == NULL || !ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, q)) {
		ldns_rr_free(q);
		ret = -ENOMEM;
		goto out;
	}
	if (key != NULL) {
		/* RFC 8945 4.3: the reply's MAC covers the request's; an unsigned
		 * request has none to chain. */
		ret = xfr_tsig_sign(r, key, xfr_tsig_mac(req));
		if (ret < 0)
			goto out;
	}
	if (ldns_pkt2wire(&wire, r, &wlen) != LDNS_STATUS_OK) {
		ret = -ENOMEM;
		goto out;
	}
	if (wlen > cap) {
		ret = -ENOSPC;
		goto out;
	}
	memcpy(resp, wire, wlen);
	ret = (int)wlen;
out:
	free(wire);
	ldns_pkt_free(r);
	ldns_pkt_free(req);
	return ret;
}
