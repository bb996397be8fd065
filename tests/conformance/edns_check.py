#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""EDNS compliance checks (ISC EDNS compliance tester, RFC 8906 section 8) against one server.

    edns_check.py ADDR4 ADDR6 ZONE BIGNAME --cookies on|off

ZONE has an SOA with TTL 300 and MINIMUM 60 and a name www with an A record;
BIGNAME a TXT RRset too big for 512 and 1232 octets. Each check sends one query
and compares the whole response with what docs/conformance.md expects: the header
rules of every response (QR, ID, opcode and RD copied, RA, Z, AD and CD clear,
the question byte for byte), the OPT rules (only when the query had one, one,
owner root, version 0, payload 1232, DO echoed, no other flag, no option but a
COOKIE when cookies are on), then the check's own RCODE, flags and sections.
Prints ok/FAIL per check; exit 1 when any failed.
"""

import argparse
import os
import socket
import struct
import sys

import dnswire

PAYLOAD = 1232
failures = 0


def send_udp(addr, wire):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    for _ in range(3):
        s.sendto(wire, (addr, 53))
        try:
            while True:
                data = s.recv(65535)
                if data[:2] == wire[:2]:
                    return data
        except socket.timeout:
            continue
    return None


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("closed")
        b += c
    return b


def send_tcp(addr, wires):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect((addr, 53))
    s.sendall(b"".join(struct.pack(">H", len(w)) + w for w in wires))
    out = []
    for _ in wires:
        (n,) = struct.unpack(">H", recv_exact(s, 2))
        out.append(recv_exact(s, n))
    s.close()
    return out


class Check:
    def __init__(self, name, why):
        self.name, self.why, self.errors = name, why, []

    def expect(self, cond, what):
        if not cond:
            self.errors.append(what)

    def done(self):
        global failures
        if self.errors:
            failures += 1
            print("FAIL: %s (%s): %s" % (self.name, self.why, "; ".join(self.errors)))
        else:
            print("ok: %s (%s)" % (self.name, self.why))


def common(c, wire, raw, edns, cookies):
    """The rules every response follows; returns the decoded message or None."""
    if raw is None:
        c.expect(False, "no response")
        return None
    try:
        m = dnswire.Msg(raw)
    except dnswire.WireError as e:
        c.expect(False, "malformed response: %s" % e)
        return None
    qflags = struct.unpack(">H", wire[2:4])[0]
    c.expect(m.id == struct.unpack(">H", wire[:2])[0], "ID not copied")
    c.expect(m.flag("qr"), "QR clear")
    c.expect(m.opcode == (qflags >> 11) & 15, "opcode not copied")
    # RD is defined for QUERY alone (opcodeflg: a NOTIMP answer clears it); CD is
    # for resolvers and an authoritative answer clears it (RFC 4035 3.1.6).
    if (qflags >> 11) & 15 == 0:
        c.expect(m.flag("rd") == bool(qflags & 0x0100), "RD not copied")
    else:
        c.expect(not m.flag("rd"), "RD set on an answer to opcode %d" % ((qflags >> 11) & 15))
    c.expect(not m.flag("cd"), "CD set")
    c.expect(not m.flag("ra"), "RA set")
    c.expect(not m.flag("z"), "Z set")
    c.expect(not m.flag("ad"), "AD set")
    c.expect(m.trailing == 0, "%d trailing octets" % m.trailing)
    if m.counts[0] == 1:
        qlen = len(m.qraw)
        c.expect(m.qraw == wire[12:12 + qlen], "question not echoed byte for byte")
    if edns is None:
        c.expect(m.opt is None, "OPT in the answer to a query without one")
        return m
    c.expect(m.nopt == 1, "%d OPT records" % m.nopt)
    if m.opt is None:
        return m
    o = m.opt
    c.expect(o["section"] == 2 and o["owner"] == ".", "OPT not a root-owned additional record")
    c.expect(o["version"] == 0, "OPT version %d" % o["version"])
    c.expect(o["payload"] == PAYLOAD, "OPT payload %d, not %d" % (o["payload"], PAYLOAD))
    c.expect(o["do"] == bool(edns.get("do")), "DO not echoed as sent")
    c.expect(o["flags"] == 0, "unknown OPT flags 0x%04x echoed" % o["flags"])
    c.expect(o["optlen_ok"], "OPT RDATA options do not add up")
    sent_cookie = [v for k, v in edns.get("options", []) if k == 10]
    codes = [k for k, _ in o["options"]]
    # A NOTIMP answer to another opcode: the message is not understood, its OPT is bare.
    if cookies and sent_cookie and len(sent_cookie[0]) >= 8 and m.opcode == 0:
        got = [v for k, v in o["options"] if k == 10]
        c.expect(codes == [10], "options %s, expected COOKIE alone" % codes)
        c.expect(len(got) == 1 and got[0][:8] == sent_cookie[0][:8] and len(got[0]) in (24, 40) and
                 8 <= len(got[0]) - 8 <= 32,
                 "COOKIE option does not echo the client cookie with a server cookie")
    else:
        c.expect(codes == [], "options %s echoed" % codes)
    return m


def run(c, addr, qname, qtype, cookies, edns=None, tcp=False, **kw):
    wire = dnswire.make_query(qname, qtype, qid=int.from_bytes(os.urandom(2), "big"), edns=edns, **kw)
    raw = send_tcp(addr, [wire])[0] if tcp else send_udp(addr, wire)
    return common(c, wire, raw, edns, cookies)


def rrs(m, sect, rtype=None):
    return [r for r in m.sections[sect] if rtype is None or r.type == rtype]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr4")
    ap.add_argument("addr6")
    ap.add_argument("zone")
    ap.add_argument("big")
    ap.add_argument("--cookies", choices=["on", "off"], default="off")
    a = ap.parse_args()
    ck = a.cookies == "on"
    z = a.zone.rstrip(".") + "."
    www = "www." + z
    v4 = a.addr4
    ccookie = os.urandom(8)
    e0 = {"payload": 4096}

    def positive_soa(c, m, what):
        if m is None:
            return
        c.expect(m.rcode == 0, "%s: RCODE %s" % (what, m.rcode_name()))
        c.expect(m.flag("aa") and not m.flag("tc"), "%s: AA/TC wrong" % what)
        c.expect(len(rrs(m, 0, 6)) == 1 and len(m.sections[0]) == 1, "%s: answer is not the SOA" % what)

    def nodata(c, m):
        if m is None:
            return
        c.expect(m.rcode == 0 and m.flag("aa"), "RCODE %s AA %d" % (m.rcode_name(), m.flag("aa")))
        c.expect(not m.sections[0], "answer not empty")
        soa = rrs(m, 1, 6)
        c.expect(len(soa) == 1 and len(m.sections[1]) == 1 and soa[0].name == z,
                 "authority is not the zone's SOA")
        c.expect(len(soa) == 1 and soa[0].ttl == 60, "negative SOA TTL is not min(300, 60)")

    def badvers(c, m):
        if m is None:
            return
        c.expect(m.rcode == 16, "RCODE %s, not BADVERS" % m.rcode_name())
        c.expect(m.flags & 15 == 0, "header RCODE %d, not 0" % (m.flags & 15))
        c.expect(not m.sections[0] and not m.sections[1], "answer or authority not empty")
        c.expect(not m.flag("aa"), "AA set")

    c = Check("dns", "plain DNS: SOA, no OPT")
    positive_soa(c, run(c, v4, z, "SOA", ck), "SOA")
    c.done()

    c = Check("edns", "EDNS 0: normal answer with OPT, payload from config")
    positive_soa(c, run(c, v4, z, "SOA", ck, edns=e0), "SOA")
    c.done()

    c = Check("edns-small-payload", "EDNS payload below 512 counts as 512 (RFC 6891 6.2.5)")
    m = run(c, v4, www, "A", ck, edns={"payload": 100})
    c.expect(m is not None and m.rcode == 0 and len(rrs(m, 0, 1)) == 1 and not m.flag("tc"),
             "www A not answered whole")
    c.done()

    c = Check("edns1", "EDNS version 1: BADVERS, OPT version 0, no answer or SOA")
    badvers(c, run(c, v4, z, "SOA", ck, edns={"payload": 4096, "version": 1}))
    c.done()

    c = Check("edns1-nx", "EDNS version 1 for a name that does not exist: BADVERS, no SOA")
    badvers(c, run(c, v4, "nx." + z, "A", ck, edns={"payload": 4096, "version": 1}))
    c.done()

    c = Check("ednsopt", "unknown option 100: normal answer, not echoed")
    positive_soa(c, run(c, v4, z, "SOA", ck, edns={"payload": 4096, "options": [(100, b"")]}), "SOA")
    c.done()

    c = Check("edns1opt", "EDNS version 1 with an unknown option: BADVERS, option not echoed")
    badvers(c, run(c, v4, z, "SOA", ck, edns={"payload": 4096, "version": 1,
                                               "options": [(100, b"\x01\x02")]}))
    c.done()

    c = Check("ednsflags", "unknown EDNS flag 0x0080: normal answer, flag not echoed")
    positive_soa(c, run(c, v4, z, "SOA", ck, edns={"payload": 4096, "flags": 0x0080}), "SOA")
    c.done()

    c = Check("edns1flags", "EDNS version 1 with an unknown flag: BADVERS, flag not echoed")
    badvers(c, run(c, v4, z, "SOA", ck, edns={"payload": 4096, "version": 1, "flags": 0x0080}))
    c.done()

    c = Check("do", "DO=1: normal answer, DO echoed, no DNSSEC records, AD clear")
    m = run(c, v4, z, "SOA", ck, edns={"payload": 4096, "do": True})
    positive_soa(c, m, "SOA")
    c.done()

    c = Check("signed", "DO=1 for an A record of the unsigned zone: the A alone, no RRSIG")
    m = run(c, v4, www, "A", ck, edns={"payload": 4096, "do": True})
    c.expect(m is not None and m.rcode == 0 and [r.type for r in m.sections[0]] == [1],
             "answer is not the A RRset alone")
    c.done()

    ecs = struct.pack(">HBB", 1, 24, 0) + bytes([198, 18, 0])
    c = Check("optlist", "NSID, ECS, EXPIRE and COOKIE together: normal answer, no FORMERR, "
              + ("only COOKIE echoed" if ck else "nothing echoed"))
    positive_soa(c, run(c, v4, z, "SOA", ck, edns={"payload": 4096, "options": [
        (3, b""), (8, ecs), (9, b""), (10, ccookie)]}), "SOA")
    c.done()

    c = Check("docookie", "DO and a client COOKIE: normal answer, "
              + ("COOKIE with the client cookie and a server cookie" if ck else "no FORMERR, nothing echoed"))
    positive_soa(c, run(c, v4, z, "SOA", ck, edns={"payload": 4096, "do": True,
                                                    "options": [(10, ccookie)]}), "SOA")
    c.done()

    c = Check("zflag", "header Z bit set (bind11): normal answer, Z clear")
    positive_soa(c, run(c, v4, z, "SOA", ck, edns=e0, z=True), "SOA")
    c.done()

    c = Check("header-flags", "AA, TC, AD, CD, RD in the query: AA from the answer, TC/AD/RA/CD "
              "clear, RD copied")
    positive_soa(c, run(c, v4, z, "SOA", ck, edns=e0, aa=True, tc=True, ad=True, cd=True, rd=True), "SOA")
    c.done()

    c = Check("unknown-type", "TYPE1000: NODATA with the SOA (TTL 60), never NOTIMP")
    nodata(c, run(c, v4, www, "TYPE1000", ck, edns=e0))
    c.done()

    c = Check("unknown-type-noedns", "TYPE1000 without EDNS: NODATA with the SOA")
    nodata(c, run(c, v4, www, "TYPE1000", ck))
    c.done()

    for op in (3, 9, 15):
        for e in (None, e0):
            c = Check("opcode%d%s" % (op, "-edns" if e else ""),
                      "unknown opcode %d, RD and CD set: NOTIMP, RD and CD clear, no question, "
                      "an OPT iff the query had one (RFC 6891 6.1.1)" % op)
            m = run(c, v4, z, "SOA", ck, edns=e, opcode=op, rd=True, cd=True)
            if m is not None:
                c.expect(m.rcode == 4, "RCODE %s" % m.rcode_name())
                c.expect(m.counts == (0, 0, 0, 1 if e else 0), "counts %s" % (m.counts,))
                c.expect(not m.flag("aa"), "AA set")
            c.done()

    c = Check("edns512-tc", "payload 512, answer larger: TC=1, question and OPT kept, no records")
    m = run(c, v4, a.big, "TXT", ck, edns={"payload": 512})
    if m is not None:
        c.expect(m.flag("tc") and m.rcode == 0, "TC %d RCODE %s" % (m.flag("tc"), m.rcode_name()))
        c.expect(m.counts[0] == 1 and not m.sections[0], "question missing or records present")
        c.expect(len(m.raw) <= 512, "%d octets over UDP with payload 512" % len(m.raw))
    c.done()

    c = Check("noedns-tc", "no EDNS, answer larger than 512: TC=1, question kept, no OPT")
    m = run(c, v4, a.big, "TXT", ck)
    if m is not None:
        c.expect(m.flag("tc") and m.counts[0] == 1 and len(m.raw) <= 512, "not truncated to 512")
    c.done()

    c = Check("ednstcp", "EDNS 0 over TCP: the same big answer whole, OPT kept")
    m = run(c, v4, a.big, "TXT", ck, edns=e0, tcp=True)
    if m is not None:
        c.expect(not m.flag("tc") and len(rrs(m, 0, 16)) == 30, "not all 30 TXT records")
    c.done()

    c = Check("tcp", "plain DNS over TCP, two queries on one connection, answered in order")
    w1 = dnswire.make_query(z, "SOA", qid=0x1111)
    w2 = dnswire.make_query(www, "A", qid=0x2222, edns=e0)
    try:
        r1, r2 = send_tcp(v4, [w1, w2])
        m1 = common(c, w1, r1, None, ck)
        m2 = common(c, w2, r2, e0, ck)
        positive_soa(c, m1, "first")
        c.expect(m2 is not None and len(rrs(m2, 0, 1)) == 1, "second: no A")
    except (OSError, EOFError) as e:
        c.expect(False, "TCP: %s" % e)
    c.done()

    for addr in (a.addr6,):
        c = Check("edns-ipv6", "EDNS 0 over IPv6: normal answer with OPT")
        positive_soa(c, run(c, addr, z, "SOA", ck, edns=e0), "SOA")
        c.done()
        c = Check("tcp-ipv6", "EDNS 0 over TCP and IPv6")
        positive_soa(c, run(c, addr, z, "SOA", ck, edns=e0, tcp=True), "SOA")
        c.done()

    print("edns_check: %d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
