#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Differential test driver: the same queries to swerved, Knot DNS and NSD, answers compared.

    difftest.py --server swerve=198.18.0.53:53 --server knot=127.0.0.1:5301 \
        --server nsd=127.0.0.1:5302 --axfr 127.0.0.1:5301 --zone big.test. ... \
        --accepted ACCEPTED.md [--report FILE] [--show N]

The zones' contents come from an AXFR of the --axfr server; the queries from
querygen.py. Each query goes to each server over UDP, a subset over TCP too.
A response is normalised (normalise()) and swerve's is compared with each
peer's; a difference that a rule of ACCEPTED.md accepts is counted under the
rule, any other is a failure. Exit 0 when there is no unaccepted difference.
"""

import argparse
import collections
import re
import select
import socket
import struct
import sys
import time

import dnswire
import querygen


def addr_of(spec):
    host, port = spec.rsplit(":", 1)
    return host.strip("[]"), int(port)


def sock_for(addr, kind):
    fam = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
    return socket.socket(fam, kind)


def udp_all(addr, queries, window=64, timeout=1.0, tries=3):
    """Send every query over UDP with up to @window outstanding; return raw responses (None: lost)."""
    s = sock_for(addr, socket.SOCK_DGRAM)
    s.connect(addr)
    s.setblocking(False)
    res = [None] * len(queries)
    for attempt in range(tries):
        todo = [i for i in range(len(queries)) if res[i] is None]
        if not todo:
            break
        inflight = {}
        pos = 0
        deadline = 0.0
        while pos < len(todo) or inflight:
            while pos < len(todo) and len(inflight) < window:
                i = todo[pos]
                qid = (i + attempt * 7919) & 0xFFFF
                while qid in inflight:
                    qid = (qid + 1) & 0xFFFF
                wire = queries[i]["wire"]
                wire = struct.pack(">H", qid) + wire[2:]
                inflight[qid] = i
                s.send(wire)
                pos += 1
                deadline = time.monotonic() + timeout
            r, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                break  # the rest of this round is lost; the next round retries it
            while True:
                try:
                    data = s.recv(65535)
                except BlockingIOError:
                    break
                except ConnectionRefusedError:
                    break
                if len(data) < 2:
                    continue
                qid = struct.unpack(">H", data[:2])[0]
                i = inflight.pop(qid, None)
                if i is not None:
                    res[i] = struct.pack(">H", queries[i]["id"]) + data[2:]
    s.close()
    return res


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("connection closed")
        b += c
    return b


def tcp_all(addr, queries, batch=20):
    """Pipelined batches on fresh connections (each server's per-connection limits are its own)."""
    res = [None] * len(queries)
    for b in range(0, len(queries), batch):
        idx = list(range(b, min(b + batch, len(queries))))
        try:
            s = sock_for(addr, socket.SOCK_STREAM)
            s.settimeout(5)
            s.connect(addr)
            s.sendall(b"".join(struct.pack(">H", len(queries[i]["wire"])) + queries[i]["wire"]
                               for i in idx))
            byid = {queries[i]["id"]: i for i in idx}
            for _ in idx:
                (n,) = struct.unpack(">H", recv_exact(s, 2))
                m = recv_exact(s, n)
                i = byid.get(struct.unpack(">H", m[:2])[0])
                if i is not None:
                    res[i] = m
            s.close()
        except (OSError, EOFError) as e:
            print("note: tcp to %s: %s" % (addr, e), file=sys.stderr)
    return res


def axfr(addr, zone):
    s = sock_for(addr, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(addr)
    w = dnswire.make_query(zone, "AXFR", qid=4242)
    s.sendall(struct.pack(">H", len(w)) + w)
    rrs = []
    soa = 0
    while soa < 2:
        (n,) = struct.unpack(">H", recv_exact(s, 2))
        m = dnswire.Msg(recv_exact(s, n))
        if m.rcode != 0:
            raise RuntimeError("AXFR %s: %s" % (zone, m.rcode_name()))
        for rr in m.sections[0]:
            if rr.type == 6:
                soa += 1
                if soa == 2:
                    break
            rrs.append(rr)
    s.close()
    return rrs


# ---- normalisation ----

def rrsets(rrs):
    """A section as a set of RRsets: (owner, type, class, TTLs, RDATAs), order ignored."""
    sets = collections.OrderedDict()
    for rr in rrs:
        k = (rr.name, rr.type, rr.cls)
        if rr.type == 46 and len(rr.rdata) >= 4:
            # RRSIGs: one set per covered type (RFC 4034 3: each covers one RRset), so each
            # RRset's signatures are compared with their TTL as a part of that RRset.
            k += (rr_covered(rr),)
        e = sets.setdefault(k, (set(), set()))
        e[0].add(rr.ttl)
        e[1].add(rr.rdata)
    return frozenset((k[0], k[1], k[2], tuple(sorted(v[0])), tuple(sorted(v[1])))
                     for k, v in sets.items())


def rr_covered(rr):
    """The type an RRSIG covers: the first two octets of its RDATA (hex text, dnswire)."""
    return int(rr.rdata[:4], 16)


def normalise(raw):
    """What is compared: RCODE (extended included), AA, TC, RD/CD/Z/AD/RA, OPT presence,
    version and DO, the three sections as sets of RRsets. Owner and RDATA names are
    compared case-insensitively (RFC 4343); the OPT payload size and EDNS options
    are each server's own settings and are not compared."""
    if raw is None:
        return {"lost": True}
    try:
        m = dnswire.Msg(raw)
    except dnswire.WireError as e:
        return {"malformed": str(e)}
    opt = None
    if m.opt is not None:
        opt = (m.opt["version"], m.opt["do"])
    return {
        "rcode": m.rcode_name(), "aa": m.flag("aa"), "tc": m.flag("tc"),
        "hdr": tuple(f for f in ("qr", "rd", "ra", "z", "ad", "cd") if m.flag(f)),
        "opt": opt, "nopt": m.nopt, "qd": m.counts[0],
        "an": rrsets(m.sections[0]), "ns": rrsets(m.sections[1]), "ar": rrsets(m.sections[2]),
    }


def fmt_norm(n):
    if "lost" in n or "malformed" in n:
        return "    %s" % n
    out = ["    %s aa=%d tc=%d hdr=%s opt=%s qd=%d" % (n["rcode"], n["aa"], n["tc"],
                                                     ",".join(n["hdr"]), n["opt"], n["qd"])]
    for s in ("an", "ns", "ar"):
        for rs in sorted(n[s]):
            out.append("    %s: %s %s %s %s" % (s, rs[0], dnswire.type_name(rs[1]),
                                               "/".join(map(str, rs[3])), " | ".join(rs[4])[:160]))
    return "\n".join(out)


def kind(n):
    """The answer class of a normalised response (for rule conditions)."""
    if "rcode" not in n:
        return "none"
    if n["rcode"] == "NOERROR":
        if n["an"]:
            return "answer"
        if any(rs[1] == 6 for rs in n["ns"]):
            return "nodata"
        if any(rs[1] == 2 for rs in n["ns"]) and not n["aa"]:
            return "referral"
        return "empty"
    return n["rcode"].lower()


# ---- accepted differences ----

class Rule:
    """One "rule:" line of ACCEPTED.md: conditions and the transformations that accept a difference.

    rule: ID peers=knot,nsd [qtype=T,T] [proto=udp|tcp] [edns=yes|no] [tag=PREFIX,PREFIX]
          [swerve=KIND,KIND] [peer=KIND,KIND] [qclass=N,N] [zone=ORIGIN] [do=yes|no]
          then=ACTION[;ACTION]
    KIND is kind() of a normalised answer; each ACTION is one branch of transform() and
    returns None (the rule does not apply) unless the peer's answer has exactly the
    difference it describes.
    """

    def __init__(self, line):
        parts = line.split()
        self.id = parts[1]
        self.cond = {}
        self.actions = []
        for p in parts[2:]:
            k, v = p.split("=", 1)
            if k == "then":
                self.actions = [a.split("=", 1) + ([""] if "=" not in a else []) for a in v.split(";")]
            else:
                self.cond[k] = v.split(",")
        self.used = collections.Counter()

    def applies(self, peer, q, sw, pn):
        self.q = q
        c = self.cond
        if "peers" in c and peer not in c["peers"]:
            return False
        if "qtype" in c and dnswire.type_code(q["qtype"]) not in [dnswire.type_code(t) for t in c["qtype"]]:
            return False
        if "proto" in c and ("tcp" if q["tcp"] else "udp") not in c["proto"]:
            return False
        if "edns" in c and ("yes" if q["edns"] is not None else "no") not in c["edns"]:
            return False
        if "tag" in c and not any(q["tag"].startswith(t) for t in c["tag"]):
            return False
        if "do" in c and ("yes" if (q["edns"] or {}).get("do") else "no") not in c["do"]:
            return False
        if "qclass" in c and str(q["qclass"]) not in c["qclass"]:
            return False
        if "zone" in c and zone_of(q_owner(q)) not in c["zone"]:
            return False
        if "swerve" in c and kind(sw) not in c["swerve"]:
            return False
        if "peer" in c and kind(pn) not in c["peer"]:
            return False
        return True

    def transform(self, sw, pn):
        """Return the peer's normalised answer with this rule's difference taken out (or None)."""
        pn = dict(pn)
        for act, arg in self.actions:
            types = [dnswire.type_code(t) for t in arg.split(",")] if arg and act.startswith("drop") else []
            if act in ("drop-peer-ar", "drop-peer-ns", "drop-peer-an"):
                s = act[-2:]
                pn[s] = frozenset(rs for rs in pn[s] if rs[1] not in types)
            elif act == "drop-peer-ar-extra":
                # Only what the peer adds: RRsets swerve also has must still match.
                pn["ar"] = frozenset(rs for rs in pn["ar"] if rs in sw["ar"] or rs[1] not in types)
            elif act == "tc-sections":
                # Both truncated: what is left in the sections is to be discarded anyway.
                if not (sw["tc"] and pn["tc"]):
                    return None
                for k in ("an", "ns", "ar"):
                    pn[k] = sw[k]
            elif act == "untruncated-referral":
                # swerve: TC and nothing; the peer: the referral without TC, glue left out.
                if not (sw["tc"] and not pn["tc"] and kind(pn) == "referral" and not sw["an"]
                        and not sw["ns"] and not sw["ar"] and pn["rcode"] == sw["rcode"]):
                    return None
                pn = dict(sw)
            elif act == "nodata-at-cname":
                # swerve follows the CNAME at the name, the peer answers NODATA at the name.
                owner = q_owner(self.q)
                if not (kind(pn) == "nodata" and any(rs[0] == owner and rs[1] == 5 for rs in sw["an"])):
                    return None
                pn = dict(sw)
            elif act == "cross-zone-chain":
                # The peer stops the chain where it leaves the qname's zone; swerve goes on.
                if not (pn["an"] and pn["an"] <= sw["an"] and pn["rcode"] == "NOERROR"
                        and not pn["ns"] and not pn["ar"] and pn != sw):
                    return None
                targets = {rd for rs in pn["an"] if rs[1] == 5 for rd in rs[4]}
                owners = {rs[0] for rs in pn["an"]}
                ends = targets - owners
                qz = zone_of(self.q["qname"].lower())
                if len(ends) != 1 or zone_of(next(iter(ends))) in (None, qz):
                    return None
                pn = dict(sw)
            elif act == "chain-prefix":
                # Both follow a long chain and stop at different lengths (at least the 5 of the
                # shorter); the shorter is a prefix of the longer.
                a_, b_ = sorted((sw["an"], pn["an"]), key=len)
                ncn = sum(1 for rs in a_ if rs[1] == 5)
                if not (ncn >= int(arg or 5) and a_ <= b_ and
                        all(rs[1] == 5 for rs in a_)):
                    return None
                pn = dict(sw)
            elif act == "any-one":
                # RFC 8482 over UDP: each server picks one RRset of the name.
                owner = q_owner(self.q)
                if not (len(sw["an"]) == 1 and len(pn["an"]) == 1 and
                        next(iter(sw["an"]))[0] == owner and next(iter(pn["an"]))[0] == owner):
                    return None
                pn["an"] = sw["an"]
            elif act == "any-superset":
                # swerve gives every RRset (TCP), the peer one of them.
                if not (len(pn["an"]) == 1 and pn["an"] < sw["an"]):
                    return None
                pn["an"] = sw["an"]
            elif act == "peer-no-question":
                if not (pn["qd"] == 0 and sw["qd"] == 1 and pn["rcode"] == sw["rcode"]):
                    return None
                pn["qd"] = 1
            elif act == "cd-copied":
                # swerve copies CD, the peer clears it; nothing else in the header differs.
                if not ("cd" in sw["hdr"] and "cd" not in pn["hdr"] and
                        set(pn["hdr"]) | {"cd"} == set(sw["hdr"])):
                    return None
                pn["hdr"] = sw["hdr"]
            elif act == "notimp-bare":
                # swerve: NOTIMP as a bare header; the peer echoes the question (and an OPT).
                if not (sw["rcode"] == pn["rcode"] == "NOTIMP" and sw["qd"] == 0 and sw["opt"] is None
                        and not pn["an"] and not pn["ns"] and not pn["ar"]):
                    return None
                pn["qd"], pn["opt"], pn["nopt"] = 0, None, 0
            elif act == "class-any":
                # The peer: AA=0, and no SOA in a negative answer.
                pn["aa"] = sw["aa"]
                if not pn["an"] and not pn["ns"] and kind(sw) in ("nodata", "nxdomain"):
                    pn["ns"] = sw["ns"]
            elif act == "ttl-from-swerve":
                # The same RRsets with other TTLs.
                for k in ("an", "ns", "ar"):
                    strip = lambda sec: {(r[0], r[1], r[2], r[4]) for r in sec}
                    if strip(pn[k]) != strip(sw[k]):
                        return None
                    pn[k] = sw[k]
            elif act in DNSSEC_ACTIONS:
                pn = DNSSEC_ACTIONS[act](self.q, sw, pn)
                if pn is None:
                    return None
            else:
                raise ValueError("rule %s: unknown action %s" % (self.id, act))
        return pn


# ---- DNSSEC actions (signed zones; ACCEPTED.md, "Signed zones") ----

def _rrsig_of(rs):
    """The covered type of an RRSIG RRset tuple (rrsets() keeps one per covered type)."""
    return int(rs[4][0][:4], 16) if rs[1] == 46 and rs[4] else None


def _proof(rs):
    """An RRset of a denial proof: NSEC, NSEC3, or the RRSIGs covering them."""
    return rs[1] in (47, 50) or _rrsig_of(rs) in (47, 50)


def act_do_copied(q, sw, pn):
    # The peer clears DO in its OPT where swerve copies it; nothing else differs.
    if not (sw["opt"] and pn["opt"] and sw["opt"][1] and not pn["opt"][1]
            and sw["opt"][0] == pn["opt"][0]):
        return None
    pn["opt"] = sw["opt"]
    return pn


def act_rrsig_subset(q, sw, pn):
    # QTYPE RRSIG: the peer answers some of the name's signatures, swerve all of them (or TC
    # when all of them do not fit).
    if pn["rcode"] != sw["rcode"] or not pn["an"] or any(rs[1] != 46 for rs in pn["an"]):
        return None
    if sw["tc"] and not sw["an"] and not pn["tc"]:
        return dict(sw)
    if not pn["an"] < sw["an"] or any(rs[1] != 46 for rs in sw["an"]):
        return None
    pn["an"] = sw["an"]
    return pn


def act_any_signed(q, sw, pn):
    # ANY with DO=1: the peer gives one RRset with its RRSIG; swerve the same shape over UDP
    # (another RRset may be chosen), every RRset and its RRSIGs over TCP.
    def shape(an):
        data = [rs for rs in an if rs[1] != 46]
        sigs = {_rrsig_of(rs) for rs in an if rs[1] == 46}
        return data, sigs
    pd, ps = shape(pn["an"])
    if len(pd) != 1 or ps - {pd[0][1]} or pn["rcode"] != sw["rcode"]:
        return None
    if q["tcp"]:
        if not pn["an"] <= sw["an"]:
            return None
        # Not accepted: an NSEC that swerve synthesised from a wildcard (its RRSIG's labels
        # count below the owner's), which no peer's answer can show.
        for rs in sw["an"]:
            if _rrsig_of(rs) == 47 and int(rs[4][0][6:8], 16) < len(rs[0].rstrip(".").split(".")):
                return None
    else:
        sd, ss = shape(sw["an"])
        if len(sd) != 1 or ss - {sd[0][1]} or sd[0][0] != pd[0][0]:
            return None
    pn["an"] = sw["an"]
    return pn


def act_proof_subset(q, sw, pn):
    # The two authority sections differ only in NSEC/NSEC3 RRsets (and their RRSIGs), one a
    # subset of the other; everything else the same.
    a, b = {rs for rs in sw["ns"] if _proof(rs)}, {rs for rs in pn["ns"] if _proof(rs)}
    if (sw["ns"] - a) != (pn["ns"] - b) or a == b or not (a < b or b < a):
        return None
    pn["ns"] = sw["ns"]
    return pn


def act_nsec3_hashed_qname(q, sw, pn):
    # A name at or below an NSEC3 owner name (a hashed label under the apex): the two answers
    # differ in the proof only (rcode and answer the same).
    z = zone_of(q_owner(q))
    rest = q_owner(q)[:-len(z) - 1] if z else ""
    label = rest.rsplit(".", 1)[-1]
    if not (len(label) == 32 and re.fullmatch(r"[0-9a-v]{32}", label)):
        return None
    if pn["rcode"] != sw["rcode"] or pn["an"] != sw["an"]:
        return None
    if {rs for rs in pn["ns"] if not _proof(rs)} != {rs for rs in sw["ns"] if not _proof(rs)}:
        return None
    pn["ns"] = sw["ns"]
    return pn


def act_swerve_tc(q, sw, pn):
    # swerve: TC and nothing else; the peer fitted the whole answer in 512 octets.
    if not (sw["tc"] and not sw["an"] and not sw["ns"] and not sw["ar"] and not pn["tc"]
            and pn["rcode"] == sw["rcode"]):
        return None
    return dict(sw)


def act_rd_cleared(q, sw, pn):
    # NOTIMP: swerve clears RD and CD (defined for QUERY only), the peer copies them.
    if not (sw["rcode"] == pn["rcode"] == "NOTIMP" and
            set(pn["hdr"]) - {"rd", "cd"} == set(sw["hdr"]) and not {"rd", "cd"} & set(sw["hdr"])):
        return None
    pn["hdr"] = sw["hdr"]
    return pn


def act_notimp_opt(q, sw, pn):
    # NOTIMP without the question: swerve keeps an OPT when the query had one, the peer echoes
    # the question (Knot) or drops the OPT (NSD).
    if not (sw["rcode"] == pn["rcode"] == "NOTIMP" and sw["qd"] == 0 and not sw["an"]
            and not sw["ns"] and not sw["ar"] and not pn["an"] and not pn["ns"] and not pn["ar"]):
        return None
    pn["qd"], pn["opt"], pn["nopt"] = 0, sw["opt"], sw["nopt"]
    return pn


def act_aa_from_swerve(q, sw, pn):
    pn["aa"] = sw["aa"]
    return pn


DNSSEC_ACTIONS = {
    "do-copied": act_do_copied, "rrsig-subset": act_rrsig_subset, "any-signed": act_any_signed,
    "proof-subset": act_proof_subset, "nsec3-hashed-qname": act_nsec3_hashed_qname,
    "swerve-tc": act_swerve_tc, "rd-cleared": act_rd_cleared, "notimp-opt": act_notimp_opt, "aa-from-swerve": act_aa_from_swerve,
}

ZONES = []


def zone_of(name):
    """The served zone (longest origin) a lowercase name is in, or None."""
    best = None
    for z in ZONES:
        if (name == z or name.endswith("." + z)) and (best is None or len(z) > len(best)):
            best = z
    return best


def q_owner(q):
    n = q["qname"].lower()
    return n if n.endswith(".") else n + "."


def load_rules(path):
    rules = []
    with open(path) as f:
        for line in f:
            line = line.strip().strip("`")
            if line.startswith("rule: "):
                rules.append(Rule(line))
    return rules


def accept(rules, peer, q, sw, pn):
    """The rules that together turn the peer's answer into swerve's, or None."""
    cur = pn
    used = []
    for r in rules:
        if not r.applies(peer, q, sw, cur):
            continue
        t = r.transform(sw, cur)
        if t is None:
            continue
        if t != cur:
            used.append(r)
            cur = t
        if cur == sw:
            return used
    return None


# ---- main ----

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", action="append", required=True, help="NAME=HOST:PORT, swerve first")
    ap.add_argument("--axfr", required=True)
    ap.add_argument("--zone", action="append", required=True)
    ap.add_argument("--accepted", required=True)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--tcp", type=int, default=400, help="random queries also sent over TCP")
    ap.add_argument("--show", type=int, default=5, help="unaccepted differences printed in full")
    ap.add_argument("--label", default="")
    ap.add_argument("--grep", default="", help="print only unaccepted differences matching this")
    ap.add_argument("--dnssec", action="store_true",
                    help="signed zones: every query also asked with DO=1 (dnssec_variants())")
    a = ap.parse_args()

    servers = [(s.split("=")[0], addr_of(s.split("=")[1])) for s in a.server]
    rules = load_rules(a.accepted)
    zones = [querygen.Zone(z.lower(), axfr(addr_of(a.axfr), z)) for z in a.zone]
    ZONES.extend(z.origin for z in zones)
    queries = querygen.generate(zones, seed=a.seed)
    queries += querygen.tcp_subset(queries, n=a.tcp)
    if a.dnssec:
        queries += dnssec_variants(queries)
    for i, q in enumerate(queries):
        q["id"] = i & 0xFFFF
        q["wire"] = dnswire.make_query(q["qname"], q["qtype"], q["qclass"], qid=q["id"], rd=q["rd"],
                                       edns=q["edns"], **q.get("hdr", {}))
    udp = [i for i, q in enumerate(queries) if not q["tcp"]]
    tcp = [i for i, q in enumerate(queries) if q["tcp"]]
    per_zone = collections.Counter()
    for q in queries:
        z = next((z.origin for z in zones if q["qname"].lower().endswith(z.origin)), "(outside)")
        per_zone[(z, "tcp" if q["tcp"] else "udp")] += 1
    print("%squeries: %d over UDP, %d over TCP, %d servers" % (a.label, len(udp), len(tcp), len(servers)))
    for (z, p), n in sorted(per_zone.items()):
        print("  %-16s %s %5d" % (z, p, n))

    resp = {}
    for name, addr in servers:
        t0 = time.monotonic()
        r = [None] * len(queries)
        for i, x in zip(udp, udp_all(addr, [queries[i] for i in udp])):
            r[i] = x
        for i, x in zip(tcp, tcp_all(addr, [queries[i] for i in tcp])):
            r[i] = x
        resp[name] = r
        print("  %s: %.1f s, %d without an answer" % (name, time.monotonic() - t0,
                                                     sum(1 for x in r if x is None)))

    ref = servers[0][0]
    failures = 0
    shown = 0
    accepted = collections.Counter()
    peers_disagree = collections.Counter()
    examples = {}
    fail_sig = collections.Counter()
    for i, q in enumerate(queries):
        sw = normalise(resp[ref][i])
        if "rcode" not in sw:
            failures += 1
            if shown < a.show:
                shown += 1
                print("FAIL %s: no usable answer from %s: %s" % (desc(q), ref, sw))
            continue
        # swerve's own invariants: the question echoed byte for byte, one OPT at most.
        m = dnswire.Msg(resp[ref][i])
        if m.counts[0] == 1 and m.qraw != q["wire"][12:12 + len(m.qraw)]:
            failures += 1
            print("FAIL %s: question not echoed byte for byte" % desc(q))
        peer_norm = {}
        how = {}
        for name, _ in servers[1:]:
            pn = normalise(resp[name][i])
            peer_norm[name] = pn
            how[name] = "same"
            if pn == sw:
                continue
            used = accept(rules, name, q, sw, pn) if "rcode" in pn else None
            how[name] = "+".join(r.id for r in used) if used is not None else "UNACCEPTED"
            if used is not None:
                for r in used:
                    accepted[(r.id, name)] += 1
                    examples.setdefault(r.id, (desc(q), name))
                continue
            failures += 1
            sig = ",".join(k for k in ("rcode", "aa", "tc", "hdr", "opt", "nopt", "qd", "an", "ns", "ar")
                           if pn.get(k) != sw.get(k))
            key = (name, q["tag"], kind(sw), kind(pn), sig)
            fail_sig[key] += 1
            if shown < a.show and fail_sig[key] == 1 and re.search(a.grep, "%s %s %s" % (name, desc(q), sig)):
                shown += 1
                print("FAIL %s: %s and %s differ\n  %s:\n%s\n  %s:\n%s" % (
                    desc(q), ref, name, ref, fmt_norm(sw), name, fmt_norm(pn)))
        names = list(peer_norm)
        if len(names) == 2 and peer_norm[names[0]] != peer_norm[names[1]]:
            peers_disagree[" / ".join("%s: %s" % (n, how[n]) for n in names)] += 1
    print("%saccepted differences (rule, peer: count, first example):" % a.label)
    for (rid, peer), n in sorted(accepted.items()):
        print("  %-28s %-5s %5d   e.g. %s" % (rid, peer, n, examples[rid][0]))
    if peers_disagree:
        print("%swhere the peers disagree with each other: how each compares with swerve (count)"
              % a.label)
        for k, n in sorted(peers_disagree.items()):
            print("  %-64s %5d" % (k, n))
    if fail_sig:
        print("%sunaccepted differences (peer, query tag, swerve's kind, peer's kind, fields: count):"
              % a.label)
        for k, n in sorted(fail_sig.items()):
            print("  %-5s %-16s %-9s %-9s %-14s %5d" % (k + (n,)))
    print("%s%d unaccepted difference(s)" % (a.label, failures))
    return 1 if failures else 0


def dnssec_variants(queries):
    """Each query without DO again with DO=1: its own EDNS (payload, version, options) with the
    DO bit, or EDNS with payload 1232 where it had none (RFC 3225: DO needs an OPT)."""
    out = []
    for q in queries:
        e = q["edns"]
        if e is not None and e.get("do"):
            continue
        e = dict(e, do=True) if e is not None else {"payload": 1232, "do": True}
        out.append(dict(q, edns=e))
    return out


def desc(q):
    e = "noedns" if q["edns"] is None else "edns%d%s" % (q["edns"].get("payload", 0),
                                                          "+do" if q["edns"].get("do") else "")
    return "[%s] %s %s class=%d %s %s" % (q["tag"], q["qname"], q["qtype"], q["qclass"], e,
                                          "tcp" if q["tcp"] else "udp")


if __name__ == "__main__":
    sys.exit(main())
