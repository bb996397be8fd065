#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Lab benchmark (issue 6, benchmark 2): swerved, Knot DNS (UDP and XDP) and NSD measured with dnsperf over the veth lab.
#
#   perf/bench_lab.sh [-b BUILD] [-z NAMES] [-n QUERIES] [-l SECONDS] [-Q RATE] [-c CLIENTS]
#                     [-q OUTSTANDING] [-r ROUNDS] [-N NICE] [-p "PEERS"] [-D af_xdp|af_packet]
#                     [-j JSON] [-o OUTDIR]
#
# One run measures every peer, one after the other, on the same lab, zone and
# query file:
#   swerved busy    swerved on net_af_xdp (net_af_packet if af_xdp does not come
#                   up), dataplane.idle-backoff-us: 0 (pure busy poll)
#   swerved idle    the same with dataplane.idle-backoff-us: 50
#   knot udp        knotd with one UDP worker on a kernel socket
#   knot xdp        knotd with xdp.listen on the veth end (no kernel socket, no
#                   address: every answer comes from its AF_XDP socket)
#   nsd udp         nsd with one server process, rate limiting off
#   swerved idle N  (swerved-idle-N) the same as swerved idle with
#                   idle-backoff-us: N
#   reflect         no DNS server: perf/xdp_reflect.c on the server end turns
#                   each query into a bare response in XDP (XDP_TX); the
#                   lab's own floor of latency (client, veth, scheduler)
# (-p picks some of: swerved-busy swerved-idle swerved-idle-N knot-udp knot-xdp
# nsd reflect; the default is the first five.)
#
# The lab is scripts/lab.sh with a server namespace (SWERVE_SRV): the server
# end of the veth lives there, the client end in the client namespace, nothing
# in the root namespace. Each peer gets a freshly built lab. For the kernel
# peers the server end gets ARP back and the service address 198.18.0.53/24;
# for swerved and Knot XDP it stays as lab.sh leaves it (no address, no ARP:
# the client has a static neighbour entry for the service address).
#
# The zone is perf/gen_zone.py NAMES (default 100000, the default mix); the
# queries are perf/gen_dnsperf.py's realistic mix (60 % EDNS+DO hits, 15 %
# plain hits, 10 % NXDOMAIN, 6 % NODATA, 5 % CNAME, 2 % wildcard, 2 % referral),
# QUERIES of them (default 100000) replayed in a loop by dnsperf -B.
# Each peer gets two dnsperf runs of SECONDS (default 5) from the client
# namespace, CLIENTS (default 4) sockets and OUTSTANDING (default 200) queries
# in flight, in each of ROUNDS rounds (default 3; a round goes over every peer,
# starting each afresh, so a burst of load from another tenant of the machine
# hits one round of each peer, not every round of one); the table shows the
# median over the rounds and the range:
#   max    as fast as the server answers (no -v: verbose output costs dnsperf
#          about 15 % of its rate); qps, loss and average latency
#   RATE   at a fixed offered load (-Q, default 20000) with dnsperf -v, so every
#          latency is recorded: average, p50 and p99 (a query that timed out
#          counts as slower than any answer)
# The machine has 2 vCPUs: every server runs under taskset -c 1 (swerved with
# --lcores 0@1,1@1: its control thread and its worker share CPU 1) and dnsperf
# under taskset -c 0, for every peer alike. The script checks the servers'
# threads stay on CPU 1 (knotd pins its UDP worker to CPU 0 by itself: the
# script moves every thread of every peer back to CPU 1 once it answers) and
# prints, per run, the busy share of CPU 0 and CPU 1 (all tenants, including
# softirq work) and the share of CPU 1 the server's own processes used.
# -N runs dnsperf and every server at that nice level (default 0), e.g. -N -10
# to take the CPUs back from other tenants of a shared machine.
# Ratios: qps against swerved busy poll's qps in the same run at the same
# load, p99 against its p99 (below 1 is better for p99, above 1 for qps).
#
# Knot and NSD come from Debian (packages knot, nsd); if missing they are
# installed with apt-get, and any daemon the package starts is stopped. Every
# process is started and stopped by PID; the lab, the temporary directory and
# the processes go away on exit, whatever happens. About 4 minutes with the
# defaults. -o keeps the zone, configs, logs and dnsperf outputs in OUTDIR.
# The rows also go to JSON (default perf/results/lab.json) for perf/plot.py.

set -u

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=$src/build
names=100000
nqueries=100000
secs=5
rate=20000
clients=4
outstanding=200
peers="swerved-busy swerved-idle knot-udp knot-xdp nsd"
rounds=3
nice=0
driver=auto
outdir=
json=$here/results/lab.json
cmdline="perf/bench_lab.sh $*"

usage()
{
	sed -n '5,7p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while getopts "b:z:n:l:Q:c:q:r:N:p:D:j:o:h" o; do
	case $o in
	b) build=$OPTARG ;;
	z) names=$OPTARG ;;
	n) nqueries=$OPTARG ;;
	l) secs=$OPTARG ;;
	Q) rate=$OPTARG ;;
	c) clients=$OPTARG ;;
	q) outstanding=$OPTARG ;;
	r) rounds=$OPTARG ;;
	N) nice=$OPTARG ;;
	p) peers=$OPTARG ;;
	D) driver=$OPTARG ;;
	o) outdir=$OPTARG ;;
	j) json=$OPTARG ;;
	*) usage ;;
	esac
done
case "$driver" in
auto | af_xdp | af_packet) ;;
*) usage ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "bench_lab: run as root (network namespaces, DPDK, XDP)" >&2
	exit 2
fi
swerved=$build/control/swerved
if [ ! -x "$swerved" ]; then
	echo "bench_lab: $swerved not found (meson setup $build && ninja -C $build)" >&2
	exit 2
fi

# shellcheck source=perf/bench_peers.sh
. "$here/bench_peers.sh"
peers_lab pf-benchlab
zone=$tmp/bench.zone
results=$tmp/results

echo "bench_lab: zone of $names names, $nqueries queries (realistic mix)"
python3 "$here/gen_zone.py" "$names" "$zone" || exit 1
python3 "$here/gen_dnsperf.py" "$zone" "$tmp/queries.bin" -n "$nqueries" >/dev/null || exit 1
peers_init || exit 1
case " $peers " in
*" reflect "*)
	peers_build_reflect || { echo "bench_lab: cannot build xdp_reflect.c; no reflect row" >&2
		peers=$(echo " $peers " | sed 's/ reflect / /'); }
	;;
esac

# Busy jiffies and total jiffies of one CPU, from /proc/stat.
cpu_ticks()
{
	awk -v c="cpu$1" '$1 == c {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat
}

# CPU jiffies (user + system) used so far by every process in namespace $1.
ns_ticks()
{
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do
		# Fields after the command name, which may hold spaces ("nsd: server 1").
		sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | awk '{print $12 + $13}'
	done | awk '{t += $1} END {print t + 0}'
}

# CPU 1's softirq thread: how long it ran and how long it waited for the CPU
# (ns, /proc/PID/schedstat). On a veth the answers' receive work runs in CPU
# 1's softirq; when the kernel hands it to ksoftirqd/1, that thread competes
# with the server (a busy-polling one never yields) for CPU 1.
ksoftirqd1=$(pgrep -x ksoftirqd/1)

# dnsperf from the client namespace on CPU 0; appends one result line.
# usage: measure SERVER MODE LOAD (LOAD is "max" or the offered qps)
measure()
{
	local server=$1 load=$3 out b0 t0 b1 t1 c0 c1 args
	local sent lost qps avg size p50 p99 cpu0 cpu1 s0 s1 srv d0 d1 dp t k0 k1 kw0 kw1

	out=$tmp/dnsperf-$peer-$load-$round.txt
	args=(-s "$SERVICE4" -B -d "$tmp/queries.bin" -l "$secs" -c "$clients" -q "$outstanding" -t 2)
	[ "$load" != max ] && args+=(-Q "$load" -v)
	read -r b0 t0 < <(cpu_ticks 0)
	read -r c0 c1 < <(cpu_ticks 1)
	read -r k0 kw0 _ <"/proc/$ksoftirqd1/schedstat"
	s0=$(ns_ticks "$SWERVE_SRV")
	# dnsperf starts in the background so that its CPU time can be read before it exits.
	lab_cl_bg nice -n "$nice" taskset -c 0 dnsperf "${args[@]}" >"$out" 2>&1
	dpid=$!
	d0=0
	d1=0
	sleep "$((secs - 1))"
	while kill -0 "$dpid" 2>/dev/null; do
		# A zombie is no longer listed in its namespace: keep the last real reading.
		t=$(ns_ticks "$SWERVE_NS")
		[ "$t" -gt "$d1" ] && d1=$t
		sleep 0.05
	done
	wait "$dpid"
	s1=$(ns_ticks "$SWERVE_SRV")
	read -r k1 kw1 _ <"/proc/$ksoftirqd1/schedstat"
	read -r b1 t1 < <(cpu_ticks 0)
	cpu0=$(awk -v b="$((b1 - b0))" -v t="$((t1 - t0))" 'BEGIN {printf "%.0f", t ? 100 * b / t : 0}')
	read -r b1 t1 < <(cpu_ticks 1)
	cpu1=$(awk -v b="$((b1 - c0))" -v t="$((t1 - c1))" 'BEGIN {printf "%.0f", t ? 100 * b / t : 0}')
	# The server's own share of CPU 1 (the rest went to the kernel's softirq work or other tenants).
	srv=$(awk -v b="$((s1 - s0))" -v t="$((t1 - c1))" 'BEGIN {printf "%.0f", t ? 100 * b / t : 0}')
	# dnsperf's own share of CPU 0 (its CPU time read just before it exits).
	dp=$(awk -v b="$((d1 - d0))" -v t="$((t1 - c1))" 'BEGIN {printf "%.0f", t ? 100 * b / t : 0}')
	sent=$(awk '/Queries sent:/ {print $3}' "$out")
	lost=$(awk '/Queries lost:/ {print $3}' "$out")
	qps=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$out")
	avg=$(awk '/Average Latency/ {printf "%.0f", $4 * 1e6}' "$out")
	size=$(awk '/Average packet size:/ {print $7}' "$out")
	if [ -z "$sent" ] || [ -z "$qps" ]; then
		echo "bench_lab: dnsperf failed against $server; its output ends:" >&2
		tail -n 5 "$out" | sed 's/^/  | /' >&2
		return 1
	fi
	p50=-
	p99=-
	if [ "$load" != max ]; then
		# Timeouts ("> T") sort after every answer; percentiles over all queries sent.
		read -r p50 p99 < <(awk '$1 == ">" && NF >= 3 {
				if ($2 == "T" || $2 == "I") print 1e9; else print $NF * 1e6 }' "$out" |
			sort -g | awk '{v[NR] = $1} END {
				if (NR == 0) { print "- -"; exit }
				i = int(NR * 0.50 + 0.999999); j = int(NR * 0.99 + 0.999999)
				a = v[i] >= 1e9 ? "timeout" : sprintf("%.0f", v[i])
				b = v[j] >= 1e9 ? "timeout" : sprintf("%.0f", v[j])
				print a, b }')
	fi
	printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$round" "$peer" "$1" "$2" "$load" \
		"$qps" "$sent" "$lost" "$avg" "$p50" "$p99" "$size" "$cpu0" "$cpu1" "$srv" "$dp" \
		"$(((k1 - k0) / 1000000))" "$(((kw1 - kw0) / 1000000))" >>"$results"
}

: >"$results"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
# Rounds go over every peer in turn, so a burst of load from another tenant
# of the machine hits one round of each peer rather than all rounds of one.
for round in $(seq "$rounds"); do
	for peer in $peers; do
		pid=
		mode=
		case $peer in
		swerved-busy) server=swerved; start_swerved 0 ;;
		swerved-idle) server=swerved; start_swerved 50 ;;
		swerved-idle-[0-9]*) server=swerved; start_swerved "${peer#swerved-idle-}" ;;
		reflect) server=reflect; start_bare reflect client-xdp || stop_server ;;
		knot-udp) server=knot; start_knot udp ;;
		knot-xdp) server=knot; start_knot xdp ;;
		nsd) server=nsd; start_nsd ;;
		*) echo "bench_lab: unknown peer $peer" >&2; continue ;;
		esac
		if [ -z "$pid" ] && [ -z "$mode" ]; then
			echo "bench_lab: round $round: $peer did not start" >&2
			continue
		fi
		cpus=$(pin_server)
		[ "$peer" = reflect ] && cpus=1
		[ "$cpus" = 1 ] || echo "bench_lab: WARNING: $peer threads may run on CPUs '$cpus', not only 1" >&2
		echo "bench_lab: round $round: $server ($mode), threads on CPU $cpus;" \
			"load average $(cut -d' ' -f1-3 /proc/loadavg)"
		measure "$server" "$mode" max
		measure "$server" "$mode" "$rate"
		stop_server
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "started $started; load average before $load0, after $load1; $(nproc) CPUs:" \
	"servers on CPU 1, dnsperf on CPU 0"
echo "zone $names names; dnsperf -B realistic mix, -l $secs -c $clients -q $outstanding;" \
	"$rounds round(s): medians, [min-max]; latencies in microseconds"
echo
mkdir -p "$(dirname "$json")"
python3 - "$results" "$peers" "$json" "$started" "$load0" "$load1" "$cmdline" "$names" "$secs" <<'PY'
import json, os, statistics, subprocess, sys

rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
order = sys.argv[2].split()


def num(x):
    try:
        return float(x)
    except ValueError:
        return None


def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def fmt(x, nd=0):
    return "-" if x is None else ("%.*f" % (nd, x))


summary = []
groups = {}
for r in rows:
    groups.setdefault((r[1], r[4]), []).append(r)
loads = ["max"] + sorted({r[4] for r in rows if r[4] != "max"}, key=int)
print("| server | mode | load | qps | qps [min-max] | qps ratio | loss % | avg us | p50 us"
      " | p99 us | p99 [min-max] | p99 ratio | resp B | CPU0 % | dnsperf % | CPU1 % | server % | ksoftirqd/1 run ms | ksoftirqd/1 wait ms |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for load in loads:
    ref = groups.get(("swerved-busy", load))
    rq = med([num(r[5]) for r in ref]) if ref else None
    rp = med([num(r[10]) for r in ref]) if ref else None
    for peer in order:
        g = groups.get((peer, load))
        if not g:
            continue
        summary.append({"peer": peer, "server": g[0][2], "mode": g[0][3], "load": load,
                        "qps": med([num(r[5]) for r in g]), "qps_min": min(num(r[5]) for r in g),
                        "qps_max": max(num(r[5]) for r in g),
                        "loss_pct": 100 * sum(num(r[7]) or 0 for r in g) / max(1, sum(num(r[6]) or 0 for r in g)),
                        "avg_us": med([num(r[8]) for r in g]), "p50_us": med([num(r[9]) for r in g]),
                        "p99_us": med([num(r[10]) for r in g]),
                        "p99_min": min([num(r[10]) for r in g if num(r[10]) is not None], default=None),
                        "p99_max": max([num(r[10]) for r in g if num(r[10]) is not None], default=None),
                        "cpu0": med([num(r[12]) for r in g]), "cpu1": med([num(r[13]) for r in g]),
                        "server_pct": med([num(r[14]) for r in g]),
                        "ksoftirqd1_run_ms": med([num(r[16]) for r in g]),
                        "ksoftirqd1_wait_ms": med([num(r[17]) for r in g])})
        q = [num(r[5]) for r in g]
        p99 = [num(r[10]) for r in g]
        sent = sum(num(r[6]) or 0 for r in g)
        lost = sum(num(r[7]) or 0 for r in g)
        mq, mp = med(q), med(p99)
        qs = [x for x in q if x is not None]
        ps = [x for x in p99 if x is not None]
        timeouts = any(r[10] == "timeout" for r in g)
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            g[0][2], g[0][3], "max" if load == "max" else load + " qps", fmt(mq),
            "%d-%d" % (min(qs), max(qs)) if qs else "-",
            fmt(mq / rq, 2) if mq and rq else "-",
            fmt(100 * lost / sent, 2) if sent else "-",
            fmt(med([num(r[8]) for r in g])), fmt(med([num(r[9]) for r in g])),
            "timeout" if timeouts and mp is None else fmt(mp),
            "%d-%d" % (min(ps), max(ps)) if ps else "-",
            fmt(mp / rp, 2) if mp and rp else "-",
            g[0][11], fmt(med([num(r[12]) for r in g])), fmt(med([num(r[15]) for r in g])),
            fmt(med([num(r[13]) for r in g])), fmt(med([num(r[14]) for r in g])),
            fmt(med([num(r[16]) for r in g])), fmt(med([num(r[17]) for r in g]))))
model = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
model = next((l.split(":", 1)[1].strip() for l in model.splitlines() if l.startswith("Model name")), "")
out, started, load0, load1, cmd, names, secs = sys.argv[3:10]
keys = ("round", "peer", "server", "mode", "load", "qps", "sent", "lost", "avg_us", "p50_us", "p99_us",
        "resp_bytes", "cpu0", "cpu1", "server_pct", "dnsperf_pct", "ksoftirqd1_run_ms", "ksoftirqd1_wait_ms")
json.dump({"bench": "lab", "started": started, "command": cmd, "nproc": os.cpu_count(),
           "cpu_model": model, "load_before": load0, "load_after": load1, "zone_names": int(names),
           "seconds": float(secs), "summary": summary, "runs": [dict(zip(keys, r)) for r in rows]},
          open(out, "w"), indent=1)
print()
print("results written to %s" % out)
PY
