/* SPDX-License-Identifier: BSD-3-Clause */
/* Domain names as text: the canonical zone-name form, and presentation <-> wire. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "swerve/dname.h"

int
dname_canon_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uint8_t bo[DNAME_MAXLABELS];
	unsigned bn = dname_label_offsets(b, bo);

	(void)alen;
	(void)blen;
	return dname_canon_cmp_offs(a, b, bo, bn);
}

int
dname_canon_cmp_offs(const uint8_t *a, const uint8_t *b, const uint8_t *bo, unsigned bn)
{
	uint8_t ao[DNAME_MAXLABELS];
	unsigned an = dname_label_offsets(a, ao);

	while (an > 0 && bn > 0) {
		const uint8_t *la = a + ao[--an];
		const uint8_t *lb = b + bo[--bn];
		unsigned min = la[0] < lb[0] ? la[0] : lb[0];
		int c = memcmp(la + 1, lb + 1, min);

		if (c != 0)
			return c;
		if (la[0] != lb[0])
			return la[0] < lb[0] ? -1 : 1;
	}
	/* Every label of one is the end of the other: the one with fewer labels is first. */
	return (an > 0) - (bn > 0);
}

int
dname_text_canon(const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	size_t o;

	/* The root, however written, and the empty name are ".". */
	if (n == 0 || strcmp(name, ".") == 0) {
		if (cap < 2)
			return -ENAMETOOLONG;
		memcpy(out, ".", 2);
		return 1;
	}
	if (name[n - 1] == '.')
		n--;
	/* n octets, the final dot and the NUL. */
	if (n + 2 > cap)
		return -ENAMETOOLONG;
	for (o = 0; o < n; o++)
		out[o] = (char)dname_lower_octet((uint8_t)name[o]);
	out[o++] = '.';
	out[o] = '\0';
	return (int)o;
}

int
dname_from_text(const char *text, uint8_t out[DNAME_MAXLEN], size_t *len)
{
	size_t o = 1, lab = 0;

	if (strcmp(text, ".") == 0) {
		out[0] = 0;
		*len = 1;
		return 0;
	}
	for (const char *p = text; *p != '\0'; p++) {
		unsigned c = (unsigned char)*p;

		if (c == '.') {
			if (o - lab - 1 == 0 || o >= DNAME_MAXLEN)
				return -EINVAL;
			out[lab] = (uint8_t)(o - lab - 1);
			lab = o++;
			continue;
		}
		if (c == '\\') {
			p++;
			if (*p >= '0' && *p <= '9') {
				if (p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
					return -EINVAL;
				c = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 +
				    (unsigned)(p[2] - '0');
				if (c > 255)
					return -EINVAL;
				p += 2;
			} else if (*p == '\0') {
				return -EINVAL;
			} else {
				c = (unsigned char)*p;
			}
		}
		if (o - lab - 1 >= DNAME_MAXLABEL || o >= DNAME_MAXLEN - 1)
			return -EINVAL;
		out[o++] = dname_lower_octet((uint8_t)c);
	}
	if (o - lab - 1 > 0) {
		out[lab] = (uint8_t)(o - lab - 1);
		lab = o++;
	}
	out[lab] = 0;
	*len = o;
	return 0;
}

void
dname_to_text(const uint8_t *w, char *out, size_t cap)
{
	size_t o = 0;

	if (w[0] == 0) {
		snprintf(out, cap, ".");
		return;
	}
	/* Room for the longest escape (\DDD), the dot and the NUL is checked per octet. */
	while (*w != 0 && o + 5 < cap) {
		unsigned n = *w++;

		for (unsigned i = 0; i < n && o + 6 < cap; i++, w++) {
			if (*w == '.' || *w == '\\')
				o += (size_t)snprintf(out + o, cap - o, "\\%c", *w);
			else if (*w <= ' ' || *w >= 0x7f)
				o += (size_t)snprintf(out + o, cap - o, "\\%03u", *w);
			else
				out[o++] = (char)*w;
		}
		out[o++] = '.';
	}
	out[o] = '\0';
}
