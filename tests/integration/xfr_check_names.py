#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Ask SERVER for the A record of every name in FILE ("name address" lines) over UDP, many in
flight, and count the answers that are not the address given.

    xfr_check_names.py SERVER FILE

Prints "checked N wrong W unanswered U" and the first few wrong ones; exit 0 when W == U == 0.
"""

import random
import select
import socket
import struct
import sys
import time


def query(qid, name):
    q = struct.pack("!HHHHHH", qid, 0x0000, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        b = label.encode()
        q += bytes([len(b)]) + b
    return q + b"\x00" + struct.pack("!HH", 1, 1)


def answer_a(msg):
    """The A addresses of an answer (no compression pointers expected in the question)."""
    if len(msg) < 12:
        return None
    qd, an = struct.unpack("!HH", msg[4:8])
    rcode = msg[3] & 15
    i = 12
    for _ in range(qd):
        while msg[i] != 0:
            i += msg[i] + 1
        i += 5
    out = []
    for _ in range(an):
        if msg[i] & 0xC0 == 0xC0:
            i += 2
        else:
            while msg[i] != 0:
                i += msg[i] + 1
            i += 1
        t, _c, _ttl, rdlen = struct.unpack("!HHIH", msg[i:i + 10])
        i += 10
        if t == 1 and rdlen == 4:
            out.append(socket.inet_ntoa(msg[i:i + 4]))
        i += rdlen
    return rcode, out


def main():
    server, path = sys.argv[1], sys.argv[2]
    want = [l.split() for l in open(path) if l.strip()]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    got = {}
    for attempt in range(4):
        todo = [i for i in range(len(want)) if i not in got]
        if not todo:
            break
        base = random.randrange(0, 65536)
        pending = {}
        pos = 0
        deadline = time.time() + 20
        while (pos < len(todo) or pending) and time.time() < deadline:
            while pos < len(todo) and len(pending) < 200:
                k = todo[pos]
                qid = (base + pos) & 0xFFFF
                pending[qid] = k
                s.sendto(query(qid, want[k][0]), (server, 53))
                pos += 1
            r, _, _ = select.select([s], [], [], 0.5)
            if not r:
                if pos >= len(todo):
                    break
                continue
            msg = s.recv(4096)
            qid = struct.unpack("!H", msg[:2])[0]
            k = pending.pop(qid, None)
            if k is not None:
                got[k] = answer_a(msg)
    wrong = [(want[k][0], want[k][1], got[k]) for k in got if got[k] is None or
             got[k][0] != 0 or got[k][1] != [want[k][1]]]
    un = len(want) - len(got)
    print("checked %d wrong %d unanswered %d" % (len(want), len(wrong), un))
    for w in wrong[:5]:
        print("  %s want %s got %s" % w)
    return 0 if not wrong and un == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
