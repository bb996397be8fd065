#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Whole-path benchmark: swerved on a net_pcap port (replayed pcap, tx dropped) next to testpmd's ceiling.
#
#   perf/bench_dataplane.sh [-b BUILD] [-z NAMES] [-n FRAMES] [-t SECONDS] [-u WARMUP]
#                           [-r TRIES] [-w "1 2"] [-m "exact nxdomain edns realistic"] [-k]
#                           [-j JSON]
#
# For each worker count and each mix it runs, one after the other and never at
# the same time:
#   1. dpdk-testpmd --forward-mode=macswap on the same vdev and the same pcap:
#      the I/O ceiling of this path (rx copy from the pcap ring, mbuf alloc,
#      touch the frame, tx that frees it);
#   2. swerved with the same lcores, vdev and pcap, answering every query.
# Both read their own counters twice, SECONDS apart after WARMUP seconds:
# testpmd's per-second Tx-pps lines, swerved's per-worker stats lines (SIGUSR1).
# They also read how much CPU the worker threads got in the window (from
# /proc): on a machine shared with other jobs a run whose workers had less
# than 97 % of their CPUs is repeated, up to TRIES runs, and the best run is
# shown with its CPU share, so a figure never hides that it was disturbed.
#
# The port is net_pcap with rx_pcap=...,infinite_rx=1 and no tx argument: it
# then loops over the pcap forever and its tx frees every frame it is given
# (the driver's "tx_drop"), so nothing leaves the process. One rx_pcap per
# worker gives one queue per worker. swerved always creates its exception tap
# (the config cannot turn it off), so it runs in a network namespace of its own
# (unshare --net) that disappears with it: no traffic, no interface outside.
#
# The rows also go to JSON (default perf/results/dataplane.json) for perf/plot.py.
# Needs root (unshare), dpdk-testpmd (Debian package dpdk-dev), python3, and a
# release build of swerved (meson setup BUILD && ninja -C BUILD).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build="$src/build"
names=10000
frames=4096
secs=5
warmup=2
tries=3
workers_list="1 2"
mixes="exact nxdomain edns realistic"
keep=0
json="$here/results/dataplane.json"
cmdline="perf/bench_dataplane.sh $*"

usage() {
	sed -n '4,6p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while getopts "b:z:n:t:u:r:w:m:j:kh" o; do
	case $o in
	b) build=$OPTARG ;;
	z) names=$OPTARG ;;
	n) frames=$OPTARG ;;
	t) secs=$OPTARG ;;
	u) warmup=$OPTARG ;;
	r) tries=$OPTARG ;;
	w) workers_list=$OPTARG ;;
	m) mixes=$OPTARG ;;
	k) keep=1 ;;
	j) json=$OPTARG ;;
	*) usage ;;
	esac
done

swerved="$build/control/swerved"
testpmd=$(command -v dpdk-testpmd || true)
[ -x "$swerved" ] || { echo "no $swerved: build first (meson setup $build && ninja -C $build)" >&2; exit 1; }
[ -n "$testpmd" ] || { echo "no dpdk-testpmd: apt-get install dpdk-dev" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (unshare --net for swerved's exception tap)" >&2; exit 1; }
for n in $names $frames $secs $warmup $tries; do
	case $n in '' | *[!0-9]*) usage ;; esac
done
if [ "$frames" -lt 32 ] || [ "$frames" -gt 32768 ]; then
	echo "-n: 32..32768 frames" >&2
	exit 2
fi

# No veth lab here, only the library's process and clean-up handling: the EXIT trap
# (lab_cleanup) stops the tracked testpmd or swerved by PID, removes the DPDK runtime files of
# both file prefixes and $tmp (kept with -k).
# shellcheck source=tests/common/lab.sh
. "$src/tests/common/lab.sh"
prefix="swbench$$"
LAB_PREFIX=$prefix-sw
LAB_PREFIXES=$prefix-tp
[ "$keep" = 1 ] && LAB_KEEP=1
lab_init "" /tmp/swerve-bench.XXXXXX

# Wait for @pid to exit, at most @1 seconds, then kill it; its exit status is not wanted.
reap() { lab_reap "$1" "$2" || true; }

# lcore map: the main lcore on CPU 0; with 2 workers on 2 CPUs, lcore 1 (worker 0) shares CPU 0 with it.
lcores_for() {
	case $1 in
	1) echo "0@0,1@1" ;;
	2) echo "0@0,1@0,2@1" ;;
	*) echo "0@0$(for ((i = 1; i <= $1; i++)); do printf ',%d@%d' "$i" $(((i - 1) % $(nproc))); done)" ;;
	esac
}

# CPU ticks (user + system) used so far by the EAL worker threads of @pid.
lcore_ticks() {
	local t sum=0 f
	local -a fld
	for t in /proc/"$1"/task/*; do
		case $(cat "$t/comm" 2>/dev/null) in lcore-worker-* | rte-worker-*) ;; *) continue ;; esac
		# Fields after "(comm) ": state is fld[0], so utime (field 14) is fld[11], stime fld[12].
		f=$(sed 's/.*) //' "$t/stat" 2>/dev/null) || continue
		read -r -a fld <<<"$f"
		sum=$((sum + fld[11] + fld[12]))
	done
	echo "$sum"
}

# Percent of one CPU each worker thread had between two lcore_ticks samples.
cpu_share() {
	awk -v a="$1" -v b="$2" -v s="$3" -v w="$4" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.0f\n", 100 * (b - a) / hz / s / w }'
}

# True when rate @1 is a number above @2 (or @2 is none yet).
better() {
	[ "$1" != nan ] && { [ "$2" = nan ] || awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
}

# True when the workers had their CPUs (97 % or more) in the window.
full() {
	case $1 in '' | *[!0-9]*) return 1 ;; esac
	[ "$1" -ge 97 ]
}

pow2m1() {
	local n=$1 p=1
	while ((p - 1 < n)); do p=$((p * 2)); done
	echo $((p - 1))
}

# ---- inputs: zone, config, pcaps ----
ring=1024
while ((ring < frames)); do ring=$((ring * 2)); done
python3 "$here/gen_zone.py" "$names" "$tmp/bench.zone"
sed "s/^\(    rx-ring:\).*/\1 $ring/" "$here/bench.yaml" >"$tmp/bench.yaml"
"$swerved" --check -- -c "$tmp/bench.yaml" >/dev/null
maxw=0
for w in $workers_list; do ((w > maxw)) && maxw=$w; done
for m in $mixes; do
	for ((q = 0; q < maxw; q++)); do
		python3 "$here/gen_pcap.py" "$tmp/bench.zone" "$tmp/$m-$q.pcap" -n "$frames" \
			--mix "$m" --seed $((q + 1))
	done
done

vdev_for() {
	local m=$1 w=$2 v="net_pcap0" q
	for ((q = 0; q < w; q++)); do v="$v,rx_pcap=$tmp/$m-$q.pcap"; done
	echo "$v,infinite_rx=1"
}

# ---- testpmd: mean of the Tx-pps lines printed in the sampling window; sets ceil, ccpu ----
# (Run in the main shell, never in $(...), so that cleanup() sees the PID.)
run_testpmd() {
	local m=$1 w=$2 log="$tmp/testpmd-$1-$2.log" pid
	# The pool swerved makes for this port (port_pool_size(), rounded to the same power of
	# two here), so both replay from pools of the same size.
	local nmbufs
	nmbufs=$(pow2m1 $((w * (ring + 1024) + (w + 1) * (256 + 128))))
	"$testpmd" --no-pci --no-huge -m 512 --file-prefix "$prefix-tp" --lcores "$(lcores_for "$w")" \
		--vdev "$(vdev_for "$m" "$w")" -- --forward-mode=macswap --nb-cores="$w" \
		--rxq="$w" --txq="$w" --total-num-mbufs="$nmbufs" --mbcache=256 --burst=32 \
		--stats-period=1 </dev/null >"$log" 2>&1 &
	pid=$!
	lab_track "$pid"
	# A second for start-up (pool, pcap loaded into the ring), then the warm-up.
	sleep $((warmup + 1))
	t0=$(lcore_ticks "$pid")
	sleep "$secs"
	t1=$(lcore_ticks "$pid")
	sleep 1
	kill -INT "$pid" 2>/dev/null || true
	reap "$pid" 15
	# One Tx-pps line a second from the start of forwarding: keep those of the window.
	ccpu=$(cpu_share "$t0" "$t1" "$secs" "$w")
	ceil=$({ grep -a 'Tx-pps:' "$log" || true; } | awk -v skip=$((warmup + 1)) -v n="$secs" '
		NR > skip && NR <= skip + n { s += $2; k++ }
		END { if (k == 0) { print "nan"; exit } printf "%.3f\n", s / k / 1e6 }')
}

# ---- swerved: answered/s between two SIGUSR1 dumps, summed over workers; sets rate, scpu, check ----
run_swerved() {
	local m=$1 w=$2 log="$tmp/swerved-$1-$2.log" pid i
	(cd "$tmp" && exec unshare --net -- "$swerved" --no-pci --no-huge -m 512 \
		--file-prefix "$prefix-sw" --lcores "$(lcores_for "$w")" --vdev "$(vdev_for "$m" "$w")" \
		-- -c bench.yaml) >"$log" 2>&1 &
	pid=$!
	lab_track "$pid"
	# Creating the namespace can wait a while when other jobs churn namespaces.
	for ((i = 0; i < 600; i++)); do
		grep -qs 'swerved: serving' "$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -qs 'swerved: serving' "$log"; then
		echo "swerved did not start within 60 s ($m, $w workers); its log:" >&2
		if [ -s "$log" ]; then tail -5 "$log" >&2; else echo "(empty)" >&2; fi
		reap "$pid" 5
		rate=nan scpu=- check=-
		return
	fi
	sleep "$warmup"
	kill -USR1 "$pid"
	t0=$(lcore_ticks "$pid")
	sleep "$secs"
	kill -USR1 "$pid"
	t1=$(lcore_ticks "$pid")
	sleep 0.3
	kill -INT "$pid"
	reap "$pid" 15
	scpu=$(cpu_share "$t0" "$t1" "$secs" "$w")
	read -r rate check < <(python3 - "$log" "$w" <<'EOF'
import re, sys
from datetime import datetime
log, nw = sys.argv[1], int(sys.argv[2])
samples = {}  # worker -> list of (time, counters)
for line in open(log, errors="replace"):
    mo = re.match(r"(\S+) info: stats: worker (\d+) lcore \d+: (.*)", line)
    if not mo:
        continue
    t = datetime.fromisoformat(mo.group(1)).timestamp()
    kv = dict(re.findall(r"(\w+)=(\d+)", mo.group(3)))
    samples.setdefault(int(mo.group(2)), []).append((t, {k: int(v) for k, v in kv.items()}))
# The first two dumps per worker are the window (SIGUSR1 twice); the third is shutdown's.
rate = 0.0
tot = {}
for wk in range(nw):
    s = samples.get(wk, [])
    if len(s) < 2:
        print("nan -")
        sys.exit(0)
    (t0, a), (t1, b) = s[0], s[1]
    rate += (b["answered"] - a["answered"]) / (t1 - t0)
    for k in b:
        tot[k] = tot.get(k, 0) + b[k] - a.get(k, 0)
rx = max(tot.get("rx", 0), 1)
check = "answered %.1f%% noerror %.1f%% nxdomain %.1f%% edns %.1f%% dropped %d tx_failed %d" % (
    100.0 * tot["answered"] / rx, 100.0 * tot["noerror"] / rx, 100.0 * tot["nxdomain"] / rx,
    100.0 * tot["edns"] / rx, tot["dropped"], tot["tx_failed"])
print("%.3f %s" % (rate / 1e6, check.replace(" ", "_")))
EOF
	)
}

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$tmp/rows"
echo "swerve dataplane benchmark: $started"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) vCPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "zone: $names names (gen_zone.py default mix); pcap: $frames frames per queue; window: ${secs} s after ${warmup} s warm-up, up to $tries runs while workers get < 97 % CPU"
echo
printf '%-7s %-9s %8s %8s %5s %9s %5s %6s  %s\n' workers mix swerved "per core" cpu testpmd cpu ratio \
	"check (swerved, over the window)"
printf '%-7s %-9s %8s %8s %5s %9s %5s %6s\n' "" "" Mqps Mqps "" Mpps "" ""
for w in $workers_list; do
	for m in $mixes; do
		best_c=nan best_cc=- best_r=nan best_sc=- best_k=-
		for ((i = 0; i < tries; i++)); do
			run_testpmd "$m" "$w"
			if better "$ceil" "$best_c"; then best_c=$ceil best_cc=$ccpu; fi
			full "$best_cc" && break
		done
		for ((i = 0; i < tries; i++)); do
			run_swerved "$m" "$w"
			if better "$rate" "$best_r"; then best_r=$rate best_sc=$scpu best_k=$check; fi
			full "$best_sc" && break
		done
		ceil=$best_c ccpu=$best_cc rate=$best_r scpu=$best_sc check=$best_k
		awk -v w="$w" -v m="$m" -v r="$rate" -v c="$ceil" -v sc="$scpu" -v cc="$ccpu" \
			-v k="${check//_/ }" 'BEGIN {
			if (r == "nan" || c == "nan") {
				printf "%-7s %-9s %8s %8s %5s %9s %5s %6s  %s\n", w, m, r, "-", sc, c, cc, "-", k
				exit
			}
			printf "%-7s %-9s %8.2f %8.2f %4s%% %9.2f %4s%% %5.0f%%  %s\n", w, m, r, r / w, sc, c,
				cc, 100 * r / c, k }'
		echo "$w|$m|$rate|$scpu|$ceil|$ccpu|${check//_/ }" >>"$tmp/rows"
	done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$(dirname "$json")"
python3 - "$tmp/rows" "$json" "$started" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" "$cmdline" \
	"$names" "$frames" <<'EOF'
import json, os, subprocess, sys

path, out, started, load0, load1, cmd, names, frames = sys.argv[1:9]


def num(x):
    try:
        return float(x)
    except ValueError:
        return None


rows = []
for line in open(path):
    if line.strip():
        w, m, r, sc, c, cc, k = line.rstrip("\n").split("|")
        rows.append({"workers": int(w), "mix": m, "swerved_mqps": num(r), "swerved_cpu": num(sc),
                     "testpmd_mpps": num(c), "testpmd_cpu": num(cc), "check": k})
model = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
model = next((l.split(":", 1)[1].strip() for l in model.splitlines() if l.startswith("Model name")), "")
json.dump({"bench": "dataplane", "started": started, "command": cmd, "nproc": os.cpu_count(),
           "cpu_model": model, "load_before": load0, "load_after": load1, "zone_names": int(names),
           "frames": int(frames), "rows": rows}, open(out, "w"), indent=1)
print("results written to %s" % out)
EOF
