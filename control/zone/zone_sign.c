/* SPDX-License-Identifier: BSD-3-Clause */
/* Online signing of failover answers: a zone's key files read with ldns, RRSIGs made with ldns. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "swerve/config.h"
#include "swerve/error.h"
#include "swerve/zone_sign.h"

/* DNSKEY flags: Zone Key (RFC 4034 2.1.1) and Secure Entry Point (a KSK). */
#define ZS_FLAG_ZONE 0x0100
#define ZS_FLAG_SEP  0x0001

struct zone_signer {
	ldns_key_list *keys; /* The keys that sign. */
	uint32_t lifetime;   /* Seconds an RRSIG is valid after it is made. */
	uint32_t refresh;    /* Seconds before expiry a signature is made anew. */
};

/* The DNSKEY of the .key file beside @private_path ("K...+tag.private"), or NULL. */
static ldns_rr *
zs_read_dnskey(const char *private_path, struct sw_diag *diag)
{
	char path[4096];
	size_t n = strlen(private_path) - strlen(".private");
	ldns_rr *rr = NULL;
	uint32_t ttl = 3600;
	ldns_rdf *origin = NULL, *prev = NULL;
	ldns_status st = LDNS_STATUS_OK;
	FILE *f;

	snprintf(path, sizeof(path), "%.*s.key", (int)n, private_path);
	f = fopen(path, "r");
	if (f == NULL) {
		sw_diag_set(diag, -errno, path, 0, "cannot read the public key: %s", strerror(errno));
		return NULL;
	}
	/* The first record of the file: comments and blank lines are skipped by ldns. */
	while (rr == NULL && st == LDNS_STATUS_OK && !feof(f)) {
		st = ldns_rr_new_frm_fp(&rr, f, &ttl, &origin, &prev);
		if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			st = LDNS_STATUS_OK;
	}
	fclose(f);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (rr == NULL || ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY) {
		sw_diag_set(diag, SW_ECONFIG, path, 0, "no DNSKEY record (%s)",
			    ldns_get_errorstr_by_id(st));
		ldns_rr_free(rr);
		return NULL;
	}
	return rr;
}

int
zone_signer_new(const struct cfg_zone *cz, struct zone_signer **out, struct sw_diag *diag)
{
	struct zone_signer *s;
	ldns_key *all[ZONE_SIGNER_MAX_KEYS];
	uint16_t flags[ZONE_SIGNER_MAX_KEYS];
	ldns_rdf *apex;
	size_t n = 0;
	bool zsk = false;
	int rc = -ENOMEM;

	*out = NULL;
	if (cz->nkey_files > ZONE_SIGNER_MAX_KEYS)
		return sw_diag_set(diag, SW_ECONFIG, cz->key_files[ZONE_SIGNER_MAX_KEYS], 0,
				   "zone %s: more than %u signing keys", cz->name,
				   ZONE_SIGNER_MAX_KEYS);
	apex = ldns_dname_new_frm_str(cz->name);
	s = calloc(1, sizeof(*s));
	if (apex == NULL || s == NULL)
		goto fail;
	s->lifetime = cz->sig_lifetime_s;
	s->refresh = cz->sig_refresh_s;
	for (; n < cz->nkey_files; n++) {
		const char *path = cz->key_files[n];
		ldns_rr *dnskey;
		FILE *f = fopen(path, "r");
		ldns_status st;

		all[n] = NULL;
		if (f == NULL) {
			rc = sw_diag_set(diag, -errno, path, 0, "%s", strerror(errno));
			goto fail;
		}
		st = ldns_key_new_frm_fp(&all[n], f);
		fclose(f);
		if (st != LDNS_STATUS_OK) {
			all[n] = NULL;
			rc = sw_diag_set(diag, SW_ECONFIG, path, 0, "not a private key ldns can use: %s",
					 ldns_get_errorstr_by_id(st));
			goto fail;
		}
		dnskey = zs_read_dnskey(path, diag);
		if (dnskey == NULL) {
			rc = SW_ECONFIG;
			n++;
			goto fail;
		}
		if (ldns_dname_compare(ldns_rr_owner(dnskey), apex) != 0) {
			ldns_rr_free(dnskey);
			rc = sw_diag_set(diag, SW_ECONFIG, path, 0, "the key is not for zone %s",
					 cz->name);
			n++;
			goto fail;
		}
		flags[n] = ldns_rdf2native_int16(ldns_rr_dnskey_flags(dnskey));
		ldns_key_set_flags(all[n], flags[n]);
		ldns_key_set_keytag(all[n], ldns_calc_keytag(dnskey));
		ldns_key_set_pubkey_owner(all[n], ldns_rdf_clone(apex));
		ldns_rr_free(dnskey);
		if ((flags[n] & (ZS_FLAG_ZONE | ZS_FLAG_SEP)) == ZS_FLAG_ZONE)
			zsk = true;
	}
	s->keys = ldns_key_list_new();
	if (s->keys == NULL)
		goto fail;
	/* The ZSKs sign RRsets; a KSK only when it is the one key there is (a CSK). */
	for (size_t i = 0; i < n; i++) {
		if (zsk && (flags[i] & ZS_FLAG_SEP)) {
			ldns_key_deep_free(all[i]);
			continue;
		}
		ldns_key_list_push_key(s->keys, all[i]);
	}
	ldns_rdf_deep_free(apex);
	*out = s;
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		if (all[i] != NULL)
			ldns_key_deep_free(all[i]);
	ldns_rdf_deep_free(apex);
	free(s);
	if (rc == -ENOMEM)
		sw_diag_set(diag, rc, NULL, 0, "out of memory reading the keys of %s", cz->name);
	return rc;
}

void
zone_signer_free(struct zone_signer *s)
{
	if (s == NULL)
		return;
	ldns_key_list_free(s->keys); /* Frees the keys too (ldns_key_list_free: deep). */
	free(s);
}

size_t
zone_signer_keys(const struct zone_signer *s, uint16_t *tags, uint8_t *algs, size_t cap)
{
	size_t n = ldns_key_list_key_count(s->keys);

	for (size_t i = 0; i < n && i < cap; i++) {
		tags[i] = ldns_key_keytag(ldns_key_list_key(s->keys, i));
		algs[i] = (uint8_t)ldns_key_algorithm(ldns_key_list_key(s->keys, i));
	}
	return n < cap ? n : cap;
}

uint32_t
zone_signer_refresh(const struct zone_signer *s)
{
	return s->refresh;
}

/* One record of the RRset as ldns wants it: read back from wire form. */
static ldns_rr *
zs_rr(const uint8_t *owner, size_t owner_len, uint16_t type, uint32_t ttl, const uint8_t *rdata,
      uint16_t rdlen)
{
	uint8_t wire[255 + 10 + 65535];
	size_t pos = 0;
	ldns_rr *rr = NULL;

	memcpy(wire, owner, owner_len);
	wire[owner_len] = (uint8_t)(type >> 8);
	wire[owner_len + 1] = (uint8_t)type;
	wire[owner_len + 2] = 0;
	wire[owner_len + 3] = 1; /* IN */
	wire[owner_len + 4] = (uint8_t)(ttl >> 24);
	wire[owner_len + 5] = (uint8_t)(ttl >> 16);
	wire[owner_len + 6] = (uint8_t)(ttl >> 8);
	wire[owner_len + 7] = (uint8_t)ttl;
	wire[owner_len + 8] = (uint8_t)(rdlen >> 8);
	wire[owner_len + 9] = (uint8_t)rdlen;
	memcpy(wire + owner_len + 10, rdata, rdlen);
	if (ldns_wire2rr(&rr, wire, owner_len + 10 + rdlen, &pos, LDNS_SECTION_ANSWER) !=
	    LDNS_STATUS_OK)
		return NULL;
	return rr;
}

int
zone_signer_sign(struct zone_signer *s, const uint8_t *owner, size_t owner_len, uint16_t type,
		 uint32_t ttl, const uint8_t *const *rdata, const uint16_t *rdlen, unsigned n,
		 time_t now, uint8_t **sigs, size_t *sig_len, uint32_t *expire)
{
	ldns_rr_list *set = ldns_rr_list_new();
	ldns_rr_list *rrsigs = NULL;
	ldns_buffer *buf = ldns_buffer_new(512);
	uint8_t *out = NULL;
	size_t len = 0;
	int rc = -ENOMEM;

	*sigs = NULL;
	*sig_len = 0;
	if (set == NULL || buf == NULL)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		ldns_rr *rr = zs_rr(owner, owner_len, type, ttl, rdata[i], rdlen[i]);

		if (rr == NULL || !ldns_rr_list_push_rr(set, rr)) {
			ldns_rr_free(rr);
			goto out;
		}
	}
	for (size_t i = 0; i < ldns_key_list_key_count(s->keys); i++) {
		ldns_key *k = ldns_key_list_key(s->keys, i);

		ldns_key_set_inception(k, (uint32_t)(now - ZONE_SIGN_INCEPTION_SKEW));
		ldns_key_set_expiration(k, (uint32_t)(now + s->lifetime));
	}
	rrsigs = ldns_sign_public(set, s->keys);
	if (rrsigs == NULL || ldns_rr_list_rr_count(rrsigs) == 0) {
		rc = -EIO;
		goto out;
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrsigs); i++) {
		uint8_t *grown;
		size_t rd;

		ldns_buffer_clear(buf);
		if (ldns_rr_rdata2buffer_wire(buf, ldns_rr_list_rr(rrsigs, i)) != LDNS_STATUS_OK)
			goto out;
		rd = ldns_buffer_position(buf);
		grown = realloc(out, len + 12 + rd);
		if (grown == NULL)
			goto out;
		out = grown;
		/* The table's precompiled form: owner C0 0C, RRSIG, IN, the RRset's TTL. */
		out[len] = 0xc0;
		out[len + 1] = 0x0c;
		out[len + 2] = 0;
		out[len + 3] = 46;
		out[len + 4] = 0;
		out[len + 5] = 1;
		out[len + 6] = (uint8_t)(ttl >> 24);
		out[len + 7] = (uint8_t)(ttl >> 16);
		out[len + 8] = (uint8_t)(ttl >> 8);
		out[len + 9] = (uint8_t)ttl;
		out[len + 10] = (uint8_t)(rd >> 8);
		out[len + 11] = (uint8_t)rd;
		memcpy(out + len + 12, ldns_buffer_begin(buf), rd);
		len += 12 + rd;
	}
	*expire = (uint32_t)(now + s->lifetime);
	*sigs = out;
	*sig_len = len;
	out = NULL;
	rc = 0;
out:
	free(out);
	ldns_rr_list_deep_free(rrsigs);
	ldns_rr_list_deep_free(set);
	ldns_buffer_free(buf);
	return rc;
}
