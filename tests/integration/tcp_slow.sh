#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration (issue 15, item 4): 300 slow connections (slowloris: a byte of a message every
# few seconds, reconnecting when closed) from ten source addresses, more than tcp.max-clients
# (256); meanwhile dig +tcp from the ordinary client still gets every answer.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test ts$(($$ % 100000)) dig python3

SLOW=300
HOLD_SECS=14
lab_start "exception:
  interface: $EXC
tcp:
  max-clients: 256
  idle-timeout-ms: 10000"
for i in $(seq 100 109); do lab_client_addr 198.18.0.$i/24; done

ip netns exec "$SWERVE_NS" python3 - "$SLOW" "$HOLD_SECS" >"$tmp/slow.out" 2>&1 <<'EOF' &
# Bounded: SLOW sockets at most at any time, HOLD_SECS in all, a byte of a 300-octet message
# every 3 s per connection (one connection in ten sends a byte each 0.3 s), reconnecting when
# the server closes one.
import selectors, socket, sys, time

n, hold = int(sys.argv[1]), float(sys.argv[2])
srcs = ["198.18.0.%d" % (100 + i) for i in range(10)]
def conn(i):
    s = socket.socket()
    s.bind((srcs[i % len(srcs)], 0))
    s.settimeout(2)
    s.connect(("198.18.0.53", 53))
    s.setblocking(False)
    s.send(b"\x01\x2c")  # a 300-octet message begins
    return s
socks, opened, closed = {}, 0, 0
t0 = time.monotonic()
for i in range(n):
    try:
        socks[i] = conn(i)
        opened += 1
    except OSError:
        pass
held_max = 0
while time.monotonic() - t0 < hold:
    for i in list(range(n)):
        s = socks.get(i)
        if s is None:
            continue
        try:
            if s.recv(1, socket.MSG_PEEK) == b"":
                raise OSError
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
            s.close()
            try:
                socks[i] = conn(i)
                opened += 1
            except OSError:
                socks.pop(i, None)
            continue
        if (int((time.monotonic() - t0) * 10) + i) % 30 == 0:
            try:
                s.send(b"x")
            except OSError:
                pass
    held_max = max(held_max, len(socks))
    time.sleep(0.1)
print("opened %d closed-by-server %d held %d" % (opened, closed, len(socks)))
for s in socks.values():
    s.close()
EOF
slow=$!
lab_track "$slow"
sleep 4
ok=0
for _ in $(seq 10); do
	[ "$(lab_dig +tcp @198.18.0.53 www.example.test A)" = 192.0.2.80 ] && ok=$((ok + 1))
	sleep 0.5
done
kill -0 "$slow" 2>/dev/null && pass "the slow clients were still at it after the checks" ||
	fail "the slow clients ended before the checks did: $(cat "$tmp/slow.out")"
[ "$ok" -eq 10 ] && pass "dig +tcp while $SLOW slow connections are held: 10 of 10" ||
	fail "dig +tcp while $SLOW slow connections are held: $ok of 10"
lab_reap "$slow" $((HOLD_SECS + 10)) || true
echo "figures: slow clients: $(cat "$tmp/slow.out")"
lab_shutdown
line=$(grep 'tcp: stopped' "$tmp/swerved.log")
echo "figures: $line"
case "$line" in
*" 0 closed to make room"*) fail "no connection was closed to make room: $line" ;;
*"closed to make room"*) pass "the full table made room: ${line#*tcp: }" ;;
*) fail "no 'tcp: stopped' line" ;;
esac
lab_verdict
