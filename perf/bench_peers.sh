# SPDX-License-Identifier: BSD-3-Clause
# Sourced by perf/bench_lab.sh, bench_flood.sh and bench_scale.sh: the peers (swerved, knotd, nsd) started by PID in the lab of tests/common/lab.sh.
# shellcheck shell=bash disable=SC2154,SC2034
#
# The caller sets src (source tree) and swerved (its binary), sources this
# (which sources tests/common/lab.sh), calls peers_lab NAME (the lab's names,
# $tmp, the EXIT trap), sets zone (the zone file, origin bench.example) and
# driver (auto, af_xdp or af_packet), and calls peers_init once. Then, per peer:
#   start_swerved BACKOFF_US | start_knot udp|xdp | start_nsd
# builds a fresh lab (lab_up), starts the peer in its server namespace under
# taskset -c 1 and returns once it answers from the client
# namespace; $pid is the daemon, $mode says how it runs, $t_launch is the
# time (date +%s.%N) just before the daemon was started. A caller that wants
# to know when the process was launched defines peer_launched (run right after).
# swerved_env, when set, is a list of VAR=value put in swerved's environment;
# swerved_cpus, when set, the CPUs swerved is started on (default 1: its lcores
# are on CPU 1 either way, but its first zone load parses on all of these);
# nice, when set, the nice level of every peer; xdp_args, when set, more
# net_af_xdp devargs for swerved (for experiments, e.g. busy_budget=0).
# reload_zone asks the running peer to reload its zone file; stop_server stops
# the peer (by PID) and removes the lab. The peer is also tracked (lab_track),
# so lab_cleanup stops it at exit.

# shellcheck source=tests/common/lab.sh
. "$src/tests/common/lab.sh"

# peers_lab NAME: the benchmark's own lab (short names pf<PID>: interface names hold 15
# characters; a server namespace), $tmp (/tmp/NAME.XXXXXX) and the EXIT trap: lab_cleanup stops
# every peer by PID, removes the lab, the DPDK files and $tmp, once lab_on_exit copied $tmp to
# $outdir (when set).
peers_lab()
{
	export SWERVE_NEIGH=static
	LAB_PREFIX=pf-bench-$$
	LAB_KILL_NS=1
	lab_init "pf$$" "/tmp/$1.XXXXXX"
}
lab_on_exit()
{
	if [ -n "${outdir:-}" ]; then
		mkdir -p "$outdir" && cp -r "$tmp"/. "$outdir"/
	fi
}

# Debian packages: install what is missing, and stop whatever daemon the
# package starts (the ones running after the install that did not before).
peers_need_pkgs()
{
	local missing="" before after p
	command -v knotd >/dev/null || missing="$missing knot"
	command -v nsd >/dev/null || missing="$missing nsd"
	command -v dnsperf >/dev/null || missing="$missing dnsperf"
	[ -z "$missing" ] && return 0
	echo "bench: installing$missing"
	before=$(pgrep -x 'knotd|nsd' | sort)
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing \
		>/dev/null || return 1
	for p in knot nsd; do
		if [ -d /run/systemd/system ] && systemctl is-active -q "$p" 2>/dev/null; then
			systemctl stop "$p"
			systemctl disable -q "$p"
		fi
	done
	after=$(pgrep -x 'knotd|nsd' | sort)
	for p in $(comm -13 <(echo "$before") <(echo "$after")); do
		echo "bench: stopping the packaged daemon $(ps -o pid=,args= -p "$p")"
		kill "$p"
	done
	return 0
}

peers_init()
{
	peers_need_pkgs || { echo "bench: cannot install knot and nsd" >&2; return 1; }
	pid=
	mode=
	t_launch=
	probe_name=host-0.bench.example
	probe_addr=$(awk '$1 == "host-0" && $2 == "A" {print $3; exit}' "$zone")
	return 0
}

stop_server()
{
	# swerved shuts down on SIGINT, knotd and nsd on SIGTERM.
	lab_stop_pid "$pid" 10 INT TERM
	pid=
	# Whatever is left in the lab's namespaces is ours (nsd's children).
	lab_kill_ns
	lab_down
}

# Wait until the server answers the probe from the client namespace (or dies).
wait_ready() { lab_wait_answer -n 600 -i 0.2 "$probe_name" A "$probe_addr"; }

# knotd pins its UDP worker n to CPU n by itself (so worker 0 to CPU 0,
# dnsperf's): put every thread of the peer back on CPU 1 and print the CPUs
# its threads may use (the union over the server namespace).
pin_server()
{
	local p
	for p in $(ip netns pids "$SWERVE_SRV"); do
		taskset -a -p -c 1 "$p" >/dev/null
	done
	for p in $(ip netns pids "$SWERVE_SRV"); do
		cat /proc/"$p"/task/*/status 2>/dev/null | awk '/^Cpus_allowed_list/ {print $2}'
	done | sort -u | paste -sd' '
}

# A fresh lab; kernel peers get ARP and the service address on the server end.
lab_for()
{
	lab_up >/dev/null || return 1
	if [ "$1" = kernel ]; then
		ip -n "$SWERVE_SRV" link set "$SWERVE_DP" arp on
		ip -n "$SWERVE_SRV" addr add "$SERVICE4/24" dev "$SWERVE_DP"
	fi
	return 0
}

launched()
{
	if declare -F peer_launched >/dev/null; then
		peer_launched
	fi
}

swerved_conf()
{
	lab_yaml -o - -z "bench.example=$zone" -b "$1" -m '~' -c "$tmp/swerve.sock" "exception:
  interface: $EXC" "failover:
  state-file: ~" "log:
  level: info"
}

start_swerved()
{
	local backoff=$1 d vdev
	swerved_conf "$backoff" >"$tmp/swerve.yaml"
	for d in af_xdp af_packet; do
		[ "$driver" = auto ] || [ "$driver" = "$d" ] || continue
		lab_for dpdk || return 1
		vdev="net_${d}0,iface=$SWERVE_DP"
		[ "$d" = af_xdp ] && [ -n "${xdp_args:-}" ] && vdev="$vdev,$xdp_args"
		t_launch=$(date +%s.%N)
		lab_swerved_start -p "nice -n ${nice:-0} taskset -c ${swerved_cpus:-1} env ${swerved_env:-}" -l 0@1,1@1 \
			-v "$vdev" -L "$tmp/swerved-$backoff-$d.log"
		lab_track "$pid"
		launched
		if wait_ready; then
			mode="$d, busy poll"
			[ "$backoff" -ne 0 ] && mode="$d, idle back-off $backoff us"
			return 0
		fi
		echo "bench: swerved did not answer on $d; its log ends:" >&2
		tail -n 5 "$tmp/swerved-$backoff-$d.log" | sed 's/^/  | /' >&2
		stop_server
	done
	return 1
}

# Knot: one UDP worker; "udp" on a kernel socket, "xdp" on the veth end only.
knot_conf()
{
	echo "server:"
	echo "    rundir: $tmp/knot-$1"
	[ "$1" = udp ] && echo "    listen: $SERVICE4@53"
	echo "    udp-workers: 1"
	echo "    tcp-workers: 1"
	echo "    background-workers: 1"
	if [ "$1" = xdp ]; then
		echo "xdp:"
		echo "    listen: $SWERVE_DP@53"
		echo "    udp: on"
	fi
	echo "log:"
	echo "  - target: stderr"
	echo "    any: info"
	echo "database:"
	echo "    storage: $tmp/knot-$1"
	echo "zone:"
	echo "  - domain: bench.example"
	echo "    file: $zone"
	echo "    journal-content: none"
	echo "    zonefile-sync: -1"
}

start_knot()
{
	local xdp=$1
	mkdir -p "$tmp/knot-$xdp"
	knot_conf "$xdp" >"$tmp/knot-$xdp.conf"
	if [ "$xdp" = xdp ]; then lab_for dpdk; else lab_for kernel; fi || return 1
	t_launch=$(date +%s.%N)
	lab_srv_bg nice -n "${nice:-0}" taskset -c 1 knotd -c "$tmp/knot-$xdp.conf" >"$tmp/knot-$xdp.log" 2>&1
	pid=$!
	lab_track "$pid"
	launched
	if wait_ready; then
		mode="kernel UDP socket"
		[ "$xdp" = xdp ] && mode="XDP, $(grep -o '[a-z]* mode' "$tmp/knot-$xdp.log" | head -n 1)"
		return 0
	fi
	echo "bench: knotd ($xdp) did not answer; its log ends:" >&2
	tail -n 5 "$tmp/knot-$xdp.log" | sed 's/^/  | /' >&2
	stop_server
	return 1
}

nsd_conf()
{
	cat <<EOF
server:
    ip-address: $SERVICE4
    port: 53
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$tmp"
    database: ""
    zonelistfile: "$tmp/nsd/zone.list"
    xfrdfile: "$tmp/nsd/xfrd.state"
    xfrdir: "$tmp/nsd"
    pidfile: "$tmp/nsd/nsd.pid"
    logfile: "$tmp/nsd.log"
    verbosity: 1
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: yes
    control-interface: $tmp/nsd/nsd.sock
zone:
    name: bench.example
    zonefile: "$zone"
EOF
}

start_nsd()
{
	mkdir -p "$tmp/nsd"
	nsd_conf >"$tmp/nsd.conf"
	lab_for kernel || return 1
	t_launch=$(date +%s.%N)
	lab_srv_bg nice -n "${nice:-0}" taskset -c 1 nsd -d -c "$tmp/nsd.conf" >"$tmp/nsd.out" 2>&1
	pid=$!
	lab_track "$pid"
	launched
	if wait_ready; then
		mode="kernel UDP socket, RRL off"
		return 0
	fi
	echo "bench: nsd did not answer; its log ends:" >&2
	tail -n 5 "$tmp/nsd.out" "$tmp/nsd.log" 2>/dev/null | sed 's/^/  | /' >&2
	stop_server
	return 1
}

# The two peers that are no DNS server: "gen" (nothing on the server end, the
# kernel drops what arrives) and "reflect" (perf/xdp_reflect.c on the server
# end turns each query into a bare response in XDP: the lab's own floor of
# latency and ceiling of rate; "start_bare reflect client-xdp" also puts an
# XDP_PASS program on the client end, for clients on kernel sockets).
# peers_build_reflect compiles the program into
# $tmp (clang, libbpf headers) and returns non-zero if it cannot.
peers_build_reflect()
{
	clang -O2 -target bpf -I/usr/include/"$(uname -m)"-linux-gnu -c "$src/perf/xdp_reflect.c" \
		-o "$tmp/xdp_reflect.o" 2>"$tmp/clang.log" &&
		clang -O2 -target bpf -I/usr/include/"$(uname -m)"-linux-gnu -DXDP_PASS_ONLY \
			-c "$src/perf/xdp_reflect.c" -o "$tmp/xdp_pass.o" 2>>"$tmp/clang.log"
}

start_bare()
{
	lab_for dpdk || return 1
	t_launch=$(date +%s.%N)
	if [ "$1" = reflect ]; then
		ip -n "$SWERVE_SRV" link set dev "$SWERVE_DP" xdpdrv obj "$tmp/xdp_reflect.o" sec xdp ||
			return 1
		# The client end needs NAPI to take XDP_TX frames: an XDP program
		# gives it that (kxdpgun loads its own, dnsperf needs this one).
		[ "${2:-}" = client-xdp ] &&
			{ lab_cl ip link set dev "$SWERVE_CL" xdpdrv obj "$tmp/xdp_pass.o" sec xdp || return 1; }
		mode="XDP_TX reflector, no DNS work"
	else
		mode="no server (the kernel drops)"
	fi
	return 0
}

# Ask the running peer ($1: swerved, knot or nsd) to reload its zone file.
reload_zone()
{
	case $1 in
	swerved*) lab_srv "$(dirname "$swerved")/swervectl" -s "$tmp/swerve.sock" zone-reload bench.example ;;
	knot) lab_srv knotc -s "$tmp/knot-udp/knot.sock" zone-reload bench.example ;;
	nsd) lab_srv nsd-control -c "$tmp/nsd.conf" reload bench.example ;;
	esac
}
