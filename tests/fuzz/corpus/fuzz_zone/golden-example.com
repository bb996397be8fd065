; SPDX-License-Identifier: BSD-3-Clause
; The golden tests' main zone: every answer kind of docs/conformance.md has a name
; here. Expected answers in ../*.golden are derived from this file and the
; RFCs, so change a record only together with the cases that use it.
$ORIGIN example.com.
$TTL 3600
; SOA TTL 3600 and MINIMUM 300: negative answers carry the SOA with TTL 300.
@               3600 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300
@               NS    ns1.example.com.
@               NS    ns2.example.com.
@               A     198.18.0.80
@               MX    10 mail.example.com.
@               TXT   "v=spf1 -all"
ns1             A     198.18.0.53
ns1             AAAA  2001:2::53
ns2             A     198.18.1.53
www             A     198.18.0.80
www             A     198.18.0.81
www             AAAA  2001:2::80
mail            A     198.18.0.25
Mixed.Case 300  A     198.18.0.99
; Two RRsets at one name, for ANY over UDP (one of them) and TCP (both).
two             A     198.18.0.2
two             TXT   "two"
; ent.example.com is an empty non-terminal.
host.ent        A     198.18.0.100

; CNAMEs.
alias           CNAME www.example.com.
alias2     600  CNAME alias.example.com.
dangling        CNAME nothere.example.com.
external        CNAME www.example.org.
crosszone       CNAME www.example.com.
crossnx         CNAME nope.example.com.
loop1           CNAME loop2.example.com.
loop2           CNAME loop1.example.com.
self            CNAME self.example.com.

; Wildcards (RFC 4592).
*.wild          A     198.18.0.90
*.wild          TXT   "wild"
host.wild       A     198.18.0.91
a.sub.wild      A     198.18.0.92
*.wc       120  CNAME www.example.com.

; Delegations.
child           NS    ns1.child.example.com.
child           NS    ns2.child.example.com.
ns1.child       A     198.18.2.53
ns2.child       AAAA  2001:2:0:2::53
ext             NS    ns.example.org.
signed          NS    ns.example.org.
signed     900  DS    12345 13 2 8f6ed0e6c6d1cb53f0b2c8b4d0f5e7e1c38d6fd4eb1b27c0f8b4e4d2a1c3b5e7
bigdeleg        NS    ns1.bigdeleg.example.com.
bigdeleg        NS    ns2.bigdeleg.example.com.
bigdeleg        NS    ns3.bigdeleg.example.com.
bigdeleg        NS    ns4.bigdeleg.example.com.
bigdeleg        NS    ns5.bigdeleg.example.com.
bigdeleg        NS    ns6.bigdeleg.example.com.
bigdeleg        NS    ns7.bigdeleg.example.com.
bigdeleg        NS    ns8.bigdeleg.example.com.
ns1.bigdeleg    A     198.18.4.1
ns1.bigdeleg    AAAA  2001:2:0:4::1
ns2.bigdeleg    A     198.18.4.2
ns2.bigdeleg    AAAA  2001:2:0:4::2
ns3.bigdeleg    A     198.18.4.3
ns3.bigdeleg    AAAA  2001:2:0:4::3
ns4.bigdeleg    A     198.18.4.4
ns4.bigdeleg    AAAA  2001:2:0:4::4
ns5.bigdeleg    A     198.18.4.5
ns5.bigdeleg    AAAA  2001:2:0:4::5
ns6.bigdeleg    A     198.18.4.6
ns6.bigdeleg    AAAA  2001:2:0:4::6
ns7.bigdeleg    A     198.18.4.7
ns7.bigdeleg    AAAA  2001:2:0:4::7
ns8.bigdeleg    A     198.18.4.8
ns8.bigdeleg    AAAA  2001:2:0:4::8

; Large RRsets: mid (about 380 octets in a response) fits 512; big (about 710)
; fits 1232 but not 512; huge (about 1400) fits only TCP.
mid             TXT   "mid-00-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
mid             TXT   "mid-01-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
mid             TXT   "mid-02-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
big             TXT   "big-00-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
big             TXT   "big-01-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
big             TXT   "big-02-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
big             TXT   "big-03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
big             TXT   "big-04-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
big             TXT   "big-05-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
huge            TXT   "huge-00-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
huge            TXT   "huge-01-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
huge            TXT   "huge-02-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
huge            TXT   "huge-03-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
huge            TXT   "huge-04-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
huge            TXT   "huge-05-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
huge            TXT   "huge-06-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
huge            TXT   "huge-07-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
huge            TXT   "huge-08-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
huge            TXT   "huge-09-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
huge            TXT   "huge-10-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
huge            TXT   "huge-11-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
