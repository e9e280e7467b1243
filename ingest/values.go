package ingest

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

// trimPasted removes ASCII white space, non-breaking spaces (U+00A0) and byte
// order marks from both ends of b: what copy-paste from a web page adds.
// Other Unicode spaces (U+2028...) are content and stay.
func trimPasted(b []byte) []byte {
	for len(b) > 0 {
		switch {
		case isASCIISpace(b[0]):
			b = b[1:]
		case len(b) >= 2 && b[0] == 0xc2 && b[1] == 0xa0:
			b = b[2:]
		case len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf:
			b = b[3:]
		default:
			goto right
		}
	}
right:
	for n := len(b); n > 0; n = len(b) {
		switch {
		case isASCIISpace(b[n-1]):
			b = b[:n-1]
		case n >= 2 && b[n-2] == 0xc2 && b[n-1] == 0xa0:
			b = b[:n-2]
		default:
			return b
		}
	}
	return b
}

// atoiPositive parses a count of at least 1.
func atoiPositive(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 1
}
