/* SPDX-License-Identifier: BSD-3-Clause */
/* The table image: writing a compiled table to a file, and reading one back (docs/table-image.md). */

/*
 * File layout, in the byte order of the machine that wrote it (an image is
 * a cache of one node, not an exchange format; the header says which order
 * and a reader on another one refuses it):
 *
 *   header       struct img_hdr, with the SHA-256 of every octet after it
 *   identity     per zone: configuration index, name, records, and each
 *                source file's path, size, time and SHA-256; per failover
 *                record bound into the table: owner, type, signing keys
 *   zones[]      struct rrt_zone
 *   buckets[]    struct rrt_bucket
 *   nodes[]      struct rrt_node
 *   arena        as the builder left it
 *
 * each section padded to 8 octets. The arrays go to and from memory as they
 * are: reading an image is a read() per array, which is what makes a
 * restart with ten million names take seconds. The reader then checks every
 * offset and index a lookup follows (rrt_image_check.c) before the table can
 * be served: the checksum catches a torn or rotten file, the checks keep a
 * wrong one that passes it from taking a worker outside the arrays.
 */

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "swerve/error.h"
#include "swerve/rrt_image.h"

#include "rrt_image_int.h"
#include "rrt_index.h"
#include "rrt_image_build.h"

#define IMG_MAGIC  "SWRVTBL"
#define IMG_FORMAT 3u /* 3: a home bucket is the top bits of the hash (rrt_home()). */
#define IMG_ORDER  0x01020304u
#define IMG_ALIGN  8u
#define IMG_PROBE  ((const uint8_t *)"\7example\3com")

/* Identity sections above this are not an image's (a zone has at most 256 files). */
#define IMG_IDS_MAX ((uint64_t)64 << 20)
/* The least a zone takes there: index, name length, records, file count. */
#define IMG_ZONE_MIN (2u + 2u + 8u + 2u)

struct img_hdr {
	char magic[8];	     /* IMG_MAGIC, NUL-terminated. */
	uint32_t format;     /* IMG_FORMAT: the layout of this file. */
	uint32_t order;	     /* IMG_ORDER as the writer stored it. */
	uint16_t hdr_len;    /* sizeof(struct img_hdr). */
	uint16_t node_size;  /* The writer's struct sizes: a layout change refuses old images. */
	uint16_t bucket_size;
	uint16_t zone_size;
	uint16_t rrset_size;
	uint16_t nzones;
	uint32_t nslots;
	uint32_t mask;
	uint32_t nnodes;
	uint32_t pad;
	uint64_t arena_len;
	uint64_t ids_len;
	uint64_t file_len;
	int64_t written;     /* Unix time. */
	char build[32];	     /* RRT_IMAGE_BUILD: the builder's output is what the image holds. */
	uint64_t hash_probe; /* dname_hash() of IMG_PROBE: the index is this build's hash's. */
	uint8_t sha256[32];  /* Of every octet after the header. */
};

_Static_assert(sizeof(struct img_hdr) % IMG_ALIGN == 0, "the header keeps the sections aligned");

static size_t
img_pad(uint64_t n)
{
	return (size_t)((IMG_ALIGN - n % IMG_ALIGN) % IMG_ALIGN);
}

static int
img_err(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
img_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A SHA-256 context, or NULL when out of memory. */
static EVP_MD_CTX *
img_sha256(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		md = NULL;
	}
	return md;
}

/* dname_hash() of IMG_PROBE: an image's index is only this build's if the hash is too. */
static uint64_t
img_hash_probe(void)
{
	return dname_hash(IMG_PROBE, 13);
}

/* The octets of an image with these sizes: the writer's layout, which the reader checks. */
static uint64_t
img_file_len(uint16_t nzones, uint32_t mask, uint32_t nnodes, uint64_t arena_len,
	     uint64_t ids_len)
{
	uint64_t zones = (uint64_t)nzones * sizeof(struct rrt_zone);

	return sizeof(struct img_hdr) + ids_len + img_pad(ids_len) + zones + img_pad(zones) +
	       ((uint64_t)mask + 1) * sizeof(struct rrt_bucket) +
	       (uint64_t)nnodes * sizeof(struct rrt_node) + arena_len + img_pad(arena_len);
}

/*
 * All @n octets of @buf to @fd (@out) or from it, through EINTR and short
 * transfers: 0, -errno, or -EBADMSG when a read meets the end of the file.
 */
static int
img_full(int fd, void *buf, size_t n, bool out)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = out ? write(fd, p, n) : read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : out ? -EIO : -EBADMSG;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* ---- Writing ---- */

/* A growable buffer for the identity section. */
struct img_buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static void
img_put(struct img_buf *b, const void *v, size_t n)
{
	if (b->oom || (b->oom = bld_grow((void **)&b->p, &b->cap, b->len + n, 1) < 0))
		return;
	memcpy(b->p + b->len, v, n);
	b->len += n;
}

#define IMG_PUT(b, v) img_put((b), &(v), sizeof(v))

static void
img_put_str(struct img_buf *b, const char *s)
{
	uint16_t n = (uint16_t)strnlen(s != NULL ? s : "", UINT16_MAX);

	IMG_PUT(b, n);
	img_put(b, s, n);
}

static void
img_ids(struct img_buf *b, const struct rrt *t, const struct zone *const *zones,
	const uint16_t *cfg)
{
	for (uint16_t i = 0; i < t->nzones; i++) {
		const struct zone *z = zones[i];
		uint64_t records = z->nrrs;
		uint16_t nfiles = (uint16_t)z->nfiles;

		IMG_PUT(b, cfg[i]);
		img_put_str(b, z->name);
		IMG_PUT(b, records);
		IMG_PUT(b, nfiles);
		for (unsigned f = 0; f < z->nfiles; f++) {
			img_put_str(b, z->files[f]);
			IMG_PUT(b, z->sources[f]);
		}
	}
	for (uint32_t s = 0; s < t->nslots; s++) {
		const struct rrt_slot *slot = t->slots[s];
		struct rrt_image_slot is = {
			.type = slot->type, .name_len = slot->name_len, .nkeys = slot->nkeys};

		memcpy(is.name, slot->name, slot->name_len);
		memcpy(is.key_alg, slot->key_alg, sizeof(is.key_alg));
		memcpy(is.key_tag, slot->key_tag, sizeof(is.key_tag));
		IMG_PUT(b, is);
	}
}

struct img_out {
	int fd;
	EVP_MD_CTX *md;
	int rc;
};

static void
img_write(struct img_out *o, const void *p, size_t n)
{
	static const uint8_t zero[IMG_ALIGN];
	size_t pad = img_pad(n);

	if (o->rc < 0)
		return;
	if (EVP_DigestUpdate(o->md, p, n) != 1 || EVP_DigestUpdate(o->md, zero, pad) != 1) {
		o->rc = -EIO;
		return;
	}
	o->rc = img_full(o->fd, (void *)(uintptr_t)p, n, true);
	if (o->rc == 0)
		o->rc = img_full(o->fd, (void *)(uintptr_t)zero, pad, true);
}

int
rrt_image_write(const char *path, const struct rrt *t, const struct zone *const *zones,
		const uint16_t *cfg, char *err, size_t errlen)
{
	struct img_hdr h = {.format = IMG_FORMAT,
			    .order = IMG_ORDER,
			    .hdr_len = sizeof(h),
			    .node_size = sizeof(struct rrt_node),
			    .bucket_size = sizeof(struct rrt_bucket),
			    .zone_size = sizeof(struct rrt_zone),
			    .rrset_size = sizeof(struct rrt_rrset),
			    .nzones = t->nzones,
			    .nslots = t->nslots,
			    .mask = t->mask,
			    .nnodes = t->nnodes,
			    .arena_len = t->arena_len,
			    .written = (int64_t)time(NULL)};
	struct img_out o = {.fd = -1};
	struct img_buf ids = {0};
	char *tmp = NULL;
	unsigned int mdlen;
	int rc;

	memcpy(h.magic, IMG_MAGIC, sizeof(IMG_MAGIC));
	snprintf(h.build, sizeof(h.build), "%s", RRT_IMAGE_BUILD);
	h.hash_probe = img_hash_probe();
	img_ids(&ids, t, zones, cfg);
	if (ids.oom || asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		rc = img_err(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	h.ids_len = ids.len;
	h.file_len = img_file_len(t->nzones, t->mask, t->nnodes, t->arena_len, ids.len);
	o.md = img_sha256();
	if (o.md == NULL) {
		rc = img_err(err, errlen, -ENOMEM, "cannot start SHA-256");
		goto out;
	}
	/*
	 * A name of its own: two loaders (a configuration reload's and the one
	 * it replaces) may save at once, and each rename must move a whole file.
	 * Mode 0600: zone data is public, but a state file is nobody else's.
	 */
	o.fd = mkostemp(tmp, O_CLOEXEC);
	if (o.fd < 0) {
		rc = img_err(err, errlen, -errno, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (lseek(o.fd, sizeof(h), SEEK_SET) < 0)
		o.rc = -errno;
	img_write(&o, ids.p, ids.len);
	img_write(&o, t->zones, t->nzones * sizeof(*t->zones));
	img_write(&o, t->buckets, ((size_t)t->mask + 1) * sizeof(*t->buckets));
	img_write(&o, t->nodes, (size_t)t->nnodes * sizeof(*t->nodes));
	img_write(&o, t->arena, t->arena_len);
	if (o.rc == 0 && EVP_DigestFinal_ex(o.md, h.sha256, &mdlen) != 1)
		o.rc = -EIO;
	if (o.rc == 0 && pwrite(o.fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		o.rc = -EIO;
	/*
	 * No fsync: after a crash the image is either whole or fails its
	 * checksum, and then the zones are parsed. Either way nothing wrong is
	 * served, and a reload does not wait for the disk.
	 */
	if (close(o.fd) < 0 && o.rc == 0)
		o.rc = -errno;
	o.fd = -1;
	if (o.rc == 0 && rename(tmp, path) < 0)
		o.rc = -errno;
	rc = o.rc;
	if (rc < 0) {
		img_err(err, errlen, rc, "%s: %s", path, strerror(-rc));
		unlink(tmp);
	}
out:
	if (o.fd >= 0) {
		close(o.fd);
		unlink(tmp);
	}
	EVP_MD_CTX_free(o.md);
	free(ids.p);
	free(tmp);
	return rc;
}

/* ---- Reading ---- */

/* Where the octets come from: a file (@fd) or memory (@mem). */
struct img_in {
	int fd;
	const uint8_t *mem;
	size_t len, pos;
	EVP_MD_CTX *md; /* NULL: no checksum. */
	int rc;
};

/* @n octets into @dst, added to the checksum when @sum. */
static void
img_raw(struct img_in *in, void *dst, size_t n, bool sum)
{
	if (in->rc < 0)
		return;
	if (in->mem != NULL) {
		if (n > in->len - in->pos) {
			in->rc = -EBADMSG;
			return;
		}
		memcpy(dst, in->mem + in->pos, n);
		in->pos += n;
	} else if ((in->rc = img_full(in->fd, dst, n, false)) < 0) {
		return;
	}
	if (sum && in->md != NULL && EVP_DigestUpdate(in->md, dst, n) != 1)
		in->rc = -EIO;
}

/* A section: @n octets into @dst, then its padding; both checksummed. */
static void
img_take(struct img_in *in, void *dst, size_t n)
{
	uint8_t pad[IMG_ALIGN];

	img_raw(in, dst, n, true);
	img_raw(in, pad, img_pad(n), true);
}

/* A table array: on 2 MiB-aligned memory with huge pages when large, as the builder leaves it. */
static void *
img_array(struct img_in *in, size_t n)
{
	void *p = bld_huge_alloc(n != 0 ? n : 1);

	if (p == NULL) {
		if (in->rc == 0)
			in->rc = -ENOMEM;
		return NULL;
	}
	img_take(in, p, n);
	return p;
}

/* A bounded reader of the identity section. */
struct img_rd {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
};

static void
img_get(struct img_rd *r, void *v, size_t n)
{
	if (r->bad || n > r->len - r->pos) {
		r->bad = true;
		memset(v, 0, n);
		return;
	}
	memcpy(v, r->p + r->pos, n);
	r->pos += n;
}

#define IMG_GET(r, v) img_get((r), &(v), sizeof(v))

static char *
img_get_str(struct img_rd *r)
{
	uint16_t n;
	char *s;

	IMG_GET(r, n);
	if (r->bad || n > r->len - r->pos || memchr(r->p + r->pos, '\0', n) != NULL) {
		r->bad = true;
		return NULL;
	}
	s = strndup((const char *)r->p + r->pos, n);
	r->pos += n;
	if (s == NULL)
		r->bad = true;
	return s;
}

static int
img_parse_ids(struct rrt_image *im, const uint8_t *ids, size_t len)
{
	struct img_rd r = {.p = ids, .len = len};
	for (uint16_t i = 0; i < im->nzones && !r.bad; i++) {
		struct rrt_image_zone *z = &im->zones[i];
		uint16_t nfiles;

		IMG_GET(&r, z->cfg);
		z->name = img_get_str(&r);
		IMG_GET(&r, z->records);
		IMG_GET(&r, nfiles);
		if (r.bad || nfiles == 0 || z->name == NULL) {
			r.bad = true;
			break;
		}
		z->files = calloc(nfiles, sizeof(*z->files));
		if (z->files == NULL)
			return -ENOMEM;
		z->nfiles = nfiles;
		for (unsigned f = 0; f < nfiles && !r.bad; f++) {
			z->files[f].path = img_get_str(&r);
			IMG_GET(&r, z->files[f].id);
		}
	}
	for (uint32_t s = 0; s < im->nslots && !r.bad; s++) {
		struct rrt_image_slot *is = &im->slots[s];

		IMG_GET(&r, *is);
		if (is->name_len == 0 || is->nkeys > RRT_SLOT_MAX_KEYS ||
		    !rrt_image_name_ok(is->name, is->name_len))
			r.bad = true;
	}
	return r.bad || r.pos != r.len ? -EBADMSG : 0;
}

/* The header says what sizes follow; refuse any that this build or the input cannot hold. */
static int
img_check_hdr(const struct img_hdr *h, uint64_t have, unsigned flags, char *err, size_t errlen)
{
	uint64_t buckets = (uint64_t)h->mask + 1;
	uint64_t want;

	if (memcmp(h->magic, IMG_MAGIC, sizeof(IMG_MAGIC)) != 0)
		return img_err(err, errlen, -EBADMSG, "not a table image");
	if (h->order != IMG_ORDER)
		return img_err(err, errlen, -EBADMSG, "written on a machine of another byte order");
	if (h->format != IMG_FORMAT || h->hdr_len != sizeof(*h))
		return img_err(err, errlen, -ESTALE, "image format %u, this build reads %u",
			       h->format, IMG_FORMAT);
	if (h->node_size != sizeof(struct rrt_node) || h->bucket_size != sizeof(struct rrt_bucket) ||
	    h->zone_size != sizeof(struct rrt_zone) || h->rrset_size != sizeof(struct rrt_rrset))
		return img_err(err, errlen, -ESTALE,
			       "written with other table structures (node %u, bucket %u, zone %u, "
			       "RRset %u octets)",
			       h->node_size, h->bucket_size, h->zone_size, h->rrset_size);
	if (!(flags & RRT_IMAGE_NO_SUM) &&
	    (strncmp(h->build, RRT_IMAGE_BUILD, sizeof(h->build)) != 0 ||
	     h->hash_probe != img_hash_probe()))
		return img_err(err, errlen, -ESTALE, "written by build %.*s, this is %s",
			       (int)sizeof(h->build), h->build, RRT_IMAGE_BUILD);
	/*
	 * The identity section holds every zone (at least IMG_ZONE_MIN octets)
	 * and every slot whole: that bounds what is allocated for them by the
	 * input's size, as the arrays are bounded by the file's length below.
	 */
	if ((buckets & h->mask) != 0 || h->mask >= UINT32_MAX / 2 || h->nnodes >= buckets ||
	    h->arena_len >= UINT32_MAX ||
	    h->ids_len > IMG_IDS_MAX || h->nzones == RRT_ZONE_NONE ||
	    (uint64_t)h->nzones * IMG_ZONE_MIN +
			    (uint64_t)h->nslots * sizeof(struct rrt_image_slot) >
		    h->ids_len)
		return img_err(err, errlen, -EBADMSG, "impossible sizes in the header");
	want = img_file_len(h->nzones, h->mask, h->nnodes, h->arena_len, h->ids_len);
	if (want != h->file_len || want != have)
		return img_err(err, errlen, -EBADMSG,
			       "%llu octets, the header says %llu and its sizes %llu",
			       (unsigned long long)have, (unsigned long long)h->file_len,
			       (unsigned long long)want);
	return 0;
}

static int
img_read(struct img_in *in, uint64_t have, unsigned flags, struct rrt_image **out, char *err,
	 size_t errlen)
{
	struct img_hdr h;
	struct rrt_image *im = NULL;
	struct rrt *t;
	uint8_t *ids = NULL;
	uint8_t sum[32];
	unsigned int sumlen;
	int rc;

	*out = NULL;
	if (have < sizeof(h))
		return img_err(err, errlen, -EBADMSG, "%llu octets, shorter than a header",
			       (unsigned long long)have);
	img_raw(in, &h, sizeof(h), false);
	if (in->rc < 0)
		return img_err(err, errlen, in->rc, "header: %s", strerror(-in->rc));
	rc = img_check_hdr(&h, have, flags, err, errlen);
	if (rc < 0)
		return rc;
	im = calloc(1, sizeof(*im));
	t = im != NULL ? calloc(1, sizeof(*t)) : NULL;
	if (t == NULL) {
		free(im);
		return img_err(err, errlen, -ENOMEM, "out of memory");
	}
	im->table = t;
	im->written = h.written;
	im->nzones = h.nzones;
	im->nslots = h.nslots;
	t->nzones = h.nzones;
	t->nslots = h.nslots;
	t->mask = h.mask;
	t->nnodes = h.nnodes;
	t->arena_len = (size_t)h.arena_len;
	/* Every size below is bounded by the input's, checked against the header above. */
	im->zones = calloc(h.nzones + 1u, sizeof(*im->zones));
	im->slots = calloc(h.nslots + 1u, sizeof(*im->slots));
	t->slots = calloc(h.nslots + 1u, sizeof(*t->slots));
	ids = malloc(h.ids_len + 1);
	t->zones = calloc(h.nzones + 1u, sizeof(*t->zones));
	if (im->zones == NULL || im->slots == NULL || t->slots == NULL || ids == NULL ||
	    t->zones == NULL) {
		rc = img_err(err, errlen, -ENOMEM, "out of memory");
		goto fail;
	}
	img_take(in, ids, h.ids_len);
	img_take(in, t->zones, h.nzones * sizeof(*t->zones));
	t->buckets = img_array(in, ((size_t)h.mask + 1) * sizeof(*t->buckets));
	t->nodes = img_array(in, (size_t)h.nnodes * sizeof(*t->nodes));
	t->arena = img_array(in, t->arena_len);
	if (in->rc < 0) {
		rc = img_err(err, errlen, in->rc, "%s", in->rc == -EBADMSG ? "truncated" :
						       strerror(-in->rc));
		goto fail;
	}
	if (in->md != NULL && (EVP_DigestFinal_ex(in->md, sum, &sumlen) != 1 ||
			       memcmp(sum, h.sha256, sizeof(sum)) != 0)) {
		rc = img_err(err, errlen, -EBADMSG, "checksum mismatch: the file is damaged");
		goto fail;
	}
	rc = img_parse_ids(im, ids, h.ids_len);
	if (rc < 0) {
		img_err(err, errlen, rc, "%s", rc == -ENOMEM ? "out of memory" :
								"bad identity section");
		goto fail;
	}
	rc = rrt_image_check(t, im->slots, err, errlen);
	if (rc < 0)
		goto fail;
	t->resident = rrt_bytes(t) <= RRT_CACHE_RESIDENT_BYTES;
	free(ids);
	*out = im;
	return 0;
fail:
	free(ids);
	rrt_image_free(im);
	return rc;
}

int
rrt_image_read_mem(const void *buf, size_t len, unsigned flags, struct rrt_image **out,
		   char *err, size_t errlen)
{
	struct img_in in = {.fd = -1, .mem = buf, .len = len};
	int rc;

	*out = NULL;
	if (!(flags & RRT_IMAGE_NO_SUM) && (in.md = img_sha256()) == NULL)
		return img_err(err, errlen, -ENOMEM, "cannot start SHA-256");
	rc = img_read(&in, len, flags, out, err, errlen);
	EVP_MD_CTX_free(in.md);
	return rc;
}

int
rrt_image_read(const char *path, struct rrt_image **out, char *err, size_t errlen)
{
	struct img_in in = {.fd = -1};
	struct stat sb;
	int rc;

	*out = NULL;
	in.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in.fd < 0)
		return img_err(err, errlen, -errno, "%s", strerror(errno));
	if (fstat(in.fd, &sb) < 0) {
		rc = img_err(err, errlen, -errno, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = img_err(err, errlen, -EINVAL, "not a regular file");
		goto out;
	}
	in.md = img_sha256();
	if (in.md == NULL) {
		rc = img_err(err, errlen, -ENOMEM, "cannot start SHA-256");
		goto out;
	}
	(void)posix_fadvise(in.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	rc = img_read(&in, (uint64_t)sb.st_size, 0, out, err, errlen);
out:
	EVP_MD_CTX_free(in.md);
	close(in.fd);
	return rc;
}

bool
rrt_image_slot_is(const struct rrt_image_slot *s, const struct rrt_slot *slot)
{
	return s->type == slot->type && s->name_len == slot->name_len &&
	       memcmp(s->name, slot->name, slot->name_len) == 0 && s->nkeys == slot->nkeys &&
	       memcmp(s->key_alg, slot->key_alg, slot->nkeys) == 0 &&
	       memcmp(s->key_tag, slot->key_tag, slot->nkeys * sizeof(slot->key_tag[0])) == 0;
}

int
rrt_image_identify(const char *path, struct zone_source *id)
{
	static const size_t chunk = (size_t)4 << 20;
	EVP_MD_CTX *md = img_sha256();
	uint8_t *buf = malloc(chunk);
	struct stat sb;
	uint64_t left;
	int fd = -1, rc = 0;

	if (md == NULL || buf == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		rc = -errno;
		goto out;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	id->size = (uint64_t)sb.st_size;
	id->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	for (left = id->size; left > 0;) {
		size_t n = left < chunk ? (size_t)left : chunk;

		rc = img_full(fd, buf, n, false);
		/* Shorter than it was a moment ago: being rewritten, so not what was read. */
		if (rc == -EBADMSG)
			rc = -EAGAIN;
		if (rc == 0 && EVP_DigestUpdate(md, buf, n) != 1)
			rc = -EIO;
		if (rc < 0)
			goto out;
		left -= n;
	}
	if (EVP_DigestFinal_ex(md, id->sha256, NULL) != 1)
		rc = -EIO;
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(md);
	free(buf);
	return rc;
}

const char *
rrt_image_build(void)
{
	return RRT_IMAGE_BUILD;
}

void
rrt_image_free(struct rrt_image *im)
{
	if (im == NULL)
		return;
	if (im->zones != NULL)
		for (uint16_t i = 0; i < im->nzones; i++) {
			for (unsigned f = 0; f < im->zones[i].nfiles; f++)
				free(im->zones[i].files[f].path);
			free(im->zones[i].files);
			free(im->zones[i].name);
		}
	rrt_free(im->table);
	free(im->zones);
	free(im->slots);
	free(im);
}
