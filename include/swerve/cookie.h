/* SPDX-License-Identifier: BSD-3-Clause */
/* DNS server cookies (RFC 7873) in the interoperable format of RFC 9018, and SipHash-2-4. */

#ifndef SWERVE_COOKIE_H
#define SWERVE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COOKIE_CLIENT_LEN 8  /* RFC 7873 4.1. */
#define COOKIE_SERVER_LEN 16 /* RFC 9018 4: version, reserved, timestamp, hash. */
#define COOKIE_KEY_LEN	  16 /* SipHash-2-4 key: the server secret. */
#define COOKIE_VERSION	  1

/*
 * RFC 9018 4.3: a server cookie is accepted for an hour after it was made
 * and up to 5 minutes before (clock skew across a fleet); one older than
 * half an hour is replaced by a fresh one in the response.
 */
#define COOKIE_MAX_AGE	   3600
#define COOKIE_MAX_AHEAD   300
#define COOKIE_REFRESH_AGE 1800

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of @len octets at @msg under @key. */
uint64_t cookie_siphash24(const uint8_t key[COOKIE_KEY_LEN], const void *msg, size_t len);

/*
 * Write the server cookie for @client_cookie from the client address @addr
 * (@addr_len 4 or 16) at time @now (seconds since the epoch) under @key to
 * @out: version 1, three reserved zero octets, the timestamp, then
 * SipHash-2-4(client cookie | version | reserved | timestamp | address).
 */
void cookie_make(uint8_t out[COOKIE_SERVER_LEN], const uint8_t key[COOKIE_KEY_LEN],
		 const uint8_t client_cookie[COOKIE_CLIENT_LEN], uint32_t now, const uint8_t *addr,
		 unsigned addr_len);

/* What cookie_verify() found. */
enum cookie_check {
	COOKIE_BAD = 0, /* Not ours: wrong format, hash, address or time window. */
	COOKIE_FRESH,	/* Ours and younger than COOKIE_REFRESH_AGE: may be echoed as it is. */
	COOKIE_REFRESH, /* Ours but older (or made with the previous secret): issue a new one. */
};

/*
 * Check the @len octets of server cookie at @server that came with
 * @client_cookie from @addr at time @now against @key, then against
 * @previous (NULL: none). Timestamps compare in serial number arithmetic,
 * so the 2106 wrap does not matter. Compares hashes in constant time.
 */
enum cookie_check cookie_verify(const uint8_t *server, size_t len,
				const uint8_t key[COOKIE_KEY_LEN], const uint8_t *previous,
				const uint8_t client_cookie[COOKIE_CLIENT_LEN], uint32_t now,
				const uint8_t *addr, unsigned addr_len);

#endif /* SWERVE_COOKIE_H */
