/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * failover_sign.c: failover records in signed zones (docs/dnssec.md). Called
 * by failover.c from failover_new(), failover_start() and failover_free(),
 * on the control thread.
 */

#ifndef SWERVE_FAILOVER_SIGN_H
#define SWERVE_FAILOVER_SIGN_H

#include <time.h>

#include "failover_int.h"

/*
 * How often the renewal timer looks for signatures that are due. A minute
 * is far below any refresh margin the config allows (600 s at least), and
 * the look costs a comparison per record.
 */
#define FO_RESIGN_CHECK_MS 60000

/*
 * A signer for every configured zone with dnssec.key-files that holds a
 * failover record, and each record's signer (r->signer). Before the first
 * fo_build(). Returns 0, or a negative code with @diag set.
 */
int fo_sign_init(struct failover *f, struct sw_diag *diag);

/* Tell @r's slot which keys sign it, for the table builder's checks. */
void fo_sign_slot(struct fo_record *r);

/*
 * Sign anew, and swap in, every signed record whose signatures expire within
 * its zone's refresh margin of @now (the renewal timer's work, every
 * FO_RESIGN_CHECK_MS, even when nothing flips). Returns how many it renewed.
 */
unsigned fo_sign_renew(struct failover *f, time_t now);

/* Arm the renewal timer when any record is signed. */
void fo_sign_start(struct failover *f);

void fo_sign_free(struct failover *f);

#endif /* SWERVE_FAILOVER_SIGN_H */
