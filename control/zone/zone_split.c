/* SPDX-License-Identifier: BSD-3-Clause */
/* A large zone file read in chunks on threads, into the same struct zone as a serial read. */

/*
 * ldns is most of the time of a large load, and it reads one record at a
 * time from a stream, so the file is cut into chunks and each chunk is read
 * by zl_records() on a thread of its own, exactly as the serial read would
 * read that stretch of the file:
 *
 * - A chunk starts where the serial read starts a record: a pre-scan walks
 *   the file the way zl_records() and ldns's line reader do (parentheses,
 *   quotes, backslashes and comments as ldns counts them) and cuts only at
 *   a record that begins a line with an owner name of its own. ldns fills a
 *   blank owner from the previous record; an owner that is written never
 *   reads it, so the chunk needs nothing from the records before it.
 * - It starts in the $ORIGIN and $TTL in force there (the pre-scan runs
 *   each directive through zl_directive(), as the read does) and with the
 *   line count of the file so far.
 * - Each chunk has its own records and storage; they are joined in file
 *   order, and zone_load() then drops duplicates over the whole zone, so
 *   the first in file order is kept as before.
 * - The error is the first in file order: a chunk that fails stops the
 *   chunks after it, the chunks before it run to their end, and the first
 *   chunk that failed, in file order, gives its message.
 *
 * Every chunk is checked to have stopped exactly where the next one starts,
 * in the same $ORIGIN and $TTL: were the pre-scan ever wrong, the file is
 * read again serially rather than loaded differently. So is a file with an
 * $INCLUDE (the included file would belong to whichever chunk reached it)
 * and one with a WKS record, whose RDATA ldns reads with getservbyname(),
 * which is not thread-safe. The rest of what ldns calls while reading a
 * record allocates what it uses (ldns 1.8.3).
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "swerve/error.h"
#include "swerve/zone.h"

#include "zone_read.h"
#include "zone_records.h"
#include "zone_split.h"

/* Below this a file is read serially: threads would not pay for themselves. */
#define ZL_PAR_MIN_FILE (4u << 20)
/* The least a chunk holds, so the per-chunk costs stay small. */
#define ZL_PAR_MIN_CHUNK (1u << 20)
/* Chunks per thread: chunks of unequal cost (signed stretches, long TXT) even out. */
#define ZL_PAR_PER_THREAD  4
#define ZL_PAR_MAX_THREADS 16

/* Set by tests only (zone_load_set_split()); 0: the defaults. */
static unsigned zl_force_chunks;
static size_t zl_force_min;
static _Thread_local unsigned zl_used_chunks;

void
zone_load_set_split(unsigned chunks, size_t min_size)
{
	zl_force_chunks = chunks;
	zl_force_min = min_size;
}

unsigned
zone_load_split_used(void)
{
	return zl_used_chunks;
}

/* The characters that end ldns's record line outside parentheses, and that it skips after. */
static bool
zl_ldns_delim(unsigned char c)
{
	return c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * Where the stream stands after ldns reads the record line that starts at
 * @pos (ldns_rr_new_frm_fp_l(), through ldns_fget_token_l_st() with its
 * "\f\n\r\v" delimiters). Its rules, which differ from zl_balanced()'s:
 * a carriage return counts as a blank; a backslash protects the next
 * character, a newline included (a pair of them protects nothing); quotes
 * do not protect a newline; a newline ends the line only outside
 * parentheses and once something other than newlines, comments and
 * parentheses was read; one ')' too many ends it one character later; the
 * delimiters that follow are skipped.
 */
static size_t
zl_ldns_end(const char *buf, size_t len, size_t pos)
{
	bool comment = false, quoted = false, text = false;
	int depth = 0, prev = 0;

	while (pos < len) {
		int c = (unsigned char)buf[pos++];

		if (c == '\r')
			c = ' ';
		if ((c == '(' || c == ')') && prev != '\\' && !quoted) {
			if (!comment)
				depth += c == '(' ? 1 : -1;
			prev = c;
			continue;
		}
		if (depth < 0)
			return pos;
		if (c == ';' && !quoted && prev != '\\')
			comment = true;
		if (c == '"' && !comment && prev != '\\')
			quoted = !quoted;
		if (comment || (c == '\n' && depth != 0)) {
			if (c == '\n')
				comment = false;
			if (c == '\n' && depth == 0 && text)
				break;
			prev = c;
			continue;
		}
		if (zl_ldns_delim((unsigned char)c) && text && prev != '\\' && depth == 0)
			break;
		text = text || c != '\n';
		prev = c == '\\' && prev == '\\' ? 0 : c;
	}
	while (pos < len && zl_ldns_delim((unsigned char)buf[pos]))
		pos++;
	return pos;
}

/*
 * May a chunk start at @start, where the serial read starts a record? Only
 * at the start of a line and with an owner name that ldns reads as one
 * (not a blank, which takes the previous owner, nor what its line reader
 * treats specially).
 */
static bool
zl_cut_ok(const char *buf, size_t start)
{
	unsigned char c = (unsigned char)buf[start];

	return start > 0 && buf[start - 1] == '\n' && c > ' ' && c != 0x7f &&
	       strchr(";$()\"\\", c) == NULL;
}

/* Where a chunk starts, and what is in force there. */
struct zl_cut {
	size_t at;
	int line; /* Newlines before @at. */
	uint32_t ttl;
	ldns_rdf *origin;
};

static int
zl_cut_add(struct zl_cut *cut, struct zl_src *st, size_t *at, size_t start)
{
	zl_advance(st, at, start);
	*cut = (struct zl_cut){.at = start, .line = st->line, .ttl = st->ttl};
	cut->origin = ldns_rdf_clone(st->origin);
	return cut->origin != NULL ? 0 : -ENOMEM;
}

/* The directive at @s (@n octets) is an $INCLUDE, or may be read as one. */
static bool
zl_is_include(const char *s, size_t n)
{
	return n >= 8 && strncasecmp(s, "$INCLUDE", 8) == 0;
}

/*
 * Walk @src as zl_records() reads it and cut it into at most @max chunks
 * about @spacing octets apart: @cuts[0] is the file's start. The count to
 * *@n; 0, ZL_SERIAL (an $INCLUDE) or -ENOMEM.
 */
static int
zl_plan(const struct zl_src *src, size_t spacing, struct zl_cut *cuts, size_t max, size_t *n)
{
	struct sw_diag scratch;
	struct zl q = {.diag = &scratch};
	struct zl_src st = {.path = src->path, .buf = src->buf, .len = src->len, .ttl = src->ttl};
	const char *buf = src->buf;
	size_t len = src->len, pos = 0, at = 0, target = spacing;
	int rc = -ENOMEM;

	*n = 0;
	st.origin = ldns_rdf_clone(src->origin);
	if (st.origin == NULL || zl_cut_add(&cuts[(*n)++], &st, &at, 0) < 0)
		goto out;
	for (;;) {
		size_t start = zl_skip(buf, len, pos), bol = start;

		if (start >= len)
			break;
		if (buf[start] == '$') {
			const char *nl = memchr(buf + start, '\n', len - start);
			size_t eol = nl != NULL ? (size_t)(nl - buf) : len;

			if (zl_is_include(buf + start, eol - start)) {
				rc = ZL_SERIAL;
				goto out;
			}
			/* A bad one stops the read there: no cut after it matters. */
			if (zl_directive(&q, &st, start, eol, 0) < 0)
				break;
			pos = eol;
			continue;
		}
		if (start >= target && *n < max && zl_cut_ok(buf, start)) {
			if (zl_cut_add(&cuts[(*n)++], &st, &at, start) < 0)
				goto out;
			target = start + spacing;
		}
		/* As zl_records(): ldns gets the line from its first column. */
		while (bol > pos && buf[bol - 1] != '\n')
			bol--;
		pos = zl_ldns_end(buf, len, bol);
	}
	rc = 0;
out:
	ldns_rdf_deep_free(st.origin);
	return rc;
}

/* One chunk being read: its own loader state, records and message. */
struct zl_part {
	struct zl p;
	struct zl_src src;
	struct zone z;
	struct sw_diag diag;
	int rc;
};

/* One parallel read: the chunks, and the next one a thread takes. */
struct zl_par {
	const struct zl_src *file;
	const struct zl_cut *cuts;
	struct zl_part *parts;
	size_t n;
	atomic_size_t next;
	atomic_size_t first_fail; /* The first chunk in file order that failed, or n. */
};

/* A thread reading chunks; its storage holds the names and RDATA of all of them. */
struct zl_worker {
	struct zl_par *par;
	struct zl_store *st;
	pthread_t tid;
};

/* Read chunk @k with storage from @st. */
static int
zl_part_read(struct zl_par *par, size_t k, struct zl_store *st)
{
	struct zl_part *part = &par->parts[k];
	const struct zl_cut *cut = &par->cuts[k];
	struct zl_src *src = &part->src;
	int rc;

	part->p = (struct zl){
		.z = &part->z,
		.st = st,
		.diag = &part->diag,
		.first_fail = &par->first_fail,
		.chunk = k,
	};
	*src = *par->file;
	src->fp = NULL;
	src->prev = NULL;
	src->from = cut->at;
	src->to = k + 1 < par->n ? cut[1].at : src->len;
	src->line = cut->line;
	src->ttl = cut->ttl;
	src->origin = ldns_rdf_clone(cut->origin);
	if (src->origin == NULL)
		return -ENOMEM;
	/* The whole file, so ldns reads the chunk's last record exactly as the serial read does. */
	src->fp = fmemopen(src->buf, src->len, "r");
	if (src->fp == NULL)
		return -errno;
	__fsetlocking(src->fp, FSETLOCKING_BYCALLER);
	rc = zl_records(&part->p, src);
	fclose(src->fp);
	src->fp = NULL;
	return rc;
}

static void *
zl_work(void *arg)
{
	struct zl_worker *w = arg;
	struct zl_par *par = w->par;
	size_t k;

	/* Chunks go out in file order, so a failure can only cancel chunks after it. */
	while ((k = atomic_fetch_add(&par->next, 1)) < par->n) {
		struct zl_part *part = &par->parts[k];
		size_t first = atomic_load(&par->first_fail);

		part->rc = first < k ? -ECANCELED : zl_part_read(par, k, w->st);
		if (part->rc == -ECANCELED || part->rc >= 0)
			continue;
		while (k < first && !atomic_compare_exchange_weak(&par->first_fail, &first, k))
			;
	}
	return NULL;
}

/* Chunk @k stopped where chunk @k + 1 starts, in the $ORIGIN and $TTL the pre-scan found there. */
static bool
zl_part_joins(const struct zl_par *par, size_t k)
{
	const struct zl_src *src = &par->parts[k].src;
	const struct zl_cut *cut = &par->cuts[k + 1];

	if (k + 1 == par->n)
		return src->next >= src->len;
	return src->next == cut->at && src->ttl == cut->ttl &&
	       ldns_rdf_size(src->origin) == ldns_rdf_size(cut->origin) &&
	       memcmp(ldns_rdf_data(src->origin), ldns_rdf_data(cut->origin),
		      ldns_rdf_size(src->origin)) == 0;
}

/* The records of every chunk, in file order, into @p (which has none yet). */
static int
zl_merge(struct zl *p, struct zl_par *par)
{
	struct zl_part *first = &par->parts[0];
	size_t total = 0, at;
	struct zone_rr *rrs;
	uint64_t *keys;

	for (size_t k = 0; k < par->n; k++)
		total += par->parts[k].z.nrrs;
	if (total == 0)
		return 0;
	rrs = realloc(first->z.rrs, total * sizeof(*rrs));
	if (rrs == NULL)
		return -ENOMEM;
	first->z.rrs = rrs;
	keys = realloc(first->p.keys, total * sizeof(*keys));
	if (keys == NULL)
		return -ENOMEM;
	first->p.keys = keys;
	at = first->z.nrrs;
	for (size_t k = 1; k < par->n; k++) {
		const struct zl_part *part = &par->parts[k];

		memcpy(rrs + at, part->z.rrs, part->z.nrrs * sizeof(*rrs));
		memcpy(keys + at, part->p.keys, part->z.nrrs * sizeof(*keys));
		at += part->z.nrrs;
	}
	p->z->rrs = rrs;
	p->z->nrrs = total;
	p->keys = keys;
	p->cap = total;
	first->z.rrs = NULL;
	first->p.keys = NULL;
	return 0;
}

/*
 * The chunks in file order: the first that failed gives the error (all
 * before it were read to their end), a WKS record or a chunk that does not
 * join the next sends the file back to the serial read, else the merge.
 */
static int
zl_collect(struct zl *p, struct zl_par *par)
{
	for (size_t k = 0; k < par->n; k++) {
		const struct zl_part *part = &par->parts[k];

		if (part->rc == -ECANCELED || part->p.wks)
			return ZL_SERIAL;
		if (part->rc < 0) {
			if (part->diag.code != 0 && p->diag != NULL)
				*p->diag = part->diag;
			return part->rc;
		}
		if (!zl_part_joins(par, k))
			return ZL_SERIAL;
	}
	return zl_merge(p, par);
}

static void
zl_parts_free(struct zl_par *par)
{
	for (size_t k = 0; k < par->n; k++) {
		struct zl_part *part = &par->parts[k];

		free(part->z.rrs);
		free(part->p.keys);
		if (part->src.origin != NULL)
			ldns_rdf_deep_free(part->src.origin);
		if (part->src.prev != NULL)
			ldns_rdf_deep_free(part->src.prev);
	}
	free(par->parts);
}

/* Read the @n chunks at @cuts on @threads threads (this one included) into @p. */
static int
zl_run(struct zl *p, const struct zl_src *src, const struct zl_cut *cuts, size_t n,
       unsigned threads)
{
	struct zl_par par = {.file = src, .cuts = cuts, .n = n, .first_fail = n};
	struct zl_worker w[ZL_PAR_MAX_THREADS] = {{0}};
	unsigned started = 1;
	int rc = -ENOMEM;

	par.parts = calloc(n, sizeof(*par.parts));
	if (par.parts == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < threads; i++) {
		w[i].par = &par;
		w[i].st = calloc(1, sizeof(*w[i].st));
		if (w[i].st == NULL)
			goto out;
	}
	/* A thread that cannot be started leaves its share to the others. */
	while (started < threads &&
	       pthread_create(&w[started].tid, NULL, zl_work, &w[started]) == 0)
		started++;
	zl_work(&w[0]);
	for (unsigned i = 1; i < started; i++)
		pthread_join(w[i].tid, NULL);
	rc = zl_collect(p, &par);
out:
	for (unsigned i = 0; i < threads; i++) {
		if (rc == 0)
			zl_store_adopt(p->st, w[i].st);
		else
			zl_store_free(w[i].st);
	}
	zl_parts_free(&par);
	return rc;
}

/* The CPUs the calling thread may run on: the loader's affinity leaves out the workers' cores. */
static unsigned
zl_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	return (unsigned)CPU_COUNT(&set);
}

int
zl_parallel(struct zl *p, struct zl_src *src)
{
	unsigned threads = zl_cpus(), chunks;
	size_t min = zl_force_min != 0 ? zl_force_min : ZL_PAR_MIN_CHUNK;
	struct zl_cut *cuts;
	size_t n = 0;
	int rc;

	zl_used_chunks = 0;
	if (zl_force_chunks != 0) {
		/* Two threads at least, so that tests on one CPU still run chunks side by side. */
		chunks = zl_force_chunks;
		threads = threads < 2 ? 2 : threads;
	} else {
		if (src->len < ZL_PAR_MIN_FILE || threads < 2)
			return ZL_SERIAL;
		threads = threads < ZL_PAR_MAX_THREADS ? threads : ZL_PAR_MAX_THREADS;
		chunks = threads * ZL_PAR_PER_THREAD;
	}
	threads = threads < ZL_PAR_MAX_THREADS ? threads : ZL_PAR_MAX_THREADS;
	if (chunks > src->len / min)
		chunks = (unsigned)(src->len / min);
	if (chunks < 2)
		return ZL_SERIAL;
	cuts = calloc(chunks, sizeof(*cuts));
	if (cuts == NULL)
		return -ENOMEM;
	rc = zl_plan(src, src->len / chunks > min ? src->len / chunks : min, cuts, chunks, &n);
	if (rc == 0 && n < 2)
		rc = ZL_SERIAL;
	if (rc == 0) {
		rc = zl_run(p, src, cuts, n, n < threads ? (unsigned)n : threads);
		zl_used_chunks = rc != ZL_SERIAL ? (unsigned)n : 0;
	}
	for (size_t i = 0; i < n; i++)
		ldns_rdf_deep_free(cuts[i].origin);
	free(cuts);
	return rc;
}
