/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the zone loader thread: initial load, atomic reloads, refused reloads, shutdown. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <urcu-qsbr.h>

#include "swerve/config.h"
#include "swerve/dnsq.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/loader.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"
#include "testutil.h"

#define T_A 1

/* A fixture: two zones in files of their own, a loop, a root. */
struct fx {
	char dir[64];
	char path[2][128];
	struct cfg_zone zones[2];
	struct cfg_primary prim;
	struct swerve_config cfg;
	struct evloop *loop;
	struct rrt_root root;
	struct loader *l;
	struct loader_result last;
	unsigned done;
};

static void
fx_write(struct fx *f, int i, uint32_t serial, const char *a, bool broken)
{
	FILE *fp = fopen(f->path[i], "w");

	assert_non_null(fp);
	fprintf(fp, "$TTL 300\n@ IN SOA ns1 hostmaster %u 3600 600 86400 60\n@ IN NS ns1\n", serial);
	fprintf(fp, "ns1 IN A 192.0.2.53\nwww IN A %s\n", a);
	if (broken)
		fprintf(fp, "bad IN A 192.0.2.300\n"); /* Line 6. */
	fclose(fp);
}

static void
fx_done(void *arg, const struct loader_result *res)
{
	struct fx *f = arg;

	f->last = *res;
	f->done++;
}

/* Run the loop until @n results in total have been reported (bounded). */
static void
fx_wait(struct fx *f, unsigned n)
{
	for (int i = 0; i < 500 && f->done < n; i++)
		evloop_run_once(f->loop, 10);
	assert_int_equal(f->done, n);
}

/* The A record the table published in @root answers for www.<zone>, as its last octet (0: none). */
static int
fx_www_in(struct rrt_root *root, const char *zone)
{
	uint8_t q[512], r[1024];
	char name[128];
	struct dnsq_info info;
	size_t ql, rl;
	int octet = 0;

	snprintf(name, sizeof(name), "www.%s", zone);
	ql = tu_query(q, sizeof(q), name, T_A, NULL);
	rcu_thread_online();
	rl = dnsq_answer(rrt_current(root), &(struct dnsq_conf){.edns_payload = 1232}, NULL, q, ql, r,
			 sizeof(r), 0, &info);
	rcu_thread_offline();
	if (rl > 4 && info.rcode == 0 && r[7] == 1)
		octet = r[rl - 1];
	return octet;
}

static int
fx_www(struct fx *f, const char *zone)
{
	return fx_www_in(&f->root, zone);
}

static int
setup_common(void **state, bool secondary)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sw_diag d;
	struct rrt *t = NULL;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/swerve-loader-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	for (int i = 0; i < 2; i++) {
		snprintf(f->path[i], sizeof(f->path[i]), "%s/z%d.zone", f->dir, i);
		f->zones[i].file = f->path[i];
	}
	f->zones[0].name = "one.test";
	f->zones[1].name = "Two.Test.";
	fx_write(f, 0, 1, "192.0.2.1", false);
	fx_write(f, 1, 1, "192.0.2.11", false);
	f->cfg.zones = f->zones;
	f->cfg.nzones = 2;
	if (secondary) {
		/* Zone 1 comes from a primary and has no local copy yet. */
		f->zones[1].primaries = &f->prim;
		f->zones[1].nprimaries = 1;
		unlink(f->path[1]);
	}

	rcu_register_thread();
	rcu_thread_offline();
	assert_int_equal(evloop_new(&f->loop), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(loader_new(&f->cfg, NULL, 0, 0, &f->l, &t, &d), 0);
	assert_non_null(t);
	rrt_publish(&f->root, t);
	assert_int_equal(loader_start(f->l, f->loop, &f->root, fx_done, f), 0);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_common(state, false);
}

static int
setup_secondary(void **state)
{
	return setup_common(state, true);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	loader_reclaim(f->l, rrt_publish(&f->root, NULL));
	loader_free(f->l);
	evloop_free(f->loop);
	rcu_unregister_thread();
	unlink(f->path[0]);
	unlink(f->path[1]);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
test_initial(void **state)
{
	struct fx *f = *state;
	const struct loader_zone_info *zi;
	size_t n;

	zi = loader_zones(f->l, &n);
	assert_int_equal(n, 2);
	assert_string_equal(zi[0].apex, "one.test.");
	assert_string_equal(zi[1].apex, "two.test.");
	assert_int_equal(zi[0].serial, 1);
	assert_int_equal(zi[0].names, 3); /* Apex, ns1, www. */
	assert_int_equal(zi[0].records, 4);
	assert_int_equal(zi[0].loads, 1);
	assert_true(zi[0].load_time > 1e9);
	assert_string_equal(zi[0].last_error, "");
	assert_int_equal(fx_www(f, "one.test"), 1);
	assert_int_equal(fx_www(f, "two.test"), 11);
	assert_int_equal(loader_zone_index(f->l, "ONE.test."), 0);
	assert_int_equal(loader_zone_index(f->l, "two.test"), 1);
	assert_int_equal(loader_zone_index(f->l, "three.test"), -1);
	assert_int_equal(loader_reload(f->l, 2, 0), -ERANGE);
	assert_int_equal(loader_reload(f->l, -2, 0), -ERANGE);
}

static void
test_reload_one(void **state)
{
	struct fx *f = *state;
	const struct loader_zone_info *zi;
	uint64_t gen = rrt_current(&f->root)->generation;
	size_t n;

	fx_write(f, 0, 2, "192.0.2.2", false);
	fx_write(f, 1, 2, "192.0.2.12", false); /* Not reloaded: stays at version 1. */
	assert_int_equal(loader_reload(f->l, 0, 77), 0);
	assert_int_equal(loader_pending(f->l), 1);
	fx_wait(f, 1);
	assert_int_equal(loader_pending(f->l), 0);
	assert_int_equal(f->last.rc, 0);
	assert_int_equal(f->last.cookie, 77);
	assert_int_equal(f->last.zone, 0);
	assert_true(f->last.generation > gen);
	assert_int_equal(rrt_current(&f->root)->generation, f->last.generation);
	assert_int_equal(fx_www(f, "one.test"), 2);
	assert_int_equal(fx_www(f, "two.test"), 11);
	zi = loader_zones(f->l, &n);
	assert_int_equal(zi[0].serial, 2);
	assert_int_equal(zi[0].loads, 2);
	assert_int_equal(zi[1].serial, 1);
	assert_int_equal(zi[1].loads, 1);
}

static void
test_reload_refused(void **state)
{
	struct fx *f = *state;
	const struct rrt *before = rrt_current(&f->root);
	const struct loader_zone_info *zi;
	char want[256];
	size_t n;

	fx_write(f, 0, 3, "192.0.2.3", true);
	assert_int_equal(loader_reload(f->l, 0, 1), 0);
	fx_wait(f, 1);
	assert_true(f->last.rc < 0);
	snprintf(want, sizeof(want), "%s:6:", f->path[0]);
	assert_non_null(strstr(f->last.error, want));
	/* Nothing changed: same snapshot, same answers, the error kept per zone. */
	assert_ptr_equal(rrt_current(&f->root), before);
	assert_int_equal(fx_www(f, "one.test"), 1);
	zi = loader_zones(f->l, &n);
	assert_int_equal(zi[0].serial, 1);
	assert_int_equal(zi[0].failures, 1);
	assert_non_null(strstr(zi[0].last_error, want));

	/* The next good load clears the error. */
	fx_write(f, 0, 4, "192.0.2.4", false);
	assert_int_equal(loader_reload(f->l, 0, 2), 0);
	fx_wait(f, 2);
	assert_int_equal(f->last.rc, 0);
	assert_int_equal(fx_www(f, "one.test"), 4);
	zi = loader_zones(f->l, &n);
	assert_string_equal(zi[0].last_error, "");
	assert_int_equal(zi[0].failures, 1);
}

/* Reloading every zone is all or nothing: one bad file keeps every zone as it was. */
static void
test_reload_all_atomic(void **state)
{
	struct fx *f = *state;
	const struct loader_zone_info *zi;
	size_t n;

	fx_write(f, 0, 5, "192.0.2.5", false);
	fx_write(f, 1, 5, "192.0.2.15", true);
	assert_int_equal(loader_reload(f->l, -1, 3), 0);
	fx_wait(f, 1);
	assert_true(f->last.rc < 0);
	assert_int_equal(f->last.zone, -1);
	assert_int_equal(fx_www(f, "one.test"), 1);
	assert_int_equal(fx_www(f, "two.test"), 11);
	zi = loader_zones(f->l, &n);
	assert_int_equal(zi[0].serial, 1);
	assert_int_equal(zi[1].failures, 1);

	fx_write(f, 1, 6, "192.0.2.16", false);
	assert_int_equal(loader_reload(f->l, -1, 4), 0);
	fx_wait(f, 2);
	assert_int_equal(f->last.rc, 0);
	assert_int_equal(fx_www(f, "one.test"), 5);
	assert_int_equal(fx_www(f, "two.test"), 16);
}

/* Results are reported in request order; the last one wins. */
static void
test_reload_queue(void **state)
{
	struct fx *f = *state;

	for (unsigned i = 0; i < 10; i++) {
		fx_write(f, 1, 10 + i, i % 2 ? "192.0.2.21" : "192.0.2.20", false);
		assert_int_equal(loader_reload(f->l, 1, 100 + i), 0);
	}
	fx_wait(f, 10);
	assert_int_equal(f->last.cookie, 109);
	assert_int_equal(loader_zones(f->l, &(size_t){0})[1].serial, 19);
	assert_int_equal(fx_www(f, "two.test"), 21);
}

/* Freeing with reloads queued and results unpublished leaks nothing (run under ASan). */
static void
test_free_pending(void **state)
{
	struct fx *f = *state;

	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(loader_reload(f->l, -1, i), 0);
	/* Give the thread time to build some, then stop without running the loop. */
	usleep(50 * 1000);
	assert_int_equal(f->done, 0);
}

/* A failed initial load reports file and line and allocates nothing. */
static void
test_new_fails(void **state)
{
	struct fx *f = *state;
	struct loader *l = NULL;
	struct rrt *t = NULL;
	struct sw_diag d;
	char want[256];

	fx_write(f, 1, 1, "192.0.2.11", true);
	memset(&d, 0, sizeof(d));
	assert_true(loader_new(&f->cfg, NULL, 0, 0, &l, &t, &d) < 0);
	assert_null(l);
	assert_null(t);
	snprintf(want, sizeof(want), "%s:6:", f->path[1]);
	assert_non_null(strstr(d.msg, want));
}

/* A secondary zone: not served without a copy, served once there is one, unloaded on expiry. */
static void
test_secondary(void **state)
{
	struct fx *f = *state;
	const struct loader_zone_info *zi;
	size_t n;

	zi = loader_zones(f->l, &n);
	assert_true(zi[0].served);
	assert_false(zi[1].served);
	assert_int_equal(zi[1].loads, 0);
	assert_int_equal(fx_www(f, "one.test"), 1);
	assert_int_equal(fx_www(f, "two.test"), 0); /* REFUSED: not ours (yet). */
	/* A reload of every zone without the copy is fine and still leaves it out. */
	assert_int_equal(loader_reload(f->l, -1, 1), 0);
	fx_wait(f, 1);
	assert_int_equal(f->last.rc, 0);
	assert_int_equal(fx_www(f, "two.test"), 0);
	/* Reloading that zone alone without its copy is refused. */
	assert_int_equal(loader_reload(f->l, 1, 2), 0);
	fx_wait(f, 2);
	assert_true(f->last.rc < 0);

	/* The first transfer wrote the copy: served. */
	fx_write(f, 1, 7, "192.0.2.17", false);
	assert_int_equal(loader_reload(f->l, 1, 3), 0);
	fx_wait(f, 3);
	assert_int_equal(f->last.rc, 0);
	assert_int_equal(fx_www(f, "two.test"), 17);
	zi = loader_zones(f->l, &n);
	assert_true(zi[1].served);
	assert_int_equal(zi[1].serial, 7);

	/* Expired: dropped, and a reload of every zone does not bring it back. */
	assert_int_equal(loader_unload(f->l, -1, 4), -ERANGE);
	assert_int_equal(loader_unload(f->l, 1, 4), 0);
	fx_wait(f, 4);
	assert_int_equal(f->last.rc, 0);
	assert_int_equal(fx_www(f, "two.test"), 0);
	assert_int_equal(fx_www(f, "one.test"), 1);
	assert_false(loader_zones(f->l, &n)[1].served);
	assert_int_equal(loader_reload(f->l, -1, 5), 0);
	fx_wait(f, 5);
	assert_int_equal(fx_www(f, "two.test"), 0);
	/* A refresh that succeeds reloads that zone: served again. */
	assert_int_equal(loader_reload(f->l, 1, 6), 0);
	fx_wait(f, 6);
	assert_int_equal(fx_www(f, "two.test"), 17);
	assert_true(loader_zones(f->l, &n)[1].served);
}

/* A broken local copy of a secondary zone does not stop the start: that zone is left out. */
static void
test_secondary_bad_copy(void **state)
{
	struct fx *f = *state;
	const struct loader_zone_info *zi;
	struct loader *l = NULL;
	struct rrt *t = NULL;
	struct sw_diag d;
	size_t n;

	fx_write(f, 1, 1, "192.0.2.11", true);
	memset(&d, 0, sizeof(d));
	assert_int_equal(loader_new(&f->cfg, NULL, 0, 0, &l, &t, &d), 0);
	assert_non_null(t);
	zi = loader_zones(l, &n);
	assert_true(zi[0].served);
	assert_false(zi[1].served);
	assert_int_equal(zi[1].failures, 1);
	assert_non_null(strstr(zi[1].last_error, ":6:"));
	rrt_free(t);
	loader_free(l);
}

/* A second loader, started the way swerved starts (from the image when it matches), in @root. */
static struct loader *
fx_restart(struct fx *f, struct rrt_root *root)
{
	struct loader *l = NULL;
	struct rrt *t = NULL;
	struct sw_diag d;

	memset(&d, 0, sizeof(d));
	assert_int_equal(loader_new(&f->cfg, NULL, 0, LOADER_FROM_IMAGE, &l, &t, &d), 0);
	assert_non_null(t);
	rrt_publish(root, t);
	return l;
}

/* Wait, at most 10 s, for @l's thread to save the table image of its last build. */
static void
fx_saved(struct loader *l)
{
	for (int i = 0; i < 10000 && loader_pending(l) > 0; i++)
		usleep(1000);
	assert_int_equal(loader_pending(l), 0);
}

static void
fx_stop(struct loader *l, struct rrt_root *root)
{
	loader_reclaim(l, rrt_publish(root, NULL));
	loader_free(l);
}

/*
 * The table image across restarts: written by the loader thread after every
 * build (not before the table is published), served by the next start without parsing, then the zones parsed by the loader thread;
 * a file changed in between is served by that parse; a file broken in
 * between keeps the image's table serving until it loads again.
 */
static void
test_image_restart(void **state)
{
	struct fx *f = *state;
	struct rrt_root root = {0};
	const struct loader_zone_info *zi;
	char img[160];
	struct loader *l;
	const struct rrt *t;
	size_t n;

	snprintf(img, sizeof(img), "%s/table.img", f->dir);
	f->cfg.table_image = img;
	/* No image yet: parsed. The thread writes one once the table is published. */
	l = fx_restart(f, &root);
	assert_int_equal(access(img, F_OK), -1);
	assert_int_equal(loader_pending(l), 0);
	assert_int_equal(loader_start(l, f->loop, &root, fx_done, f), 0);
	fx_saved(l);
	fx_stop(l, &root);
	assert_int_equal(access(img, F_OK), 0);

	/* A start from it: the same answers and zone state, nothing parsed yet. */
	l = fx_restart(f, &root);
	assert_int_equal(fx_www_in(&root, "one.test"), 1);
	assert_int_equal(fx_www_in(&root, "two.test"), 11);
	zi = loader_zones(l, &n);
	assert_string_equal(zi[1].apex, "two.test.");
	assert_int_equal(zi[0].serial, 1);
	assert_int_equal(zi[0].names, 3);
	assert_int_equal(zi[0].records, 4);
	assert_true(zi[1].served);
	/* The thread parses them first; unchanged, the image's table serves on. */
	t = rrt_current(&root);
	assert_int_equal(loader_start(l, f->loop, &root, fx_done, f), 0);
	fx_wait(f, 1);
	assert_true(f->last.image);
	assert_int_equal(f->last.rc, 0);
	assert_int_equal(f->last.generation, 0);
	assert_ptr_equal(rrt_current(&root), t);
	/* Then a reload of one zone builds from the zones it parsed. */
	fx_write(f, 0, 2, "192.0.2.2", false);
	assert_int_equal(loader_reload(l, 0, 9), 0);
	fx_wait(f, 2);
	assert_int_equal(f->last.rc, 0);
	assert_int_equal(fx_www_in(&root, "one.test"), 2);
	assert_int_equal(fx_www_in(&root, "two.test"), 11);
	fx_saved(l);
	fx_stop(l, &root);

	/* A file changed after the start checked the image: the thread's parse serves it. */
	l = fx_restart(f, &root);
	fx_write(f, 1, 3, "192.0.2.13", false);
	assert_int_equal(loader_start(l, f->loop, &root, fx_done, f), 0);
	fx_wait(f, 3);
	assert_true(f->last.image);
	assert_int_equal(f->last.rc, 0);
	assert_true(f->last.generation > 0);
	assert_int_equal(fx_www_in(&root, "two.test"), 13);
	assert_int_equal(loader_zones(l, &n)[1].serial, 3);
	fx_saved(l);
	fx_stop(l, &root);

	/* The file changed before the start: the image (serial 3) is stale, and the start parses. */
	fx_write(f, 1, 4, "192.0.2.14", false);
	l = fx_restart(f, &root);
	assert_int_equal(fx_www_in(&root, "two.test"), 14);
	assert_int_equal(loader_start(l, f->loop, &root, fx_done, f), 0);
	fx_saved(l);
	fx_stop(l, &root);

	/* Broken after the check: the image's table serves, and every request waits for the file. */
	l = fx_restart(f, &root);
	fx_write(f, 0, 5, "192.0.2.5", true);
	assert_int_equal(loader_start(l, f->loop, &root, fx_done, f), 0);
	fx_wait(f, 4);
	assert_true(f->last.image);
	assert_true(f->last.rc < 0);
	assert_non_null(strstr(f->last.error, ":6:"));
	assert_int_equal(fx_www_in(&root, "one.test"), 2);
	assert_int_equal(loader_reload(l, 1, 10), 0);
	fx_wait(f, 5);
	assert_true(f->last.rc < 0);
	assert_int_equal(fx_www_in(&root, "two.test"), 14);
	fx_write(f, 0, 6, "192.0.2.6", false);
	assert_int_equal(loader_reload(l, 1, 11), 0);
	fx_wait(f, 6);
	assert_int_equal(f->last.rc, 0);
	assert_int_equal(fx_www_in(&root, "one.test"), 6);
	assert_int_equal(fx_www_in(&root, "two.test"), 14);
	fx_stop(l, &root);
	unlink(img);
	f->cfg.table_image = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_initial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_all_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secondary, setup_secondary, teardown),
		cmocka_unit_test_setup_teardown(test_secondary_bad_copy, setup_secondary, teardown),
		cmocka_unit_test_setup_teardown(test_image_restart, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
