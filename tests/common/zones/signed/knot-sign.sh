#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Signs a zone with Knot DNS's own signer (knotd with dnssec-signing: on), for the tests that
# need a zone signed by another signer than ldns-signzone, or a real NSEC3 opt-out chain:
# ldns-signzone -p sets the Opt-Out flag but keeps unsigned delegations in the chain, Knot
# leaves them out (RFC 5155 6), so only Knot's output exercises the opt-out proof for DS at
# an unsigned delegation. New ECDSA P-256 keys (KSK + ZSK) every run, Knot's default
# signature lifetime (14 days from now); knotd listens nowhere and is stopped by its PID.
#
# usage: knot-sign.sh ORIGIN UNSIGNED_FILE OUT_FILE nsec|nsec3|optout [ANCHOR_FILE]
#   OUT_FILE     the signed zone as Knot flushes it
#   ANCHOR_FILE  (optional) the KSK's DNSKEY, one line, for a resolver's trust anchor
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 ORIGIN UNSIGNED OUT nsec|nsec3|optout [ANCHOR]" >&2; exit 2; }
origin=${1%.}. in=$2 out=$3 mode=$4 anchor=${5:-}
# KNOT_SIGN_KASP: a directory to keep Knot's key database in, so that a second run signs
# with the same keys (a re-signing rather than a key rollover); default a temporary one.
d=$(mktemp -d)
kasp=${KNOT_SIGN_KASP:-$d/kasp}
mkdir -p "$kasp"
kp=
cleanup() {
	if [ -n "$kp" ]; then kill "$kp" 2>/dev/null || true; wait "$kp" 2>/dev/null || true; fi
	rm -rf "$d"
}
trap cleanup EXIT
case $mode in
nsec) n3=off oo=off ;;
nsec3) n3=on oo=off ;;
optout) n3=on oo=on ;;
*) echo "knot-sign: mode nsec, nsec3 or optout" >&2; exit 2 ;;
esac
cp "$in" "$d/zone"
cat >"$d/knot.conf" <<CONF
server:
    rundir: $d
log:
  - target: stderr
    any: warning
database:
    storage: $d
    kasp-db: $kasp
policy:
  - id: test
    algorithm: ecdsap256sha256
    zsk-lifetime: 0
    ksk-lifetime: 0
    nsec3: $n3
    nsec3-iterations: 0
    nsec3-salt-length: 0
    nsec3-opt-out: $oo
template:
  - id: default
    storage: $d
    zonefile-sync: 0
    zonefile-load: whole
    journal-content: none
    dnssec-signing: on
    dnssec-policy: test
zone:
  - domain: $origin
    file: $d/zone
CONF
knotd -c "$d/knot.conf" >"$d/knot.log" 2>&1 &
kp=$!
# Knot flushes the signed zone into its file (zonefile-sync: 0) once signing is done.
for _ in $(seq 100); do
	if grep -q 'RRSIG' "$d/zone" 2>/dev/null && grep -q 'DNSKEY' "$d/zone"; then break; fi
	kill -0 "$kp" 2>/dev/null || break
	sleep 0.1
done
sleep 0.2
if ! grep -q 'RRSIG' "$d/zone"; then
	echo "knot-sign: $origin not signed; knotd's log:" >&2
	cat "$d/knot.log" >&2
	exit 1
fi
cp "$d/zone" "$out"
if [ -n "$anchor" ]; then
	# Knot's dump leaves the class out: written back in (name TTL IN DNSKEY ...).
	awk '$3 == "DNSKEY" && $4 == 257 { $3 = "IN\tDNSKEY"; print; exit }' OFS='\t' "$out" >"$anchor"
fi
