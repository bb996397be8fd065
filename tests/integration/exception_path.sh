#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: the exception path. swerved on net_af_packet with the exception tap; from the client
# namespace ping and ARP/ND reach the kernel through it, and a flood of non-DNS frames is rate
# limited (the counters move) while DNS is still answered.
# The lab's DPDK end runs in a server namespace of its own (tests/common/lab.sh).
set -u

export SWERVE_NEIGH=dynamic # ARP and ND must be answered through the exception path.
# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test xp$(($$ % 100000)) ping dig python3

PPS=200 # Low, so a flood from one client is far above it.
lab_start "exception:
  interface: $EXC
  rate-limit-pps: $PPS"

# ---- the tap: name, MAC, addresses ----
link=$(ip -n "$SRV" -o link show "$EXC" 2>/dev/null)
case "$link" in
*"link/ether $dpmac "*) pass "tap $EXC carries the port MAC $dpmac" ;;
*) fail "tap $EXC: expected MAC $dpmac: $link" ;;
esac
addrs=$(ip -n "$SRV" -o addr show dev "$EXC" 2>/dev/null)
for a in 198.18.0.53/24 2001:2::53/64; do
	case "$addrs" in
	*" $a "*) pass "tap has $a" ;;
	*) fail "tap lacks $a: $addrs" ;;
	esac
done
case "$addrs" in
*tentative*) fail "an address is still tentative (DAD not off): $addrs" ;;
esac

# ---- ping and ARP/ND through the exception path ----
out=$(ip netns exec "$SWERVE_NS" ping -c 3 -i 0.2 -W 2 198.18.0.53 2>&1)
if echo "$out" | grep -q ' 3 received' && ! echo "$out" | grep -q 'DUP!'; then
	pass "ping 198.18.0.53"
else
	fail "ping 198.18.0.53: $out"
fi
out=$(ip netns exec "$SWERVE_NS" ping -6 -c 3 -i 0.2 -W 2 2001:2::53 2>&1)
if echo "$out" | grep -q ' 3 received' && ! echo "$out" | grep -q 'DUP!'; then
	pass "ping -6 2001:2::53"
else
	fail "ping -6 2001:2::53: $out"
fi
for a in 198.18.0.53 2001:2::53; do
	n=$(ip -n "$SWERVE_NS" neigh show "$a" dev "$SWERVE_CL")
	case "$n" in
	*"lladdr $dpmac "*) pass "client neighbour entry $a -> $dpmac ($n)" ;;
	*) fail "client neighbour entry for $a: '$n'" ;;
	esac
done
# The other way: the server kernel resolved the client, so its ARP/ND replies came back in too.
n=$(ip -n "$SRV" neigh show 198.18.0.1 dev "$EXC")
case "$n" in
*lladdr*) pass "server neighbour entry for the client ($n)" ;;
*) fail "server has no neighbour entry for 198.18.0.1: '$n'" ;;
esac

# ---- a non-DNS flood is rate limited and DNS keeps answering ----
# exc_to_kernel and exc_limited summed over the workers, from a SIGUSR1 stats dump
# (one "stats: worker ..." line per worker).
counters() {
	local before now
	before=$(grep -c 'stats: worker' "$tmp/swerved.log")
	kill -USR1 "$pid"
	for _ in $(seq 30); do
		sleep 0.2
		now=$(grep -c 'stats: worker' "$tmp/swerved.log")
		[ "$now" -gt "$before" ] && break
	done
	sleep 0.3 # the other workers' lines
	grep 'stats: worker' "$tmp/swerved.log" | tail -n +$((before + 1)) |
		awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "=");
			if (kv[1] == "exc_to_kernel") k += kv[2]; if (kv[1] == "exc_limited") l += kv[2] } }
			END { print k + 0, l + 0, NR }'
}
read -r tk0 lim0 nw0 <<<"$(counters)"
[ "$nw0" -gt 0 ] || fail "no stats dump on SIGUSR1"

ip netns exec "$SWERVE_NS" python3 - >"$tmp/flood.out" 2>&1 <<'EOF' &
# UDP to port 9 (not DNS): every frame goes to the exception path. 20000 frames/s for 2 s: a
# hundred times the limit, yet well within what one worker drains, so a lost query would be
# the exception path's fault and not plain overload of the port.
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rate, secs = 20000, 2
t0 = time.monotonic()
sent = 0
while sent < rate * secs:
    for _ in range(100):
        try:
            s.sendto(b"x" * 32, ("198.18.0.53", 9))
            sent += 1
        except OSError:
            pass
    ahead = sent / rate - (time.monotonic() - t0)
    if ahead > 0:
        time.sleep(ahead)
print(sent)
EOF
flood=$!
t0=$(date +%s.%N)
sleep 0.5
answered=0
for _ in 1 2 3 4 5; do
	[ "$(lab_dig @198.18.0.53 www.example.test A)" = 192.0.2.80 ] && answered=$((answered + 1))
	sleep 0.2
done
wait "$flood"
t1=$(date +%s.%N)
sent=$(cat "$tmp/flood.out")
read -r tk1 lim1 nw1 <<<"$(counters)"
if [ "$answered" -eq 5 ]; then
	pass "DNS answered during a flood of $sent frames"
else
	fail "only $answered of 5 queries answered during the flood"
fi
dk=$((tk1 - tk0))
dl=$((lim1 - lim0))
# Through: at least a second at the rate (the flood lasts 2 s); at most the rate over the
# flood's time, a full bucket (32) and a margin.
max=$(awk -v r="$PPS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", r * (b - a + 1) + 32 + 50 }')
if [ "$dl" -gt 0 ] && [ "$dk" -ge "$PPS" ] && [ "$dk" -le "$max" ]; then
	pass "rate limit: $dk frames to the kernel (at most $max), $dl limited"
else
	fail "rate limit: $dk frames to the kernel (at most $max), $dl limited; sent $sent"
fi
# The kernel side is still reachable once the flood is over.
sleep 0.5
if ip netns exec "$SWERVE_NS" ping -c 2 -i 0.2 -W 2 198.18.0.53 >/dev/null 2>&1; then
	pass "ping after the flood"
else
	fail "ping after the flood"
fi

lab_shutdown
lab_verdict
