/* SPDX-License-Identifier: BSD-3-Clause */
/* SipHash-2-4 and RFC 9018 server cookies: made and checked on the fast path, so no allocation. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "swerve/cookie.h"

/* The hashed input: client cookie, version, reserved, timestamp and an IPv6 address at most. */
#define COOKIE_INPUT_MAX (COOKIE_CLIENT_LEN + 8 + 16)

static inline uint64_t
cookie_rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

/* SipHash reads its key and message as little-endian words whatever the host order. */
static inline uint64_t
cookie_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

#define COOKIE_SIPROUND                                                                            \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = cookie_rotl(v1, 13);                                                          \
		v1 ^= v0;                                                                          \
		v0 = cookie_rotl(v0, 32);                                                          \
		v2 += v3;                                                                          \
		v3 = cookie_rotl(v3, 16);                                                          \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = cookie_rotl(v3, 21);                                                          \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = cookie_rotl(v1, 17);                                                          \
		v1 ^= v2;                                                                          \
		v2 = cookie_rotl(v2, 32);                                                          \
	} while (0)

uint64_t
cookie_siphash24(const uint8_t key[COOKIE_KEY_LEN], const void *msg, size_t len)
{
	const uint8_t *in = msg;
	uint64_t k0 = cookie_le64(key);
	uint64_t k1 = cookie_le64(key + 8);
	/* "somepseudorandomlygeneratedbytes", the paper's initialisation constants. */
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = k1 ^ 0x7465646279746573ull;
	uint64_t m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = cookie_le64(in + i);
		v3 ^= m;
		COOKIE_SIPROUND;
		COOKIE_SIPROUND;
		v0 ^= m;
	}
	/* The last word: the remaining octets, with the length's low octet on top. */
	m = (uint64_t)(len & 0xff) << 56;
	for (size_t j = 0; i + j < len; j++)
		m |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= m;
	COOKIE_SIPROUND;
	COOKIE_SIPROUND;
	v0 ^= m;

	v2 ^= 0xff;
	COOKIE_SIPROUND;
	COOKIE_SIPROUND;
	COOKIE_SIPROUND;
	COOKIE_SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The 8-octet hash of RFC 9018 4.4 over @in (client cookie, then the server cookie's first 8). */
static void
cookie_hash(uint8_t out[8], const uint8_t key[COOKIE_KEY_LEN],
	    const uint8_t client_cookie[COOKIE_CLIENT_LEN], const uint8_t head[8],
	    const uint8_t *addr, unsigned addr_len)
{
	uint8_t in[COOKIE_INPUT_MAX];
	size_t n = COOKIE_CLIENT_LEN + 8;
	uint64_t h;

	memcpy(in, client_cookie, COOKIE_CLIENT_LEN);
	memcpy(in + COOKIE_CLIENT_LEN, head, 8);
	if (addr_len > 16)
		addr_len = 16;
	memcpy(in + n, addr, addr_len);
	n += addr_len;
	h = cookie_siphash24(key, in, n);
	/* The hash goes on the wire in SipHash's own (little-endian) output order. */
	for (unsigned i = 0; i < 8; i++)
		out[i] = (uint8_t)(h >> (8 * i));
}

void
cookie_make(uint8_t out[COOKIE_SERVER_LEN], const uint8_t key[COOKIE_KEY_LEN],
	    const uint8_t client_cookie[COOKIE_CLIENT_LEN], uint32_t now, const uint8_t *addr,
	    unsigned addr_len)
{
	out[0] = COOKIE_VERSION;
	out[1] = 0;
	out[2] = 0;
	out[3] = 0;
	out[4] = (uint8_t)(now >> 24);
	out[5] = (uint8_t)(now >> 16);
	out[6] = (uint8_t)(now >> 8);
	out[7] = (uint8_t)now;
	cookie_hash(out + 8, key, client_cookie, out, addr, addr_len);
}

/* Hash comparison whose time does not depend on where the first difference is. */
static bool
cookie_equal8(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;

	for (unsigned i = 0; i < 8; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

enum cookie_check
cookie_verify(const uint8_t *server, size_t len, const uint8_t key[COOKIE_KEY_LEN],
	      const uint8_t *previous, const uint8_t client_cookie[COOKIE_CLIENT_LEN], uint32_t now,
	      const uint8_t *addr, unsigned addr_len)
{
	uint8_t h[8];
	uint32_t ts;
	int32_t age;

	/* Other sizes (8 to 32 octets) are other servers' formats: never ours. */
	if (len != COOKIE_SERVER_LEN || server[0] != COOKIE_VERSION)
		return COOKIE_BAD;
	ts = (uint32_t)server[4] << 24 | (uint32_t)server[5] << 16 | (uint32_t)server[6] << 8 |
	     server[7];
	age = (int32_t)(now - ts);
	if (age > COOKIE_MAX_AGE || age < -COOKIE_MAX_AHEAD)
		return COOKIE_BAD;
	cookie_hash(h, key, client_cookie, server, addr, addr_len);
	if (cookie_equal8(h, server + 8))
		return age > COOKIE_REFRESH_AGE ? COOKIE_REFRESH : COOKIE_FRESH;
	if (previous != NULL) {
		cookie_hash(h, previous, client_cookie, server, addr, addr_len);
		if (cookie_equal8(h, server + 8))
			return COOKIE_REFRESH;
	}
	return COOKIE_BAD;
}
