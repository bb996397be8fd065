/* SPDX-License-Identifier: BSD-3-Clause */
/* Domain names in uncompressed wire form: validation-free helpers and the table hash. */

#ifndef SWERVE_DNAME_H
#define SWERVE_DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* RFC 1035 2.3.4: at most 255 octets in wire form, labels of at most 63. */
#define DNAME_MAXLEN    255
#define DNAME_MAXLABEL  63
/* 255 octets hold at most 127 one-character labels plus the root. */
#define DNAME_MAXLABELS 128

/*
 * Every function here takes a name that is already known to be a valid,
 * uncompressed wire name (the query parser and the zone loader check that).
 * None of them allocates, locks or makes a syscall: workers call them.
 */

/* Length in octets of a valid wire name, including the root label. */
static inline size_t
dname_len(const uint8_t *name)
{
	const uint8_t *p = name;

	while (*p != 0)
		p += *p + 1;
	return (size_t)(p - name) + 1;
}

/* ASCII lowercase only: DNS names compare case-insensitively on A-Z alone (RFC 4343). */
static inline uint8_t
dname_lower_octet(uint8_t c)
{
	return (uint8_t)(c + (((unsigned)(c - 'A') < 26u) << 5));
}

/*
 * Offsets of the label starts of @name, outermost first: offs[0] = 0 is the
 * full name, offs[n - 1] the last label before the root. Returns n, the number
 * of non-root labels. @offs needs DNAME_MAXLABELS entries.
 */
static inline unsigned
dname_label_offsets(const uint8_t *name, uint8_t offs[DNAME_MAXLABELS])
{
	unsigned n = 0;
	unsigned off = 0;

	while (name[off] != 0) {
		offs[n++] = (uint8_t)off;
		off += name[off] + 1u;
	}
	return n;
}

/* True when @name equals @apex or lies below it; both lowercase wire names. */
static inline bool
dname_is_below_or_at(const uint8_t *name, size_t name_len, const uint8_t *apex, size_t apex_len)
{
	size_t off = 0;

	if (apex_len > name_len)
		return false;
	/* Walk label boundaries so "xexample.com" never matches "example.com". */
	while (name_len - off > apex_len)
		off += name[off] + 1u;
	return name_len - off == apex_len && memcmp(name + off, apex, apex_len) == 0;
}

/*
 * The record table's hash over a lowercase wire name. A multiply-xorshift mix
 * over 8-octet words: names are short, so a per-octet hash (FNV) costs more
 * than the whole lookup should, and a keyed hash buys nothing here because
 * the table is immutable and built from operator data, not from queries.
 */
static inline uint64_t
dname_hash(const uint8_t *name, size_t len)
{
	const uint64_t m = 0x9e3779b97f4a7c15ull;
	const uint8_t *end = name + len;
	uint64_t h = 0x6a09e667f3bcc909ull ^ (len * m);
	uint64_t w;

	if (len >= 8) {
		while (end - name > 8) {
			memcpy(&w, name, 8);
			h = (h ^ w) * m;
			h ^= h >> 29;
			name += 8;
		}
		/*
		 * The last word ends at the name's end and may overlap the one
		 * before: a fixed-size load instead of a variable-length copy,
		 * which costs more than the rest of the hash.
		 */
		memcpy(&w, end - 8, 8);
	} else if (len >= 4) {
		uint32_t lo, hi;

		memcpy(&lo, name, 4);
		memcpy(&hi, end - 4, 4);
		w = (uint64_t)hi << 32 | lo;
	} else {
		/* 1 to 3 octets (the root, a one-letter TLD). */
		w = (uint64_t)name[0] | (uint64_t)name[len / 2] << 8 | (uint64_t)end[-1] << 16;
	}
	h = (h ^ w) * m;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

/*
 * The canonical order of two lowercase wire names (RFC 4034 6.1): label by
 * label from the root, each label as an octet string, a shorter label first
 * when it is a prefix of the other. Returns <0, 0 or >0. Allocates nothing:
 * the answer engine's NSEC proofs call it (dname.c).
 */
int dname_canon_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/*
 * The same, with the label offsets of @b (dname_label_offsets(), @bn of
 * them) worked out once by the caller: for a search that compares one name
 * with many.
 */
int dname_canon_cmp_offs(const uint8_t *a, const uint8_t *b, const uint8_t *boffs, unsigned bn);

/*
 * Names as text (dname.c). Unlike the helpers above these take untrusted
 * input and check it; they are for the control side and tests, not the
 * workers (they are cheap, but nothing per query needs them).
 */

/*
 * The canonical text form of a zone or key name, the one every comparison
 * of configured, loaded and transferred names uses: ASCII lowercase (RFC
 * 4343), exactly one final dot, the root as ".". "" and "." both give ".";
 * "Example.COM" and "example.com." both give "example.com.". Nothing else is
 * checked or changed: callers validate the name itself first. Writes at most
 * @cap octets to @out, NUL included, and returns the length without the NUL,
 * or -ENAMETOOLONG when it does not fit (@out is then undefined).
 */
int dname_text_canon(const char *name, char *out, size_t cap);

/*
 * Presentation name (final dot optional; \X and \DDD escapes of RFC 1035
 * 5.1) to lowercase wire form in @out (DNAME_MAXLEN octets); *@len gets its
 * length with the root label. Returns 0, or -EINVAL for an empty label, a
 * bad escape, a label over 63 or a name over 255 octets.
 */
int dname_from_text(const char *text, uint8_t out[DNAME_MAXLEN], size_t *len);

/*
 * Wire name @w (valid, uncompressed) to presentation form with the final
 * dot, escaping '.', '\\' and octets outside printable ASCII as RFC 1035 5.1
 * does (\. \\ \DDD). Stops where @cap would be exceeded, always terminated.
 */
void dname_to_text(const uint8_t *w, char *out, size_t cap);

#endif /* SWERVE_DNAME_H */
