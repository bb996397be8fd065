#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Flood benchmark (issue 6, benchmark 3): answers per second of swerved, Knot DNS and NSD under a
# load generator over the veth lab.
#   perf/bench_flood.sh [-b BUILD] [-z NAMES] [-n QUERIES] [-t SECONDS] [-Q "RATES"] [-r ROUNDS] [-N NICE]
#                       [-p "PEERS"] [-D af_xdp|af_packet] [-G flood_gen|kxdpgun] [-j JSON] [-o OUTDIR] [-P]
#
# The generator (-G) runs in the lab's client namespace on the client end of
# the veth, pinned to CPU 0:
#   flood_gen  (default) perf/flood_gen.c, a DPDK port on the client end
#              (net_af_xdp, or net_af_packet when AF_XDP does not start),
#              replaying perf/gen_pcap.py's frames; for kernels whose
#              verifier refuses kxdpgun's XDP program (6.18 here does)
#   kxdpgun    (package knot-dnsutils) its own XDP program and AF_XDP
#              socket (-F 0; the veth has one queue, so one thread)
# Both print the same two totals, which is all this script reads. For each
# peer and each offered rate of RATES (default "500000 1000000 2000000") it
# sends the same queries for SECONDS (default 5) and counts the answers that
# come back; it does not check them (swerved's and Knot's own counters do, in
# the tests; flood_gen counts only UDP from port 53 with QR set). The queries
# are the realistic mix of the lab benchmark on the zone perf/gen_zone.py
# NAMES: perf/gen_dnsperf.py --kxdpgun for kxdpgun, perf/gen_pcap.py for
# flood_gen (the same kinds and shares, each its own draws).
# Peers (-p picks some, default all but knot-udp and nsd):
#   gen           nothing answers: the server end has no program and no
#                 address, the kernel drops the queries; what the generator
#                 alone sends on this machine
#   reflect       perf/xdp_reflect.c (built with clang at run time) on the
#                 server end turns every query into a bare response in XDP
#                 and sends it back (XDP_TX): the ceiling of the generator and
#                 the veth, no DNS work, no AF_XDP socket on the server side
#   swerved-busy  swerved on net_af_xdp, busy poll (idle-backoff-us: 0)
#   swerved-idle  the same, idle-backoff-us: 50
#   knot-xdp      knotd, one UDP worker, xdp.listen on the server end (the 6.18
#                 kernel's verifier refuses Knot 3.2's XDP program: the table
#                 then lists it as not started)
#   knot-udp      knotd, one UDP worker on a kernel socket
#   nsd           nsd, one server process, RRL off
# Servers run under taskset -c 1 (bench_peers.sh), the generator on CPU 0. On a
# veth the receiving side's XDP and AF_XDP work runs in the sender's softirq:
# the queries' on CPU 0 (with the generator), the answers' on CPU 1 (with the
# server). The table gives, per run, each CPU's busy and softirq share and
# the server's own share of CPU 1, so the limit is visible.
# Ratios: answers per second against Knot XDP's at the same offered rate.
# ROUNDS (default 2) go over every peer in turn, each freshly started;
# medians and [min-max]. Results also go to JSON (default
# perf/results/flood.json) for perf/plot.py. -P also samples CPU 1 with
# perf record (cpu-clock, 3 s in the middle of the run at the highest rate of
# the first round, every peer that is a server) and prints the top of a flat
# profile by command and symbol: where CPU 1 goes per answer. Needs root. About 1 minute per
# peer and round with the defaults.

set -u

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=$src/build
names=100000
nqueries=100000
secs=5
rates="500000 1000000 2000000"
rounds=2
nice=0
peers="gen reflect swerved-busy swerved-idle knot-xdp"
driver=af_xdp
json=$here/results/flood.json
outdir=
profile=0
cmdline="perf/bench_flood.sh $*"

usage()
{
	sed -n '4,5p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

generator=flood_gen
while getopts "b:z:n:t:Q:r:N:p:D:G:j:o:Ph" o; do
	case $o in
	b) build=$OPTARG ;;
	z) names=$OPTARG ;;
	n) nqueries=$OPTARG ;;
	t) secs=$OPTARG ;;
	Q) rates=$OPTARG ;;
	r) rounds=$OPTARG ;;
	N) nice=$OPTARG ;;
	p) peers=$OPTARG ;;
	D) driver=$OPTARG ;;
	G) generator=$OPTARG ;;
	j) json=$OPTARG ;;
	o) outdir=$OPTARG ;;
	P) profile=1 ;;
	*) usage ;;
	esac
done
case "$driver" in
auto | af_xdp | af_packet) ;;
*) usage ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "bench_flood: run as root (network namespaces, DPDK, XDP)" >&2
	exit 2
fi
swerved=$build/control/swerved
[ -x "$swerved" ] || { echo "bench_flood: $swerved not found (meson setup $build && ninja -C $build)" >&2; exit 2; }
case $generator in
kxdpgun) command -v kxdpgun >/dev/null || { echo "bench_flood: kxdpgun not found (apt-get install knot-dnsutils)" >&2; exit 2; } ;;
flood_gen) [ -x "$build/perf/flood_gen" ] || { echo "bench_flood: $build/perf/flood_gen not built" >&2; exit 2; } ;;
*) usage ;;
esac

# shellcheck source=perf/bench_peers.sh
. "$here/bench_peers.sh"
peers_lab pf-benchflood
zone=$tmp/bench.zone
results=$tmp/results

echo "bench_flood: zone of $names names, $nqueries queries (realistic mix)"
python3 "$here/gen_zone.py" "$names" "$zone" || exit 1
if [ "$generator" = kxdpgun ]; then
	python3 "$here/gen_dnsperf.py" "$zone" "$tmp/queries.txt" -n "$nqueries" --kxdpgun >/dev/null || exit 1
else
	python3 "$here/gen_pcap.py" "$zone" "$tmp/queries.pcap" -n "$((nqueries < 65536 ? nqueries : 65536))" \
		--dst4 "$SERVICE4" --dst6 "$SERVICE6" >/dev/null || exit 1
fi
case " $peers " in
*" reflect "*)
	if ! peers_build_reflect; then
		echo "bench_flood: cannot build xdp_reflect.c (clang, libbpf-dev); no reflect row" >&2
		peers=$(echo " $peers " | sed 's/ reflect / /')
	fi
	;;
esac
peers_init || exit 1

# Busy, softirq and total jiffies of one CPU, from /proc/stat.
cpu_ticks()
{
	awk -v c="cpu$1" '$1 == c {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, $8, t}' /proc/stat
}

# CPU jiffies (user + system) used so far by every process in namespace $1.
ns_ticks()
{
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do
		sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | awk '{print $12 + $13}'
	done | awk '{t += $1} END {print t + 0}'
}

pct() { awk -v b="$1" -v t="$2" 'BEGIN {printf "%.0f", t ? 100 * b / t : 0}'; }

# gen_start RATE OUT [VDEV]: the generator in the background from the client namespace on CPU 0.
gen_start()
{
	local vdev=${3:-net_af_xdp0,iface=$SWERVE_CL}
	if [ "$generator" = kxdpgun ]; then
		lab_cl_bg nice -n "$nice" taskset -c 0 timeout "$((secs + 20))" kxdpgun -t "$secs" -Q "$1" -F 0 \
			-i "$tmp/queries.txt" -I "$SWERVE_CL" "$SERVICE4" >"$2" 2>&1
	else
		lab_cl_bg nice -n "$nice" taskset -c 0 timeout "$((secs + 20))" "$build/perf/flood_gen" \
			--no-pci --no-huge -m 256 --lcores 0@0 --file-prefix "fg-$$-$gen_runs" --vdev "$vdev" \
			-- -f "$tmp/queries.pcap" -m "$(lab_dp_mac)" -t "$secs" -Q "$1" >"$2" 2>&1
		gen_runs=$((gen_runs + 1))
	fi
	gen_pid=$!
}
gen_runs=0

# The generator from the client namespace on CPU 0; appends one result line.
measure()
{
	local rate=$1 out a0 s0 t0 a1 s1 t1 b0 q0 u0 b1 q1 u1 srv0 srv1 g
	local sent rcvd spps rpps

	out=$tmp/$generator-$peer-$rate-$round.txt
	read -r a0 s0 t0 < <(cpu_ticks 0)
	read -r b0 q0 u0 < <(cpu_ticks 1)
	srv0=$(ns_ticks "$SWERVE_SRV")
	gen_start "$rate" "$out"
	lab_track "$gen_pid"
	g=0
	if [ "$profile" = 1 ] && [ "$round" = 1 ] && [ -n "$pid" ] && [ "$rate" = "${rates##* }" ]; then
		sleep 1
		perf record -q -C 1 -e cpu-clock -o "$tmp/perf-$peer.data" -- sleep 3 >/dev/null 2>&1
		perf report -i "$tmp/perf-$peer.data" --no-children --sort comm,sym --stdio 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 25 >"$tmp/profile-$peer.txt"
		sleep "$((secs > 5 ? secs - 5 : 0))"
	else
		sleep "$((secs - 1))"
	fi
	while kill -0 "$gen_pid" 2>/dev/null; do
		# The generator's own CPU time, read before it exits.
		t=$(ns_ticks "$SWERVE_NS")
		[ "$t" -gt "$g" ] && g=$t
		sleep 0.05
	done
	wait "$gen_pid"
	lab_untrack "$gen_pid"
	gen_pid=
	srv1=$(ns_ticks "$SWERVE_SRV")
	read -r a1 s1 t1 < <(cpu_ticks 0)
	read -r b1 q1 u1 < <(cpu_ticks 1)
	sent=$(awk '/^total queries:/ {print $3}' "$out")
	spps=$(awk '/^total queries:/ {gsub(/\(/, "", $4); print $4}' "$out")
	rcvd=$(awk '/^total replies:/ {print $3}' "$out")
	rpps=$(awk '/^total replies:/ {gsub(/\(/, "", $4); print $4}' "$out")
	if [ -z "$sent" ] || [ -z "$spps" ]; then
		echo "bench_flood: $generator failed against $peer; its output ends:" >&2
		tail -n 5 "$out" | sed 's/^/  | /' >&2
		return 1
	fi
	# No server answered: kxdpgun prints no reply line.
	[ -z "$rcvd" ] && rcvd=0 && rpps=0
	printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$round" "$peer" "$server" "$mode" "$rate" \
		"$sent" "$spps" "$rcvd" "$rpps" \
		"$(pct $((a1 - a0)) $((t1 - t0)))" "$(pct $((s1 - s0)) $((t1 - t0)))" \
		"$(pct $((b1 - b0)) $((u1 - u0)))" "$(pct $((q1 - q0)) $((u1 - u0)))" \
		"$(pct $((srv1 - srv0)) $((u1 - u0))) $(pct "$g" $((t1 - t0)))" >>"$results"
}

: >"$results"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
for round in $(seq "$rounds"); do
	for peer in $peers; do
		pid=
		mode=
		ok=1
		case $peer in
		gen | reflect) server=$peer; start_bare "$peer" || ok=0 ;;
		swerved-busy) server=swerved; start_swerved 0 || ok=0 ;;
		swerved-idle) server=swerved; start_swerved 50 || ok=0 ;;
		knot-udp) server=knot; start_knot udp || ok=0 ;;
		knot-xdp) server=knot; start_knot xdp || ok=0 ;;
		nsd) server=nsd; start_nsd || ok=0 ;;
		*) echo "bench_flood: unknown peer $peer" >&2; continue ;;
		esac
		if [ "$ok" -ne 1 ]; then
			echo "bench_flood: round $round: $peer did not start" >&2
			echo "$peer" >>"$tmp/not-started"
			stop_server
			continue
		fi
		[ -n "$pid" ] && pin_server >/dev/null
		echo "bench_flood: round $round: $peer ($mode); load average $(cut -d' ' -f1-3 /proc/loadavg)"
		for rate in $rates; do
			measure "$rate"
		done
		stop_server
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
for f in "$tmp"/profile-*.txt; do
	[ -s "$f" ] || continue
	echo
	echo "CPU 1 profile, $(basename "$f" .txt | sed 's/^profile-//') at ${rates##* } qps offered (perf record -C 1 -e cpu-clock, 3 s):"
	sed 's/^/    /' "$f"
done

echo
echo "started $started; load average before $load0, after $load1; $(nproc) CPUs" \
	"($(lscpu | sed -n 's/^Model name: *//p')): servers on CPU 1, $generator on CPU 0"
echo "zone $names names; $generator for $secs s, realistic mix; $rounds round(s): medians, [min-max]"
[ -s "$tmp/not-started" ] &&
	echo "did not start (no row): $(sort -u "$tmp/not-started" | paste -sd' ')" \
		"(knot-xdp: this kernel's verifier refuses Knot 3.2's XDP program; see its log with -o)"
echo
mkdir -p "$(dirname "$json")"
python3 - "$results" "$peers" "$json" "$started" "$load0" "$load1" "$cmdline" "$names" "$secs" <<'PY'
import json, os, statistics, subprocess, sys

path, order, out, started, load0, load1, cmd, names, secs = sys.argv[1:10]
order = order.split()
keys = ("round", "peer", "server", "mode", "rate", "sent", "sent_pps", "replies", "answers_pps",
        "cpu0", "cpu0_si", "cpu1", "cpu1_si", "server_gen")
rows = []
for line in open(path):
    if line.strip():
        r = dict(zip(keys, line.rstrip("\n").split("|")))
        srv, gen = r.pop("server_gen").split()
        r["server_pct"], r["gen_pct"] = int(srv), int(gen)
        for k in ("round", "rate", "sent", "replies", "cpu0", "cpu0_si", "cpu1", "cpu1_si"):
            r[k] = int(r[k])
        r["sent_pps"], r["answers_pps"] = float(r["sent_pps"]), float(r["answers_pps"])
        rows.append(r)


def med(v):
    return statistics.median(v) if v else None


groups = {}
for r in rows:
    groups.setdefault((r["peer"], r["rate"]), []).append(r)
rates = sorted({r["rate"] for r in rows})
summary = []
print("| peer | mode | offered qps | sent pps | answers/s | answers/s [min-max] | answered % "
      "| ratio to Knot XDP | CPU0 % | CPU0 softirq % | generator % | CPU1 % | CPU1 softirq % | server % | CPU1 other % |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for rate in rates:
    ref = groups.get(("knot-xdp", rate))
    rq = med([r["answers_pps"] for r in ref]) if ref else None
    for peer in order:
        g = groups.get((peer, rate))
        if not g:
            continue
        a = [r["answers_pps"] for r in g]
        s = med([r["sent_pps"] for r in g])
        m = med(a)
        e = {"peer": peer, "server": g[0]["server"], "mode": g[0]["mode"], "rate": rate,
             "sent_pps": s, "answers_pps": m, "answers_min": min(a), "answers_max": max(a),
             "ratio_knot_xdp": m / rq if rq else None}
        for r in g:
            # What CPU 1 did besides the server and softirq work: other tenants.
            r["cpu1_other"] = max(0, r["cpu1"] - r["cpu1_si"] - r["server_pct"])
        for k in ("cpu0", "cpu0_si", "gen_pct", "cpu1", "cpu1_si", "server_pct", "cpu1_other"):
            e[k] = med([r[k] for r in g])
        summary.append(e)
        print("| %s | %s | %d | %.0f | %.0f | %.0f-%.0f | %.0f | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |" % (
            peer, e["mode"], rate, s, m, min(a), max(a), 100 * m / s if s else 0,
            "%.2f" % e["ratio_knot_xdp"] if e["ratio_knot_xdp"] else "-",
            e["cpu0"], e["cpu0_si"], e["gen_pct"], e["cpu1"], e["cpu1_si"], e["server_pct"],
            e["cpu1_other"]))
print()
print("best over the offered rates (median answers/s at the best rate):")
print()
print("| peer | mode | best offered qps | answers/s | ratio to Knot XDP best |")
print("| --- | --- | ---: | ---: | ---: |")
best = {}
for e in summary:
    if e["peer"] not in best or e["answers_pps"] > best[e["peer"]]["answers_pps"]:
        best[e["peer"]] = e
ref = best.get("knot-xdp")
for peer in order:
    if peer in best:
        e = best[peer]
        print("| %s | %s | %d | %.0f | %s |" % (peer, e["mode"], e["rate"], e["answers_pps"],
              "%.2f" % (e["answers_pps"] / ref["answers_pps"]) if ref and ref["answers_pps"] else "-"))
model = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
model = next((l.split(":", 1)[1].strip() for l in model.splitlines() if l.startswith("Model name")), "")
json.dump({"bench": "flood", "started": started, "command": cmd, "nproc": os.cpu_count(),
           "cpu_model": model, "load_before": load0, "load_after": load1, "zone_names": int(names),
           "seconds": float(secs), "summary": summary, "runs": rows}, open(out, "w"), indent=1)
print()
print("results written to %s" % out)
PY
