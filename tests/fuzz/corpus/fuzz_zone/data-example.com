; SPDX-License-Identifier: BSD-3-Clause
; example.com: a realistic zone with one name for every answer kind and every
; record type swerve loads. Used by tests/unit/test_zone.c (which checks
; record counts and lines, so append rather than insert) and free for the
; golden and integration tests. Addresses: 198.18.0.0/15 and 2001:2::/48
; (RFC 5180 benchmarking) and 192.0.2.0/24 (RFC 5737) only.
$ORIGIN example.com.
$TTL 3600

@       IN  SOA   ns1.example.com. hostmaster.example.com. (
                  2024060101 ; serial
                  7200       ; refresh
                  3600       ; retry
                  1209600    ; expire
                  300 )      ; minimum (negative TTL)
        IN  NS    ns1.example.com.
        IN  NS    ns2.example.com.
        IN  A     198.18.0.80
        IN  AAAA  2001:2::80
        IN  MX    10 mail.example.com.
        IN  MX    20 mail2.example.com.
        IN  TXT   "v=spf1 ip4:198.18.0.25 -all"
        IN  CAA   0 issue "ca.example.com"
        IN  CAA   128 iodef "mailto:security@example.com"
        IN  DNSKEY 257 3 13 8wFVB91eORudHpWzqOGxXdxH3pdZBgM6HD4aoouWLGubymUVG5cCsHOSM/V5JpGTuNnE1lzP53POJ6AonPpMS8E+8iHTxVjWi+zNLpkxxYeA8ONdUlrP4oSWSpEeC3iS
        IN  HTTPS 1 . alpn=h2,h3 ipv4hint=198.18.0.80 ipv6hint=2001:2::80

ns1     IN  A     198.18.0.53
ns1     IN  AAAA  2001:2::53
ns2     IN  A     198.18.1.53
ns2     IN  AAAA  2001:2:0:1::53
www     IN  A     198.18.0.80
www     IN  A     198.18.0.81
www     IN  AAAA  2001:2::80
www     IN  SSHFP 4 2 cef2c8d0a0a0c2a8b137af7ed4a8df67820431a4ac2d4962ef0d989fb4d0cf9e
mail    IN  A     198.18.0.25
mail2   IN  A     192.0.2.25
; A short TTL written explicitly, and mixed case in an owner (stored lowercase).
Api  60 IN  A     198.18.0.82

; Services below empty non-terminals: _tcp and _udp have no records of their own.
_sip._tcp   IN SRV   10 60 5060 sip.example.com.
_sip._tcp   IN SRV   20 40 5060 sip2.example.com.
_sip._udp   IN SRV   10 100 5060 sip.example.com.
_443._tcp.www IN TLSA 3 1 1 16058d40ff834e025ad15ec37ee5c0ed9df770c37ba2491cc5d8fc0db93696eb
sip     IN  A     198.18.0.60
sip2    IN  A     198.18.1.60
_svc    IN  SVCB  1 svc.example.com. port=8443 alpn=h2
svc     IN  A     198.18.0.61
; ENT: a.b.c has data, b.c and c are empty non-terminals.
host.a.b.c IN TXT "three empty levels above me"
sip-uri IN  NAPTR 100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .
80.0.18.198 IN PTR www.example.com.

; CNAMEs: a chain of three, a loop, a dangling target, an out-of-zone target.
alias   IN  CNAME alias2.example.com.
alias2  IN  CNAME alias3
alias3  IN  CNAME www
loop1   IN  CNAME loop2.example.com.
loop2   IN  CNAME loop1.example.com.
dangling IN CNAME nowhere.example.com.
outside IN  CNAME www.example.com.

; Wildcards (RFC 4592): A and TXT at *.wild, a name that exists beside it
; (no synthesis for it), and a wildcard CNAME. A query for the literal
; "*.wild.example.com" matches the wildcard's own records, nothing else.
*.wild  IN  A     198.18.0.90
*.wild  IN  TXT   "wildcard"
exists.wild IN A  198.18.0.91
*.wc    IN  CNAME www.example.com.

; A delegation with in-bailiwick glue (A and AAAA) and a DS for it.
sub     IN  NS    ns1.sub.example.com.
sub     IN  NS    ns2.sub.example.com.
sub     IN  DS    12345 13 2 f9c7af7ebcbf098b9f5f37361d1b168bb2e5b98d930ceef0f055377a8c94db61
ns1.sub IN  A     198.18.2.53
ns1.sub IN  AAAA  2001:2:0:2::53
ns2.sub IN  A     198.18.3.53
; A delegation to servers outside the zone: no glue.
ext     IN  NS    ns1.example.com.
ext     IN  NS    ns2.example.org.

; A TXT RRset of about 700 octets: over 512, so UDP without EDNS truncates.
big     IN  TXT   "big-0-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
big     IN  TXT   "big-1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
big     IN  TXT   "big-2-cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
big     IN  TXT   "big-3-dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
big     IN  TXT   "big-4-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
big     IN  TXT   "big-5-ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

; A type ldns does not know, in RFC 3597 form; a multi-string TXT over two lines.
unknown IN  TYPE666 \# 4 0a0b0c0d
multi   IN  TXT   ( "first string"
                    "second string" )
