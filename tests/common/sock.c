/* SPDX-License-Identifier: BSD-3-Clause */
/* Socket helpers for the tests that talk to a listener: connect, read exactly. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "sock.h"

static int
tu_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int err;

	if (fd < 0)
		return -1;
	if (connect(fd, sa, len) == 0)
		return fd;
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

int
tu_unix_connect(const char *path, int flags)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >= (int)sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return tu_connect(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0),
			  (struct sockaddr *)&sa, sizeof(sa));
}

int
tu_tcp_connect(const char *addr, uint16_t port, int rcv_timeout_s)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {.tv_sec = rcv_timeout_s};
	int fd;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0 && rcv_timeout_s > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return tu_connect(fd, (struct sockaddr *)&sin, sizeof(sin));
}

int
tu_read_all(int fd, uint8_t *buf, size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t r = recv(fd, buf + have, len - have, 0);

		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
	return 0;
}
