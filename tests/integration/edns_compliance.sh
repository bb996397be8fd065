#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: the ISC EDNS compliance tester's checks and RFC 8906 section 8 against swerved.
#
# swerved runs in the lab (tests/common/lab.sh: net_af_packet, its own server
# namespace, exception tap and TCP listener); tests/conformance/edns_check.py
# sends from the client namespace: plain DNS, EDNS 0, EDNS 1 (BADVERS),
# unknown option, unknown flag, option list, cookies, DO, Z bit, header
# flags, unknown opcode, unknown type, payload 512 with truncation, TCP,
# IPv6, each compared with the exact response docs/conformance.md expects. Run
# once with cookies off (no FORMERR, no option echoed) and once with
# `cookies: {enabled: true}` (the client cookie echoed with a server cookie).
# Exit 0 when all passed, 77 when it cannot run here, 1 otherwise.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test cfe$(($$ % 10000)) ping dig python3
conf=$top/tests/conformance
export PYTHONDONTWRITEBYTECODE=1
start_s=$SECONDS

check() {
	local mode=$1 out
	if out=$(ip netns exec "$SWERVE_NS" /usr/bin/python3 "$conf/edns_check.py" 198.18.0.53 2001:2::53 \
		example.test big.example.test --cookies "$mode" 2>&1); then
		pass "EDNS compliance, cookies $mode: $(grep -c '^ok:' <<<"$out") checks"
	else
		fail "EDNS compliance, cookies $mode:"
		sed 's/^/    | /' <<<"$out"
	fi
	[ -n "${EDNS_VERBOSE:-}" ] && sed 's/^/    | /' <<<"$out"
}

base="exception:
  interface: $EXC
tcp:
  max-clients: 16"

lab_start "$base"
check off
lab_shutdown
lab_down

lab_start "$base
cookies:
  enabled: true"
check on
lab_shutdown
echo "edns_compliance: $((SECONDS - start_s)) s"
lab_verdict
