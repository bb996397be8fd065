#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Regenerates the signed test zones from ../example.com.zone with ldns-signzone:
# NSEC, NSEC3 (no salt, 0 iterations, RFC 9276) and NSEC3 with opt-out, all with
# the ECDSA P-256 KSK and ZSK here, valid from 2026-01-01 to 2036-12-31 so the
# files stay valid for the tests' lifetime. ECDSA signatures are randomised:
# regenerating changes every RRSIG, so golden cases that quote one change too.
#
# Two sets:
#  - example.com signed three ways (example.com.{nsec,nsec3,nsec3-optout}.zone,
#    keys Kexample.com.*, ds.txt and ksk.key: the KSK's DS and DNSKEY);
#  - the lab set: the same template under three names, one per denial kind, so
#    one server serves all three at once (tests/integration/dnssec_unbound.sh,
#    the differential): nsec.example.zone (NSEC), nsec3.example.zone (NSEC3),
#    optout.example.zone (NSEC3 opt-out), each with its own keys
#    (K<zone>.+013+*) and trust-anchors.txt holding the three KSKs' DS records.
#
# usage: make.sh [--keys] [--lab-only]
#   --keys      new keys as well (the old ones of the sets made are removed)
#   --lab-only  only the lab set (example.com's files stay as they are)
set -euo pipefail
cd "$(dirname "$0")"
newkeys=0 labonly=0
for a in "$@"; do
	case $a in
	--keys) newkeys=1 ;;
	--lab-only) labonly=1 ;;
	*) echo "usage: $0 [--keys] [--lab-only]" >&2; exit 2 ;;
	esac
done
common=(-e 20361231000000 -i 20260101000000 -f -)

# keys ORIGIN: the KSK and ZSK of ORIGIN (made when missing or with --keys); prints their base names.
keys() {
	if [ "$newkeys" = 1 ] || ! ls "K$1.+"*.key >/dev/null 2>&1; then
		rm -f "K$1.+"*
		ldns-keygen -a ECDSAP256SHA256 -k "$1" >/dev/null
		ldns-keygen -a ECDSAP256SHA256 "$1" >/dev/null
		rm -f "K$1.+"*.ds # ldns-keygen -k writes one; trust-anchors.txt/ds.txt hold them
	fi
	ls "K$1.+"*.key | sed 's/\.key$//' | tr '\n' ' '
}

# ksk_ds ORIGIN: the DS (SHA-256) of ORIGIN's KSK.
ksk_ds() {
	local k
	for k in "K$1.+"*.key; do
		if grep -q 'DNSKEY\s*257' "$k"; then
			ldns-key2ds -n -2 "$k"
		fi
	done
}

# template ORIGIN: ../example.com.zone with example.com. replaced by ORIGIN, comments dropped.
template() { grep -v '^;' ../example.com.zone | sed "s/example\.com\./$1./g"; }

if [ "$labonly" = 0 ]; then
	k=$(keys example.com)
	template example.com >example.com.unsigned
	# shellcheck disable=SC2086
	ldns-signzone "${common[@]}" example.com.unsigned $k >example.com.nsec.zone
	# shellcheck disable=SC2086
	ldns-signzone "${common[@]}" -n -t 0 example.com.unsigned $k >example.com.nsec3.zone
	# shellcheck disable=SC2086
	ldns-signzone "${common[@]}" -n -t 0 -p example.com.unsigned $k >example.com.nsec3-optout.zone
	rm -f example.com.unsigned
	for z in example.com.nsec.zone example.com.nsec3.zone example.com.nsec3-optout.zone; do
		ldns-verify-zone "$z" >/dev/null
	done
	# The trust anchor a validating resolver needs: the KSK's DS.
	ksk_ds example.com >ds.txt
	for k in Kexample.com.*.key; do
		if grep -q 'DNSKEY\s*257' "$k"; then cp "$k" ksk.key; fi
	done
fi

# The lab set: ORIGIN and ldns-signzone's denial options.
: >trust-anchors.txt
for spec in "nsec.example:" "nsec3.example:-n -t 0" "optout.example:-n -t 0 -p"; do
	z=${spec%%:*}
	k=$(keys "$z")
	template "$z" >"$z.unsigned"
	# shellcheck disable=SC2086
	ldns-signzone "${common[@]}" ${spec#*:} "$z.unsigned" $k >"$z.zone"
	rm -f "$z.unsigned"
	ldns-verify-zone "$z.zone" >/dev/null
	ksk_ds "$z" >>trust-anchors.txt
done
