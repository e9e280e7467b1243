package enrich

import (
	"context"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
)

// Offline answers class, location and AS questions with no network: from
// the user's .mmdb databases when they know, else from the embedded data.
// Priority for location is user city > user country > embedded country;
// for AS, user ASN > embedded. Among databases of one kind, the order given
// to NewOffline wins. Safe for concurrent use.
type Offline struct {
	emb     *Embedded
	city    []*dbStat
	country []*dbStat
	asn     []*dbStat
	all     []*dbStat
	hosting *HostingASNs
}

// dbStat counts one user database's answers, for Status.
type dbStat struct {
	db                        *Database
	queried, answered, failed atomic.Int64
	lastErr                   atomic.Value // string
}

// NewOffline combines the embedded data (nil to use user databases only)
// with user databases in priority order. Offline does not take ownership of
// the databases: the caller closes them after the last lookup.
func NewOffline(emb *Embedded, dbs ...*Database) *Offline {
	o := &Offline{emb: emb}
	if emb != nil {
		o.hosting = emb.Hosting()
	}
	for _, d := range dbs {
		s := &dbStat{db: d}
		o.all = append(o.all, s)
		switch d.Kind() {
		case KindCity:
			o.city = append(o.city, s)
		case KindCountry:
			o.country = append(o.country, s)
		case KindASN:
			o.asn = append(o.asn, s)
		}
	}
	return o
}

// Lookup builds the offline part of addr's profile: Class always; Geo and
// ASN only for public addresses (the data sets assign countries even to
// documentation space, which would put 2001:db8::1 in Japan). A database
// error makes that database skipped for this address and is counted in
// Status; it never fails the lookup.
func (o *Offline) Lookup(addr netip.Addr) Profile {
	p := Profile{Addr: addr, Class: ClassifyIP(addr)}
	if p.Class != ClassPublic {
		return p
	}
	a := addr.Unmap().WithZone("")
	p.Geo = o.geo(a)
	p.ASN = o.asnOf(a, true)
	return p
}

func (o *Offline) geo(a netip.Addr) Geo {
	for _, tier := range [][]*dbStat{o.city, o.country} {
		for _, s := range tier {
			s.queried.Add(1)
			g, ok, err := s.db.Geo(a)
			if err != nil {
				s.fail(err)
				continue
			}
			if !ok {
				continue
			}
			s.answered.Add(1)
			if !g.HasLocation() && o.emb != nil {
				// Country-only answer: use the country's representative
				// point so the map can still place it.
				if lat, lon, ok := o.emb.CountryPoint(g.CountryCode); ok {
					g.Lat, g.Lon, g.Precise = lat, lon, false
				}
			}
			return g
		}
	}
	if o.emb != nil {
		if g, ok := o.emb.Geo(a); ok {
			return g
		}
	}
	return Geo{}
}

// ASNumber is the AS number Lookup would give addr (0 for none or a
// non-public address), without counting in Status: the exclusion filter
// asks it while reading, before enrichment proper.
func (o *Offline) ASNumber(addr netip.Addr) uint32 {
	if ClassifyIP(addr) != ClassPublic {
		return 0
	}
	return o.asnOf(addr.Unmap().WithZone(""), false).Number
}

// ASNRanges lists the address ranges, [first, last] in address order,
// outside which ASNumber never answers n, so that a caller matching many
// addresses against a few AS numbers can compare instead of looking up.
// ok is false when a user ASN database is open: its answers come first,
// and it is asked address by address.
func (o *Offline) ASNRanges(n uint32) (ranges [][2]netip.Addr, ok bool) {
	if len(o.asn) > 0 {
		return nil, false
	}
	if o.emb == nil {
		return nil, true
	}
	return o.emb.ASNRanges(n), true
}

func (o *Offline) asnOf(a netip.Addr, count bool) ASN {
	for _, s := range o.asn {
		if count {
			s.queried.Add(1)
		}
		r, ok, err := s.db.ASN(a)
		if err != nil {
			if count {
				s.fail(err)
			}
			continue
		}
		if ok {
			if count {
				s.answered.Add(1)
			}
			r.Hosting = o.hosting.IsHosting(r.Number)
			return r
		}
	}
	if o.emb != nil {
		if r, ok := o.emb.ASN(a); ok {
			return r
		}
	}
	return ASN{}
}

func (s *dbStat) fail(err error) {
	s.failed.Add(1)
	s.lastErr.Store(err.Error())
}

// LookupMany runs Lookup once per distinct address of addrs on up to
// workers goroutines (GOMAXPROCS when workers < 1) and returns the
// profiles, numbered in the order of addrs (first occurrence). It stops
// early, returning what it has and ctx.Err(), when ctx is cancelled: the
// addresses not looked up then have no profile.
func (o *Offline) LookupMany(ctx context.Context, addrs []netip.Addr, workers int) (*Profiles, error) {
	ps := newProfilesFor(addrs)
	n := ps.Len()
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(n, 1))
	// Workers take batches: the store's tables are shared, and one lock
	// per batch rather than per address keeps them from queueing on it.
	const batch = 256
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf [batch]Profile
			for ctx.Err() == nil {
				lo := int(next.Add(batch)) - batch
				if lo >= n {
					return
				}
				hi := min(lo+batch, n)
				for i := lo; i < hi; i++ {
					buf[i-lo] = o.Lookup(ps.Addr(i))
				}
				mu.Lock()
				for i := lo; i < hi; i++ {
					ps.put(i, &buf[i-lo])
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return ps, ctx.Err()
}

// Sources lists every database Offline uses, user databases first in
// priority order, then the embedded data.
func (o *Offline) Sources() []SourceInfo {
	var out []SourceInfo
	for _, s := range o.all {
		out = append(out, s.db.Info())
	}
	if o.emb != nil {
		out = append(out, o.emb.Sources()...)
	}
	return out
}

// Status reports, per user database, how many lookups it was asked, how
// many it answered and how many failed (with the last error). The embedded
// data cannot fail and is not listed. Duration is left for the caller,
// which times the whole enrichment run.
func (o *Offline) Status() []Status {
	out := make([]Status, 0, len(o.all))
	for _, s := range o.all {
		st := Status{
			Source:    s.db.Name(),
			Queried:   int(s.queried.Load()),
			Succeeded: int(s.answered.Load()),
			Failed:    int(s.failed.Load()),
		}
		if e, ok := s.lastErr.Load().(string); ok {
			st.Err = e
		}
		out = append(out, st)
	}
	return out
}
