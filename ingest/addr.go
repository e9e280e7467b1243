package ingest

import "net/netip"

// setSource sets ev's source from v, the client address as a log wrote it:
// the canonical address (parseSource), or the text of a source that is not
// one (kept, not an error: CloudTrail names services there).
func setSource(ev *Event, v []byte, in *interner) {
	if a, ok := parseSource(v, in); ok {
		ev.Source = a
		return
	}
	ev.SourceText = in.str(v)
}

// parseSource is the one reading of a client address for every format, so
// that the same client is one address in every count, table and lookup:
// IPv4-mapped IPv6 ("::ffff:8.8.8.8") becomes IPv4, a zone ("%eth0") and
// brackets or a port ("[2001:db8::1]:443", "192.0.2.1:80") are dropped.
func parseSource(v []byte, in *interner) (netip.Addr, bool) {
	if a, ok := parseIPv4(v); ok {
		return a, true
	}
	if len(v) == 0 || len(v) > 64 {
		return netip.Addr{}, false // longer than any address with zone and port
	}
	s := in.str(v)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
				return netip.Addr{}, false
			}
			if a, err = netip.ParseAddr(s[1 : len(s)-1]); err != nil {
				return netip.Addr{}, false
			}
		} else {
			a = ap.Addr()
		}
	}
	return a.Unmap().WithZone(""), true
}

// parseIPv4 is the allocation-free fast path for dotted-quad addresses,
// which are nearly all of them. It accepts what netip.ParseAddr accepts
// (no leading zeros), so that the fast and the slow path agree.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var ip [4]byte
	k, v, nd := 0, 0, 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if nd == 0 || k == 4 || (nd > 1 && b[i-nd] == '0') {
				return netip.Addr{}, false
			}
			ip[k] = byte(v)
			k, v, nd = k+1, 0, 0
			continue
		}
		c := b[i]
		if c < '0' || c > '9' {
			return netip.Addr{}, false
		}
		v = v*10 + int(c-'0')
		if nd++; v > 255 {
			return netip.Addr{}, false
		}
	}
	if k != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(ip), true
}
