/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table image: a compiled record table saved to the state directory,
 * so that a restart serves at once instead of parsing every zone file again
 * (docs/table-image.md).
 *
 * An image holds the table's arrays as they are in memory, the identity of
 * every source file the table was compiled from (size, modification time,
 * SHA-256 of the octets read) and the failover records bound into it. It is
 * used only when every one of those still matches; whatever else is wrong
 * with it (torn, truncated, another version's, flipped bits) makes it
 * refused, and the zones are parsed as if there were none.
 *
 * Thread: any thread; nothing here touches shared state. The table returned
 * by rrt_image_read() is unpublished, like one from rrt_build().
 */

#ifndef SWERVE_RRT_IMAGE_H
#define SWERVE_RRT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "swerve/rrt.h"
#include "swerve/zone.h"

/* One source file of a zone in an image; files[0] is the zone file itself. */
struct rrt_image_file {
	char *path; /* As the zone read it (for files[0] not compared: the config names it). */
	struct zone_source id;
};

/* One zone of the table, in table order. */
struct rrt_image_zone {
	uint16_t cfg;	  /* Its index in the configuration the image was written under. */
	char *name;	  /* The apex in presentation form. */
	uint64_t records; /* Records parsed from its files. */
	unsigned nfiles;
	struct rrt_image_file *files;
};

/* A failover record bound into the table: the slot it takes must be the same. */
struct rrt_image_slot {
	uint16_t type;
	uint8_t name_len;
	uint8_t nkeys;
	uint8_t name[DNAME_MAXLEN];
	uint8_t key_alg[RRT_SLOT_MAX_KEYS];
	uint16_t key_tag[RRT_SLOT_MAX_KEYS];
};

struct rrt_image {
	struct rrt *table;	      /* slots[] are NULL: the caller binds its own. */
	uint16_t nzones;	      /* The table's zones... */
	uint32_t nslots;	      /* ...and slots, also once the table is taken. */
	struct rrt_image_zone *zones; /* nzones entries. */
	struct rrt_image_slot *slots; /* nslots entries. */
	int64_t written;	      /* Unix time the image was written. */
};

/* rrt_image_read_mem() flags. */
/* Skip the checksum and the version stamp: the fuzzer's way to the checks after them. */
#define RRT_IMAGE_NO_SUM 0x1

/*
 * Write @t, compiled from @zones (the table's zones in table order, each
 * with the configuration index in @cfg), to @path: to a temporary file in
 * the same directory first, then renamed over @path, so that @path always
 * names a whole image or none. Returns 0, or a negative code with @err set.
 */
int rrt_image_write(const char *path, const struct rrt *t, const struct zone *const *zones,
		    const uint16_t *cfg, char *err, size_t errlen);

/*
 * Read and check the image at @path. Returns 0 with *@out set; -ENOENT when
 * there is none; another negative code, with @err saying what is wrong,
 * when it cannot be used.
 */
int rrt_image_read(const char *path, struct rrt_image **out, char *err, size_t errlen);

/* The same from @len octets at @buf. */
int rrt_image_read_mem(const void *buf, size_t len, unsigned flags, struct rrt_image **out,
		       char *err, size_t errlen);

/* Whether @s describes @slot: same owner, type and signing keys. */
bool rrt_image_slot_is(const struct rrt_image_slot *s, const struct rrt_slot *slot);

/* The size, time and SHA-256 of the file at @path as it is now: 0 or a negative code. */
int rrt_image_identify(const char *path, struct zone_source *id);

/* The build whose images this one reads: the commit its table builder comes from. */
const char *rrt_image_build(void);

/* Free @im and its table unless the caller took it (set im->table to NULL). NULL is fine. */
void rrt_image_free(struct rrt_image *im);

#endif /* SWERVE_RRT_IMAGE_H */
