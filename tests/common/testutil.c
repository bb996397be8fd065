/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the unit, golden and stress tests. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"
#include "testutil.h"

size_t
tu_name(const char *text, uint8_t *out)
{
	size_t n = 0;
	const char *p = text;

	while (*p != '\0' && !(p[0] == '.' && p[1] == '\0')) {
		const char *dot = strchr(p, '.');
		size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);

		out[n++] = (uint8_t)l;
		memcpy(out + n, p, l);
		n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	out[n++] = 0;
	return n;
}

const char *
tu_write_temp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/swerve-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror("tu_write_temp");
		abort();
	}
	close(fd);
	return path;
}

struct zone *
tu_zone(const char *origin, const char *text)
{
	struct sw_diag d = {0};
	struct zone *z = NULL;
	const char *path = tu_write_temp(text);
	int rc = zone_load(origin, path, &z, &d);

	unlink(path);
	if (rc < 0) {
		fprintf(stderr, "tu_zone(%s): %s:%u: %s\n", origin, d.file, d.line, d.msg);
		abort();
	}
	return z;
}

struct rrt *
tu_table(const char *origin, const char *text, ...)
{
	struct zone *zones[16];
	size_t n = 0;
	struct sw_diag d = {0};
	struct rrt *t = NULL;
	va_list ap;

	va_start(ap, text);
	while (origin != NULL && n < 16) {
		zones[n++] = tu_zone(origin, text);
		origin = va_arg(ap, const char *);
		if (origin != NULL)
			text = va_arg(ap, const char *);
	}
	va_end(ap);
	if (rrt_build((const struct zone *const *)zones, n, NULL, 0, &t, &d) < 0) {
		fprintf(stderr, "tu_table: %s\n", d.msg);
		abort();
	}
	for (size_t i = 0; i < n; i++)
		zone_free(zones[i]);
	return t;
}

size_t
tu_query(uint8_t *buf, size_t cap, const char *qname, uint16_t qtype, const struct tu_qopt *o)
{
	static const struct tu_qopt defaults = {.id = 0x1234};
	size_t n;
	uint16_t qclass;

	if (o == NULL)
		o = &defaults;
	if (cap < 512)
		abort();
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(o->id >> 8);
	buf[1] = (uint8_t)o->id;
	buf[2] = (uint8_t)((o->opcode & 0xf) << 3 | (o->rd ? 1 : 0));
	buf[3] = (uint8_t)(o->cd ? 0x10 : 0);
	buf[5] = 1; /* QDCOUNT */
	n = 12 + tu_name(qname, buf + 12);
	qclass = o->qclass != 0 ? o->qclass : 1;
	buf[n++] = (uint8_t)(qtype >> 8);
	buf[n++] = (uint8_t)qtype;
	buf[n++] = (uint8_t)(qclass >> 8);
	buf[n++] = (uint8_t)qclass;
	if (o->edns) {
		uint16_t payload = o->payload != 0 ? o->payload : 1232;
		uint16_t fl = (uint16_t)((o->do_bit ? 0x8000 : 0) | o->ext_flags);

		buf[11] = 1; /* ARCOUNT */
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = 41;
		buf[n++] = (uint8_t)(payload >> 8);
		buf[n++] = (uint8_t)payload;
		buf[n++] = 0; /* extended RCODE */
		buf[n++] = o->version;
		buf[n++] = (uint8_t)(fl >> 8);
		buf[n++] = (uint8_t)fl;
		buf[n++] = (uint8_t)(o->opts_len >> 8);
		buf[n++] = (uint8_t)o->opts_len;
		if (o->opts_len > 0) {
			memcpy(buf + n, o->opts, o->opts_len);
			n += o->opts_len;
		}
	}
	return n;
}
