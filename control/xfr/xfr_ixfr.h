/* SPDX-License-Identifier: BSD-3-Clause */
/* Applying IXFR increments to a copy of the zone held (xfr_ixfr.c). */

#ifndef SWERVE_XFR_IXFR_H
#define SWERVE_XFR_IXFR_H

#include <stddef.h>

#include <ldns/ldns.h>

/* Callers: xfr.c. Thread: any; the function touches only its arguments. */

/*
 * Apply the IXFR increments @ixfr (as received: new SOA, then for each
 * increment the old SOA, deletions, the new SOA, additions, and the new SOA
 * again at the end) to a copy of @current. Returns 0 and the new zone
 * (its SOA first) in *@out, or -ESRCH when an increment does not fit
 * @current (a deletion of a record we do not hold, a sequence that does
 * not start at our serial), with the reason in @why.
 */
int xfr_ixfr_apply(const ldns_rr_list *current, const ldns_rr_list *ixfr, ldns_rr_list **out,
		   char *why, size_t whylen);

#endif /* SWERVE_XFR_IXFR_H */
