package filter

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Kind is what an exclusion rule matches on.
type Kind string

const (
	KindIP        Kind = "ip"        // one address
	KindCIDR      Kind = "cidr"      // a network
	KindASN       Kind = "asn"       // every address the offline data puts in an AS
	KindService   Kind = "service"   // a non-IP source, such as an AWS service principal
	KindUserAgent Kind = "useragent" // user agents matching an RE2 expression
)

// Rule is one exclusion. Text is the rule as written (for the report's
// count per rule); the other fields are what it matches, by Kind.
type Rule struct {
	Text   string
	Kind   Kind
	Prefix netip.Prefix   // KindIP (a single-address prefix) and KindCIDR
	ASN    uint32         // KindASN
	Name   string         // KindService, lower case
	UA     *regexp.Regexp // KindUserAgent
}

// ParseRule parses one --exclude value: an IP (203.0.113.7, 2001:db8::1),
// a CIDR (198.51.100.0/24), an ASN (AS16509), a non-IP source name as a
// log gives it (cloudtrail.amazonaws.com), or ua:REGEX for user agents
// (RE2, as --exclude-ua).
func ParseRule(s string) (Rule, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Rule{}, fmt.Errorf("empty rule")
	case strings.HasPrefix(s, "ua:"):
		return UserAgentRule(s[len("ua:"):])
	case strings.Contains(s, "/"):
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return Rule{}, fmt.Errorf("%q is not a CIDR network (198.51.100.0/24)", s)
		}
		if p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-unmapBits(p.Addr())); !p.IsValid() {
			return Rule{}, fmt.Errorf("%q is not a CIDR network (198.51.100.0/24)", s)
		}
		return Rule{Text: s, Kind: KindCIDR, Prefix: p.Masked()}, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap().WithZone("")
		return Rule{Text: s, Kind: KindIP, Prefix: netip.PrefixFrom(a, a.BitLen())}, nil
	}
	if len(s) > 2 && strings.EqualFold(s[:2], "AS") {
		n, err := strconv.ParseUint(s[2:], 10, 32)
		if err != nil || n == 0 {
			return Rule{}, fmt.Errorf("%q is not an AS number (AS16509)", s)
		}
		return Rule{Text: s, Kind: KindASN, ASN: uint32(n)}, nil
	}
	if isServiceName(s) {
		return Rule{Text: s, Kind: KindService, Name: strings.ToLower(s)}, nil
	}
	return Rule{}, fmt.Errorf("%q is not an IP, a CIDR network, an AS number (AS16509), a service name (cloudtrail.amazonaws.com), ua:REGEX or @FILE", s)
}

// unmapBits is how many prefix bits an IPv4-mapped IPv6 address spends on
// the mapping (::ffff:0:0/96), so ::ffff:10.0.0.0/104 becomes 10.0.0.0/8.
func unmapBits(a netip.Addr) int {
	if a.Is4In6() {
		return 96
	}
	return 0
}

// isServiceName accepts host-like names with a letter in the last label
// (cloudtrail.amazonaws.com), so that a mistyped address (10.0.0.256) is
// an error rather than a rule that never matches.
func isServiceName(s string) bool {
	last := s[strings.LastIndexByte(s, '.')+1:]
	if !strings.Contains(s, ".") || last == "" || strings.Trim(last, "0123456789") == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// UserAgentRule parses an --exclude-ua expression (RE2 syntax, unanchored:
// "python-requests" matches any user agent containing it).
func UserAgentRule(expr string) (Rule, error) {
	if expr == "" {
		return Rule{}, fmt.Errorf("empty user-agent expression")
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return Rule{}, fmt.Errorf("user-agent expression %q: %w", expr, err)
	}
	return Rule{Text: "ua:" + expr, Kind: KindUserAgent, UA: re}, nil
}

// ParseRules parses --exclude values and config entries in order. A value
// @FILE reads FILE: one rule a line, blank lines and # comments ignored;
// an error names the file and line.
func ParseRules(specs []string) ([]Rule, error) {
	var out []Rule
	for _, s := range specs {
		if name, ok := strings.CutPrefix(strings.TrimSpace(s), "@"); ok {
			rules, err := readRules(name)
			if err != nil {
				return nil, err
			}
			out = append(out, rules...)
			continue
		}
		r, err := ParseRule(s)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// maxRuleFile bounds an @FILE: rules are matched per distinct address,
// but a file meant for something else should fail, not fill memory.
const maxRuleFile = 16 << 20

func readRules(name string) ([]Rule, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read exclusion rules: %w", err)
	}
	defer f.Close()
	var out []Rule
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	var n int64
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if n += int64(len(b)) + 1; n > maxRuleFile {
			return nil, fmt.Errorf("%s: more than %d MiB of exclusion rules", name, maxRuleFile>>20)
		}
		// A "#" starts a comment except in a user-agent expression, where
		// it may be part of the pattern: there only a whole-line comment counts.
		if i := bytes.IndexByte(b, '#'); i >= 0 && !bytes.HasPrefix(bytes.TrimSpace(b), []byte("ua:")) {
			b = b[:i]
		}
		s := strings.TrimSpace(string(b))
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if strings.HasPrefix(s, "@") {
			return nil, fmt.Errorf("%s:%d: @FILE inside a rules file is not followed", name, line)
		}
		r, err := ParseRule(s)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read exclusion rules %s: %w", name, err)
	}
	return out, nil
}
