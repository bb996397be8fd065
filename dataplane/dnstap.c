/* SPDX-License-Identifier: BSD-3-Clause */
/* dnstap rings: the layout of one block (docs/dnstap.md); the push and pop are inline in dnstap.h. */

#include <string.h>

#include "swerve/dnstap.h"

/* The ring's header rounded up to a cache line, then its slots. */
static size_t
dnstap_ring_hdr(void)
{
	return (sizeof(struct dnstap_ring) + 63) & ~(size_t)63;
}

size_t
dnstap_ring_bytes(uint32_t n)
{
	return dnstap_ring_hdr() + (size_t)n * sizeof(struct dnstap_rec);
}

struct dnstap_ring *
dnstap_ring_init(void *mem, uint32_t n)
{
	struct dnstap_ring *r = mem;

	if (mem == NULL || n < 2 || (n & (n - 1)) != 0)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->mask = n - 1;
	r->recs = (struct dnstap_rec *)((uint8_t *)mem + dnstap_ring_hdr());
	return r;
}
