#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: faults. swerved in the lab (tests/common/lab.sh) is started three times, each with one
# resource made scarce, and flooded from the client namespace; each time it must count what it
# lost, stay up, and answer normally once the flood ends:
#   A. mempool exhaustion: an mbuf pool far too small (SWERVE_MBUF_POOL) under a dnsperf flood.
#      The af_packet PMD counts neither rx_nombuf nor imissed, so the pool counts its own failed
#      dequeues (swerve_mbuf_pool_dequeue_failures_total) and the watchdog logs the episode.
#   B. TX ring full: dataplane.tx-ring: 64 and an af_packet ring of 16 frames, under a flood of
#      queries whose answers are large. Every frame the port refuses is freed and counted
#      (tx_failed); the accounting must balance: rx = answered + dropped + exception + limited.
#   C. exception-path flood: non-DNS UDP (to port 9) and ICMP at full speed from the client; the
#      exception path's limiter refuses most of it (exc_limited) while dig and dnsperf, during
#      the flood, still get every DNS answer.
#   D. (builds with -Dtest_hooks=true only) a stuck worker: a frame that stalls the worker for
#      5 s; the watchdog reports it stuck (log, counter, gauge), then recovered, and answering
#      resumes.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test hdft$(($$ % 1000)) ping dig python3 dnsperf

[ -x "$swervectl" ] || { echo "FAIL: $swervectl not built"; exit 1; }

POOL=${HD_POOL:-100}	# mbufs: the tap holds 64 of them, leaving 36 for the port
FLOOD=${HD_FLOOD_SECONDS:-6}

ctl() { timeout 10 "$swervectl" -s "$tmp/control.sock" "$@"; }
# jget COMMAND EXPR: a Python expression on the JSON reply "r"; a tuple prints space-separated.
jget() {
	ctl --json "$1" | python3 -c "import json,sys
r = json.load(sys.stdin)
v = ($2)
print(' '.join(map(str, v)) if isinstance(v, tuple) else v)" 2>/dev/null
}
# The Prometheus text, as swervectl's JSON carries it.
mtext() { ctl --json metrics | python3 -c 'import json,sys; print(json.load(sys.stdin)["text"])'; }
answers() { [ "$(lab_dig @198.18.0.53 www.example.test A 2>/dev/null)" = 192.0.2.80 ]; }

# hd_start VDEV DATAPLANE YAML: like lab_start, with the port's devargs, extra dataplane keys
# (indented by two) and extra sections chosen by the caller.
hd_start() {
	{ lab_zone 'www	IN AAAA 2001:db8::80'; lab_zone_big; } >"$tmp/example.test.zone"
	lab_yaml -d "$2" -m 127.0.0.1:19153 "exception:
  interface: $EXC
$3"
	lab_up >/dev/null || { echo "FAIL: lab up"; exit 1; }
	# The metrics listener is on the server namespace's own loopback (read through swervectl).
	lab_swerved_up -O "" -v "$1" || exit 1
}

# dnsperf from the client namespace: flood SECONDS [extra dnsperf args], output in $tmp/perf.out.
flood() {
	local secs=$1
	shift
	ip netns exec "$SWERVE_NS" timeout $((secs + 20)) dnsperf -s 198.18.0.53 -d "$tmp/q" \
		-l "$secs" -c 8 -T 2 -q 2000 -t 2 "$@" >"$tmp/perf.out" 2>&1
}
perf_field() { awk -v k="$1" '$0 ~ k { print $3 }' "$tmp/perf.out"; }

# After a flood: alive, answers, and a short rate-limited run loses nothing (at most MAXLOST
# queries: see B), and the worker answers every query of it that reaches it.
recovered() {
	local what=$1 maxlost=${2:-0} before after rx0 an0 rx1 an1
	if ! kill -0 "$pid" 2>/dev/null; then
		fail "$what: swerved died"
		return
	fi
	pass "$what: swerved survived the flood"
	sleep 1
	answers && pass "$what: answers after the flood" || fail "$what: no answer after the flood"
	before=$(jget stats 'tuple(r["total"][k] for k in ("dns_queries", "answered", "tx_failed"))')
	flood 3 -Q 2000
	after=$(jget stats 'tuple(r["total"][k] for k in ("dns_queries", "answered", "tx_failed"))')
	lost=$(perf_field 'Queries lost:')
	# Where a loss happened: before the worker (DNS queries it received), or in the port's
	# transmit ring (tx_failed).
	echo "    $what: 3 s at 2000 qps: sent $(perf_field 'Queries sent:'), lost ${lost:-?};" \
		"worker dns/answered/tx_failed before: $before, after: $after"
	read -r rx0 an0 _ <<<"$before"
	read -r rx1 an1 _ <<<"$after"
	[ -n "$rx1" ] && [ $((rx1 - rx0)) -gt 0 ] && [ $((rx1 - rx0)) -eq $((an1 - an0)) ] &&
		pass "$what: the worker answered all $((rx1 - rx0)) queries that reached it" ||
		fail "$what: the worker received $((rx1 - rx0)) queries and answered $((an1 - an0))"
	[ -n "$lost" ] && [ "$lost" -le "$maxlost" ] &&
		pass "$what: 3 s at 2000 qps afterwards, $lost lost (at most $maxlost)" ||
		fail "$what: after the flood, lost=${lost:-?} (at most $maxlost)"
}

echo 'www.example.test A' >"$tmp/q"

# ---- A. mempool exhaustion ----
echo "== A. mbuf pool of $POOL under a dnsperf flood"
export SWERVE_MBUF_POOL=$POOL
hd_start "net_af_packet0,iface=$SWERVE_DP" "" ""
unset SWERVE_MBUF_POOL
grep -q "mbufs from SWERVE_MBUF_POOL" "$tmp/swerved.log" && pass "pool of $POOL mbufs in use" ||
	fail "SWERVE_MBUF_POOL not applied"
flood "$FLOOD"
sent=$(perf_field 'Queries sent:')
lost=$(perf_field 'Queries lost:')
echo "    flood: sent=$sent lost=$lost"
sleep 1 # one more watchdog sample after the flood
ex=$(jget watchdog '(r.get("pool_alloc_failures", -1), r.get("pool_exhausted_episodes", -1), r.get("pool_exhausted_samples", -1), r.get("pool_size", -1))')
read -r nombuf episodes samples size <<<"$ex"
[ "${nombuf:-0}" -gt 0 ] && [ "${episodes:-0}" -gt 0 ] &&
	pass "exhaustion counted: $nombuf failed allocations, $episodes episode(s), $samples sample(s) (pool $size)" ||
	fail "exhaustion not counted: watchdog says '$ex'"
grep -q 'mbuf pool exhausted' "$tmp/swerved.log" && pass "exhaustion logged" || fail "exhaustion not logged"
m=$(mtext | grep -E '^swerve_mbuf_pool_(dequeue_failures|exhausted_samples)_total ')
echo "$m" | sed 's/^/    /'
echo "$m" | grep -q '^swerve_mbuf_pool_dequeue_failures_total [1-9]' &&
	pass "swerve_mbuf_pool_dequeue_failures_total > 0 in the metrics" ||
	fail "metric swerve_mbuf_pool_dequeue_failures_total missing or 0"
recovered "pool"
sleep 1
grep -q 'mbuf pool recovered' "$tmp/swerved.log" && pass "recovery logged" || fail "recovery not logged"
free=$(jget watchdog 'r["pool_free"]')
[ "${free:-0}" -ge 32 ] && pass "pool free again: $free mbufs" || fail "pool still low: $free"
lab_shutdown

# ---- B. TX ring full ----
echo "== B. tx-ring 64, af_packet ring of 16 frames, large answers"
echo 'big.example.test TXT' >"$tmp/q"
hd_start "net_af_packet0,iface=$SWERVE_DP,framecnt=16,blocksz=4096,framesz=2048" "  tx-ring: 64" ""
flood "$FLOOD" -e -D
read -r rx answered dropped exk exl txs txf <<<"$(jget stats 'tuple(r["total"][k] for k in ("rx", "answered", "dropped", "exc_to_kernel", "exc_limited", "tx_sent", "tx_failed"))')"
echo "    worker: rx=$rx answered=$answered dropped=$dropped exc=$exk exc_limited=$exl tx_sent=$txs tx_failed=$txf"
mtext | grep -E '^swerve_port_tx_(packets|errors)_total' | sed 's/^/    /'
if [ "${txf:-0}" -gt 0 ]; then
	pass "tx ring full counted: tx_failed=$txf"
else
	fail "tx_failed stayed 0: the port never refused a frame"
fi
# Every frame received ends as an answer handed to the port or refused by it, a drop, or exception.
[ -n "$rx" ] && [ $((answered + dropped + exk + exl)) -eq "$rx" ] &&
	pass "accounting balances: answered+dropped+exception = rx ($rx)" ||
	fail "accounting: answered=$answered dropped=$dropped exc=$exk+$exl rx=$rx"
echo "    watchdog during the tx flood: $(jget watchdog '("stuck_total", r["stuck_total"])')"
echo 'www.example.test A' >"$tmp/q"
# This port keeps its 16-frame af_packet rings (receive and transmit) afterwards: 8 dnsperf
# sockets can land more than 16 queries in the receive ring while the worker is off its core
# (a 2-core machine with anything else running, or a sanitizer build), and the kernel drops the
# rest before the worker sees them (seen: 6 of 6000 on a quiet CI machine under ASan, 154 with a
# compiler running beside). What B checks afterwards is that the worker and its port recovered:
# it answers everything that reaches it (checked in recovered()), and at most 5 % is lost to
# those rings; a worker or port left stuck by the flood loses it all. A and C, on normal rings,
# must lose none.
recovered "tx" 300
lab_shutdown

# ---- C. exception-path flood ----
echo "== C. non-DNS flood through the exception path"
PPS=500
hd_start "net_af_packet0,iface=$SWERVE_DP" "" "  rate-limit-pps: $PPS"
lim0=$(jget stats 'r["total"]["exc_limited"]')
# Paced at JUNK_PPS, 100 times the exception limit: the limiter, not the port's receive ring
# (which DNS shares), is what the flood must meet.
cat >"$tmp/junk.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
secs, pps = float(sys.argv[1]), int(sys.argv[2])
start = time.time()
n = 0
payload = b"x" * 64
while True:
    now = time.time()
    if now - start >= secs:
        break
    due = int((now - start) * pps)
    while n < due:
        try:
            s.sendto(payload, ("198.18.0.53", 9))
        except OSError:
            pass
        n += 1
    time.sleep(0.001)
print(n)
PY
JUNK_PPS=$((PPS * 100))
ip netns exec "$SWERVE_NS" python3 "$tmp/junk.py" $((FLOOD + 4)) "$JUNK_PPS" >"$tmp/junk.out" 2>&1 &
junk=$!
ip netns exec "$SWERVE_NS" timeout $((FLOOD + 10)) ping -f -w $((FLOOD + 4)) -q 198.18.0.53 \
	>"$tmp/ping.out" 2>&1 &
pingpid=$!
sleep 1
flood "$FLOOD" -Q 5000
ok=0
for _ in 1 2 3 4 5; do answers && ok=$((ok + 1)); done
wait "$junk" "$pingpid" 2>/dev/null
read -r lim1 dnsq answ <<<"$(jget stats '(r["total"]["exc_limited"], r["total"]["dns_queries"], r["total"]["answered"])')"
lost=$(perf_field 'Queries lost:')
completed=$(perf_field 'Queries completed:')
echo "    junk frames sent: $(cat "$tmp/junk.out") at $JUNK_PPS/s; ping: $(grep -o '[0-9]* packets transmitted.*' "$tmp/ping.out")"
[ $((lim1 - lim0)) -gt 1000 ] && pass "exc_limited rose by $((lim1 - lim0))" ||
	fail "exc_limited rose by $((lim1 - lim0)) only"
# Under a flood the port's receive ring is shared: a query lost there never reaches swerved. What
# reaches it must all be answered, and the loss must stay a small fraction.
[ -n "$lost" ] && [ "${completed:-0}" -gt 0 ] && [ $((lost * 100)) -le "$completed" ] &&
	pass "dnsperf during the flood: $completed answered, $lost lost (<= 1 %)" ||
	fail "dnsperf during the flood: completed=${completed:-?} lost=${lost:-?}"
[ "${dnsq:-0}" -gt 0 ] && [ "$dnsq" = "$answ" ] &&
	pass "every DNS query that reached the worker was answered ($answ)" ||
	fail "worker: dns_queries=$dnsq answered=$answ"
[ "$ok" -eq 5 ] && pass "dig during the flood: 5 of 5" || fail "dig during the flood: $ok of 5"
recovered "exception"

# ---- D. a stuck worker (test hooks only) ----
if grep -q 'TEST HOOKS compiled in' "$tmp/swerved.log"; then
	echo "== D. a worker stalled for 5 s by the test hook"
	t0=$(date +%s%3N)
	ip netns exec "$SWERVE_NS" python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"swerve-test-stall:5000", ("198.18.0.53", 9))'
	stuck=
	for _ in $(seq 40); do
		stuck=$(jget watchdog 'r["stuck_now"]')
		[ "$stuck" = 1 ] && break
		sleep 0.1
	done
	[ "$stuck" = 1 ] && pass "watchdog: worker stuck after $(($(date +%s%3N) - t0)) ms" ||
		fail "watchdog never saw the stalled worker (stuck_now=$stuck)"
	mtext | grep -q '^swerve_worker_stuck{worker="0",lcore="1"} 1' &&
		pass "swerve_worker_stuck{worker=\"0\"} 1 while stalled" || fail "stuck gauge not 1"
	ip netns exec "$SWERVE_NS" dig +time=1 +tries=1 +short @198.18.0.53 www.example.test A |
		grep -q 192.0.2.80 && fail "answered while the only worker is stalled" ||
		pass "no answer while the only worker is stalled"
	for _ in $(seq 60); do
		[ "$(jget watchdog 'r["stuck_now"]')" = 0 ] && break
		sleep 0.1
	done
	[ "$(jget watchdog '(r["stuck_now"], r["stuck_total"])')" = "0 1" ] &&
		pass "watchdog: recovered, stuck_total 1" || fail "watchdog: $(jget watchdog 'r')"
	grep -q 'watchdog: worker 0 (lcore 1) stuck' "$tmp/swerved.log" &&
		grep -q 'watchdog: worker 0 (lcore 1) recovered' "$tmp/swerved.log" &&
		pass "stuck and recovered logged once each" || fail "watchdog log lines missing"
	answers && pass "answers again after the stall" || fail "no answer after the stall"
else
	echo "note: swerved built without -Dtest_hooks=true: the stuck-worker check (D) is skipped"
fi
lab_shutdown
lab_verdict
