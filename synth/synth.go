package synth

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"
)

// Operations the generator emits, named as CloudTrail and BreachInsider name
// them (ListObjectsV2 calls appear as ListObjects with 'list-type': '2').
const (
	OpHeadBucket  = "HeadBucket"
	OpListObjects = "ListObjects"
	OpPutObject   = "PutObject"
	OpGetObject   = "GetObject"
)

// Defaults for the zero Config fields.
const (
	DefaultBucket    = "acme-backups-prod"
	DefaultAccount   = "123456789012" // the bucket owner, AWS's documentation account
	DefaultRegion    = "eu-west-1"
	DefaultIPv6Share = 0.05
)

// DefaultStart and DefaultEnd bound the time span when Config leaves it
// zero: fixed dates, so the output never depends on when it was generated.
var (
	DefaultStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	DefaultEnd   = time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
)

// Config describes the event stream to generate. The zero value of each
// field picks its default.
type Config struct {
	// Events is the number of events (BreachInsider alerts, CloudTrail S3
	// records, access log lines).
	Events int
	// IPs is the number of distinct source addresses; 0 means Events/20
	// (at least 1). With fewer events than IPs, every event has its own.
	IPs int
	// Seed selects the stream: the same Config gives the same records.
	Seed uint64
	// Start and End bound event times (End exclusive).
	Start, End time.Time
	// Bucket is the honeybucket's name.
	Bucket string
	// Account and Region are the bucket owner's account and the bucket's
	// region (CloudTrail recipientAccountId and awsRegion, S3 hosts).
	Account, Region string
	// IPv6Share is the share of distinct addresses that are IPv6: 0 means
	// DefaultIPv6Share, a negative value means none.
	IPv6Share float64
}

// DemoConfig is the embedded demo sample: about 400 alerts over two years,
// the size and shape of the real honeybucket the project was modelled on.
func DemoConfig() Config {
	return Config{
		Events: 400,
		IPs:    290,
		Seed:   20240229,
		Start:  time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC),
		End:    time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC),
		Bucket: DefaultBucket,
	}
}

// Param is one request parameter, in the order CloudTrail writes them.
type Param struct{ Name, Value string }

// Principal is who signed the request. Anonymous requests, the usual case,
// have AccountID "ANONYMOUS_PRINCIPAL" and an empty PrincipalID.
type Principal struct {
	PrincipalID string
	AccountID   string
	UserName    string // IAM user name behind an AIDA... principal, for ARNs
}

// Anonymous reports whether the request carried no credentials.
func (p Principal) Anonymous() bool { return p.AccountID == anonymousAccount }

const anonymousAccount = "ANONYMOUS_PRINCIPAL"

// Record is one generated event. Writers turn it into each log format.
//
// Iterators reuse Records between steps: a consumer that keeps one past the
// next step must copy it (a plain assignment copies it; Params is shared
// and read-only).
type Record struct {
	Alert     int // alert number: 1 is the oldest event
	Time      time.Time
	AlarmTime time.Time // when BreachInsider raised the alert, minutes later
	Source    netip.Addr
	UserAgent string
	Op        string
	Bucket    string
	Host      string
	Key       string
	Params    []Param
	Principal Principal
	// ErrorCode is "AccessDenied", "NoSuchKey" (GetObject) or empty;
	// ErrorMessage goes with it.
	ErrorCode    string
	ErrorMessage string
	// Attempts is BreachInsider's "Repeated Attempts": identical requests
	// folded into one alert. Other formats write one record per event.
	Attempts  int
	EventID   string
	RequestID string
	Owner     string // bucket owner account
	Region    string

	req   *request
	noise uint64 // random bits for format-specific detail
}

// Generator produces a deterministic event stream. Its iterators may run
// concurrently (each keeps its own state), so one Generator can feed
// several writers at once.
type Generator struct {
	cfg        Config
	start, end time.Time
	counts     []int32 // events per hour bin
	first      []int64 // index of the first event of each bin
	burst      []bool  // bins in a scanning burst
	pool       []visitor
	heavy      int // pool[:heavy] are the heavy hitters
	private    int // pool[len-private:] are private addresses
	permA      uint64
	permC      uint64
	agentCDF   []float64
	hostCDF    []float64
	tmpl       templates
	principals []Principal
	ownerID    string // S3 canonical user ID of the owner
}

type visitor struct {
	addr  netip.Addr
	agent int
}

// Salts keep the random streams of the generator's parts independent.
const (
	saltPool   = 0x706f6f6c
	saltCounts = 0x636f756e
	saltBin    = 0x62696e73
)

// New returns a Generator for cfg after filling in defaults.
func New(cfg Config) (*Generator, error) {
	if cfg.Events < 0 {
		return nil, fmt.Errorf("events must not be negative, got %d", cfg.Events)
	}
	if cfg.IPs < 0 {
		return nil, fmt.Errorf("ips must not be negative, got %d", cfg.IPs)
	}
	if cfg.IPs == 0 {
		cfg.IPs = max(1, cfg.Events/20)
	}
	if cfg.Start.IsZero() {
		cfg.Start = DefaultStart
	}
	if cfg.End.IsZero() {
		cfg.End = DefaultEnd
		if !cfg.Start.Before(cfg.End) {
			cfg.End = cfg.Start.AddDate(0, 3, 0)
		}
	}
	if !cfg.Start.Before(cfg.End) {
		return nil, fmt.Errorf("start %s is not before end %s", cfg.Start.Format(time.RFC3339), cfg.End.Format(time.RFC3339))
	}
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultBucket
	}
	if cfg.Account == "" {
		cfg.Account = DefaultAccount
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	switch {
	case cfg.IPv6Share == 0:
		cfg.IPv6Share = DefaultIPv6Share
	case cfg.IPv6Share < 0:
		cfg.IPv6Share = 0
	case cfg.IPv6Share > 1:
		return nil, errors.New("ipv6 share must be at most 1")
	}
	g := &Generator{
		cfg:   cfg,
		start: cfg.Start.UTC().Truncate(time.Second),
		end:   cfg.End.UTC(),
	}
	g.tmpl = newTemplates(cfg.Bucket, cfg.Region)
	g.agentCDF = cdf(len(agents), func(i int) float64 { return agents[i].weight })
	g.hostCDF = cdf(len(g.tmpl.hostWeights), func(i int) float64 { return g.tmpl.hostWeights[i] })
	r := rand.New(rand.NewPCG(cfg.Seed, saltPool))
	g.buildPool(r)
	g.buildPrincipals(r)
	g.ownerID = hexString(r, 64)
	g.buildCounts(rand.New(rand.NewPCG(cfg.Seed, saltCounts)))
	g.buildPerm(r)
	return g, nil
}

func cdf(n int, w func(int) float64) []float64 {
	c := make([]float64, n)
	sum := 0.0
	for i := range n {
		sum += w(i)
		c[i] = sum
	}
	for i := range c {
		c[i] /= sum
	}
	return c
}

func pick(r *rand.Rand, cdf []float64) int {
	i, _ := slices.BinarySearch(cdf, r.Float64())
	return min(i, len(cdf)-1)
}

// buildPool draws the distinct source addresses. Their order matters: the
// heavy hitters come first, the private oddities last, and events pick
// low indexes more often than high ones (see pickVisitor).
func (g *Generator) buildPool(r *rand.Rand) {
	k := g.cfg.IPs
	seen := make(map[netip.Addr]struct{}, k)
	g.pool = make([]visitor, 0, k)
	add := func(a netip.Addr, agent int) bool {
		if _, dup := seen[a]; dup {
			return false
		}
		seen[a] = struct{}{}
		g.pool = append(g.pool, visitor{a, agent})
		return true
	}

	heavyAgentIdx := slices.IndexFunc(agents, func(a agent) bool { return a.ua == heavyAgent })
	g.heavy = min(k, max(1, min(6, k/40)))
	hp := netip.MustParsePrefix(heavyNet)
	base := 2 + r.IntN(200)
	for i := range g.heavy {
		b := hp.Addr().As4()
		b[3] = byte(base + i)
		add(netip.AddrFrom4(b), heavyAgentIdx)
	}
	if k >= 100 {
		g.private = len(privateAddrs)
	}

	v4 := parseNets(ipv4Nets)
	v6 := parseNets(ipv6Nets)
	v4cdf := cdf(len(ipv4Nets), func(i int) float64 { return ipv4Nets[i].weight })
	v6cdf := cdf(len(ipv6Nets), func(i int) float64 { return ipv6Nets[i].weight })
	for len(g.pool) < k-g.private {
		var a netip.Addr
		if r.Float64() < g.cfg.IPv6Share {
			a = randomAddr6(r, v6[pick(r, v6cdf)])
		} else {
			a = randomAddr4(r, v4[pick(r, v4cdf)])
		}
		add(a, pick(r, g.agentCDF))
	}
	for _, s := range privateAddrs[:g.private] {
		add(netip.MustParseAddr(s), pick(r, g.agentCDF))
	}
}

func parseNets(nets []network) []netip.Prefix {
	out := make([]netip.Prefix, len(nets))
	for i, n := range nets {
		out[i] = netip.MustParsePrefix(n.prefix)
	}
	return out
}

// randomAddr4 picks a host inside p, avoiding .0 and .255, which real
// clients rarely use.
func randomAddr4(r *rand.Rand, p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	base := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	host := uint32(0)
	if bits := 32 - p.Bits(); bits > 0 {
		host = r.Uint32() & (1<<bits - 1)
	}
	v := base | host
	if last := v & 0xff; last == 0 || last == 255 {
		v = v&^0xff | uint32(1+r.IntN(254))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// randomAddr6 picks an address inside p the way providers number servers:
// a random /64 and then either a small interface ID (::1, ::2a) or a
// random one (SLAAC, privacy addresses).
func randomAddr6(r *rand.Rand, p netip.Prefix) netip.Addr {
	b := p.Addr().As16()
	hi := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	if p.Bits() < 64 {
		hi |= r.Uint64() & (1<<(64-p.Bits()) - 1)
	}
	lo := uint64(1 + r.IntN(0xff))
	if r.IntN(2) == 0 {
		lo = r.Uint64() | 1
	}
	var out [16]byte
	for i := range 8 {
		out[i] = byte(hi >> (56 - 8*i))
		out[8+i] = byte(lo >> (56 - 8*i))
	}
	return netip.AddrFrom16(out)
}

// buildPrincipals makes the few AWS accounts that sign their requests:
// people testing with their own credentials, root or IAM user.
func (g *Generator) buildPrincipals(r *rand.Rand) {
	names := []string{"deploy", "s3-sync", "backup-bot", "jenkins"}
	for i := range 5 {
		acct := digitString(r, 12)
		p := Principal{PrincipalID: acct, AccountID: acct}
		if i%2 == 1 {
			p.PrincipalID = "AIDA" + base32String(r, 17)
			p.UserName = names[i%len(names)]
		}
		g.principals = append(g.principals, p)
	}
}

// buildCounts spreads the events over hour bins: a diurnal and weekly
// rhythm, a slow upward trend (a bucket gets found more over time), noisy
// days, and a few bursts of scanning.
func (g *Generator) buildCounts(r *rand.Rand) {
	span := g.end.Sub(g.start)
	nb := int((span + time.Hour - 1) / time.Hour)
	w := make([]float64, nb)
	g.burst = make([]bool, nb)
	day := -1
	dayNoise := 1.0
	for b := range nb {
		t := g.start.Add(time.Duration(b) * time.Hour)
		if d := int(t.Sub(g.start) / (24 * time.Hour)); d != day {
			day = d
			dayNoise = math.Exp(0.6 * r.NormFloat64())
			if r.Float64() < 0.03 {
				n := 1 + r.IntN(4)
				for i := b + r.IntN(20); i < min(nb, b+24) && n > 0; i, n = i+1, n-1 {
					g.burst[i] = true
				}
			}
		}
		x := 1 + 0.6*math.Cos(2*math.Pi*float64(t.Hour()-15)/24)
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			x *= 0.7
		}
		x *= 0.4 + 1.2*float64(b)/float64(nb)
		x *= dayNoise
		if g.burst[b] {
			x *= 8 + 20*r.Float64()
		}
		if b == nb-1 {
			x *= float64(span-time.Duration(nb-1)*time.Hour) / float64(time.Hour)
		}
		w[b] = x
	}
	// Conditional binomials give an exact multinomial draw: the counts
	// always sum to Events.
	suffix := make([]float64, nb+1)
	for b := nb - 1; b >= 0; b-- {
		suffix[b] = suffix[b+1] + w[b]
	}
	g.counts = make([]int32, nb)
	g.first = make([]int64, nb)
	left := g.cfg.Events
	var at int64
	for b := range nb {
		g.first[b] = at
		p := 1.0
		if b < nb-1 && suffix[b] > 0 {
			p = w[b] / suffix[b]
		}
		c := binomial(r, left, p)
		g.counts[b] = int32(c)
		left -= c
		at += int64(c)
	}
}

func binomial(r *rand.Rand, n int, p float64) int {
	switch {
	case n == 0 || p <= 0:
		return 0
	case p >= 1:
		return n
	}
	mean := float64(n) * p
	if mean < 30 {
		// Inversion: walk the probability mass function from 0.
		u := r.Float64()
		pk := math.Exp(float64(n) * math.Log1p(-p))
		sum := pk
		k := 0
		for u > sum && k < n {
			pk *= float64(n-k) / float64(k+1) * p / (1 - p)
			k++
			sum += pk
			if pk == 0 {
				break
			}
		}
		return k
	}
	k := int(math.Round(mean + math.Sqrt(mean*(1-p))*r.NormFloat64()))
	return max(0, min(n, k))
}

// buildPerm chooses the affine permutation that gives every pool address
// its one guaranteed event: event i belongs to pool[perm(i)] when perm(i)
// falls inside the pool. That makes the distinct address count exact and
// spreads first visits over the whole span without remembering anything.
func (g *Generator) buildPerm(r *rand.Rand) {
	n := uint64(max(1, g.cfg.Events))
	a := 1 + r.Uint64N(n)
	for gcd(a, n) != 1 {
		a = a%n + 1
	}
	g.permA = a
	g.permC = r.Uint64N(n)
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Ascending yields the events oldest first, as CloudTrail and S3 access
// logs store them.
func (g *Generator) Ascending() iter.Seq[*Record] { return g.records(false) }

// Descending yields the events newest first, as the BreachInsider
// dashboard and its CSV export list them. It yields exactly the records of
// Ascending, in reverse.
func (g *Generator) Descending() iter.Seq[*Record] { return g.records(true) }

func (g *Generator) records(newestFirst bool) iter.Seq[*Record] {
	return func(yield func(*Record) bool) {
		var buf []Record
		var offs []int
		nb := len(g.counts)
		for i := range nb {
			b := i
			if newestFirst {
				b = nb - 1 - i
			}
			if g.counts[b] == 0 {
				continue
			}
			buf, offs = g.bin(b, buf[:0], offs[:0])
			if newestFirst {
				for k := len(buf) - 1; k >= 0; k-- {
					if !yield(&buf[k]) {
						return
					}
				}
				continue
			}
			for k := range buf {
				if !yield(&buf[k]) {
					return
				}
			}
		}
	}
}

// bin generates the events of one hour bin, oldest first, from a random
// stream of the bin's own: that is what lets both iteration orders yield
// identical records while holding one hour of events at most.
func (g *Generator) bin(b int, buf []Record, offs []int) ([]Record, []int) {
	r := rand.New(rand.NewPCG(g.cfg.Seed^saltBin, uint64(b)))
	binStart := g.start.Add(time.Duration(b) * time.Hour)
	secs := int(min(time.Hour, g.end.Sub(binStart)) / time.Second)
	n := int(g.counts[b])
	for range n {
		offs = append(offs, r.IntN(max(1, secs)))
	}
	slices.Sort(offs)
	for k, off := range offs {
		i := g.first[b] + int64(k)
		buf = append(buf, Record{})
		g.fill(r, &buf[len(buf)-1], i, binStart.Add(time.Duration(off)*time.Second), g.burst[b])
	}
	return buf, offs
}

func (g *Generator) fill(r *rand.Rand, rec *Record, i int64, t time.Time, burst bool) {
	v := g.pool[g.pickVisitor(r, i, burst)]
	agentIdx := v.agent
	if r.Float64() < 0.08 {
		agentIdx = pick(r, g.agentCDF)
	}
	ag := &agents[agentIdx]

	op := OpHeadBucket
	switch u := r.Float64(); {
	case u < 0.53:
	case u < 0.98:
		op = OpListObjects
	case u < 0.995:
		op = OpPutObject
	default:
		op = OpGetObject
	}
	req := g.tmpl.pick(r, op, ag.sdk, pick(r, g.hostCDF))

	pr := Principal{AccountID: anonymousAccount}
	authP := 0.015
	if op == OpPutObject {
		authP = 0.7 // the real writes came from people trying their own keys
	}
	if r.Float64() < authP {
		pr = g.principals[int(float64(len(g.principals))*math.Pow(r.Float64(), 2))]
	}
	var denyP float64
	switch {
	case op == OpPutObject:
		denyP = 0.85
	case op == OpGetObject:
		denyP = 0.5
	case !pr.Anonymous():
		denyP = 0.3
	default:
		denyP = 0.003
	}
	errCode, errMsg := "", ""
	switch {
	case r.Float64() < denyP:
		errCode, errMsg = "AccessDenied", "Access Denied"
	case op == OpGetObject:
		// The decoy bucket holds none of the files downloaders hope for.
		errCode, errMsg = "NoSuchKey", "The specified key does not exist."
	}

	attempts := 1
	switch u := r.Float64(); {
	case u < 0.92:
	case u < 0.98:
		attempts = 2
	case u < 0.998:
		attempts = 3 + r.IntN(8)
	default:
		attempts = 11 + r.IntN(70)
	}

	alarm := t.Add(60*time.Second + time.Duration(r.Int64N(int64(270*time.Second))))
	alarm = alarm.Truncate(time.Microsecond)
	eventID, reqID := ids(r)

	*rec = Record{
		Alert:        int(i) + 1,
		Time:         t,
		AlarmTime:    alarm,
		Source:       v.addr,
		UserAgent:    ag.ua,
		Op:           op,
		Bucket:       g.cfg.Bucket,
		Host:         req.host,
		Key:          req.key,
		Params:       req.params,
		Principal:    pr,
		ErrorCode:    errCode,
		ErrorMessage: errMsg,
		Attempts:     attempts,
		EventID:      eventID,
		RequestID:    reqID,
		Owner:        g.cfg.Account,
		Region:       g.cfg.Region,
		req:          req,
		noise:        r.Uint64(),
	}
}

// pickVisitor chooses the source of event i: its guaranteed pool entry if
// the permutation gives it one, else a heavy hitter (more so during
// bursts) or a returning visitor, low pool indexes being the regulars.
func (g *Generator) pickVisitor(r *rand.Rand, i int64, burst bool) int {
	n := uint64(max(1, g.cfg.Events))
	if j := (g.permA*uint64(i) + g.permC) % n; j < uint64(len(g.pool)) {
		return int(j)
	}
	heavyP := 0.35
	if burst {
		heavyP = 0.7
	}
	rest := len(g.pool) - g.private - g.heavy
	if rest <= 0 || r.Float64() < heavyP {
		return int(float64(g.heavy) * math.Pow(r.Float64(), 1.5))
	}
	u := r.Float64()
	return g.heavy + int(float64(rest)*u*u*u)
}

const hexDigits = "0123456789abcdef"

func hexString(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[r.IntN(16)]
	}
	return string(b)
}

func digitString(r *rand.Rand, n int) string {
	b := make([]byte, n)
	b[0] = byte('1' + r.IntN(9))
	for i := 1; i < n; i++ {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

func base32String(r *rand.Rand, n int) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	for i := range b {
		b[i] = alpha[r.IntN(len(alpha))]
	}
	return string(b)
}

// ids returns a random (version 4) UUID, as CloudTrail event IDs are, and
// an S3 request ID: 16 upper-case characters, hex or the base-36 style S3
// also uses. Both share one allocation.
func ids(r *rand.Rand) (eventID, requestID string) {
	var b [36 + 16]byte
	hi, lo := r.Uint64(), r.Uint64()
	hi = hi&^0xf000 | 0x4000
	lo = lo&^(0xc<<60) | 0x8<<60
	j := 0
	for i := range 16 {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		x := byte(hi >> (56 - 8*(i%8)))
		if i >= 8 {
			x = byte(lo >> (56 - 8*(i%8)))
		}
		b[j], b[j+1] = hexDigits[x>>4], hexDigits[x&0xf]
		j += 2
	}
	const hexUpper = "0123456789ABCDEF"
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	x, y := r.Uint64(), r.Uint64()
	if y&1 == 0 {
		for i := range 16 {
			b[36+i] = hexUpper[x>>(4*i)&0xf]
		}
	} else {
		for i := range 16 {
			if i == 10 {
				x = y >> 1
			}
			b[36+i] = alnum[x%36]
			x /= 36
		}
	}
	s := string(b[:])
	return s[:36], s[36:]
}
