/* SPDX-License-Identifier: BSD-3-Clause */
/* DNS over TCP and UDP for the transfer client, every wait bounded by a deadline (xfr_net.c). */

#ifndef SWERVE_XFR_NET_H
#define SWERVE_XFR_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Callers: xfr.c. Thread: the caller's (the secondary module's transfer thread); blocking, bounded.
 */

/* A message larger than this cannot be DNS: 65535 is the TCP length prefix's limit. */
#define XFR_MSG_MAX 65535

/* Milliseconds on the monotonic clock, for deadlines. */
uint64_t xfr_now_ms(void);

/* "192.0.2.1#53" / "2001:db8::1#53" for messages. */
void xfr_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len);

/* A random message ID (RFC 5452: unpredictable, so a blind forger must guess it). */
uint16_t xfr_random_id(void);

/* A TCP connection to @ss, established before @deadline; returns the fd or a negative code. */
int xfr_tcp_connect(const struct sockaddr_storage *ss, socklen_t len, uint64_t deadline);

/* Send @msg with its two-octet length prefix (RFC 1035 4.2.2). */
int xfr_tcp_send(int fd, const uint8_t *msg, size_t len, uint64_t deadline);

/*
 * Receive one length-prefixed message into a new buffer (*@msg, caller
 * frees). Returns its length, -ECONNRESET when the peer closed the
 * connection (before or inside a message), -ETIMEDOUT, or another code.
 */
int xfr_tcp_recv(int fd, uint8_t **msg, uint64_t deadline);

/*
 * Send @q over UDP to @ss and wait for the datagram from @ss that carries
 * ID @id (anything else is ignored: it may be a forgery or a stale answer).
 * Returns the answer's length in @resp, or a negative code.
 */
int xfr_udp_query(const struct sockaddr_storage *ss, socklen_t sslen, const uint8_t *q, size_t qlen,
		  uint16_t id, uint8_t *resp, size_t cap, uint64_t deadline);

#endif /* SWERVE_XFR_NET_H */
