/* SPDX-License-Identifier: BSD-3-Clause */
/* DNS over TCP framing: two-octet length prefixes, partial reads and writes, answers in order. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "swerve/tcp.h"

/*
 * First size of a connection's input buffer: room for a few pipelined
 * queries of ordinary size, so most connections never grow it.
 */
#define TCP_IN_INIT 4096

/* Grow *@buf (size *@cap) to hold at least @need octets, keeping its contents. */
static int
tcp_conn_grow(uint8_t **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap != 0 ? *cap : TCP_IN_INIT;
	uint8_t *nbuf;

	while (ncap < need)
		ncap *= 2;
	if (ncap == *cap)
		return 0;
	nbuf = realloc(*buf, ncap);
	if (nbuf == NULL)
		return -ENOMEM;
	*buf = nbuf;
	*cap = ncap;
	return 0;
}

void
tcp_conn_init(struct tcp_conn *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
}

void
tcp_conn_fini(struct tcp_conn *c)
{
	free(c->in);
	free(c->out);
	c->in = NULL;
	c->out = NULL;
	c->in_len = c->in_cap = 0;
	c->out_off = c->out_len = c->out_cap = 0;
}

int
tcp_conn_read(struct tcp_conn *c)
{
	ssize_t n;

	if (c->in_len == c->in_cap) {
		size_t need = tcp_conn_head_need(c);

		if (c->in_len >= need)
			return -ENOBUFS;
		if (tcp_conn_grow(&c->in, &c->in_cap, need) < 0)
			return -ENOMEM;
	}
	do {
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n == 0)
		c->eof = true;
	c->in_len += (size_t)n;
	return (int)n;
}

int
tcp_conn_feed(struct tcp_conn *c, const uint8_t *data, size_t len)
{
	if (tcp_conn_grow(&c->in, &c->in_cap, c->in_len + len) < 0)
		return -ENOMEM;
	memcpy(c->in + c->in_len, data, len);
	c->in_len += len;
	return 0;
}

/* Make room for @need more octets at the end of out[], moving unsent data to the front first. */
static int
tcp_conn_out_room(struct tcp_conn *c, size_t need)
{
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	return tcp_conn_grow(&c->out, &c->out_cap, c->out_len + need);
}

int
tcp_conn_process(struct tcp_conn *c, tcp_answer_fn answer, void *arg, uint8_t *scratch,
		 unsigned max)
{
	size_t pos = 0;
	int done = 0, ret = 0;

	while (c->out_len - c->out_off < TCP_OUT_HIGH && c->in_len - pos >= 2 &&
	       (max == 0 || (unsigned)done < max)) {
		size_t qlen = (size_t)c->in[pos] << 8 | c->in[pos + 1];
		size_t rlen;

		if (c->in_len - pos - 2 < qlen)
			break;
		rlen = answer(arg, c->in + pos + 2, qlen, scratch, TCP_MSG_MAX);
		if (rlen == 0 || rlen > TCP_MSG_MAX) {
			ret = -EPROTO;
			break;
		}
		if (tcp_conn_out_room(c, 2 + rlen) < 0) {
			ret = -ENOMEM;
			break;
		}
		c->out[c->out_len] = (uint8_t)(rlen >> 8);
		c->out[c->out_len + 1] = (uint8_t)rlen;
		memcpy(c->out + c->out_len + 2, scratch, rlen);
		c->out_len += 2 + rlen;
		pos += 2 + qlen;
		c->answered++;
		done++;
	}
	if (pos > 0) {
		memmove(c->in, c->in + pos, c->in_len - pos);
		c->in_len -= pos;
	}
	return ret < 0 ? ret : done;
}

int
tcp_conn_flush(struct tcp_conn *c)
{
	size_t total = 0;
	ssize_t n;

	while (c->out_off < c->out_len) {
		/* MSG_NOSIGNAL: a client that went away is an error code here, not SIGPIPE. */
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (total > 0)
				break;
			return -EAGAIN;
		}
		if (n < 0)
			return -errno;
		c->out_off += (size_t)n;
		total += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	return (int)total;
}
