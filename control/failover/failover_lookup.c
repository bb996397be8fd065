/* SPDX-License-Identifier: BSD-3-Clause */
/* Failover names and finders: record types, pool names, records, endpoints and pools by name. */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "failover_lookup.h"

uint64_t
fo_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *
fo_type_name(uint16_t type)
{
	return type == FO_TYPE_AAAA ? "AAAA" : type == FO_TYPE_A ? "A" : "?";
}

const char *
fo_pool_name(const struct fo_record *r, int pool, char *buf, size_t len)
{
	const char *name = r->cfg->pools[pool].name;

	if (name != NULL)
		return name;
	snprintf(buf, len, "pool%d", pool);
	return buf;
}

const char *
fo_serving_name(const struct fo_record *r, int serving, char *buf, size_t len)
{
	if (serving == FO_SERVE_NONE)
		return "servfail";
	if (serving == FO_SERVE_ALL)
		return "serve-all";
	return fo_pool_name(r, serving, buf, len);
}

struct fo_record *
fo_record_find(struct failover *f, const char *name, uint16_t type, size_t *nmatch)
{
	struct fo_record *first = NULL;
	uint8_t wire[DNAME_MAXLEN];
	size_t len;

	*nmatch = 0;
	if (dname_from_text(name, wire, &len) < 0)
		return NULL;
	for (size_t i = 0; i < f->nrecs; i++) {
		struct fo_record *r = &f->recs[i];

		if (r->wire_len != len || memcmp(r->wire, wire, len) != 0)
			continue;
		if (type != 0 && r->cfg->type != type)
			continue;
		if (first == NULL)
			first = r;
		(*nmatch)++;
	}
	return first;
}

struct fo_endpoint *
fo_endpoint_find(struct fo_record *r, const char *name_or_addr)
{
	uint8_t bin[16];
	int family = r->cfg->type == FO_TYPE_AAAA ? AF_INET6 : AF_INET;

	for (size_t i = 0; i < r->neps; i++)
		if (strcmp(r->eps[i].name, name_or_addr) == 0)
			return &r->eps[i];
	if (inet_pton(family, name_or_addr, bin) != 1)
		return NULL;
	for (size_t i = 0; i < r->neps; i++)
		if (memcmp(r->eps[i].rdata, bin, r->eps[i].rdlen) == 0)
			return &r->eps[i];
	return NULL;
}

int
fo_pool_find(const struct fo_record *r, const char *name_or_index)
{
	char buf[32], *end;
	unsigned long idx;

	for (size_t p = 0; p < r->cfg->npools; p++)
		if (strcmp(fo_pool_name(r, (int)p, buf, sizeof(buf)), name_or_index) == 0)
			return (int)p;
	if (name_or_index[0] < '0' || name_or_index[0] > '9')
		return -1;
	idx = strtoul(name_or_index, &end, 10);
	if (*end != '\0' || idx >= r->cfg->npools)
		return -1;
	return (int)idx;
}
