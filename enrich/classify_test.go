package enrich

import (
	"net/netip"
	"testing"
)

func TestClassifyIP(t *testing.T) {
	tests := []struct {
		name, addr string
		want       IPClass
	}{
		{"public v4", "8.8.8.8", ClassPublic},
		{"public v6", "2606:4700:4700::1111", ClassPublic},
		{"rfc1918 10", "10.0.0.1", ClassPrivate},
		{"rfc1918 172.16", "172.16.5.4", ClassPrivate},
		{"rfc1918 172.31 edge", "172.31.255.255", ClassPrivate},
		{"just outside 172.16/12", "172.32.0.1", ClassPublic},
		{"rfc1918 192.168", "192.168.1.1", ClassPrivate},
		{"ula", "fd12:3456::1", ClassPrivate},
		{"loopback v4", "127.0.0.1", ClassLoopback},
		{"loopback v6", "::1", ClassLoopback},
		{"link-local v4", "169.254.169.254", ClassLinkLocal},
		{"link-local v6", "fe80::1", ClassLinkLocal},
		{"link-local v6 with zone", "fe80::1%eth0", ClassLinkLocal},
		{"cgnat", "100.64.0.1", ClassCGNAT},
		{"cgnat top", "100.127.255.254", ClassCGNAT},
		{"just outside cgnat", "100.128.0.1", ClassPublic},
		{"test-net-1", "192.0.2.10", ClassDocumentation},
		{"test-net-2", "198.51.100.7", ClassDocumentation},
		{"test-net-3", "203.0.113.7", ClassDocumentation},
		{"documentation v6", "2001:db8::1", ClassDocumentation},
		{"documentation v6 3fff", "3fff:1::1", ClassDocumentation},
		{"this network", "0.1.2.3", ClassReserved},
		{"unspecified v4", "0.0.0.0", ClassBogon},
		{"unspecified v6", "::", ClassBogon},
		{"class e", "240.0.0.1", ClassReserved},
		{"broadcast", "255.255.255.255", ClassReserved},
		{"benchmarking", "198.18.0.1", ClassReserved},
		{"ietf protocol", "192.0.0.8", ClassReserved},
		{"pcp anycast is global", "192.0.0.9", ClassPublic},
		{"6to4 relay", "192.88.99.1", ClassReserved},
		{"multicast v4", "224.0.0.251", ClassMulticast},
		{"multicast v6", "ff02::1", ClassMulticast},
		{"ipv4-mapped public", "::ffff:8.8.8.8", ClassPublic},
		{"ipv4-mapped private", "::ffff:10.1.2.3", ClassPrivate},
		{"ipv4-mapped loopback", "::ffff:127.0.0.1", ClassLoopback},
		{"teredo is global", "2001:0:4136:e378::1", ClassPublic},
		{"ietf v6 block", "2001:100::1", ClassReserved},
		{"benchmarking v6", "2001:2::1", ClassReserved},
		{"nat64 well-known", "64:ff9b::808:808", ClassPublic},
		{"discard-only", "100::1", ClassReserved},
		{"site-local", "fec0::1", ClassReserved},
		{"unallocated v6", "4000::1", ClassBogon},
		{"ipv4-compatible (deprecated)", "::8.8.8.8", ClassReserved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClassifyIP(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("ClassifyIP(%s) = %s, want %s", tt.addr, got, tt.want)
			}
		})
	}
	if got := ClassifyIP(netip.Addr{}); got != ClassNotIP {
		t.Errorf("ClassifyIP(zero) = %s, want %s", got, ClassNotIP)
	}
}

func TestSpecialsWellFormed(t *testing.T) {
	seen := map[netip.Prefix]bool{}
	for _, s := range specialBlocks {
		if s.prefix != s.prefix.Masked() {
			t.Errorf("%s is not masked", s.prefix)
		}
		if seen[s.prefix] {
			t.Errorf("%s listed twice", s.prefix)
		}
		seen[s.prefix] = true
		if s.ref == "" || s.class == "" {
			t.Errorf("%s: missing class or reference", s.prefix)
		}
	}
}

func TestIsAWSServiceSource(t *testing.T) {
	tests := []struct {
		name, text string
		aws        bool
	}{
		{"ipv4", "212.83.184.7", false},
		{"ipv6", "2001:db8::5", false},
		{"s3 service", "s3.amazonaws.com", true},
		{"ec2 service", "ec2.amazonaws.com", true},
		{"china partition", "elasticmapreduce.amazonaws.com.cn", true},
		{"aws internal", "AWS Internal", true},
		{"aws internal with spaces", " aws internal ", true},
		{"bare domain", "amazonaws.com", false},
		{"lookalike", "evil.amazonaws.com.attacker.net", false},
		{"url not a service", "http://x/.amazonaws.com", false},
		{"garbage", "not-an-ip", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsAWSServiceSource(tt.text); got != tt.aws {
				t.Errorf("IsAWSServiceSource(%q) = %v, want %v", tt.text, got, tt.aws)
			}
		})
	}
}
