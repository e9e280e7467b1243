package enrich

import (
	"net/netip"
	"strings"
)

// specialBlock is one entry of the IANA special-purpose address registries
// (https://www.iana.org/assignments/iana-ipv4-special-registry,
// https://www.iana.org/assignments/iana-ipv6-special-registry) or the IANA
// IPv4/IPv6 address space registries, with the class honeyreport gives it.
// Entries IANA marks "globally reachable" are listed as ClassPublic so that a
// broader non-public block does not swallow them.
type specialBlock struct {
	prefix netip.Prefix
	class  IPClass
	ref    string // the RFC (or registry) defining the block
}

// specialBlocks is read-only data; classification takes the longest matching
// prefix, so the order here is for readers (registry order).
var specialBlocks = []specialBlock{
	// IPv4 special-purpose registry.
	{netip.MustParsePrefix("0.0.0.0/8"), ClassReserved, "RFC 791 this network"},
	{netip.MustParsePrefix("0.0.0.0/32"), ClassBogon, "RFC 1122 unspecified"},
	{netip.MustParsePrefix("10.0.0.0/8"), ClassPrivate, "RFC 1918"},
	{netip.MustParsePrefix("100.64.0.0/10"), ClassCGNAT, "RFC 6598 shared address space"},
	{netip.MustParsePrefix("127.0.0.0/8"), ClassLoopback, "RFC 1122"},
	{netip.MustParsePrefix("169.254.0.0/16"), ClassLinkLocal, "RFC 3927"},
	{netip.MustParsePrefix("172.16.0.0/12"), ClassPrivate, "RFC 1918"},
	{netip.MustParsePrefix("192.0.0.0/24"), ClassReserved, "RFC 6890 IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.0.9/32"), ClassPublic, "RFC 7723 PCP anycast (globally reachable)"},
	{netip.MustParsePrefix("192.0.0.10/32"), ClassPublic, "RFC 8155 TURN anycast (globally reachable)"},
	{netip.MustParsePrefix("192.0.2.0/24"), ClassDocumentation, "RFC 5737 TEST-NET-1"},
	{netip.MustParsePrefix("192.88.99.0/24"), ClassReserved, "RFC 7526 deprecated 6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), ClassPrivate, "RFC 1918"},
	{netip.MustParsePrefix("198.18.0.0/15"), ClassReserved, "RFC 2544 benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), ClassDocumentation, "RFC 5737 TEST-NET-2"},
	{netip.MustParsePrefix("203.0.113.0/24"), ClassDocumentation, "RFC 5737 TEST-NET-3"},
	{netip.MustParsePrefix("224.0.0.0/4"), ClassMulticast, "RFC 5771"},
	{netip.MustParsePrefix("240.0.0.0/4"), ClassReserved, "RFC 1112 reserved for future use"},
	{netip.MustParsePrefix("255.255.255.255/32"), ClassReserved, "RFC 919 limited broadcast"},

	// IPv6 special-purpose registry.
	{netip.MustParsePrefix("::/128"), ClassBogon, "RFC 4291 unspecified"},
	{netip.MustParsePrefix("::1/128"), ClassLoopback, "RFC 4291"},
	{netip.MustParsePrefix("::/8"), ClassReserved, "RFC 4291 reserved by IETF (IPv4-compatible, ...)"},
	{netip.MustParsePrefix("64:ff9b::/96"), ClassPublic, "RFC 6052 NAT64 well-known prefix (globally reachable)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), ClassReserved, "RFC 8215 local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), ClassReserved, "RFC 6666 discard-only"},
	{netip.MustParsePrefix("2001::/23"), ClassReserved, "RFC 2928 IETF protocol assignments"},
	{netip.MustParsePrefix("2001::/32"), ClassPublic, "RFC 4380 Teredo (globally reachable)"},
	{netip.MustParsePrefix("2001:1::1/128"), ClassPublic, "RFC 7723 PCP anycast"},
	{netip.MustParsePrefix("2001:1::2/128"), ClassPublic, "RFC 8155 TURN anycast"},
	{netip.MustParsePrefix("2001:2::/48"), ClassReserved, "RFC 5180 benchmarking"},
	{netip.MustParsePrefix("2001:3::/32"), ClassPublic, "RFC 7450 AMT"},
	{netip.MustParsePrefix("2001:4:112::/48"), ClassPublic, "RFC 7535 AS112-v6"},
	{netip.MustParsePrefix("2001:20::/28"), ClassPublic, "RFC 7343 ORCHIDv2"},
	{netip.MustParsePrefix("2001:30::/28"), ClassPublic, "RFC 9374 DRIP DET"},
	{netip.MustParsePrefix("2001:db8::/32"), ClassDocumentation, "RFC 3849"},
	{netip.MustParsePrefix("3fff::/20"), ClassDocumentation, "RFC 9637"},
	{netip.MustParsePrefix("5f00::/16"), ClassReserved, "RFC 9602 SRv6 SIDs"},
	{netip.MustParsePrefix("fc00::/7"), ClassPrivate, "RFC 4193 unique local"},
	{netip.MustParsePrefix("fe80::/10"), ClassLinkLocal, "RFC 4291"},
	{netip.MustParsePrefix("fec0::/10"), ClassReserved, "RFC 3879 deprecated site-local"},
	{netip.MustParsePrefix("ff00::/8"), ClassMulticast, "RFC 4291"},
}

// globalUnicast6 is the only IPv6 block IANA allocates for global unicast
// (IPv6 address space registry); anything outside it and not listed above
// is unallocated.
var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// ClassifyIP returns the class of addr. IPv4-mapped IPv6 (::ffff:a.b.c.d)
// is classed as the IPv4 address it carries; a zone is ignored. The invalid
// zero Addr is ClassNotIP.
func ClassifyIP(addr netip.Addr) IPClass {
	if !addr.IsValid() {
		return ClassNotIP
	}
	addr = addr.Unmap().WithZone("")
	best := -1
	class := ClassPublic
	for _, s := range specialBlocks {
		if s.prefix.Bits() > best && s.prefix.Contains(addr) {
			best, class = s.prefix.Bits(), s.class
		}
	}
	if best < 0 && addr.Is6() && !globalUnicast6.Contains(addr) {
		return ClassBogon
	}
	return class
}

// IsAWSServiceSource reports whether a non-IP source names an AWS service,
// as CloudTrail writes sourceIPAddress when a service acts on the caller's
// behalf: a service principal host ("s3.amazonaws.com",
// "elasticmapreduce.amazonaws.com.cn") or "AWS Internal".
func IsAWSServiceSource(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	if t == "aws internal" {
		return true
	}
	for _, suffix := range []string{".amazonaws.com", ".amazonaws.com.cn", ".amazon.com", ".api.aws"} {
		if name, ok := strings.CutSuffix(t, suffix); ok && name != "" && !strings.ContainsAny(name, " /:@") {
			return true
		}
	}
	return false
}
