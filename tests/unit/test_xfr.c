/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of the zone-transfer client against a scripted fake primary on loopback, and of NOTIFY. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "swerve/error.h"
#include "swerve/xfr.h"
#include "swerve/zone.h"

/* ---- zones ---------------------------------------------------------------------------- */

#define SOA(n)                                                                                     \
	"example.com. 3600 IN SOA ns1.example.com. host.example.com. " #n " 3600 600 86400 300"

static const char *const zone_v1[] = {
	SOA(1),
	"example.com. 3600 IN NS ns1.example.com.",
	"ns1.example.com. 3600 IN A 192.0.2.53",
	"www.example.com. 300 IN A 192.0.2.1",
	"www.example.com. 300 IN A 192.0.2.2",
	"mail.example.com. 300 IN MX 10 mx.example.com.",
	"txt.example.com. 300 IN TXT \"hello world\"",
	NULL,
};

/* v1 -> v2: www .2 becomes .3; v2 -> v3: txt goes, new AAAA comes, MX TTL changes. */
static const char *const zone_v3[] = {
	SOA(3),
	"example.com. 3600 IN NS ns1.example.com.",
	"ns1.example.com. 3600 IN A 192.0.2.53",
	"www.example.com. 300 IN A 192.0.2.1",
	"www.example.com. 300 IN A 192.0.2.3",
	"mail.example.com. 60 IN MX 10 mx.example.com.",
	"new.example.com. 300 IN AAAA 2001:db8::1",
	NULL,
};

static const char *const ixfr_1_3[] = {
	SOA(3),
	SOA(1),
	"WWW.Example.COM. 300 IN A 192.0.2.2", /* case must not matter */
	SOA(2),
	"www.example.com. 300 IN A 192.0.2.3",
	SOA(2),
	"txt.example.com. 300 IN TXT \"hello world\"",
	SOA(3),
	"new.example.com. 300 IN AAAA 2001:db8::1",
	"mail.example.com. 60 IN MX 10 mx.example.com.",
	SOA(3),
	NULL,
};

/* Deletes a record v1 does not have: must not apply. */
static const char *const ixfr_bad[] = {
	SOA(3), SOA(1), "nothere.example.com. 300 IN A 192.0.2.99", SOA(3), SOA(3), NULL,
};

static ldns_rr_list *
rrs_of(const char *const *lines)
{
	ldns_rr_list *l = ldns_rr_list_new();

	for (size_t i = 0; lines[i] != NULL; i++) {
		ldns_rr *rr = NULL;

		assert_int_equal(ldns_rr_new_frm_str(&rr, lines[i], 3600, NULL, NULL),
				 LDNS_STATUS_OK);
		ldns_rr_list_push_rr(l, rr);
	}
	return l;
}

static ldns_rr *
soa_rr(uint32_t serial)
{
	char buf[200];
	ldns_rr *rr = NULL;

	snprintf(
		buf, sizeof(buf),
		"example.com. 3600 IN SOA ns1.example.com. host.example.com. %u 3600 600 86400 300",
		serial);
	assert_int_equal(ldns_rr_new_frm_str(&rr, buf, 3600, NULL, NULL), LDNS_STATUS_OK);
	return rr;
}

/* Same records (owner, type, class, RDATA; TTL not compared), in any order. */
static bool
rrs_same(const ldns_rr_list *a, const ldns_rr_list *b)
{
	ldns_rr_list *x = ldns_rr_list_clone(a), *y = ldns_rr_list_clone(b);
	bool eq;

	ldns_rr_list_sort(x);
	ldns_rr_list_sort(y);
	eq = ldns_rr_list_compare(x, y) == 0;
	ldns_rr_list_deep_free(x);
	ldns_rr_list_deep_free(y);
	return eq;
}

static uint32_t
ttl_of(const ldns_rr_list *l, const char *owner, ldns_rr_type type)
{
	ldns_rdf *o = ldns_dname_new_frm_str(owner);
	uint32_t ttl = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);

		if (ldns_rr_get_type(rr) == type && ldns_dname_compare(ldns_rr_owner(rr), o) == 0)
			ttl = ldns_rr_ttl(rr);
	}
	ldns_rdf_deep_free(o);
	return ttl;
}

/* ---- the fake primary ------------------------------------------------------------------- */

enum fake_ixfr {
	IXFR_INCR,   /* Send @incr. */
	IXFR_NOTIMP, /* RCODE NOTIMP. */
	IXFR_FULL,   /* AXFR-style: the whole zone. */
};

struct fake {
	int tfd, ufd, stop[2];
	uint16_t port;
	pthread_t th;
	/* Script. */
	ldns_rr_list *zone; /* Served by AXFR (and IXFR_FULL); SOA first. */
	ldns_rr_list *incr; /* Served by IXFR_INCR (as is: SOA first and last). */
	enum fake_ixfr ixfr;
	size_t per_msg;		    /* Records per message. */
	const struct xfr_tsig *key; /* Sign answers with it. */
	long skew;		    /* Sign answers this many seconds off our clock. */
	bool unsigned_later;	    /* Leave messages after the first unsigned. */
	int sign_every;		    /* > 0: sign the first, every Nth and the last only. */
	int cut_after;		    /* > 0: close after this many messages. */
	ldns_pkt_rcode axfr_rcode;  /* Not NOERROR: answer AXFR with it. */
	bool garbage, wrong_id, wrong_q, silent, udp_tc, udp_noaa, udp_wrong_id;
	/* What it saw. */
	int nqueries;
	ldns_rr_type qtypes[8];
	bool query_signed;
};

static struct fake fk;

/*
 * The clock TSIG signatures are made with: ldns stamps a signature with
 * gettimeofday(), so this definition (the executable's, which interposes
 * libldns's) adds the calling thread's skew. The code under test reads time()
 * and is not skewed: a test sets tsig_skew around one signature to sign
 * "@skew seconds from now" (RFC 8945 5.2.3, the time window).
 */
static __thread long tsig_skew;

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	tv->tv_sec = ts.tv_sec + tsig_skew;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

static void
fake_send(int fd, const uint8_t *w, size_t len)
{
	uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};

	/* The client hangs up on a bad message: no SIGPIPE for the rest. */
	(void)!send(fd, hdr, 2, MSG_NOSIGNAL);
	(void)!send(fd, w, len, MSG_NOSIGNAL);
}

/* An answer to @q holding @rrs[from, to), signed as the script says. */
static ldns_pkt *
fake_answer(const ldns_pkt *q, const ldns_rr_list *rrs, size_t from, size_t to, bool question,
	    ldns_pkt_rcode rc)
{
	ldns_pkt *a = ldns_pkt_new();

	ldns_pkt_set_id(a, fk.wrong_id ? ldns_pkt_id(q) + 1 : ldns_pkt_id(q));
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_aa(a, true);
	ldns_pkt_set_rcode(a, rc);
	if (question) {
		ldns_rr *qq = ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0));

		if (fk.wrong_q) {
			ldns_rdf_deep_free(ldns_rr_owner(qq));
			ldns_rr_set_owner(qq, ldns_dname_new_frm_str("example.net."));
		}
		ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, qq);
	}
	for (size_t i = from; rrs != NULL && i < to; i++)
		ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, ldns_rr_clone(ldns_rr_list_rr(rrs, i)));
	return a;
}

/* Sign @a chaining @prev (the request's MAC for the first answer); returns a's MAC. */
static ldns_rdf *
fake_sign(ldns_pkt *a, const ldns_rdf *prev, bool first)
{
	tsig_skew = fk.skew;
	assert_int_equal(ldns_pkt_tsig_sign_next(a, fk.key->name, fk.key->secret, 300,
						 fk.key->algorithm, prev, first ? 0 : 1),
			 LDNS_STATUS_OK);
	tsig_skew = 0;
	return ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(a), 3));
}

/* @mac followed by @pend: what a signed message after unsigned ones chains to (RFC 8945 5.3.1). */
static ldns_rdf *
fake_prefix(const ldns_rdf *mac, const uint8_t *pend, size_t npend)
{
	uint8_t *d = malloc(ldns_rdf_size(mac) + npend + 1);

	memcpy(d, ldns_rdf_data(mac), ldns_rdf_size(mac));
	if (npend > 0)
		memcpy(d + ldns_rdf_size(mac), pend, npend);
	return ldns_rdf_new(LDNS_RDF_TYPE_INT16_DATA, ldns_rdf_size(mac) + npend, d);
}

/* Send @rrs as a stream of messages of fk.per_msg records. */
static void
fake_stream(int fd, const ldns_pkt *q, const ldns_rr_list *rrs, ldns_pkt_rcode rc)
{
	size_t n = rrs != NULL ? ldns_rr_list_rr_count(rrs) : 0,
	       per = fk.per_msg ? fk.per_msg : 1000;
	const ldns_rr *qt = ldns_pkt_tsig(q);
	ldns_rdf *mac = qt != NULL ? ldns_rdf_clone(ldns_rr_rdf(qt, 3)) : NULL;
	uint8_t *pend = NULL;
	size_t npend = 0;
	int m = 0;

	for (size_t from = 0; from < n || (n == 0 && m == 0); from += per, m++) {
		size_t to = from + per < n ? from + per : n;
		bool sign = fk.key != NULL && !(fk.unsigned_later && m > 0);
		ldns_pkt *a;
		uint8_t *w;
		size_t wl;

		if (fk.sign_every > 0)
			sign = m == 0 || to == n || m % fk.sign_every == 0;
		if (fk.cut_after > 0 && m == fk.cut_after)
			break;
		a = fake_answer(q, rrs, from, to, m == 0, rc);
		if (sign) {
			ldns_rdf *prefix = fake_prefix(mac, pend, npend);
			ldns_rdf *next = fake_sign(a, m == 0 ? mac : prefix, m == 0);

			ldns_rdf_deep_free(prefix);
			ldns_rdf_deep_free(mac);
			mac = next;
			npend = 0;
		}
		ldns_pkt2wire(&w, a, &wl);
		if (!sign && fk.sign_every > 0) {
			pend = realloc(pend, npend + wl);
			memcpy(pend + npend, w, wl);
			npend += wl;
		}
		fake_send(fd, w, wl);
		free(w);
		ldns_pkt_free(a);
		if (n == 0)
			break;
	}
	free(pend);
	ldns_rdf_deep_free(mac);
}

/* The zone with its closing SOA, as AXFR sends it. */
static ldns_rr_list *
fake_axfr_rrs(void)
{
	ldns_rr_list *l = ldns_rr_list_clone(fk.zone);

	ldns_rr_list_push_rr(l, ldns_rr_clone(ldns_rr_list_rr(fk.zone, 0)));
	return l;
}

static void
fake_tcp(int fd)
{
	uint8_t hdr[2], buf[4096];
	ldns_pkt *q = NULL;
	ldns_rr_type t;
	size_t len;

	if (read(fd, hdr, 2) != 2)
		return;
	len = (size_t)hdr[0] << 8 | hdr[1];
	if (len > sizeof(buf) || read(fd, buf, len) != (ssize_t)len)
		return;
	if (ldns_wire2pkt(&q, buf, len) != LDNS_STATUS_OK)
		return;
	t = ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(q), 0));
	if (fk.nqueries < 8)
		fk.qtypes[fk.nqueries] = t;
	fk.nqueries++;
	fk.query_signed = ldns_pkt_tsig(q) != NULL;
	if (fk.silent) {
		struct pollfd p = {.fd = fk.stop[0], .events = POLLIN};

		poll(&p, 1, 5000);
	} else if (fk.garbage) {
		static const uint8_t junk[] = {0x00, 0x20, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03,
					       0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
					       0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
					       0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c};

		(void)!send(fd, junk, sizeof(junk), MSG_NOSIGNAL);
	} else if (t == LDNS_RR_TYPE_IXFR && fk.ixfr == IXFR_NOTIMP) {
		fake_stream(fd, q, NULL, LDNS_RCODE_NOTIMPL);
	} else if (t == LDNS_RR_TYPE_IXFR && fk.ixfr == IXFR_INCR) {
		fake_stream(fd, q, fk.incr, LDNS_RCODE_NOERROR);
	} else if (t == LDNS_RR_TYPE_SOA) {
		ldns_rr_list *l = ldns_rr_list_new();

		ldns_rr_list_push_rr(l, ldns_rr_clone(ldns_rr_list_rr(fk.zone, 0)));
		fake_stream(fd, q, l, LDNS_RCODE_NOERROR);
		ldns_rr_list_deep_free(l);
	} else {
		ldns_rr_list *l = fake_axfr_rrs();

		fake_stream(fd, q, fk.axfr_rcode != 0 ? NULL : l, fk.axfr_rcode);
		ldns_rr_list_deep_free(l);
	}
	ldns_pkt_free(q);
}

static void
fake_udp(void)
{
	uint8_t buf[4096];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fk.ufd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	ldns_pkt *q = NULL, *a;
	ldns_rr_list *l;
	uint8_t *w;
	size_t wl;

	if (n <= 0 || ldns_wire2pkt(&q, buf, (size_t)n) != LDNS_STATUS_OK)
		return;
	fk.nqueries++;
	fk.query_signed = ldns_pkt_tsig(q) != NULL;
	if (fk.silent)
		goto out;
	l = ldns_rr_list_new();
	ldns_rr_list_push_rr(l, ldns_rr_clone(ldns_rr_list_rr(fk.zone, 0)));
	a = fake_answer(q, fk.udp_tc ? NULL : l, 0, 1, true, LDNS_RCODE_NOERROR);
	ldns_pkt_set_tc(a, fk.udp_tc);
	ldns_pkt_set_aa(a, !fk.udp_noaa);
	if (fk.udp_wrong_id)
		ldns_pkt_set_id(a, ldns_pkt_id(q) ^ 0x5555);
	if (fk.key != NULL) {
		const ldns_rr *qt = ldns_pkt_tsig(q);

		ldns_rdf_deep_free(fake_sign(a, qt != NULL ? ldns_rr_rdf(qt, 3) : NULL, true));
	}
	ldns_pkt2wire(&w, a, &wl);
	sendto(fk.ufd, w, wl, 0, (struct sockaddr *)&from, fl);
	free(w);
	ldns_pkt_free(a);
	ldns_rr_list_deep_free(l);
out:
	ldns_pkt_free(q);
}

static void *
fake_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[3] = {{.fd = fk.stop[0], .events = POLLIN},
				      {.fd = fk.tfd, .events = POLLIN},
				      {.fd = fk.ufd, .events = POLLIN}};

		if (poll(p, 3, -1) < 0)
			continue;
		if (p[0].revents != 0)
			break;
		if (p[1].revents != 0) {
			int c = accept(fk.tfd, NULL, NULL);

			if (c >= 0) {
				fake_tcp(c);
				close(c);
			}
		}
		if (p[2].revents != 0)
			fake_udp();
	}
	return NULL;
}

static int
fake_start(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int one = 1;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.zone = rrs_of(zone_v1);
	fk.ixfr = IXFR_INCR;
	/* Same port for TCP and UDP, as a real server has: retry on a clash. */
	for (int tries = 0; tries < 20; tries++) {
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = 0;
		fk.tfd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fk.tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		assert_int_equal(bind(fk.tfd, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(listen(fk.tfd, 8), 0);
		getsockname(fk.tfd, (struct sockaddr *)&a, &al);
		fk.ufd = socket(AF_INET, SOCK_DGRAM, 0);
		if (bind(fk.ufd, (struct sockaddr *)&a, sizeof(a)) == 0)
			break;
		close(fk.ufd);
		close(fk.tfd);
		fk.ufd = fk.tfd = -1;
	}
	assert_true(fk.ufd >= 0);
	fk.port = ntohs(a.sin_port);
	assert_int_equal(pipe(fk.stop), 0);
	assert_int_equal(pthread_create(&fk.th, NULL, fake_main, NULL), 0);
	return 0;
}

static int
fake_stop(void **state)
{
	(void)state;
	(void)!write(fk.stop[1], "x", 1);
	pthread_join(fk.th, NULL);
	close(fk.stop[0]);
	close(fk.stop[1]);
	close(fk.tfd);
	close(fk.ufd);
	ldns_rr_list_deep_free(fk.zone);
	ldns_rr_list_deep_free(fk.incr);
	return 0;
}

static struct xfr_primary
primary(const struct xfr_tsig *key)
{
	struct xfr_primary p = {.addrlen = sizeof(struct sockaddr_in), .tsig = key};
	struct sockaddr_in *a = (struct sockaddr_in *)&p.addr;

	a->sin_family = AF_INET;
	a->sin_port = htons(fk.port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return p;
}

static const struct xfr_tsig key_a = {"transfer.key.", "hmac-sha256.",
				      "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="};
static const struct xfr_tsig key_b = {"transfer.key.", "hmac-sha256.",
				      "b3RoZXJvdGhlcm90aGVyb3RoZXJvdGhlcm90aGVyMTI="};

/* The primary's name in the message: the operator must see who failed. */
static void
assert_names_primary(const char *err)
{
	char who[64];

	snprintf(who, sizeof(who), "127.0.0.1#%u: ", fk.port);
	assert_non_null(strstr(err, who));
}

/* ---- transfers ------------------------------------------------------------------------ */

static void
test_axfr_single(void **state)
{
	struct xfr_primary p = primary(NULL);
	struct xfr_result r;
	char err[256];
	ldns_rr_list *want = rrs_of(zone_v1);

	(void)state;
	assert_int_equal(xfr_transfer(&p, "example.com.", NULL, true, 5000, &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.kind, XFR_AXFR);
	assert_int_equal(r.serial, 1);
	assert_int_equal(r.messages, 1);
	assert_false(r.ixfr_fallback);
	assert_true(r.bytes > 100);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(r.rrs, 0)), LDNS_RR_TYPE_SOA);
	assert_int_equal(ldns_rr_list_rr_count(r.rrs), 7);
	assert_true(rrs_same(r.rrs, want));
	assert_int_equal(fk.qtypes[0], LDNS_RR_TYPE_AXFR);
	xfr_result_clear(&r);
	assert_null(r.rrs);
	xfr_result_clear(&r);
	ldns_rr_list_deep_free(want);
}

static void
test_axfr_multi(void **state)
{
	struct xfr_primary p = primary(NULL);
	struct xfr_result r;
	char err[256];
	ldns_rr_list *want = rrs_of(zone_v1);

	(void)state;
	fk.per_msg = 2;
	/* Without a trailing dot: the same zone. */
	assert_int_equal(xfr_transfer(&p, "example.com", NULL, false, 5000, &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.kind, XFR_AXFR);
	assert_int_equal(r.messages, 4); /* 7 records + closing SOA, 2 a message */
	assert_true(rrs_same(r.rrs, want));
	xfr_result_clear(&r);
	ldns_rr_list_deep_free(want);
}

static void
test_ixfr_two_increments(void **state)
{
	struct xfr_primary p = primary(NULL);
	ldns_rr_list *cur = rrs_of(zone_v1), *want = rrs_of(zone_v3);
	struct xfr_result r;
	char err[256];

	(void)state;
	ldns_rr_list_deep_free(fk.zone);
	fk.zone = rrs_of(zone_v3);
	fk.incr = rrs_of(ixfr_1_3);
	fk.per_msg = 3;
	assert_int_equal(xfr_transfer(&p, "example.com.", cur, true, 5000, &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.kind, XFR_IXFR);
	assert_int_equal(r.serial, 3);
	assert_false(r.ixfr_fallback);
	assert_int_equal(r.messages, 4);
	assert_int_equal(fk.nqueries, 1);
	assert_int_equal(fk.qtypes[0], LDNS_RR_TYPE_IXFR);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(r.rrs, 0)), LDNS_RR_TYPE_SOA);
	assert_true(rrs_same(r.rrs, want));
	/* An addition of a record held is a TTL change. */
	assert_int_equal(ttl_of(r.rrs, "mail.example.com.", LDNS_RR_TYPE_MX), 60);
	/* @current is only copied. */
	assert_int_equal(ldns_rr_list_rr_count(cur), 7);
	xfr_result_clear(&r);
	ldns_rr_list_deep_free(cur);
	ldns_rr_list_deep_free(want);
}

static void
test_ixfr_answered_full(void **state)
{
	struct xfr_primary p = primary(NULL);
	ldns_rr_list *cur = rrs_of(zone_v1), *want = rrs_of(zone_v3);
	struct xfr_result r;
	char err[256];

	(void)state;
	ldns_rr_list_deep_free(fk.zone);
	fk.zone = rrs_of(zone_v3);
	fk.ixfr = IXFR_FULL;
	fk.per_msg = 2;
	assert_int_equal(xfr_transfer(&p, "example.com.", cur, true, 5000, &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.kind, XFR_AXFR);
	assert_true(r.ixfr_fallback);
	assert_int_equal(fk.nqueries, 1); /* the IXFR answer itself was the zone */
	assert_true(rrs_same(r.rrs, want));
	xfr_result_clear(&r);
	ldns_rr_list_deep_free(cur);
	ldns_rr_list_deep_free(want);
}

static void
test_ixfr_notimp_fallback(void **state)
{
	struct xfr_primary p = primary(NULL);
	ldns_rr_list *cur = rrs_of(zone_v1), *want = rrs_of(zone_v3);
	struct xfr_result r;
	char err[256];

	(void)state;
	ldns_rr_list_deep_free(fk.zone);
	fk.zone = rrs_of(zone_v3);
	fk.ixfr = IXFR_NOTIMP;
	assert_int_equal(xfr_transfer(&p, "example.com.", cur, true, 5000, &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.kind, XFR_AXFR);
	assert_true(r.ixfr_fallback);
	assert_int_equal(fk.nqueries, 2);
	assert_int_equal(fk.qtypes[0], LDNS_RR_TYPE_IXFR);
	assert_int_equal(fk.qtypes[1], LDNS_RR_TYPE_AXFR);
	assert_int_equal(r.messages, 2);
	assert_true(rrs_same(r.rrs, want));
	xfr_result_clear(&r);
	ldns_rr_list_deep_free(cur);
	ldns_rr_list_deep_free(want);
}

static void
test_ixfr_not_applying_fallback(void **state)
{
	struct xfr_primary p = primary(NULL);
	ldns_rr_list *cur = rrs_of(zone_v1), *want = rrs_of(zone_v3);
	struct xfr_result r;
	char err[256];

	(void)state;
	ldns_rr_list_deep_free(fk.zone);
	fk.zone = rrs_of(zone_v3);
	fk.incr = rrs_of(ixfr_bad);
	assert_int_equal(xfr_transfer(&p, "example.com.", cur, true, 5000, &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.kind, XFR_AXFR);
	assert_true(r.ixfr_fallback);
	assert_int_equal(fk.nqueries, 2);
	assert_true(rrs_same(r.rrs, want));
	xfr_result_clear(&r);
	ldns_rr_list_deep_free(cur);
	ldns_rr_list_deep_free(want);
}

/* Our serial @ours against the primary's @theirs, over IXFR and AXFR. */
static enum xfr_kind
kind_for(uint32_t ours, uint32_t theirs, bool ixfr)
{
	struct xfr_primary p = primary(NULL);
	ldns_rr_list *cur = rrs_of(zone_v1);
	struct xfr_result r;
	enum xfr_kind k;
	char err[256];

	ldns_rr_free(ldns_rr_list_set_rr(cur, soa_rr(ours), 0));
	ldns_rr_free(ldns_rr_list_set_rr(fk.zone, soa_rr(theirs), 0));
	/* Up to date, a real primary answers an IXFR with its SOA alone. */
	ldns_rr_list_deep_free(fk.incr);
	fk.incr = ldns_rr_list_new();
	ldns_rr_list_push_rr(fk.incr, soa_rr(theirs));
	fk.ixfr = xfr_serial_newer(theirs, ours) ? IXFR_FULL : IXFR_INCR;
	assert_int_equal(xfr_transfer(&p, "example.com.", cur, ixfr, 5000, &r, err, sizeof(err)),
			 0);
	k = r.kind;
	assert_int_equal(r.serial, theirs);
	if (k == XFR_UPTODATE)
		assert_null(r.rrs);
	xfr_result_clear(&r);
	ldns_rr_list_deep_free(cur);
	return k;
}

static void
test_uptodate_serials(void **state)
{
	(void)state;
	for (int ixfr = 0; ixfr < 2; ixfr++) {
		assert_int_equal(kind_for(3, 3, ixfr), XFR_UPTODATE);
		assert_int_equal(kind_for(3, 2, ixfr), XFR_UPTODATE);
		assert_int_equal(kind_for(3, 4, ixfr), XFR_AXFR);
		/* Wrap-around: 5 is newer than 0xfffffff0, not the other way. */
		assert_int_equal(kind_for(0xfffffff0u, 5, ixfr), XFR_AXFR);
		assert_int_equal(kind_for(5, 0xfffffff0u, ixfr), XFR_UPTODATE);
	}
}

static void
test_serial_arithmetic(void **state)
{
	(void)state;
	assert_true(xfr_serial_newer(2, 1));
	assert_false(xfr_serial_newer(1, 2));
	assert_false(xfr_serial_newer(7, 7));
	assert_true(xfr_serial_newer(0, 0xffffffffu));
	assert_false(xfr_serial_newer(0xffffffffu, 0));
	assert_true(xfr_serial_newer(0x7fffffffu, 0));
	/* RFC 1982 3.2: exactly 2^31 apart is undefined; neither is newer. */
	assert_false(xfr_serial_newer(0x80000000u, 0));
	assert_false(xfr_serial_newer(0, 0x80000000u));
}

static void
test_tsig_right_key(void **state)
{
	struct xfr_primary p = primary(&key_a);
	ldns_rr_list *cur = rrs_of(zone_v1), *want = rrs_of(zone_v3);
	struct xfr_result r;
	char err[256];

	(void)state;
	fk.key = &key_a;
	fk.per_msg = 2; /* a MAC chain over several messages */
	assert_int_equal(xfr_transfer(&p, "example.com.", NULL, false, 5000, &r, err, sizeof(err)),
			 0);
	assert_true(fk.query_signed);
	assert_int_equal(r.messages, 4);
	xfr_result_clear(&r);
	ldns_rr_list_deep_free(fk.zone);
	fk.zone = rrs_of(zone_v3);
	fk.incr = rrs_of(ixfr_1_3);
	assert_int_equal(xfr_transfer(&p, "example.com.", cur, true, 5000, &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.kind, XFR_IXFR);
	assert_true(rrs_same(r.rrs, want));
	xfr_result_clear(&r);
	ldns_rr_list_deep_free(cur);
	ldns_rr_list_deep_free(want);
}

static void
expect_fail(const struct xfr_primary *p, const ldns_rr_list *cur, int code)
{
	struct xfr_result r;
	char err[256] = "";

	assert_int_equal(xfr_transfer(p, "example.com.", cur, true, 3000, &r, err, sizeof(err)),
			 code);
	assert_null(r.rrs);
	assert_int_equal(r.kind, XFR_UPTODATE);
	assert_names_primary(err);
}

static void
test_tsig_wrong_key(void **state)
{
	struct xfr_primary p = primary(&key_a);

	(void)state;
	fk.key = &key_b;
	expect_fail(&p, NULL, SW_EXFR_TSIG);
}

/*
 * Replay protection (RFC 8945 5.2.3): answers signed with the right key but
 * outside the fudge (300 s) of our clock, before or after, are refused with a
 * reason naming the time; inside the fudge they are accepted. The MAC is good
 * in every case, so only the time check can refuse them.
 */
static void
test_tsig_time_window(void **state)
{
	static const long outside[] = {-301 - 5, 301 + 5, -86400, 86400};
	struct xfr_primary p = primary(&key_a);
	struct xfr_result r;
	char err[256];

	(void)state;
	fk.key = &key_a;
	fk.per_msg = 2;
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		fk.skew = outside[i];
		err[0] = '\0';
		assert_int_equal(xfr_transfer(&p, "example.com.", NULL, false, 3000, &r, err,
					      sizeof(err)),
				 SW_EXFR_TSIG);
		assert_null(r.rrs);
		if (strstr(err, "outside fudge 300") == NULL)
			fail_msg("skew %ld: %s", outside[i], err);
	}
	/* Inside the window, either side: transferred. */
	fk.skew = -250;
	assert_int_equal(xfr_transfer(&p, "example.com.", NULL, false, 3000, &r, err, sizeof(err)),
			 0);
	xfr_result_clear(&r);
	fk.skew = 250;
	assert_int_equal(xfr_transfer(&p, "example.com.", NULL, false, 3000, &r, err, sizeof(err)),
			 0);
	xfr_result_clear(&r);
	fk.skew = 0;
}

static void
test_tsig_unsigned_refused(void **state)
{
	struct xfr_primary p = primary(&key_a);

	(void)state;
	expect_fail(&p, NULL, SW_EXFR_TSIG);
	/* Signed first message, unsigned later ones: we require each signed. */
	fk.key = &key_a;
	fk.per_msg = 2;
	fk.unsigned_later = true;
	expect_fail(&p, NULL, SW_EXFR_TSIG);
}

static void
test_tsig_algorithms(void **state)
{
	/* Names as an operator may write them: no final dots. */
	static const struct xfr_tsig nodot = {"Transfer.Key", "hmac-sha256",
					      "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="};
	static const struct xfr_tsig sha512 = {"transfer.key.", "hmac-sha512.",
					       "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="};
	static const struct xfr_tsig badalg = {"transfer.key.", "hmac-foo.",
					       "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="};
	static const struct xfr_tsig badsecret = {"transfer.key.", "hmac-sha256.", "!!!"};
	struct xfr_primary p = primary(&nodot), pb = primary(&badalg), ps = primary(&badsecret);
	struct xfr_result r;
	char err[256];

	(void)state;
	fk.key = &key_a;
	fk.per_msg = 3;
	assert_int_equal(xfr_transfer(&p, "example.com.", NULL, false, 5000, &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.kind, XFR_AXFR);
	xfr_result_clear(&r);
	/* Same secret, another algorithm: refused. */
	fk.key = &sha512;
	expect_fail(&p, NULL, SW_EXFR_TSIG);
	/* Keys we cannot sign with: refused before anything is sent. */
	fk.nqueries = 0;
	expect_fail(&pb, NULL, -EINVAL);
	expect_fail(&ps, NULL, -EINVAL);
	assert_int_equal(fk.nqueries, 0);
	assert_int_equal(xfr_tsig_key_check(&nodot, err, sizeof(err)), 0);
	assert_int_equal(xfr_tsig_key_check(&sha512, err, sizeof(err)), 0);
	assert_int_equal(xfr_tsig_key_check(&badalg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "hmac-foo"));
	assert_int_equal(xfr_tsig_key_check(&badsecret, err, sizeof(err)), -EINVAL);
	/* ldns 1.8 cannot compute these: refused up front, not at the first transfer. */
	assert_int_equal(xfr_tsig_key_check(&(struct xfr_tsig){"k.", "hmac-sha384", "AAAA"}, err,
					    sizeof(err)),
			 -EINVAL);
	assert_int_equal(xfr_tsig_key_check(&(struct xfr_tsig){"k.", "hmac-sha224.", "AAAA"}, err,
					    sizeof(err)),
			 -EINVAL);
}

static void
test_tsig_unsigned_between(void **state)
{
	struct xfr_primary p = primary(&key_a);
	ldns_rr_list *want;
	struct xfr_result r;
	char err[256];

	(void)state;
	/* As NSD sends: signed first, every Nth and last; the MAC covers the gaps. */
	fk.key = &key_a;
	fk.per_msg = 1;
	fk.sign_every = 3;
	want = rrs_of(zone_v1);
	assert_int_equal(xfr_transfer(&p, "example.com.", NULL, false, 5000, &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.messages, 8);
	assert_true(rrs_same(r.rrs, want));
	xfr_result_clear(&r);
	ldns_rr_list_deep_free(want);
	/* A gap of more than 99 unsigned messages is refused. */
	fk.sign_every = 1000;
	for (int i = 0; i < 110; i++) {
		char buf[96];
		ldns_rr *rr = NULL;

		snprintf(buf, sizeof(buf), "g%d.example.com. 300 IN A 192.0.2.9", i);
		assert_int_equal(ldns_rr_new_frm_str(&rr, buf, 300, NULL, NULL), LDNS_STATUS_OK);
		ldns_rr_list_push_rr(fk.zone, rr);
	}
	expect_fail(&p, NULL, SW_EXFR_TSIG);
	/* Gaps of 99 are fine. */
	fk.sign_every = 100;
	assert_int_equal(xfr_transfer(&p, "example.com.", NULL, false, 5000, &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.messages, 118);
	xfr_result_clear(&r);
}

static void
test_tsig_wrong_key_name(void **state)
{
	static const struct xfr_tsig other = {"other.key.", "hmac-sha256.",
					      "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="};
	struct xfr_primary p = primary(&key_a);

	(void)state;
	fk.key = &other;
	expect_fail(&p, NULL, SW_EXFR_TSIG);
}

static void
test_cut_off(void **state)
{
	struct xfr_primary p = primary(NULL);
	ldns_rr_list *cur = rrs_of(zone_v1);

	(void)state;
	fk.per_msg = 2;
	fk.cut_after = 2;
	expect_fail(&p, NULL, SW_EXFR_PROTO);
	/* IXFR cut off: no AXFR is tried, nothing comes back. */
	fk.incr = rrs_of(ixfr_1_3);
	fk.nqueries = 0;
	expect_fail(&p, cur, SW_EXFR_PROTO);
	assert_int_equal(fk.nqueries, 1);
	ldns_rr_list_deep_free(cur);
}

static void
test_garbage(void **state)
{
	struct xfr_primary p = primary(NULL);

	(void)state;
	fk.garbage = true;
	expect_fail(&p, NULL, SW_EXFR_PROTO);
}

static void
test_wrong_id_or_question(void **state)
{
	struct xfr_primary p = primary(NULL);

	(void)state;
	fk.wrong_id = true;
	expect_fail(&p, NULL, SW_EXFR_PROTO);
	fk.wrong_id = false;
	fk.wrong_q = true;
	expect_fail(&p, NULL, SW_EXFR_PROTO);
}

static void
test_refused(void **state)
{
	struct xfr_primary p = primary(NULL);
	ldns_rr_list *cur = rrs_of(zone_v1);
	struct xfr_result r;
	char err[256];

	(void)state;
	/* NOTIMP to IXFR falls back; REFUSED to the AXFR then is an error. */
	fk.ixfr = IXFR_NOTIMP;
	fk.axfr_rcode = LDNS_RCODE_REFUSED;
	assert_int_equal(xfr_transfer(&p, "example.com.", cur, true, 3000, &r, err, sizeof(err)),
			 SW_EXFR_RCODE);
	assert_null(r.rrs);
	assert_non_null(strstr(err, "REFUSED"));
	assert_names_primary(err);
	assert_int_equal(fk.nqueries, 2);
	ldns_rr_list_deep_free(cur);
}

static void
test_timeout(void **state)
{
	struct xfr_primary p = primary(NULL);
	struct xfr_result r;
	char err[256];
	struct timespec a, b;
	long ms;
	uint32_t serial;

	(void)state;
	fk.silent = true;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(xfr_transfer(&p, "example.com.", NULL, true, 300, &r, err, sizeof(err)),
			 -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	/* Generous upper bound: the machine running the tests may be busy. */
	assert_true(ms >= 290 && ms < 2000);
	assert_names_primary(err);
	assert_int_equal(xfr_soa_serial(&p, "example.com.", 200, &serial, err, sizeof(err)),
			 -ETIMEDOUT);
	assert_null(r.rrs);
}

/* ---- SOA query ------------------------------------------------------------------------ */

static void
test_soa_serial(void **state)
{
	struct xfr_primary p = primary(NULL), ps = primary(&key_a);
	char err[256];
	uint32_t serial = 0;

	(void)state;
	assert_int_equal(xfr_soa_serial(&p, "example.com.", 2000, &serial, err, sizeof(err)), 0);
	assert_int_equal(serial, 1);
	assert_int_equal(fk.nqueries, 1);
	/* TC=1 over UDP: asked again over TCP. */
	fk.udp_tc = true;
	serial = 0;
	assert_int_equal(xfr_soa_serial(&p, "example.com.", 2000, &serial, err, sizeof(err)), 0);
	assert_int_equal(serial, 1);
	assert_int_equal(fk.nqueries, 3);
	fk.udp_tc = false;
	/* Signed. */
	fk.key = &key_a;
	assert_int_equal(xfr_soa_serial(&ps, "example.com.", 2000, &serial, err, sizeof(err)), 0);
	assert_true(fk.query_signed);
	fk.key = &key_b;
	assert_int_equal(xfr_soa_serial(&ps, "example.com.", 2000, &serial, err, sizeof(err)),
			 SW_EXFR_TSIG);
	fk.key = NULL;
	assert_int_equal(xfr_soa_serial(&ps, "example.com.", 2000, &serial, err, sizeof(err)),
			 SW_EXFR_TSIG);
	/* Not authoritative. */
	fk.udp_noaa = true;
	assert_int_equal(xfr_soa_serial(&p, "example.com.", 2000, &serial, err, sizeof(err)),
			 SW_EXFR_PROTO);
	assert_names_primary(err);
	fk.udp_noaa = false;
	/* Another ID is not our answer: ignored, so the query times out. */
	fk.udp_wrong_id = true;
	assert_int_equal(xfr_soa_serial(&p, "example.com.", 300, &serial, err, sizeof(err)),
			 -ETIMEDOUT);
}

/* ---- zone file ------------------------------------------------------------------------ */

static char tmpdir[64];

static int
dir_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_xfr.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int
dir_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
dir_entries(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A record of a struct zone equals an ldns record (owner, type, RDATA, TTL). */
static bool
zone_has(const struct zone *z, const ldns_rr *rr)
{
	const ldns_rdf *o = ldns_rr_owner(rr);
	uint8_t rd[1024];
	size_t rdlen = 0;
	ldns_rdf *lo = ldns_rdf_clone(o);
	bool found = false;

	ldns_dname2canonical(lo);
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);

		memcpy(rd + rdlen, ldns_rdf_data(f), ldns_rdf_size(f));
		rdlen += ldns_rdf_size(f);
	}
	for (size_t i = 0; i < z->nrrs && !found; i++) {
		const struct zone_rr *zr = &z->rrs[i];

		found = zr->type == ldns_rr_get_type(rr) && zr->ttl == ldns_rr_ttl(rr) &&
			zr->owner_len == ldns_rdf_size(lo) &&
			memcmp(zr->owner, ldns_rdf_data(lo), zr->owner_len) == 0 &&
			zr->rdlen == rdlen && memcmp(zr->rdata, rd, rdlen) == 0;
	}
	ldns_rdf_deep_free(lo);
	return found;
}

static void
test_zone_round_trip(void **state)
{
	static const char *const extra[] = {
		"sub.example.com. 300 IN NS ns.sub.example.com.",
		"ns.sub.example.com. 300 IN A 192.0.2.77",
		"x.example.com. 300 IN TXT \"semi;colon\" \"quote\\\"d\"",
		"x.example.com. 300 IN CAA 0 issue \"ca.example\"",
		"srv._tcp.example.com. 300 IN SRV 0 5 443 www.example.com.",
		"t.example.com. 300 IN TYPE65000 \\# 3 010203",
		NULL,
	};
	ldns_rr_list *z = rrs_of(zone_v3), *more = rrs_of(extra), *back = NULL;
	struct zone *loaded = NULL;
	struct sw_diag d;
	char path[128], err[256];

	(void)state;
	ldns_rr_list_cat(z, more);
	ldns_rr_list_free(more);
	snprintf(path, sizeof(path), "%s/example.com.zone", tmpdir);
	assert_int_equal(xfr_zone_write(path, "example.com.", z, err, sizeof(err)), 0);
	assert_int_equal(dir_entries(), 1); /* no temporary file left */
	assert_int_equal(xfr_zone_read(path, "example.com.", &back, err, sizeof(err)), 0);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(back, 0)), LDNS_RR_TYPE_SOA);
	assert_int_equal(ldns_rr_list_rr_count(back), ldns_rr_list_rr_count(z));
	assert_true(rrs_same(back, z));
	/* Our own zone loader serves the same records. */
	assert_int_equal(zone_load("example.com.", path, &loaded, &d), 0);
	assert_int_equal(loaded->nrrs, ldns_rr_list_rr_count(z));
	assert_int_equal(loaded->serial, 3);
	for (size_t i = 0; i < ldns_rr_list_rr_count(z); i++)
		assert_true(zone_has(loaded, ldns_rr_list_rr(z, i)));
	zone_free(loaded);
	/* Overwrite with a new version. */
	assert_int_equal(xfr_zone_write(path, "example.com.", back, err, sizeof(err)), 0);
	assert_int_equal(dir_entries(), 1);
	ldns_rr_list_deep_free(back);
	ldns_rr_list_deep_free(z);
}

/* An ldns name of labels given as (pointer, length) pairs under @suffix (wire, absolute). */
static ldns_rdf *
name_with_label(const uint8_t *label, size_t n, const char *suffix)
{
	ldns_rdf *sfx = ldns_dname_new_frm_str(suffix);
	uint8_t wire[300];
	size_t sl = ldns_rdf_size(sfx);

	wire[0] = (uint8_t)n;
	memcpy(wire + 1, label, n);
	memcpy(wire + 1 + n, ldns_rdf_data(sfx), sl);
	ldns_rdf_deep_free(sfx);
	return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, 1 + n + sl, wire);
}

/*
 * Issue 15: a label is any octets. Every octet value 0..255, at the start, in
 * the middle and at the end of a label, in an owner name and in a name inside
 * RDATA (PTR), goes through the writer and comes back the same from both
 * readers: xfr_zone_read() (ldns, the IXFR base after a restart) and
 * zone_load() (what swerved serves), and through xfr_zone_parse().
 */
static void
test_zone_every_octet(void **state)
{
	ldns_rr_list *z = rrs_of(zone_v1), *back = NULL;
	struct zone *loaded = NULL, *parsed = NULL;
	struct sw_diag d;
	char path[128], err[256];
	size_t base = ldns_rr_list_rr_count(z);

	(void)state;
	for (unsigned v = 0; v < 256; v++) {
		uint8_t lab[3] = {(uint8_t)v, 'x', (uint8_t)v};
		char txt[64];
		ldns_rr *a = NULL, *ptr = NULL;

		/* Owner: the octet; A data: the octet too, so 'A' and 'a' stay two records. */
		snprintf(txt, sizeof(txt), "x 300 IN A 10.0.%u.%u", v / 256, v % 256);
		assert_int_equal(ldns_rr_new_frm_str(&a, txt, 300, NULL, NULL), LDNS_STATUS_OK);
		ldns_rdf_deep_free(ldns_rr_owner(a));
		ldns_rr_set_owner(a, name_with_label(lab, 3, "example.com."));
		ldns_rr_list_push_rr(z, a);
		/* A name inside RDATA: p<v>.example.com. PTR <v>x<v>.example.net. */
		snprintf(txt, sizeof(txt), "p%u.example.com. 300 IN PTR x.", v);
		assert_int_equal(ldns_rr_new_frm_str(&ptr, txt, 300, NULL, NULL), LDNS_STATUS_OK);
		ldns_rdf_deep_free(ldns_rr_set_rdf(ptr, name_with_label(lab, 3, "example.net."), 0));
		ldns_rr_list_push_rr(z, ptr);
	}
	assert_int_equal(ldns_rr_list_rr_count(z), base + 512);
	snprintf(path, sizeof(path), "%s/example.com.zone", tmpdir);
	assert_int_equal(xfr_zone_write(path, "example.com.", z, err, sizeof(err)), 0);
	assert_int_equal(xfr_zone_read(path, "example.com.", &back, err, sizeof(err)), 0);
	assert_int_equal(ldns_rr_list_rr_count(back), ldns_rr_list_rr_count(z));
	assert_true(rrs_same(back, z));
	memset(&d, 0, sizeof(d));
	assert_int_equal(zone_load("example.com.", path, &loaded, &d), 0);
	assert_int_equal(loaded->nrrs, ldns_rr_list_rr_count(z));
	for (size_t i = 0; i < ldns_rr_list_rr_count(z); i++)
		assert_true(zone_has(loaded, ldns_rr_list_rr(z, i)));
	assert_int_equal(xfr_zone_parse("example.com.", z, &parsed, err, sizeof(err)), 0);
	assert_int_equal(parsed->nrrs, loaded->nrrs);
	for (size_t i = 0; i < ldns_rr_list_rr_count(z); i++)
		assert_true(zone_has(parsed, ldns_rr_list_rr(z, i)));
	zone_free(parsed);
	zone_free(loaded);
	ldns_rr_list_deep_free(back);
	ldns_rr_list_deep_free(z);
}

/* xfr.max-size and xfr.max-records: over either, the transfer is aborted with -EFBIG. */
static void
test_transfer_limits(void **state)
{
	struct xfr_primary p = primary(NULL);
	ldns_rr_list *cur = rrs_of(zone_v1);
	struct xfr_result r;
	char err[256];

	(void)state;
	/* Within the bounds: it works. */
	p.max_size = 65536;
	p.max_records = 100;
	assert_int_equal(xfr_transfer(&p, "example.com.", NULL, false, 5000, &r, err, sizeof(err)),
			 0);
	assert_non_null(r.rrs);
	xfr_result_clear(&r);
	/* Records. */
	p.max_records = 2;
	assert_int_equal(xfr_transfer(&p, "example.com.", NULL, false, 5000, &r, err, sizeof(err)),
			 -EFBIG);
	assert_null(r.rrs);
	assert_non_null(strstr(err, "xfr.max-records"));
	assert_names_primary(err);
	/* Octets. */
	p.max_records = 0;
	p.max_size = 40;
	assert_int_equal(xfr_transfer(&p, "example.com.", NULL, false, 5000, &r, err, sizeof(err)),
			 -EFBIG);
	assert_null(r.rrs);
	assert_non_null(strstr(err, "xfr.max-size"));
	/* The same for an IXFR: its messages, and the zone it makes. */
	ldns_rr_list_deep_free(fk.zone);
	fk.zone = rrs_of(zone_v3);
	fk.incr = rrs_of(ixfr_1_3);
	fk.per_msg = 3;
	assert_int_equal(xfr_transfer(&p, "example.com.", cur, true, 5000, &r, err, sizeof(err)),
			 -EFBIG);
	assert_null(r.rrs);
	p.max_size = 0;
	p.max_records = 15; /* The stream (11 records) fits; the zone (7 + 20 held) does not. */
	for (int i = 0; i < 20; i++) {
		char t[64];
		ldns_rr *rr = NULL;

		snprintf(t, sizeof(t), "h%d.example.com. 300 IN A 192.0.2.%d", i, i);
		assert_int_equal(ldns_rr_new_frm_str(&rr, t, 300, NULL, NULL), LDNS_STATUS_OK);
		ldns_rr_list_push_rr(cur, rr);
	}
	assert_int_equal(xfr_transfer(&p, "example.com.", cur, true, 5000, &r, err, sizeof(err)),
			 -EFBIG);
	assert_non_null(strstr(err, "the zone would have"));
	assert_null(r.rrs);
	ldns_rr_list_deep_free(cur);
}

static void
test_zone_write_errors(void **state)
{
	ldns_rr_list *z = rrs_of(zone_v1), *back = NULL;
	char path[128], err[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/nodir/example.com.zone", tmpdir);
	assert_true(xfr_zone_write(path, "example.com.", z, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "nodir"));
	assert_true(xfr_zone_read(path, "example.com.", &back, err, sizeof(err)) == -ENOENT);
	assert_null(back);
	/* No SOA first: refused. */
	ldns_rr_free(ldns_rr_list_set_rr(z, ldns_rr_clone(ldns_rr_list_rr(z, 1)), 0));
	snprintf(path, sizeof(path), "%s/x.zone", tmpdir);
	assert_int_equal(xfr_zone_write(path, "example.com.", z, err, sizeof(err)), -EINVAL);
	assert_int_equal(access(path, F_OK), -1);
	ldns_rr_list_deep_free(z);
}

/* A big zone, so a write takes long enough to be killed in the middle. */
static ldns_rr_list *
big_zone(uint32_t serial, int n)
{
	ldns_rr_list *l = rrs_of(zone_v1);

	ldns_rr_free(ldns_rr_list_set_rr(l, soa_rr(serial), 0));
	for (int i = 0; i < n; i++) {
		char buf[128];
		ldns_rr *rr = NULL;

		snprintf(buf, sizeof(buf), "h%d.example.com. 300 IN A 198.18.%d.%d", i,
			 (i >> 8) & 255, i & 255);
		assert_int_equal(ldns_rr_new_frm_str(&rr, buf, 300, NULL, NULL), LDNS_STATUS_OK);
		ldns_rr_list_push_rr(l, rr);
	}
	return l;
}

static void
test_zone_crash_safety(void **state)
{
	ldns_rr_list *old = big_zone(1, 10), *nw = big_zone(2, 30000);
	size_t nold = ldns_rr_list_rr_count(old), nnew = ldns_rr_list_rr_count(nw);
	char path[128], err[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/crash.zone", tmpdir);
	assert_int_equal(xfr_zone_write(path, "example.com.", old, err, sizeof(err)), 0);
	for (int round = 0; round < 4; round++) {
		ldns_rr_list *back = NULL;
		pid_t pid;

		fflush(stdout); /* or the child's copy of the buffer may be printed too */
		pid = fork();
		size_t n;

		assert_true(pid >= 0);
		if (pid == 0) {
			for (;;)
				xfr_zone_write(path, "example.com.", nw, err, sizeof(err));
		}
		usleep(5000 + round * 20000);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		/* Whatever the moment: a whole old or a whole new file. */
		assert_int_equal(xfr_zone_read(path, "example.com.", &back, err, sizeof(err)), 0);
		n = ldns_rr_list_rr_count(back);
		assert_true(n == nold || n == nnew);
		ldns_rr_list_deep_free(back);
	}
	ldns_rr_list_deep_free(old);
	ldns_rr_list_deep_free(nw);
}

/* ---- NOTIFY --------------------------------------------------------------------------- */

/* A NOTIFY for example.com with SOA serial @serial, signed with @key if not NULL. */
static size_t
make_notify(const struct xfr_tsig *key, uint8_t *buf, size_t cap, ldns_rdf **mac)
{
	ldns_pkt *n = ldns_pkt_query_new(ldns_dname_new_frm_str("Example.COM."), LDNS_RR_TYPE_SOA,
					 LDNS_RR_CLASS_IN, LDNS_AA);
	uint8_t *w;
	size_t wl;

	ldns_pkt_set_opcode(n, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_id(n, 4242);
	ldns_pkt_push_rr(n, LDNS_SECTION_ANSWER, soa_rr(77));
	if (key != NULL) {
		assert_int_equal(
			ldns_pkt_tsig_sign(n, key->name, key->secret, 300, key->algorithm, NULL),
			LDNS_STATUS_OK);
		if (mac != NULL)
			*mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(n), 3));
	}
	assert_int_equal(ldns_pkt2wire(&w, n, &wl), LDNS_STATUS_OK);
	assert_true(wl <= cap);
	memcpy(buf, w, wl);
	free(w);
	ldns_pkt_free(n);
	return wl;
}

static void
test_notify_unsigned(void **state)
{
	uint8_t msg[512], resp[512];
	struct xfr_notify n;
	ldns_pkt *r = NULL;
	size_t len = make_notify(NULL, msg, sizeof(msg), NULL);
	int rl;

	(void)state;
	assert_int_equal(xfr_notify_parse(msg, len, &n), 0);
	assert_string_equal(n.zone, "example.com.");
	assert_int_equal(n.id, 4242);
	assert_true(n.has_serial);
	assert_int_equal(n.serial, 77);
	assert_false(n.signed_);
	assert_int_equal(xfr_notify_verify(msg, len, &key_a), SW_EXFR_TSIG);
	rl = xfr_notify_reply(msg, len, NULL, LDNS_RCODE_NOERROR, resp, sizeof(resp));
	assert_true(rl > 12);
	assert_int_equal(ldns_wire2pkt(&r, resp, (size_t)rl), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(r), 4242);
	assert_true(ldns_pkt_qr(r));
	assert_true(ldns_pkt_aa(r));
	assert_int_equal(ldns_pkt_get_opcode(r), LDNS_PACKET_NOTIFY);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_qdcount(r), 1);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(r), 0)),
			 LDNS_RR_TYPE_SOA);
	ldns_pkt_free(r);
	/* REFUSED for a stranger. */
	rl = xfr_notify_reply(msg, len, NULL, LDNS_RCODE_REFUSED, resp, sizeof(resp));
	assert_int_equal(ldns_wire2pkt(&r, resp, (size_t)rl), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_REFUSED);
	ldns_pkt_free(r);
	assert_int_equal(xfr_notify_reply(msg, len, NULL, 0, resp, 20), -ENOSPC);
}

static void
test_notify_signed(void **state)
{
	uint8_t msg[512], resp[512];
	struct xfr_notify n;
	ldns_rdf *mac = NULL;
	ldns_pkt *r = NULL;
	size_t len = make_notify(&key_a, msg, sizeof(msg), &mac);
	int rl;

	(void)state;
	assert_int_equal(xfr_notify_parse(msg, len, &n), 0);
	assert_true(n.signed_);
	assert_string_equal(n.key_name, "transfer.key.");
	assert_int_equal(xfr_notify_verify(msg, len, &key_a), 0);
	assert_int_equal(xfr_notify_verify(msg, len, &key_b), SW_EXFR_TSIG);
	/* One bit changed in the signed part. */
	msg[3] ^= 0x10;
	assert_int_equal(xfr_notify_verify(msg, len, &key_a), SW_EXFR_TSIG);
	msg[3] ^= 0x10;
	rl = xfr_notify_reply(msg, len, &key_a, LDNS_RCODE_NOERROR, resp, sizeof(resp));
	assert_true(rl > 0);
	assert_int_equal(ldns_wire2pkt(&r, resp, (size_t)rl), LDNS_STATUS_OK);
	assert_non_null(ldns_pkt_tsig(r));
	/* The reply's MAC chains the request's (RFC 8945 4.3). */
	assert_true(ldns_pkt_tsig_verify(r, resp, (size_t)rl, key_a.name, key_a.secret, mac));
	ldns_pkt_free(r);
	ldns_rdf_deep_free(mac);
}

/* A NOTIFY signed with the right key outside the fudge is refused, inside accepted. */
static void
test_notify_time_window(void **state)
{
	static const long skews[] = {-306, 306, -86400, 86400, -250, 250, 0};
	uint8_t msg[512];

	(void)state;
	for (size_t i = 0; i < sizeof(skews) / sizeof(skews[0]); i++) {
		size_t len;
		int want = labs(skews[i]) > 300 ? SW_EXFR_TSIG : 0;

		tsig_skew = skews[i];
		len = make_notify(&key_a, msg, sizeof(msg), NULL);
		tsig_skew = 0;
		if (xfr_notify_verify(msg, len, &key_a) != want)
			fail_msg("NOTIFY signed %ld s off: not %s", skews[i],
				 want ? "refused" : "accepted");
	}
}

static void
test_notify_malformed(void **state)
{
	static const uint8_t junk[] = {1, 2, 3, 4, 5, 6, 7};
	uint8_t q[512], resp[64];
	struct xfr_notify n;
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str("example.com."), LDNS_RR_TYPE_SOA,
					 LDNS_RR_CLASS_IN, 0);
	uint8_t *w;
	size_t wl;

	(void)state;
	assert_int_equal(xfr_notify_parse(junk, sizeof(junk), &n), -EBADMSG);
	assert_int_equal(xfr_notify_reply(junk, sizeof(junk), NULL, 0, resp, sizeof(resp)),
			 -EBADMSG);
	/* A plain query is not a NOTIFY. */
	ldns_pkt2wire(&w, p, &wl);
	assert_int_equal(xfr_notify_parse(w, wl, &n), -EBADMSG);
	free(w);
	/* A NOTIFY for another type. */
	ldns_pkt_set_opcode(p, LDNS_PACKET_NOTIFY);
	ldns_rr_set_type(ldns_rr_list_rr(ldns_pkt_question(p), 0), LDNS_RR_TYPE_A);
	ldns_pkt2wire(&w, p, &wl);
	assert_int_equal(xfr_notify_parse(w, wl, &n), -EBADMSG);
	free(w);
	/* A NOTIFY response (QR=1). */
	ldns_rr_set_type(ldns_rr_list_rr(ldns_pkt_question(p), 0), LDNS_RR_TYPE_SOA);
	ldns_pkt_set_qr(p, true);
	ldns_pkt2wire(&w, p, &wl);
	assert_int_equal(xfr_notify_parse(w, wl, &n), -EBADMSG);
	free(w);
	ldns_pkt_free(p);
	(void)q;
}

/* ---- IXFR application alone ------------------------------------------------------------- */

static void
test_ixfr_apply_errors(void **state)
{
	/* The increments start from serial 2; we hold 1: the whole zone is needed. */
	static const char *const from2[] = {SOA(3), SOA(2), SOA(3), SOA(3), NULL};
	struct xfr_primary p = primary(NULL);
	ldns_rr_list *cur = rrs_of(zone_v1);
	struct xfr_result r;
	char err[256];

	(void)state;
	fk.incr = rrs_of(from2);
	ldns_rr_list_deep_free(fk.zone);
	fk.zone = rrs_of(zone_v3);
	assert_int_equal(xfr_transfer(&p, "example.com.", cur, true, 5000, &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.kind, XFR_AXFR);
	assert_true(r.ixfr_fallback);
	xfr_result_clear(&r);
	/* Without IXFR asked: AXFR straight away. */
	fk.nqueries = 0;
	assert_int_equal(xfr_transfer(&p, "example.com.", cur, false, 5000, &r, err, sizeof(err)),
			 0);
	assert_int_equal(fk.nqueries, 1);
	assert_int_equal(fk.qtypes[0], LDNS_RR_TYPE_AXFR);
	assert_false(r.ixfr_fallback);
	xfr_result_clear(&r);
	ldns_rr_list_deep_free(cur);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_axfr_single, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_axfr_multi, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_ixfr_two_increments, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_ixfr_answered_full, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_ixfr_notimp_fallback, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_ixfr_not_applying_fallback, fake_start,
						fake_stop),
		cmocka_unit_test_setup_teardown(test_ixfr_apply_errors, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_uptodate_serials, fake_start, fake_stop),
		cmocka_unit_test(test_serial_arithmetic),
		cmocka_unit_test_setup_teardown(test_tsig_right_key, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_tsig_wrong_key, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_tsig_time_window, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_tsig_unsigned_refused, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_tsig_wrong_key_name, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_tsig_algorithms, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_tsig_unsigned_between, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_cut_off, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_garbage, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_wrong_id_or_question, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_refused, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_timeout, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_soa_serial, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_zone_round_trip, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_zone_write_errors, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_zone_every_octet, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_transfer_limits, fake_start, fake_stop),
		cmocka_unit_test_setup_teardown(test_zone_crash_safety, dir_setup, dir_teardown),
		cmocka_unit_test(test_notify_unsigned),
		cmocka_unit_test(test_notify_signed),
		cmocka_unit_test(test_notify_malformed),
		cmocka_unit_test(test_notify_time_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
