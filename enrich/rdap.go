package enrich

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"go4.org/netipx"
)

// The IANA RDAP bootstrap registries for IP space (enrich/rdap/README.md).
var (
	//go:embed rdap/ipv4.json
	rdapBootstrapV4 []byte
	//go:embed rdap/ipv6.json
	rdapBootstrapV6 []byte
)

// RDAPSource looks up registration records over RDAP (RFC 9082/9083), the
// registries' JSON protocol: GET {base}/ip/{addr}, where base is BaseURL
// when set and otherwise the registry IANA's bootstrap data names for the
// address. The answer's startAddress/endAddress are the registered range,
// so one answer serves every address in it (see rangeSource).
//
// It is used through WhoisSource, which falls back to WHOIS over port 43
// when RDAP cannot answer.
type RDAPSource struct {
	// BaseURL replaces the bootstrap (HONEYREPORT_RDAP_URL; tests).
	BaseURL string
	Client  *http.Client

	once      sync.Once
	bootstrap []rdapService
	bootErr   error
}

type rdapService struct {
	prefix netip.Prefix
	base   string
}

// errNoRDAP means the bootstrap names no RDAP service for an address.
var errNoRDAP = errors.New("no RDAP service known for the address")

func (s *RDAPSource) base(addr netip.Addr) (string, error) {
	if s.BaseURL != "" {
		return s.BaseURL, nil
	}
	s.once.Do(func() {
		for _, b := range [][]byte{rdapBootstrapV4, rdapBootstrapV6} {
			svcs, err := parseRDAPBootstrap(b)
			if err != nil {
				s.bootErr = err
				return
			}
			s.bootstrap = append(s.bootstrap, svcs...)
		}
	})
	if s.bootErr != nil {
		return "", s.bootErr
	}
	// The most specific entry wins: a registry's /12 inside another's /8.
	best := -1
	for i, svc := range s.bootstrap {
		if svc.prefix.Contains(addr) && (best < 0 || svc.prefix.Bits() > s.bootstrap[best].prefix.Bits()) {
			best = i
		}
	}
	if best < 0 {
		return "", errNoRDAP
	}
	return s.bootstrap[best].base, nil
}

// parseRDAPBootstrap reads an IANA bootstrap file (RFC 9224): services are
// [[prefixes...], [urls...]]; an https URL is preferred.
func parseRDAPBootstrap(b []byte) ([]rdapService, error) {
	var f struct {
		Services [][][]string `json:"services"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("RDAP bootstrap: %w", err)
	}
	var out []rdapService
	for _, svc := range f.Services {
		if len(svc) != 2 || len(svc[1]) == 0 {
			continue
		}
		base := svc[1][0]
		for _, u := range svc[1] {
			if strings.HasPrefix(u, "https://") {
				base = u
				break
			}
		}
		for _, p := range svc[0] {
			if pfx, err := netip.ParsePrefix(p); err == nil {
				out = append(out, rdapService{prefix: pfx.Masked(), base: base})
			}
		}
	}
	return out, nil
}

// Lookup asks RDAP about addr. A 404 is "not found".
func (s *RDAPSource) Lookup(ctx context.Context, addr netip.Addr) (Finding, error) {
	addr = addr.Unmap()
	base, err := s.base(addr)
	if err != nil {
		return Finding{}, err
	}
	req, err := newGet(base, "/ip/"+addr.String(), nil)
	if err != nil {
		return Finding{}, err
	}
	req.Header.Set("Accept", "application/rdap+json, application/json")
	host := req.URL.Host
	var ans rdapNetwork
	raw, found, err := getJSON(ctx, s.Client, req, "rdap "+host, nil, &ans, http.StatusNotFound)
	if err != nil {
		return Finding{}, err
	}
	if !found {
		return Finding{Raw: raw}, nil
	}
	rec, ok := ans.whois(addr)
	if !ok {
		return Finding{}, &badAnswerError{provider: "rdap " + host, err: errors.New("no network range in the answer")}
	}
	if rec.Registry == "" {
		rec.Registry = registryFromServer(host)
	}
	rec.Source = "rdap:" + host
	return Finding{Found: true, Whois: &rec, Raw: raw}, nil
}

// rdapNetwork is the part of an RDAP "ip network" object we use.
type rdapNetwork struct {
	StartAddress string       `json:"startAddress"`
	EndAddress   string       `json:"endAddress"`
	Name         string       `json:"name"`
	Country      string       `json:"country"`
	Port43       string       `json:"port43"`
	Entities     []rdapEntity `json:"entities"`
	Cidr0        []struct {
		V4Prefix string `json:"v4prefix"`
		V6Prefix string `json:"v6prefix"`
		Length   int    `json:"length"`
	} `json:"cidr0_cidrs"`
	OriginAS []uint32 `json:"arin_originas0_originautnums"`
}

type rdapEntity struct {
	Roles    []string          `json:"roles"`
	VCard    []json.RawMessage `json:"vcardArray"`
	Entities []rdapEntity      `json:"entities"`
}

// vcard returns the first value of property name ("fn", "email") of the
// entity's jCard (RFC 7095): ["vcard", [[name, {params}, type, value], ...]].
func (e rdapEntity) vcard(name string) string {
	if len(e.VCard) != 2 {
		return ""
	}
	var props [][]json.RawMessage
	if json.Unmarshal(e.VCard[1], &props) != nil {
		return ""
	}
	for _, p := range props {
		var n, v string
		if len(p) >= 4 && json.Unmarshal(p[0], &n) == nil && n == name && json.Unmarshal(p[3], &v) == nil && v != "" {
			return v
		}
	}
	return ""
}

// find returns the first entity, depth first, with role.
func findEntity(es []rdapEntity, role string) (rdapEntity, bool) {
	for _, e := range es {
		for _, r := range e.Roles {
			if strings.EqualFold(r, role) {
				return e, true
			}
		}
		if sub, ok := findEntity(e.Entities, role); ok {
			return sub, true
		}
	}
	return rdapEntity{}, false
}

// whois maps the answer to a Whois; ok is false when it has no range
// holding addr.
func (n rdapNetwork) whois(addr netip.Addr) (Whois, bool) {
	rng := parseWhoisRange(n.StartAddress + " - " + n.EndAddress)
	if !rng.IsValid() {
		for _, c := range n.Cidr0 {
			if r := parseWhoisRange(fmt.Sprintf("%s%s/%d", c.V4Prefix, c.V6Prefix, c.Length)); r.IsValid() && r.Contains(addr) {
				rng = r
				break
			}
		}
	}
	if !rng.IsValid() || !rng.Contains(addr) {
		return Whois{}, false
	}
	w := Whois{Range: rangeText(rng), NetName: n.Name, Country: strings.ToUpper(n.Country), Network: smallestPrefixContaining(rng, addr)}
	if e, ok := findEntity(n.Entities, "registrant"); ok {
		w.Org = e.vcard("fn")
	}
	if w.Org == "" {
		w.Org = n.Name
	}
	if e, ok := findEntity(n.Entities, "abuse"); ok {
		w.AbuseContact = e.vcard("email")
	}
	if len(n.OriginAS) > 0 {
		w.OriginAS = n.OriginAS[0]
	}
	if n.Port43 != "" {
		w.Registry = registryFromServer(n.Port43)
	}
	return w, true
}

func rangeText(r netipx.IPRange) string {
	return r.From().String() + " - " + r.To().String()
}
