#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Idempotent setup used by both README commands: installs the Debian packages
# swerve needs when any is missing, then configures and builds the release
# tree (build/) and, with --asan, the address+undefined sanitizer tree
# (build-asan/). Safe to run again: it only does what is not done yet.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

want_asan=0
for arg in "$@"; do
	case "$arg" in
	--asan) want_asan=1 ;;
	*) echo "usage: $0 [--asan]" >&2; exit 2 ;;
	esac
done

# Build dependencies, then what the demo and the tests drive swerve with.
packages=(
	build-essential meson ninja-build pkg-config
	libdpdk-dev dpdk libldns-dev ldnsutils liburcu-dev libcmocka-dev
	libjansson-dev libyaml-dev libcurl4-openssl-dev libmicrohttpd-dev
	libbpf-dev libxdp-dev
	dnsperf knot-dnsutils dnsutils iproute2 iputils-ping procps
	python3 python3-scapy tcpdump openssl curl prometheus dpdk-dev
	knot nsd clang libclang-rt-14-dev valgrind
	unbound libssl-dev ethtool iputils-arping
	libsystemd-dev systemd scdoc libfstrm-dev libprotobuf-c-dev protobuf-c-compiler dnstap-ldns
	fstrm-bin
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
	# prometheus is here for promtool, knot and nsd as reference servers and
	# transfer primaries that the tests start with configs of their own: on
	# a machine with systemd the packages also start system services (NSD
	# and Knot on port 53 of every address), which nothing here wants.
	for svc in prometheus knot nsd unbound; do
		if [[ " ${missing[*]} " == *" $svc "* ]] && command -v systemctl >/dev/null &&
			systemctl is-active --quiet "$svc" 2>/dev/null; then
			systemctl disable --now "$svc" >/dev/null 2>&1 || true
		fi
	done
fi

configure() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@"
	fi
	ninja -C "$dir"
}

configure build
if [ "$want_asan" -eq 1 ]; then
	configure build-asan -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false -Dtest_hooks=true
fi
