package enrich

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// HostingASNs is the list of autonomous systems of hosting and cloud
// providers (assets/geodata/hosting-asns.txt). Traffic from them comes from
// rented servers, not homes or offices: the usual origin of bucket scanners.
// It is read-only after parsing and safe for concurrent use; a nil
// *HostingASNs flags nothing.
type HostingASNs struct {
	names map[uint32]string
}

// ParseHostingASNs reads "ASN<TAB>provider<TAB>source" lines; blank lines
// and lines starting with # are ignored. An "AS" prefix on the number is
// accepted. A repeated ASN is an error, so the list stays one line per AS.
func ParseHostingASNs(r io.Reader) (*HostingASNs, error) {
	h := &HostingASNs{names: map[uint32]string{}}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || t[0] == '#' {
			continue
		}
		f := strings.Split(t, "\t")
		if len(f) < 2 {
			return nil, fmt.Errorf("line %d: want ASN<TAB>provider<TAB>source", line)
		}
		num := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(f[0])), "AS")
		n, err := strconv.ParseUint(num, 10, 32)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("line %d: bad ASN %q", line, f[0])
		}
		name := strings.TrimSpace(f[1])
		if name == "" {
			return nil, fmt.Errorf("line %d: AS%d has no provider name", line, n)
		}
		if _, dup := h.names[uint32(n)]; dup {
			return nil, fmt.Errorf("line %d: AS%d listed twice", line, n)
		}
		h.names[uint32(n)] = name
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return h, nil
}

// IsHosting reports whether asn belongs to a listed hosting/cloud provider.
func (h *HostingASNs) IsHosting(asn uint32) bool {
	if h == nil {
		return false
	}
	_, ok := h.names[asn]
	return ok
}
