/* SPDX-License-Identifier: BSD-3-Clause */
/* A service address: the dataplane answers DNS to it, the exception path gives it to the kernel. */

#ifndef SWERVE_SVC_ADDR_H
#define SWERVE_SVC_ADDR_H

#include <stdint.h>

#include <netinet/in.h>

/*
 * One service address as the config names it. The dataplane only reads
 * these (pkt_service_init(), exception_setup()); control fills them.
 */
struct svc_addr {
	int family; /* AF_INET or AF_INET6. */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	uint8_t prefix; /* Prefix length for the exception interface (default 24 / 64). */
};

/*
 * A non-blocking socket of @type (SOCK_STREAM or SOCK_DGRAM) bound to @port
 * of @a, even before the address exists on any interface (IP_FREEBIND: the
 * service addresses sit on the exception tap, which may not be up yet). IPv6
 * sockets are IPv6-only; stream sockets get SO_REUSEADDR. Returns the
 * descriptor or -errno.
 */
int svc_addr_bind(const struct svc_addr *a, int type, uint16_t port);

#endif /* SWERVE_SVC_ADDR_H */
