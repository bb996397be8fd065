/* SPDX-License-Identifier: BSD-3-Clause */
/* NOTIFY (RFC 1996) for secondary zones on the kernel side of the service addresses, and metrics.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "swerve/config.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/log.h"
#include "swerve/metrics.h"
#include "swerve/secondary.h"
#include "swerve/svc_addr.h"
#include "swerve/xfr.h"

#include "secondary_core.h"
#include "secondary_notify.h"

#define SEC_RCODE_NOERROR 0
#define SEC_RCODE_REFUSED 5
#define SEC_RCODE_NOTAUTH 9

/* A NOTIFY is one question and an SOA: anything near a full datagram is not one. */
#define SEC_NOTIFY_MAX 4096

/*
 * NOTIFY that is refused (a zone we are not secondary for, a sender that is
 * not a primary of the zone, a signature that does not verify) costs the
 * control side a reply and a log line, and anyone can send it from any
 * address. So refusals share one token bucket, whichever the thread (UDP
 * on the control thread, TCP on the listener's): SEC_REJECT_RATE answers
 * per second, SEC_REJECT_BURST deep; past it the NOTIFY gets no answer at
 * all. The log gets the first refusal of each SEC_REJECT_LOG_MS interval in
 * full and one summary line for the rest, never a line per packet.
 */
#define SEC_REJECT_RATE	  10
#define SEC_REJECT_BURST  20
#define SEC_REJECT_LOG_MS 10000

enum sec_reject {
	SEC_REJ_ZONE = 0, /* Not a secondary zone here. */
	SEC_REJ_PRIMARY,  /* Not from a primary of the zone. */
	SEC_REJ_TSIG,	  /* From a primary's address, but unsigned or the key does not verify. */
	SEC_REJ_MAX,
};

/* Any thread: under mu. */
static struct {
	pthread_mutex_t mu;
	uint64_t tokens_ms; /* Bucket in milliseconds of refill: an answer costs 1000 / rate. */
	uint64_t last_ms;
	uint64_t win_ms;		 /* Start of the current log interval, 0: none yet. */
	uint64_t win_count[SEC_REJ_MAX]; /* Refusals in it not logged one by one. */
	uint64_t win_silent;		 /* Of those, not answered (over the bucket). */
} sec_rej = {.mu = PTHREAD_MUTEX_INITIALIZER};

/*
 * The TCP listener's hand-off to the control thread: it only marks the
 * zone and wakes the loop, which then starts the refresh itself. The
 * eventfd is published with a release store once the control thread set it
 * up (secondary_notify_open()); -1 before that.
 */
static int sec_handoff_fd = -1;
static uint8_t *sec_handoff_zone; /* Per zone: 1 when a NOTIFY asked for a refresh. */
static struct evloop_timer sec_rej_timer;
static struct evloop *sec_rej_loop;

/* Is @from the address (any port: NOTIFY comes from an ephemeral one) of primary @p? */
static bool
sec_from_primary(const struct xfr_primary *p, const struct sockaddr *from)
{
	if (from->sa_family == AF_INET && p->addr.ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)from)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)&p->addr)->sin_addr.s_addr;
	if (from->sa_family == AF_INET6 && p->addr.ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)(const void *)from)->sin6_addr,
			      &((const struct sockaddr_in6 *)&p->addr)->sin6_addr,
			      sizeof(struct in6_addr)) == 0;
	/* A v4-mapped source on an IPv6 socket. */
	if (from->sa_family == AF_INET6 && p->addr.ss_family == AF_INET) {
		const struct in6_addr *a =
			&((const struct sockaddr_in6 *)(const void *)from)->sin6_addr;

		return IN6_IS_ADDR_V4MAPPED(a) &&
		       memcmp(&a->s6_addr[12],
			      &((const struct sockaddr_in *)&p->addr)->sin_addr.s_addr, 4) == 0;
	}
	return false;
}

static void
sec_addr_text(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, a,
			  sizeof(a));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, a,
			  sizeof(a));
	snprintf(buf, len, "%s", a);
}

static size_t
sec_reply(struct secondary *s, const uint8_t *msg, size_t len, const struct xfr_tsig *key,
	  uint8_t rcode, uint8_t *resp, size_t cap)
{
	int n = xfr_notify_reply(msg, len, key, rcode, resp, cap);

	__atomic_add_fetch(rcode == SEC_RCODE_NOERROR ? &s->notify_ok : &s->notify_refused, 1,
			   __ATOMIC_RELAXED);
	return n > 0 ? (size_t)n : 0;
}

static const char *const sec_reject_what[SEC_REJ_MAX] = {
	"not a secondary zone here",
	"not a primary of the zone",
	"TSIG missing or wrong",
};

/* Log the interval's summary, if it has anything, and start a new one. Under sec_rej.mu. */
static void
sec_reject_flush(uint64_t now)
{
	uint64_t n = sec_rej.win_count[0] + sec_rej.win_count[1] + sec_rej.win_count[2];

	if (n != 0)
		sw_notice("NOTIFY: %" PRIu64 " more refused in the last %" PRIu64 " s (%" PRIu64
			  " for zones not here, %" PRIu64 " not from a primary, %" PRIu64
			  " with a bad or missing TSIG), %" PRIu64 " of them not answered over the "
			  "limit of %d/s",
			  n, (now - sec_rej.win_ms + 999) / 1000, sec_rej.win_count[SEC_REJ_ZONE],
			  sec_rej.win_count[SEC_REJ_PRIMARY], sec_rej.win_count[SEC_REJ_TSIG],
			  sec_rej.win_silent, SEC_REJECT_RATE);
	memset(sec_rej.win_count, 0, sizeof(sec_rej.win_count));
	sec_rej.win_silent = 0;
	sec_rej.win_ms = n != 0 ? now : 0;
}

/*
 * A NOTIFY is refused for @why: whether it may be answered (the bucket has
 * room), and whether this one is logged in full (the first of an interval).
 */
static bool
sec_reject(enum sec_reject why, bool *log_it)
{
	const uint64_t cost = 1000 / SEC_REJECT_RATE, cap = cost * SEC_REJECT_BURST;
	uint64_t now = evloop_now_ms();
	bool answer;

	pthread_mutex_lock(&sec_rej.mu);
	if (sec_rej.last_ms == 0)
		sec_rej.tokens_ms = cap;
	else
		sec_rej.tokens_ms += now - sec_rej.last_ms;
	sec_rej.last_ms = now;
	if (sec_rej.tokens_ms > cap)
		sec_rej.tokens_ms = cap;
	answer = sec_rej.tokens_ms >= cost;
	if (answer)
		sec_rej.tokens_ms -= cost;
	if (sec_rej.win_ms != 0 && now - sec_rej.win_ms >= SEC_REJECT_LOG_MS)
		sec_reject_flush(now);
	if (sec_rej.win_ms == 0) {
		sec_rej.win_ms = now;
		*log_it = true;
	} else {
		sec_rej.win_count[why]++;
		sec_rej.win_silent += !answer;
		*log_it = false;
	}
	pthread_mutex_unlock(&sec_rej.mu);
	return answer;
}

/* Control thread: the interval's summary even when no further NOTIFY comes. */
static void
sec_reject_tick(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sec_rej.mu);
	if (sec_rej.win_ms != 0 && evloop_now_ms() - sec_rej.win_ms >= SEC_REJECT_LOG_MS)
		sec_reject_flush(evloop_now_ms());
	pthread_mutex_unlock(&sec_rej.mu);
	if (sec_rej_loop != NULL)
		evloop_timer_arm(sec_rej_loop, &sec_rej_timer, SEC_REJECT_LOG_MS);
}

/* Refuse with @rcode for @why: answered and logged within the limits above. */
static size_t
sec_refuse(struct secondary *s, const uint8_t *msg, size_t len, enum sec_reject why,
	   uint8_t rcode, const char *zone, const char *who, uint8_t *resp, size_t cap)
{
	bool log_it;

	if (!sec_reject(why, &log_it)) {
		__atomic_add_fetch(&s->notify_refused, 1, __ATOMIC_RELAXED);
		if (log_it)
			sw_notice("NOTIFY for %s from %s refused: %s (not answered: over %d/s; "
				  "further ones are summed up every %d s)",
				  zone, who, sec_reject_what[why], SEC_REJECT_RATE,
				  SEC_REJECT_LOG_MS / 1000);
		return 0;
	}
	if (log_it)
		sw_notice("NOTIFY for %s from %s refused: %s (further ones are summed up every %d s)",
			  zone, who, sec_reject_what[why], SEC_REJECT_LOG_MS / 1000);
	return sec_reply(s, msg, len, NULL, rcode, resp, cap);
}

/*
 * Have the control thread refresh @z. On the control thread's own loop, or
 * from the TCP listener's thread, only the hand-off is touched: a flag per
 * zone and an eventfd, both set up before they were published. Without the
 * hand-off (no NOTIFY sockets: tests), the zone's refresh is posted directly.
 */
static void
sec_notify_refresh(struct sec_zone *z)
{
	int fd = __atomic_load_n(&sec_handoff_fd, __ATOMIC_ACQUIRE);
	uint64_t one = 1;

	if (fd < 0) {
		sec_refresh_post(z);
		return;
	}
	__atomic_store_n(&sec_handoff_zone[z - z->s->zones], 1, __ATOMIC_RELEASE);
	if (write(fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, so a wake-up is pending anyway. */
	}
}

/* Control thread: refresh the zones the hand-off marked. */
static void
sec_on_handoff(void *arg, int fd, uint32_t events)
{
	struct secondary *s = arg;
	uint64_t cnt;

	(void)events;
	if (read(fd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: taken by an earlier call. */
	}
	for (size_t i = 0; i < s->nzones; i++)
		if (__atomic_exchange_n(&sec_handoff_zone[i], 0, __ATOMIC_ACQ_REL))
			sec_refresh_post(&s->zones[i]);
}

size_t
secondary_notify_input(struct secondary *s, const uint8_t *msg, size_t len,
		       const struct sockaddr *from, uint8_t *resp, size_t cap)
{
	struct xfr_notify n;
	struct sec_zone *z = NULL;
	const struct xfr_primary *p = NULL;
	char who[INET6_ADDRSTRLEN];

	if (xfr_notify_parse(msg, len, &n) < 0) {
		__atomic_add_fetch(&s->notify_bad, 1, __ATOMIC_RELAXED);
		return 0;
	}
	sec_addr_text(from, who, sizeof(who));
	for (size_t i = 0; i < s->nzones && z == NULL; i++)
		if (strcasecmp(s->zones[i].apex, n.zone) == 0)
			z = &s->zones[i];
	if (z == NULL)
		return sec_refuse(s, msg, len, SEC_REJ_ZONE, SEC_RCODE_NOTAUTH, n.zone, who, resp,
				  cap);
	/* The first primary with that address; with a key, the one whose key verifies. */
	for (size_t i = 0; i < z->nprims; i++) {
		const struct xfr_primary *c = &z->prims[i];

		if (!sec_from_primary(c, from))
			continue;
		if (c->tsig == NULL || (n.signed_ && strcasecmp(n.key_name, c->tsig->name) == 0 &&
					xfr_notify_verify(msg, len, c->tsig) == 0)) {
			p = c;
			break;
		}
		if (p == NULL)
			p = c; /* Remember it was a primary: a key problem is NOTAUTH, not REFUSED.
				*/
	}
	if (p == NULL)
		return sec_refuse(s, msg, len, SEC_REJ_PRIMARY, SEC_RCODE_REFUSED, z->apex, who,
				  resp, cap);
	if (p->tsig != NULL && !(n.signed_ && strcasecmp(n.key_name, p->tsig->name) == 0 &&
				 xfr_notify_verify(msg, len, p->tsig) == 0))
		return sec_refuse(s, msg, len, SEC_REJ_TSIG, SEC_RCODE_NOTAUTH, z->apex, who, resp,
				  cap);
	__atomic_add_fetch(&z->info.notifies, 1, __ATOMIC_RELAXED);
	/*
	 * Only what this thread may read: the zone's own serial belongs to the
	 * control thread (this may run on the TCP listener's).
	 */
	if (n.has_serial)
		sw_info("NOTIFY for %s from %s: serial %u", z->apex, who, n.serial);
	else
		sw_info("NOTIFY for %s from %s", z->apex, who);
	sec_notify_refresh(z);
	return sec_reply(s, msg, len, p->tsig, SEC_RCODE_NOERROR, resp, cap);
}

static void
sec_on_notify(void *arg, int fd, uint32_t events)
{
	struct secondary *s = arg;
	uint8_t msg[SEC_NOTIFY_MAX];
	uint8_t resp[SEC_NOTIFY_MAX];

	(void)events;
	/* A bounded batch: a flood must not starve the rest of the loop. */
	for (int i = 0; i < 32; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t r =
			recvfrom(fd, msg, sizeof(msg), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		size_t out;

		if (r < 0)
			return;
		out = secondary_notify_input(s, msg, (size_t)r, (struct sockaddr *)&from, resp,
					     sizeof(resp));
		if (out > 0 &&
		    sendto(fd, resp, out, MSG_DONTWAIT, (struct sockaddr *)&from, fl) < 0)
			sw_debug("NOTIFY reply: %s", strerror(errno));
	}
}

int
secondary_notify_open(struct secondary *s, uint16_t port)
{
	int rc;

	if (s->nzones == 0 || s->cfg->naddrs == 0)
		return 0;
	s->nfds = calloc(s->cfg->naddrs, sizeof(*s->nfds));
	if (s->nfds == NULL)
		return -ENOMEM;
	if (sec_handoff_fd < 0) {
		int hfd;

		sec_handoff_zone = calloc(s->nzones, 1);
		hfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (sec_handoff_zone == NULL || hfd < 0) {
			rc = sec_handoff_zone == NULL ? -ENOMEM : -errno;
			if (hfd >= 0)
				close(hfd);
			goto fail;
		}
		rc = evloop_add(s->loop, hfd, EPOLLIN, sec_on_handoff, s);
		if (rc < 0) {
			close(hfd);
			goto fail;
		}
		/* Published last: a reader that sees the fd sees the flags too. */
		__atomic_store_n(&sec_handoff_fd, hfd, __ATOMIC_RELEASE);
		sec_rej_loop = s->loop;
		evloop_timer_init(&sec_rej_timer, sec_reject_tick, NULL);
		evloop_timer_arm(s->loop, &sec_rej_timer, SEC_REJECT_LOG_MS);
	}
	for (size_t i = 0; i < s->cfg->naddrs; i++) {
		int fd = svc_addr_bind(&s->cfg->addrs[i], SOCK_DGRAM, port);

		if (fd < 0) {
			rc = fd;
			goto fail;
		}
		rc = evloop_add(s->loop, fd, EPOLLIN, sec_on_notify, s);
		if (rc < 0) {
			close(fd);
			goto fail;
		}
		s->nfds[s->nnfds++] = fd;
	}
	return 0;
fail:
	sec_notify_close(s);
	return rc;
}

void
sec_notify_close(struct secondary *s)
{
	for (size_t i = 0; i < s->nnfds; i++) {
		evloop_del(s->loop, s->nfds[i]);
		close(s->nfds[i]);
	}
	free(s->nfds);
	s->nfds = NULL;
	s->nnfds = 0;
	/* The TCP listener has stopped by now (it starts after us and stops before). */
	if (sec_handoff_fd >= 0) {
		int hfd = sec_handoff_fd;

		__atomic_store_n(&sec_handoff_fd, -1, __ATOMIC_RELEASE);
		evloop_del(s->loop, hfd);
		close(hfd);
	}
	if (sec_rej_loop != NULL)
		evloop_timer_cancel(sec_rej_loop, &sec_rej_timer);
	sec_rej_loop = NULL;
	free(sec_handoff_zone);
	sec_handoff_zone = NULL;
}

/* ---- metrics ---- */

static void
sec_label(const struct sec_zone *z, char *buf, size_t len)
{
	size_t n = strlen(z->apex);

	if (n > 1)
		n--;
	snprintf(buf, len, "%.*s", (int)n, z->apex);
}

static void
sec_metrics(void *ctx, struct metrics_out *o)
{
	struct secondary *s = ctx;
	char zone[256];

	if (s->nzones == 0)
		return;
	metrics_family(o, "swerve_xfr_transfers_total", "counter",
		       "Zone transfers served (written, loaded and published), by kind.");
	for (size_t i = 0; i < s->nzones; i++) {
		sec_label(&s->zones[i], zone, sizeof(zone));
		metrics_sample_u64(o, "swerve_xfr_transfers_total", s->zones[i].info.transfers[0],
				   "zone", zone, "kind", "axfr", (char *)NULL);
		metrics_sample_u64(o, "swerve_xfr_transfers_total", s->zones[i].info.transfers[1],
				   "zone", zone, "kind", "ixfr", (char *)NULL);
	}
	metrics_family(o, "swerve_xfr_failures_total", "counter",
		       "Refreshes and transfers that failed (nothing served changed).");
	for (size_t i = 0; i < s->nzones; i++) {
		sec_label(&s->zones[i], zone, sizeof(zone));
		metrics_sample_u64(o, "swerve_xfr_failures_total", s->zones[i].info.failures,
				   "zone", zone, (char *)NULL);
	}
	metrics_family(o, "swerve_xfr_expire_seconds", "gauge",
		       "Seconds until the secondary zone expires (0: expired or no data).");
	for (size_t i = 0; i < s->nzones; i++) {
		const struct secondary_info *si = secondary_zone_info(s, s->zones[i].idx);
		double left = si->expires > 0 ? si->expires - sec_wall_now() : 0;

		sec_label(&s->zones[i], zone, sizeof(zone));
		metrics_sample_double(o, "swerve_xfr_expire_seconds", left > 0 ? left : 0, "zone",
				      zone, (char *)NULL);
	}
	metrics_family(o, "swerve_xfr_zone_expired", "gauge",
		       "1 when the secondary zone is expired and not served.");
	for (size_t i = 0; i < s->nzones; i++) {
		sec_label(&s->zones[i], zone, sizeof(zone));
		metrics_sample_u64(o, "swerve_xfr_zone_expired", s->zones[i].info.expired, "zone",
				   zone, (char *)NULL);
	}
	metrics_family(o, "swerve_xfr_limit_aborts_total", "counter",
		       "Transfers aborted over xfr.max-size or xfr.max-records (nothing served "
		       "changed).");
	for (size_t i = 0; i < s->nzones; i++) {
		sec_label(&s->zones[i], zone, sizeof(zone));
		metrics_sample_u64(o, "swerve_xfr_limit_aborts_total",
				   s->zones[i].info.limit_aborts, "zone", zone, (char *)NULL);
	}
	metrics_family(o, "swerve_xfr_write_failures_total", "counter",
		       "Writes of the zone's local copy that failed (disk full, I/O error).");
	for (size_t i = 0; i < s->nzones; i++) {
		sec_label(&s->zones[i], zone, sizeof(zone));
		metrics_sample_u64(o, "swerve_xfr_write_failures_total",
				   s->zones[i].info.write_failures, "zone", zone, (char *)NULL);
	}
	metrics_family(o, "swerve_xfr_local_copy_stale", "gauge",
		       "1 while the local copy on disk is older than the zone served (alert when "
		       "it stays 1: a restart would serve the older copy).");
	for (size_t i = 0; i < s->nzones; i++) {
		sec_label(&s->zones[i], zone, sizeof(zone));
		metrics_sample_u64(o, "swerve_xfr_local_copy_stale", s->zones[i].copy_stale,
				   "zone", zone, (char *)NULL);
	}
	metrics_family(o, "swerve_notify_total", "counter",
		       "NOTIFY messages received, by result (malformed ones are not answered).");
	metrics_sample_u64(o, "swerve_notify_total",
			   __atomic_load_n(&s->notify_ok, __ATOMIC_RELAXED), "result", "accepted",
			   (char *)NULL);
	metrics_sample_u64(o, "swerve_notify_total",
			   __atomic_load_n(&s->notify_refused, __ATOMIC_RELAXED), "result",
			   "refused", (char *)NULL);
	metrics_sample_u64(o, "swerve_notify_total",
			   __atomic_load_n(&s->notify_bad, __ATOMIC_RELAXED), "result", "malformed",
			   (char *)NULL);
}

int
secondary_metrics_register(struct secondary *s, struct metrics *m)
{
	return metrics_add_source(m, sec_metrics, s);
}
