#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Scale benchmark (issue 6, benchmark 4): load time, memory per name and reload time of swerved, Knot DNS and NSD on one zone file.
#
#   perf/bench_scale.sh [-b BUILD] [-z NAMES] [-p "swerved swerved-trim knot nsd"] [-N NICE]
#                       [-D af_xdp|af_packet] [-o OUTDIR]
#
# The zone is perf/gen_zone.py NAMES (default 1000000, the default mix) in a
# temporary directory; a 10-name zone from the same generator is the baseline.
# For each server, on the lab of perf/bench_lab.sh (perf/bench_peers.sh: veth,
# server namespace, server under taskset -c 1, Knot and NSD on a kernel UDP
# socket):
#   check    the offline zone check on CPU 1, wall time: swerved --check (parse,
#            build the table, no EAL), knotc zone-check, nsd-checkzone
#   first    time from launching the daemon to its first right answer for
#            host-0 (a UDP probe from the client namespace every 5 ms), with
#            the big zone and with the baseline zone; "load" is the difference,
#            so the fixed start-up cost (EAL, AF_XDP, sockets) cancels out
#   memory   PSS (proportional set size, /proc/PID/smaps_rollup: shared pages
#            split between the processes, so NSD's forked server is not counted
#            twice) summed over every process in the server namespace once the
#            zone answers, big zone minus baseline, divided by NAMES; RSS too
#   reload   the zone file's SOA serial is bumped and the server asked to
#            reload (swervectl zone-reload, knotc zone-reload, nsd-control
#            reload): time until the probe sees the new serial; PSS after it
# swerved runs with idle back-off 50 us so its worker does not spin while the
# probe and the reload share CPU 1 with it. "swerved-trim" is the same binary
# with GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456: ldns mallocs and
# frees a 64 KiB line buffer per record, and with glibc's default 128 KiB trim
# threshold each free can shrink the heap and the next record grow it again
# (two brk calls per record); the row shows what that costs. Every process is started and
# stopped by PID; the lab and the temporary directory go away on exit. -N
# runs the servers, the offline checks and the probe at that nice level
# (default 0), e.g. -N -10 on a machine shared with other jobs. About
# 1.5 minutes for 1M names (most of it generating the zone and the servers'
# own loads).

set -u

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=$src/build
names=1000000
servers="swerved swerved-trim knot nsd"
nice=0
driver=auto
outdir=

usage()
{
	sed -n '4,5p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while getopts "b:z:p:N:D:o:h" o; do
	case $o in
	b) build=$OPTARG ;;
	z) names=$OPTARG ;;
	p) servers=$OPTARG ;;
	N) nice=$OPTARG ;;
	D) driver=$OPTARG ;;
	o) outdir=$OPTARG ;;
	*) usage ;;
	esac
done
case "$driver" in
auto | af_xdp | af_packet) ;;
*) usage ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "bench_scale: run as root (network namespaces, DPDK)" >&2
	exit 2
fi
swerved=$build/control/swerved
for f in "$swerved" "$build/control/swervectl"; do
	if [ ! -x "$f" ]; then
		echo "bench_scale: $f not found (meson setup $build && ninja -C $build)" >&2
		exit 2
	fi
done

tmp=$(mktemp -d /tmp/swerve-benchscale.XXXXXX)
zone=$tmp/base.zone
results=$tmp/results
probe_pid=
# shellcheck source=perf/bench_peers.sh
. "$here/bench_peers.sh"

cleanup()
{
	trap - EXIT INT TERM
	[ -n "$probe_pid" ] && kill "$probe_pid" 2>/dev/null
	peers_cleanup
	if [ -n "$outdir" ]; then
		mkdir -p "$outdir" && cp -r "$tmp"/. "$outdir"/
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The probe: asks QNAME/QTYPE every 5 ms until the answer carries WANT (the
# A address, or the SOA serial), then prints the seconds since T0.
cat >"$tmp/probe.py" <<'EOF'
import random, select, socket, struct, sys, time

server, qname, qtype, want, t0, limit = sys.argv[1:7]
t0, limit = float(t0), float(limit)
code = {"A": 1, "SOA": 6}[qtype]
wire = b"".join(bytes([len(l)]) + l.encode() for l in qname.rstrip(".").split(".")) + b"\0"


def skip_name(m, i):
    while m[i]:
        if m[i] & 0xC0 == 0xC0:
            return i + 2
        i += m[i] + 1
    return i + 1


def matches(m):
    if len(m) < 12 or m[3] & 0x0F or struct.unpack("!H", m[6:8])[0] == 0:
        return False
    i = skip_name(m, 12) + 4
    i = skip_name(m, i)
    rtype, _, _, rdlen = struct.unpack("!HHIH", m[i:i + 10])
    rd = m[i + 10:i + 10 + rdlen]
    if rtype != code:
        return False
    if code == 1:
        return socket.inet_ntoa(rd) == want
    j = skip_name(rd, skip_name(rd, 0))
    return str(struct.unpack("!I", rd[j:j + 4])[0]) == want


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while time.time() - t0 < limit:
    qid = random.randrange(65536)
    s.sendto(struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + wire + struct.pack("!HH", code, 1),
             (server, 53))
    end = time.time() + 0.005
    while True:
        left = end - time.time()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        m = s.recv(4096)
        if m[:2] == struct.pack("!H", qid) and matches(m):
            print("%.3f" % (time.time() - t0))
            sys.exit(0)
print("timeout")
sys.exit(1)
EOF

# Start the probe in the client namespace once the daemon is launched.
probe_start()
{
	incl nice -n "$nice" taskset -c 0 python3 "$tmp/probe.py" "$SERVICE4" "$1" "$2" "$3" "$4" 120 \
		>"$tmp/probe.out" 2>&1 &
	probe_pid=$!
}

# probe_wait VAR: wait for the probe, put what it printed in VAR.
probe_wait()
{
	wait "$probe_pid"
	probe_pid=
	printf -v "$1" '%s' "$(cat "$tmp/probe.out")"
}

peer_launched()
{
	# swerved falling back from af_xdp to af_packet launches twice.
	[ -n "$probe_pid" ] && kill "$probe_pid" 2>/dev/null && wait "$probe_pid" 2>/dev/null
	probe_start "$probe_name" A "$probe_addr" "$t_launch"
}

# PSS and RSS in kB summed over the server namespace.
srv_mem()
{
	local p pss=0 rss=0 a b
	for p in $(ip netns pids "$SWERVE_SRV" 2>/dev/null); do
		a=$(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup 2>/dev/null)
		b=$(awk '/^VmRSS:/ {print $2}' /proc/"$p"/status 2>/dev/null)
		pss=$((pss + ${a:-0}))
		rss=$((rss + ${b:-0}))
	done
	echo "$pss $rss"
}

start_peer()
{
	swerved_env=
	case $1 in
	swerved) start_swerved 50 ;;
	swerved-trim)
		# The same binary with glibc's heap trimming pushed out of the way: ldns
		# mallocs and frees a 64 KiB line buffer per record, and with the default
		# 128 KiB trim threshold every free shrinks the heap (brk) and the next
		# record grows it again.
		swerved_env=GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456
		start_swerved 50
		mode="$mode, trim_threshold 256 MiB"
		;;
	knot) start_knot udp ;;
	nsd) start_nsd ;;
	esac
}

# Offline check of $zone, on CPU 1; prints the wall seconds (or "failed").
check_time()
{
	local t0 t1 rc
	t0=$(date +%s.%N)
	case $1 in
	swerved | swerved-trim)
		swerved_conf 50 >"$tmp/check.yaml"
		swerved_env=
		[ "$1" = swerved-trim ] && swerved_env=GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456
		# shellcheck disable=SC2086
		nice -n "$nice" taskset -c 1 env ${swerved_env} "$swerved" --check -c "$tmp/check.yaml" >"$tmp/check-$1.log" 2>&1
		;;
	knot)
		mkdir -p "$tmp/knot-udp"
		knot_conf udp >"$tmp/knot-check.conf"
		nice -n "$nice" taskset -c 1 knotc -c "$tmp/knot-check.conf" zone-check bench.example \
			>"$tmp/check-$1.log" 2>&1
		;;
	nsd)
		nice -n "$nice" taskset -c 1 nsd-checkzone bench.example "$zone" >"$tmp/check-$1.log" 2>&1
		;;
	esac
	rc=$?
	t1=$(date +%s.%N)
	if [ "$rc" -ne 0 ]; then
		echo failed
		return
	fi
	awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}'
}

echo "bench_scale: zones of $names names and of 10 names"
python3 "$here/gen_zone.py" 10 "$tmp/base.zone" || exit 1
python3 "$here/gen_zone.py" "$names" "$tmp/big.zone" || exit 1
peers_init || exit 1
started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
load0=$(cut -d' ' -f1-3 /proc/loadavg)

: >"$results"
for server in $servers; do
	# Baseline: the 10-name zone; then the big zone.
	for z in base big; do
		zone=$tmp/$z.zone
		pid=
		if ! start_peer "$server"; then
			[ -n "$probe_pid" ] && kill "$probe_pid" 2>/dev/null
			probe_pid=
			eval "first_$z=failed pss_$z=0 rss_$z=0"
			continue
		fi
		pin_server >/dev/null
		probe_wait "first_$z"
		sleep 1
		read -r pss rss < <(srv_mem)
		eval "pss_$z=$pss rss_$z=$rss"
		[ "$z" = base ] && stop_server
	done
	echo "bench_scale: $server ($mode) answered after $first_base s (10 names), $first_big s ($names names)"
	check=-
	reload=-
	pss_reload=0
	if [ -n "$pid" ]; then
		# Reload: a new serial in the same file; time until it is served.
		sed -i 's/^@ IN SOA ns1 hostmaster 1 /@ IN SOA ns1 hostmaster 2 /' "$zone"
		t_reload=$(date +%s.%N)
		probe_start bench.example SOA 2 "$t_reload"
		reload_zone "$server" >"$tmp/reload-$server.log" 2>&1
		probe_wait reload
		sleep 1
		read -r pss_reload _ < <(srv_mem)
		stop_server
		sed -i 's/^@ IN SOA ns1 hostmaster 2 /@ IN SOA ns1 hostmaster 1 /' "$zone"
		check=$(check_time "$server")
	fi
	echo "$server|$mode|$first_base|$first_big|$pss_base|$pss_big|$rss_base|$rss_big|$reload|$pss_reload|$check" \
		>>"$results"
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "started $started; load average before $load0, after $load1;" \
	"servers on CPU 1, probe on CPU 0; zone of $names names ($(wc -c <"$tmp/big.zone") bytes)"
echo
awk -F'|' -v n="$names" '
function num(x) { return x ~ /^[0-9.]+$/ }
{ row[NR] = $0; if ($1 == "swerved") ref = NR }
END {
	print "| server | mode | first answer, 10 names s | first answer s | load s | load ratio | PSS MB | PSS B/name | PSS ratio | RSS B/name | reload s | PSS after reload MB | offline check s |"
	print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	if (ref) { split(row[ref], r, "|"); rload = r[4] - r[3]; rpss = (r[6] - r[5]) * 1024 / n }
	for (i = 1; i <= NR; i++) {
		split(row[i], f, "|")
		load = num(f[3]) && num(f[4]) ? f[4] - f[3] : "-"
		pssn = (f[6] - f[5]) * 1024 / n
		ls = "-"; lr = "-"; pr = "-"
		if (load != "-") ls = sprintf("%.2f", load)
		if (load != "-" && rload > 0) lr = sprintf("%.2f", load / rload)
		if (rpss > 0) pr = sprintf("%.2f", pssn / rpss)
		printf "| %s | %s | %s | %s | %s | %s | %.0f | %.0f | %s | %.0f | %s | %.0f | %s |\n",
			f[1], f[2], f[3], f[4], ls, lr, f[6] / 1024, pssn, pr,
			(f[8] - f[7]) * 1024 / n, f[9], f[10] / 1024, f[11]
	}
}' "$results"
