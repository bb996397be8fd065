/* SPDX-License-Identifier: BSD-3-Clause */
/* The mbuf pool's memory layout: every mbuf inside the range af_xdp registers as its UMEM. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "swerve/port.h"

/*
 * DPDK 22.11's af_xdp PMD registers [first chunk, + populated_size x object
 * size) as its UMEM and the kernel drops, silently, any TX descriptor
 * outside it. With 4 KiB pages (--no-huge, as here and in the lab) the
 * stock pool layout leaves four mbufs in ten outside that range, and frames
 * the kernel sent through the exception path in them vanished (the ARP and
 * SYN-ACK of a TCP handshake). These tests pin the layout that avoids it.
 */

struct span {
	unsigned chunks;
	uintptr_t first; /* Start of the first chunk. */
	uintptr_t lo, hi; /* Lowest object start, highest object end. */
	unsigned objs;
};

static void
chunk_cb(struct rte_mempool *mp, void *arg, struct rte_mempool_memhdr *mh, unsigned idx)
{
	struct span *s = arg;

	(void)mp;
	if (idx == 0)
		s->first = (uintptr_t)mh->addr;
	s->chunks++;
}

static void
obj_cb(struct rte_mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct span *s = arg;
	/* An object's memory starts with its header, just before obj. */
	uintptr_t start = (uintptr_t)obj - mp->header_size;
	uintptr_t end = start + mp->header_size + mp->elt_size + mp->trailer_size;

	(void)idx;
	if (s->objs == 0 || start < s->lo)
		s->lo = start;
	if (s->objs == 0 || end > s->hi)
		s->hi = end;
	s->objs++;
}

static void
check_pool(unsigned n)
{
	struct rte_mempool *mp = NULL;
	struct span s = {0};
	size_t obj, umem;

	assert_int_equal(port_pool_create(n, (int)rte_socket_id(), &mp), 0);
	assert_non_null(mp);
	assert_int_equal(mp->populated_size, n);
	/* Usable for DMA by drivers that honour the flag (mlx5, sfc). */
	assert_false(mp->flags & RTE_MEMPOOL_F_NON_IO);
	rte_mempool_mem_iter(mp, chunk_cb, &s);
	rte_mempool_obj_iter(mp, obj_cb, &s);
	obj = mp->header_size + mp->elt_size + mp->trailer_size;
	umem = (size_t)mp->populated_size * obj;
	assert_int_equal(s.objs, n);
	assert_int_equal(s.chunks, 1);
	/* Every mbuf lies inside what af_xdp registers. */
	assert_true(s.lo >= s.first);
	if (s.hi > s.first + umem)
		fail_msg("%u mbufs: objects end %zu octets past the %zu-octet UMEM", n,
			 (size_t)(s.hi - (s.first + umem)), umem);
	/* And the pool is an ordinary mbuf pool. */
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

	assert_non_null(m);
	assert_true(rte_pktmbuf_tailroom(m) >= 2048);
	assert_true(rte_mbuf_data_iova(m) != RTE_BAD_IOVA);
	rte_pktmbuf_free(m);
	rte_mempool_free(mp);
}

static void
test_pool_inside_umem(void **state)
{
	(void)state;
	check_pool(4095);
	/* Sizes port_pool_size() gives for larger setups, and one that is not 2^n - 1. */
	check_pool(16383);
	check_pool(1000);
}

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	char prefix[64];
	char *eal[] = {"test_port", "--no-pci", "--no-huge", "-m", "256",
		       "--file-prefix", prefix, "-l", "0", "--log-level", "error", NULL};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_inside_umem),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "swerve_test_port_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "test_port: EAL init failed\n");
		return 1;
	}
	char rundir[256];

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	/* The EAL leaves its runtime directory (/var/run/dpdk/PREFIX) behind. */
	if (strstr(rundir, prefix) != NULL)
		nftw(rundir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	return rc;
}
