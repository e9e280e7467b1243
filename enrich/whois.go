package enrich

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/likexian/whois"
	"go4.org/netipx"
)

// DefaultWhoisServer is the first server asked; it refers to the RIR.
const DefaultWhoisServer = "whois.iana.org:43"

// maxWhoisAnswer caps one WHOIS answer; real RIR answers for an address are
// a few KiB, a hostile or broken server could stream forever.
const maxWhoisAnswer = 256 << 10

// WhoisSource looks up registration records: over RDAP first when RDAP is
// set, else or failing that over WHOIS (RFC 3912). For WHOIS it asks
// Server (IANA by default), follows the answer's "refer:"/"whois:" referral
// to the RIR as given, and parses the RIR's answer (RIPE, APNIC and AFRINIC
// key-value objects, ARIN's NetRange/OrgName style, LACNIC's inetnum/owner
// style) into a Whois. Transport is github.com/likexian/whois (which also
// sends ARIN's "n + ADDR" query form), over a dialer that honours the
// context and caps the answer at 256 KiB.
//
// IANA's answer covers a whole allocation (a /8 for IPv4), so referrals are
// remembered for the run and IANA is asked once per allocation, not once
// per address.
type WhoisSource struct {
	// Server is the first server, host:port; empty means DefaultWhoisServer.
	Server string
	// Dialer makes the TCP connections; nil means a net.Dialer.
	Dialer *net.Dialer
	// RDAP, when set, is asked first; WHOIS answers only when RDAP
	// cannot (no service for the address, network failure, refusal, an
	// answer without a range).
	RDAP *RDAPSource

	mu        sync.Mutex
	referrals []whoisReferral
}

type whoisReferral struct {
	block  netipx.IPRange
	server string
}

// Name is "whois".
func (w *WhoisSource) Name() string { return "whois" }

func (w *WhoisSource) server() string {
	if w.Server == "" {
		return DefaultWhoisServer
	}
	return w.Server
}

// Lookup implements Source. An address the RIR has no record of is a
// Finding with Found false.
func (w *WhoisSource) Lookup(ctx context.Context, addr netip.Addr) (Finding, error) {
	addr = addr.Unmap()
	if w.RDAP == nil {
		return w.lookupWhois(ctx, addr)
	}
	f, rerr := w.RDAP.Lookup(ctx, addr)
	if rerr == nil || ctx.Err() != nil {
		return f, rerr
	}
	f, err := w.lookupWhois(ctx, addr)
	if err != nil {
		return Finding{}, fmt.Errorf("rdap: %v; %w", rerr, err)
	}
	return f, nil
}

// lookupWhois asks over port 43.
func (w *WhoisSource) lookupWhois(ctx context.Context, addr netip.Addr) (Finding, error) {
	server := w.referralFor(addr)
	if server == "" {
		root := w.server()
		ans, err := w.query(ctx, root, addr)
		if err != nil {
			return Finding{}, err
		}
		ref, block := parseReferral(ans)
		if ref == "" {
			// The first server answered itself (a RIR given directly as
			// the server, or a referral-less answer): parse it.
			return whoisFinding(addr, ans, root)
		}
		if block.IsValid() {
			w.mu.Lock()
			w.referrals = append(w.referrals, whoisReferral{block: block, server: ref})
			w.mu.Unlock()
		}
		server = ref
	}
	ans, err := w.query(ctx, server, addr)
	if err != nil {
		return Finding{}, err
	}
	return whoisFinding(addr, ans, server)
}

func whoisFinding(addr netip.Addr, ans, server string) (Finding, error) {
	if msg := whoisRefusal(ans); msg != "" {
		return Finding{}, fmt.Errorf("whois %s: %s", hostOnly(server), msg)
	}
	if err := checkWhoisText(ans); err != nil {
		return Finding{}, &badAnswerError{provider: "whois " + hostOnly(server), err: err}
	}
	rec, ok := ParseWhois(addr, ans)
	if !ok {
		return Finding{Raw: []byte(ans)}, nil
	}
	if rec.Registry == "" {
		rec.Registry = registryFromServer(server)
	}
	rec.Source = "whois:" + hostOnly(server)
	return Finding{Found: true, Whois: &rec, Raw: []byte(ans)}, nil
}

func (w *WhoisSource) referralFor(addr netip.Addr) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.referrals {
		if r.block.Contains(addr) {
			return r.server
		}
	}
	return ""
}

// query asks one server about addr and returns its answer.
func (w *WhoisSource) query(ctx context.Context, server string, addr netip.Addr) (string, error) {
	timeout := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
		if timeout <= 0 {
			return "", errTimeout
		}
	}
	d := &whoisDialer{ctx: ctx, d: w.Dialer}
	c := whois.NewClient().SetDialer(d).SetTimeout(timeout).SetDisableStats(true).SetDisableReferral(true)
	host, port := splitHostPortDefault(server, "43")
	ans, err := c.Whois(addr.String(), net.JoinHostPort(host, port))
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", errTimeout
		}
		return "", ctx.Err()
	}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "", errTimeout
		}
		return "", fmt.Errorf("whois %s: %w", hostOnly(server), unwrapLikexian(err))
	}
	return ans, nil
}

// unwrapLikexian drops likexian's "whois: connect to whois server failed:"
// prefix so the message reads as ours.
func unwrapLikexian(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

func splitHostPortDefault(s, port string) (string, string) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		return h, p
	}
	return s, port
}

func hostOnly(server string) string {
	h, _ := splitHostPortDefault(server, "")
	return h
}

// whoisDialer gives likexian/whois connections that close when ctx ends and
// stop reading after maxWhoisAnswer bytes.
type whoisDialer struct {
	ctx context.Context
	d   *net.Dialer
}

func (d *whoisDialer) Dial(network, addr string) (net.Conn, error) {
	nd := d.d
	if nd == nil {
		nd = &net.Dialer{}
	}
	c, err := nd.DialContext(d.ctx, network, addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(d.ctx, func() { c.Close() })
	return &cappedConn{Conn: c, left: maxWhoisAnswer, stop: stop}, nil
}

type cappedConn struct {
	net.Conn
	left int64
	stop func() bool
}

// errWhoisTooLarge ends an answer longer than maxWhoisAnswer: cut short, it
// could lack the record it was asked for and read as "not found".
var errWhoisTooLarge = fmt.Errorf("answer larger than %d KiB", maxWhoisAnswer>>10)

func (c *cappedConn) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// At the cap: an answer of exactly the cap ends here, a longer one
		// fails.
		var one [1]byte
		n, err := c.Conn.Read(one[:])
		if n > 0 {
			return 0, errWhoisTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cappedConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// parseReferral finds the server IANA (or any registry) refers to, and the
// block the referral covers.
func parseReferral(ans string) (server string, block netipx.IPRange) {
	for _, obj := range whoisObjects(ans) {
		for _, kv := range obj {
			switch kv.key {
			case "refer", "whois", "referralserver":
				if server == "" {
					server = cleanReferral(kv.val)
				}
			case "inetnum", "inet6num":
				if !block.IsValid() {
					block = parseWhoisRange(kv.val)
				}
			}
		}
	}
	return server, block
}

func cleanReferral(v string) string {
	v = strings.TrimSpace(v)
	for _, p := range []string{"whois://", "rwhois://", "http://", "https://"} {
		v = strings.TrimPrefix(v, p)
	}
	v = strings.TrimRight(v, "/")
	if i := strings.IndexByte(v, '/'); i >= 0 {
		v = v[:i]
	}
	if v == "" || strings.ContainsAny(v, " \t") {
		return ""
	}
	if _, _, err := net.SplitHostPort(v); err != nil {
		v = net.JoinHostPort(v, "43")
	}
	return v
}

// whoisRefusal recognises answers that are a refusal rather than data
// (rate limiting, access denied), which must not be cached as "not found".
func whoisRefusal(ans string) string {
	l := strings.ToLower(ans)
	for _, s := range []string{"%error:201", "access denied", "query rate limit exceeded", "limit exceeded", "too many queries"} {
		if strings.Contains(l, s) {
			return "query refused (rate limited or access denied)"
		}
	}
	return ""
}

// checkWhoisText rejects what cannot be a WHOIS answer, so that it is a
// failure rather than a "not found" cached for a month: an empty answer (a
// server dropping the connection), binary bytes, or text without a single
// "key: value" or remark line.
func checkWhoisText(ans string) error {
	if strings.TrimSpace(ans) == "" {
		return errors.New("empty answer")
	}
	for i := 0; i < len(ans); i++ {
		if c := ans[i]; (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f {
			return fmt.Errorf("answer has control byte %#02x at offset %d: not WHOIS text", c, i)
		}
	}
	for line := range strings.Lines(ans) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		// Comments, RPSL/ARIN "key: value", KRNIC "key   : value", and
		// JPNIC's "[key]" lines.
		if line[0] == '%' || line[0] == '#' || line[0] == '[' {
			return nil
		}
		if i := strings.IndexByte(line, ':'); i > 0 && i <= 40 {
			return nil
		}
	}
	return errors.New("answer has no WHOIS fields or remarks")
}

type whoisKV struct{ key, val string }

// whoisObjects splits an answer into blank-line-separated objects of
// key: value lines; comments (% and #) are dropped, except RIPE's
// "% Abuse contact for 'x' is 'y'" which becomes an "abuse-mailbox" line.
func whoisObjects(ans string) [][]whoisKV {
	var objs [][]whoisKV
	var cur []whoisKV
	flush := func() {
		if len(cur) > 0 {
			objs = append(objs, cur)
			cur = nil
		}
	}
	sc := bufio.NewScanner(strings.NewReader(ans))
	sc.Buffer(make([]byte, 64<<10), maxWhoisAnswer)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if line[0] == '%' || line[0] == '#' {
			if m := abuseComment(line); m != "" {
				cur = append(cur, whoisKV{"abuse-mailbox", m})
			}
			continue
		}
		i := strings.IndexByte(line, ':')
		if i <= 0 || line[0] == ' ' || line[0] == '\t' || line[0] == '+' {
			continue // continuation lines carry nothing we use
		}
		key := strings.ToLower(strings.TrimSpace(line[:i]))
		if strings.ContainsAny(key, " \t") && !strings.HasPrefix(key, "abuse") {
			continue
		}
		cur = append(cur, whoisKV{key, strings.TrimSpace(line[i+1:])})
	}
	flush()
	return objs
}

func abuseComment(line string) string {
	const p = "abuse contact for '"
	l := strings.ToLower(line)
	i := strings.Index(l, p)
	if i < 0 {
		return ""
	}
	rest := line[i+len(p):]
	j := strings.Index(rest, "' is '")
	if j < 0 {
		return ""
	}
	rest = rest[j+len("' is '"):]
	k := strings.IndexByte(rest, '\'')
	if k <= 0 {
		return ""
	}
	return rest[:k]
}

func (o whoisObj) get(keys ...string) string {
	for _, k := range keys {
		for _, kv := range o {
			if kv.key == k && kv.val != "" {
				return kv.val
			}
		}
	}
	return ""
}

type whoisObj []whoisKV

// ParseWhois parses a RIR's WHOIS answer about addr. ok is false when the
// answer holds no network record (the RIR's "no entries found").
func ParseWhois(addr netip.Addr, ans string) (rec Whois, ok bool) {
	objs := whoisObjects(ans)
	// Pick the most specific network object containing addr: ARIN's
	// "n +" answers and RIPE's answers can list the parent network too.
	var net whoisObj
	var netRange netipx.IPRange
	for _, raw := range objs {
		o := whoisObj(raw)
		rs := o.get("inetnum", "inet6num", "netrange", "cidr")
		if rs == "" {
			continue
		}
		r := parseWhoisRange(rs)
		if c := o.get("cidr"); c != "" {
			if cr := parseCIDRList(addr, c); cr.IsValid() {
				r = cr
			}
		}
		if r.IsValid() && !r.Contains(addr) {
			continue
		}
		if net == nil || (r.IsValid() && (!netRange.IsValid() || rangeSmaller(r, netRange))) {
			net, netRange = o, r
		}
	}
	if net == nil {
		return Whois{}, false
	}
	rec.Range = net.get("inetnum", "inet6num", "netrange")
	rec.NetName = net.get("netname")
	rec.Country = strings.ToUpper(net.get("country"))
	if netRange.IsValid() {
		rec.Network = smallestPrefixContaining(netRange, addr)
	}
	if rec.Range == "" && netRange.IsValid() {
		rec.Range = netRange.String()
	}

	all := whoisObj(nil)
	for _, o := range objs {
		all = append(all, o...)
	}
	rec.Org = firstNonEmpty(
		net.get("orgname", "owner", "org-name"),
		all.get("orgname", "org-name", "owner"),
		net.get("descr"),
		rec.NetName,
	)
	if rec.Country == "" {
		rec.Country = strings.ToUpper(all.get("country"))
	}
	rec.AbuseContact = firstNonEmpty(
		all.get("orgabuseemail", "abuse-mailbox"),
		lacnicAbuse(objs, net.get("abuse-c")),
		net.get("e-mail"),
	)
	if as := firstNonEmpty(net.get("originas", "origin"), all.get("originas", "origin", "aut-num")); as != "" {
		rec.OriginAS = parseASNumber(as)
	}
	rec.Registry = registryFromAnswer(net, ans)
	return rec, true
}

// lacnicAbuse resolves LACNIC's abuse-c handle to the e-mail of the
// nic-hdl object it names.
func lacnicAbuse(objs [][]whoisKV, handle string) string {
	if handle == "" {
		return ""
	}
	for _, raw := range objs {
		o := whoisObj(raw)
		if strings.EqualFold(o.get("nic-hdl", "nic-hdl-br"), handle) {
			return o.get("e-mail", "abuse-mailbox")
		}
	}
	return ""
}

func registryFromAnswer(net whoisObj, ans string) string {
	switch src := strings.ToUpper(net.get("source")); {
	case strings.HasPrefix(src, "RIPE"):
		return "RIPE"
	case strings.HasPrefix(src, "APNIC"):
		return "APNIC"
	case strings.HasPrefix(src, "AFRINIC"):
		return "AFRINIC"
	case strings.HasPrefix(src, "LACNIC"):
		return "LACNIC"
	case strings.HasPrefix(src, "ARIN"):
		return "ARIN"
	}
	if net.get("netrange") != "" {
		return "ARIN"
	}
	if strings.Contains(ans, "lacnic") || strings.Contains(ans, "LACNIC") {
		return "LACNIC"
	}
	return ""
}

func registryFromServer(server string) string {
	h := strings.ToLower(hostOnly(server))
	for _, r := range []string{"ripe", "arin", "apnic", "lacnic", "afrinic"} {
		if strings.Contains(h, r) {
			return strings.ToUpper(r)
		}
	}
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func parseASNumber(s string) uint32 {
	s = strings.TrimSpace(s)
	if f := strings.Fields(s); len(f) > 0 {
		s = f[0]
	}
	s = strings.TrimPrefix(strings.ToUpper(s), "AS")
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// parseWhoisRange reads "a - b", a CIDR, or LACNIC's abbreviated CIDR
// ("200.160/20", "200.160.0/20").
func parseWhoisRange(s string) netipx.IPRange {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '-'); i > 0 {
		a, err1 := netip.ParseAddr(strings.TrimSpace(s[:i]))
		b, err2 := netip.ParseAddr(strings.TrimSpace(s[i+1:]))
		if err1 == nil && err2 == nil {
			return netipx.IPRangeFrom(a.Unmap(), b.Unmap())
		}
		return netipx.IPRange{}
	}
	if f := strings.Fields(s); len(f) > 0 {
		s = f[0]
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return netipx.RangeOfPrefix(p.Masked())
	}
	if i := strings.IndexByte(s, '/'); i > 0 && !strings.Contains(s, ":") {
		ip := s[:i]
		for strings.Count(ip, ".") < 3 {
			ip += ".0"
		}
		if p, err := netip.ParsePrefix(ip + s[i:]); err == nil {
			return netipx.RangeOfPrefix(p.Masked())
		}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netipx.IPRangeFrom(a, a)
	}
	return netipx.IPRange{}
}

// parseCIDRList reads ARIN's "CIDR: a/x, b/y" and returns the one holding addr.
func parseCIDRList(addr netip.Addr, s string) netipx.IPRange {
	for _, part := range strings.Split(s, ",") {
		r := parseWhoisRange(part)
		if r.IsValid() && r.Contains(addr) {
			return r
		}
	}
	return netipx.IPRange{}
}

func rangeSmaller(a, b netipx.IPRange) bool {
	// a is inside b (and not equal) means a is more specific.
	return b.Contains(a.From()) && b.Contains(a.To()) && a != b
}

func smallestPrefixContaining(r netipx.IPRange, addr netip.Addr) netip.Prefix {
	if p, ok := r.Prefix(); ok {
		return p
	}
	for _, p := range r.Prefixes() {
		if p.Contains(addr) {
			return p
		}
	}
	return netip.Prefix{}
}
