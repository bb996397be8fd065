#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Regenerates the signed test zones from ../example.com.zone with ldns-signzone:
# NSEC, NSEC3 (no salt, 0 iterations, RFC 9276) and NSEC3 with opt-out, all with
# the ECDSA P-256 KSK and ZSK here, valid from 2026-01-01 to 2036-12-31 so the
# files stay valid for the tests' lifetime. ECDSA signatures are randomised:
# regenerating changes every RRSIG, so golden cases that quote one change too.
# usage: make.sh [--keys]   (--keys: new keys as well; the old ones are removed)
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = --keys ] || ! ls Kexample.com.*.key >/dev/null 2>&1; then
	rm -f Kexample.com.*
	ldns-keygen -a ECDSAP256SHA256 -k example.com >/dev/null
	ldns-keygen -a ECDSAP256SHA256 example.com >/dev/null
fi
keys=$(ls Kexample.com.*.key | sed 's/\.key$//' | tr '\n' ' ')
grep -v '^;' ../example.com.zone >example.com.unsigned
common=(-e 20361231000000 -i 20260101000000 -f -)
# shellcheck disable=SC2086
ldns-signzone "${common[@]}" example.com.unsigned $keys >example.com.nsec.zone
# shellcheck disable=SC2086
ldns-signzone "${common[@]}" -n -t 0 example.com.unsigned $keys >example.com.nsec3.zone
# shellcheck disable=SC2086
ldns-signzone "${common[@]}" -n -t 0 -p example.com.unsigned $keys >example.com.nsec3-optout.zone
rm -f example.com.unsigned
for z in example.com.nsec.zone example.com.nsec3.zone example.com.nsec3-optout.zone; do
	ldns-verify-zone "$z" >/dev/null
done
# The trust anchor a validating resolver needs: the KSK's DS.
for k in Kexample.com.*.key; do
	if grep -q 'DNSKEY\s*257' "$k"; then
		ldns-key2ds -n -2 "$k" >ds.txt
		cp "$k" ksk.key
	fi
done
