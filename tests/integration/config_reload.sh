#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: configuration reload under load (docs/configuration.md, "Reloading the
# configuration"). swerved in the lab answers a bounded dnsperf load from the client namespace
# while swerve.yaml is rewritten and reloaded 20 times through `swervectl reload` (and once by
# SIGHUP): each reload adds a zone and a failover record and removes the ones the previous reload
# added. Then:
#   - dnsperf lost no query;
#   - after each reload the zone it added answers and the one it removed is REFUSED, and likewise
#     the failover records;
#   - the state of unchanged endpoints survived every reload, with no state file (so memory is
#     all that can carry it): a manual endpoint set down (its record keeps serving the backup
#     pool), a drained endpoint, an endpoint whose HTTP check fails (down, and never served
#     again after a reload, as it would be for a moment if it restarted from its initial "up";
#     its run of failures keeps growing), and the event history;
#   - dns.version, cookies and a TCP limit changed by a reload are taken at once by the workers
#     (UDP) and the TCP thread, and taken back by the next;
#   - `reload --check` lists the changes and applies nothing;
#   - a change to a key that needs a restart, and a config that does not validate, are refused
#     with the key (and file:line) named, and nothing of the new file is applied.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test cr$(($$ % 100000)) ping dig python3 dnsperf

[ -x "$swervectl" ] || { echo "FAIL: $swervectl not built"; exit 1; }

RELOADS=20
RATE=5000	# queries per second
DURATION=30	# seconds of dnsperf: longer than the reloads take
P_HTTP=$((20000 + $$ % 20000))
P_DEAD=$((P_HTTP + 1))	# nothing listens there: w3's check fails
M1=127.0.0.1:$((P_HTTP + 2))	# metrics.listen, moved to M2 by the reloads from the tenth on
M2=127.0.0.1:$((P_HTTP + 3))

ctl() { timeout 20 "$swervectl" -s "$tmp/control.sock" "$@"; }
# ep_field RECORD ENDPOINT KEY: one field of one endpoint of failover-show.
ep_field() {
	ctl --json failover-show "$1" | python3 -c '
import json, sys
for rec in json.load(sys.stdin)["records"]:
    for e in rec["endpoints"]:
        if e["name"] == sys.argv[1]:
            print(e[sys.argv[2]]); sys.exit(0)
print("?")' "$2" "$3" 2>/dev/null
}

zone_file() { # zone_file NAME: a small zone NAME with www A 192.0.2.N
	{
		echo "\$ORIGIN $1."
		echo '$TTL 300'
		echo "@	IN SOA ns1 hostmaster 1 3600 600 86400 60"
		echo '	IN NS ns1'
		echo 'ns1	IN A 198.18.0.53'
		echo "www	IN A 192.0.2.${2:-1}"
	} >"$tmp/$1.zone"
}

# write_yaml I [EXTRA_SECTION]: version I of the config: example.test, keep.test, zone
# z<I>.test and failover record r<I>.example.test (none for I = 0); EXTRA_SECTION is appended.
write_yaml() {
	local i=$1 zones=(-z example.test=example.test.zone -z keep.test=keep.test.zone) rec='' m=$M1
	[ "$i" -lt $((RELOADS / 2)) ] || m=$M2
	if [ "$i" -gt 0 ]; then
		zone_file "z$i.test" "$i"
		zones+=(-z "z$i.test=z$i.test.zone")
		rec="    - name: r$i.example.test
      type: A
      check: {kind: manual}
      pools:
        - {name: only, endpoints: [{address: 198.18.7.$i, name: e$i}]}"
	fi
	lab_yaml -o "$tmp/swerve.yaml.new" -m "$m" "${zones[@]}" "exception:
  interface: $EXC
failover:
  state-file: ~
  records:
    - name: keep.example.test
      type: A
      check: {kind: manual}
      pools:
        - {name: p0, endpoints: [{address: 198.18.4.1, name: a}]}
        - {name: p1, endpoints: [{address: 198.18.4.2, name: b}]}
    - name: web.example.test
      type: A
      check: {kind: http, interval-ms: 200, timeout-ms: 150, rise: 1, fall: 2}
      pools:
        - {name: primary, endpoints: [{address: 198.18.5.1, name: w1, check-address: 127.0.0.1, check-port: $P_HTTP},
                                      {address: 198.18.5.2, name: w2, check-address: 127.0.0.1, check-port: $P_HTTP},
                                      {address: 198.18.5.3, name: w3, check-address: 127.0.0.1, check-port: $P_DEAD}]}
$rec" "${2:-}"
	mv -f "$tmp/swerve.yaml.new" "$tmp/swerve.yaml"
}

zone_file keep.test 250
lab_pre_start() {
	lab_srv_bg python3 "$top/tests/integration/httpd.py" "$P_HTTP" --bind 127.0.0.1
	lab_track $!
	write_yaml 0
}
# lab_start writes its own YAML first; lab_pre_start replaces it before swerved starts.
lab_start

# ---- state to carry over ----
ctl endpoint-set keep.example.test a down >/dev/null && pass "endpoint a of keep set down" ||
	fail "endpoint-set keep a down"
ctl endpoint-drain w2 web.example.test >/dev/null && pass "endpoint w2 of web drained" ||
	fail "endpoint-drain w2"
w1_up() { [ "$(ep_field web.example.test w1 health)" = up ]; }
lab_until 10 w1_up &&
	pass "w1 is up by its HTTP check" || fail "w1 never came up: $(ep_field web.example.test w1 health)"
w3_down() { [ "$(ep_field web.example.test w3 health)" = down ] && [ "$(ep_field web.example.test w3 failures)" -ge 3 ]; }
lab_until 10 w3_down &&
	pass "w3 is down by its failing check" || fail "w3 never went down: $(ep_field web.example.test w3 health)"
[ "$(lab_dig @198.18.0.53 web.example.test A)" = 198.18.5.1 ] && pass "web serves w1 only" ||
	fail "web: $(lab_dig @198.18.0.53 web.example.test A)"
[ "$(lab_dig @198.18.0.53 keep.example.test A)" = 198.18.4.2 ] &&
	pass "keep.example.test serves the backup pool" || fail "keep: $(lab_dig @198.18.0.53 keep.example.test A)"
events0=$(ctl --json events | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))')
fails0=$(ep_field web.example.test w3 failures)

# ---- --check: what would change, nothing applied ----
write_yaml 1
out=$(ctl --json reload --check 2>&1)
if grep -q 'zones\[z1.test\]' <<<"$out" && grep -q 'r1.example.test' <<<"$out" &&
	[ -z "$(lab_dig @198.18.0.53 www.z1.test A)" ]; then
	pass "reload --check lists zones[z1.test] and r1.example.test, applies nothing"
else
	fail "reload --check: $out; z1 answers '$(lab_dig @198.18.0.53 www.z1.test A)'"
fi

# ---- a key that needs a restart: refused, nothing applied ----
write_yaml 1 "" && sed -i 's/^  idle-backoff-us: .*/  idle-backoff-us: 77/' "$tmp/swerve.yaml"
out=$(ctl reload 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'dataplane.idle-backoff-us' <<<"$out" && grep -q 'needs a restart' <<<"$out" &&
	[ -z "$(lab_dig @198.18.0.53 www.z1.test A)" ]; then
	pass "a dataplane change is refused, naming the key: $(head -c 120 <<<"$out")"
else
	fail "restart-only change: exit $rc: $out"
fi

# ---- a config that does not validate: refused with file:line and key ----
write_yaml 1 "bogus-section: 1"
out=$(ctl reload 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'swerve.yaml:[0-9]' <<<"$out" && grep -q 'bogus-section' <<<"$out" &&
	[ -z "$(lab_dig @198.18.0.53 www.z1.test A)" ]; then
	pass "an invalid config is refused with file:line: $(head -c 120 <<<"$out")"
else
	fail "invalid config: exit $rc: $out"
fi

# ---- 20 reloads under load ----
printf 'www.example.test A\nkeep.example.test A\nwww.keep.test A\nweb.example.test A\n' >"$tmp/queries"
ip netns exec "$SWERVE_NS" timeout $((DURATION + 20)) dnsperf -s 198.18.0.53 -d "$tmp/queries" \
	-l "$DURATION" -Q "$RATE" -c 4 -t 3 >"$tmp/dnsperf.out" 2>&1 &
perfpid=$!
sleep 1

ok=0
bad=0
t0=$(date +%s.%N)
for i in $(seq 1 $RELOADS); do
	write_yaml "$i"
	if [ "$i" -eq $((RELOADS / 2)) ]; then
		kill -HUP "$pid"
		zi_answers() { [ "$(lab_dig @198.18.0.53 "www.z$i.test" A)" = "192.0.2.$i" ]; }
		lab_until 10 zi_answers || true
		how=SIGHUP
	else
		out=$(ctl --json reload 2>&1) || { fail "reload $i: $out"; bad=$((bad + 1)); continue; }
		how=swervectl
	fi
	a=$(lab_dig @198.18.0.53 www.z$i.test A)
	r=$(lab_dig @198.18.0.53 r$i.example.test A)
	k=$(lab_dig @198.18.0.53 keep.example.test A)
	w=$(lab_dig @198.18.0.53 web.example.test A | tr '\n' ' ')
	gone=ok
	if [ "$i" -gt 1 ]; then
		[ -z "$(lab_dig @198.18.0.53 www.z$((i - 1)).test A)" ] || gone="z$((i - 1)).test still answers"
		[ -z "$(lab_dig @198.18.0.53 r$((i - 1)).example.test A)" ] || gone="r$((i - 1)) still answers"
	fi
	if [ "$a" = "192.0.2.$i" ] && [ "$r" = "198.18.7.$i" ] && [ "$k" = 198.18.4.2 ] &&
		[ "$w" = "198.18.5.1 " ] && [ "$gone" = ok ]; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
		fail "reload $i ($how): z$i '$a', r$i '$r', keep '$k', web '$w', removed: $gone"
	fi
done
fails1=$(ep_field web.example.test w3 failures)
t1=$(date +%s.%N)
[ "$ok" -eq "$RELOADS" ] && pass "$RELOADS reloads ($((RELOADS - 1)) swervectl, 1 SIGHUP) each added and removed a zone and a failover record" ||
	fail "$ok of $RELOADS reloads as expected"
echo "    $RELOADS reloads in $(python3 -c "print('%.1f' % ($t1 - $t0))") s"

wait "$perfpid"
sed -n '/Statistics:/,/Average Latency/p' "$tmp/dnsperf.out" | sed 's/^/    /'
sent=$(awk '/Queries sent:/ { print $3 }' "$tmp/dnsperf.out")
lost=$(awk '/Queries lost:/ { print $3 }' "$tmp/dnsperf.out")
if [ -n "$lost" ] && [ "$lost" -eq 0 ] && [ "${sent:-0}" -ge $((RATE * DURATION / 2)) ]; then
	pass "dnsperf during the reloads: $sent sent, 0 lost"
else
	fail "dnsperf during the reloads: sent=${sent:-?} lost=${lost:-?}"
fi

# ---- the engine's settings and the limiters, taken live by the workers and the TCP thread ----
vbind() { lab_dig "$@" @198.18.0.53 version.bind CH TXT; }
server_cookie() { # server_cookie [+tcp]: the response carries a server cookie (8 + 16 octets)
	ip netns exec "$SWERVE_NS" dig +time=1 +tries=2 +cookie "$@" @198.18.0.53 www.example.test A |
		grep -qE '^; COOKIE: [0-9a-f]{48}'
}
# hold_tcp SECS: one idle connection to port 53 from the client namespace, held SECS seconds.
hold_tcp() {
	ip netns exec "$SWERVE_NS" python3 -c 'import socket, sys, time
s = socket.create_connection(("198.18.0.53", 53), timeout=2)
print("held", flush=True)
time.sleep(float(sys.argv[1]))' "$1" >"$tmp/hold.out" 2>&1 &
	holdpid=$!
	for _ in $(seq 30); do grep -q held "$tmp/hold.out" && break; sleep 0.1; done
}
before="version '$(vbind)'/'$(vbind +tcp)', cookie $(server_cookie && echo yes || echo no)"
hold_tcp 3
second_ok=$(lab_dig +tcp @198.18.0.53 www.example.test A)
wait "$holdpid" 2>/dev/null
write_yaml "$RELOADS" "dns:
  version: swerve-reloaded
cookies:
  enabled: true
tcp:
  max-clients-per-source: 1"
out=$(ctl --json reload 2>&1) || fail "settings reload: $out"
after_v="'$(vbind)'/'$(vbind +tcp)'"
if [ "$after_v" = "'\"swerve-reloaded\"'/'\"swerve-reloaded\"'" ] && [[ $before == "version ''/'', cookie no" ]]; then
	pass "dns.version taken live over UDP and TCP: $after_v (before: $before)"
else
	fail "dns.version after the reload: $after_v (before: $before)"
fi
server_cookie && server_cookie +tcp && pass "cookies turned on live, UDP and TCP" ||
	fail "no server cookie after the reload"
hold_tcp 3
second=$(lab_dig +tries=1 +tcp @198.18.0.53 www.example.test A)
wait "$holdpid" 2>/dev/null
if [ "$second_ok" = 192.0.2.80 ] && ! grep -q 192.0.2.80 <<<"$second"; then
	pass "tcp.max-clients-per-source 1 taken live: a second connection is closed (it was answered before)"
else
	fail "tcp per-source limit: before '$second_ok', after '$second'"
fi
write_yaml "$RELOADS"
ctl reload >/dev/null || fail "reload back"
[ -z "$(vbind)" ] && ! server_cookie && pass "and back: no version, no cookie" ||
	fail "after reloading back: version '$(vbind)'"

# ---- state carried over ----
[ "$(ep_field keep.example.test a health)" = down ] && [ "$(lab_dig @198.18.0.53 keep.example.test A)" = 198.18.4.2 ] &&
	pass "keep: endpoint a still down after $((RELOADS + 3)) reloads, backup still served" ||
	fail "keep: a health=$(ep_field keep.example.test a health)"
[ "$(ep_field web.example.test w2 drained)" = True ] && pass "web: w2 still drained" ||
	fail "web: w2 drained=$(ep_field web.example.test w2 drained)"
# Read right after the last reload: a state started afresh would count from zero there.
if [ "${fails1:-0}" -gt "${fails0:-99999}" ] 2>/dev/null; then
	pass "web: w3's run of failed checks went on across the reloads ($fails0 -> $fails1), not from zero"
else
	fail "web: w3 failures $fails0 before the reloads, $fails1 right after the last"
fi
events1=$(ctl --json events | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))')
[ "${events1:-0}" -ge "${events0:-1}" ] && [ "${events0:-0}" -gt 0 ] &&
	pass "event history kept ($events0 -> $events1 events)" || fail "events $events0 -> $events1"
if lab_srv curl -sf "http://$M2/metrics" | grep -q '^swerve_zone_serial' &&
	! lab_srv curl -sf "http://$M1/metrics" >/dev/null 2>&1; then
	pass "metrics.listen moved from $M1 to $M2 by a reload"
else
	fail "metrics listener: $M2 $(lab_srv curl -sf "http://$M2/metrics" | head -c 80), $M1 still answers?"
fi
# The metrics sources follow the swap: the last zone and record are there, the replaced ones
# gone (a source left behind would point at freed memory: ASan runs this test too).
m=$(ctl --json metrics | python3 -c 'import json,sys; print(json.load(sys.stdin)["text"])')
if grep -q "z$RELOADS\.test" <<<"$m" && ! grep -q "z$((RELOADS - 1))\.test" <<<"$m" &&
	grep -q "r$RELOADS\.example\.test" <<<"$m" && ! grep -q "r$((RELOADS - 1))\.example\.test" <<<"$m"; then
	pass "metrics show zone z$RELOADS.test and record r$RELOADS, not the replaced ones"
else
	fail "metrics after the reloads: $(grep -E 'z[0-9]+\.test|r[0-9]+\.example' <<<"$m" | head -5)"
fi
out=$(ctl --json reload 2>&1)
python3 -c 'import json,sys; f=json.loads(sys.argv[1])["failover"]; sys.exit(0 if f["endpoints_kept"] >= 3 and f["records_kept"] >= 3 else 1)' "$out" &&
	pass "reload reply counts the kept records and endpoints" || fail "reload reply: $out"
grep -q 'reload of .*change(s) applied' "$log" && pass "reloads logged" || fail "no reload log line"

lab_shutdown
lab_verdict
