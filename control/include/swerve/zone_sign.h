/* SPDX-License-Identifier: BSD-3-Clause */
/* Online signing of small RRsets (failover answers) with a zone's keys, through ldns. */

#ifndef SWERVE_ZONE_SIGN_H
#define SWERVE_ZONE_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cfg_zone;
struct sw_diag;
struct zone_signer;

/* Keys one zone may sign its failover records with (a ZSK pair in a rollover, a CSK). */
#define ZONE_SIGNER_MAX_KEYS 4

/*
 * RFC 4034 3.1.5 leaves clock skew to the signer: like Knot's online
 * signing, a signature is valid from 90 minutes before it is made, so a
 * validator whose clock is behind ours still accepts it.
 */
#define ZONE_SIGN_INCEPTION_SKEW (90 * 60)

/*
 * The signer of zone @cz (cz->key_files, cz->sig_lifetime_s): reads every
 * private key and the .key file beside it (whose DNSKEY gives the flags and
 * the key tag) and keeps the ones that sign: the ZSKs, or all of them when
 * none is one (a CSK). On failure returns a negative code, @diag says which
 * file and why, and *@out stays NULL.
 * Thread: the control thread (the signer is not shared).
 */
int zone_signer_new(const struct cfg_zone *cz, struct zone_signer **out, struct sw_diag *diag);
void zone_signer_free(struct zone_signer *s);

/* The keys that sign, as (key tag, algorithm) pairs; returns how many (at most @cap). */
size_t zone_signer_keys(const struct zone_signer *s, uint16_t *tags, uint8_t *algs, size_t cap);

/*
 * Sign the RRset @owner (lowercase wire name, @owner_len octets) @type,
 * @ttl, of @n records @rdata[i] (@rdlen[i] octets) at time @now. On success
 * *@sigs is a malloc'ed block of *@sig_len octets holding the RRSIG records
 * in the table's precompiled form (owner C0 0C, TTL @ttl), ready for
 * rrt_rrset_new_signed(), and *@expire the signatures' expiration (Unix
 * time). Returns 0 or a negative code.
 * Thread: the control thread.
 */
int zone_signer_sign(struct zone_signer *s, const uint8_t *owner, size_t owner_len, uint16_t type,
		     uint32_t ttl, const uint8_t *const *rdata, const uint16_t *rdlen, unsigned n,
		     time_t now, uint8_t **sigs, size_t *sig_len, uint32_t *expire);

/* The signature lifetime and refresh margin (seconds) from the zone's config. */
uint32_t zone_signer_refresh(const struct zone_signer *s);

#endif /* SWERVE_ZONE_SIGN_H */
