/* SPDX-License-Identifier: BSD-3-Clause */
/* http and https health probes: libcurl's multi interface driven by the control thread's loop. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "health_http.h"
#include "health_probe.h"

/*
 * How much of a body we keep for the substring match. Health pages are
 * small; a match further in than this is a misconfigured check, and
 * reading a large object every interval would be a load test, not a probe.
 */
#define HEALTH_BODY_CAP (64u * 1024u)

/* Longest URL or CONNECT_TO entry: a host name (255) plus address, port and path. */
#define HEALTH_URL_MAX 2048

/* ---- libcurl's sockets and timer on the loop ---- */

static void health_http_drain(struct health *h);

static void
health_http_fd_event(void *arg, int fd, uint32_t events)
{
	struct health *h = arg;
	int mask = 0, running;

	if (events & EPOLLIN)
		mask |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		mask |= CURL_CSELECT_ERR;
	curl_multi_socket_action(h->multi, fd, mask, &running);
	health_http_drain(h);
}

static void
health_http_timer_fire(void *arg)
{
	struct health *h = arg;
	int running;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	health_http_drain(h);
}

/* CURLMOPT_SOCKETFUNCTION: libcurl says which sockets to watch for what. */
static int
health_http_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct health *h = userp;
	uint32_t ev = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		/* libcurl forgets socketp itself; it closes @s right after this returns. */
		if (socketp != NULL)
			evloop_del(h->loop, s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	if (socketp != NULL)
		return evloop_mod(h->loop, s, ev) < 0 ? -1 : 0;
	if (evloop_add(h->loop, s, ev, health_http_fd_event, h) < 0)
		return -1;
	/* Any non-NULL marker: "this socket is on the loop". */
	curl_multi_assign(h->multi, s, h);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: one deadline for the whole multi handle (-1: none). */
static int
health_http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct health *h = userp;

	(void)multi;
	if (timeout_ms < 0) {
		evloop_timer_cancel(h->loop, &h->curl_timer);
		return 0;
	}
	/* Never act from inside this callback (libcurl forbids it): the loop calls back later. */
	return evloop_timer_arm(h->loop, &h->curl_timer, (uint64_t)timeout_ms) < 0 ? -1 : 0;
}

int
health_http_init(struct health *h)
{
	/* Reference counted by libcurl: each health_new() pairs with one health_free(). */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -ENOMEM;
	h->multi = curl_multi_init();
	if (h->multi == NULL) {
		curl_global_cleanup();
		return -ENOMEM;
	}
	evloop_timer_init(&h->curl_timer, health_http_timer_fire, h);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, health_http_socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, health_http_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return 0;
}

void
health_http_fini(struct health *h)
{
	if (h->multi != NULL) {
		curl_multi_cleanup(h->multi);
		h->multi = NULL;
	}
	evloop_timer_cancel(h->loop, &h->curl_timer);
	curl_global_cleanup();
}

/* Format @sa's address for a URL ("192.0.2.1", "[2001:db8::1]") and return its port. */
static int
health_addr_text(const struct sockaddr_storage *sa, char *buf, size_t len, uint16_t *port)
{
	char text[INET6_ADDRSTRLEN];

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text)) == NULL)
			return -errno;
		*port = ntohs(in->sin_port);
		if ((size_t)snprintf(buf, len, "%s", text) >= len)
			return -ENOSPC;
		return 0;
	}
	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text)) == NULL)
			return -errno;
		*port = ntohs(in6->sin6_port);
		/* Brackets: the text goes into URLs and CURLOPT_CONNECT_TO entries. */
		if ((size_t)snprintf(buf, len, "[%s]", text) >= len)
			return -ENOSPC;
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* ---- verdicts ---- */

/* "Jan  2 03:04:05 2030 GMT" (OpenSSL), "2030-01-02 03:04:05 GMT" (libcurl's own x509 parser). */
static int
health_cert_time_parse(const char *s, time_t *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;
	char mon[4];
	const char *m;
	int day, hour, min, sec, year, month;

	while (*s == ' ')
		s++;
	if (sscanf(s, "%3s %d %d:%d:%d %d", mon, &day, &hour, &min, &sec, &year) == 6 ||
	    sscanf(s, "%3s %d %d:%d:%d.%*d %d", mon, &day, &hour, &min, &sec, &year) == 6) {
		m = strstr(months, mon);
		if (m == NULL || strlen(mon) != 3 || (m - months) % 3 != 0)
			return -EINVAL;
		month = (int)(m - months) / 3;
	} else if (sscanf(s, "%d-%d-%d %d:%d:%d", &year, &month, &day, &hour, &min, &sec) == 6) {
		month -= 1;
	} else {
		return -EINVAL;
	}
	if (month < 0 || month > 11 || day < 1 || day > 31 || year < 1950)
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = month;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*out = timegm(&tm);
	return 0;
}

/* The leaf certificate's notAfter, from CURLOPT_CERTINFO (index 0 is the server's own). */
static int
health_cert_expiry(CURL *easy, time_t *not_after)
{
	struct curl_certinfo *ci = NULL;
	const struct curl_slist *l;
	static const char key[] = "Expire date:";

	if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &ci) != CURLE_OK || ci == NULL ||
	    ci->num_of_certs < 1)
		return -ENOENT;
	for (l = ci->certinfo[0]; l != NULL; l = l->next)
		if (strncmp(l->data, key, sizeof(key) - 1) == 0)
			return health_cert_time_parse(l->data + sizeof(key) - 1, not_after);
	return -ENOENT;
}

static bool
health_status_ok(const struct health_probe *p, long code)
{
	unsigned i;

	if (p->nstatus == 0)
		return code >= 200 && code <= 299;
	for (i = 0; i < p->nstatus; i++)
		if (code == p->status[i])
			return true;
	return false;
}

/* Judge one finished transfer; @rc is libcurl's result for it. */
static void
health_http_verdict(struct health_probe *p, CURLcode rc)
{
	long code = 0, oserr = 0, days = -1;
	time_t not_after;

	if (rc == CURLE_WRITE_ERROR && p->body_full)
		rc = CURLE_OK; /* We stopped reading on purpose. */
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		health_probe_finish(p, false, "timeout after %u ms", p->timeout_ms);
		return;
	}
	if (rc == CURLE_COULDNT_CONNECT &&
	    curl_easy_getinfo(p->easy, CURLINFO_OS_ERRNO, &oserr) == CURLE_OK && oserr != 0) {
		health_probe_finish(p, false, "connect: %s", strerror((int)oserr));
		return;
	}
	if (rc != CURLE_OK) {
		health_probe_finish(p, false, "%s",
				    p->errbuf[0] != '\0' ? p->errbuf : curl_easy_strerror(rc));
		return;
	}
	if (p->kind == HEALTH_HTTPS && p->min_cert_days > 0) {
		if (health_cert_expiry(p->easy, &not_after) < 0) {
			/* Fail closed: a check that cannot see the date cannot vouch for it. */
			health_probe_finish(p, false, "certificate expiry date not readable");
			return;
		}
		days = (long)((not_after - time(NULL)) / 86400);
		if (days < (long)p->min_cert_days) {
			health_probe_finish(p, false, "certificate expires in %ld days (< %u)",
					    days, p->min_cert_days);
			return;
		}
	}
	curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &code);
	if (!health_status_ok(p, code)) {
		health_probe_finish(p, false, "http status %ld", code);
		return;
	}
	if (p->body_want != NULL && (p->body == NULL || memmem(p->body, p->body_len, p->body_want,
							       strlen(p->body_want)) == NULL)) {
		health_probe_finish(p, false, "body does not contain \"%.80s\"", p->body_want);
		return;
	}
	if (days >= 0)
		health_probe_finish(p, true, "ok http %ld, certificate valid %ld more days", code,
				    days);
	else
		health_probe_finish(p, true, "ok http %ld", code);
}

/* Deliver every completed transfer; called after each curl_multi_socket_action(). */
static void
health_http_drain(struct health *h)
{
	struct health_probe *p;
	CURLMsg *msg;
	int left;

	/*
	 * A verdict's callback may start or cancel probes; cancelling removes
	 * the easy handle and with it any message still queued, so reading the
	 * queue afresh each time never sees a freed probe.
	 */
	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		p = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&p);
		if (p == NULL)
			continue;
		health_http_verdict(p, msg->data.result);
	}
}

/* ---- one probe ---- */

/* CURLOPT_WRITEFUNCTION: keep the head of the body, stop the transfer once we have enough. */
static size_t
health_http_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct health_probe *p = userp;
	size_t n = size * nmemb, take, want;
	char *nb;

	if (p->body_want == NULL) {
		/* Only the status matters: count, so an endless body still ends the probe. */
		p->body_len += n;
		if (p->body_len < HEALTH_BODY_CAP)
			return n;
		p->body_full = true;
		return 0;
	}
	take = n < HEALTH_BODY_CAP - p->body_len ? n : HEALTH_BODY_CAP - p->body_len;
	if (p->body_len + take > p->body_alloc) {
		want = p->body_alloc == 0 ? 4096 : p->body_alloc * 2;
		while (want < p->body_len + take)
			want *= 2;
		if (want > HEALTH_BODY_CAP)
			want = HEALTH_BODY_CAP;
		nb = realloc(p->body, want);
		if (nb == NULL)
			return 0; /* CURLE_WRITE_ERROR without body_full: a real failure. */
		p->body = nb;
		p->body_alloc = want;
	}
	memcpy(p->body + p->body_len, data, take);
	p->body_len += take;
	if (p->body_len < HEALTH_BODY_CAP)
		return n;
	p->body_full = true;
	return 0;
}

/* Host text usable in a URL: an IPv6 literal needs brackets. */
static void
health_host_text(const char *host, char *buf, size_t len)
{
	if (strchr(host, ':') != NULL && host[0] != '[')
		snprintf(buf, len, "[%s]", host);
	else
		snprintf(buf, len, "%s", host);
}

static int
health_http_setup(struct health_probe *p, const struct health_spec *spec, char *url, size_t url_len)
{
	char addr[INET6_ADDRSTRLEN + 2], host[300], line[HEALTH_URL_MAX];
	const char *path = spec->path != NULL && spec->path[0] != '\0' ? spec->path : "/";
	const char *slash = path[0] == '/' ? "" : "/";
	const char *scheme = spec->kind == HEALTH_HTTPS ? "https" : "http";
	uint16_t port = 0; /* Set on success; 0 only quiets -Wmaybe-uninitialized once inlined. */
	int rc;

	rc = health_addr_text(&spec->addr, addr, sizeof(addr), &port);
	if (rc < 0)
		return rc;
	if (spec->kind == HEALTH_HTTPS && spec->host != NULL && spec->host[0] != '\0') {
		/*
		 * The URL carries the name, so SNI and certificate name checks use
		 * it; CONNECT_TO sends the connection to the endpoint's address
		 * without any DNS lookup (the address is a literal).
		 */
		health_host_text(spec->host, host, sizeof(host));
		snprintf(url, url_len, "%s://%s:%u%s%s", scheme, host, port, slash, path);
		snprintf(line, sizeof(line), "%s:%u:%s:%u", host, port, addr, port);
		p->connect_to = curl_slist_append(NULL, line);
		if (p->connect_to == NULL)
			return -ENOMEM;
	} else {
		snprintf(url, url_len, "%s://%s:%u%s%s", scheme, addr, port, slash, path);
	}
	if (spec->host != NULL && spec->host[0] != '\0') {
		snprintf(line, sizeof(line), "Host: %s", spec->host);
		p->headers = curl_slist_append(NULL, line);
		if (p->headers == NULL)
			return -ENOMEM;
	}
	return 0;
}

#define HEALTH_SETOPT(e, opt, val)                                                                 \
	do {                                                                                       \
		cc = curl_easy_setopt((e), (opt), (val));                                          \
		if (cc != CURLE_OK)                                                                \
			goto fail;                                                                 \
	} while (0)

void
health_http_start(struct health_probe *p, const struct health_spec *spec)
{
	char url[HEALTH_URL_MAX];
	CURLcode cc = CURLE_OK;
	CURLMcode mc;
	CURL *e;
	int rc;

	memcpy(p->status, spec->status, sizeof(p->status));
	p->nstatus = spec->nstatus;
	p->body_want = spec->body != NULL && spec->body[0] != '\0' ? spec->body : NULL;
	p->min_cert_days = spec->min_cert_days;
	rc = health_http_setup(p, spec, url, sizeof(url));
	if (rc < 0) {
		health_probe_finish_later(p, false, "setup: %s", strerror(-rc));
		return;
	}
	e = curl_easy_init();
	if (e == NULL) {
		health_probe_finish_later(p, false, "setup: %s", strerror(ENOMEM));
		return;
	}
	p->easy = e;
	HEALTH_SETOPT(e, CURLOPT_PRIVATE, p);
	HEALTH_SETOPT(e, CURLOPT_ERRORBUFFER, p->errbuf);
	HEALTH_SETOPT(e, CURLOPT_URL, url);
	HEALTH_SETOPT(e, CURLOPT_PROTOCOLS_STR, "http,https");
	HEALTH_SETOPT(e, CURLOPT_HTTPGET, 1L);
	HEALTH_SETOPT(e, CURLOPT_NOSIGNAL, 1L);
	HEALTH_SETOPT(e, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms);
	HEALTH_SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, (long)p->timeout_ms);
	/* The endpoint itself is checked: no proxy from the environment, no redirects. */
	HEALTH_SETOPT(e, CURLOPT_PROXY, "");
	HEALTH_SETOPT(e, CURLOPT_NOPROXY, "*");
	HEALTH_SETOPT(e, CURLOPT_FOLLOWLOCATION, 0L);
	/*
	 * Each probe opens its own connection and TLS session: a reused
	 * connection or resumed session would hide a dead listener or skip the
	 * certificate we are here to look at.
	 */
	HEALTH_SETOPT(e, CURLOPT_FRESH_CONNECT, 1L);
	HEALTH_SETOPT(e, CURLOPT_FORBID_REUSE, 1L);
	HEALTH_SETOPT(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	HEALTH_SETOPT(e, CURLOPT_USERAGENT, "swerve-health/1");
	HEALTH_SETOPT(e, CURLOPT_WRITEFUNCTION, health_http_write);
	HEALTH_SETOPT(e, CURLOPT_WRITEDATA, p);
	if (p->headers != NULL)
		HEALTH_SETOPT(e, CURLOPT_HTTPHEADER, p->headers);
	if (spec->kind == HEALTH_HTTPS) {
		HEALTH_SETOPT(e, CURLOPT_SSL_VERIFYPEER, 1L);
		HEALTH_SETOPT(e, CURLOPT_SSL_VERIFYHOST, 2L);
		HEALTH_SETOPT(e, CURLOPT_CERTINFO, 1L);
		if (p->connect_to != NULL)
			HEALTH_SETOPT(e, CURLOPT_CONNECT_TO, p->connect_to);
		if (spec->ca_file != NULL) {
			/* Only the configured anchors: the system directory would widen trust. */
			HEALTH_SETOPT(e, CURLOPT_CAINFO, spec->ca_file);
			HEALTH_SETOPT(e, CURLOPT_CAPATH, NULL);
		}
	}
	mc = curl_multi_add_handle(p->h->multi, e);
	if (mc != CURLM_OK) {
		health_probe_finish_later(p, false, "setup: %s", curl_multi_strerror(mc));
		return;
	}
	return;
fail:
	health_probe_finish_later(p, false, "setup: %s", curl_easy_strerror(cc));
}
