/* SPDX-License-Identifier: BSD-3-Clause */
/* SOA serials: reading one from a record, comparing two in serial number arithmetic (RFC 1982). */

#include <stdbool.h>
#include <stdint.h>

#include "swerve/xfr.h"
#include "xfr_serial.h"

bool
xfr_serial_newer(uint32_t a, uint32_t b)
{
	/* RFC 1982 3.2: a difference of exactly 2^31 is undefined; not newer. */
	return (int32_t)(a - b) > 0;
}

uint32_t
xfr_soa_rr_serial(const ldns_rr *soa)
{
	const ldns_rdf *r = ldns_rr_rdf(soa, 2);

	return r != NULL && ldns_rdf_size(r) == 4 ? ldns_rdf2native_int32(r) : 0;
}
