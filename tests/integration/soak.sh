#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: soak. swerved in the lab under a steady dnsperf load for SOAK_SECONDS while the
# zone is rewritten and reloaded every 10 s (alternately SIGHUP, a reload of the configuration and
# every zone, and swervectl zone-reload) and a
# failover record is flipped every second (failover-force to the other pool, then failover-auto).
# Checks, all from this run: swerved never exits, dnsperf lost 0 queries, every reload and flip
# was applied, the last serial is served, the watchdog never saw a stuck worker, resident memory
# (VmRSS) at the end is within the tolerance of the start, and swerved exits 0 on SIGINT.
#
# Environment:
#   SOAK_SECONDS   length of the load (default 120, the CI version; 1800 for the long soak)
#   SOAK_QPS       dnsperf rate (default 40000, which a shared 2-vCPU CI machine sustains with
#                  room to spare); "auto": 80 % of the capacity measured first in this same lab
#                  (dnsperf without a rate limit for 5 s), as the long soak is run
#   SOAK_PCT       the percentage for "auto" (default 80)
#   SOAK_RSS_TOL_KB  allowed VmRSS growth from the start sample to the end (default 8192)
#   SOAK_REPORT    a file that receives the figures as "key=value" lines
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test hdsk$(($$ % 1000)) ping dig python3 dnsperf

[ -x "$swervectl" ] || { echo "FAIL: $swervectl not built"; exit 1; }

# A sanitizer build: leak detection runs at exit (lab_shutdown fails on any report), RSS is not flat.
asan=0
if ldd "$swerved" 2>/dev/null | grep -q libasan; then
	asan=1
	case ${ASAN_OPTIONS:-} in
	*detect_leaks=0*) echo "note: ASAN_OPTIONS turns leak detection off" ;;
	*) echo "soak: sanitizer build, LeakSanitizer checks the whole run at exit" ;;
	esac
fi

SECS=${SOAK_SECONDS:-120}
QPS=${SOAK_QPS:-40000}
TOL=${SOAK_RSS_TOL_KB:-8192}
RELOAD_EVERY=10
WARMUP=5 # seconds of load before the start RSS sample: pools and caches touched once

# zone_version K: the zone with serial K (rename: the loader never reads a half-written file).
zone_version() {
	{
		echo '$ORIGIN example.test.'
		echo '$TTL 300'
		echo "@	IN SOA ns1 hostmaster $1 3600 600 86400 60"
		echo '	IN NS ns1'
		echo 'ns1	IN A 198.18.0.53'
		echo 'www	IN A 192.0.2.80'
		echo 'www	IN AAAA 2001:db8::80'
		echo "ver	IN TXT \"version $1\""
		for i in $(seq 1 200); do
			echo "h$i	IN A 192.0.2.$((i % 250 + 1))"
		done
	} >"$tmp/zone.new"
	mv -f "$tmp/zone.new" "$tmp/example.test.zone"
}
zone_version 1

lab_start "exception:
  interface: $EXC
failover:
  state-file: $tmp/failover.json
  records:
    - name: flip.example.test
      type: A
      ttl: 20
      check: {kind: manual}
      pools:
        - {name: p0, endpoints: [{address: 198.18.9.1, name: a}]}
        - {name: p1, endpoints: [{address: 198.18.9.2, name: b}]}"

ctl() { timeout 10 "$swervectl" -s "$tmp/control.sock" "$@"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null; }
served_serial() {
	ctl --json lookup example.test SOA |
		python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["answer"][0].split()[6])' 2>/dev/null
}

{
	for i in $(seq 1 200); do echo "h$i.example.test A"; done
	echo "www.example.test AAAA"
	echo "flip.example.test A"
	echo "nx.example.test A"
	echo "example.test SOA"
} >"$tmp/queries"

capacity=
if [ "$QPS" = auto ]; then
	ip netns exec "$SWERVE_NS" timeout 30 dnsperf -s 198.18.0.53 -d "$tmp/queries" -l 5 -c 8 -T 2 \
		-q 1000 >"$tmp/capacity.out" 2>&1
	capacity=$(awk '/Queries per second:/ { printf "%d", $4 }' "$tmp/capacity.out")
	[ -n "$capacity" ] && [ "$capacity" -gt 0 ] || { fail "capacity run gave no figure"; lab_verdict; }
	QPS=$((capacity * ${SOAK_PCT:-80} / 100))
	echo "soak: measured capacity ${capacity} qps (5 s, no rate limit); soak at ${SOAK_PCT:-80} %"
	sleep 2
fi
echo "soak: ${SECS} s at ${QPS} qps, reload every ${RELOAD_EVERY} s, failover flip every second"
ip netns exec "$SWERVE_NS" timeout $((SECS + 60)) dnsperf -s 198.18.0.53 -d "$tmp/queries" \
	-l "$SECS" -Q "$QPS" -c 8 -T 2 -t 5 -S 10 >"$tmp/dnsperf.out" 2>&1 &
perfpid=$!
t0=$(date +%s)
sleep "$WARMUP"
rss0=$(rss_kb)
rssmax=$rss0
echo "soak: VmRSS after ${WARMUP} s of load: ${rss0} kB"

reloads=0
reload_fail=0
flips=0
flip_fail=0
serial=1
forced=0
died=0
tick=0
while [ $(($(date +%s) - t0)) -lt "$SECS" ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		died=1
		break
	fi
	now=$(($(date +%s) - t0))
	# A flip a second: pin to the other pool, then hand back to the (manual) check.
	if [ "$forced" -eq 0 ]; then
		ctl failover-force flip.example.test p1 >/dev/null && forced=1
	else
		ctl failover-auto flip.example.test >/dev/null && forced=0
	fi
	if [ $? -eq 0 ]; then flips=$((flips + 1)); else flip_fail=$((flip_fail + 1)); fi
	if [ "$now" -ge $(((reloads + reload_fail + 1) * RELOAD_EVERY)) ]; then
		serial=$((serial + 1))
		zone_version "$serial"
		if [ $((serial % 2)) -eq 0 ]; then
			kill -HUP "$pid" && reloads=$((reloads + 1)) || reload_fail=$((reload_fail + 1))
		else
			ctl zone-reload example.test >/dev/null && reloads=$((reloads + 1)) ||
				reload_fail=$((reload_fail + 1))
		fi
		r=$(rss_kb)
		[ -n "$r" ] && [ "$r" -gt "$rssmax" ] && rssmax=$r
		echo "soak: t=${now}s serial $serial, flips $flips, VmRSS ${r:-?} kB"
	fi
	# One tick a second from the start, however long this turn's commands took.
	tick=$((tick + 1))
	while [ "$(date +%s%3N)" -lt $((t0 * 1000 + tick * 1000)) ]; do sleep 0.05; done
done
wait "$perfpid"
rss1=$(rss_kb)
[ -n "$rss1" ] && [ "$rss1" -gt "$rssmax" ] && rssmax=$rss1
sleep 1

if [ "$died" -eq 0 ] && kill -0 "$pid" 2>/dev/null; then
	pass "swerved ran the whole soak"
else
	fail "swerved exited during the soak"
fi

sent=$(awk '/Queries sent:/ { print $3 }' "$tmp/dnsperf.out")
completed=$(awk '/Queries completed:/ { print $3 }' "$tmp/dnsperf.out")
lost=$(awk '/Queries lost:/ { print $3 }' "$tmp/dnsperf.out")
qps=$(awk '/Queries per second:/ { print $4 }' "$tmp/dnsperf.out")
if [ -z "$lost" ]; then
	fail "no dnsperf statistics:"
	sed 's/^/    | /' "$tmp/dnsperf.out" | tail -20
elif [ "$lost" -eq 0 ] && [ "${sent:-0}" -ge $((QPS * SECS * 9 / 10)) ]; then
	pass "dnsperf: $sent sent, $completed completed, 0 lost (${qps} qps)"
else
	fail "dnsperf: $sent sent, $completed completed, $lost lost (${qps} qps; want >= $((QPS * SECS * 9 / 10)) sent)"
fi

want_reloads=$((SECS / RELOAD_EVERY))
[ "$reload_fail" -eq 0 ] && [ "$reloads" -ge $((want_reloads - 1)) ] &&
	pass "$reloads reloads (SIGHUP and zone-reload alternately), none refused" ||
	fail "reloads: $reloads done, $reload_fail failed, about $want_reloads expected"
# SIGHUP is not waited for: give the last one a moment.
for _ in $(seq 20); do [ "$(served_serial)" = "$serial" ] && break; sleep 0.25; done
s=$(served_serial)
[ "$s" = "$serial" ] && pass "last serial $serial served" || fail "served serial '$s', expected $serial"
[ "$flip_fail" -eq 0 ] && [ "$flips" -ge $((SECS * 3 / 4)) ] &&
	pass "$flips failover flips applied" || fail "flips: $flips applied, $flip_fail failed"

wd=$(ctl --json watchdog 2>/dev/null |
	python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["stuck_total"])' 2>/dev/null)
[ "$wd" = 0 ] && pass "watchdog: no stuck worker" || fail "watchdog stuck_total '$wd'"

growth=$((${rss1:-0} - ${rss0:-0}))
if [ "$asan" -eq 1 ]; then
	# ASan keeps freed memory in quarantine (256 MiB by default): RSS grows by design there.
	echo "note: sanitizer build: VmRSS start ${rss0} kB, end ${rss1} kB, not checked (quarantine)"
elif [ -n "$rss0" ] && [ -n "$rss1" ] && [ "$growth" -le "$TOL" ]; then
	pass "VmRSS start ${rss0} kB, end ${rss1} kB (growth ${growth} kB <= ${TOL} kB; max ${rssmax} kB)"
else
	fail "VmRSS start ${rss0:-?} kB, end ${rss1:-?} kB, growth ${growth} kB > ${TOL} kB"
fi

if [ -n "${SOAK_REPORT:-}" ]; then
	cat >"$SOAK_REPORT" <<EOF
seconds=$SECS
capacity_qps=$capacity
qps_target=$QPS
qps_measured=$qps
sent=$sent
completed=$completed
lost=$lost
reloads=$reloads
reload_failures=$reload_fail
flips=$flips
flip_failures=$flip_fail
rss_start_kb=$rss0
rss_end_kb=$rss1
rss_max_kb=$rssmax
watchdog_stuck_total=$wd
EOF
fi

lab_shutdown
lab_verdict
