/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker counters as Prometheus families (per worker, never totalled), plus build info. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "swerve/metrics_stats.h"

/* RCODE buckets every worker always shows, so rate() has a series from the first scrape. */
static const unsigned metrics_stats_rcodes_always[] = {
	0, 1, 2, 3, 4, 5, STATS_RCODE_BADVERS, STATS_RCODE_OTHER,
};

/* A counter family without labels besides worker. */
struct metrics_stats_scalar {
	const char *name;
	const char *help;
	size_t off; /* Of the uint64_t in struct worker_stats. */
};

static uint64_t
metrics_stats_get(const struct worker_stats *st, size_t off)
{
	return *(const uint64_t *)(const void *)((const char *)st + off);
}

static void
metrics_stats_scalar(struct metrics_out *o, const struct metrics_stats_scalar *f,
		     const struct worker_stats *const *st, unsigned n)
{
	char w[16];

	metrics_family(o, f->name, "counter", f->help);
	for (unsigned i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "%u", i);
		metrics_sample_u64(o, f->name, metrics_stats_get(st[i], f->off), "worker", w, NULL);
	}
}

static const struct metrics_stats_scalar metrics_stats_rx = {"swerve_frames_received_total",
							     "Frames received from the ports.",
							     offsetof(struct worker_stats, rx)};
static const struct metrics_stats_scalar metrics_stats_queries = {
	"swerve_queries_total", "UDP DNS queries to a service address (answered or not).",
	offsetof(struct worker_stats, dns_queries)};
static const struct metrics_stats_scalar metrics_stats_edns = {
	"swerve_edns_queries_total", "Queries carrying a valid EDNS OPT record.",
	offsetof(struct worker_stats, edns)};
static const struct metrics_stats_scalar metrics_stats_tc = {
	"swerve_truncated_total", "Responses sent with TC=1 (the client should retry over TCP).",
	offsetof(struct worker_stats, truncated)};
static const struct metrics_stats_scalar metrics_stats_tx = {
	"swerve_frames_sent_total", "Frames handed to the ports (answers and kernel traffic).",
	offsetof(struct worker_stats, tx_sent)};
static const struct metrics_stats_scalar metrics_stats_txfail = {
	"swerve_tx_failures_total", "Frames the port did not take (freed, not retried).",
	offsetof(struct worker_stats, tx_failed)};

static void
metrics_stats_qtypes(struct metrics_out *o, const struct worker_stats *const *st, unsigned n)
{
	const char *name = "swerve_queries_by_type_total";
	char w[16];

	metrics_family(o, name, "counter",
		       "Queries by question type; OTHER also counts queries without a question.");
	for (unsigned i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "%u", i);
		/* OTHER is bucket 0: print it last, after the named types. */
		for (unsigned b = 1; b <= STATS_NQTYPES; b++) {
			unsigned q = b % STATS_NQTYPES;

			metrics_sample_u64(o, name, st[i]->qtype[q], "worker", w, "qtype",
					   stats_qtype_name(q), NULL);
		}
	}
}

static void
metrics_stats_rcodes(struct metrics_out *o, const struct worker_stats *const *st, unsigned n)
{
	const char *name = "swerve_responses_total";
	char w[16];

	metrics_family(o, name, "counter", "Responses sent, by RCODE (BADVERS is extended).");
	for (unsigned i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "%u", i);
		for (unsigned r = 0; r < STATS_NRCODES; r++) {
			bool always = false;

			for (size_t k = 0; k < RTE_DIM(metrics_stats_rcodes_always); k++)
				always |= metrics_stats_rcodes_always[k] == r;
			/* Codes an authoritative server hardly sends appear once they happen. */
			if (!always && st[i]->rcode[r] == 0)
				continue;
			metrics_sample_u64(o, name, st[i]->rcode[r], "worker", w, "rcode",
					   stats_rcode_name(r), NULL);
		}
	}
}

static void
metrics_stats_drops(struct metrics_out *o, const struct worker_stats *const *st, unsigned n)
{
	const char *name = "swerve_drops_total";
	char w[16];

	metrics_family(o, name, "counter", "Frames dropped without an answer, by reason.");
	for (unsigned i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "%u", i);
		for (unsigned d = 0; d < STATS_DROP_MAX; d++)
			metrics_sample_u64(o, name, st[i]->drop[d], "worker", w, "reason",
					   stats_drop_name((enum stats_drop)d), NULL);
	}
}

static void
metrics_stats_exception(struct metrics_out *o, const struct worker_stats *const *st, unsigned n)
{
	const char *name = "swerve_exception_packets_total";
	char w[16];

	metrics_family(o, name, "counter",
		       "Exception path frames: to_kernel accepted, limited refused (rate limit or "
		       "tap full), from_kernel sent out the port.");
	for (unsigned i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "%u", i);
		metrics_sample_u64(o, name, st[i]->exc_to_kernel, "worker", w, "direction",
				   "to_kernel", NULL);
		metrics_sample_u64(o, name, st[i]->exc_from_kernel, "worker", w, "direction",
				   "from_kernel", NULL);
		metrics_sample_u64(o, name, st[i]->exc_limited, "worker", w, "direction", "limited",
				   NULL);
	}
	name = "swerve_exception_class_packets_total";
	metrics_family(o, name, "counter",
		       "Exception path frames by class (neigh: ARP/ND, dns: TCP/53 and NOTIFY, "
		       "other), each with its own budget: to_kernel accepted, limited refused.");
	for (unsigned i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "%u", i);
		for (unsigned k = 0; k < STATS_EXC_MAX; k++) {
			metrics_sample_u64(o, name, st[i]->exc_class_kernel[k], "worker", w, "class",
					   stats_exc_class_name(k), "direction", "to_kernel", NULL);
			metrics_sample_u64(o, name, st[i]->exc_class_limited[k], "worker", w,
					   "class", stats_exc_class_name(k), "direction", "limited",
					   NULL);
		}
	}
}

static const struct metrics_stats_scalar metrics_stats_slipped = {
	"swerve_rrl_slipped_total",
	"Rate-limited responses sent as TC=1 with the question only (the slip).",
	offsetof(struct worker_stats, rrl_slipped)};
static const struct metrics_stats_scalar metrics_stats_notify = {
	"swerve_notify_punted_total",
	"NOTIFY messages over UDP handed to the exception path for the control side.",
	offsetof(struct worker_stats, notify_punted)};

static void
metrics_stats_rrl(struct metrics_out *o, const struct worker_stats *const *st, unsigned n)
{
	static const char *const classes[DNSQ_CLASS_MAX] = {
		[DNSQ_CLASS_ANSWER] = "answer", [DNSQ_CLASS_NXDOMAIN] = "nxdomain",
		[DNSQ_CLASS_NODATA] = "nodata", [DNSQ_CLASS_REFERRAL] = "referral",
		[DNSQ_CLASS_ERROR] = "error",
	};
	const char *name = "swerve_rrl_limited_total";
	char w[16];

	metrics_family(o, name, "counter",
		       "Responses over the response rate limit, by class (dropped or slipped).");
	for (unsigned i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "%u", i);
		for (unsigned k = 0; k < DNSQ_CLASS_MAX; k++)
			metrics_sample_u64(o, name, st[i]->rrl_limited[k], "worker", w, "class",
					   classes[k], NULL);
	}
}

static void
metrics_stats_cookies(struct metrics_out *o, const struct worker_stats *const *st, unsigned n)
{
	const char *name = "swerve_cookie_queries_total";
	char w[16];

	metrics_family(o, name, "counter",
		       "Queries with a DNS COOKIE option (cookies enabled): valid server cookie, "
		       "or client cookie only / server cookie not verified.");
	for (unsigned i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "%u", i);
		metrics_sample_u64(o, name, st[i]->cookie_valid, "worker", w, "result", "valid",
				   NULL);
		metrics_sample_u64(o, name, st[i]->cookie_client, "worker", w, "result", "client",
				   NULL);
	}
}

void
metrics_stats_render(struct metrics_out *o, const struct worker_stats *const *st, unsigned n)
{
	metrics_stats_scalar(o, &metrics_stats_rx, st, n);
	metrics_stats_scalar(o, &metrics_stats_queries, st, n);
	metrics_stats_qtypes(o, st, n);
	metrics_stats_scalar(o, &metrics_stats_edns, st, n);
	metrics_stats_rcodes(o, st, n);
	metrics_stats_scalar(o, &metrics_stats_tc, st, n);
	metrics_stats_drops(o, st, n);
	metrics_stats_exception(o, st, n);
	metrics_stats_scalar(o, &metrics_stats_tx, st, n);
	metrics_stats_scalar(o, &metrics_stats_txfail, st, n);
	metrics_stats_rrl(o, st, n);
	metrics_stats_scalar(o, &metrics_stats_slipped, st, n);
	metrics_stats_cookies(o, st, n);
	metrics_stats_scalar(o, &metrics_stats_notify, st, n);
}

void
metrics_stats_render_build(struct metrics_out *o, const char *version, double start_time)
{
	metrics_family(o, "swerve_build_info", "gauge", "Always 1; the version is the label.");
	metrics_sample_u64(o, "swerve_build_info", 1, "version", version, NULL);
	metrics_family(o, "swerve_start_time_seconds", "gauge",
		       "Start time of the daemon, seconds since the Unix epoch.");
	metrics_sample_double(o, "swerve_start_time_seconds", start_time, NULL);
}
