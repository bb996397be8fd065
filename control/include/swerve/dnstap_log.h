/* SPDX-License-Identifier: BSD-3-Clause */
/* dnstap's control side: the writer thread, the encoder and the TCP thread's hook (docs/dnstap.md). */

#ifndef SWERVE_DNSTAP_LOG_H
#define SWERVE_DNSTAP_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dnstap_rec;
struct dnstap_ring;
struct metrics;
struct swerve_config;

/* The Frame Streams content type of every frame written. */
#define DNSTAP_CONTENT_TYPE "protobuf:dnstap.Dnstap"

/* dnstap's SocketProtocol values. */
#define DNSTAP_PROTO_UDP 1
#define DNSTAP_PROTO_TCP 2

/*
 * One record taken apart (dnstap_encode.c): pointers into the record, valid
 * while it is. Addresses are 4 octets (family 4) or 16 (family 6); ports in
 * host order; each message is what the record holds of it (*_len octets) and
 * its real length (*_full), larger when the producer cut it.
 */
struct dnstap_fields {
	uint8_t family; /* 4 or 6. */
	uint8_t proto;	/* DNSTAP_PROTO_UDP or DNSTAP_PROTO_TCP. */
	const uint8_t *qaddr, *raddr;
	uint16_t qport, rport;
	const uint8_t *qmsg, *rmsg;
	uint32_t qmsg_len, qmsg_full;
	uint32_t rmsg_len, rmsg_full;
};

/*
 * Take @r apart: a worker's record holds two Ethernet frames (the query as
 * it arrived, the response as it left), which are parsed here, off the
 * worker; the TCP thread's holds the messages and addresses themselves.
 * Returns 0, or -EINVAL for a frame that does not hold IPv4 or IPv6 UDP.
 * Thread: any (pure).
 */
int dnstap_rec_fields(const struct dnstap_rec *r, struct dnstap_fields *f);

/*
 * One Dnstap protobuf message for @f: AUTH_QUERY (the query message and its
 * time) or, with @response, AUTH_RESPONSE (the query time, the response
 * message and its time). Times are Unix nanoseconds. @identity and @version
 * may be NULL (left out). A cut message is written as held and the real
 * lengths are noted in the Dnstap "extra" field. Returns a malloc()ed buffer
 * of *@len octets, or NULL when memory ran out. Thread: any.
 */
uint8_t *dnstap_encode(const char *identity, const char *version, const struct dnstap_fields *f,
		       bool response, uint64_t qtime_ns, uint64_t rtime_ns, size_t *len);

/* Whether @cfg turns dnstap on (a sink and a sample rate), and the messages per record. */
bool dnstap_enabled(const struct swerve_config *cfg);
uint32_t dnstap_per_record(const struct swerve_config *cfg);

/*
 * Start the writer: open the sink (a file, replaced; or a Unix socket, which
 * Frame Streams reconnects to while it is gone), create the TCP thread's ring
 * and start the thread that drains @rings[0..@nrings-1] (the workers', in
 * worker order, filled by worker_dnstap_init()) and the TCP ring, encodes and
 * hands frames to Frame Streams' own I/O thread. @tsc_hz converts the
 * records' TSC times. Every ring must stay allocated until dnstap_stop().
 * Returns 0 (also when @cfg leaves dnstap off: nothing is started), or a
 * negative code with nothing left running.
 * Thread: main lcore, before the workers and the TCP thread start.
 */
int dnstap_start(const struct swerve_config *cfg, struct dnstap_ring *const *rings,
		 unsigned nrings, uint64_t tsc_hz);

/*
 * Drain what is left, stop the thread, flush and close the sink. Call after
 * the workers and the TCP thread stopped producing. Safe when never started.
 */
void dnstap_stop(void);

/*
 * swerve_dnstap_written_total{source} and swerve_dnstap_dropped_total{source,
 * reason} (docs/dnstap.md). Nothing when dnstap is off. Thread: control.
 */
int dnstap_metrics_register(struct metrics *m);

/*
 * The TCP thread's hook, after each answer on connection @fd: query @q
 * (@qlen octets), response @r (@rlen; 0 = none). Samples like a worker and
 * pushes onto the TCP ring; returns at once while dnstap is off. Thread: the
 * TCP listener only (the ring's one producer).
 */
void dnstap_tcp(int fd, const uint8_t *q, size_t qlen, const uint8_t *r, size_t rlen);

#endif /* SWERVE_DNSTAP_LOG_H */
