#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Crafted frames for docs/conformance.md, bad input 14-18, sent from the client namespace;
# prints ok/FAIL lines.
#
# usage: bad_frames.py IFACE DST_MAC frames|flood [DRIVER]
#   frames  each malformed frame once (plus controls that must be answered);
#           a frame "is answered" when a DNS response with its ID comes back
#   flood   FLOOD_N queries that draw FORMERR, as fast as a raw socket goes;
#           fewer than half may be answered (the error-answer rate limit)
#   DRIVER  the server's PMD; with af_packet the kernel reassembles IPv4
#           fragments before the PMD sees them (its packet fanout asks for
#           defragmentation), so a fragmented query reaches swerved whole and
#           may be answered: that case then only reports what happened
# Exit status: the number of failed checks.

import socket
import struct
import sys
import time

from scapy.all import (DNS, DNSQR, UDP, AsyncSniffer, Ether, IP, IPv6, IPv6ExtHdrDestOpt,
                       conf, fragment, get_if_hwaddr)

conf.verb = 0
S4, C4, S6, C6 = "198.18.0.53", "198.18.0.1", "2001:2::53", "2001:2::1"
FLOOD_N = 3000

iface, dmac, mode = sys.argv[1], sys.argv[2], sys.argv[3]
driver = sys.argv[4] if len(sys.argv) > 4 else ""
smac = get_if_hwaddr(iface)
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind((iface, 0))
failures = 0


def check(ok, what):
    global failures
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures += 1


def query(qid, name="www.example.test"):
    return bytes(DNS(id=qid, rd=0, qd=DNSQR(qname=name, qtype="A")))


def eth(src=None):
    return Ether(src=src or smac, dst=dmac)


def v4(sport, q, src=C4, **ip):
    return bytes(eth() / IP(src=src, dst=S4, **ip) / UDP(sport=sport, dport=53) / q)


def v6(sport, q, src=C6, **ip):
    return bytes(eth() / IPv6(src=src, dst=S6, **ip) / UDP(sport=sport, dport=53) / q)


def frames():
    # (DNS ID, what, [frame bytes], answered?)
    cases = []
    q = query(0)
    ql = len(q)

    def add(qid, what, fs, want):
        cases.append((qid, what, fs if isinstance(fs, list) else [fs], want))

    add(1, "control: good IPv4 query", v4(40001, query(1)), True)
    add(2, "control: good IPv6 query", v6(40002, query(2)), True)
    # 17: Ethernet padding is fine.
    add(3, "Ethernet padding after the IP packet", v4(40003, query(3)) + b"\0" * 30, True)

    # 15: source port 0, broadcast or multicast source.
    add(10, "source port 0", v4(0, query(10)), False)
    add(11, "source port 0 (IPv6)", v6(0, query(11)), False)
    add(12, "broadcast source IP", v4(40012, query(12), src="255.255.255.255"), False)
    add(13, "multicast source IP", v4(40013, query(13), src="224.0.0.251"), False)
    add(14, "multicast source IPv6", v6(40014, query(14), src="ff02::fb"), False)
    add(15, "broadcast source MAC",
        bytes(eth("ff:ff:ff:ff:ff:ff") / IP(src=C4, dst=S4) / UDP(sport=40015, dport=53) /
              query(15)), False)

    # 16: IPv4 fragments and IPv6 extension headers are never parsed as DNS.
    big = IP(src=C4, dst=S4, id=4242) / UDP(sport=40016, dport=53) / \
        query(16, "a" * 50 + ".example.test")
    add(16, "IPv4 fragments of a query", [bytes(eth() / f) for f in fragment(big, 32)],
        None if driver == "af_packet" else False)
    add(17, "IPv6 destination options before UDP",
        bytes(eth() / IPv6(src=C6, dst=S6) / IPv6ExtHdrDestOpt() / UDP(sport=40017, dport=53) /
              query(17)), False)

    # 17: lengths that do not add up.
    add(20, "IPv4 total length past the frame", v4(40020, query(20), len=20 + 8 + ql + 10), False)
    add(21, "IPv6 payload length past the frame", v6(40021, query(21), plen=8 + ql + 10), False)
    add(22, "UDP length longer than the IP payload",
        bytes(eth() / IP(src=C4, dst=S4) / UDP(sport=40022, dport=53, len=8 + ql + 4) /
              query(22)), False)
    add(23, "UDP length shorter than the IP payload",
        bytes(eth() / IP(src=C4, dst=S4) / UDP(sport=40023, dport=53, len=8 + ql - 4) /
              query(23)), False)
    add(24, "UDP length wrong over IPv6",
        bytes(eth() / IPv6(src=C6, dst=S6) / UDP(sport=40024, dport=53, len=8 + ql - 2) /
              query(24)), False)

    # 18: frames cut short at each header.
    good4 = v4(40030, query(30))
    good6 = v6(40031, query(31))
    add(30, "cut after the Ethernet header", good4[:14], False)
    add(31, "cut inside the IPv4 header", good4[:14 + 12], False)
    add(32, "cut inside the IPv6 header", good6[:14 + 30], False)
    add(33, "cut inside the 802.1Q tag", bytes(Ether(src=smac, dst=dmac, type=0x8100)) + b"\0\x64",
        False)
    add(34, "IP payload too short for UDP",
        bytes(eth() / IP(src=C4, dst=S4, proto=17, len=24)) + b"\x9c\x40\0\x35", False)
    add(35, "cut inside the DNS header (IP lengths match)",
        bytes(eth() / IP(src=C4, dst=S4) / UDP(sport=40035, dport=53)) + b"\0\x23\0\0\0", False)

    answered = set()

    def seen(p):
        if p.haslayer(UDP) and p[UDP].sport == 53 and p.haslayer(DNS):
            answered.add(p[DNS].id)

    sn = AsyncSniffer(iface=iface, prn=seen, store=False)
    sn.start()
    time.sleep(0.5)
    for _, _, fs, _ in cases:
        for f in fs:
            raw.send(f)
        time.sleep(0.02)
    time.sleep(1.5)
    sn.stop()
    for qid, what, _, want in cases:
        got = qid in answered
        if want is None:
            print("note: %s: %s (%s)" % (what, "answered" if got else "not answered", driver))
            continue
        check(got == want, "%s: %s" % (what, "answered" if got else "not answered"))


def flood():
    # QDCOUNT 2 with one question: "question cut short", a FORMERR.
    name = b"".join(bytes([len(l)]) + l for l in b"www.example.test".split(b".")) + b"\0"
    q = struct.pack("!HHHHHH", 0x4d4d, 0, 2, 0, 0, 0) + name + b"\0\1\0\1"
    f = v4(40100, q)
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind((C4, 40100))
    rx.settimeout(1.0)
    t0 = time.monotonic()
    for _ in range(FLOOD_N):
        raw.send(f)
    elapsed = time.monotonic() - t0
    got = 0
    try:
        while True:
            rx.recv(2048)
            got += 1
    except socket.timeout:
        pass
    print("flood: %d FORMERR queries in %.3f s, %d answered" % (FLOOD_N, elapsed, got))
    check(got > 0, "some error answers still go out")
    check(got < FLOOD_N // 2, "error answers are rate limited (%d of %d)" % (got, FLOOD_N))


if mode == "frames":
    frames()
elif mode == "flood":
    flood()
else:
    sys.exit("unknown mode " + mode)
sys.exit(failures)
