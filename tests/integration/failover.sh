#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: health-driven failover end to end. swerved runs in a server namespace with real
# HTTP(S) servers on that namespace's loopback as endpoints; answers are read from the client
# namespace over the DPDK port. Covers: primary stopped -> backup within interval x fall + one
# interval, degraded TTL, back after rise; https with valid / expired / wrong-host certificates;
# HTTP 503 unhealthy for http but healthy for tcp; all-down policies; drain, force, auto; overrides
# restored after a restart; 1000 flips of a manual check under dnsperf load with every answer
# checked.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test fo$(($$ % 100000)) ping dig python3 openssl curl

httpd=$top/tests/integration/httpd.py
[ -x "$swervectl" ] || { echo "FAIL: $swervectl not built"; exit 1; }

INTERVAL=300
FALL=2
RISE=2
# Base ports of the HTTP(S) servers on the server namespace's loopback.
P_WEB1=18081
P_WEB2=18082
P_503=18083
P_TLS_OK=18443
P_TLS_EXP=18444
P_TLS_HOST=18445
P_TLS_SOON=18446

# start_httpd NAME PORT [ARGS]: one server in the server namespace, its PID kept by NAME.
declare -A hpid
start_httpd() {
	local name=$1 port=$2
	shift 2
	lab_srv_bg python3 "$httpd" "$port" "$@" >/dev/null 2>&1
	hpid[$name]=$!
	lab_track $!
	for _ in $(seq 50); do
		ip netns exec "$SRV" python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" \
			2>/dev/null && return 0
		sleep 0.1
	done
	echo "FAIL: httpd $name on port $port did not start"
	return 1
}
stop_httpd() {
	local p=${hpid[$1]:-}
	[ -n "$p" ] || return 0
	lab_stop_pid "$p"
	hpid[$1]=
}

ctl() { ip netns exec "$SRV" "$swervectl" -s "$tmp/control.sock" "$@"; }
# ep_field RECORD ENDPOINT PATH: one field of one endpoint from `failover-show --json` (PATH
# like "drained" or "last_check.reason"); "MISSING" when the record, endpoint or field is absent.
ep_field() {
	ctl --json failover-show "$1" | python3 -c '
import json, sys
rec, ep, path = sys.argv[1:4]
try:
    for r in json.load(sys.stdin)["records"]:
        if r["name"].rstrip(".") != rec:
            continue
        for e in r["endpoints"]:
            if e["name"] == ep:
                v = e
                for k in path.split("."):
                    v = v[k]
                print(json.dumps(v) if not isinstance(v, str) else v)
                sys.exit(0)
except (KeyError, TypeError, ValueError):
    pass
print("MISSING")
' "$1" "$2" "$3"
}
METRICS=127.0.0.1:19109
# flip_metric NAME: NAME's sample for flip.example.test AAAA from the metrics endpoint; "absent"
# when there is none.
flip_metric() {
	ip netns exec "$SRV" curl -sf "http://$METRICS/metrics" |
		awk -v m="$1" 'index($0, m "{") == 1 && /record="flip\.example\.test\.?"/ && /type="AAAA"/ {
			v = $NF; f = 1 } END { print f ? v + 0 : "absent" }'
}
cdig() { ip netns exec "$SWERVE_NS" dig +time=1 +tries=3 @198.18.0.53 "$@"; }
# The served addresses, sorted and space-separated; "SERVFAIL" for a server failure.
addrs() {
	local out
	out=$(cdig +noall +answer +comments "$1" "${2:-A}")
	if echo "$out" | grep -q 'status: SERVFAIL'; then
		echo SERVFAIL
		return
	fi
	echo "$out" | awk '$4 == "A" || $4 == "AAAA" {print $5}' | sort | tr '\n' ' ' | sed 's/ $//'
}
# The TTL of the first answer record.
ttl_of() { cdig +noall +answer "$1" "${2:-A}" | awk 'NR == 1 {print $2}'; }
# wait_for NAME WANT SECONDS: poll until the served addresses are WANT; prints the time taken (ms).
wait_for() {
	local name=$1 want=$2 limit_ms=$(($3 * 1000)) t0 now got
	t0=$(date +%s%3N)
	while :; do
		got=$(addrs "$name")
		if [ "$got" = "$want" ]; then
			now=$(date +%s%3N)
			echo $((now - t0))
			return 0
		fi
		now=$(date +%s%3N)
		[ $((now - t0)) -gt "$limit_ms" ] && { echo "timeout (last: '$got')"; return 1; }
		sleep 0.05
	done
}

# ---- certificates: a test CA, then leaves valid, expired and for another host name ----
mkcerts() {
	local d=$tmp/pki
	mkdir -p "$d/new"
	: >"$d/index.txt"
	echo 01 >"$d/serial"
	cat >"$d/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $d
database = $d/index.txt
new_certs_dir = $d/new
serial = $d/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[ any ]
commonName = supplied
CNF
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 30 \
		-subj "/CN=swerve test CA" >/dev/null 2>&1 || return 1
	leaf() { # NAME HOST START END
		openssl req -newkey rsa:2048 -nodes -keyout "$d/$1.key" -out "$d/$1.csr" -subj "/CN=$2" \
			-addext "subjectAltName=DNS:$2" >/dev/null 2>&1 &&
			openssl ca -batch -config "$d/ca.cnf" -cert "$d/ca.pem" -keyfile "$d/ca.key" \
				-in "$d/$1.csr" -out "$d/$1.pem" -startdate "$3" -enddate "$4" >/dev/null 2>&1
	}
	leaf ok tls.example.test 20250101000000Z 20991231000000Z &&
		leaf expired tls.example.test 20200101000000Z 20210101000000Z &&
		leaf wronghost other.example.test 20250101000000Z 20991231000000Z &&
		leaf soon tls.example.test 20250101000000Z "$(date -u -d '+3 days' +%Y%m%d%H%M%SZ)"
}

fo_yaml() {
	cat <<YAML
failover:
  state-file: $tmp/failover.json
  records:
    - name: web.example.test
      type: A
      ttl: 30
      degraded-ttl: 5
      check: {kind: http, interval-ms: $INTERVAL, timeout-ms: 200, rise: $RISE, fall: $FALL, path: /health}
      pools:
        - name: primary
          endpoints:
            - {address: 198.18.1.10, name: web1, check-address: 127.0.0.1, check-port: $P_WEB1}
        - name: backup
          endpoints:
            - {address: 198.18.1.20, name: web2, check-address: 127.0.0.1, check-port: $P_WEB2}
    - name: tls.example.test
      type: A
      all-down: servfail
      check: {kind: https, interval-ms: $INTERVAL, timeout-ms: 250, rise: 1, fall: 1, host: tls.example.test,
              ca-file: $tmp/pki/ca.pem, min-cert-days: 7}
      initial: down
      pools:
        - name: all
          endpoints:
            - {address: 198.18.2.1, name: valid, check-address: 127.0.0.1, check-port: $P_TLS_OK}
            - {address: 198.18.2.2, name: expired, check-address: 127.0.0.1, check-port: $P_TLS_EXP}
            - {address: 198.18.2.3, name: wronghost, check-address: 127.0.0.1, check-port: $P_TLS_HOST}
            - {address: 198.18.2.4, name: soon, check-address: 127.0.0.1, check-port: $P_TLS_SOON}
    - name: http503.example.test
      type: A
      all-down: servfail
      initial: down
      check: {kind: http, interval-ms: $INTERVAL, timeout-ms: 200, rise: 1, fall: 1}
      pools:
        - endpoints: [{address: 198.18.3.1, check-address: 127.0.0.1, check-port: $P_503}]
    - name: tcp503.example.test
      type: A
      all-down: servfail
      initial: down
      check: {kind: tcp, interval-ms: $INTERVAL, timeout-ms: 200, rise: 1, fall: 1, port: $P_503}
      pools:
        - endpoints: [{address: 198.18.3.2, check-address: 127.0.0.1}]
    - name: first.example.test
      type: A
      all-down: first-pool
      check: {kind: manual}
      pools:
        - {name: p0, endpoints: [{address: 198.18.4.1, name: a}]}
        - {name: p1, endpoints: [{address: 198.18.4.2, name: b}]}
    - name: all.example.test
      type: A
      all-down: serve-all
      check: {kind: manual}
      pools:
        - {name: p0, endpoints: [{address: 198.18.5.1, name: a}]}
        - {name: p1, endpoints: [{address: 198.18.5.2, name: b}]}
    - name: none.example.test
      type: A
      all-down: servfail
      check: {kind: manual}
      pools:
        - {name: p0, endpoints: [{address: 198.18.6.1, name: a}]}
        - {name: p1, endpoints: [{address: 198.18.6.2, name: b}]}
    - name: flip.example.test
      type: AAAA
      ttl: 20
      degraded-ttl: 3
      check: {kind: manual}
      pools:
        - {name: p0, endpoints: [{address: "2001:db8:f::1", name: a}]}
        - {name: p1, endpoints: [{address: "2001:db8:f::2", name: b}]}
YAML
}

mkcerts || { echo "FAIL: cannot make test certificates"; exit 1; }
# Called by lab_start once the lab is up and before swerved starts: the health-check targets
# live on the server namespace's loopback, where swerved's checks run.
lab_pre_start() {
	ip -n "$SRV" link set lo up
	start_httpd web1 $P_WEB1 || exit 1
	start_httpd web2 $P_WEB2 || exit 1
	start_httpd s503 $P_503 --status 503 || exit 1
	start_httpd tlsok $P_TLS_OK --cert "$tmp/pki/ok.pem" --key "$tmp/pki/ok.key" || exit 1
	start_httpd tlsexp $P_TLS_EXP --cert "$tmp/pki/expired.pem" --key "$tmp/pki/expired.key" || exit 1
	start_httpd tlshost $P_TLS_HOST --cert "$tmp/pki/wronghost.pem" --key "$tmp/pki/wronghost.key" || exit 1
	start_httpd tlssoon $P_TLS_SOON --cert "$tmp/pki/soon.pem" --key "$tmp/pki/soon.key" || exit 1
}
lab_start -m "$METRICS" "$(fo_yaml)"

# ---- the primary serves, with the full TTL ----
t=$(wait_for web.example.test 198.18.1.10 5) && pass "web serves the primary" || fail "web primary: $t"
[ "$(ttl_of web.example.test)" = 30 ] && pass "full TTL 30 while the primary is up" ||
	fail "TTL with primary up: $(ttl_of web.example.test)"

# ---- stop the primary: the backup within interval x fall + one interval (+ slack for dig) ----
stop_httpd web1
limit_ms=$((INTERVAL * FALL + INTERVAL))
t=$(wait_for web.example.test 198.18.1.20 5)
if [ $? -eq 0 ] && [ "$t" -le $((limit_ms + 400)) ]; then
	pass "backup served ${t} ms after the primary stopped (bound ${limit_ms} ms + 400 ms query slack)"
else
	fail "backup after primary stop: $t (bound ${limit_ms} ms)"
fi
[ "$(ttl_of web.example.test)" = 5 ] && pass "degraded TTL 5 on the backup" ||
	fail "degraded TTL: $(ttl_of web.example.test)"
ctl events | grep -q web1 && pass "events show web1's transition" || fail "no web1 event"

# ---- start it again: back after rise successes ----
start_httpd web1 $P_WEB1
t=$(wait_for web.example.test 198.18.1.10 5) && pass "primary back after ${t} ms (rise $RISE)" ||
	fail "primary not back: $t"

# ---- https: only the certificate that is valid for the name and not expiring soon counts ----
t=$(wait_for tls.example.test 198.18.2.1 5) && pass "https: only the valid certificate is healthy" ||
	fail "https endpoints: $t"
# Each endpoint's own last check: the reason text, not the endpoint's name (one is "expired").
r_exp=$(ep_field tls.example.test expired last_check.reason)
r_soon=$(ep_field tls.example.test soon last_check.reason)
r_host=$(ep_field tls.example.test wronghost last_check.reason)
r_ok=$(ep_field tls.example.test valid last_check.ok)
if [ "$(ep_field tls.example.test expired last_check.ok)" = false ] &&
	echo "$r_exp" | grep -qi 'certificate has expired'; then
	pass "failover-show gives the expired endpoint's reason: $r_exp"
else
	fail "expired endpoint's last check: $(ep_field tls.example.test expired last_check)"
fi
echo "$r_soon" | grep -q 'certificate expires in [0-9]* days (< 7)' &&
	pass "failover-show gives the soon-expiring endpoint's reason: $r_soon" ||
	fail "soon endpoint's reason: $r_soon"
echo "$r_host" | grep -qi 'name\|host' && ! echo "$r_host" | grep -qi expire &&
	pass "failover-show gives the wrong-host endpoint's reason: $r_host" ||
	fail "wronghost endpoint's reason: $r_host"
[ "$r_ok" = true ] && pass "the valid endpoint's last check passed" || fail "valid endpoint: $r_ok"

# ---- a port that answers 503: down for http, up for tcp ----
t=$(wait_for http503.example.test SERVFAIL 5) && pass "HTTP 503 is unhealthy for an http check" ||
	fail "http check on 503: $t"
t=$(wait_for tcp503.example.test 198.18.3.2 5) && pass "HTTP 503 port is healthy for a tcp check" ||
	fail "tcp check on 503: $t"

# ---- all-down policies (manual checks) ----
for r in first all none; do
	ctl endpoint-set $r.example.test a down >/dev/null || fail "endpoint-set $r a down"
	ctl endpoint-set $r.example.test b down >/dev/null || fail "endpoint-set $r b down"
done
t=$(wait_for first.example.test 198.18.4.1 3) && pass "all down, first-pool: pool 0 served" || fail "first-pool: $t"
t=$(wait_for all.example.test "198.18.5.1 198.18.5.2" 3) && pass "all down, serve-all: every endpoint" ||
	fail "serve-all: $t"
t=$(wait_for none.example.test SERVFAIL 3) && pass "all down, servfail: SERVFAIL" || fail "servfail: $t"
ctl endpoint-set none.example.test b up >/dev/null
t=$(wait_for none.example.test 198.18.6.2 3) && pass "one backup up: it is served" || fail "backup up: $t"
ctl endpoint-set set-nothing.example.test a up >/dev/null 2>&1 && fail "endpoint-set on an unknown record succeeded" ||
	pass "endpoint-set on an unknown record fails"
ctl endpoint-set web.example.test web1 down >/dev/null 2>&1 && fail "endpoint-set on an http check succeeded" ||
	pass "endpoint-set refused for a non-manual check"

# ---- drain, force, auto ----
ctl endpoint-drain web1 web.example.test >/dev/null && pass "drain web1" || fail "drain web1"
t=$(wait_for web.example.test 198.18.1.20 3) && pass "drained primary: backup served" || fail "drain: $t"
[ "$(ep_field web.example.test web1 drained)" = true ] && [ "$(ep_field web.example.test web2 drained)" = false ] &&
	pass "failover-show shows web1 drained (and web2 not)" ||
	fail "drain not in failover-show: web1 drained=$(ep_field web.example.test web1 drained) web2 drained=$(ep_field web.example.test web2 drained)"

# ---- restart swerved: the drain survives ----
srv_restart() {
	lab_stop_pid "$pid" 10 INT
	lab_swerved_start -a
	lab_wait_answer www.example.test A 192.0.2.80
}
srv_restart || fail "swerved did not come back"
[ "$(addrs web.example.test)" = 198.18.1.20 ] && [ "$(ep_field web.example.test web1 drained)" = true ] &&
	pass "drain restored after a restart" ||
	fail "after restart: $(addrs web.example.test), web1 drained=$(ep_field web.example.test web1 drained)"
ctl endpoint-undrain web1 web.example.test >/dev/null || fail "undrain"
t=$(wait_for web.example.test 198.18.1.10 5) && pass "undrained: primary again" || fail "undrain: $t"
ctl failover-force web.example.test backup >/dev/null && pass "force backup" || fail "force backup"
t=$(wait_for web.example.test 198.18.1.20 3) && pass "forced pool served with primary healthy" || fail "force: $t"
ctl failover-force web.example.test nosuchpool >/dev/null 2>&1 && fail "force to an unknown pool succeeded" ||
	pass "force to an unknown pool fails"
ctl failover-auto web.example.test >/dev/null && pass "auto" || fail "auto"
t=$(wait_for web.example.test 198.18.1.10 3) && pass "auto: health decides again" || fail "auto: $t"

# ---- 1000 flips of a manual check under dnsperf load ----
printf 'flip.example.test AAAA\nwww.example.test A\n' >"$tmp/q.txt"
ip netns exec "$SWERVE_NS" dnsperf -s 198.18.0.53 -d "$tmp/q.txt" -l 25 -Q 5000 -c 4 -t 2 \
	>"$tmp/dnsperf.txt" 2>&1 &
loadpid=$!
lab_track $loadpid
# A checker that validates every answer it gets: exactly one of the two valid RRsets, well formed.
cat >"$tmp/check.py" <<'PY'
import random, socket, struct, sys, time
valid = {(b"\x20\x01\x0d\xb8\x00\x0f" + b"\0" * 9 + b"\x01", 20),
         (b"\x20\x01\x0d\xb8\x00\x0f" + b"\0" * 9 + b"\x02", 3)}
qname = b"".join(bytes([len(l)]) + l for l in b"flip.example.test".split(b".")) + b"\0"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
deadline = time.time() + float(sys.argv[1])
n = bad = lost = 0
seen = set()
while time.time() < deadline:
    qid = random.randrange(65536)
    s.sendto(struct.pack(">HHHHHH", qid, 0x0000, 1, 0, 0, 0) + qname + struct.pack(">HH", 28, 1),
             ("198.18.0.53", 53))
    try:
        r = s.recv(4096)
    except socket.timeout:
        lost += 1
        continue
    n += 1
    rid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", r[:12])
    off = 12 + len(qname) + 4
    if rid != qid or flags & 0xF != 0 or qd != 1 or an != 1 or r[12:off - 4] != qname:
        bad += 1
        continue
    if r[off:off + 2] != b"\xc0\x0c":
        bad += 1
        continue
    rtype, rclass, ttl, rdlen = struct.unpack(">HHIH", r[off + 2:off + 12])
    rdata = r[off + 12:off + 12 + rdlen]
    if rtype != 28 or rclass != 1 or rdlen != 16 or off + 12 + rdlen != len(r) or (rdata, ttl) not in valid:
        bad += 1
        continue
    seen.add((rdata[-1], ttl))
print(f"answers={n} bad={bad} lost={lost} variants={sorted(seen)}")
sys.exit(1 if bad or lost or n == 0 else 0)
PY
ip netns exec "$SWERVE_NS" python3 "$tmp/check.py" 22 >"$tmp/check.txt" 2>&1 &
checkpid=$!
sleep 1
m_pub=swerve_failover_publishes_total
m_tr=swerve_failover_transitions_total
pub0=$(flip_metric "$m_pub")
tr0=$(flip_metric "$m_tr")
if [ "$pub0" = absent ] || [ "$tr0" = absent ]; then
	fail "no flip.example.test samples in the metrics"
	pub0=0 tr0=0
fi
t0=$(date +%s%3N)
for i in $(seq 500); do
	ctl endpoint-set flip.example.test a down >/dev/null
	ctl endpoint-set flip.example.test a up >/dev/null
done
t1=$(date +%s%3N)
sleep 0.2 # the last coalesced publish (50 ms window)
pubs=$(flip_metric "$m_pub")
trs=$(flip_metric "$m_tr")
[ "$pubs" = absent ] && pubs=0
[ "$trs" = absent ] && trs=0
pubs=$((pubs - pub0))
trs=$((trs - tr0))
# Every flip changes the pool served; publishes coalesce within 50 ms (FO_COALESCE_MS: one
# publish, then at most one per window with whatever is current, none when that is what is
# served), so there are at most 1000 and at most one per 50 ms (+2), each a transition, and
# at least one each way.
max_pubs=$(((t1 - t0) / 50 + 2))
[ "$max_pubs" -gt 1000 ] && max_pubs=1000
if [ "$pubs" -ge 2 ] && [ "$pubs" -le "$max_pubs" ] && [ "$pubs" -eq "$trs" ]; then
	pass "1000 flips in $((t1 - t0)) ms: $pubs publishes, each a pool change (metrics)"
else
	fail "flips: $pubs publishes and $trs transitions in the metrics (want 2..$max_pubs, equal)"
fi
[ "$(ep_field flip.example.test a health)" = up ] && [ "$(addrs flip.example.test AAAA)" = 2001:db8:f::1 ] &&
	pass "after the flips: a up and served" || fail "after the flips: $(addrs flip.example.test AAAA)"
if wait "$checkpid"; then
	# Both answers must have been seen at the dataplane while flipping: (last octet, TTL).
	if grep -q 'variants=\[(1, 20), (2, 3)\]' "$tmp/check.txt"; then
		pass "every checked answer valid, both addresses seen: $(cat "$tmp/check.txt")"
	else
		fail "both addresses not seen in answers: $(cat "$tmp/check.txt")"
	fi
else
	fail "answer check: $(cat "$tmp/check.txt")"
fi
wait "$loadpid"
lab_untrack "$loadpid"
lost=$(awk '/Queries lost:/ {print $3}' "$tmp/dnsperf.txt")
completed=$(awk '/Queries completed:/ {print $3}' "$tmp/dnsperf.txt")
if [ "${lost:-x}" = 0 ] && [ "${completed:-0}" -gt 0 ]; then
	pass "dnsperf under flips: $completed completed, 0 lost"
else
	fail "dnsperf under flips: completed=$completed lost=$lost"
	cat "$tmp/dnsperf.txt"
fi
ctl --json failover-show flip.example.test >/dev/null && pass "failover-show after the flips" ||
	fail "failover-show after flips"

lab_shutdown
lab_verdict
