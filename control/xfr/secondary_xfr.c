/* SPDX-License-Identifier: BSD-3-Clause */
/* The secondary transfer thread: reads local copies back, asks primaries, writes new copies. */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "swerve/config.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "swerve/secondary.h"
#include "swerve/xfr.h"

#include "secondary_xfr.h"

/* RFC 1982 serial arithmetic, kept local so the state machine does not need the xfr library. */
static bool
sec_serial_newer(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

void
sec_queue_push(struct sec_queue *q, struct sec_job *j)
{
	j->next = NULL;
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
}

struct sec_job *
sec_queue_pop(struct sec_queue *q)
{
	struct sec_job *j = q->head;

	if (j != NULL) {
		q->head = j->next;
		if (q->head == NULL)
			q->tail = NULL;
	}
	return j;
}

/* The SOA's serial and one of its timers (3 refresh, 4 retry, 5 expire), from records held. */
bool
sec_soa_field(const ldns_rr_list *rrs, size_t field, uint32_t *out)
{
	const ldns_rr *soa;
	const ldns_rdf *rdf;

	if (rrs == NULL || ldns_rr_list_rr_count(rrs) == 0)
		return false;
	soa = ldns_rr_list_rr(rrs, 0);
	if (ldns_rr_get_type(soa) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(soa) < 7)
		return false;
	rdf = ldns_rr_rdf(soa, field);
	if (rdf == NULL)
		return false;
	*out = ldns_rdf2native_int32(rdf);
	return true;
}

/* Mark the copy as current as of now: its mtime is the last successful refresh. */
static void
sec_touch(const char *path)
{
	if (utimensat(AT_FDCWD, path, NULL, 0) < 0 && errno != ENOENT)
		sw_warn("%s: cannot update its time: %s", path, strerror(errno));
}

/* Write @rrs to the local copy; the outcome in the job. */
static void
sec_job_write(const struct secondary *s, struct sec_job *j, const ldns_rr_list *rrs)
{
	const struct sec_zone *z = j->z;

	j->wrote = true;
	j->write_err[0] = '\0';
	j->write_rc = s->ops.zone_write(z->cz->file, z->apex, rrs, j->write_err,
					sizeof(j->write_err));
}

static void
sec_job_run(const struct secondary *s, struct sec_job *j)
{
	const struct sec_zone *z = j->z;
	const ldns_rr_list *cur = j->current;
	uint32_t timeout = s->cfg->xfr_timeout_ms;
	char err[sizeof(j->err)];
	uint32_t have = 0, serial;
	struct stat st;
	size_t used = 0;
	int rc = -EHOSTUNREACH;

	j->primary = -1;
	if (j->write_only) {
		sec_job_write(s, j, j->current);
		j->rc = 0;
		return;
	}
	if (j->read_local && stat(z->cz->file, &st) == 0) {
		j->mtime = (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec / 1e9;
		if (s->ops.zone_read(z->cz->file, z->apex, &j->read, err, sizeof(err)) < 0) {
			sw_warn("secondary zone %s: local copy not usable for IXFR: %s", z->apex,
				err);
			j->read = NULL;
		}
		if (j->read != NULL)
			cur = j->read;
	}
	if (j->axfr)
		cur = NULL;
	sec_soa_field(cur, 2, &have);
	j->err[0] = '\0';
	for (size_t i = 0; i < z->nprims; i++) {
		const struct xfr_primary *p = &z->prims[i];

		err[0] = '\0';
		if (cur != NULL) {
			rc = s->ops.soa_serial(p, z->apex, timeout, &serial, err, sizeof(err));
			if (rc == 0 && !sec_serial_newer(serial, have)) {
				j->uptodate = true;
				j->primary = (int)i;
				if (serial != have)
					sw_info("secondary zone %s: primary serial %u is older "
						"than "
						"ours (%u): kept",
						z->apex, serial, have);
				break;
			}
		}
		if (cur == NULL || rc == 0)
			rc = s->ops.transfer(p, z->apex, cur, z->cz->ixfr && !j->axfr, timeout,
					     &j->res, err, sizeof(err));
		if (rc == 0 && j->res.kind == XFR_UPTODATE) {
			j->uptodate = true;
			j->primary = (int)i;
			break;
		}
		if (rc == 0) {
			/*
			 * Loaded from the exact text of the local copy-to-be, with the
			 * loader's own reader, before anything is served or written: a
			 * zone our loader cannot read back is refused here, whole.
			 */
			j->primary = (int)i;
			rc = s->ops.zone_parse(z->apex, j->res.rrs, &j->parsed, err, sizeof(err));
			if (rc < 0) {
				xfr_result_clear(&j->res);
				snprintf(j->err, sizeof(j->err), "transferred zone refused: %s", err);
			}
			break;
		}
		/* Every primary's reason, so one down and one broken both show. */
		used += (size_t)snprintf(
			j->err + used, used < sizeof(j->err) ? sizeof(j->err) - used : 0, "%s%s",
			used > 0 ? "; " : "", err[0] != '\0' ? err : sw_strerror(rc));
		if (used >= sizeof(j->err))
			used = sizeof(j->err) - 1;
	}
	/* Nothing newer to write: a copy left behind by a failed write is written again. */
	if (j->rewrite && j->res.rrs == NULL && j->current != NULL)
		sec_job_write(s, j, j->current);
	if (j->uptodate) {
		/* The copy's time says "current as of now" only when it holds what is served. */
		if (!j->rewrite || (j->wrote && j->write_rc == 0))
			sec_touch(z->cz->file);
		rc = 0;
	}
	j->rc = rc;
}

void *
sec_thread(void *arg)
{
	struct secondary *s = arg;
	struct sec_job *j;
	uint64_t one = 1;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (s->req.head == NULL && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		j = s->stop ? NULL : sec_queue_pop(&s->req);
		pthread_mutex_unlock(&s->mu);
		if (j == NULL)
			break;
		sec_job_run(s, j);
		pthread_mutex_lock(&s->mu);
		sec_queue_push(&s->res, j);
		pthread_mutex_unlock(&s->mu);
		if (write(s->efd, &one, sizeof(one)) < 0) {
			/* Cannot overflow in practice; the result is queued either way. */
		}
	}
	return NULL;
}
