#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration (issue 15, item 3): a flood of junk to the service address (TCP SYNs to port 80 and
# UDP to port 9, from a second source, at ten times the exception budget) must not take ARP, DNS
# over TCP or UDP answers with it. The client's and the server's neighbour entries are flushed
# during the flood, so ARP has to be answered through the exception path while it lasts.
set -u

export SWERVE_NEIGH=dynamic # ARP must be answered through the exception path.
# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test xf$(($$ % 100000)) dig python3 arping curl

PPS=500         # exception.rate-limit-pps: the budget of class "other".
FLOOD_PPS=$((PPS * 10))
FLOOD_SECS=8
METRICS=127.0.0.1:19$((RANDOM % 900 + 100))
lab_start -m "$METRICS" "exception:
  interface: $EXC
  rate-limit-pps: $PPS"
lab_client_addr 198.18.0.99/24

mport=${METRICS##*:}
cls() { lab_metric "$mport" "swerve_exception_class_packets_total{worker=\"0\",class=\"$1\",direction=\"$2\"}"; }
drop() { lab_metric "$mport" "swerve_drops_total{worker=\"0\",reason=\"$1\"}"; }
snap() { echo "$(cls neigh to_kernel) $(cls neigh limited) $(cls dns to_kernel) $(cls dns limited) $(cls other to_kernel) $(cls other limited) $(drop not_for_us)"; }
read -r n0 nl0 d0 dl0 o0 ol0 x0 <<<"$(snap)"

# The flood: raw IPv4 from 198.18.0.99, bounded in count and time; half TCP SYN to port 80, half
# UDP to port 9, paced at FLOOD_PPS.
ip netns exec "$SWERVE_NS" python3 - "$FLOOD_PPS" "$FLOOD_SECS" >"$tmp/flood.out" 2>&1 <<'EOF' &
import random, socket, struct, sys, time

rate, secs = int(sys.argv[1]), float(sys.argv[2])
src, dst = socket.inet_aton("198.18.0.99"), socket.inet_aton("198.18.0.53")

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip(proto, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), random.getrandbits(16), 0x4000, 64,
                    proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4

def l4sum(proto, l4):
    return csum(src + dst + struct.pack("!BBH", 0, proto, len(l4)) + l4)

def syn():
    t = struct.pack("!HHIIBBHHH", random.randint(1024, 65535), 80, random.getrandbits(32), 0,
                    0x50, 0x02, 64240, 0, 0)
    t = t[:16] + struct.pack("!H", l4sum(6, t)) + t[18:]
    return ip(6, t)

def junk():
    p = b"junk" * 8
    u = struct.pack("!HHHH", random.randint(1024, 65535), 9, 8 + len(p), 0) + p
    u = u[:6] + struct.pack("!H", l4sum(17, u) or 0xffff) + u[8:]
    return ip(17, u)

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
pkts = [syn() if i % 2 == 0 else junk() for i in range(512)]
total = int(rate * secs)
sent = 0
t0 = time.monotonic()
while sent < total and time.monotonic() - t0 < secs + 5:
    for _ in range(50):
        try:
            s.sendto(pkts[sent % len(pkts)], ("198.18.0.53", 0))
            sent += 1
        except OSError:
            pass
    ahead = sent / rate - (time.monotonic() - t0)
    if ahead > 0:
        time.sleep(ahead)
print(sent, round(time.monotonic() - t0, 2))
EOF
flood=$!
lab_track "$flood"
sleep 1.5

# Forget the neighbours on both sides: ARP must now cross the exception path under the flood.
ip -n "$SWERVE_NS" neigh flush dev "$SWERVE_CL"
ip -n "$SRV" neigh flush dev "$EXC" 2>/dev/null || true
out=$(ip netns exec "$SWERVE_NS" arping -c 3 -w 5 -I "$SWERVE_CL" -s 198.18.0.1 198.18.0.53 2>&1)
replies=$(echo "$out" | awk '/Received [0-9]+ response/ { print $2 }')
if [ "${replies:-0}" -ge 2 ]; then
	pass "arping during the flood: $replies of 3 answered"
else
	fail "arping during the flood: $out"
fi
tcp_ok=0
udp_ok=0
for _ in 1 2 3 4 5; do
	[ "$(lab_dig +tcp @198.18.0.53 www.example.test A)" = 192.0.2.80 ] && tcp_ok=$((tcp_ok + 1))
	[ "$(lab_dig @198.18.0.53 www.example.test A)" = 192.0.2.80 ] && udp_ok=$((udp_ok + 1))
done
kill -0 "$flood" 2>/dev/null && still=1 || still=0
[ "$still" = 1 ] && pass "the flood was still running after the checks" ||
	fail "the flood ended before the checks did (the figures would prove nothing)"
if [ "$tcp_ok" -eq 5 ]; then pass "dig +tcp during the flood: 5 of 5"; else fail "dig +tcp during the flood: $tcp_ok of 5"; fi
if [ "$udp_ok" -eq 5 ]; then pass "UDP queries during the flood: 5 of 5"; else fail "UDP queries during the flood: $udp_ok of 5"; fi
lab_reap "$flood" $((FLOOD_SECS + 10)) || true
read -r sent secs <"$tmp/flood.out" || true
read -r n1 nl1 d1 dl1 o1 ol1 x1 <<<"$(snap)"
echo "figures: flood $sent frames in ${secs}s from 198.18.0.99 (target $FLOOD_PPS/s, budget of class other $PPS/s)"
echo "figures: neigh to_kernel $((n1 - n0)) limited $((nl1 - nl0)); dns to_kernel $((d1 - d0)) limited $((dl1 - dl0)); other to_kernel $((o1 - o0)) limited $((ol1 - ol0)); not_for_us $((x1 - x0))"
[ $((ol1 - ol0)) -gt 0 ] && pass "class other over its budget: $((ol1 - ol0)) limited" ||
	fail "class other was never limited: the flood did not exceed the budget"
[ $((nl1 - nl0)) -eq 0 ] && [ $((n1 - n0)) -gt 0 ] && pass "ARP/ND: $((n1 - n0)) to the kernel, none limited" ||
	fail "ARP/ND: $((n1 - n0)) to the kernel, $((nl1 - nl0)) limited"
[ $((dl1 - dl0)) -eq 0 ] && pass "TCP/53: $((d1 - d0)) to the kernel, none limited" ||
	fail "TCP/53: $((dl1 - dl0)) limited"
max=$((PPS * (${secs%.*} + 2) + 100))
[ $((o1 - o0)) -le "$max" ] && pass "class other to the kernel: $((o1 - o0)) (at most $max)" ||
	fail "class other to the kernel: $((o1 - o0)), more than $max"

lab_shutdown
lab_verdict
