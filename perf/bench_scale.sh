#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Scale benchmark (issue 6, benchmark 4): load time, memory per name and reload time of swerved, Knot DNS and NSD on one zone file.
#
#   perf/bench_scale.sh [-b BUILD] [-z "NAMES..."] [-p "swerved swerved-trim swerved-2cpu knot nsd"]
#                       [-N NICE] [-D af_xdp|af_packet] [-j JSON] [-o OUTDIR]
#
# The zones are perf/gen_zone.py NAMES for each size of -z (default
# "1000000", e.g. -z "1000000 10000000"; the default mix) in a temporary
# directory; a 10-name zone from the same generator is the baseline.
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
#   restart  the server stopped and started again on the same files: time
#            from launch to the first right answer. swerved serves its table
#            image (docs/table-image.md, written after the reload) and parses
#            the zone behind it; "parse behind" is how long that took (its
#            log). Knot and NSD load the zone file again, as at first
# swerved runs with idle back-off 50 us so its worker does not spin while the
# probe and the reload share CPU 1 with it. "swerved-trim" is the same binary
# with GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456: ldns mallocs and
# frees a 64 KiB line buffer per record, and with glibc's default 128 KiB trim
# threshold each free can shrink the heap and the next record grow it again
# (two brk calls per record); the row shows what that costs. "swerved-2cpu" is
# swerved started on both CPUs: its lcores stay on CPU 1, but the first load
# parses the zone file in chunks on both (docs/design.md, "Parallel loading");
# its check runs on both too. Every process is started and
# stopped by PID; the lab and the temporary directory go away on exit. -N
# runs the servers, the offline checks and the probe at that nice level
# (default 0), e.g. -N -10 on a machine shared with other jobs. About
# 1.5 minutes for 1M names (most of it generating the zone and the servers'
# own loads), about 12 more for 10M.
# Before each server and size, the script compares MemAvailable with the peak
# that server is expected to need (bytes per name measured at 1M, times 2 for
# the reload, which holds the old and the new zone) and skips it, saying so,
# if it would not fit with 2 GiB to spare. Every wait is bounded (the probe
# gives up after 60 s plus 60 s per million names; checks get as long).
# The rows also go to JSON (default perf/results/scale.json) for perf/plot.py.

set -u

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=$src/build
sizes=1000000
servers="swerved knot nsd"
json=$here/results/scale.json
cmdline="perf/bench_scale.sh $*"
nice=0
driver=auto
outdir=

usage()
{
	sed -n '4,6p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while getopts "b:z:p:N:D:j:o:h" o; do
	case $o in
	b) build=$OPTARG ;;
	z) sizes=$OPTARG ;;
	j) json=$OPTARG ;;
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

# shellcheck source=perf/bench_peers.sh
. "$here/bench_peers.sh"
peers_lab pf-benchscale
zone=$tmp/base.zone
results=$tmp/results
probe_pid=
limit=120

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
	lab_cl_bg nice -n "$nice" taskset -c 0 python3 "$tmp/probe.py" "$SERVICE4" "$1" "$2" "$3" "$4" "$limit" \
		>"$tmp/probe.out" 2>&1
	probe_pid=$!
	lab_track "$probe_pid"
}

# probe_wait VAR: wait for the probe, put what it printed in VAR.
probe_wait()
{
	wait "$probe_pid"
	lab_untrack "$probe_pid"
	probe_pid=
	printf -v "$1" '%s' "$(cat "$tmp/probe.out")"
}

peer_launched()
{
	# swerved falling back from af_xdp to af_packet launches twice.
	[ -n "$probe_pid" ] && lab_stop_pid "$probe_pid"
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
	swerved-2cpu)
		# Started on both CPUs: the lcores are still on CPU 1, but the first
		# load parses the zone file on both (docs/design.md, "Parallel loading").
		swerved_cpus=0,1
		start_swerved 50
		swerved_cpus=
		mode="$mode, first load on CPUs 0-1"
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
	swerved | swerved-trim | swerved-2cpu)
		swerved_conf 50 >"$tmp/check.yaml"
		swerved_env=
		[ "$1" = swerved-trim ] && swerved_env=GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456
		cpus=1
		[ "$1" = swerved-2cpu ] && cpus=0,1
		# shellcheck disable=SC2086
		timeout "$limit" nice -n "$nice" taskset -c $cpus env ${swerved_env} "$swerved" --check -c "$tmp/check.yaml" >"$tmp/check-$1.log" 2>&1
		;;
	knot)
		mkdir -p "$tmp/knot-udp"
		knot_conf udp >"$tmp/knot-check.conf"
		timeout "$limit" nice -n "$nice" taskset -c 1 knotc -c "$tmp/knot-check.conf" zone-check bench.example \
			>"$tmp/check-$1.log" 2>&1
		;;
	nsd)
		timeout "$limit" nice -n "$nice" taskset -c 1 nsd-checkzone bench.example "$zone" >"$tmp/check-$1.log" 2>&1
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

# Expected peak bytes per name while loading and reloading (1M-name figures,
# rounded up, times two for the reload): what MemAvailable must hold.
peak_per_name()
{
	case $1 in
	swerved*) echo 500 ;;
	knot) echo 800 ;;
	nsd) echo 700 ;;
	*) echo 1000 ;;
	esac
}

echo "bench_scale: zones of $sizes names and of 10 names"
python3 "$here/gen_zone.py" 10 "$tmp/base.zone" || exit 1
for names in $sizes; do
	t0=$(date +%s.%N)
	python3 "$here/gen_zone.py" "$names" "$tmp/big-$names.zone" || exit 1
	echo "bench_scale: $names names: $(wc -c <"$tmp/big-$names.zone") bytes, generated in" \
		"$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}') s"
done
zone=$tmp/base.zone
peers_init || exit 1
started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# parse_behind: when swerved started from its table image, the seconds its log gives for the parse
# of the zones behind it, once that is done (bounded by $limit); nothing otherwise.
parse_behind()
{
	local re='s/.*zones parsed in \([0-9.]*\) s after the start from the table image.*/\1/p' v
	[ "${server#swerved}" != "$server" ] || return 0
	grep -qs "served without parsing" "$tmp"/swerved-50-*.log || return 0
	for _ in $(seq $((limit * 2))); do
		v=$(sed -n "$re" "$tmp"/swerved-50-*.log 2>/dev/null | tail -1)
		[ -n "$v" ] && { echo "$v"; return 0; }
		sleep 0.5
	done
}

# Start $server on $zone and measure the first answer and memory into
# first_$1, pss_$1, rss_$1 (the server keeps running).
load_one()
{
	pid=
	if ! start_peer "$server"; then
		[ -n "$probe_pid" ] && lab_stop_pid "$probe_pid"
		probe_pid=
		eval "first_$1=failed pss_$1=0 rss_$1=0"
		return 1
	fi
	pin_server >/dev/null
	probe_wait "first_$1"
	sleep 1
	read -r pss rss < <(srv_mem)
	eval "pss_$1=$pss rss_$1=$rss"
	return 0
}

: >"$results"
for server in $servers; do
	# Baseline: the 10-name zone, once per server.
	limit=120
	zone=$tmp/base.zone
	load_one base
	stop_server
	for names in $sizes; do
		zone=$tmp/big-$names.zone
		limit=$((60 + 60 * names / 1000000))
		avail=$(awk '/^MemAvailable:/ {printf "%.0f", $2 * 1024}' /proc/meminfo)
		need=$(($(peak_per_name "$server") * names))
		if [ "$need" -gt $((avail - 2 * 1024 * 1024 * 1024)) ]; then
			echo "bench_scale: SKIPPED $server with $names names: it would need about" \
				"$((need >> 20)) MiB, $((avail >> 20)) MiB available (2 GiB kept free)"
			echo "$names|$server|skipped: needs ~$((need >> 20)) MiB, $((avail >> 20)) MiB available|-|-|0|0|0|0|-|0|-|-|-" \
				>>"$results"
			continue
		fi
		load_one big
		# shellcheck disable=SC2154 # first_*, pss_*, rss_*: set by load_one through eval
		echo "bench_scale: $server ($mode) answered after $first_base s (10 names), $first_big s ($names names)"
		check=-
		reload=-
		restart=-
		behind=
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
			# Restart on the same files: swerved from the image written after the reload.
			if load_one restart; then
				behind=$(parse_behind)
				# shellcheck disable=SC2154 # first_restart: set by load_one through eval
				restart=$first_restart
				echo "bench_scale: $server restarted: first answer after $restart s${behind:+, zones parsed behind it in $behind s}"
				stop_server
			fi
			sed -i 's/^@ IN SOA ns1 hostmaster 2 /@ IN SOA ns1 hostmaster 1 /' "$zone"
			check=$(check_time "$server")
		fi
		# shellcheck disable=SC2154
		echo "$names|$server|$mode|$first_base|$first_big|$pss_base|$pss_big|$rss_base|$rss_big|$reload|$pss_reload|$check|$restart|${behind:--}" \
			>>"$results"
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "started $started; load average before $load0, after $load1; $(nproc) CPUs" \
	"($(lscpu | sed -n 's/^Model name: *//p')): servers on CPU 1, probe on CPU 0"
echo
mkdir -p "$(dirname "$json")"
python3 - "$results" "$json" "$started" "$load0" "$load1" "$cmdline" <<'PY'
import json, os, subprocess, sys

path, out, started, load0, load1, cmd = sys.argv[1:7]


def num(x):
    try:
        return float(x)
    except ValueError:
        return None


rows = []
for line in open(path):
    if not line.strip():
        continue
    f = line.rstrip("\n").split("|")
    n = int(f[0])
    fb, fg = num(f[3]), num(f[4])
    pb, pg, rb, rg = (float(x) for x in f[5:9])
    rows.append({"names": n, "server": f[1], "mode": f[2], "first_base_s": fb, "first_s": fg,
                 "load_s": fg - fb if fb is not None and fg is not None else None,
                 "pss_mb": pg / 1024 if pg else None,
                 "pss_per_name": (pg - pb) * 1024 / n if pg else None,
                 "rss_per_name": (rg - rb) * 1024 / n if rg else None,
                 "reload_s": num(f[9]), "pss_after_reload_mb": float(f[10]) / 1024 if num(f[10]) else None,
                 "check_s": num(f[11]),
                 "restart_s": num(f[12]) if len(f) > 12 else None,
                 "parse_behind_s": num(f[13]) if len(f) > 13 else None})


def fmt(x, nd=0):
    return "-" if x is None else "%.*f" % (nd, x)


print("| names | server | mode | first answer, 10 names s | first answer s | load s | load ratio"
      " | PSS MB | PSS B/name | PSS ratio | RSS B/name | reload s | reload ratio"
      " | PSS after reload MB | offline check s | restart s | restart ratio | parse behind s |")
print("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
      " ---: | ---: | ---: |")
for r in rows:
    ref = next((x for x in rows if x["names"] == r["names"] and x["server"] == "swerved"), None)

    def ratio(k):
        if ref is None or r[k] is None or not ref[k]:
            return "-"
        return "%.2f" % (r[k] / ref[k])

    print("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        r["names"], r["server"], r["mode"], fmt(r["first_base_s"], 3), fmt(r["first_s"], 3),
        fmt(r["load_s"], 2), ratio("load_s"), fmt(r["pss_mb"]), fmt(r["pss_per_name"]),
        ratio("pss_per_name"), fmt(r["rss_per_name"]), fmt(r["reload_s"], 3), ratio("reload_s"),
        fmt(r["pss_after_reload_mb"]), fmt(r["check_s"], 2), fmt(r["restart_s"], 3),
        ratio("restart_s"), fmt(r["parse_behind_s"], 1)))
model = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
model = next((l.split(":", 1)[1].strip() for l in model.splitlines() if l.startswith("Model name")), "")
json.dump({"bench": "scale", "started": started, "command": cmd, "nproc": os.cpu_count(),
           "cpu_model": model, "load_before": load0, "load_after": load1, "rows": rows},
          open(out, "w"), indent=1)
print()
print("results written to %s" % out)
PY
