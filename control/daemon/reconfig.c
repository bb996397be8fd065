/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration reload ("swervectl reload", SIGHUP): re-read swerve.yaml and
 * take every difference that can change live, in one swap of the served
 * table (docs/configuration.md, "Reloading the configuration").
 *
 * The new configuration is checked and compared on the control thread; a
 * difference that needs a restart refuses the whole reload. The failover
 * records are built there too (cheap, no I/O but the state file). Every zone
 * is then parsed and the first table built by loader_new() on a thread of
 * its own, so a large zone never stalls health checks or the control
 * socket. Back on the control thread the commit swaps, without waiting for
 * any reader: the secondary module, the failover records (taking over the
 * state of unchanged endpoints), the loader and the table. What was replaced
 * is freed by a retire thread after a grace period. The workers see one
 * rrt_publish(), as for a zone reload; no query is dropped.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <jansson.h>
#include <urcu-qsbr.h>

#include "swerve/config.h"
#include "swerve/ctl.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/failover.h"
#include "swerve/loader.h"
#include "swerve/log.h"
#include "swerve/metrics.h"
#include "swerve/rrt.h"
#include "swerve/secondary.h"
#include "swerve/tcp.h"
#include "swerve/watchdog.h"
#include "swerve/worker.h"
#include "notify.h"
#include "swerved.h"

/* A commit waits this long for the running loader to finish a reload it has queued. */
#define RECONFIG_BUSY_RETRY_MS 20

struct reconfig {
	struct swerved *s;
	uint64_t cookie; /* swerved_cookie(client), or SWERVED_COOKIE_SIGNAL. */
	json_t *changes; /* [{key, change, restart}] */

	/* Made on the control thread. */
	struct swerve_config *cfg;
	struct failover *fo;
	struct worker_settings *settings;

	/* Made by the parse thread. */
	pthread_t thread;
	bool thread_running;
	int efd;
	struct loader *loader;
	struct rrt *table;
	struct sw_diag diag;
	int rc;

	struct evloop_timer retry;
	bool notified; /* RELOADING=1 went to systemd: READY=1 must follow. */
};

/* What a commit replaced, freed after a grace period by the retire thread. */
struct reconfig_old {
	struct swerve_config *cfg;
	struct failover *fo;
	struct loader *loader;
	struct worker_settings *settings;
};

static struct reconfig *reconfig_cur; /* The reload in progress, at most one. Control thread. */
static pthread_t retire_thread;
static bool retire_running;

static void
reconfig_change(void *arg, const char *key, bool restart, const char *what)
{
	json_t *a = arg, *o = json_object();

	if (o == NULL)
		return;
	json_object_set_new(o, "key", json_string(key));
	json_object_set_new(o, "change", json_string(what));
	json_object_set_new(o, "restart", json_boolean(restart));
	json_array_append_new(a, o);
}

/* Report the outcome: to the log, and to the control client that asked. */
static void
reconfig_reply(struct swerved *s, uint64_t cookie, bool ok, json_t *reply)
{
	if (cookie == SWERVED_COOKIE_SIGNAL || s->ctl == NULL) {
		json_decref(reply);
		return;
	}
	ctl_reply_deferred(s->ctl, cookie >> 1, ok, reply);
}

static void
reconfig_fail(struct reconfig *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
reconfig_free(struct reconfig *r)
{
	if (r == NULL)
		return;
	if (r->thread_running)
		pthread_join(r->thread, NULL);
	if (r->efd >= 0) {
		evloop_del(r->s->loop, r->efd);
		close(r->efd);
	}
	evloop_timer_cancel(r->s->loop, &r->retry);
	/* Never published, never started: no reader saw any of it. */
	rrt_free(r->table);
	loader_free(r->loader);
	failover_free(r->fo);
	free(r->settings);
	config_free(r->cfg);
	json_decref(r->changes);
	if (reconfig_cur == r)
		reconfig_cur = NULL;
	if (r->notified)
		swerved_notify_ready(r->s);
	free(r);
}

static void
reconfig_fail(struct reconfig *r, const char *fmt, ...)
{
	char msg[1024];
	json_t *reply;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sw_err("reload of %s refused, nothing changed: %s", r->s->config_path, msg);
	reply = json_object();
	if (reply != NULL) {
		json_object_set_new(reply, "error", json_string(msg));
		reconfig_reply(r->s, r->cookie, false, reply);
	}
	reconfig_free(r);
}

/* The parse thread: every zone of the new config, and the first table. */
static void *
reconfig_parse(void *arg)
{
	struct reconfig *r = arg;
	struct rrt_slot *const *slots = NULL;
	size_t nslots = failover_slots(r->fo, &slots);
	uint64_t one = 1;

	r->rc = loader_new(r->cfg, slots, nslots, 0, &r->loader, &r->table, &r->diag);
	if (write(r->efd, &one, sizeof(one)) < 0) {
		/* An eventfd write fails only on overflow, which one write cannot cause. */
	}
	return NULL;
}

/* Free what a commit replaced, once no reader can reach it. */
static void *
reconfig_retire(void *arg)
{
	struct reconfig_old *o = arg;

	/* Readers of the replaced table, its failover slots and settings are done after this. */
	synchronize_rcu();
	free(o->settings);
	loader_free(o->loader);
	/* Failover slots free their RRsets with call_rcu: wait for those callbacks first. */
	rcu_barrier();
	failover_free(o->fo);
	rcu_barrier();
	config_free(o->cfg);
	free(o);
	return NULL;
}

void
swerved_reconfig_wait(void)
{
	if (retire_running)
		pthread_join(retire_thread, NULL);
	retire_running = false;
}

static void
reconfig_reclaim_held(void *arg, uint64_t *snapshots, uint64_t *bytes)
{
	loader_reclaim_held(arg, snapshots, bytes);
}

/*
 * A secondary zone is served from its local copy by the new loader; where
 * the running one serves another serial (a write of the copy failed, or the
 * file went away), its copy from the primaries is carried over and served
 * instead, as a reload of every zone would keep it. Before the old loader
 * is detached, with nothing pending on it.
 */
static void
reconfig_keep_secondaries(struct loader *nl, struct loader *ol, const struct swerve_config *ncfg,
			  const struct swerve_config *ocfg)
{
	const struct loader_zone_info *ni, *oi;
	size_t nn, on;

	ni = loader_zones(nl, &nn);
	oi = loader_zones(ol, &on);
	for (size_t j = 0; j < nn && j < ncfg->nzones; j++) {
		int i = ncfg->zones[j].nprimaries > 0 ? loader_zone_index(ol, ncfg->zones[j].name) : -1;
		struct zone *z;
		int rc;

		if (i < 0 || (size_t)i >= on || ocfg->zones[i].nprimaries == 0 || !oi[i].served ||
		    (ni[j].served && ni[j].serial == oi[i].serial))
			continue;
		z = loader_take_zone(ol, i);
		if (z == NULL)
			continue;
		rc = loader_install(nl, (int)j, z, SWERVED_COOKIE_SIGNAL);
		if (rc < 0)
			sw_err("reload: zone %s: cannot keep serial %u from its primaries (%s): the "
			       "local copy serves until the next transfer",
			       oi[i].apex, oi[i].serial, sw_strerror(rc));
		else
			sw_notice("reload: zone %s: serial %u from its primaries kept (local copy: %s)",
				  oi[i].apex, oi[i].serial, ni[j].served ? "older" : "none");
	}
}

/*
 * The swap. Everything that can fail is done before the first change
 * (the new secondary module, the new loader's thread); what follows cannot
 * be undone and does not fail but for the sockets the new modules open,
 * which are logged and reported.
 */
static void
reconfig_commit(struct reconfig *r)
{
	struct swerved *s = r->s;
	struct swerve_config *old_cfg = s->cfg;
	struct failover_adopted st;
	struct reconfig_old *old;
	struct secondary *sec = NULL;
	struct rrt *replaced;
	json_t *reply, *warnings;
	bool log_changed, metrics_changed;
	uint64_t gen;
	int rc;

	/* A zone reload or a transfer queued on the running loader finishes first. */
	if (loader_pending(s->loader) > 0) {
		if (evloop_timer_arm(s->loop, &r->retry, RECONFIG_BUSY_RETRY_MS) < 0)
			reconfig_fail(r, "cannot wait for the running loader: out of memory");
		return;
	}
	/* The previous reload's leftovers are gone before this one leaves its own. */
	swerved_reconfig_wait();
	old = calloc(1, sizeof(*old));
	warnings = json_array();
	if (old == NULL || warnings == NULL) {
		free(old);
		json_decref(warnings);
		reconfig_fail(r, "out of memory");
		return;
	}
	rc = secondary_new(r->cfg, r->loader, s->loop, NULL, &sec);
	if (rc < 0) {
		free(old);
		json_decref(warnings);
		reconfig_fail(r, "secondary zones: %s", sw_strerror(rc));
		return;
	}
	rc = loader_start(r->loader, s->loop, &s->root, swerved_reload_done, s);
	if (rc < 0) {
		secondary_free(sec);
		free(old);
		json_decref(warnings);
		reconfig_fail(r, "loader thread: %s", sw_strerror(rc));
		return;
	}

	/* From here on, nothing is refused. */
	failover_adopt(r->fo, s->fo, &st);
	if (s->tcp_on)
		tcp_listener_set_notify(NULL, NULL);
	if (s->metrics != NULL)
		metrics_remove_source(s->metrics, s->sec);
	secondary_free(s->sec);
	s->sec = NULL;

	replaced = rrt_publish(&s->root, r->table);
	/* The control thread is the root's only writer: it may read it without a read-side. */
	gen = s->root.table != NULL ? s->root.table->generation : 0;
	loader_reclaim(r->loader, replaced);
	r->table = NULL;

	reconfig_keep_secondaries(r->loader, s->loader, r->cfg, old_cfg);
	failover_stop(s->fo);
	failover_ctl_unregister(s->fo, s->ctl);
	if (s->metrics != NULL) {
		metrics_remove_source(s->metrics, s->fo);
		metrics_remove_source(s->metrics, s->loader);
	}
	loader_detach(s->loader);
	old->cfg = old_cfg;
	old->fo = s->fo;
	old->loader = s->loader;
	s->cfg = r->cfg;
	s->fo = r->fo;
	s->loader = r->loader;
	s->sec = sec;
	r->cfg = NULL;
	r->fo = NULL;
	r->loader = NULL;
	if (s->wd != NULL)
		watchdog_set_reclaim(s->wd, reconfig_reclaim_held, s->loader);

	/*
	 * The workers' and the TCP thread's settings: one pointer, read once per
	 * burst (per query on TCP); the limiters are retuned on their own
	 * threads when they see the new generation.
	 */
	old->settings = s->settings.cur;
	rcu_assign_pointer(s->settings.cur, r->settings);
	r->settings = NULL;
	swerved_settings_log(s->settings.cur, s->cfg);

	log_changed = old_cfg->log_level != s->cfg->log_level ||
		      (old_cfg->log_target == NULL) != (s->cfg->log_target == NULL) ||
		      (old_cfg->log_target != NULL &&
		       strcmp(old_cfg->log_target, s->cfg->log_target) != 0);
	if (log_changed)
		sw_log_init(s->cfg->log_target, s->cfg->log_level);

	if (failover_ctl_register(s->fo, s->ctl) < 0)
		json_array_append_new(warnings, json_string("failover commands not registered"));
	rc = failover_start(s->fo);
	if (rc < 0)
		json_array_append_new(warnings,
				      json_sprintf("failover checks: %s", sw_strerror(rc)));
	metrics_changed = s->metrics != NULL && s->cfg->metrics_listen != NULL &&
			  strcmp(s->cfg->metrics_listen, old_cfg->metrics_listen) != 0;
	if (s->metrics != NULL) {
		if (loader_metrics_register(s->loader, s->metrics) < 0 ||
		    failover_metrics_register(s->fo, s->metrics) < 0 ||
		    secondary_metrics_register(s->sec, s->metrics) < 0)
			json_array_append_new(warnings,
					      json_string("metrics sources: out of memory"));
		rc = metrics_changed ? metrics_rebind(s->metrics, s->cfg->metrics_listen,
						      old_cfg->metrics_listen)
				     : 0;
		if (rc < 0)
			json_array_append_new(
				warnings, json_sprintf("metrics on %s: %s, still on %s",
						       s->cfg->metrics_listen, sw_strerror(rc),
						       old_cfg->metrics_listen));
	}
	rc = s->exc ? secondary_notify_open(s->sec, 53) : 0;
	if (rc < 0)
		json_array_append_new(warnings,
				      json_sprintf("NOTIFY sockets on port 53: %s", sw_strerror(rc)));
	if (s->tcp_on && swerved_has_secondary(s->cfg))
		tcp_listener_set_notify(swerved_tcp_notify, s->sec);
	rc = secondary_start(s->sec);
	if (rc < 0)
		json_array_append_new(warnings,
				      json_sprintf("secondary zones: %s", sw_strerror(rc)));

	if (pthread_create(&retire_thread, NULL, reconfig_retire, old) == 0) {
		pthread_setname_np(retire_thread, "swerve-retire");
		retire_running = true;
	} else {
		/* No thread: wait here. The control thread is an offline QSBR reader. */
		reconfig_retire(old);
	}

	for (size_t i = 0; i < json_array_size(warnings); i++)
		sw_err("reload of %s: %s", s->config_path,
		       json_string_value(json_array_get(warnings, i)));
	sw_notice("reload of %s: %zu change(s) applied; %zu zone(s), %u names (generation "
		  "%" PRIu64 "); failover: %u record(s) kept, %u new, %u removed; %u endpoint(s) "
		  "kept their state, %u start afresh",
		  s->config_path, json_array_size(r->changes), s->cfg->nzones,
		  swerved_names(s->loader), gen, st.records_kept,
		  st.records_new, st.records_removed, st.endpoints_kept, st.endpoints_new);
	reply = json_object();
	if (reply != NULL) {
		json_t *fo = json_object();

		json_object_set(reply, "changes", r->changes);
		json_object_set_new(reply, "zones", ctl_zone_all(s, false));
		json_object_set_new(reply, "generation",
				    json_integer((json_int_t)gen));
		json_object_set_new(fo, "records_kept", json_integer(st.records_kept));
		json_object_set_new(fo, "records_new", json_integer(st.records_new));
		json_object_set_new(fo, "records_removed", json_integer(st.records_removed));
		json_object_set_new(fo, "endpoints_kept", json_integer(st.endpoints_kept));
		json_object_set_new(fo, "endpoints_new", json_integer(st.endpoints_new));
		json_object_set_new(reply, "failover", fo);
		json_object_set(reply, "warnings", warnings);
		reconfig_reply(s, r->cookie, true, reply);
	}
	json_decref(warnings);
	reconfig_free(r);
}

static void
reconfig_retry(void *arg)
{
	reconfig_commit(arg);
}

/* The parse thread is done. Thread: the control thread. */
static void
reconfig_on_parsed(void *arg, int fd, uint32_t events)
{
	struct reconfig *r = arg;
	char msg[1024];
	uint64_t cnt;

	(void)events;
	if (read(fd, &cnt, sizeof(cnt)) < 0)
		return;
	pthread_join(r->thread, NULL);
	r->thread_running = false;
	if (r->rc < 0) {
		sw_diag_format(&r->diag, r->rc, msg, sizeof(msg));
		reconfig_fail(r, "%s", msg);
		return;
	}
	reconfig_commit(r);
}

int
swerved_reconfig(struct swerved *s, uint64_t cookie, bool check_only, json_t *reply)
{
	struct reconfig *r;
	unsigned restart = 0;
	char msg[1024];
	int rc;

	if (reconfig_cur != NULL)
		return ctl_fail(reply, "a reload of %s is already in progress", s->config_path);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return ctl_fail(reply, "out of memory");
	r->s = s;
	r->cookie = cookie;
	r->efd = -1;
	evloop_timer_init(&r->retry, reconfig_retry, r);
	r->changes = json_array();
	rc = r->changes != NULL ? config_load(s->config_path, &r->cfg, &r->diag) : -ENOMEM;
	if (rc < 0) {
		sw_diag_format(&r->diag, rc, msg, sizeof(msg));
		reconfig_free(r);
		sw_err("reload of %s refused, nothing changed: %s", s->config_path, msg);
		return ctl_fail(reply, "%s", msg);
	}
	config_diff(s->cfg, r->cfg, reconfig_change, r->changes, &restart);
	if (check_only) {
		json_object_set(reply, "changes", r->changes);
		json_object_set_new(reply, "restart_needed", json_boolean(restart > 0));
		reconfig_free(r);
		return 0;
	}
	if (restart > 0) {
		size_t off = 0, i;
		json_t *c;

		msg[0] = '\0';
		json_array_foreach(r->changes, i, c)
		{
			if (!json_is_true(json_object_get(c, "restart")) || off >= sizeof(msg))
				continue;
			off += (size_t)snprintf(msg + off, sizeof(msg) - off, "%s%s",
						off != 0 ? ", " : "",
						json_string_value(json_object_get(c, "key")));
		}
		json_object_set(reply, "changes", r->changes);
		reconfig_free(r);
		sw_err("reload of %s refused, nothing changed: %s: needs a restart",
		       s->config_path, msg);
		return ctl_fail(reply, "%s: needs a restart (nothing was applied)", msg);
	}
	rc = swerved_settings_new(r->cfg, s->settings.cur, &r->settings);
	if (rc < 0) {
		reconfig_free(r);
		return ctl_fail(reply, "settings: %s",
				rc == -EIO ? "no random cookie secret" : sw_strerror(rc));
	}
	rc = failover_new(r->cfg, s->loop, &r->fo, &r->diag);
	if (rc < 0) {
		sw_diag_format(&r->diag, rc, msg, sizeof(msg));
		reconfig_free(r);
		sw_err("reload of %s refused, nothing changed: %s", s->config_path, msg);
		return ctl_fail(reply, "%s", msg);
	}
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rc = r->efd >= 0 ? evloop_add(s->loop, r->efd, EPOLLIN, reconfig_on_parsed, r) : -errno;
	if (rc < 0) {
		if (r->efd >= 0)
			close(r->efd);
		r->efd = -1;
		reconfig_free(r);
		return ctl_fail(reply, "cannot start the reload: %s", sw_strerror(rc));
	}
	rc = -pthread_create(&r->thread, NULL, reconfig_parse, r);
	if (rc < 0) {
		reconfig_free(r);
		return ctl_fail(reply, "cannot start the parse thread: %s", sw_strerror(rc));
	}
	pthread_setname_np(r->thread, "swerve-reconf");
	r->thread_running = true;
	reconfig_cur = r;
	notify_reloading();
	r->notified = true;
	sw_notice("reload of %s: %zu change(s) to apply, parsing the zones", s->config_path,
		  json_array_size(r->changes));
	return CTL_DEFERRED;
}

void
swerved_reconfig_abort(void)
{
	struct reconfig *r = reconfig_cur;

	if (r == NULL)
		return;
	/* Joins the parse thread; the client that asked gets no reply (the daemon stops), and
	 * systemd no READY=1 after the STOPPING=1 it has had. */
	r->notified = false;
	reconfig_free(r);
}
