#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a deterministic pcap of UDP DNS queries for a zone from perf/gen_zone.py.

    perf/gen_pcap.py ZONE OUT [-n 4096] [--mix realistic] [--seed 1]
                     [--dst-mac 02:70:63:61:70:00] [--dst4 198.18.0.53]
                     [--dst6 2001:2::53] [--ipv6 PCT]

The frames are what perf/bench_dataplane.sh replays through swerved on a
net_pcap port with infinite_rx=1: Ethernet II, IPv4 (or IPv6 with --ipv6),
UDP to port 53 of a service address. The destination MAC defaults to the
address net_pcap gives its first port (02:70:63:61:70:00, "pcap" plus the
vdev's index): swerved drops a unicast frame for another MAC. Sources are
varied unicast addresses of the benchmarking ranges and varied ports, so
nothing in the frames makes them look alike. IP and UDP checksums are
correct. The same arguments always give the same file.

Mixes (--mix) name one kind or several; the kinds, and the queries they make:
  exact     an existing name with an A record, qtype A, no EDNS
  edns      the same names, EDNS (payload 1232) with DO set
  nxdomain  nx-K.<origin>: a name that does not exist
  nodata    qtype AAAA at a name that has A but no AAAA
  cname     qtype A at a CNAME owner
  wildcard  qtype A at qK.<wildcard parent>
  referral  qtype A at www.<delegation point>
The "realistic" mix is perf/bench_answer's assumed one (60 % edns, 15 %
exact, 10 % nxdomain, 6 % nodata, 5 % cname, 2 % wildcard, 2 % referral);
--mix also takes "kind=pct,kind=pct".
"""

import argparse
import ipaddress
import random
import struct
import sys

KINDS = ("exact", "edns", "nxdomain", "nodata", "cname", "wildcard", "referral")

MIXES = {
    "exact": {"exact": 100},
    "edns": {"edns": 100},
    "nxdomain": {"nxdomain": 100},
    "nodata": {"nodata": 100},
    "cname": {"cname": 100},
    "wildcard": {"wildcard": 100},
    "referral": {"referral": 100},
    "realistic": {"edns": 60, "exact": 15, "nxdomain": 10, "nodata": 6, "cname": 5,
                  "wildcard": 2, "referral": 2},
}

TYPE_A = 1
TYPE_AAAA = 28
# OPT RR: root owner, type 41, UDP payload 1232, extended RCODE 0, version 0, DO, no options.
OPT_DO = bytes([0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 0])


def absolute(name, origin):
    """The absolute, lower-case form of a zone file owner name."""
    if name == "@":
        return origin
    if name.endswith("."):
        return name.lower()
    return (name + "." + origin).lower()


def read_zone(path):
    """Sort the zone's owner names into the kinds of query each can serve."""
    origin = None
    types = {}  # name -> set of types
    with open(path) as f:
        for line in f:
            line = line.split(";", 1)[0].strip()
            if not line:
                continue
            tok = line.split()
            if tok[0] == "$ORIGIN":
                origin = tok[1].lower()
                continue
            if tok[0].startswith("$"):
                continue
            if origin is None:
                raise SystemExit("%s: no $ORIGIN before the first record" % path)
            owner = absolute(tok[0], origin)
            rest = tok[1:]
            # Optional TTL and class before the type, in either order.
            while rest and (rest[0].isdigit() or rest[0].upper() in ("IN", "CH")):
                rest = rest[1:]
            if not rest:
                continue
            types.setdefault(owner, set()).add(rest[0].upper())
    if origin is None:
        raise SystemExit("%s: no $ORIGIN" % path)

    cuts = {n for n, t in types.items() if "NS" in t and n != origin}

    def below_cut(n):
        labels = n.split(".")
        return any(".".join(labels[i:]) in cuts for i in range(1, len(labels)))

    names = {k: [] for k in KINDS}
    for n in sorted(types):
        t = types[n]
        if below_cut(n):
            continue
        if n in cuts:
            names["referral"].append("www." + n)
        elif "CNAME" in t:
            names["cname"].append(n)
        elif n.startswith("*."):
            parent = n[2:]
            names["wildcard"].extend("q%d.%s" % (k, parent) for k in range(1024))
        elif "A" in t:
            names["exact"].append(n)
            if "AAAA" not in t:
                names["nodata"].append(n)
    names["edns"] = names["exact"]
    names["nxdomain"] = ["nx-%d.%s" % (k, origin) for k in range(65536)]
    return names


def parse_mix(text):
    if text in MIXES:
        return MIXES[text]
    mix = {}
    for part in text.split(","):
        kind, _, pct = part.partition("=")
        if kind not in KINDS or not pct.isdigit():
            raise SystemExit("bad mix %r: a name (%s) or kind=pct,..." %
                             (text, ", ".join(MIXES)))
        mix[kind] = int(pct)
    if sum(mix.values()) != 100:
        raise SystemExit("bad mix %r: the shares add up to %d, not 100" %
                         (text, sum(mix.values())))
    return mix


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        b = label.encode("ascii")
        if not 0 < len(b) < 64:
            raise SystemExit("bad label in %r" % name)
        out += bytes([len(b)]) + b
    return out + b"\0"


def dns_query(qid, name, kind):
    qtype = TYPE_AAAA if kind == "nodata" else TYPE_A
    edns = kind == "edns"
    hdr = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1 if edns else 0)
    q = hdr + wire_name(name) + struct.pack("!HH", qtype, 1)
    return q + OPT_DO if edns else q


def csum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def udp(sport, payload, pseudo):
    hdr = struct.pack("!HHHH", sport, 53, 8 + len(payload), 0)
    c = 0xFFFF - csum(pseudo + hdr + payload)
    return struct.pack("!HHHH", sport, 53, 8 + len(payload), c or 0xFFFF) + payload


def frame_v4(dmac, smac, src, dst, sport, ipid, payload):
    l4 = udp(sport, payload, src + dst + struct.pack("!BBH", 0, 17, 8 + len(payload)))
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ipid, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", 0xFFFF - csum(ip)) + ip[12:]
    return dmac + smac + b"\x08\x00" + ip + l4


def frame_v6(dmac, smac, src, dst, sport, payload):
    l4 = udp(sport, payload, src + dst + struct.pack("!IxxxB", 8 + len(payload), 17))
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(l4), 17, 64, src, dst)
    return dmac + smac + b"\x86\xdd" + ip + l4


def mac(text):
    b = bytes(int(x, 16) for x in text.split(":"))
    if len(b) != 6:
        raise SystemExit("bad MAC %r" % text)
    return b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("zone", help="zone file written by perf/gen_zone.py")
    ap.add_argument("out", help="pcap file to write")
    ap.add_argument("-n", type=int, default=4096, help="number of frames (default 4096)")
    ap.add_argument("--mix", default="realistic", help="mix name or kind=pct,... (realistic)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dst-mac", default="02:70:63:61:70:00",
                    help="the port's MAC (net_pcap's first port by default)")
    ap.add_argument("--dst4", default="198.18.0.53", help="IPv4 service address")
    ap.add_argument("--dst6", default="2001:2::53", help="IPv6 service address")
    ap.add_argument("--ipv6", type=int, default=0, metavar="PCT",
                    help="share of queries over IPv6, in percent (default 0)")
    args = ap.parse_args()
    if args.n < 1 or not 0 <= args.ipv6 <= 100:
        ap.error("need N >= 1 and 0 <= PCT <= 100")

    mix = parse_mix(args.mix)
    names = read_zone(args.zone)
    for kind, pct in mix.items():
        if pct and not names[kind]:
            raise SystemExit("%s: no names for %s queries" % (args.zone, kind))
    rng = random.Random(args.seed)
    kinds = [k for k in KINDS if mix.get(k)]
    weights = [mix[k] for k in kinds]
    dmac = mac(args.dst_mac)
    smac = mac("02:00:00:00:00:01")  # Unicast, locally administered: the "router".
    dst4 = ipaddress.IPv4Address(args.dst4).packed
    dst6 = ipaddress.IPv6Address(args.dst6).packed

    with open(args.out, "wb") as f:
        # Classic pcap, microsecond timestamps, LINKTYPE_ETHERNET.
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(args.n):
            kind = rng.choices(kinds, weights)[0]
            name = names[kind][rng.randrange(len(names[kind]))]
            payload = dns_query(rng.randrange(65536), name, kind)
            sport = rng.randrange(1024, 65536)
            host = rng.randrange(1, 65535)  # Clients in 198.19.0.0/16 and 2001:2:0:1::/64.
            if rng.randrange(100) < args.ipv6:
                src = ipaddress.IPv6Address("2001:2:0:1::%x" % host).packed
                fr = frame_v6(dmac, smac, src, dst6, sport, payload)
            else:
                src = struct.pack("!BBH", 198, 19, host)
                fr = frame_v4(dmac, smac, src, dst4, sport, rng.randrange(65536), payload)
            f.write(struct.pack("<IIII", 1700000000 + i // 1000000, i % 1000000,
                                len(fr), len(fr)))
            f.write(fr)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(1)
