/* SPDX-License-Identifier: BSD-3-Clause */
/* DNS over TCP and UDP for the transfer client, every wait bounded by one deadline. */

/*
 * Sockets are non-blocking and every wait is a poll() with what is left of
 * the caller's deadline, so a primary that accepts the connection and then
 * says nothing, or trickles a byte a minute, costs at most the transfer's
 * timeout and never blocks the transfer thread for longer.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "swerve/error.h"
#include "swerve/xfr.h"
#include "xfr_net.h"

uint64_t
xfr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
xfr_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
	}
	snprintf(buf, len, "%s#%u", a, port);
}

uint16_t
xfr_random_id(void)
{
	uint16_t id;

	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint16_t)(xfr_now_ms() ^ (uint64_t)getpid());
	return id;
}

/* Wait for @events on @fd until @deadline: 0, -ETIMEDOUT or -errno. */
static int
xfr_wait(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};

	for (;;) {
		uint64_t now = xfr_now_ms();
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)(deadline - now > 60000 ? 60000 : deadline - now));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int
xfr_socket(int family, int type)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

int
xfr_tcp_connect(const struct sockaddr_storage *ss, socklen_t len, uint64_t deadline)
{
	int fd = xfr_socket(ss->ss_family, SOCK_STREAM);
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	int ret;

	if (fd < 0)
		return fd;
	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		ret = -errno;
		goto fail;
	}
	ret = xfr_wait(fd, POLLOUT, deadline);
	if (ret < 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) {
		ret = -errno;
		goto fail;
	}
	if (soerr != 0) {
		ret = -soerr;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return ret;
}

static int
xfr_send_all(int fd, const uint8_t *buf, size_t len, uint64_t deadline)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		n = xfr_wait(fd, POLLOUT, deadline);
		if (n < 0)
			return (int)n;
	}
	return 0;
}

static int
xfr_recv_all(int fd, uint8_t *buf, size_t len, uint64_t deadline)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = recv(fd, buf + off, len - off, 0);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == 0)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		n = xfr_wait(fd, POLLIN, deadline);
		if (n < 0)
			return (int)n;
	}
	return 0;
}

int
xfr_tcp_send(int fd, const uint8_t *msg, size_t len, uint64_t deadline)
{
	uint8_t *buf;
	int ret;

	if (len > XFR_MSG_MAX)
		return -EMSGSIZE;
	/* One buffer, one send: a query split over two segments is legal but
	 * some middleboxes and old servers mishandle it. */
	buf = malloc(len + 2);
	if (buf == NULL)
		return -ENOMEM;
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	memcpy(buf + 2, msg, len);
	ret = xfr_send_all(fd, buf, len + 2, deadline);
	free(buf);
	return ret;
}

int
xfr_tcp_recv(int fd, uint8_t **msg, uint64_t deadline)
{
	uint8_t hdr[2];
	size_t len;
	uint8_t *buf;
	int ret;

	*msg = NULL;
	ret = xfr_recv_all(fd, hdr, sizeof(hdr), deadline);
	if (ret < 0)
		return ret;
	len = (size_t)hdr[0] << 8 | hdr[1];
	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL)
		return -ENOMEM;
	ret = xfr_recv_all(fd, buf, len, deadline);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*msg = buf;
	return (int)len;
}

/* Same address and port (a reply from elsewhere is not the primary's). */
static bool
xfr_same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

int
xfr_udp_query(const struct sockaddr_storage *ss, socklen_t sslen, const uint8_t *q, size_t qlen,
	      uint16_t id, uint8_t *resp, size_t cap, uint64_t deadline)
{
	int fd = xfr_socket(ss->ss_family, SOCK_DGRAM);
	int ret;

	if (fd < 0)
		return fd;
	if (sendto(fd, q, qlen, 0, (const struct sockaddr *)ss, sslen) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		ret = xfr_wait(fd, POLLIN, deadline);
		if (ret < 0)
			goto out;
		n = recvfrom(fd, resp, cap, 0, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (n < LDNS_HEADER_SIZE || !xfr_same_peer(&from, ss) ||
		    (uint16_t)(resp[0] << 8 | resp[1]) != id)
			continue;
		ret = (int)n;
		goto out;
	}
out:
	close(fd);
	return ret;
}
