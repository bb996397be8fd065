/* SPDX-License-Identifier: BSD-3-Clause */
/* Socket helpers for the tests that talk to a listener: connect, read exactly. */

#ifndef SWERVE_TEST_SOCK_H
#define SWERVE_TEST_SOCK_H

#include <stddef.h>
#include <stdint.h>

/* A stream socket connected to the UNIX socket @path (@flags: extra socket() type flags such as
 * SOCK_NONBLOCK); -1 with errno set on failure. Close-on-exec. */
int tu_unix_connect(const char *path, int flags);

/* A TCP connection to IPv4 @addr port @port with a receive timeout of @rcv_timeout_s seconds
 * (0: none); -1 with errno set on failure. */
int tu_tcp_connect(const char *addr, uint16_t port, int rcv_timeout_s);

/* Read exactly @len octets; 0, or -1 on EOF, error or timeout. */
int tu_read_all(int fd, uint8_t *buf, size_t len);

#endif /* SWERVE_TEST_SOCK_H */
