/* SPDX-License-Identifier: BSD-3-Clause */
/* The exception path: frames that are not our UDP DNS go to the kernel through a tap, and back. */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <rte_bus_vdev.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "swerve/error.h"
#include "swerve/exception.h"
#include "swerve/log.h"

/*
 * The vdev name. One exception tap per process; the name only has to start
 * with "net_tap" for the bus to find the driver.
 */
#define EXC_VDEV_NAME "net_tap_swerve"

/*
 * Bucket depth: a tenth of a second at the configured rate, so a burst of
 * ARP/ND after a link flap or a client's TCP handshake storm passes whole,
 * but never less than one RX burst, which a worker hands over at once.
 */
#define EXC_BURST_DIV 10
#define EXC_BURST_MIN 32

/* Frames of one class taken per call: a worker hands over one rx burst (WORKER_BURST). */
#define EXC_MAX_BURST 32

/* TSC ticks per second, set once by exception_setup() before workers start; read-only after. */
static uint64_t exc_tsc_hz;

/* Ask the kernel for the netlink acknowledgement of @nh and return its error (0 or -errno). */
static int
exc_nl_talk(int fd, struct nlmsghdr *nh)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	union {
		struct nlmsghdr nh;
		uint8_t buf[4096];
	} ans;
	ssize_t n;

	if (sendto(fd, nh, nh->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, ans.buf, sizeof(ans.buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = &ans.nh; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nh->nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
		}
	}
}

/* Append attribute @type to @nh, which has room for @cap octets. */
static int
exc_nl_attr(struct nlmsghdr *nh, size_t cap, uint16_t type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((uint8_t *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	if (NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len) > cap)
		return -ENOSPC;
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = (uint32_t)(NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len));
	return 0;
}

/*
 * Add @a to interface @ifindex with RTM_NEWADDR. IPv6 addresses are added
 * with IFA_F_NODAD: the address must answer the moment we start, and it is
 * ours by configuration, so there is nothing for DAD to find.
 */
static int
exc_addr_add(int fd, unsigned ifindex, const struct svc_addr *a, uint32_t seq)
{
	union {
		struct nlmsghdr nh;
		uint8_t buf[NLMSG_SPACE(sizeof(struct ifaddrmsg)) + 2 * RTA_SPACE(16)];
	} req;
	struct ifaddrmsg *ifa;
	size_t alen = a->family == AF_INET ? sizeof(a->v4) : sizeof(a->v6);
	const void *addr = a->family == AF_INET ? (const void *)&a->v4 : (const void *)&a->v6;
	int ret;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	req.nh.nlmsg_seq = seq;
	ifa = NLMSG_DATA(&req.nh);
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = a->prefix;
	ifa->ifa_flags = a->family == AF_INET6 ? IFA_F_NODAD : 0;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;

	ret = exc_nl_attr(&req.nh, sizeof(req), IFA_LOCAL, addr, alen);
	if (ret == 0)
		ret = exc_nl_attr(&req.nh, sizeof(req), IFA_ADDRESS, addr, alen);
	if (ret == 0)
		ret = exc_nl_talk(fd, &req.nh);
	return ret;
}

/* Assign every service address to the kernel side of @c->ifname. */
static int
exc_addrs_assign(const struct exc_conf *c)
{
	const char *ifname = c->ifname;
	char text[INET6_ADDRSTRLEN];
	unsigned ifindex;
	int fd, ret = 0;

	ifindex = if_nametoindex(ifname);
	if (ifindex == 0)
		return -errno;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < c->naddrs; i++) {
		const struct svc_addr *a = &c->addrs[i];

		ret = exc_addr_add(fd, ifindex, a, (uint32_t)i + 1);
		inet_ntop(a->family,
			  a->family == AF_INET ? (const void *)&a->v4 : (const void *)&a->v6, text,
			  sizeof(text));
		if (ret < 0) {
			sw_err("exception: cannot add %s/%u to %s: %s", text, a->prefix, ifname,
			       sw_strerror(ret));
			goto out;
		}
		sw_debug("exception: %s/%u on %s", text, a->prefix, ifname);
	}
out:
	close(fd);
	return ret;
}

/*
 * Turn off IPv6 duplicate address detection on @c->ifname, so the link-local
 * address too is usable at once (the service addresses already skip it).
 * Best effort: a host without IPv6 has no such file and needs nothing.
 */
static void
exc_dad_off(const struct exc_conf *c)
{
	const char *ifname = c->ifname;
	char path[128];
	bool v6 = false;
	int fd;

	for (size_t i = 0; i < c->naddrs; i++)
		v6 |= c->addrs[i].family == AF_INET6;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_dad", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0\n", 2) != 2) {
		if (v6)
			sw_warn("exception: cannot write %s: %s", path, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
}

/* Bring @ifname's kernel side up (the tap PMD does on start too; this does not depend on it). */
static int
exc_link_up(const char *ifname)
{
	struct ifreq ifr;
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		ret = -errno;
out:
	close(fd);
	return ret;
}

/* Configure @nqueues queue pairs of the tap from @mp and start it. */
static int
exc_port_start(uint16_t tap, unsigned nqueues, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	int socket = rte_eth_dev_socket_id(tap);
	int ret;

	memset(&conf, 0, sizeof(conf));
	if (socket < 0)
		socket = (int)rte_socket_id();
	ret = rte_eth_dev_configure(tap, (uint16_t)nqueues, (uint16_t)nqueues, &conf);
	if (ret < 0)
		return ret;
	for (unsigned i = 0; i < nqueues; i++) {
		ret = rte_eth_rx_queue_setup(tap, (uint16_t)i, EXC_RX_DESC, (unsigned)socket, NULL,
					     mp);
		if (ret < 0)
			return ret;
		ret = rte_eth_tx_queue_setup(tap, (uint16_t)i, EXC_TX_DESC, (unsigned)socket, NULL);
		if (ret < 0)
			return ret;
	}
	return rte_eth_dev_start(tap);
}

/* A bucket's rate and its depth, which follows from it. */
static void
exc_bucket_set(struct exc_bucket *b, uint64_t rate)
{
	b->rate = rate;
	b->burst = RTE_MAX(rate / EXC_BURST_DIV, (uint64_t)EXC_BURST_MIN);
}

void
exception_retune(struct exc_queue *q, const uint32_t pps[STATS_EXC_MAX])
{
	for (unsigned k = 0; k < STATS_EXC_MAX; k++) {
		struct exc_bucket *b = &q->b[k];

		exc_bucket_set(b, pps[k]);
		if (b->tokens > b->burst * exc_tsc_hz)
			b->tokens = b->burst * exc_tsc_hz;
	}
}

int
exception_setup(const struct exc_conf *c, uint16_t port_id, unsigned nqueues,
		struct rte_mempool *mp, struct exc_queue *q)
{
	const char *ifname = c->ifname;
	struct rte_ether_addr mac;
	char args[IFNAMSIZ + 64];
	uint16_t tap = RTE_MAX_ETHPORTS;
	uint64_t rates[STATS_EXC_MAX];
	bool created = false;
	int ret;

	/* The name goes into a devargs string: a ',' or '=' would split it. */
	if (ifname == NULL || ifname[0] == '\0' || strlen(ifname) >= IFNAMSIZ ||
	    strpbrk(ifname, ",=/ ") != NULL || nqueues == 0 || nqueues > UINT16_MAX)
		return -EINVAL;
#ifdef SWERVE_TEST_HOOKS
	sw_warn("exception path: TEST HOOKS compiled in (-Dtest_hooks=true): a UDP frame to port 9 "
		"can stall a worker; never run this build in production");
#endif
	ret = rte_eth_macaddr_get(port_id, &mac);
	if (ret < 0)
		goto fail;

	/*
	 * The kernel side gets the port's MAC: its ARP and ND answers then name
	 * the address clients already send to, and frames it addresses to itself
	 * are the very frames the port receives.
	 */
	snprintf(args, sizeof(args), "iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT, ifname,
		 RTE_ETHER_ADDR_BYTES(&mac));
	ret = rte_vdev_init(EXC_VDEV_NAME, args);
	if (ret < 0)
		goto fail;
	created = true;
	ret = rte_eth_dev_get_port_by_name(EXC_VDEV_NAME, &tap);
	if (ret < 0)
		goto fail;

	/* Before the link goes up, or the link-local address starts DAD. */
	exc_dad_off(c);

	ret = exc_port_start(tap, nqueues, mp);
	if (ret < 0)
		goto fail;
	ret = exc_addrs_assign(c);
	if (ret < 0)
		goto fail;
	ret = exc_link_up(ifname);
	if (ret < 0)
		goto fail;

	exc_tsc_hz = rte_get_tsc_hz();
	rates[STATS_EXC_NEIGH] = c->neigh_pps;
	rates[STATS_EXC_DNS] = c->dns_pps;
	rates[STATS_EXC_OTHER] = c->pps;
	for (unsigned i = 0; i < nqueues; i++) {
		q[i].tap_port = tap;
		q[i].queue = (uint16_t)i;
		for (unsigned k = 0; k < STATS_EXC_MAX; k++) {
			struct exc_bucket *b = &q[i].b[k];

			exc_bucket_set(b, rates[k]);
			b->tokens = b->burst * exc_tsc_hz;
			b->last_tsc = rte_get_tsc_cycles();
		}
	}
	sw_info("exception: %s (port %u, %u queues; frames/s per queue: ARP/ND %u, TCP/53 and "
		"NOTIFY %u, other %u)",
		ifname, tap, nqueues, c->neigh_pps, c->dns_pps, c->pps);
	return 0;

fail:
	sw_err("exception: cannot set up %s: %s", ifname, sw_strerror(ret));
	if (created) {
		if (tap != RTE_MAX_ETHPORTS) {
			rte_eth_dev_stop(tap);
			rte_eth_dev_close(tap);
		}
		rte_vdev_uninit(EXC_VDEV_NAME);
	}
	return ret;
}

/*
 * Refill @q's bucket for the time since the last call. Tokens are counted in
 * frames times tsc_hz so the refill is a multiplication, not a division. The
 * elapsed time is capped at a second, which keeps rate * elapsed inside 64
 * bits; a bucket deeper than a second's worth then just refills more slowly.
 */
static inline void
exc_refill(struct exc_bucket *q, uint64_t now)
{
	uint64_t elapsed = now - q->last_tsc;
	uint64_t cap = q->burst * exc_tsc_hz;

	q->last_tsc = now;
	if (elapsed > exc_tsc_hz)
		elapsed = exc_tsc_hz;
	q->tokens += elapsed * q->rate;
	if (q->tokens > cap)
		q->tokens = cap;
}

/* Where a UDP or TCP header keeps its checksum, or 0 for other protocols. */
static inline unsigned
exc_csum_off(uint8_t proto, size_t l4_len)
{
	if (proto == IPPROTO_TCP && l4_len >= sizeof(struct rte_tcp_hdr))
		return offsetof(struct rte_tcp_hdr, cksum);
	if (proto == IPPROTO_UDP && l4_len >= sizeof(struct rte_udp_hdr))
		return offsetof(struct rte_udp_hdr, dgram_cksum);
	return 0;
}

/*
 * Complete a TCP or UDP checksum that a virtual link left partial. A veth
 * peer sends with checksum offload: the field holds only the pseudo-header
 * sum, which af_packet and af_xdp pass on as is, and the kernel behind the
 * tap would drop the segment as corrupt. Only that exact partial form is
 * completed: any other value (right or really corrupt) reaches the kernel
 * untouched, for it to judge. Ports that report the checksum skip all this.
 */
static void
exc_csum_complete(struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	size_t len = rte_pktmbuf_data_len(m);
	size_t off = sizeof(struct rte_ether_hdr);
	uint16_t type, *field, partial;
	unsigned coff;

	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN ||
	    len < off)
		return;
	type = ((const struct rte_ether_hdr *)p)->ether_type;
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		if (len < off + sizeof(struct rte_vlan_hdr))
			return;
		type = ((const struct rte_vlan_hdr *)(p + off))->eth_proto;
		off += sizeof(struct rte_vlan_hdr);
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
	    len >= off + sizeof(struct rte_ipv4_hdr)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + off);
		size_t ihl = rte_ipv4_hdr_len(ip);
		size_t tot = rte_be_to_cpu_16(ip->total_length);

		/* A fragment's checksum covers the whole datagram: nothing to do here. */
		if (ihl < sizeof(*ip) || tot < ihl || off + tot > len ||
		    (ip->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0)
			return;
		coff = exc_csum_off(ip->next_proto_id, tot - ihl);
		if (coff == 0)
			return;
		field = (uint16_t *)(void *)(p + off + ihl + coff);
		partial = rte_ipv4_phdr_cksum(ip, 0);
		if (*field != partial || *field == 0)
			return;
		*field = 0;
		*field = rte_ipv4_udptcp_cksum(ip, p + off + ihl);
	} else if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
		   len >= off + sizeof(struct rte_ipv6_hdr)) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + off);
		size_t plen = rte_be_to_cpu_16(ip6->payload_len);

		if (off + sizeof(*ip6) + plen > len)
			return;
		coff = exc_csum_off(ip6->proto, plen);
		if (coff == 0)
			return;
		field = (uint16_t *)(void *)(p + off + sizeof(*ip6) + coff);
		partial = rte_ipv6_phdr_cksum(ip6, 0);
		if (*field != partial)
			return;
		*field = 0;
		*field = rte_ipv6_udptcp_cksum(ip6, p + off + sizeof(*ip6));
	}
}

#ifdef SWERVE_TEST_HOOKS
/*
 * Test builds only (-Dtest_hooks=true): an IPv4 UDP frame to port 9 whose
 * payload is "swerve-test-stall:MS" keeps this worker busy for MS
 * milliseconds (at most 10 s) without a quiescent state or a heartbeat, as
 * a worker stuck in a bug would be. The watchdog test sends it; nothing
 * else can stop one worker while the control thread keeps running.
 */
#define EXC_STALL_MAGIC "swerve-test-stall:"
#define EXC_STALL_MAX_MS 10000

static void
exc_test_stall(struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	size_t len = rte_pktmbuf_data_len(m), ihl, off, mlen = sizeof(EXC_STALL_MAGIC) - 1;
	unsigned ms = 0;

	if (len < RTE_ETHER_HDR_LEN + 20 + 8 || p[12] != 0x08 || p[13] != 0x00)
		return;
	p += RTE_ETHER_HDR_LEN;
	len -= RTE_ETHER_HDR_LEN;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if ((p[0] >> 4) != 4 || ihl < 20 || p[9] != IPPROTO_UDP || len < ihl + 8 + mlen)
		return;
	if (p[ihl + 2] != 0 || p[ihl + 3] != 9 || memcmp(p + ihl + 8, EXC_STALL_MAGIC, mlen) != 0)
		return;
	for (off = ihl + 8 + mlen; off < len && p[off] >= '0' && p[off] <= '9' && ms < 100000; off++)
		ms = ms * 10 + (unsigned)(p[off] - '0');
	if (ms > EXC_STALL_MAX_MS)
		ms = EXC_STALL_MAX_MS;
	rte_delay_us_block(ms * 1000u);
}
#endif

unsigned
exception_to_kernel(struct exc_queue *q, struct rte_mbuf **m, const uint8_t *cls, unsigned n,
		    struct worker_stats *st)
{
	struct rte_mbuf *by[STATS_EXC_MAX][EXC_MAX_BURST];
	unsigned nby[STATS_EXC_MAX] = {0};
	unsigned total = 0;
	uint64_t now;

#ifdef SWERVE_TEST_HOOKS
	for (unsigned i = 0; i < n; i++)
		exc_test_stall(m[i]);
#endif
	for (unsigned i = 0; i < n; i++) {
		unsigned k = cls[i] < STATS_EXC_MAX ? cls[i] : STATS_EXC_OTHER;

		/* A worker hands over at most one rx burst; anything past it is not sent. */
		if (nby[k] == EXC_MAX_BURST) {
			st->exc_class_limited[k]++;
			st->exc_limited++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		by[k][nby[k]++] = m[i];
	}
	now = rte_get_tsc_cycles();
	for (unsigned k = 0; k < STATS_EXC_MAX; k++) {
		struct exc_bucket *b = &q->b[k];
		unsigned allowed = 0, cnt = nby[k];
		uint16_t sent = 0;

		if (cnt == 0)
			continue;
		exc_refill(b, now);
		/* cnt is at most a burst: counting beats a 64-bit division. */
		while (allowed < cnt && b->tokens >= exc_tsc_hz) {
			b->tokens -= exc_tsc_hz;
			allowed++;
		}
		for (unsigned i = 0; i < allowed; i++)
			exc_csum_complete(by[k][i]);
		if (allowed != 0)
			sent = rte_eth_tx_burst(q->tap_port, q->queue, by[k], (uint16_t)allowed);
		/* Frames the tap refused did not reach the kernel: they cost nothing. */
		b->tokens += (uint64_t)(allowed - sent) * exc_tsc_hz;
		if (sent < cnt)
			rte_pktmbuf_free_bulk(by[k] + sent, cnt - sent);
		st->exc_class_kernel[k] += sent;
		st->exc_class_limited[k] += cnt - sent;
		st->exc_to_kernel += sent;
		st->exc_limited += cnt - sent;
		total += sent;
	}
	return total;
}

unsigned
exception_from_kernel(struct exc_queue *q, struct rte_mbuf **m, unsigned max)
{
	if (max > UINT16_MAX)
		max = UINT16_MAX;
	return rte_eth_rx_burst(q->tap_port, q->queue, m, (uint16_t)max);
}

void
exception_close(uint16_t tap_port)
{
	char name[RTE_ETH_NAME_MAX_LEN];

	if (rte_eth_dev_get_name_by_port(tap_port, name) < 0)
		return;
	rte_eth_dev_stop(tap_port);
	rte_eth_dev_close(tap_port);
	/* Closing the tap's last queue removes the kernel interface and its addresses. */
	rte_vdev_uninit(name);
}
