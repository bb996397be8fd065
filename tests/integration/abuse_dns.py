#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# DNS client for rrl.sh and cookies.sh: bounded floods and COOKIE exchanges over plain UDP sockets.
#
# usage: abuse_dns.py flood SERVER SRC COUNT RATE [NAME] [COOKIEHEX]
#          send COUNT queries for NAME A (default www.example.test) from SRC at
#          RATE per second, collect the answers; prints
#          "sent=N full=N tc=N lost=N rcode_X=N" (full: TC=0 with an answer
#          record; tc: TC=1 with no records at all, the RRL slip).
#        abuse_dns.py cookie SERVER SRC COOKIEHEX [tcp]
#          one query carrying COOKIEHEX as the COOKIE option's data (any
#          length, so malformed ones too); prints "rcode=NAME an=N
#          cookie=HEX|none".
import socket
import struct
import sys
import time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
          5: "REFUSED", 16: "BADVERS", 23: "BADCOOKIE"}


def query(qid, name, cookie=None):
    hdr = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 1)
    q = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".") if label)
    q += b"\0" + struct.pack(">HH", 1, 1)
    rdata = b""
    if cookie is not None:
        rdata = struct.pack(">HH", 10, len(cookie)) + cookie
    opt = b"\0" + struct.pack(">HHIH", 41, 1232, 0, len(rdata)) + rdata
    return hdr + q + opt


def skip_name(m, p):
    while m[p] != 0:
        if m[p] & 0xC0 == 0xC0:
            return p + 2
        p += m[p] + 1
    return p + 1


def parse(m):
    """(qid, tc, rcode, ancount, total records, cookie bytes or None)"""
    qid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", m[:12])
    p = 12
    for _ in range(qd):
        p = skip_name(m, p) + 4
    cookie = None
    ercode = 0
    for _ in range(an + ns + ar):
        p = skip_name(m, p)
        rtype, _cls, ttl, rdlen = struct.unpack(">HHIH", m[p:p + 10])
        p += 10
        if rtype == 41:
            ercode = ttl >> 24
            o = p
            while o + 4 <= p + rdlen:
                code, olen = struct.unpack(">HH", m[o:o + 4])
                if code == 10:
                    cookie = m[o + 4:o + 4 + olen]
                o += 4 + olen
        p += rdlen
    return qid, bool(flags & 0x0200), (ercode << 4) | (flags & 0xF), an, an + ns + ar, cookie


def sock(server, src, tcp=False):
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.connect((server, 53))
    return s


def flood(server, src, count, rate, name="www.example.test", cookie=None):
    s = sock(server, src)
    s.setblocking(False)
    got = {}
    stats = {"full": 0, "tc": 0}
    rcodes = {}
    start = time.monotonic()

    def drain():
        while True:
            try:
                m = s.recv(4096)
            except BlockingIOError:
                return
            qid, tc, rcode, an, total, _ = parse(m)
            if qid in got:
                continue
            got[qid] = True
            rcodes[rcode] = rcodes.get(rcode, 0) + 1
            if tc and total == 0:
                stats["tc"] += 1
            elif not tc and an > 0:
                stats["full"] += 1

    for i in range(count):
        due = start + i / rate
        while time.monotonic() < due:
            drain()
        try:
            s.send(query(i, name, cookie))
        except BlockingIOError:
            pass
        drain()
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        drain()
        time.sleep(0.01)
    out = ["sent=%d" % count, "full=%d" % stats["full"], "tc=%d" % stats["tc"],
           "lost=%d" % (count - len(got))]
    out += ["rcode_%s=%d" % (RCODES.get(r, str(r)), n) for r, n in sorted(rcodes.items())]
    print(" ".join(out))


def cookie_query(server, src, cookie, tcp=False):
    s = sock(server, src, tcp)
    s.settimeout(2)
    q = query(0x4242, "www.example.test", cookie)
    if tcp:
        s.sendall(struct.pack(">H", len(q)) + q)
        n = struct.unpack(">H", s.recv(2))[0]
        m = b""
        while len(m) < n:
            m += s.recv(n - len(m))
    else:
        s.send(q)
        m = s.recv(4096)
    _, tc, rcode, an, _, c = parse(m)
    print("rcode=%s an=%d tc=%d cookie=%s" % (RCODES.get(rcode, str(rcode)), an, int(tc),
                                              c.hex() if c is not None else "none"))


def main():
    a = sys.argv[1:]
    if len(a) >= 5 and a[0] == "flood":
        cookie = bytes.fromhex(a[6]) if len(a) > 6 else None
        flood(a[1], a[2], int(a[3]), float(a[4]), a[5] if len(a) > 5 else "www.example.test",
              cookie)
    elif len(a) >= 4 and a[0] == "cookie":
        cookie_query(a[1], a[2], bytes.fromhex(a[3]), len(a) > 4 and a[4] == "tcp")
    else:
        print(__doc__ or "usage: see the header", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
