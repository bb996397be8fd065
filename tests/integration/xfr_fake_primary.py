#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# A misbehaving primary for tests/integration/xfr.sh: answers SOA over UDP and AXFR/IXFR over
# TCP for one zone, behaving as the first word of MODE_FILE says at each request:
#   serial N   a good primary holding version N (IXFR is answered with the whole zone)
#   cut N      SOA says N, the transfer stops half way through its first message
#   garbage N  SOA says N, the transfer is a length-prefixed message of random octets
# Usage: xfr_fake_primary.py ADDRESS PORT ZONE MODE_FILE
import os
import select
import socket
import struct
import sys

addr, port, zone, mode_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(name, rtype, rdata, ttl=300):
    return wire_name(name) + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def soa(serial):
    rdata = wire_name("ns1." + zone) + wire_name("h." + zone)
    rdata += struct.pack("!IIIII", serial, 3600, 600, 86400, 60)
    return rr(zone, 6, rdata)


def zone_rrs(serial):
    return [
        soa(serial),
        rr(zone, 2, wire_name("ns1." + zone)),
        rr("ns1." + zone, 1, bytes([192, 0, 2, 53])),
        rr("www." + zone, 1, bytes([192, 0, 2, serial % 256])),
    ]


def mode():
    try:
        with open(mode_file) as f:
            w = f.read().split()
        return w[0], int(w[1])
    except (OSError, IndexError, ValueError):
        return "serial", 1


def question_end(q):
    off = 12
    while q[off] != 0:
        off += q[off] + 1
    return off + 5


def reply(q, answers, aa=True):
    qend = question_end(q)
    qid = q[:2]
    flags = 0x8000 | (q[2] & 0x78) << 8 | (0x0400 if aa else 0)
    hdr = qid + struct.pack("!HHHHH", flags, 1, len(answers), 0, 0)
    return hdr + q[12:qend] + b"".join(answers)


def serve_tcp(conn):
    conn.settimeout(5)
    try:
        hdr = conn.recv(2)
        if len(hdr) < 2:
            return
        (n,) = struct.unpack("!H", hdr)
        q = b""
        while len(q) < n:
            c = conn.recv(n - len(q))
            if not c:
                return
            q += c
        kind, serial = mode()
        if kind == "garbage":
            junk = os.urandom(300)
            conn.sendall(struct.pack("!H", len(junk)) + junk)
            return
        rrs = zone_rrs(serial)
        msg = reply(q, rrs + [soa(serial)])
        if kind == "cut":
            conn.sendall(struct.pack("!H", len(msg)) + msg[: len(msg) // 2])
            return
        conn.sendall(struct.pack("!H", len(msg)) + msg)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, port))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, port))
    t.listen(8)
    print("ready", flush=True)
    while True:
        r, _, _ = select.select([u, t], [], [])
        if u in r:
            q, peer = u.recvfrom(4096)
            if len(q) > 12:
                kind, serial = mode()
                u.sendto(reply(q, [soa(serial)]), peer)
        if t in r:
            conn, _ = t.accept()
            serve_tcp(conn)


main()
