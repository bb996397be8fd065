# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034,SC2120
# (SC2034: variables set for the caller; SC2120: functions whose arguments are optional)
# The lab library: one life cycle for the integration tests (tests/integration/*.sh), the
# benchmarks (perf/*.sh), scripts/demo.sh and the lab CLI (scripts/lab.sh, a thin wrapper).
#
# The lab is a veth pair: its DPDK end (SWERVE_DP) in the server namespace SWERVE_SRV (or the
# root namespace when that is empty), its client end (SWERVE_CL) in the client namespace
# SWERVE_NS with 198.18.0.1/24 and 2001:2::1/64; the service is 198.18.0.53 and 2001:2::53
# (the benchmarking ranges, RFC 2544 / RFC 5180). Names come from the environment so that
# concurrent runs do not collide:
#   SWERVE_LAB    a prefix: sets <prefix>-dp, <prefix>-cl, <prefix>-ns (and the tap <prefix>-x);
#                 keep it short, interface names hold 15 characters
#   SWERVE_DP / SWERVE_CL / SWERVE_NS   each name on its own (default sw-dp, sw-cl, swerve-client)
#   SWERVE_SRV    the server namespace the DPDK end is moved into ("" = stay in the root one)
#   SWERVE_NEIGH  "static" (default): permanent neighbour entries for the service addresses on
#                 the client; "dynamic": none, swerved must answer ARP/ND (exception path)
#
# Functions (one line each; the header of each says more):
#   lab_names               derive the names above (and SERVICE4/6, CLIENT4/6) from the environment
#   lab_init [PREFIX [TMPL]] a run: names (PREFIX: own lab with a server namespace), $tmp, traps
#   lab_need_root / lab_need TOOL...   exit 77 (SKIP) when not root / a tool is missing
#   lab_test PREFIX [TOOL...]           a test's preamble: root, ip and TOOLs, swerved built, lab_init
#   lab_up [QUEUES] / lab_down          build the veth lab (rebuilt if it exists) / remove it
#   lab_srv CMD / lab_cl CMD            run CMD in the server / client namespace
#   lab_srv_bg CMD / lab_cl_bg CMD      the same in the background; $! is CMD's own PID
#   lab_dig ARGS                        dig +short from the client namespace (3 tries of 1 s)
#   lab_client_addr ADDR/LEN            one more client address (a second source)
#   lab_dp_mac                          the DPDK end's MAC
#   lab_zone [LINE...]                  the test zone example.test (+ LINEs) on stdout
#   lab_zone_big                        the 30 TXT records too large for one UDP answer
#   lab_yaml [OPTS] [SECTION...]        swerve.yaml from a base and sections (rrl, cookies ...)
#   lab_swerved_start [OPTS]            swerved in the server namespace, one --file-prefix; $pid
#   lab_wait_answer [OPTS] NAME TYPE [WANT]  poll from the client namespace until answered
#   lab_swerved_up [OPTS]               lab_swerved_start + wait for www.example.test A
#   lab_start [YAML OPTS] [SECTION...]  zone, YAML, lab up, lab_pre_start hook, swerved answering
#   lab_track PID... / lab_untrack PID  processes the cleanup must stop
#   lab_stop_all [SIG...]               stop every tracked process (default SIGTERM)
#   lab_kill_ns                         SIGKILL what is left in the lab's namespaces
#   lab_reap PID [SECS]                 wait for PID to end, SIGKILL after SECS; status in LAB_RC
#   lab_stop_pid PID [SECS [SIG...]]    SIGs (default TERM), then lab_reap; never by name
#   lab_swerved_stop                    stop swerved ($pid) and check its log for sanitizer reports
#   lab_shutdown                        SIGINT: swerved must exit 0, no sanitizer report, no tap
#   lab_sanitizer_check [LOG]           fail on an AddressSanitizer/LeakSanitizer/UBSan report
#   lab_metric PORT NAME / lab_field KEY LINE   a Prometheus value / a key=value field
#   lab_until SECS CMD...               run CMD every 0.1 s until it succeeds, for at most SECS
#   lab_zone_get ZONE EXPR / lab_zone_true ZONE EXPR   a Python expression on zone-list's
#                                       entry z for ZONE (t: its transfer) / whether it is True
#   pass MSG / fail MSG                 one check ($failures counts the failures; LAB_TAG suffix)
#   lab_verdict [NAME]                  exit 0 when nothing failed, else show the log and exit 1
#   lab_cleanup                         the EXIT trap: processes, lab, taps, DPDK files, $tmp
#
# Set after sourcing: top (source tree), build, swerved, swervectl; after lab_init also tmp,
# log ($tmp/swerved.log), pid (swerved), EXC (the tap name), SRV (= SWERVE_SRV), failures.

: "${top:=${SWERVE_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}}"
: "${build:=${SWERVE_BUILDDIR:-$top/build}}"
: "${swerved:=$build/control/swerved}"
: "${swervectl:=$build/control/swervectl}"
: "${failures:=0}"
LAB_PIDS=()
LAB_IS_UP=0

lab_names()
{
	if [ -n "${SWERVE_LAB:-}" ]; then
		: "${SWERVE_DP:=${SWERVE_LAB}-dp}"
		: "${SWERVE_CL:=${SWERVE_LAB}-cl}"
		: "${SWERVE_NS:=${SWERVE_LAB}-ns}"
	fi
	SWERVE_DP=${SWERVE_DP:-sw-dp}
	SWERVE_CL=${SWERVE_CL:-sw-cl}
	SWERVE_NS=${SWERVE_NS:-swerve-client}
	SWERVE_SRV=${SWERVE_SRV:-}
	SWERVE_NEIGH=${SWERVE_NEIGH:-static}
	SWERVE_OFFLOAD=${SWERVE_OFFLOAD:-off}
	export SWERVE_DP SWERVE_CL SWERVE_NS SWERVE_SRV
	SRV=$SWERVE_SRV
	EXC=${SWERVE_LAB:-sw}-x
	CLIENT4=198.18.0.1
	CLIENT6=2001:2::1
	SERVICE4=198.18.0.53
	SERVICE6=2001:2::53
}

lab_need_root()
{
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
}

lab_need()
{
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
	done
}

# lab_init [PREFIX [TMPL]]: with PREFIX, a lab of its own (SWERVE_LAB=PREFIX, server namespace
# PREFIX-sv); without, the names in the environment. A scratch directory ($tmp, mktemp -d TMPL),
# swerved's DPDK file prefix (LAB_PREFIX, default SWERVE_LAB) and the EXIT/INT/TERM traps.
lab_init()
{
	if [ -n "${1:-}" ]; then
		export SWERVE_LAB=$1
		export SWERVE_SRV=$1-sv
	fi
	lab_names
	: "${LAB_PREFIX:=${SWERVE_LAB:-swerve-lab-$$}}"
	if [ -n "${2:-}" ]; then tmp=$(mktemp -d "$2"); else tmp=$(mktemp -d); fi
	log=$tmp/swerved.log
	pid=
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# lab_test PREFIX [TOOL...]: what every integration test checks first, then lab_init PREFIX.
lab_test()
{
	local prefix=$1
	shift
	lab_need_root
	lab_need ip "$@"
	[ -x "$swerved" ] || { echo "FAIL: $swerved not built"; exit 1; }
	lab_init "$prefix"
}

# Run "$@" where the DPDK end lives / in the client namespace.
lab_srv()
{
	if [ -n "$SWERVE_SRV" ]; then ip netns exec "$SWERVE_SRV" "$@"; else "$@"; fi
}
lab_cl() { ip netns exec "$SWERVE_NS" "$@"; }
# In the background: ip netns exec execs CMD, so $! (read by the caller) is CMD's own PID.
lab_srv_bg()
{
	if [ -n "$SWERVE_SRV" ]; then ip netns exec "$SWERVE_SRV" "$@" & else "$@" & fi
}
lab_cl_bg() { ip netns exec "$SWERVE_NS" "$@" & }
lab_dig() { ip netns exec "$SWERVE_NS" dig +time=1 +tries=3 +short "$@"; }

lab_down()
{
	# Deleting one end of a veth deletes the pair, wherever the peer lives.
	lab_srv ip link del "$SWERVE_DP" 2>/dev/null || true
	ip netns del "$SWERVE_NS" 2>/dev/null || true
	if [ -n "$SWERVE_SRV" ]; then ip netns del "$SWERVE_SRV" 2>/dev/null || true; fi
	LAB_IS_UP=0
	return 0
}

# lab_offload on|off: segmentation offload (TSO/GSO) of the client end, the DPDK port's peer.
# A veth hands its peer what its kernel built: with TSO/GSO on, TCP frames of several segments
# (2,416 octets and more), which no wire carries and the DPDK port cannot take (af_packet cuts
# them at its 2 KiB ring frame, af_xdp drops them): every large TCP transfer towards swerved (a
# primary's AXFR) then crawls through retransmissions. Off, the link behaves like a wire. The
# lab turns it off unless SWERVE_OFFLOAD=on; docs/lab.md says why and when an operator must.
lab_offload()
{
	local v=$1
	if command -v ethtool >/dev/null 2>&1; then
		ip netns exec "$SWERVE_NS" ethtool -K "$SWERVE_CL" tso "$v" gso "$v" >/dev/null 2>&1 &&
			return 0
	fi
	# Without ethtool: one segment per GSO frame has the same effect.
	ip -n "$SWERVE_NS" link set "$SWERVE_CL" gso_max_segs "$([ "$v" = off ] && echo 1 || echo 65535)"
}

# lab_up [QUEUES]: the veth pair (QUEUES rx/tx queues per end, default 1) and the namespaces.
lab_up()
{
	local q=${1:-1} mac
	case "$q" in
	'' | *[!0-9]*) echo "lab: queue count must be a number" >&2; return 2 ;;
	esac
	lab_down
	LAB_IS_UP=1
	ip netns add "$SWERVE_NS" || return 1
	ip link add "$SWERVE_DP" numtxqueues "$q" numrxqueues "$q" type veth \
		peer name "$SWERVE_CL" numtxqueues "$q" numrxqueues "$q" || { lab_down; return 1; }
	ip link set "$SWERVE_CL" netns "$SWERVE_NS" || { lab_down; return 1; }
	mac=$(cat "/sys/class/net/$SWERVE_DP/address")
	if [ -n "$SWERVE_SRV" ]; then
		ip netns add "$SWERVE_SRV" || { lab_down; return 1; }
		ip link set "$SWERVE_DP" netns "$SWERVE_SRV" || { lab_down; return 1; }
		ip -n "$SWERVE_SRV" link set lo up
	fi
	# The kernel must leave the DPDK end alone (af_packet hands it a copy of every frame;
	# af_xdp does not): no ARP, no IPv6 (so no router solicitations or MLD reports either),
	# and strict reverse-path filtering so a query to a service address that the exception
	# tap holds is not also taken by the kernel, which would answer ICMP port unreachable.
	# (Strict only if net.ipv4.conf.all.rp_filter is not 2.)
	lab_srv ip link set "$SWERVE_DP" arp off
	lab_srv sysctl -qw "net.ipv6.conf.$SWERVE_DP.disable_ipv6=1" \
		"net.ipv4.conf.$SWERVE_DP.rp_filter=1" >/dev/null 2>&1 || true
	lab_srv ip link set "$SWERVE_DP" up || { lab_down; return 1; }

	ip -n "$SWERVE_NS" link set lo up
	ip -n "$SWERVE_NS" addr add "$CLIENT4/24" dev "$SWERVE_CL" || { lab_down; return 1; }
	ip -n "$SWERVE_NS" addr add "$CLIENT6/64" dev "$SWERVE_CL" nodad || { lab_down; return 1; }
	ip -n "$SWERVE_NS" link set "$SWERVE_CL" up || { lab_down; return 1; }
	lab_offload "$SWERVE_OFFLOAD" || echo "lab: cannot set TSO/GSO $SWERVE_OFFLOAD on $SWERVE_CL" >&2
	if [ "$SWERVE_NEIGH" = static ]; then
		ip -n "$SWERVE_NS" neigh replace "$SERVICE4" lladdr "$mac" dev "$SWERVE_CL" nud permanent
		ip -n "$SWERVE_NS" neigh replace "$SERVICE6" lladdr "$mac" dev "$SWERVE_CL" nud permanent
	fi
	return 0
}

# lab_client_addr ADDR/LEN: another source address on the client end.
lab_client_addr() { ip -n "$SWERVE_NS" addr add "$1" dev "$SWERVE_CL"; }

lab_dp_mac() { lab_srv cat "/sys/class/net/$SWERVE_DP/address"; }

# lab_zone [LINE...]: the zone example.test, then LINEs (www is line 6: file:line checks use it).
lab_zone()
{
	local l
	echo '$ORIGIN example.test.'
	echo '$TTL 300'
	echo '@	IN SOA ns1 hostmaster 1 3600 600 86400 60'
	echo '	IN NS ns1'
	echo 'ns1	IN A 198.18.0.53'
	echo 'www	IN A 192.0.2.80'
	for l in "$@"; do echo "$l"; done
}
lab_zone_big()
{
	local i
	for i in $(seq -w 1 30); do
		printf 'big	IN TXT "%s-%0200d"\n' "$i" 0
	done
}

# lab_knot_head DIR ADDR SOCK LOG LEVEL [WORKERS]: the first sections of a knot.conf for a knotd
# the lab starts (a transfer primary or a reference secondary): rundir and storage DIR, listening
# on ADDR port 53, the control socket SOCK, the log to LOG at LEVEL; with WORKERS, that many UDP,
# TCP and background workers (default: knotd's own). The caller appends key:, remote:, acl:,
# template: and zone: sections.
lab_knot_head()
{
	echo "server:"
	echo "    rundir: \"$1\""
	echo "    listen: $2@53"
	if [ -n "${6:-}" ]; then
		echo "    udp-workers: $6"
		echo "    tcp-workers: $6"
		echo "    background-workers: $6"
	fi
	echo "database:"
	echo "    storage: \"$1\""
	echo "control:"
	echo "    listen: \"$3\""
	echo "log:"
	echo "  - target: \"$4\""
	echo "    any: $5"
}

# lab_yaml [-o FILE|-] [-z NAME=FILE]... [-b BACKOFF_US] [-d DATAPLANE_LINES] [-m METRICS]
#          [-c CONTROL_SOCKET] [-i IMAGE] [SECTION...]
# swerve.yaml (default $tmp/swerve.yaml): the service addresses, the zones (default example.test
# from example.test.zone), dataplane (idle back-off 50 us, then DATAPLANE_LINES), metrics
# (listen: null), the table image (default $tmp/table.img, "~" for none: never the system's),
# control (socket $tmp/control.sock), then each SECTION as given (a SECTION starting with two
# spaces continues the control: section).
lab_yaml()
{
	local out=$tmp/swerve.yaml backoff=50 dp='' metrics=null sock=$tmp/control.sock z s
	local image=$tmp/table.img zones=() OPTIND=1 o
	while getopts "o:z:b:d:m:c:i:" o; do
		case $o in
		o) out=$OPTARG ;;
		z) zones+=("$OPTARG") ;;
		b) backoff=$OPTARG ;;
		d) dp=$OPTARG ;;
		m) metrics=$OPTARG ;;
		c) sock=$OPTARG ;;
		i) image=$OPTARG ;;
		*) return 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	[ ${#zones[@]} -gt 0 ] || zones=(example.test=example.test.zone)
	{
		echo "service:"
		echo "  addresses: [$SERVICE4/24, $SERVICE6/64]"
		echo "zones:"
		for z in "${zones[@]}"; do
			echo "  - name: ${z%%=*}"
			echo "    file: ${z#*=}"
		done
		echo "dataplane:"
		echo "  idle-backoff-us: $backoff"
		[ -z "$dp" ] || echo "$dp"
		echo "metrics:"
		echo "  listen: $metrics"
		echo "table:"
		echo "  image: $image"
		echo "control:"
		echo "  socket: $sock"
		for s in "$@"; do echo "$s"; done
	} >"$([ "$out" = - ] && echo /dev/stdout || echo "$out")"
}

# lab_swerved_start [-B BINARY] [-l LCORES] [-v VDEV]... [-c CONF] [-L LOG] [-a] [-p PREFIX_CMD]
#                   [-C DIR]
# swerved where the DPDK end lives: --no-pci --no-huge -m 512, one --file-prefix (LAB_PREFIX),
# LCORES (default 0@0,1@1), the VDEVs (default net_af_packet0 on SWERVE_DP), CONF (default
# $tmp/swerve.yaml), output to LOG (default $log; -a appends). PREFIX_CMD (word-split, e.g.
# "nice -n 0 taskset -c 1 env A=B") runs it; -C starts it in DIR. Sets $pid (swerved's own).
lab_swerved_start()
{
	local bin=$swerved lcores=0@0,1@1 conf=$tmp/swerve.yaml lg=$log append=0 pre='' dir=''
	local vdevs=() argv=() OPTIND=1 o
	while getopts "B:l:v:c:L:ap:C:" o; do
		case $o in
		B) bin=$OPTARG ;;
		l) lcores=$OPTARG ;;
		v) vdevs+=(--vdev "$OPTARG") ;;
		c) conf=$OPTARG ;;
		L) lg=$OPTARG ;;
		a) append=1 ;;
		p) pre=$OPTARG ;;
		C) dir=$OPTARG ;;
		*) return 2 ;;
		esac
	done
	[ ${#vdevs[@]} -gt 0 ] || vdevs=(--vdev "net_af_packet0,iface=$SWERVE_DP")
	[ -n "$SWERVE_SRV" ] && argv=(ip netns exec "$SWERVE_SRV")
	# shellcheck disable=SC2206 # the prefix command is meant to be split into words
	argv+=($pre "$bin" --lcores "$lcores" --no-pci --no-huge -m 512 --file-prefix "$LAB_PREFIX"
		"${vdevs[@]}" -- -c "$conf")
	if [ "$append" = 1 ]; then
		(cd "${dir:-.}" && exec "${argv[@]}") >>"$lg" 2>&1 &
	else
		(cd "${dir:-.}" && exec "${argv[@]}") >"$lg" 2>&1 &
	fi
	pid=$!
}

# lab_wait_answer [-p PID|-P] [-n TRIES] [-i INTERVAL] [-s SERVER] [-o PORT] [-b SOURCE] [-k]
#                 NAME TYPE [WANT]
# Asks from the client namespace (dig +short, or kdig with -k) every INTERVAL seconds (default
# 0.5), at most TRIES times (default 60), until the answer is WANT (or, without WANT, anything).
# Gives up early when PID (default $pid; -P: none) has exited. SERVER: default the service.
lab_wait_answer()
{
	local p=${pid:-} tries=60 every=0.5 server=$SERVICE4 port=53 from=() OPTIND=1 o got
	local q=(dig +short +time=1 +tries=1)
	while getopts "p:Pn:i:s:o:b:k" o; do
		case $o in
		p) p=$OPTARG ;;
		P) p= ;;
		n) tries=$OPTARG ;;
		i) every=$OPTARG ;;
		s) server=$OPTARG ;;
		o) port=$OPTARG ;;
		b) from=(-b "$OPTARG") ;;
		k) q=(kdig +short +timeout=1 +retry=0) ;;
		*) return 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	for _ in $(seq "$tries"); do
		if [ -n "$p" ] && ! kill -0 "$p" 2>/dev/null; then return 1; fi
		got=$(lab_cl "${q[@]}" "${from[@]}" -p "$port" @"$server" "$1" "$2" 2>/dev/null)
		if [ $# -ge 3 ]; then
			[ "$got" = "$3" ] && return 0
		elif [ -n "$got" ]; then
			return 0
		fi
		sleep "$every"
	done
	return 1
}

# lab_swerved_up [-O OK_MESSAGE] [-b SOURCE] [-k] [lab_swerved_start options]: start swerved
# and wait until it answers www.example.test A (from SOURCE if given; -k: asked with kdig). On
# success a pass line (default "swerved answers over UDP"; -O "" for none); otherwise a
# failure with its log, swerved stopped, and status 1.
lab_swerved_up()
{
	local ok="swerved answers over UDP" w=() args=()
	while [ $# -gt 0 ]; do
		case $1 in
		-O) ok=$2; shift 2 ;;
		-b) w+=(-b "$2"); shift 2 ;;
		-k) w+=(-k); shift ;;
		*) args+=("$1"); shift ;;
		esac
	done
	lab_swerved_start "${args[@]}"
	if lab_wait_answer "${w[@]}" www.example.test A 192.0.2.80; then
		[ -z "$ok" ] || pass "$ok"
		return 0
	fi
	fail "swerved did not answer; its log:"
	sed 's/^/    | /' "$log"
	lab_stop_pid "$pid" 10 INT
	pid=
	return 1
}

# lab_start [lab_yaml options] [SECTION...]: the whole bring-up most tests need. The zone (when
# $tmp/example.test.zone does not exist yet: lab_zone with www AAAA and lab_zone_big), the
# YAML, the lab, $dpmac, then lab_pre_start when the caller defines it (things that run beside
# swerved), then swerved answering. Exits 1 when the lab or swerved does not come up.
lab_start()
{
	[ -f "$tmp/example.test.zone" ] ||
		{ lab_zone 'www	IN AAAA 2001:db8::80'; lab_zone_big; } >"$tmp/example.test.zone"
	lab_yaml "$@"
	lab_up >/dev/null || { echo "FAIL: lab up"; exit 1; }
	dpmac=$(lab_dp_mac)
	if declare -F lab_pre_start >/dev/null; then
		lab_pre_start
	fi
	lab_swerved_up || exit 1
}

lab_track() { LAB_PIDS+=("$@"); }
# lab_stop_all [SIG...]: every tracked process gets each SIG (default TERM), then is reaped.
lab_stop_all()
{
	local p s
	[ $# -gt 0 ] || set -- TERM
	for p in "${LAB_PIDS[@]}"; do
		for s in "$@"; do kill -"$s" "$p" 2>/dev/null || true; done
	done
	for p in "${LAB_PIDS[@]}"; do lab_reap "$p" 5 || true; done
	LAB_PIDS=()
}
# lab_kill_ns: SIGKILL whatever is left in the lab's namespaces (they are this run's: nsd's forked
# server and xfrd children, for one).
lab_kill_ns()
{
	local ns p
	for ns in "$SWERVE_NS" $SWERVE_SRV; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
	done
}
lab_untrack()
{
	local p rest=()
	for p in "${LAB_PIDS[@]}"; do [ "$p" = "$1" ] || rest+=("$p"); done
	LAB_PIDS=("${rest[@]}")
}

# lab_reap PID [SECS]: wait up to SECS (default 10) for PID to end, then SIGKILL it. Status 0
# when it ended by itself; its exit status is in LAB_RC (for a child of this shell).
lab_reap()
{
	local p=$1 n=$((${2:-10} * 10)) i alone=0
	LAB_RC=
	[ -n "$p" ] || return 0
	for ((i = 0; i < n; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$p" 2>/dev/null || alone=1
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null && LAB_RC=0 || LAB_RC=$?
	lab_untrack "$p"
	[ "$alone" = 1 ]
}

# lab_stop_pid PID [SECS [SIG...]]: send each SIG (default TERM) to PID, then lab_reap PID SECS.
lab_stop_pid()
{
	local p=$1 secs=${2:-10} s
	[ -n "$p" ] || return 0
	shift $(($# < 2 ? $# : 2))
	[ $# -gt 0 ] || set -- TERM
	for s in "$@"; do kill -"$s" "$p" 2>/dev/null || true; done
	lab_reap "$p" "$secs"
}

# lab_sanitizer_check [LOG]: a sanitizer build reports without changing the exit status. What
# counts as a report: LAB_SAN_RE (an ERE), by default any line naming a sanitizer.
lab_sanitizer_check()
{
	local f=${1:-$log}
	if [ -f "$f" ] && grep -qE "${LAB_SAN_RE:-runtime error:|AddressSanitizer|LeakSanitizer}" "$f"; then
		fail "sanitizer report in the log:"
		sed -n '/Sanitizer\|runtime error/,$p' "$f" | head -40 | sed 's/^/    | /'
		return 1
	fi
	return 0
}

# lab_swerved_stop: swerved ($pid) stopped (SIGINT, SIGKILL after 10 s), its log checked.
lab_swerved_stop()
{
	if [ -n "${pid:-}" ]; then
		lab_stop_pid "$pid" 10 INT
		pid=
		lab_sanitizer_check
	fi
	return 0
}

# lab_shutdown: SIGINT; swerved must exit 0 within 10 s, with no sanitizer report and its tap gone.
lab_shutdown()
{
	if ! lab_stop_pid "$pid" 10 INT; then
		pid=
		fail "swerved did not stop on SIGINT"
		return
	fi
	pid=
	[ "$LAB_RC" -eq 0 ] && pass "swerved exited 0" || fail "swerved exited $LAB_RC"
	lab_sanitizer_check
	if ip -n "$SWERVE_SRV" link show "$EXC" >/dev/null 2>&1; then
		fail "tap $EXC still exists after exit"
	else
		pass "tap removed at exit"
	fi
}

# lab_until SECS CMD...: run CMD every 0.1 s until it succeeds; fails after SECS seconds.
lab_until() {
	local n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# lab_zone_get ZONE EXPR: EXPR (Python) evaluated on swervectl zone-list's entry "z" for ZONE,
# "t" being its transfer state; the error text when there is none.
lab_zone_get() {
	timeout 10 "$swervectl" -s "$tmp/control.sock" --json zone-list 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
z = [z for z in r["zones"] if z["zone"].rstrip(".") == sys.argv[1]][0]
t = z.get("transfer") or {}
print(eval(sys.argv[2]))' "$1" "$2" 2>&1
}
lab_zone_true() { [ "$(lab_zone_get "$1" "$2")" = True ]; }

# lab_metric PORT NAME_WITH_LABELS: the value summed over the lines starting so (0 when absent),
# scraped in the server namespace.
lab_metric()
{
	lab_srv curl -s "http://127.0.0.1:$1/metrics" |
		awk -v m="$2" 'index($0, m) == 1 { s += $NF } END { print s + 0 }'
}
# lab_field KEY LINE: KEY's value in a "k=v k=v" line (0 when absent).
lab_field() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'; }

pass() { echo "ok: $*${LAB_TAG:+ [$LAB_TAG]}"; }
fail()
{
	echo "FAIL: $*${LAB_TAG:+ [$LAB_TAG]}"
	failures=$((failures + 1))
}

# lab_verdict [NAME]: exit 0 when nothing failed; else swerved's log (when there is one), exit 1.
lab_verdict()
{
	local name=${1:-$(basename "$0" .sh)}
	if [ "$failures" -ne 0 ]; then
		if [ -s "${log:-}" ]; then
			echo "--- swerved log"
			cat "$log"
		fi
		echo "$name: $failures failure(s)"
		exit 1
	fi
	echo "$name: all passed"
	exit 0
}

# The EXIT trap: the tracked processes (TERM), swerved (INT), with LAB_KILL_NS set whatever is
# left in the lab's namespaces, the lab (only when this run brought it up), then the caller's
# lab_on_exit hook, the DPDK runtime files of LAB_PREFIX and LAB_PREFIXES, and $tmp (unless
# LAB_KEEP is set).
lab_cleanup()
{
	local p
	trap - EXIT INT TERM
	lab_stop_all TERM
	LAB_STOPPED_SWERVED=0
	if [ -n "${pid:-}" ] && kill -0 "$pid" 2>/dev/null; then
		LAB_STOPPED_SWERVED=1
		lab_stop_pid "$pid" 10 INT || true
	fi
	pid=
	if [ "$LAB_IS_UP" = 1 ]; then
		[ -z "${LAB_KILL_NS:-}" ] || lab_kill_ns
		lab_down
	fi
	if declare -F lab_on_exit >/dev/null; then
		lab_on_exit || true
	fi
	for p in ${LAB_PREFIX:-} ${LAB_PREFIXES:-}; do
		# The EAL's runtime directory for the --file-prefix (config, memseg maps, mp socket).
		rm -rf "/var/run/dpdk/$p"
	done
	if [ -n "${tmp:-}" ]; then
		if [ -n "${LAB_KEEP:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
	fi
	return 0
}
