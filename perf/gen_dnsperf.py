#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a deterministic dnsperf query file (-B format) for a zone from perf/gen_zone.py.

    perf/gen_dnsperf.py ZONE OUT [-n 100000] [--mix realistic] [--seed 1] [--kxdpgun]

dnsperf's text input cannot mix queries with and without EDNS in one run, so
this writes its binary input (dnsperf -B): each query is a 2-byte big-endian
length followed by the DNS message, as on a TCP stream; dnsperf overwrites
the message ID. The queries, kinds and mixes are those of perf/gen_pcap.py
(imported from it, so the engine and lab benchmarks ask the same questions):
the default "realistic" mix is 60 % EDNS+DO hits, 15 % plain hits, 10 %
NXDOMAIN, 6 % NODATA, 5 % CNAME, 2 % wildcard and 2 % referral, with names
drawn uniformly from the zone. The same arguments always give the same file.
--kxdpgun writes the same queries as kxdpgun's text input instead ("NAME TYPE"
per line, flag D for EDNS with DO), for perf/bench_flood.sh.
"""

import argparse
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pcap  # noqa: E402  (the shared zone reader and query builder)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("zone", help="zone file written by perf/gen_zone.py")
    ap.add_argument("out", help="dnsperf -B file to write")
    ap.add_argument("-n", type=int, default=100000, help="number of queries (default 100000)")
    ap.add_argument("--mix", default="realistic", help="mix name or kind=pct,... (realistic)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kxdpgun", action="store_true",
                    help="write kxdpgun's text format instead of dnsperf -B")
    args = ap.parse_args()

    names = gen_pcap.read_zone(args.zone)
    mix = gen_pcap.parse_mix(args.mix)
    for kind, pct in mix.items():
        if pct and not names[kind]:
            raise SystemExit("%s: the zone has no names for %s queries" % (args.zone, kind))
    kinds = [k for k in mix if mix[k]]
    weights = [mix[k] for k in kinds]
    rng = random.Random(args.seed)
    counts = dict.fromkeys(kinds, 0)
    with open(args.out, "wb") as f:
        for i in range(args.n):
            kind = rng.choices(kinds, weights)[0]
            name = names[kind][rng.randrange(len(names[kind]))]
            if args.kxdpgun:
                # The same draws as the binary file, so both tools ask the same questions.
                f.write(("%s. %s%s\n" % (name.rstrip("."), "AAAA" if kind == "nodata" else "A",
                                          " D" if kind == "edns" else "")).encode())
            else:
                q = gen_pcap.dns_query(i & 0xFFFF, name, kind)
                f.write(struct.pack("!H", len(q)) + q)
            counts[kind] += 1
    print("%s: %d queries (%s)" % (args.out, args.n,
          ", ".join("%s %d" % (k, counts[k]) for k in kinds)))


if __name__ == "__main__":
    main()
