/* SPDX-License-Identifier: BSD-3-Clause */
/* Text forms swerve.yaml accepts, checked without YAML: addresses, listeners, zone names. */

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "swerve/config.h"

#include "config_syntax.h"

/* "198.18.0.53", "2001:2::53/64": a unicast address with an optional prefix length. */
int
cfg_parse_addr(const char *text, struct svc_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	char *end;
	unsigned long pfx;
	unsigned max;

	if (strlen(text) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, &a->v4) == 1) {
		uint32_t h = ntohl(a->v4.s_addr);

		if (h == 0 || IN_MULTICAST(h) || h == INADDR_BROADCAST)
			return -1;
		a->family = AF_INET;
		a->prefix = 24;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &a->v6) == 1) {
		if (IN6_IS_ADDR_UNSPECIFIED(&a->v6) || IN6_IS_ADDR_MULTICAST(&a->v6))
			return -1;
		a->family = AF_INET6;
		a->prefix = 64;
		max = 128;
	} else {
		return -1;
	}
	if (slash == NULL)
		return 0;
	if (!isdigit((unsigned char)slash[0]) || (slash[0] == '0' && slash[1] != '\0'))
		return -1;
	pfx = strtoul(slash, &end, 10);
	if (*end != '\0' || pfx == 0 || pfx > max)
		return -1;
	a->prefix = (uint8_t)pfx;
	return 0;
}

/* ADDRESS:PORT or [IPv6]:PORT, the form every HTTP listener option uses. */
int
cfg_listen_ok(const char *v)
{
	char host[INET6_ADDRSTRLEN];
	unsigned char a[sizeof(struct in6_addr)];
	const char *port;
	const char *colon;
	int family;
	size_t hlen;
	char *end;
	unsigned long n;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (close == NULL || close[1] != ':')
			return 0;
		hlen = (size_t)(close - v - 1);
		port = close + 2;
		v++;
		family = AF_INET6;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL)
			return 0;
		hlen = (size_t)(colon - v);
		port = colon + 1;
		family = AF_INET;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return 0;
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (inet_pton(family, host, a) != 1)
		return 0;
	if (!isdigit((unsigned char)port[0]) || port[0] == '0')
		return 0;
	n = strtoul(port, &end, 10);
	return *end == '\0' && n >= 1 && n <= 65535;
}

/* Presentation-form zone name: labels of 1..63 printable octets, at most 253 without the root dot.
 */
int
cfg_zone_name_ok(const char *n)
{
	size_t len = strlen(n);
	size_t lab = 0;

	if (strcmp(n, ".") == 0)
		return 1;
	if (len > 0 && n[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)n[i];

		if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			continue;
		}
		/* Escapes (\.) would change where labels end; no served zone needs them. */
		if (c <= ' ' || c >= 0x7f || c == '\\' || c == '"' || ++lab > 63)
			return 0;
	}
	return lab > 0;
}

bool
config_zone_name_eq(const char *a, const char *b)
{
	size_t la = strlen(a);
	size_t lb = strlen(b);

	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}
