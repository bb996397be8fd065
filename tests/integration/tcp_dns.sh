#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: DNS over TCP (RFC 7766) through the exception path to swerved's listener: dig and
# kdig over IPv4 and IPv6, pipelined queries on one connection answered in order, a truncated UDP
# answer retried over TCP, the idle timeout and the connection limit (a newcomer takes the place
# of the oldest idle connection).
# The lab's DPDK end runs in a server namespace of its own (tests/common/lab.sh).
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test td$(($$ % 100000)) ping dig python3

IDLE_MS=1000
MAX=3
lab_start "exception:
  interface: $EXC
tcp:
  max-clients: $MAX
  idle-timeout-ms: $IDLE_MS"

# ---- dig and kdig over TCP, both families ----
for s in 198.18.0.53 2001:2::53; do
	got=$(lab_dig +tcp @"$s" www.example.test A)
	[ "$got" = 192.0.2.80 ] && pass "dig +tcp @$s A" || fail "dig +tcp @$s A: '$got'"
	got=$(lab_dig +tcp @"$s" www.example.test AAAA)
	[ "$got" = 2001:db8::80 ] && pass "dig +tcp @$s AAAA" || fail "dig +tcp @$s AAAA: '$got'"
	if command -v kdig >/dev/null; then
		got=$(ip netns exec "$SWERVE_NS" kdig +tcp +short +timeout=2 @"$s" www.example.test A)
		[ "$got" = 192.0.2.80 ] && pass "kdig +tcp @$s" || fail "kdig +tcp @$s: '$got'"
	fi
done

# ---- truncation over UDP, then the whole answer over TCP ----
for s in 198.18.0.53 2001:2::53; do
	udp=$(ip netns exec "$SWERVE_NS" dig +time=2 +ignore +bufsize=1232 @"$s" big.example.test TXT)
	if echo "$udp" | grep -q 'flags: qr aa tc'; then
		pass "UDP answer for big TXT is truncated (@$s)"
	else
		fail "UDP answer for big TXT not truncated (@$s): $udp"
	fi
	retry=$(ip netns exec "$SWERVE_NS" dig +time=2 +bufsize=1232 @"$s" big.example.test TXT)
	if echo "$retry" | grep -q 'Truncated, retrying in TCP mode' &&
		echo "$retry" | grep -q 'ANSWER: 30,'; then
		pass "truncated answer retried over TCP gets all 30 records (@$s)"
	else
		fail "TCP retry of big TXT (@$s): $retry"
	fi
done

# ---- raw TCP clients: pipelining, partial writes, idle timeout, connection limit ----
cat >"$tmp/client.py" <<'EOF'
import socket, struct, sys, time

def query(qid, name, qtype):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    return struct.pack(">H", len(q)) + q

def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("closed after %d of %d octets" % (len(b), n))
        b += c
    return b

def response(s):
    (n,) = struct.unpack(">H", recv_exact(s, 2))
    m = recv_exact(s, n)
    qid, flags, qd, an = struct.unpack(">HHHH", m[:8])
    return qid, flags & 0xF, an

def connect(addr):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((addr, 53))
    return s

def closed_within(s, secs):
    # True when the server closes the connection (EOF or reset) within secs.
    s.settimeout(secs)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

def pipelined(addr):
    want = [(1000 + i, n, t, rc, an) for i, (n, t, rc, an) in enumerate([
        ("www.example.test", 1, 0, 1), ("big.example.test", 16, 0, 30),
        ("www.example.test", 28, 0, 1), ("nope.example.test", 1, 3, 0),
        ("www.example.test", 16, 0, 0), ("big.example.test", 16, 0, 30)] * 3)]
    s = connect(addr)
    s.sendall(b"".join(query(i, n, t) for i, n, t, _, _ in want))
    for i, n, t, rc, an in want:
        got = response(s)
        assert got == (i, rc, an), "query %d %s/%d: got %r" % (i, n, t, got)
    # One more, dribbled an octet at a time.
    for b in query(4242, "www.example.test", 1):
        s.send(bytes([b]))
        time.sleep(0.01)
    assert response(s) == (4242, 0, 1)
    s.close()
    print("%d pipelined queries answered in order, then one in pieces" % (len(want) + 1))

def idle(addr, idle_ms):
    s = connect(addr)
    s.sendall(query(7, "www.example.test", 1))
    assert response(s) == (7, 0, 1)
    t0 = time.monotonic()
    assert not closed_within(s, idle_ms / 2000), "closed before half the idle timeout"
    assert closed_within(s, idle_ms / 1000 + 2), "not closed after the idle timeout"
    print("idle connection closed after %.2f s" % (time.monotonic() - t0))

def limit(addr, limit_n):
    conns = []
    for i in range(limit_n):
        s = connect(addr)
        s.sendall(query(100 + i, "www.example.test", 1))
        assert response(s) == (100 + i, 0, 1)
        conns.append(s)
        time.sleep(0.05)
    # The table is full: a newcomer is served, and the least recently active idle one goes.
    extra = connect(addr)
    extra.sendall(query(999, "www.example.test", 1))
    assert response(extra) == (999, 0, 1), "newcomer not served with the table full"
    assert closed_within(conns[0], 2), "the oldest idle connection was kept"
    conns[0].close()
    # The survivors still work.
    for i, c in enumerate(conns[1:] + [extra]):
        c.sendall(query(200 + i, "www.example.test", 28))
        assert response(c) == (200 + i, 0, 1)
    print("table of %d full: the oldest idle connection made room for a new one" % limit_n)

globals()[sys.argv[1]](*sys.argv[2:3], *[int(a) for a in sys.argv[3:]])
EOF

client() { ip netns exec "$SWERVE_NS" python3 "$tmp/client.py" "$@" 2>&1; }

for s in 198.18.0.53 2001:2::53; do
	if out=$(client pipelined "$s"); then pass "@$s: $out"; else fail "pipelining @$s: $out"; fi
done
if out=$(client idle 198.18.0.53 "$IDLE_MS"); then pass "$out"; else fail "idle timeout: $out"; fi
if out=$(client limit 2001:2::53 "$MAX"); then pass "$out"; else fail "connection limit: $out"; fi

lab_shutdown
grep -q 'tcp: stopped' "$tmp/swerved.log" && pass "listener stopped" || fail "no 'tcp: stopped' in log"
lab_verdict
