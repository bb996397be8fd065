/* SPDX-License-Identifier: BSD-3-Clause */
/* Golden answer tests: zones, queries and known-good answers, decoded and compared with ldns. */

/*
 * Each *.golden file is one cmocka group. It names the zones it serves and
 * the answer settings, then lists cases:
 *
 *   zone example.com. zones/example.com.zone   (path relative to the file)
 *   conf edns-payload 1232 | conf version TEXT | conf identity ~
 *   case <name>
 *   query <qname> <qtype> [CLASS] [tcp] [rd] [cd] [ad] [z] [aa] [tc] [id=N]
 *         [opcode=N] [edns] [payload=N] [ednsver=N] [do] [eflags=0xN] [opt=CODE:HEX]
 *   rcode NOERROR|FORMERR|SERVFAIL|NXDOMAIN|NOTIMP|REFUSED|BADVERS
 *   flags qr aa tc rd ra z ad cd       (exactly these set; "aa?" = either)
 *   opt none | opt [payload=N] [do|do?] [cookie?]   (default: OPT iff the query had one,
 *                                                    payload from conf, no flags, no options)
 *   question none                      (QDCOUNT 0, e.g. NOTIMP)
 *   punt                               (no response: DNSQ_PUNT, for the control side;
 *                                       replaces rcode, flags and everything after)
 *   answer | authority | additional [?]   then RR lines; "?" = not compared
 *   answer-oneof                       then RRsets separated by "|" lines: any one of them
 *
 * A section that is not listed must be empty. RRs compare as sorted sets of
 * ldns presentation text, TTL included, owner names case-insensitively.
 * The response is decoded with ldns (an independent decoder); the question
 * must come back byte for byte, ID and opcode copied.
 */

#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "swerve/dnsq.h"
#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"
#include "testutil.h"

#define G_MAX_ZONES 8
#define G_MAX_ALTS  4
#define G_BUF	    65535

enum { G_AN, G_NS, G_AR, G_NSECT };

static const char *const g_sect_name[G_NSECT] = {"answer", "authority", "additional"};

/* Header flag bits in octets 2-3, in "flags" line order. */
static const struct {
	const char *name;
	uint16_t bit;
} g_flags[] = {
	{"qr", 0x8000}, {"aa", 0x0400}, {"tc", 0x0200}, {"rd", 0x0100},
	{"ra", 0x0080}, {"z", 0x0040},	{"ad", 0x0020}, {"cd", 0x0010},
};

static const struct {
	const char *name;
	int code;
} g_rcodes[] = {
	{"NOERROR", 0}, {"FORMERR", 1}, {"SERVFAIL", 2}, {"NXDOMAIN", 3},
	{"NOTIMP", 4},	{"REFUSED", 5}, {"BADVERS", 16},
};

static const char *
g_rcode_name(int rcode)
{
	for (size_t i = 0; i < sizeof(g_rcodes) / sizeof(g_rcodes[0]); i++)
		if (g_rcodes[i].code == rcode)
			return g_rcodes[i].name;
	return "other";
}

/* A growable list of strings. */
struct g_list {
	char **v;
	size_t n, cap;
};

struct g_group;

struct g_case {
	struct g_group *g;
	char name[160];
	unsigned line;

	/* The query. */
	char qname[300];
	char qtype_text[24];
	uint16_t qtype;
	struct tu_qopt qo;
	uint8_t opts[512];
	uint16_t hdr_bits; /* Extra header bits set in the query (AD, Z, AA, TC, RA). */
	bool tcp;

	/* The expected response. */
	int rcode; /* -1 until given. */
	uint16_t flags_want, flags_care;
	bool flags_given;
	int opt_mode;	      /* 0: default, 1: none, 2: given. */
	uint16_t opt_payload; /* 0: the conf's. */
	int do_mode;	      /* 0: clear, 1: set, 2: either. */
	bool cookie_ok;
	bool no_question;
	bool punt; /* "punt": no response, verdict DNSQ_PUNT (handed to the control side). */
	struct g_list sect[G_NSECT];
	bool dontcare[G_NSECT];
	struct g_list alts[G_MAX_ALTS]; /* answer-oneof alternatives. */
	size_t nalts;
};

struct g_group {
	char name[NAME_MAX + 1];
	struct rrt *t;
	struct dnsq_conf conf;
	char version[256];
	char identity[256];
	struct g_case *cases;
	size_t ncases;
};

static int
g_list_add(struct g_list *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap != 0 ? l->cap * 2 : 8;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(s);
	return l->v[l->n++] != NULL ? 0 : -1;
}

static void
g_list_free(struct g_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
g_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One RR as comparable text: ldns presentation form, owner lowercased, no newline. */
static char *
g_rr_text(const ldns_rr *rr)
{
	ldns_rr *c = ldns_rr_clone(rr);
	char *s;
	size_t n;

	if (c == NULL)
		return NULL;
	ldns_dname2canonical(ldns_rr_owner(c));
	s = ldns_rr2str(c);
	ldns_rr_free(c);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

/* Normalise an expected RR line through ldns so both sides print the same way. */
static int
g_expect_rr(struct g_list *l, const char *line, char *err, size_t errlen)
{
	ldns_rr *rr = NULL;
	ldns_status st = ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL);
	char *s;
	int rc;

	if (st != LDNS_STATUS_OK) {
		snprintf(err, errlen, "bad RR \"%s\": %s", line, ldns_get_errorstr_by_id(st));
		return -1;
	}
	s = g_rr_text(rr);
	ldns_rr_free(rr);
	if (s == NULL)
		return -1;
	rc = g_list_add(l, s);
	free(s);
	return rc;
}

static int
g_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (hex[0] != '\0' && hex[1] != '\0') {
		unsigned v;

		if (n == cap || sscanf(hex, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return hex[0] == '\0' ? (int)n : -1;
}

/* The "query" line. */
static int
g_parse_query(struct g_case *c, char *args, char *err, size_t errlen)
{
	char *save = NULL;
	char *name = strtok_r(args, " \t", &save);
	char *type = strtok_r(NULL, " \t", &save);
	char *tok;

	if (name == NULL || type == NULL) {
		snprintf(err, errlen, "query needs a name and a type");
		return -1;
	}
	snprintf(c->qname, sizeof(c->qname), "%s", name);
	snprintf(c->qtype_text, sizeof(c->qtype_text), "%s", type);
	c->qtype = ldns_get_rr_type_by_name(type);
	if (c->qtype == 0) {
		snprintf(err, errlen, "unknown type %s", type);
		return -1;
	}
	c->qo.id = 0x5e1f;
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		unsigned v;
		int bit = -1;

		for (size_t i = 0; i < sizeof(g_flags) / sizeof(g_flags[0]); i++)
			if (strcmp(tok, g_flags[i].name) == 0)
				bit = (int)i;
		if (strcmp(tok, "tcp") == 0) {
			c->tcp = true;
		} else if (strcmp(tok, "rd") == 0) {
			c->qo.rd = 1;
		} else if (strcmp(tok, "cd") == 0) {
			c->qo.cd = 1;
		} else if (bit >= 0 && strcmp(tok, "qr") != 0) {
			c->hdr_bits |= g_flags[bit].bit;
		} else if (strcmp(tok, "edns") == 0) {
			c->qo.edns = 1;
		} else if (strcmp(tok, "do") == 0) {
			c->qo.edns = 1;
			c->qo.do_bit = 1;
		} else if (sscanf(tok, "id=%u", &v) == 1) {
			c->qo.id = (uint16_t)v;
		} else if (sscanf(tok, "opcode=%u", &v) == 1) {
			c->qo.opcode = (uint8_t)v;
		} else if (sscanf(tok, "payload=%u", &v) == 1) {
			c->qo.edns = 1;
			c->qo.payload = (uint16_t)v;
		} else if (sscanf(tok, "ednsver=%u", &v) == 1) {
			c->qo.edns = 1;
			c->qo.version = (uint8_t)v;
		} else if (sscanf(tok, "eflags=%x", &v) == 1) {
			c->qo.edns = 1;
			c->qo.ext_flags = (uint16_t)v;
		} else if (sscanf(tok, "opt=%u:", &v) == 1) {
			/* One EDNS option: code, then the value in hex (may be empty). */
			const char *hex = strchr(tok, ':') + 1;
			size_t at = c->qo.opts_len;
			int n = g_hex(hex, c->opts + at + 4, sizeof(c->opts) - at - 4);

			if (n < 0) {
				snprintf(err, errlen, "bad option %s", tok);
				return -1;
			}
			c->opts[at] = (uint8_t)(v >> 8);
			c->opts[at + 1] = (uint8_t)v;
			c->opts[at + 2] = (uint8_t)(n >> 8);
			c->opts[at + 3] = (uint8_t)n;
			c->qo.opts_len = (uint16_t)(at + 4 + (size_t)n);
			c->qo.edns = 1;
		} else if (ldns_get_rr_class_by_name(tok) != 0) {
			c->qo.qclass = ldns_get_rr_class_by_name(tok);
		} else {
			snprintf(err, errlen, "unknown query option %s", tok);
			return -1;
		}
	}
	return 0;
}

static int
g_parse_flags(struct g_case *c, char *args, char *err, size_t errlen)
{
	char *save = NULL;
	char *tok;

	c->flags_given = true;
	c->flags_want = 0;
	c->flags_care = 0;
	for (size_t i = 0; i < sizeof(g_flags) / sizeof(g_flags[0]); i++)
		c->flags_care |= g_flags[i].bit;
	for (tok = strtok_r(args, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		size_t l = strlen(tok);
		bool either = l > 1 && tok[l - 1] == '?';
		size_t i;

		if (either)
			tok[l - 1] = '\0';
		for (i = 0; i < sizeof(g_flags) / sizeof(g_flags[0]); i++)
			if (strcmp(tok, g_flags[i].name) == 0)
				break;
		if (i == sizeof(g_flags) / sizeof(g_flags[0])) {
			snprintf(err, errlen, "unknown flag %s", tok);
			return -1;
		}
		if (either)
			c->flags_care &= (uint16_t)~g_flags[i].bit;
		else
			c->flags_want |= g_flags[i].bit;
	}
	return 0;
}

static int
g_parse_opt(struct g_case *c, char *args, char *err, size_t errlen)
{
	char *save = NULL;
	char *tok;
	unsigned v;

	c->opt_mode = 2;
	for (tok = strtok_r(args, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		if (strcmp(tok, "none") == 0)
			c->opt_mode = 1;
		else if (strcmp(tok, "do") == 0)
			c->do_mode = 1;
		else if (strcmp(tok, "do?") == 0)
			c->do_mode = 2;
		else if (strcmp(tok, "cookie?") == 0)
			c->cookie_ok = true;
		else if (sscanf(tok, "payload=%u", &v) == 1)
			c->opt_payload = (uint16_t)v;
		else {
			snprintf(err, errlen, "unknown opt expectation %s", tok);
			return -1;
		}
	}
	return 0;
}

static char *
g_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* "conf version TEXT": the rest of the line, quotes removed; "~" is NULL (REFUSED). */
static const char *
g_conf_text(char *v, char *store, size_t cap)
{
	size_t n = strlen(v);

	if (strcmp(v, "~") == 0)
		return NULL;
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v[n - 1] = '\0';
		v++;
	}
	snprintf(store, cap, "%s", v);
	return store;
}

/* Where RR lines go while reading a case. */
struct g_cursor {
	struct g_list *list;
	bool oneof;
};

static int
g_case_line(struct g_case *c, struct g_cursor *cur, char *line, char *err, size_t errlen)
{
	char *args = line + strcspn(line, " \t");
	char word[32];
	size_t wl = (size_t)(args - line);

	if (wl >= sizeof(word))
		wl = sizeof(word) - 1;
	memcpy(word, line, wl);
	word[wl] = '\0';
	args = g_trim(args);

	if (strcmp(word, "query") == 0) {
		cur->list = NULL;
		return g_parse_query(c, args, err, errlen);
	}
	if (strcmp(word, "rcode") == 0) {
		for (size_t i = 0; i < sizeof(g_rcodes) / sizeof(g_rcodes[0]); i++)
			if (strcmp(args, g_rcodes[i].name) == 0)
				c->rcode = g_rcodes[i].code;
		if (c->rcode < 0) {
			snprintf(err, errlen, "unknown rcode %s", args);
			return -1;
		}
		return 0;
	}
	if (strcmp(word, "flags") == 0)
		return g_parse_flags(c, args, err, errlen);
	if (strcmp(word, "opt") == 0)
		return g_parse_opt(c, args, err, errlen);
	if (strcmp(word, "punt") == 0 && args[0] == '\0') {
		c->punt = true;
		return 0;
	}
	if (strcmp(word, "question") == 0 && strcmp(args, "none") == 0) {
		c->no_question = true;
		return 0;
	}
	for (int s = 0; s < G_NSECT; s++) {
		if (strcmp(word, g_sect_name[s]) == 0) {
			cur->list = &c->sect[s];
			cur->oneof = false;
			c->dontcare[s] = strcmp(args, "?") == 0;
			return 0;
		}
	}
	if (strcmp(word, "answer-oneof") == 0) {
		c->nalts = 1;
		cur->list = &c->alts[0];
		cur->oneof = true;
		return 0;
	}
	if (cur->oneof && strcmp(line, "|") == 0) {
		if (c->nalts == G_MAX_ALTS) {
			snprintf(err, errlen, "too many alternatives");
			return -1;
		}
		cur->list = &c->alts[c->nalts++];
		return 0;
	}
	if (cur->list != NULL)
		return g_expect_rr(cur->list, line, err, errlen);
	snprintf(err, errlen, "unexpected line \"%s\"", line);
	return -1;
}

static void
g_group_free(struct g_group *g)
{
	for (size_t i = 0; i < g->ncases; i++) {
		for (int s = 0; s < G_NSECT; s++)
			g_list_free(&g->cases[i].sect[s]);
		for (size_t a = 0; a < G_MAX_ALTS; a++)
			g_list_free(&g->cases[i].alts[a]);
	}
	free(g->cases);
	rrt_free(g->t);
	memset(g, 0, sizeof(*g));
}

/* Read one .golden file and build its table. Errors are printed; returns -1. */
static int
g_group_load(struct g_group *g, const char *dir, const char *file)
{
	struct zone *zones[G_MAX_ZONES];
	size_t nzones = 0;
	struct g_cursor cur = {0};
	struct g_case *c = NULL;
	struct sw_diag d = {0};
	char path[PATH_MAX];
	char line[2048];
	char err[1200] = "";
	unsigned lineno = 0;
	FILE *f;
	int rc = -1;

	snprintf(g->name, sizeof(g->name), "%s", file);
	g->conf.edns_payload = DNSQ_EDNS_PAYLOAD_DEFAULT;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, sizeof(err), "cannot open");
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *l = g_trim(line);

		lineno++;
		if (l[0] == '\0' || l[0] == '#')
			continue;
		if (strncmp(l, "case ", 5) == 0 || strcmp(l, "case") == 0) {
			struct g_case *nc = realloc(g->cases, (g->ncases + 1) * sizeof(*nc));

			if (nc == NULL)
				goto out;
			g->cases = nc;
			c = &g->cases[g->ncases++];
			memset(c, 0, sizeof(*c));
			c->g = g;
			c->rcode = -1;
			c->line = lineno;
			snprintf(c->name, sizeof(c->name), "%s:%u %s", file, lineno, g_trim(l + 4));
			memset(&cur, 0, sizeof(cur));
		} else if (c != NULL) {
			if (g_case_line(c, &cur, l, err, sizeof(err)) < 0)
				goto out;
		} else if (strncmp(l, "zone ", 5) == 0) {
			char origin[300];
			char zfile[PATH_MAX / 2];
			char zpath[PATH_MAX];

			if (nzones == G_MAX_ZONES ||
			    sscanf(l + 5, "%299s %2047s", origin, zfile) != 2) {
				snprintf(err, sizeof(err), "bad zone line");
				goto out;
			}
			snprintf(zpath, sizeof(zpath), "%s/%s", dir, zfile);
			if (zone_load(origin, zpath, &zones[nzones], &d) < 0) {
				snprintf(err, sizeof(err), "zone %s: %s:%u: %s", origin, d.file,
					 d.line, d.msg);
				goto out;
			}
			nzones++;
		} else if (strncmp(l, "conf ", 5) == 0) {
			char *v = g_trim(l + 5);
			unsigned p;

			if (sscanf(v, "edns-payload %u", &p) == 1) {
				g->conf.edns_payload = (uint16_t)p;
			} else if (strncmp(v, "version ", 8) == 0) {
				g->conf.version =
					g_conf_text(g_trim(v + 8), g->version, sizeof(g->version));
			} else if (strncmp(v, "identity ", 9) == 0) {
				g->conf.identity = g_conf_text(g_trim(v + 9), g->identity,
							       sizeof(g->identity));
			} else {
				snprintf(err, sizeof(err), "unknown conf line");
				goto out;
			}
		} else {
			snprintf(err, sizeof(err), "unexpected line before the first case");
			goto out;
		}
	}
	for (size_t i = 0; i < g->ncases; i++) {
		c = &g->cases[i];
		lineno = c->line;
		if (c->qname[0] == '\0' || ((c->rcode < 0 || !c->flags_given) && !c->punt)) {
			snprintf(err, sizeof(err),
				 "case needs query, rcode and flags lines (or punt)");
			goto out;
		}
	}
	if (rrt_build((const struct zone *const *)zones, nzones, NULL, 0, &g->t, &d) < 0) {
		lineno = 0;
		snprintf(err, sizeof(err), "rrt_build: %s:%u: %s", d.file, d.line, d.msg);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		fprintf(stdout, "[  ERROR   ] %s:%u: %s\n", path, lineno,
			err[0] != '\0' ? err : "out of memory");
	for (size_t i = 0; i < nzones; i++)
		zone_free(zones[i]);
	if (f != NULL)
		fclose(f);
	return rc;
}

/* Compare two lists as sorted sets, printing a merged diff on mismatch; true when equal. */
static bool
g_diff(const char *what, struct g_list *want, struct g_list *got, bool print)
{
	size_t i = 0;
	size_t j = 0;
	bool same = want->n == got->n;

	if (want->n > 1)
		qsort(want->v, want->n, sizeof(char *), g_strcmp);
	if (got->n > 1)
		qsort(got->v, got->n, sizeof(char *), g_strcmp);
	for (size_t k = 0; same && k < want->n; k++)
		same = strcmp(want->v[k], got->v[k]) == 0;
	if (same || !print)
		return same;
	print_message("  %s differs (- expected, + got):\n", what);
	while (i < want->n || j < got->n) {
		int cmp = i == want->n ? 1 : j == got->n ? -1 : strcmp(want->v[i], got->v[j]);

		if (cmp == 0) {
			print_message("      %s\n", want->v[i]);
			i++;
			j++;
		} else if (cmp < 0) {
			print_message("    - %s\n", want->v[i++]);
		} else {
			print_message("    + %s\n", got->v[j++]);
		}
	}
	return false;
}

static void
g_flags_text(uint16_t flags, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(g_flags) / sizeof(g_flags[0]); i++)
		if (flags & g_flags[i].bit)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n > 0 ? " " : "",
					      g_flags[i].name);
}

static uint16_t
g_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The client cookie (first 8 octets of the query's COOKIE option), or NULL. */
static const uint8_t *
g_client_cookie(const struct g_case *c)
{
	for (size_t off = 0; off + 4 <= c->qo.opts_len;) {
		uint16_t code = g_u16(c->opts + off);
		uint16_t len = g_u16(c->opts + off + 2);

		if (code == 10 && len >= 8)
			return c->opts + off + 4;
		off += 4u + len;
	}
	return NULL;
}

/* The OPT record against the case's expectations; returns the number of problems. */
static int
g_check_opt(const struct g_case *c, ldns_pkt *pkt, unsigned nopt)
{
	bool want = c->opt_mode == 2 || (c->opt_mode == 0 && c->qo.edns);
	uint16_t payload = c->opt_payload != 0 ? c->opt_payload : c->g->conf.edns_payload;
	uint16_t z;
	ldns_rdf *data;
	int bad = 0;

	if (!want) {
		if (nopt != 0)
			print_message("  OPT: expected none, got %u\n", nopt);
		return nopt != 0;
	}
	if (nopt != 1) {
		print_message("  OPT: expected exactly one, got %u\n", nopt);
		return 1;
	}
	if (ldns_pkt_edns_version(pkt) != 0) {
		print_message("  OPT: version %u, expected 0\n", ldns_pkt_edns_version(pkt));
		bad++;
	}
	if (ldns_pkt_edns_udp_size(pkt) != payload) {
		print_message("  OPT: payload %u, expected %u\n", ldns_pkt_edns_udp_size(pkt),
			      payload);
		bad++;
	}
	z = ldns_pkt_edns_z(pkt);
	if ((z & 0x7fff) != 0) {
		print_message("  OPT: flags 0x%04x echoed (only DO may be)\n", z);
		bad++;
	}
	if (c->do_mode != 2 && !!(z & 0x8000) != c->do_mode) {
		print_message("  OPT: DO %s, expected %s\n", z & 0x8000 ? "set" : "clear",
			      c->do_mode ? "set" : "clear");
		bad++;
	}
	data = ldns_pkt_edns_data(pkt);
	for (size_t off = 0; data != NULL && off < ldns_rdf_size(data);) {
		const uint8_t *o = ldns_rdf_data(data) + off;
		const uint8_t *cc = g_client_cookie(c);
		uint16_t code;
		uint16_t len;

		if (off + 4 > ldns_rdf_size(data)) {
			print_message("  OPT: option header cut short\n");
			return bad + 1;
		}
		code = g_u16(o);
		len = g_u16(o + 2);
		if (off + 4 + len > ldns_rdf_size(data)) {
			print_message("  OPT: option %u runs past the RDATA\n", code);
			return bad + 1;
		}
		/* RFC 7873: a server cookie answer starts with the client cookie, 16..40 octets. */
		if (!(code == 10 && c->cookie_ok && cc != NULL && len >= 16 && len <= 40 &&
		      memcmp(o + 4, cc, 8) == 0)) {
			print_message("  OPT: unexpected option %u (length %u)\n", code, len);
			bad++;
		}
		off += 4u + len;
	}
	return bad;
}

/* Write @c's query into @q (G_BUF octets); returns its length. */
static size_t
g_query(struct g_case *c, uint8_t *q)
{
	size_t qlen;

	/* Set here, not when parsing: the case array moves while the file is read. */
	c->qo.opts = c->qo.opts_len > 0 ? c->opts : NULL;
	qlen = tu_query(q, G_BUF, c->qname, c->qtype, &c->qo);
	q[2] |= (uint8_t)(c->hdr_bits >> 8);
	q[3] |= (uint8_t)c->hdr_bits;
	return qlen;
}

static void
g_run(void **state)
{
	static uint8_t q[G_BUF];
	static uint8_t r[G_BUF];
	static uint8_t inplace[G_BUF];
	static uint8_t hinted[G_BUF];
	struct g_case *c = *state;
	struct g_group *g = c->g;
	struct g_list got[G_NSECT] = {0};
	ldns_rr_list *ldl[G_NSECT];
	struct dnsq_info info;
	struct dnsq_info info2;
	struct dnsq_info info3;
	static struct dnsq_burst burst;
	const uint8_t *qp = q;
	uint16_t ql;
	unsigned dflags = c->tcp ? DNSQ_TCP : 0;
	ldns_pkt *pkt = NULL;
	ldns_status st;
	size_t qlen, rlen, rlen2, rlen3, qend;
	uint16_t flags, mask = 0;
	int rcode;
	int bad = 0;
	char a[64], b[64];

	qlen = g_query(c, q);
	qend = 12 + dname_len(q + 12) + 4;
	rlen = dnsq_answer(g->t, &g->conf, NULL, q, qlen, r, sizeof(r), dflags, &info);
	if (c->punt) {
		if (rlen != 0 || info.verdict != DNSQ_PUNT)
			fail_msg("%s: expected a punt, got %zu octets (verdict %u)", c->name, rlen,
				 info.verdict);
		return;
	}
	if (rlen == 0)
		fail_msg("%s: no response (verdict %u)", c->name, info.verdict);
	/* The engine may answer in place (the worker does); both ways must agree to the octet. */
	memcpy(inplace, q, qlen);
	rlen2 = dnsq_answer(g->t, &g->conf, NULL, inplace, qlen, inplace, sizeof(inplace), dflags,
			    &info2);
	if (rlen2 != rlen || memcmp(inplace, r, rlen) != 0) {
		print_message("  answering in place gives different octets (%zu vs %zu)\n", rlen2,
			      rlen);
		bad++;
	}
	/*
	 * And the worker's way: the question read and its lookups staged by
	 * dnsq_prefetch(), then answered with the hint. A question that reads
	 * must give a hint, and the octets must be the same.
	 */
	ql = (uint16_t)qlen;
	dnsq_prefetch(g->t, &qp, &ql, 1, &burst);
	if (burst.hint[0].qname_len == 0 && info.rcode != 1 /* FORMERR */) {
		print_message("  dnsq_prefetch() gave no hint for a question that reads\n");
		bad++;
	}
	rlen3 = dnsq_answer_hinted(g->t, &g->conf, NULL, q, qlen, hinted, sizeof(hinted), dflags,
				   &info3, &burst.hint[0]);
	if (rlen3 != rlen || memcmp(hinted, r, rlen) != 0) {
		print_message("  the burst path (prefetch, hint) gives different octets (%zu vs %zu)\n",
			      rlen3, rlen);
		bad++;
	}
	st = ldns_wire2pkt(&pkt, r, rlen);
	if (st != LDNS_STATUS_OK)
		fail_msg("%s: ldns cannot decode the response: %s", c->name,
			 ldns_get_errorstr_by_id(st));

	/* Header. */
	if (g_u16(r) != c->qo.id) {
		print_message("  ID 0x%04x, expected 0x%04x\n", g_u16(r), c->qo.id);
		bad++;
	}
	if (((r[2] >> 3) & 0xf) != (c->qo.opcode & 0xf)) {
		print_message("  opcode %u, expected %u\n", (r[2] >> 3) & 0xf, c->qo.opcode);
		bad++;
	}
	for (size_t i = 0; i < sizeof(g_flags) / sizeof(g_flags[0]); i++)
		mask |= g_flags[i].bit;
	flags = g_u16(r + 2) & mask;
	if ((flags & c->flags_care) != (c->flags_want & c->flags_care)) {
		g_flags_text(flags, a, sizeof(a));
		g_flags_text(c->flags_want, b, sizeof(b));
		print_message("  flags \"%s\", expected \"%s\"\n", a, b);
		bad++;
	}
	rcode = (r[3] & 0xf) | (ldns_pkt_edns(pkt) ? ldns_pkt_edns_extended_rcode(pkt) << 4 : 0);
	if (rcode != c->rcode) {
		print_message("  rcode %s, expected %s\n", g_rcode_name(rcode),
			      g_rcode_name(c->rcode));
		bad++;
	}

	/* Question: echoed octet for octet, case included (0x20), or absent when told. */
	if (c->no_question) {
		if (g_u16(r + 4) != 0) {
			print_message("  QDCOUNT %u, expected 0\n", g_u16(r + 4));
			bad++;
		}
	} else if (g_u16(r + 4) != 1 || rlen < qend || memcmp(r + 12, q + 12, qend - 12) != 0) {
		print_message("  question not echoed byte for byte\n");
		bad++;
	} else {
		ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
		char *owner = ldns_rdf2str(ldns_rr_owner(qrr));
		char want[310];
		size_t n = strlen(c->qname);

		snprintf(want, sizeof(want), "%s%s", c->qname,
			 n > 0 && c->qname[n - 1] == '.' ? "" : ".");
		if (owner == NULL || strcmp(owner, want) != 0) {
			print_message("  ldns question \"%s\", expected \"%s\"\n", owner, want);
			bad++;
		}
		free(owner);
	}

	/* OPT: ldns folds it out of the additional section, so count it from the raw ARCOUNT. */
	ldl[G_AN] = ldns_pkt_answer(pkt);
	ldl[G_NS] = ldns_pkt_authority(pkt);
	ldl[G_AR] = ldns_pkt_additional(pkt);
	bad += g_check_opt(c, pkt, (unsigned)(g_u16(r + 10) - ldns_rr_list_rr_count(ldl[G_AR])));

	/* Sections as sorted sets of RR text. */
	for (int s = 0; s < G_NSECT; s++) {
		for (size_t i = 0; i < ldns_rr_list_rr_count(ldl[s]); i++) {
			char *t = g_rr_text(ldns_rr_list_rr(ldl[s], i));

			if (t == NULL || g_list_add(&got[s], t) < 0) {
				print_message("  out of memory\n");
				bad++;
			}
			free(t);
		}
		if (c->dontcare[s])
			continue;
		if (s == G_AN && c->nalts > 0) {
			bool any = false;

			for (size_t k = 0; k < c->nalts && !any; k++)
				any = g_diff("answer", &c->alts[k], &got[s], false);
			if (!any) {
				print_message("  answer matches none of %zu alternatives:\n",
					      c->nalts);
				for (size_t k = 0; k < c->nalts; k++)
					g_diff("answer", &c->alts[k], &got[s], true);
				bad++;
			}
			continue;
		}
		if (!g_diff(g_sect_name[s], &c->sect[s], &got[s], true))
			bad++;
	}
	for (int s = 0; s < G_NSECT; s++)
		g_list_free(&got[s]);
	ldns_pkt_free(pkt);
	if (bad > 0)
		fail_msg("%s: %d mismatch(es) with the expected answer (query %s %s)", c->name, bad,
			 c->qname, c->qtype_text);
}

/*
 * Every query of the file in bursts, as a worker answers them: a burst's
 * questions of every shape (hits, CNAME chains, names that do not exist,
 * wildcards, referrals, errors) staged together by dnsq_prefetch(), each
 * then answered with its hint, to the octets and facts of dnsq_answer().
 * Twice: in file order, and with the order reversed, so that each query sits
 * among other neighbours.
 */
static void
g_run_bursts(void **state)
{
	static uint8_t q[DNSQ_BURST][G_BUF];
	static uint8_t r[G_BUF];
	static uint8_t hinted[G_BUF];
	static struct dnsq_burst burst;
	struct g_group *g = *state;
	const uint8_t *qp[DNSQ_BURST];
	uint16_t ql[DNSQ_BURST];
	struct g_case *in[DNSQ_BURST];
	int bad = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t first = 0; first < g->ncases; first += DNSQ_BURST) {
			unsigned n = 0;

			for (size_t k = first; k < g->ncases && n < DNSQ_BURST; k++, n++) {
				in[n] = &g->cases[pass == 0 ? k : g->ncases - 1 - k];
				ql[n] = (uint16_t)g_query(in[n], q[n]);
				qp[n] = q[n];
			}
			dnsq_prefetch(g->t, qp, ql, n, &burst);
			for (unsigned k = 0; k < n; k++) {
				unsigned dflags = in[k]->tcp ? DNSQ_TCP : 0;
				struct dnsq_info info, info2;
				size_t rlen, rlen2;

				rlen = dnsq_answer(g->t, &g->conf, NULL, q[k], ql[k], r, sizeof(r),
						   dflags, &info);
				rlen2 = dnsq_answer_hinted(g->t, &g->conf, NULL, q[k], ql[k], hinted,
							   sizeof(hinted), dflags, &info2,
							   &burst.hint[k]);
				if (rlen2 != rlen || memcmp(hinted, r, rlen) != 0 ||
				    info2.rcode != info.rcode || info2.rclass != info.rclass ||
				    info2.verdict != info.verdict || info2.tc != info.tc) {
					print_message("  %s: in a burst, different octets (%zu vs "
						      "%zu) or facts\n",
						      in[k]->name, rlen2, rlen);
					bad++;
				}
			}
		}
	}
	if (bad != 0)
		fail_msg("%d answer(s) differ in bursts", bad);
}

static int
g_is_golden(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 7 && strcmp(e->d_name + n - 7, ".golden") == 0;
}

/* run_golden DIR [SUBSTRING]: every .golden file in DIR, or those whose name contains SUBSTRING. */
int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/golden";
	const char *only = argc > 2 ? argv[2] : NULL;
	struct dirent **ents = NULL;
	int failed = 0;
	int files = 0;
	int n;

	n = scandir(dir, &ents, g_is_golden, alphasort);
	if (n <= 0) {
		fprintf(stderr, "run_golden: no .golden files in %s\n", dir);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct g_group g = {0};
		struct CMUnitTest *tests;

		if (only != NULL && strstr(ents[i]->d_name, only) == NULL)
			goto next;
		files++;
		if (g_group_load(&g, dir, ents[i]->d_name) < 0) {
			failed++;
			goto next;
		}
		tests = calloc(g.ncases + 1, sizeof(*tests));
		if (tests == NULL) {
			failed++;
			goto next;
		}
		for (size_t k = 0; k < g.ncases; k++) {
			tests[k].name = g.cases[k].name;
			tests[k].test_func = g_run;
			tests[k].initial_state = &g.cases[k];
		}
		tests[g.ncases].name = "every query in bursts";
		tests[g.ncases].test_func = g_run_bursts;
		tests[g.ncases].initial_state = &g;
		failed += _cmocka_run_group_tests(g.name, tests, g.ncases + 1, NULL, NULL);
		free(tests);
	next:
		g_group_free(&g);
		free(ents[i]);
	}
	free(ents);
	printf("[==========] golden: %d file(s), %d failure(s)\n", files, failed);
	return failed != 0 || files == 0;
}
