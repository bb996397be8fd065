# SPDX-License-Identifier: BSD-3-Clause
"""Queries for the differential test, generated from the served zones' contents.

The zone contents come from an AXFR of the reference server (so $INCLUDE and
relative names are already resolved); the generator walks them and makes
queries of every kind in docs/conformance.md: every owner and type, NODATA,
empty non-terminals, names that do not exist at every depth, names under
wildcards and delegations, CNAME chains, case variants, unknown types, ANY,
with and without EDNS, small payloads that force truncation. A fixed seed
makes the same zones give the same queries.
"""

import random
import time

PROBE_TYPES = ["A", "AAAA", "MX", "TXT", "NS", "SOA", "CNAME", "DS", "ANY", "TYPE666", "SRV", "PTR",
               "CAA", "RRSIG", "NSEC", "HTTPS"]


class Zone:
    def __init__(self, origin, rrs):
        self.origin = origin
        self.rrs = rrs
        self.types = {}
        for rr in rrs:
            self.types.setdefault(rr.name, set()).add(rr.type)
        self.cuts = {n for n, t in self.types.items() if 2 in t and n != origin}
        self.ents = set()
        for n in list(self.types):
            p = n
            while p != origin and "." in p[:-1]:
                p = p.split(".", 1)[1]
                if p not in self.types:
                    self.ents.add(p)
        self.wild = [n for n in self.types if n.startswith("*.")]
        self.cnames = [n for n, t in self.types.items() if 5 in t]

    def below_cut(self, name):
        return any(name != c and name.endswith("." + c) for c in self.cuts)


def case_variant(rnd, name):
    return "".join(c.upper() if c.isalpha() and rnd.random() < 0.5 else c for c in name)


def generate(zones, seed=8, bulk_sample=0.4):
    """Return a list of dicts: qname, qtype, qclass, edns (None or dict), tcp, tag."""
    rnd = random.Random(seed)
    out = []

    def q(name, qtype, tag, edns="rand", qclass=1, tcp=False, case="rand", rd=None, **hdr):
        if case == "rand":
            name = case_variant(rnd, name) if rnd.random() < 0.2 else name
        if edns == "rand":
            r = rnd.random()
            edns = None if r < 0.35 else {"payload": 1232} if r < 0.75 else \
                {"payload": 1232, "do": True} if r < 0.9 else {"payload": 4096}
        out.append({"qname": name, "qtype": qtype, "qclass": qclass, "edns": edns, "tcp": tcp,
                    "tag": tag, "rd": rnd.random() < 0.3 if rd is None else rd, "hdr": hdr})

    for z in zones:
        names = sorted(z.types)
        bulk = [n for n in names if n.split(".")[0][:1] == "h" and n.split(".")[0][1:].isdigit()]
        keep_bulk = set(rnd.sample(bulk, int(len(bulk) * bulk_sample))) if bulk else set()
        for n in names:
            sampled = n not in bulk or n in keep_bulk
            if not sampled:
                continue
            for t in sorted(z.types[n]):
                q(n, t, "exist")
            extra = PROBE_TYPES if n not in bulk else rnd.sample(PROBE_TYPES, 3)
            for t in extra:
                q(n, t, "probe")
            # A name that does not exist one and two labels below every name.
            q("nx%d.%s" % (rnd.randrange(100), n), rnd.choice(["A", "AAAA", "TXT"]), "nx")
            if n not in bulk or rnd.random() < 0.2:
                q("a.nx.%s" % n, "A", "nx2")
        for n in sorted(z.ents):
            for t in ["A", "TXT", "ANY", "NS", "TYPE666"]:
                q(n, t, "ent")
            q("nx." + n, "A", "nx-under-ent")
        depth_name = z.origin
        for d in range(1, 6):
            depth_name = "nx-depth%d.%s" % (d, depth_name)
            q(depth_name, "A", "nx-depth")
        for w in sorted(z.wild):
            p = w[2:]
            for t in ["A", "AAAA", "MX", "TXT", "ANY", "TYPE666", "CNAME", "NS"]:
                q("x1." + p, t, "wild")
            q("a.b.c." + p, "A", "wild-deep")
            q("x1.x2." + p, "TXT", "wild-deep")
            q(w, "A", "wild-literal")
            q(w, "TXT", "wild-literal")
            q("*.x." + p, "A", "wild-star-below")
            q("x.*." + p, "A", "wild-below-star")
        for c in sorted(z.cuts):
            for t in ["A", "NS", "DS", "ANY", "TYPE666", "SOA", "AAAA", "MX"]:
                q(c, t, "cut")
            for t in ["A", "AAAA", "NS", "DS"]:
                q("www." + c, t, "below-cut")
            q("a.b.c." + c, "A", "below-cut-deep")
            for n in names:
                if n.endswith("." + c):
                    for t in ["A", "AAAA", "NS", "ANY"]:
                        q(n, t, "glue")
            q(c, "A", "cut-512", edns={"payload": 512})
            q("www." + c, "A", "cut-noedns", edns=None)
        for c in sorted(z.cnames):
            for t in ["A", "AAAA", "CNAME", "TXT", "ANY", "MX", "DS"]:
                q(c, t, "cname")
        # Truncation: the largest RRsets at 512 without EDNS, EDNS 512, 1232, and over TCP.
        sizes = {}
        for n in names:
            sizes[n] = len(z.types[n])
        for n in names:
            for t in sorted(z.types[n]):
                for e in (None, {"payload": 512}, {"payload": 600}, {"payload": 1232},
                          {"payload": 1232, "do": True}):
                    if n.split(".")[0] in ("big", "huge", "many", "mid", "bigdeleg") or \
                            (n == z.origin and t in (2, 48, 255)):
                        q(n, t, "trunc", edns=e)
            if n.split(".")[0] in ("big", "huge", "many", "mid", "bigdeleg") or n == z.origin:
                for e in (None, {"payload": 512}, {"payload": 1232}):
                    q(n, "ANY", "trunc-any", edns=e)
        q("*." + z.origin, "A", "apex-star")
        q(z.origin, "A", "apex-rd", rd=True)
    # EDNS and header variants (RFC 6891, RFC 8906): version 1, unknown option and flag, header
    # bits a query may carry, opcodes other than QUERY (NOTIFY aside: it goes to the control side).
    for z in zones:
        for n, t in [(z.origin, "SOA"), ("www." + z.origin, "A"), ("nx-edns." + z.origin, "A")]:
            q(n, t, "edns-v1", edns={"payload": 1232, "version": 1})
            q(n, t, "edns-v1-opt", edns={"payload": 1232, "version": 1, "options": [(100, b"x")]})
            q(n, t, "edns-opt", edns={"payload": 1232, "options": [(100, b""), (3, b""), (9, b"")]})
            q(n, t, "edns-flag", edns={"payload": 1232, "flags": 0x0080})
            q(n, t, "edns-payload-100", edns={"payload": 100})
            q(n, t, "hdr-z", z=True)
            q(n, t, "hdr-ad-cd", ad=True, cd=True)
            q(n, t, "hdr-cd", cd=True)
            q(n, t, "hdr-ad", ad=True)
            q(n, t, "hdr-aa-tc", aa=True, tc=True)
            for op in (1, 2, 3, 15):
                q(n, t, "opcode%d" % op, opcode=op)
            # TSIG (RFC 8945 5.2): a well-formed TSIG for a key no server has (signed now, a MAC
            # of the right size for the algorithm), and malformed ones: the TSIG not last, and
            # a TSIG whose RDATA is cut short.
            now = int(time.time())
            mac = bytes(rnd.randrange(256) for _ in range(32))
            q(n, t, "tsig-badkey", tsig={"key": "nokey.test.", "alg": "hmac-sha256.",
                                         "time_signed": now, "mac": mac, "orig_id": 0})
            q(n, t, "tsig-badkey-md5", tsig={"key": "other-key.", "alg": "hmac-md5.sig-alg.reg.int.",
                                             "time_signed": now, "mac": mac[:16]})
            q(n, t, "tsig-cut", tsig={"key": "nokey.test.", "rdata": b"\x0bhmac-sha256\x00\x00"})
    # Outside every served zone, and classes.
    for n in ["www.example.org.", "org.", "test.", ".", "nxzone.test.", "in-addr.arpa.",
              "xn--bcher-kva.example."]:
        for t in ["A", "NS", "SOA"]:
            q(n, t, "outside")
    for z in zones:
        for t in ["A", "SOA"]:
            q("www." + z.origin, t, "class-ch", qclass=3)
            q("www." + z.origin, t, "class-hs", qclass=4)
            q("www." + z.origin, t, "class-none", qclass=254)
            q(z.origin, t, "class-any", qclass=255)
    return out


def tcp_subset(queries, seed=9, n=400):
    """Every truncation query again over TCP, plus a random sample of the rest."""
    rnd = random.Random(seed)
    sel = [dict(x, tcp=True) for x in queries if x["tag"].startswith("trunc")]
    # A malformed TSIG stays on UDP: Knot resets the TCP connection on it (RFC 8945 leaves the
    # transport's handling of a message it cannot parse open), which would lose the answers to
    # the other queries pipelined on that connection.
    rest = [x for x in queries if not x["tag"].startswith("trunc") and x["tag"] != "tsig-cut"]
    sel += [dict(x, tcp=True) for x in rnd.sample(rest, min(n, len(rest)))]
    return sel
