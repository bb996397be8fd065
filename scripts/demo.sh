#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The README run command: bring up the lab, serve the example zone on net_af_xdp (or net_af_packet) until Ctrl-C.
#
# usage: demo.sh [--scripted] [--driver af_xdp|af_packet]
#
# First runs scripts/setup.sh (installs missing Debian packages, builds
# build/; quick when nothing is missing), unless $BUILD names a tree built
# already (the test suite does that). Brings up the lab of docs/lab.md with scripts/lab.sh,
# starts swerved on net_af_xdp on the lab's DPDK side (net_af_packet when
# af_xdp cannot start), serving control/example/swerve.yaml, and prints the
# dig/kdig/dnsperf commands to try from the client namespace. It stays in the
# foreground until Ctrl-C; whatever happens, swerved is stopped (by PID) and
# the lab removed.
#
# The example config has a failover record, app.example.com, whose primary and
# backup endpoints are checked over HTTP on 127.0.0.1:8081 and :8082: the demo
# starts a small HTTP server on each (tests/integration/httpd.py), where
# swerved runs, and says how to stop the primary and watch the answer move.
#
# --scripted: instead of waiting, run a few queries and a 10 s dnsperf, then
# stop the primary's HTTP server, show the answer moving to the backup (with
# swervectl's view of it) and back once the primary returns, print the results
# and exit 0 when everything behaved (for the test suite). It uses a control
# socket and state file of its own, so it never touches a running swerve.
#
# Environment: BUILD (build directory), SWERVE_CONFIG (another config),
# SWERVE_LAB / SWERVE_NS / SWERVE_SRV ... (lab names, see scripts/lab.sh),
# SWERVE_DEMO_LCORES (EAL lcore map, default "0@0,1@1": main lcore on CPU 0,
# one worker on CPU 1).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
# shellcheck source=tests/common/lab.sh
. "$top/tests/common/lab.sh"
httpd=$top/tests/integration/httpd.py
config=${SWERVE_CONFIG:-$top/control/example/swerve.yaml}
lcores=${SWERVE_DEMO_LCORES:-0@0,1@1}

scripted=0
driver=auto
while [ $# -gt 0 ]; do
	case "$1" in
	--scripted) scripted=1 ;;
	--driver)
		driver=${2:-}
		shift
		;;
	*)
		echo "usage: $0 [--scripted] [--driver af_xdp|af_packet]" >&2
		exit 2
		;;
	esac
	shift
done
case "$driver" in
auto | af_xdp | af_packet) ;;
*) echo "demo: unknown driver '$driver'" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (network namespaces, DPDK)" >&2
	exit 2
fi
if [ -z "${BUILD:-}" ]; then
	"$top/scripts/setup.sh" || { echo "demo: setup failed" >&2; exit 1; }
fi
if [ ! -x "$swerved" ]; then
	echo "demo: $swerved not found: build first (scripts/setup.sh), or set BUILD" >&2
	exit 2
fi

# The lab's names from the environment (see tests/common/lab.sh); lab_cleanup, the EXIT trap,
# stops swerved and the HTTP servers by PID and removes the lab, the DPDK files and $tmp.
LAB_PREFIX=swerve-demo-$$
lab_init "" /tmp/swerve-demo.XXXXXX
primary_pid=
ctlsock=/run/swerve/control.sock
if [ "$scripted" -eq 1 ]; then
	# A private socket and state file: the show must not disturb, or be
	# disturbed by, a swerve the operator runs with the example config.
	ctlsock=$tmp/control.sock
	sed -e "s#/run/swerve/control.sock#$ctlsock#" \
		-e "s#/run/swerve/failover.json#$tmp/failover.json#" \
		-e "s#/run/swerve/table.img#$tmp/table.img#" \
		-e "s#^\(    listen:\).*#\1 ~#" \
		-e "s#^\(      *file:\) \([^/].*\)#\1 $(dirname "$config")/\2#" \
		"$config" >"$tmp/swerve.yaml"
	config=$tmp/swerve.yaml
fi

lab_on_exit()
{
	# Ctrl-C also stopped the log follower: show how swerved ended.
	if [ "$scripted" -eq 0 ] && [ "$LAB_STOPPED_SWERVED" = 1 ]; then
		sed -n '/shutting down/,$p' "$log"
	fi
}

incl() { lab_cl "$@"; }
ctl() { lab_srv "$swervectl" -s "$ctlsock" "$@"; }

# The failover record's endpoints: HTTP servers where swerved (and so its health checks) runs.
# Started in this shell (so the cleanup can stop them): the PID is in http_pid.
http_pid=
start_http()
{
	lab_srv_bg python3 "$httpd" "$1" >/dev/null 2>&1
	http_pid=$!
	lab_track "$http_pid"
	for _ in $(seq 50); do
		if lab_srv python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.2)" \
			2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	lab_stop_pid "$http_pid"
	return 1
}

# Start swerved on one driver and wait until it answers; returns non-zero if it does not.
start()
{
	local vdev

	case "$1" in
	af_xdp) vdev="net_af_xdp0,iface=$SWERVE_DP" ;;
	af_packet) vdev="net_af_packet0,iface=$SWERVE_DP" ;;
	esac
	echo "demo: starting swerved on $1 ($SWERVE_DP)"
	lab_swerved_start -l "$lcores" -v "$vdev" -c "$config"
	if [ "$scripted" -eq 0 ]; then
		tail -n +1 -f "$log" --pid "$pid" &
	fi
	if lab_wait_answer -n 40 example.com SOA; then
		return 0
	fi
	lab_stop_pid "$pid" 10 INT
	pid=
	return 1
}

lab_up >/dev/null || { echo "demo: cannot bring up the lab" >&2; exit 1; }
lab_srv ip link set lo up
start_http 8081 && primary_pid=$http_pid ||
	echo "demo: cannot start the primary's HTTP server on 127.0.0.1:8081" >&2
start_http 8082 || echo "demo: cannot start the backup's HTTP server on 127.0.0.1:8082" >&2
used=
for d in af_xdp af_packet; do
	[ "$driver" = auto ] || [ "$driver" = "$d" ] || continue
	if start "$d"; then
		used=$d
		break
	fi
	echo "demo: swerved did not come up on $d; its log:"
	sed 's/^/  | /' "$log"
done
if [ -z "$used" ]; then
	echo "demo: swerved did not start" >&2
	exit 1
fi

cat >"$tmp/queries.txt" <<EOF
www.example.com A
www.example.com AAAA
example.com MX
example.com NS
ftp.example.com A
api.example.com A
acme.customers.example.com A
shop.customers.example.com A
nothere.example.com A
_sip._tcp.example.com SRV
EOF

if [ "$scripted" -eq 0 ]; then
	cat <<EOF

swerved is serving example.com on $used ($SWERVE_DP), service $SERVICE4 and $SERVICE6.
Try, from another terminal (as root):

  ip netns exec $SWERVE_NS dig @$SERVICE4 www.example.com
  ip netns exec $SWERVE_NS dig @$SERVICE6 www.example.com AAAA
  ip netns exec $SWERVE_NS dig @$SERVICE4 nothere.example.com
  ip netns exec $SWERVE_NS dig @$SERVICE4 shop.customers.example.com
  ip netns exec $SWERVE_NS dig @$SERVICE4 www.example.com +tcp
  ip netns exec $SWERVE_NS kdig @$SERVICE4 example.com MX
  ip netns exec $SWERVE_NS ping -c 3 $SERVICE4
  ip netns exec $SWERVE_NS dnsperf -s $SERVICE4 -d $tmp/queries.txt -l 10

Failover: app.example.com serves the primary (198.18.1.10) while its HTTP
check on 127.0.0.1:8081 passes. Stop that server and the answer moves to the
backup (198.18.1.20, TTL 10) within about 3 s; start it again and it comes back:

  ip netns exec $SWERVE_NS dig @$SERVICE4 app.example.com +noall +answer
  kill $primary_pid                                   # the primary's HTTP server
  $swervectl failover-show app.example.com
  $swervectl events
  python3 $httpd 8081 &                               # the primary is back
  $swervectl endpoint-drain primary-1                 # or take it out by hand
  $swervectl endpoint-undrain primary-1
  $swervectl status
  curl -s http://127.0.0.1:9153/metrics | grep swerve_endpoint_up

Ctrl-C stops swerved and removes the lab.
EOF
	wait "$pid"
	rc=$?
	pid=
	exit "$rc"
fi

# --scripted: a short show, then the verdict.
failures=0
# show RCODE ANSWER DIG_ARGS...: the status and the answer section (its records as "TYPE RDATA",
# sorted, joined by " | "; "-" for none) must be what control/example/example.com.zone gives.
show()
{
	local want=$1 want_an=$2
	shift 2
	local out an

	echo "\$ dig $*"
	out=$(incl dig +time=2 +tries=2 "$@" 2>&1)
	echo "$out" | grep -E 'status:|flags:|^[^;].*IN' | sed 's/^/    /'
	an=$(echo "$out" | awk '/ANSWER SECTION/ { f = 1; next } /^$/ { f = 0 } f && !/^;/ { print $4, $5 }' |
		sort | sed ':a;N;$!ba;s/\n/ | /g')
	echo "    answer: ${an:--}"
	if ! echo "$out" | grep -q "status: $want"; then
		echo "    FAIL: expected $want"
		failures=$((failures + 1))
	fi
	if [ "${an:--}" != "$want_an" ]; then
		echo "    FAIL: expected the answer $want_an"
		failures=$((failures + 1))
	fi
}
show NOERROR "A 198.18.0.80" @"$SERVICE4" www.example.com A
show NOERROR "AAAA 2001:2::80" @"$SERVICE6" www.example.com AAAA
show NOERROR "A 198.18.0.80 | CNAME www.example.com." @"$SERVICE4" ftp.example.com A
show NOERROR "A 198.18.0.90" @"$SERVICE4" shop.customers.example.com A
show NXDOMAIN - @"$SERVICE4" nothere.example.com A
show REFUSED - @"$SERVICE4" www.example.org A
echo "\$ dnsperf -s $SERVICE4 -l 10"
out=$(incl dnsperf -s "$SERVICE4" -d "$tmp/queries.txt" -l 10 -c 4 -q 64 2>&1)
echo "$out" | grep -E 'Queries (sent|completed|lost)|Queries per second|Average Latency' |
	sed 's/^/    /'
completed=$(echo "$out" | awk '/Queries completed:/ {print $3}')
if [ -z "$completed" ] || [ "$completed" -eq 0 ]; then
	echo "    FAIL: dnsperf got no answers"
	echo "$out" | sed 's/^/    | /'
	failures=$((failures + 1))
fi

# Failover: the primary's HTTP server goes away, the answer moves, then returns.
# The answer as "ADDRESS... ttl TTL" (addresses sorted; "none" when there is no A record).
app()
{
	local out a
	out=$(incl dig +time=1 +tries=2 +noall +answer @"$SERVICE4" app.example.com A 2>/dev/null)
	a=$(echo "$out" | awk '$4 == "A" { print $5 }' | sort | tr '\n' ' ' | sed 's/ $//')
	[ -n "$a" ] && echo "$a ttl $(echo "$out" | awk '$4 == "A" { print $2; exit }')" || echo none
}
# wait_app ADDRESS TTL: until the answer is exactly that address with that TTL (10 s at most).
wait_app()
{
	local want="$1 ttl $2" i got
	for i in $(seq 100); do
		got=$(app)
		if [ "$got" = "$want" ]; then
			echo "    app.example.com: $got (after $((i * 100)) ms)"
			return 0
		fi
		sleep 0.1
	done
	echo "    FAIL: app.example.com never served $want: $got"
	failures=$((failures + 1))
	return 1
}
echo "\$ dig app.example.com (primary 198.18.1.10 healthy)"
wait_app 198.18.1.10 30
echo "\$ kill $primary_pid   # the primary's HTTP server"
lab_stop_pid "$primary_pid"
primary_pid=
wait_app 198.18.1.20 10
echo "\$ swervectl failover-show app.example.com"
ctl failover-show app.example.com 2>&1 | sed 's/^/    /'
echo "\$ python3 httpd.py 8081   # the primary comes back"
start_http 8081 || { echo "    FAIL: cannot restart the primary"; failures=$((failures + 1)); }
wait_app 198.18.1.10 30
echo "\$ swervectl events"
ctl events 2>&1 | tail -n 6 | sed 's/^/    /'
echo "\$ swervectl stats"
ctl stats 2>&1 | head -n 20 | sed 's/^/    /'
if [ "$failures" -eq 0 ]; then
	echo "demo: all answered and failed over (swerved on $used)"
	exit 0
fi
echo "demo: $failures check(s) failed; swerved log:"
sed 's/^/  | /' "$log"
exit 1
