package synth

// network is an address block that honeybucket traffic is drawn from. The
// prefixes are real allocations of well-known networks (checked against the
// embedded ip-location-db data by TestNetworksResolve), so that offline
// enrichment of generated logs gives varied, plausible countries and ASNs.
// Addresses are picked at random inside them; none is copied from real logs.
type network struct {
	prefix string
	org    string  // who announces it, for readers of this table
	weight float64 // relative share of the long tail of visitors
}

// heavyNet is the /24 of a hosting provider from which a handful of hosts
// scan the bucket again and again, as one crawler did in the real data.
const heavyNet = "51.158.65.0/24" // Scaleway (AS12876), FR

// ipv4Nets is the long tail of IPv4 visitors: clouds and hosters first
// (most bucket scanning runs there), then eyeball ISPs and scanners.
var ipv4Nets = []network{
	{"51.75.0.0/16", "OVH", 4},
	{"54.36.0.0/16", "OVH", 3},
	{"145.239.0.0/16", "OVH", 2},
	{"95.216.0.0/16", "Hetzner", 3},
	{"88.198.0.0/16", "Hetzner", 3},
	{"116.202.0.0/16", "Hetzner", 2},
	{"159.65.0.0/16", "DigitalOcean", 3},
	{"167.99.0.0/16", "DigitalOcean", 3},
	{"134.209.0.0/16", "DigitalOcean", 2},
	{"3.80.0.0/12", "Amazon AWS us-east-1", 5},
	{"52.58.0.0/15", "Amazon AWS eu-central-1", 2},
	{"13.233.0.0/16", "Amazon AWS ap-south-1", 2},
	{"54.250.0.0/16", "Amazon AWS ap-northeast-1", 1},
	{"34.140.0.0/16", "Google Cloud europe-west1", 3},
	{"35.205.0.0/16", "Google Cloud europe-west1", 2},
	{"34.68.0.0/14", "Google Cloud us-central1", 3},
	{"20.40.0.0/13", "Microsoft Azure", 2},
	{"49.232.0.0/14", "Tencent Cloud", 2},
	{"119.28.0.0/17", "Tencent Cloud HK", 1},
	{"47.88.0.0/14", "Alibaba Cloud", 2},
	{"39.96.0.0/13", "Alibaba Cloud", 1},
	{"222.186.0.0/16", "Chinanet Jiangsu", 2},
	{"61.160.0.0/16", "Chinanet", 1},
	{"139.162.0.0/16", "Linode", 1},
	{"45.32.0.0/16", "Vultr", 2},
	{"5.189.128.0/17", "Contabo", 1},
	{"163.172.0.0/16", "Scaleway", 1},
	{"185.220.100.0/22", "Tor exit hosting", 1},
	{"162.142.125.0/24", "Censys", 1},
	{"184.105.139.0/24", "Hurricane Electric (Shadowserver)", 1},
	{"73.0.0.0/8", "Comcast", 2},
	{"79.192.0.0/10", "Deutsche Telekom", 1},
	{"94.134.0.0/16", "1&1 Versatel", 1},
	{"90.0.0.0/11", "Orange", 1},
	{"86.128.0.0/10", "BT", 1},
	{"95.24.0.0/13", "Beeline", 1},
	{"121.128.0.0/10", "Korea Telecom", 1},
	{"27.64.0.0/12", "Viettel", 1},
	{"179.96.0.0/12", "Brazilian regional ISPs", 1},
	{"49.32.0.0/13", "Reliance Jio", 1},
	{"1.128.0.0/11", "Telstra", 1},
	{"105.0.0.0/12", "Cell C", 0.5},
	{"102.64.0.0/12", "Maroc Telecom and African ISPs", 0.5},
	{"181.0.0.0/12", "Telecom Argentina", 0.5},
}

// ipv6Nets is where the IPv6 share of visitors comes from.
var ipv6Nets = []network{
	{"2a01:4f8::/32", "Hetzner DE", 3},
	{"2a01:4f9::/32", "Hetzner", 1},
	{"2001:41d0::/32", "OVH", 3},
	{"2a03:b0c0:3::/48", "DigitalOcean", 3},
	{"2600:1f18::/32", "Amazon AWS us-east-1", 2},
	{"2600:1900::/32", "Google Cloud", 2},
	{"2600:3c00::/32", "Linode", 1},
	{"2a01:7e00::/32", "Linode", 1},
	{"2001:19f0::/32", "Vultr", 1},
	{"2601::/20", "Comcast", 1},
	{"2003:c0::/26", "Deutsche Telekom", 1},
	{"2a02:8100::/27", "Vodafone", 1},
	{"2401:4900::/32", "Bharti Airtel", 1},
	{"2a05:d014::/32", "Amazon AWS eu-west-1", 1},
	{"240e::/24", "Chinanet", 1},
}

// privateAddrs are the one or two odd sources a real bucket sees from
// inside AWS (a VPC endpoint, a NAT), kept on purpose so reports show how
// they handle non-public addresses.
var privateAddrs = []string{"10.20.3.14", "172.31.44.190"}
