/* SPDX-License-Identifier: BSD-3-Clause */
/* The lookup command: a query through the served table, answered as the workers would, decoded with
 * ldns. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <ldns/ldns.h>
#include <urcu-qsbr.h>

#include "swerve/ctl.h"
#include "swerve/dnsq.h"
#include "swerve/rrt.h"
#include "swerve/tcp.h"
#include "swerved.h"

/* lookup builds its query and answer here: the control thread is the only user. */
static uint8_t ctl_lookup_query[512];
static uint8_t ctl_lookup_resp[TCP_MSG_MAX];

/* A query for @name/@type/IN without RD, as a client would send it; returns its length or 0. */
static size_t
ctl_lookup_make_query(const char *name, uint16_t type, json_t *reply)
{
	char fq[DNAME_MAXLEN * 4 + 2];
	ldns_rdf *dn;
	size_t nlen, n = strlen(name);
	uint8_t *q = ctl_lookup_query;

	if (n == 0 || n >= sizeof(fq) - 1) {
		ctl_fail(reply, "bad name '%s'", name);
		return 0;
	}
	snprintf(fq, sizeof(fq), "%s%s", name, name[n - 1] == '.' ? "" : ".");
	dn = ldns_dname_new_frm_str(fq);
	if (dn == NULL) {
		ctl_fail(reply, "bad name '%s'", name);
		return 0;
	}
	nlen = ldns_rdf_size(dn);
	if (nlen > DNAME_MAXLEN || 12 + nlen + 4 > sizeof(ctl_lookup_query)) {
		ldns_rdf_deep_free(dn);
		ctl_fail(reply, "bad name '%s'", name);
		return 0;
	}
	memset(q, 0, 12);
	q[0] = 0x53; /* An ID nobody reads. */
	q[1] = 0x57;
	q[5] = 1; /* QDCOUNT */
	memcpy(q + 12, ldns_rdf_data(dn), nlen);
	ldns_rdf_deep_free(dn);
	q[12 + nlen] = (uint8_t)(type >> 8);
	q[13 + nlen] = (uint8_t)type;
	q[14 + nlen] = 0;
	q[15 + nlen] = 1; /* IN */
	return 12 + nlen + 4;
}

/* The records of one section as presentation lines ("name ttl IN type rdata"). */
static json_t *
ctl_lookup_section(const ldns_rr_list *list)
{
	json_t *a = json_array();

	for (size_t i = 0; list != NULL && i < ldns_rr_list_rr_count(list); i++) {
		char *txt = ldns_rr2str(ldns_rr_list_rr(list, i));
		size_t n;

		if (txt == NULL)
			continue;
		n = strlen(txt);
		while (n > 0 && (txt[n - 1] == '\n' || txt[n - 1] == ' '))
			txt[--n] = '\0';
		for (char *p = txt; *p != '\0'; p++)
			if (*p == '\t')
				*p = ' ';
		json_array_append_new(a, json_string(txt));
		free(txt);
	}
	return a;
}

static const char *
ctl_lookup_rcode_name(unsigned rcode)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					    "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
					    "NXRRSET", "NOTAUTH", "NOTZONE"};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return rcode == 16 ? "BADVERS" : "RCODE?";
}

int
ctl_lookup(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct swerved *s = ctx;
	const char *name = NULL, *tname = "A";
	struct dnsq_info info;
	uint64_t gen = 0;
	ldns_pkt *pkt = NULL;
	ldns_rr_type type;
	size_t qlen, len;
	char flags[32];
	int rc;

	rc = ctl_arg_str(req, reply, "name", true, &name);
	if (rc < 0)
		return rc;
	rc = ctl_arg_str(req, reply, "type", false, &tname);
	if (rc < 0)
		return rc;
	if (tname == NULL)
		tname = "A";
	type = ldns_get_rr_type_by_name(tname);
	if (type == 0)
		return ctl_fail(reply, "unknown type '%s'", tname);
	qlen = ctl_lookup_make_query(name, (uint16_t)type, reply);
	if (qlen == 0)
		return -EINVAL;

	/* The only place the control thread reads the table: online just for the answer. */
	rcu_thread_online();
	{
		const struct rrt *t = rrt_current(&s->root);

		if (t != NULL)
			gen = t->generation;
		len = dnsq_answer(t, &s->settings.cur->dconf, NULL, ctl_lookup_query, qlen, ctl_lookup_resp,
				  sizeof(ctl_lookup_resp), DNSQ_TCP, &info);
	}
	rcu_thread_offline();

	if (len == 0)
		return ctl_fail(reply, "the query was dropped (%u)", info.verdict);
	if (ldns_wire2pkt(&pkt, ctl_lookup_resp, len) != LDNS_STATUS_OK)
		return ctl_fail(reply, "the answer does not parse");
	snprintf(flags, sizeof(flags), "%s%s%s%s%s", ldns_pkt_qr(pkt) ? "qr " : "",
		 ldns_pkt_aa(pkt) ? "aa " : "", ldns_pkt_tc(pkt) ? "tc " : "",
		 ldns_pkt_rd(pkt) ? "rd " : "", ldns_pkt_cd(pkt) ? "cd " : "");
	if (flags[0] != '\0')
		flags[strlen(flags) - 1] = '\0';
	json_object_set_new(reply, "name", json_string(name));
	json_object_set_new(reply, "type", json_string(tname));
	json_object_set_new(reply, "rcode", json_string(ctl_lookup_rcode_name(info.rcode)));
	json_object_set_new(reply, "flags", json_string(flags));
	json_object_set_new(reply, "answer", ctl_lookup_section(ldns_pkt_answer(pkt)));
	json_object_set_new(reply, "authority", ctl_lookup_section(ldns_pkt_authority(pkt)));
	json_object_set_new(reply, "additional", ctl_lookup_section(ldns_pkt_additional(pkt)));
	json_object_set_new(reply, "generation", json_integer((json_int_t)gen));
	ldns_pkt_free(pkt);
	return 0;
}
