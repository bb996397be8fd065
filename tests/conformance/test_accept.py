#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit test of the differential's acceptance rules (difftest.accept() with ACCEPTED.md).

Hand-made answers: each rule must accept the difference it names and refuse an
answer that has that difference plus any other, or a look-alike that is not the
difference. Run by meson (suite unit); no network, no servers.
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import difftest  # noqa: E402
import dnswire  # noqa: E402

RULES = difftest.load_rules(os.path.join(HERE, "ACCEPTED.md"))


def rr(name, rtype, ttl, rdata, cls=1):
    return dnswire.RR(name, dnswire.type_code(rtype), cls, ttl, rdata)


def a_hex(addr):
    return "".join("%02x" % int(x) for x in addr.split("."))


SOA_RD = "ns1.example.com. hostmaster.example.com. " + "00000001" + "00000e10" + "00000258" + \
    "00093a80" + "0000012c"  # MINIMUM 300
ZONE = [
    rr("example.com.", "SOA", 3600, SOA_RD),
    rr("example.com.", "NS", 3600, "ns1.example.com."),
    rr("example.com.", "A", 3600, a_hex("192.0.2.1")),
    rr("example.com.", "MX", 3600, "000a mail.example.com."),
    rr("ns1.example.com.", "A", 3600, a_hex("192.0.2.53")),
    rr("www.example.com.", "A", 300, a_hex("192.0.2.80")),
    # One NS, one glue record: a referral of about 90 octets.
    rr("small.example.com.", "NS", 3600, "ns.small.example.com."),
    rr("ns.small.example.com.", "A", 3600, a_hex("192.0.2.99")),
    # Eight NS, sixteen glue records: does not fit 512 as swerve writes it.
    *[rr("big.example.com.", "NS", 3600, "ns%d.big.example.com." % i) for i in range(1, 9)],
    *[rr("ns%d.big.example.com." % i, "A", 3600, a_hex("198.18.4.%d" % i)) for i in range(1, 9)],
    *[rr("ns%d.big.example.com." % i, "AAAA", 3600, "2001000200000004000000000000000%d" % i)
      for i in range(1, 9)],
    # A chain of 12 CNAMEs, then an A.
    *[rr("l%d.example.com." % i, "CNAME", 3600, "l%d.example.com." % (i + 1)) for i in range(12)],
    rr("l12.example.com.", "A", 3600, a_hex("192.0.2.12")),
    rr("cn.example.com.", "CNAME", 3600, "www.example.com."),
]
difftest.ZONES[:] = ["example.com."]
difftest.ZONE_SETS.clear()
difftest.load_zone_sets(ZONE)


def zset(name, rtype):
    return difftest.ZONE_SETS[(name, dnswire.type_code(rtype))]


def rs(name, rtype, ttl, *rdata):
    return (name, dnswire.type_code(rtype), 1, (ttl,), tuple(sorted(rdata)))


def ans(rcode="NOERROR", aa=True, tc=False, hdr=("qr",), opt=(0, False), qd=1, an=(), ns=(),
        ar=()):
    return {"rcode": rcode, "aa": aa, "tc": tc, "hdr": tuple(hdr), "opt": opt,
            "nopt": 1 if opt is not None else 0, "qd": qd,
            "an": frozenset(an), "ns": frozenset(ns), "ar": frozenset(ar)}


def query(qname, qtype, edns=True, tcp=False, tag="probe", qclass=1, rd=False, payload=1232):
    return {"qname": qname, "qtype": qtype, "qclass": qclass,
            "edns": {"payload": payload} if edns else None, "tcp": tcp, "tag": tag, "rd": rd}


def accepted(peer, q, sw, pn):
    used = difftest.accept(RULES, peer, q, sw, pn)
    return None if used is None else [r.id for r in used]


def change(a, **kw):
    b = dict(a)
    b.update({k: frozenset(v) if k in ("an", "ns", "ar") else v for k, v in kw.items()})
    b["nopt"] = 1 if b["opt"] is not None else 0
    return b


SW_TC = ans(aa=False, tc=True)
BIG_NS = zset("big.example.com.", "NS")
BIG_GLUE = [zset("ns%d.big.example.com." % i, t) for i in range(1, 9) for t in ("A", "AAAA")]
CHAIN = [zset("l%d.example.com." % i, "CNAME") for i in range(12)] + [zset("l12.example.com.", "A")]


class GlueTruncation(unittest.TestCase):
    q = query("big.example.com.", "A", edns=False)

    def peer(self, **kw):
        return change(ans(aa=False, opt=None, ns=[BIG_NS], ar=BIG_GLUE[:6]), **kw)

    def test_accepts_glue_left_out(self):
        sw = change(SW_TC, opt=None)
        self.assertEqual(accepted("nsd", self.q, sw, self.peer()), ["glue-truncation"])

    def test_refuses_a_referral_that_fits(self):
        # The case: one NS, it fits in 1232 octets; swerve truncated, with AA, RA and
        # the OPT changed on top.
        q = query("small.example.com.", "A")
        pn = ans(aa=False, ns=[zset("small.example.com.", "NS")], ar=[])
        sw = ans(aa=True, tc=True, hdr=("qr", "ra"), opt=(0, True))
        self.assertIsNone(accepted("nsd", q, sw, pn))
        # Even with the header equal, the referral fits: no rule may accept the TC.
        self.assertIsNone(accepted("nsd", q, change(SW_TC), pn))

    def test_refuses_header_differences(self):
        sw = change(SW_TC, opt=None)
        for bad in (dict(aa=True), dict(hdr=("qr", "ra")), dict(opt=(0, False)), dict(qd=0),
                    dict(rcode="NXDOMAIN")):
            self.assertIsNone(accepted("nsd", self.q, change(sw, **bad), self.peer()), bad)

    def test_refuses_glue_not_from_the_zone(self):
        sw = change(SW_TC, opt=None)
        wrong = rs("ns1.big.example.com.", "A", 3600, a_hex("10.0.0.1"))
        self.assertIsNone(accepted("nsd", self.q, sw, self.peer(ar=[wrong])))
        other_ns = rs("big.example.com.", "NS", 3600, "ns.elsewhere.")
        self.assertIsNone(accepted("nsd", self.q, sw, self.peer(ns=[other_ns])))

    def test_refuses_content_in_swerves_truncated_answer(self):
        sw = change(SW_TC, opt=None, ns=[BIG_NS])
        self.assertIsNone(accepted("nsd", self.q, sw, self.peer()))

    def test_complete_referral_is_never_accepted(self):
        # The peer's complete referral fits, and so does swerve's (compressed the same
        # way): a TC from swerve is a difference no rule accepts, at 600 as at 1232.
        pn = ans(aa=False, ns=[BIG_NS], ar=BIG_GLUE)
        for payload in (600, 1232):
            q = query("big.example.com.", "A", payload=payload)
            self.assertIsNone(accepted("knot", q, SW_TC, pn), payload)


class ChainLimit(unittest.TestCase):
    q = query("l0.example.com.", "A")

    def test_accepts_prefixes(self):
        sw = ans(an=CHAIN[:8])
        self.assertEqual(accepted("knot", self.q, sw, ans(an=CHAIN[:5])), ["cname-chain-limit"])
        self.assertEqual(accepted("nsd", self.q, sw, ans(an=CHAIN)), ["cname-chain-limit"])

    def test_refuses_servfail_aa_opt(self):
        # The case: 8 CNAMEs with SERVFAIL, AA=0 and no OPT.
        sw = ans(rcode="SERVFAIL", aa=False, opt=None, an=CHAIN[:8])
        self.assertIsNone(accepted("nsd", self.q, sw, ans(an=CHAIN)))
        for bad in (dict(rcode="SERVFAIL"), dict(aa=False), dict(opt=None), dict(hdr=("qr", "rd"))):
            self.assertIsNone(accepted("nsd", self.q, change(ans(an=CHAIN[:8]), **bad),
                                       ans(an=CHAIN)), bad)

    def test_refuses_a_chain_that_is_not_a_prefix(self):
        other = rs("l3.example.com.", "CNAME", 3600, "elsewhere.example.com.")
        sw = ans(an=CHAIN[:3] + [other] + CHAIN[4:8])
        self.assertIsNone(accepted("nsd", self.q, sw, ans(an=CHAIN)))
        # An extra RRset off the chain.
        sw = ans(an=CHAIN[:8] + [zset("www.example.com.", "A")])
        self.assertIsNone(accepted("nsd", self.q, sw, ans(an=CHAIN)))

    def test_refuses_swerve_stopping_early(self):
        # swerve is the shorter, with 6 CNAMEs: not its limit of 8.
        self.assertIsNone(accepted("nsd", self.q, ans(an=CHAIN[:6]), ans(an=CHAIN)))
        # Knot with 4 CNAMEs: under the minimum of 5.
        self.assertIsNone(accepted("knot", self.q, ans(an=CHAIN[:8]), ans(an=CHAIN[:4])))


class AnyUdp(unittest.TestCase):
    q = query("example.com.", "ANY")

    def test_accepts_another_rrset(self):
        sw = ans(an=[zset("example.com.", "A")])
        pn = ans(an=[zset("example.com.", "SOA")])
        self.assertEqual(accepted("nsd", self.q, sw, pn), ["any-udp-choice"])

    def test_refuses_wrong_rdata_and_ttl(self):
        # The case: a wrong A RDATA and TTL.
        pn = ans(an=[zset("example.com.", "SOA")])
        for bad in (rs("example.com.", "A", 3600, a_hex("10.9.9.9")),
                    rs("example.com.", "A", 5, a_hex("192.0.2.1")),
                    rs("example.com.", "TXT", 3600, "0568656c6c6f")):
            self.assertIsNone(accepted("nsd", self.q, ans(an=[bad]), pn), bad)

    def test_refuses_header_differences(self):
        pn = ans(an=[zset("example.com.", "SOA")])
        for bad in (dict(rcode="NXDOMAIN"), dict(aa=False), dict(opt=None), dict(tc=True)):
            sw = change(ans(an=[zset("example.com.", "A")]), **bad)
            self.assertIsNone(accepted("nsd", self.q, sw, pn), bad)


class AnyTcp(unittest.TestCase):
    q = query("example.com.", "ANY", tcp=True)
    ALL = [zset("example.com.", t) for t in ("SOA", "NS", "A", "MX")]

    def test_accepts_every_rrset(self):
        self.assertEqual(accepted("knot", self.q, ans(an=self.ALL),
                                  ans(an=[zset("example.com.", "SOA")])), ["any-tcp-all"])

    def test_refuses_other_owners(self):
        # The case: extra RRsets with other owners.
        sw = ans(an=self.ALL + [zset("www.example.com.", "A"), zset("ns1.example.com.", "A")])
        self.assertIsNone(accepted("knot", self.q, sw, ans(an=[zset("example.com.", "SOA")])))

    def test_refuses_wrong_or_missing_rrsets(self):
        pn = ans(an=[zset("example.com.", "SOA")])
        wrong = rs("example.com.", "A", 3600, a_hex("10.0.0.1"))
        self.assertIsNone(accepted("knot", self.q, ans(an=self.ALL[:2] + [wrong] + self.ALL[3:]), pn))
        self.assertIsNone(accepted("knot", self.q, ans(an=self.ALL[:3]), pn))
        self.assertIsNone(accepted("knot", self.q, change(ans(an=self.ALL), aa=False), pn))


class ClassAny(unittest.TestCase):
    def test_aa(self):
        q = query("www.example.com.", "A", qclass=255)
        an = [zset("www.example.com.", "A")]
        self.assertEqual(accepted("knot", q, ans(aa=False, an=an), ans(aa=True, an=an)),
                         ["class-any-aa"])
        # Not the other way round, nor for NSD, nor with anything else different.
        self.assertIsNone(accepted("knot", q, ans(aa=True, an=an), ans(aa=False, an=an)))
        self.assertIsNone(accepted("nsd", q, ans(aa=False, an=an), ans(aa=True, an=an)))
        self.assertIsNone(accepted("knot", q, ans(aa=False, an=an, opt=None), ans(aa=True, an=an)))
        self.assertIsNone(accepted("knot", q, ans(aa=False, an=[]), ans(aa=True, an=an)))

    def test_soa(self):
        q = query("www.example.com.", "TXT", qclass=255)
        soa = difftest.soa_set("example.com.")
        self.assertEqual(next(iter(soa))[3], (300,))
        self.assertEqual(accepted("nsd", q, ans(aa=False, ns=soa), ans(aa=False)), ["class-any-soa"])
        # Any SOA is not enough: it must be the zone's, with the negative TTL.
        wrong = [rs("example.com.", "SOA", 3600, SOA_RD)]
        self.assertIsNone(accepted("nsd", q, ans(aa=False, ns=wrong), ans(aa=False)))
        # And AA is compared.
        self.assertIsNone(accepted("nsd", q, ans(aa=True, ns=soa), ans(aa=False)))


class OpcodeAndTsig(unittest.TestCase):
    def test_notimp(self):
        q = query("example.com.", "SOA", tag="opcode2", rd=True)
        sw = ans(rcode="NOTIMP", aa=False, qd=0)
        self.assertEqual(accepted("knot", q, sw, ans(rcode="NOTIMP", aa=False, hdr=("qr", "rd"))),
                         ["opcode-notimp"])
        self.assertEqual(accepted("nsd", q, sw, ans(rcode="NOTIMP", aa=False, qd=0, opt=None)),
                         ["notimp-opt"])
        # swerve without the OPT (RFC 6891 6.1.1), or with RD, is refused.
        self.assertIsNone(accepted("knot", q, change(sw, opt=None),
                                   ans(rcode="NOTIMP", aa=False)))
        self.assertIsNone(accepted("knot", q, change(sw, hdr=("qr", "rd")),
                                   ans(rcode="NOTIMP", aa=False)))
        # No EDNS in the query: NSD without an OPT is the same as swerve, an OPT from swerve not.
        q = query("example.com.", "SOA", tag="opcode2", edns=False)
        self.assertIsNone(accepted("nsd", q, sw, ans(rcode="NOTIMP", aa=False, qd=0, opt=None)))

    def test_tsig_question(self):
        q = query("example.com.", "SOA", tag="tsig-badkey")
        tsig = ("nokey.test.", 250, 255, (0,), ("0b686d61632d736861323536000000",))
        sw = ans(rcode="NOTAUTH", aa=False, ar=[tsig])
        self.assertEqual(accepted("nsd", q, sw, change(sw, qd=0)), ["tsig-error-question"])
        self.assertIsNone(accepted("knot", q, sw, change(sw, qd=0)))
        self.assertIsNone(accepted("nsd", q, sw, change(sw, qd=0, ar=[])))
        self.assertIsNone(accepted("nsd", q, change(sw, rcode="NOERROR"), change(sw, qd=0)))


class Bounds(unittest.TestCase):
    def test_every_rule_has_a_bound(self):
        for r in RULES:
            self.assertTrue(r.max, r.id)
            self.assertEqual(r.limit("no-such-round"), r.max.get("*", 0))

    def test_no_rule_accepts_cd(self):
        q = query("www.example.com.", "A")
        an = [zset("www.example.com.", "A")]
        self.assertIsNone(accepted("knot", q, ans(an=an, hdr=("qr", "cd")), ans(an=an)))


if __name__ == "__main__":
    unittest.main(verbosity=1)
