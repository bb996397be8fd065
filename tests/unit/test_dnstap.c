/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnstap (docs/dnstap.md): the producers' SPSC ring (order, full ring drops
 * and counts, wrap-around), the sampler, and the encoder, whose output is
 * read back with the unpack protoc-c generated from our schema.
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "swerve/dnstap.h"
#include "swerve/dnstap_log.h"

#include "dnstap.pb-c.h"

/* A ring of @n records in memory of its own (freed by the caller, the ring is its start). */
static struct dnstap_ring *
ring_new(uint32_t n)
{
	void *mem = NULL;

	assert_int_equal(posix_memalign(&mem, 64, dnstap_ring_bytes(n)), 0);
	return dnstap_ring_init(mem, n);
}

/* Push one record whose qtsc is @v; false when the ring was full. */
static bool
push(struct dnstap_ring *r, uint64_t v)
{
	struct dnstap_rec *rec = dnstap_ring_reserve(r);

	if (rec == NULL)
		return false;
	rec->qtsc = v;
	dnstap_ring_commit(r);
	return true;
}

/* Pop one record and return its qtsc; UINT64_MAX when empty. */
static uint64_t
pop(struct dnstap_ring *r)
{
	const struct dnstap_rec *rec = dnstap_ring_front(r);
	uint64_t v;

	if (rec == NULL)
		return UINT64_MAX;
	v = rec->qtsc;
	dnstap_ring_pop(r);
	return v;
}

static void
test_ring_init(void **state)
{
	uint8_t mem[64 * 8] __attribute__((aligned(64)));

	(void)state;
	assert_null(dnstap_ring_init(mem, 0));
	assert_null(dnstap_ring_init(mem, 1));
	assert_null(dnstap_ring_init(mem, 6));
	assert_null(dnstap_ring_init(NULL, 8));
	assert_true(dnstap_ring_bytes(8) >= sizeof(struct dnstap_ring) + 8 * sizeof(struct dnstap_rec));
}

/* Records come out in the order they went in; a full ring refuses and the first ones stay. */
static void
test_ring_full(void **state)
{
	struct dnstap_ring *r = ring_new(4);

	(void)state;
	assert_non_null(r);
	assert_int_equal(pop(r), UINT64_MAX);
	for (uint64_t i = 0; i < 4; i++)
		assert_true(push(r, 100 + i));
	assert_false(push(r, 999));
	assert_null(dnstap_ring_reserve(r));
	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(pop(r), 100 + i);
	assert_int_equal(pop(r), UINT64_MAX);
	/* Room again once the consumer gave slots back. */
	assert_true(push(r, 7));
	assert_int_equal(pop(r), 7);
	free(r);
}

/* Many times round a small ring, with the fill level changing: order and content survive. */
static void
test_ring_wrap(void **state)
{
	struct dnstap_ring *r = ring_new(8);
	uint64_t next_in = 0, next_out = 0;

	(void)state;
	for (unsigned round = 0; round < 1000; round++) {
		unsigned in = round % 9, out = (round * 7) % 9;

		for (unsigned i = 0; i < in; i++) {
			if (!push(r, next_in))
				break;
			next_in++;
		}
		assert_true(next_in - next_out <= 8);
		for (unsigned i = 0; i < out && next_out < next_in; i++)
			assert_int_equal(pop(r), next_out++);
	}
	while (next_out < next_in)
		assert_int_equal(pop(r), next_out++);
	assert_int_equal(pop(r), UINT64_MAX);
	/* The 32-bit indexes went round the 8 slots many times. */
	assert_true(next_in > 8 * 100);
	free(r);
}

/* The head and tail indexes wrap past 2^32 without losing a record. */
static void
test_ring_index_wrap(void **state)
{
	struct dnstap_ring *r = ring_new(4);

	(void)state;
	r->head = r->tail = r->tail_seen = r->head_seen = UINT32_MAX - 1;
	for (uint64_t i = 0; i < 4; i++)
		assert_true(push(r, i));
	assert_false(push(r, 9));
	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(pop(r), i);
	assert_int_equal(r->head, 2);
	free(r);
}

/* 1 in 3; a sample that is not answered passes to the next frame; a full ring counts drops. */
static void
test_tap_sampling(void **state)
{
	struct dnstap_ring *r = ring_new(2);
	struct dnstap_tap t;
	struct dnstap_rec *rec;
	uint8_t f[4] = {1, 2, 3, 4};
	unsigned sampled = 0;

	(void)state;
	dnstap_tap_init(&t, r, 3, 2);
	assert_null(dnstap_tap_query(&t, f, 4, 1));
	assert_null(dnstap_tap_query(&t, f, 4, 2));
	rec = dnstap_tap_query(&t, f, 4, 3);
	assert_non_null(rec);
	assert_int_equal(rec->qtsc, 3);
	assert_int_equal(rec->qlen, 4);
	/* Not answered: the next frame is the sample, in the same slot. */
	assert_ptr_equal(dnstap_tap_query(&t, f, 4, 4), rec);
	dnstap_tap_response(&t, rec, f, 2, 5);
	assert_int_equal(pop(r), 4);
	/* Then three more frames to the next one. */
	for (unsigned i = 0; i < 30; i++) {
		rec = dnstap_tap_query(&t, f, 4, 10 + i);
		if (rec != NULL) {
			dnstap_tap_response(&t, rec, f, 4, 10 + i);
			sampled++;
		}
	}
	/* Ten were due, two fit, eight were dropped, each worth two messages. */
	assert_int_equal(sampled, 2);
	assert_int_equal(dnstap_ring_dropped(r), 16);
	assert_int_equal(pop(r), 12);
	assert_int_equal(pop(r), 15);
	assert_int_equal(pop(r), UINT64_MAX);
	/* Off: every == 0 never samples (the caller does not even call, but it is safe). */
	dnstap_tap_init(&t, NULL, 5, 2);
	assert_int_equal(t.every, 0);
	free(r);
}

/* A UDP frame: Ethernet (+ a tag), IPv4 with @opt option octets or IPv6, UDP, @msg. */
static size_t
frame(uint8_t *f, bool v6, bool vlan, unsigned opt, const uint8_t *src, const uint8_t *dst,
      uint16_t sport, uint16_t dport, const uint8_t *msg, size_t mlen)
{
	size_t off = 12, l4;

	memset(f, 0, 2048);
	memset(f, 0x02, 12);
	if (vlan) {
		f[off++] = 0x81;
		f[off++] = 0x00;
		f[off++] = 0x00;
		f[off++] = 0x05;
	}
	f[off++] = v6 ? 0x86 : 0x08;
	f[off++] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[off] = 0x60;
		f[off + 4] = (uint8_t)((8 + mlen) >> 8);
		f[off + 5] = (uint8_t)(8 + mlen);
		f[off + 6] = 17;
		f[off + 7] = 64;
		memcpy(f + off + 8, src, 16);
		memcpy(f + off + 24, dst, 16);
		l4 = off + 40;
	} else {
		size_t ihl = 20 + opt;

		f[off] = (uint8_t)(0x40 | ihl / 4);
		f[off + 2] = (uint8_t)((ihl + 8 + mlen) >> 8);
		f[off + 3] = (uint8_t)(ihl + 8 + mlen);
		f[off + 8] = 64;
		f[off + 9] = 17;
		memcpy(f + off + 12, src, 4);
		memcpy(f + off + 16, dst, 4);
		l4 = off + ihl;
	}
	f[l4] = (uint8_t)(sport >> 8);
	f[l4 + 1] = (uint8_t)sport;
	f[l4 + 2] = (uint8_t)(dport >> 8);
	f[l4 + 3] = (uint8_t)dport;
	f[l4 + 4] = (uint8_t)((8 + mlen) >> 8);
	f[l4 + 5] = (uint8_t)(8 + mlen);
	memcpy(f + l4 + 8, msg, mlen);
	return l4 + 8 + mlen;
}

/* www.example.test A, id 0x1234: the query; the response adds QR, AA and one A record. */
static const uint8_t qmsg[] = {0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
			       0x00, 3,	   'w',	 'w',  'w',  7,	   'e',	 'x',  'a',  'm',  'p',
			       'l',  'e',  4,	 't',  'e',  's',  't',	 0,    0x00, 0x01, 0x00, 0x01};
static const uint8_t rmsg[] = {0x12, 0x34, 0x84, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
			       0x00, 3,	   'w',	 'w',  'w',  7,	   'e',	 'x',  'a',  'm',  'p',
			       'l',  'e',  4,	 't',  'e',  's',  't',	 0,    0x00, 0x01, 0x00, 0x01,
			       0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00,
			       0x04, 192,  0,	 2,    80};

static const uint8_t cl4[4] = {198, 18, 0, 1}, sv4[4] = {198, 18, 0, 53};
static const uint8_t cl6[16] = {0x20, 0x01, 0, 2, [15] = 1}, sv6[16] = {0x20, 0x01, 0, 2, [15] = 0x53};

/* Encode @f as one kind, unpack it with the generated code and return it (free_unpacked it). */
static Dnstap__Dnstap *
roundtrip(const struct dnstap_fields *f, bool response, uint64_t qns, uint64_t rns)
{
	size_t len = 0;
	uint8_t *buf = dnstap_encode("node-1", "swerve test", f, response, qns, rns, &len);
	Dnstap__Dnstap *d;

	assert_non_null(buf);
	d = dnstap__dnstap__unpack(NULL, len, buf);
	free(buf);
	assert_non_null(d);
	assert_int_equal(d->type, DNSTAP__DNSTAP__TYPE__MESSAGE);
	assert_true(d->has_identity);
	assert_int_equal(d->identity.len, 6);
	assert_memory_equal(d->identity.data, "node-1", 6);
	assert_true(d->has_version);
	assert_memory_equal(d->version.data, "swerve test", 11);
	assert_non_null(d->message);
	return d;
}

/* The common fields of either kind against what went in. */
static void
check_common(const Dnstap__Message *m, bool v6, int proto, const uint8_t *cl, const uint8_t *sv,
	     uint16_t cport, uint64_t qns)
{
	size_t alen = v6 ? 16 : 4;

	assert_true(m->has_socket_family);
	assert_int_equal(m->socket_family,
			 v6 ? DNSTAP__SOCKET_FAMILY__INET6 : DNSTAP__SOCKET_FAMILY__INET);
	assert_true(m->has_socket_protocol);
	assert_int_equal(m->socket_protocol, proto);
	assert_int_equal(m->query_address.len, alen);
	assert_memory_equal(m->query_address.data, cl, alen);
	assert_int_equal(m->response_address.len, alen);
	assert_memory_equal(m->response_address.data, sv, alen);
	assert_int_equal(m->query_port, cport);
	assert_int_equal(m->response_port, 53);
	assert_true(m->has_query_time_sec && m->has_query_time_nsec);
	assert_int_equal(m->query_time_sec, qns / 1000000000u);
	assert_int_equal(m->query_time_nsec, qns % 1000000000u);
}

/* A worker's record (two frames through the sampler) encodes to matching query and response. */
static void
run_frames(bool v6, bool vlan, unsigned opt)
{
	struct dnstap_ring *r = ring_new(4);
	struct dnstap_tap t;
	struct dnstap_rec *rec;
	struct dnstap_fields f;
	const struct dnstap_rec *got;
	uint8_t qf[2048], rf[2048];
	size_t ql, rl;
	const uint64_t qns = 1765000000123456789ull, rns = 1765000000123466789ull;
	Dnstap__Dnstap *d;
	const Dnstap__Message *m;

	dnstap_tap_init(&t, r, 1, 2);
	ql = frame(qf, v6, vlan, opt, v6 ? cl6 : cl4, v6 ? sv6 : sv4, 40000, 53, qmsg,
		   sizeof(qmsg));
	rl = frame(rf, v6, vlan, 0, v6 ? sv6 : sv4, v6 ? cl6 : cl4, 53, 40000, rmsg,
		   sizeof(rmsg));
	rec = dnstap_tap_query(&t, qf, (uint32_t)ql, 11);
	assert_non_null(rec);
	dnstap_tap_response(&t, rec, rf, (uint32_t)rl, 22);
	got = dnstap_ring_front(r);
	assert_non_null(got);
	assert_int_equal(dnstap_rec_fields(got, &f), 0);
	assert_int_equal(f.family, v6 ? 6 : 4);
	assert_int_equal(f.qmsg_full, sizeof(qmsg));
	assert_int_equal(f.rmsg_full, sizeof(rmsg));

	d = roundtrip(&f, false, qns, rns);
	m = d->message;
	assert_int_equal(m->type, DNSTAP__MESSAGE__TYPE__AUTH_QUERY);
	check_common(m, v6, DNSTAP__SOCKET_PROTOCOL__UDP, v6 ? cl6 : cl4, v6 ? sv6 : sv4, 40000,
		     qns);
	assert_true(m->has_query_message);
	assert_int_equal(m->query_message.len, sizeof(qmsg));
	assert_memory_equal(m->query_message.data, qmsg, sizeof(qmsg));
	assert_false(m->has_response_message);
	assert_false(d->has_extra);
	dnstap__dnstap__free_unpacked(d, NULL);

	d = roundtrip(&f, true, qns, rns);
	m = d->message;
	assert_int_equal(m->type, DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE);
	check_common(m, v6, DNSTAP__SOCKET_PROTOCOL__UDP, v6 ? cl6 : cl4, v6 ? sv6 : sv4, 40000,
		     qns);
	assert_true(m->has_response_message);
	assert_int_equal(m->response_message.len, sizeof(rmsg));
	assert_memory_equal(m->response_message.data, rmsg, sizeof(rmsg));
	assert_true(m->has_response_time_sec && m->has_response_time_nsec);
	assert_int_equal(m->response_time_sec, rns / 1000000000u);
	assert_int_equal(m->response_time_nsec, rns % 1000000000u);
	assert_false(m->has_query_message);
	dnstap__dnstap__free_unpacked(d, NULL);
	dnstap_ring_pop(r);
	free(r);
}

static void
test_encode_ipv4(void **state)
{
	(void)state;
	run_frames(false, false, 0);
}

static void
test_encode_ipv4_options_vlan(void **state)
{
	(void)state;
	run_frames(false, true, 8);
}

static void
test_encode_ipv6(void **state)
{
	(void)state;
	run_frames(true, false, 0);
}

/* The TCP thread's record: messages and addresses as they are; a long answer is cut and noted. */
static void
test_encode_tcp_cut(void **state)
{
	struct dnstap_rec *rec = calloc(1, sizeof(*rec));
	struct dnstap_fields f;
	Dnstap__Dnstap *d;
	uint8_t big[2000];

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	rec->kind = DNSTAP_REC_TCP;
	rec->family = 4;
	memcpy(rec->qaddr, cl4, 4);
	memcpy(rec->raddr, sv4, 4);
	rec->qport = 51000;
	rec->rport = 53;
	rec->qfull = rec->qlen = sizeof(qmsg);
	memcpy(rec->q, qmsg, sizeof(qmsg));
	rec->rfull = sizeof(big);
	rec->rlen = DNSTAP_ROOM;
	memcpy(rec->r, big, DNSTAP_ROOM);
	assert_int_equal(dnstap_rec_fields(rec, &f), 0);
	assert_int_equal(f.proto, DNSTAP_PROTO_TCP);

	d = roundtrip(&f, true, 5000000000ull, 5000000001ull);
	check_common(d->message, false, DNSTAP__SOCKET_PROTOCOL__TCP, cl4, sv4, 51000, 5000000000ull);
	assert_int_equal(d->message->response_message.len, DNSTAP_ROOM);
	assert_memory_equal(d->message->response_message.data, big, DNSTAP_ROOM);
	assert_true(d->has_extra);
	assert_non_null(memmem(d->extra.data, d->extra.len, "608 of 2000", 11));
	dnstap__dnstap__free_unpacked(d, NULL);

	d = roundtrip(&f, false, 5000000000ull, 5000000001ull);
	assert_int_equal(d->message->query_message.len, sizeof(qmsg));
	assert_false(d->has_extra);
	dnstap__dnstap__free_unpacked(d, NULL);
	free(rec);
}

/* Records that do not hold IPv4/IPv6 UDP frames are refused, not read past their end. */
static void
test_fields_bad(void **state)
{
	struct dnstap_rec *rec = calloc(1, sizeof(*rec));
	struct dnstap_fields f;
	uint8_t qf[2048], rf[2048];
	size_t ql, rl;

	(void)state;
	ql = frame(qf, false, false, 0, cl4, sv4, 40000, 53, qmsg, sizeof(qmsg));
	rl = frame(rf, false, false, 0, sv4, cl4, 53, 40000, rmsg, sizeof(rmsg));
	rec->kind = DNSTAP_REC_FRAMES;
	memcpy(rec->q, qf, ql);
	memcpy(rec->r, rf, rl);
	rec->qlen = (uint16_t)ql;
	rec->rlen = (uint16_t)rl;
	assert_int_equal(dnstap_rec_fields(rec, &f), 0);
	rec->qlen = 30; /* Cut inside the IPv4 header. */
	assert_int_equal(dnstap_rec_fields(rec, &f), -EINVAL);
	rec->qlen = (uint16_t)ql;
	rec->q[12] = 0x08;
	rec->q[13] = 0x06; /* ARP */
	assert_int_equal(dnstap_rec_fields(rec, &f), -EINVAL);
	rec->q[13] = 0x00;
	rec->q[14 + 9] = 6; /* TCP */
	assert_int_equal(dnstap_rec_fields(rec, &f), -EINVAL);
	rec->q[14 + 9] = 17;
	rec->kind = 0;
	assert_int_equal(dnstap_rec_fields(rec, &f), -EINVAL);
	free(rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_init),
		cmocka_unit_test(test_ring_full),
		cmocka_unit_test(test_ring_wrap),
		cmocka_unit_test(test_ring_index_wrap),
		cmocka_unit_test(test_tap_sampling),
		cmocka_unit_test(test_encode_ipv4),
		cmocka_unit_test(test_encode_ipv4_options_vlan),
		cmocka_unit_test(test_encode_ipv6),
		cmocka_unit_test(test_encode_tcp_cut),
		cmocka_unit_test(test_fields_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
