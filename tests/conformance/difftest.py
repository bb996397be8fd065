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
          max=ROUND:N,ROUND:N
          then=ACTION[;ACTION]
    KIND is kind() of a normalised answer; each ACTION is one branch of transform() and
    returns None (the rule does not apply) unless the peer's answer has exactly the
    difference it describes, and then takes out that difference and nothing else.
    max bounds how many differences the rule may accept in one run (per round, by the
    --round name; "*" for any round): a rule that suddenly accepts more fails the test.
    """

    def __init__(self, line):
        parts = line.split()
        self.id = parts[1]
        self.cond = {}
        self.actions = []
        self.max = {}
        for p in parts[2:]:
            k, v = p.split("=", 1)
            if k == "then":
                self.actions = [a.split("=", 1) + ([""] if "=" not in a else []) for a in v.split(";")]
            elif k == "max":
                for item in v.split(","):
                    rnd, _, n = item.rpartition(":")
                    self.max[rnd or "*"] = int(n)
            else:
                self.cond[k] = v.split(",")
        if not self.max:
            raise ValueError("rule %s: no max=" % self.id)
        self.used = collections.Counter()

    def limit(self, round_name):
        return self.max.get(round_name, self.max.get("*", 0))

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
        q = self.q
        owner = q_owner(q)
        for act, arg in self.actions:
            types = [dnswire.type_code(t) for t in arg.split(",")] if arg and act.startswith("drop") else []
            if act in ("drop-peer-ar", "drop-peer-ns", "drop-peer-an"):
                s = act[-2:]
                pn[s] = frozenset(rs for rs in pn[s] if rs[1] not in types)
            elif act == "drop-peer-ar-extra":
                # Only what the peer adds: RRsets swerve also has must still match.
                pn["ar"] = frozenset(rs for rs in pn["ar"] if rs in sw["ar"] or rs[1] not in types)
            elif act == "tc-sections":
                # Both truncated; swerve keeps nothing, the peer what fit. The sections of a
                # truncated answer are discarded by the client anyway; the header still counts.
                if not (sw["tc"] and pn["tc"] and not (sw["an"] or sw["ns"] or sw["ar"])):
                    return None
                for k in ("an", "ns", "ar"):
                    pn[k] = frozenset()
            elif act == "untruncated-referral":
                # swerve: TC and nothing; the peer: the referral without TC. Only when the
                # whole referral (the NS RRset and all its in-domain glue) does not fit the
                # query's payload as swerve writes it, and what the peer sent is that
                # referral: with some glue left out (=partial), or complete (=complete: it
                # fits the peer, which compresses every name).
                if not (sw["tc"] and not (sw["an"] or sw["ns"] or sw["ar"]) and not pn["tc"]
                        and kind(pn) == "referral" and not pn["an"] and same_header(sw, pn, "tc")):
                    return None
                # With DO the peer's authority also holds the DS or its absence's proof,
                # which counts towards the size like the NS RRset.
                dnssec_ns = [rs for rs in pn["ns"] if rs[1] in (43, 46, 47, 50)]
                if q["edns"] is None or not q["edns"].get("do"):
                    dnssec_ns = []
                if len(pn["ns"]) != 1 + len(dnssec_ns):
                    return None
                nsset = next(rs for rs in pn["ns"] if rs not in dnssec_ns)
                cut = nsset[0]
                if nsset[1] != 2 or ZONE_SETS.get((cut, 2)) != nsset or not in_or_below(owner, cut):
                    return None
                glue = in_domain_glue(nsset)
                if not glue or not partial_of(pn["ar"], glue) or \
                        (pn["ar"] == frozenset(glue)) != (arg == "complete"):
                    return None
                if message_size(q, [nsset] + dnssec_ns + glue, cut) <= udp_limit(q):
                    return None
                pn["tc"] = True
                for k in ("an", "ns", "ar"):
                    pn[k] = frozenset()
            elif act == "nodata-at-cname":
                # swerve follows the CNAME at the name, the peer answers NODATA at the name
                # (the SOA of the name's zone); the header is the same but for the RCODE of
                # the chain's end (RFC 6604).
                # With DO in a signed zone the peer's NODATA carries its proof and the
                # SOA's RRSIG beside the SOA; those go with the NODATA they prove.
                cn = zone_rrsets_at(owner).get(5)
                pns = pn["ns"]
                if q["edns"] is not None and q["edns"].get("do"):
                    pns = frozenset(rs for rs in pns if not (_proof(rs) or _rrsig_of(rs) == 6))
                if not (kind(pn) == "nodata" and cn is not None and cn in sw["an"]
                        and same_header(sw, pn, "rcode") and not pn["ar"]
                        and pns == soa_set(zone_of(owner))):
                    return None
                for k in ("rcode", "an", "ns", "ar"):
                    pn[k] = sw[k]
            elif act == "cross-zone-chain":
                # The peer stops the chain where it leaves the qname's zone; swerve goes on, and
                # all it adds is in the other zone.
                if not (pn["an"] and pn["an"] <= sw["an"] and pn != sw and pn["rcode"] == "NOERROR"
                        and not pn["ns"] and not pn["ar"] and same_header(sw, pn, "rcode")):
                    return None
                targets = {rd for rs in pn["an"] if rs[1] == 5 for rd in rs[4]}
                owners = {rs[0] for rs in pn["an"]}
                ends = targets - owners
                qz = zone_of(owner)
                if len(ends) != 1:
                    return None
                other = zone_of(next(iter(ends)))
                if other in (None, qz):
                    return None
                added = (sw["an"] - pn["an"]) | sw["ar"]
                if not all(zone_of(rs[0]) == other for rs in added) or \
                        sw["ns"] not in (frozenset(), soa_set(other)):
                    return None
                for k in ("rcode", "an", "ns", "ar"):
                    pn[k] = sw[k]
            elif act == "chain-prefix":
                # Both follow a long chain and stop at different lengths: the shorter is a
                # prefix of the longer, CNAMEs only, at least MIN of them; swerve stops at no
                # more than its limit, and where it is the shorter, exactly at its limit.
                lo, _, hi = (arg or "5/8").partition("/")
                lo, hi = int(lo), int(hi or 8)
                cs, cp = chain(owner, sw["an"]), chain(owner, pn["an"])
                if cs is None or cp is None or cs == cp:
                    return None
                short, long_ = sorted((cs, cp), key=len)
                ncn_sw = sum(1 for rs in cs if rs[1] == 5)
                if not (long_[:len(short)] == short and all(rs[1] == 5 for rs in short)
                        and len(short) >= lo and ncn_sw <= hi and (short is not cs or ncn_sw == hi)):
                    return None
                # The shorter stopped: NOERROR, nothing in authority. The longer may have
                # reached the end of the chain, a name without the type: then its RCODE and
                # the SOA of that name's zone are the end's (RFC 6604, RFC 2308 3).
                sn, ln = (sw, pn) if short is cs else (pn, sw)
                if sn["rcode"] != "NOERROR" or sn["ns"] or sn["ar"] != ln["ar"]:
                    return None
                if (ln["rcode"], ln["ns"]) != ("NOERROR", frozenset()):
                    end = long_[-1][4][0] if long_[-1][1] == 5 else None
                    if end is None or ln["rcode"] not in ("NOERROR", "NXDOMAIN") or \
                            ln["ns"] != soa_set(zone_of(end)):
                        return None
                pn["an"], pn["ns"], pn["rcode"] = sw["an"], sw["ns"], sw["rcode"]
            elif act == "any-one":
                # RFC 8482 over UDP: each server picks one RRset of the name; both are RRsets the
                # zone has at the name, with their RDATA and TTL.
                at = zone_rrsets_at(owner).values()
                if not (len(sw["an"]) == 1 and len(pn["an"]) == 1 and sw["an"] != pn["an"]
                        and next(iter(sw["an"])) in at and next(iter(pn["an"])) in at):
                    return None
                pn["an"] = sw["an"]
            elif act == "any-superset":
                # swerve gives every RRset of the name (TCP), exactly as the zone has them; the
                # peer one of them.
                # Without DO the zone's RRSIGs at the name are not part of the answer.
                # An NSEC is never synthesised from a wildcard (RFC 4035 3.1.3.3).
                at = set(zone_rrsets_at(owner).values())
                if q["edns"] is None or not q["edns"].get("do"):
                    at = {rs for rs in at if rs[1] != 46}
                at = {rs for rs in at if rs[1] != 47 or (owner, 47) in ZONE_SETS}
                if not (len(pn["an"]) == 1 and pn["an"] < sw["an"] and set(sw["an"]) == at):
                    return None
                pn["an"] = sw["an"]
            elif act == "peer-no-question":
                if not (pn["qd"] == 0 and sw["qd"] == 1 and pn["rcode"] == sw["rcode"]):
                    return None
                pn["qd"] = 1
            elif act == "notimp-bare":
                # swerve: NOTIMP as a bare header with RD cleared; the peer echoes the question
                # and copies RD. The OPT is compared (RFC 6891 6.1.1).
                if not (sw["rcode"] == pn["rcode"] == "NOTIMP" and sw["qd"] == 0
                        and not (sw["an"] or sw["ns"] or sw["ar"])
                        and not (pn["an"] or pn["ns"] or pn["ar"]) and "rd" not in sw["hdr"]):
                    return None
                pn["qd"] = 0
                if "rd" in pn["hdr"] and q["rd"]:
                    pn["hdr"] = tuple(f for f in pn["hdr"] if f != "rd")
            elif act == "peer-no-opt":
                # The query had an OPT, swerve answers with one (RFC 6891 6.1.1), the peer not.
                if not (q["edns"] is not None and q["edns"].get("version", 0) == 0
                        and pn["opt"] is None and pn["nopt"] == 0 and sw["nopt"] == 1
                        and sw["opt"] == (0, bool(q["edns"].get("do")))):
                    return None
                pn["opt"], pn["nopt"] = sw["opt"], sw["nopt"]
            elif act == "aa-cleared":
                # swerve: AA=0 (QCLASS *, RFC 1034 3.7.1); the peer sets AA.
                if not (pn["aa"] and not sw["aa"]):
                    return None
                pn["aa"] = False
            elif act == "peer-no-soa":
                # A negative answer: swerve has the zone's SOA in authority with the negative
                # TTL (RFC 2308 3, 5), the peer an empty authority section.
                z = zone_of(owner)
                if not (kind(sw) in ("nodata", "nxdomain") and not pn["ns"] and not pn["an"]
                        and z is not None and sw["ns"] == soa_set(z)):
                    return None
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

HEADER = ("rcode", "aa", "tc", "hdr", "opt", "nopt", "qd")


def same_header(a, b, *skip):
    return all(a[k] == b[k] for k in HEADER if k not in skip)


ZONES = []
# (owner, type) -> the RRset as rrsets() writes it, from the AXFR of every zone.
ZONE_SETS = {}


def load_zone_sets(rrs):
    for rs in rrsets(rrs):
        ZONE_SETS[(rs[0], rs[1])] = rs


def zone_rrsets_at(name):
    """type -> RRset the zone data gives a lowercase name: its own, or the closest
    wildcard's with the name as owner (RFC 4592)."""
    own = {t: rs for (o, t), rs in ZONE_SETS.items() if o == name}
    if own or zone_of(name) is None:
        return own
    labels = name.split(".")
    for i in range(1, len(labels) - 1):
        wild = "*." + ".".join(labels[i:])
        w = {t: (name,) + rs[1:] for (o, t), rs in ZONE_SETS.items() if o == wild}
        if w:
            return w
        if any(o == ".".join(labels[i:]) or o.endswith("." + ".".join(labels[i:]))
               for (o, _t) in ZONE_SETS):
            break  # the closest encloser exists without a wildcard
    return {}


def soa_set(zone):
    """The zone's SOA RRset as a negative answer carries it: TTL min(SOA TTL, MINIMUM)."""
    rs = ZONE_SETS.get((zone, 6))
    if rs is None or len(rs[4]) != 1:
        return None
    minimum = int(rs[4][0].split()[-1][-8:], 16)
    return frozenset([rs[:3] + ((min(rs[3][0], minimum),),) + rs[4:]])


def in_or_below(name, cut):
    return name == cut or name.endswith("." + cut)


def in_domain_glue(nsset):
    """The A/AAAA RRsets of the NS targets at or below the cut (RFC 9471 in-domain glue)."""
    out = []
    for target in sorted(nsset[4]):
        if in_or_below(target, nsset[0]):
            for t in (1, 28):
                if (target, t) in ZONE_SETS:
                    out.append(ZONE_SETS[(target, t)])
    return out


def partial_of(section, full):
    """Every RRset of @section is one of @full's, with the same TTL, possibly missing records."""
    byk = {(rs[0], rs[1]): rs for rs in full}
    for rs in section:
        f = byk.get((rs[0], rs[1]))
        if f is None or rs[2] != f[2] or rs[3] != f[3] or not set(rs[4]) <= set(f[4]):
            return False
    return True


def udp_limit(q):
    """The largest response a server here sends to @q over UDP: 512 without EDNS, else the
    query's payload (at least 512, RFC 6891 6.2.5) and at most the 1232 all three use."""
    if q["edns"] is None:
        return 512
    return max(512, min(q["edns"].get("payload", 512), 1232))


def message_size(q, sets, cut=None):
    """The size of swerve's response to @q holding @sets (in authority/additional), as its
    writer lays it out (include/swerve/rrt.h, "Precompiled RRsets"; dataplane/dnsq_write.c):
    an owner that is the qname or a suffix of it is a compression pointer. In a referral to
    @cut, the NS targets at or below the cut are their labels above it and a pointer, and a
    glue owner is a pointer to its NS target (the first 16 targets) or its labels above the
    cut and a pointer. Every other owner and every other name in RDATA is written in full
    (RFC 1035 4.1.4 leaves compression to the writer). Knot and NSD compress every name."""
    qn = q["qname"].lower().rstrip(".") + "."
    cut = cut.lower() if cut else None
    targets = set()

    def name_len(n):
        return len(dnswire.name_wire(n))

    def above_cut(n):
        n = n.lower()
        if cut is None or not (n == cut or n.endswith("." + cut) or cut == "."):
            return None
        return name_len(n) - name_len(cut) + 2

    size = 12 + name_len(q["qname"]) + 4
    for rs in sets:
        layout = dnswire.NAME_LAYOUT.get(rs[1])
        ns_at_cut = cut is not None and rs[1] == 2 and rs[0].lower() == cut
        for rd in rs[4]:
            if qn == rs[0] or qn.endswith("." + rs[0]) or rs[0] == ".":
                size += 2
            elif rs[1] in (1, 28) and rs[0].lower() in targets:
                size += 2
            elif rs[1] in (1, 28) and above_cut(rs[0]) is not None:
                size += above_cut(rs[0])
            else:
                size += name_len(rs[0])
            size += 10
            if ns_at_cut and above_cut(rd) is not None:
                size += above_cut(rd)
                if rd.lower() != cut and len(targets) < 16:
                    targets.add(rd.lower())
            elif layout is None:
                size += len(rd) // 2
            else:
                for part, f in zip(rd.split(" "), layout + ["x"] * 8):
                    size += name_len(part) if f == "n" else len(part) // 2
    if q["edns"] is not None:
        size += 11
    return size


def chain(owner, an):
    """The answer section as a chain from @owner: each CNAME RRset, then the RRsets at the
    last target; None when some RRset is not on the chain."""
    out = []
    rest = set(an)
    cur = owner
    while True:
        at = [rs for rs in rest if rs[0] == cur]
        cn = [rs for rs in at if rs[1] == 5]
        if cn and len(at) == 1 and len(cn[0][4]) == 1:
            out.append(cn[0])
            rest.discard(cn[0])
            cur = cn[0][4][0]
            continue
        out.extend(sorted(at))
        rest.difference_update(at)
        break
    return out if not rest else None


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
    ap.add_argument("--round", default="*", help="the round name the rules' max= counts are read for")
    ap.add_argument("--grep", default="", help="print only unaccepted differences matching this")
    ap.add_argument("--dnssec", action="store_true",
                    help="signed zones: every query also asked with DO=1 (dnssec_variants())")
    a = ap.parse_args()

    servers = [(s.split("=")[0], addr_of(s.split("=")[1])) for s in a.server]
    rules = load_rules(a.accepted)
    zones = [querygen.Zone(z.lower(), axfr(addr_of(a.axfr), z)) for z in a.zone]
    ZONES.extend(z.origin for z in zones)
    for z in zones:
        load_zone_sets(z.rrs)
    queries = querygen.generate(zones, seed=a.seed)
    queries += querygen.tcp_subset(queries, n=a.tcp)
    if a.dnssec:
        queries += dnssec_variants(queries)
    for i, q in enumerate(queries):
        q["id"] = i & 0xFFFF
        hdr = dict(q.get("hdr", {}))
        if "tsig" in hdr and "rdata" not in hdr["tsig"]:
            hdr["tsig"] = dict(hdr["tsig"], orig_id=q["id"])
        q["wire"] = dnswire.make_query(q["qname"], q["qtype"], q["qclass"], qid=q["id"], rd=q["rd"],
                                       edns=q["edns"], **hdr)
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
    # Each rule accepts at most its max= for this round: a jump is a new kind of difference
    # hiding behind an old rule until shown otherwise.
    for r in rules:
        n = sum(c for (rid, _), c in accepted.items() if rid == r.id)
        if n > r.limit(a.round):
            failures += 1
            print("FAIL rule %s accepted %d differences in round %s, at most %d allowed"
                  % (r.id, n, a.round, r.limit(a.round)))
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
        # TSIG answers are not about DNSSEC: the gen and data rounds compare them.
        if (e is not None and e.get("do")) or q["tag"].startswith("tsig"):
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
