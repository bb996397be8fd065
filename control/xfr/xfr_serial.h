/* SPDX-License-Identifier: BSD-3-Clause */
/* The serial of an SOA record (xfr_serial.c); xfr_serial_newer() is in swerve/xfr.h. */

#ifndef SWERVE_XFR_SERIAL_H
#define SWERVE_XFR_SERIAL_H

#include <stdint.h>

#include <ldns/ldns.h>

/* Callers: xfr.c, xfr_ixfr.c, xfr_notify.c, xfr_zone.c. Thread: any. */

/* The serial of SOA record @soa (which must be an SOA). */
uint32_t xfr_soa_rr_serial(const ldns_rr *soa);

#endif /* SWERVE_XFR_SERIAL_H */
