package enrich

import (
	"cmp"
	"net/netip"
	"slices"
)

// Profiles holds the profiles of many addresses in about 30 bytes each, so
// that two million sources (one botnet scan, or one forged log) cost tens
// of megabytes rather than the 300 bytes of a Profile and its map entry
// each. Places, autonomous systems and classes are stored once per
// distinct value and referred to by number; WHOIS records and verdicts,
// which only online lookups add, are kept beside the few addresses that
// have them.
//
// Profiles are numbered in the order they were added (LookupMany: the
// order of the addresses it was given, first occurrence) and found by
// address with a binary search. A nil *Profiles holds nothing. Profiles
// is not safe for concurrent use while Set is called; reading is.
type Profiles struct {
	recs []profileRec
	// order lists recs' indexes sorted by address.
	order []int32
	// zones holds the zone of the rare scoped IPv6 address, by index.
	zones map[int32]string

	classes []IPClass
	geos    []Geo
	asns    []ASN
	classID map[IPClass]uint32
	geoID   map[Geo]uint32
	asnID   map[ASN]uint32

	whois  map[int32]*Whois
	threat map[int32][]Verdict
}

// profileRec is one address's profile: the address and indexes into
// Profiles' tables of distinct values.
type profileRec struct {
	addr [16]byte
	kind uint8 // addrNone, addr4 or addr6
	// missing marks an address whose lookup did not run (interrupted).
	missing bool
	class   uint8
	geo     uint32
	asn     uint32
}

const (
	addrNone uint8 = iota
	addr4
	addr6
)

// NewProfiles returns a store holding list, in order. A later profile for
// an address replaces an earlier one.
func NewProfiles(list ...*Profile) *Profiles {
	addrs := make([]netip.Addr, len(list))
	for i, p := range list {
		addrs[i] = p.Addr
	}
	ps := newProfilesFor(addrs)
	for _, p := range list {
		i, _ := ps.search(p.Addr)
		ps.put(i, p)
	}
	return ps
}

func newProfiles(n int) *Profiles {
	ps := &Profiles{
		recs:    make([]profileRec, 0, n),
		zones:   map[int32]string{},
		classID: map[IPClass]uint32{},
		geoID:   map[Geo]uint32{},
		asnID:   map[ASN]uint32{},
		whois:   map[int32]*Whois{},
		threat:  map[int32][]Verdict{},
	}
	// Index 0 of each table is the zero value, so that an unknown part
	// costs no table entry.
	ps.classes, ps.geos, ps.asns = []IPClass{""}, []Geo{{}}, []ASN{{}}
	ps.classID[""], ps.geoID[Geo{}], ps.asnID[ASN{}] = 0, 0, 0
	return ps
}

// Len returns how many addresses the store holds.
func (ps *Profiles) Len() int {
	if ps == nil {
		return 0
	}
	return len(ps.recs)
}

// Addr returns the address of profile i, 0 <= i < Len().
func (ps *Profiles) Addr(i int) netip.Addr {
	r := &ps.recs[i]
	var a netip.Addr
	switch r.kind {
	case addr4:
		a = netip.AddrFrom4([4]byte(r.addr[12:]))
	case addr6:
		a = netip.AddrFrom16(r.addr)
		if len(ps.zones) > 0 {
			if z, ok := ps.zones[int32(i)]; ok {
				a = a.WithZone(z)
			}
		}
	}
	return a
}

// At returns profile i, 0 <= i < Len(). An address whose lookup did not
// run has a profile with only its address.
func (ps *Profiles) At(i int) Profile {
	r := &ps.recs[i]
	p := Profile{Addr: ps.Addr(i)}
	if r.missing {
		return p
	}
	p.Class, p.Geo, p.ASN = ps.classes[r.class], ps.geos[r.geo], ps.asns[r.asn]
	if len(ps.whois) > 0 {
		p.Whois = ps.whois[int32(i)]
	}
	if len(ps.threat) > 0 {
		p.Threat = ps.threat[int32(i)]
	}
	return p
}

// Index returns the number of addr's profile, or false when there is none
// (or its lookup did not run).
func (ps *Profiles) Index(addr netip.Addr) (int, bool) {
	i, ok := ps.search(addr)
	if !ok || ps.recs[i].missing {
		return 0, false
	}
	return i, true
}

// search finds addr's record whether or not its lookup ran.
func (ps *Profiles) search(addr netip.Addr) (int, bool) {
	if ps == nil {
		return 0, false
	}
	j, ok := slices.BinarySearchFunc(ps.order, addr, func(i int32, a netip.Addr) int {
		return ps.Addr(int(i)).Compare(a)
	})
	if !ok {
		return 0, false
	}
	return int(ps.order[j]), true
}

// Lookup returns addr's profile; without one it returns a profile with
// only the address, and false.
func (ps *Profiles) Lookup(addr netip.Addr) (Profile, bool) {
	i, ok := ps.Index(addr)
	if !ok {
		return Profile{Addr: addr}, false
	}
	return ps.At(i), true
}

// Set stores p as the profile of p.Addr, replacing the one it had or
// adding it at the end. Adding keeps the address index sorted by
// insertion, so building a large store this way is slow: LookupMany
// builds its store in one pass.
func (ps *Profiles) Set(p Profile) {
	i, ok := ps.search(p.Addr)
	if !ok {
		i = len(ps.recs)
		ps.recs = append(ps.recs, ps.key(p.Addr, int32(i)))
		j, _ := slices.BinarySearchFunc(ps.order, p.Addr, func(k int32, a netip.Addr) int {
			return ps.Addr(int(k)).Compare(a)
		})
		ps.order = slices.Insert(ps.order, j, int32(i))
	}
	ps.put(i, &p)
}

// key starts the record of addr, which is record i.
func (ps *Profiles) key(addr netip.Addr, i int32) profileRec {
	r := profileRec{addr: addr.As16()}
	switch {
	case addr.Is4():
		r.kind = addr4
	case addr.Is6():
		r.kind = addr6
		if z := addr.Zone(); z != "" {
			ps.zones[i] = z
		}
	default:
		r.addr = [16]byte{}
	}
	return r
}

// put stores p's parts in record i, whose address is already set.
func (ps *Profiles) put(i int, p *Profile) {
	r := &ps.recs[i]
	r.missing = false
	r.class = uint8(intern(&ps.classes, ps.classID, p.Class))
	r.geo = intern(&ps.geos, ps.geoID, p.Geo)
	r.asn = intern(&ps.asns, ps.asnID, p.ASN)
	if p.Whois != nil {
		ps.whois[int32(i)] = p.Whois
	} else {
		delete(ps.whois, int32(i))
	}
	if len(p.Threat) > 0 {
		ps.threat[int32(i)] = p.Threat
	} else {
		delete(ps.threat, int32(i))
	}
}

// intern returns v's number in table, adding it when new.
func intern[T comparable](table *[]T, ids map[T]uint32, v T) uint32 {
	if id, ok := ids[v]; ok {
		return id
	}
	id := uint32(len(*table))
	*table = append(*table, v)
	ids[v] = id
	return id
}

// WithThreat returns the addresses that have verdicts, sorted.
func (ps *Profiles) WithThreat() []netip.Addr {
	if ps == nil {
		return nil
	}
	out := make([]netip.Addr, 0, len(ps.threat))
	for i := range ps.threat {
		out = append(out, ps.Addr(int(i)))
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// newProfilesFor starts a store for the distinct addresses of addrs, in
// order of first occurrence, every lookup still missing. Duplicates are
// found by sorting rather than with a map of the addresses, which would
// cost more than the store.
func newProfilesFor(addrs []netip.Addr) *Profiles {
	byAddr := make([]int32, len(addrs))
	for i := range byAddr {
		byAddr[i] = int32(i)
	}
	slices.SortFunc(byAddr, func(i, j int32) int {
		return cmp.Or(addrs[i].Compare(addrs[j]), cmp.Compare(i, j))
	})
	// Keep the first of each run of equal addresses; number the kept
	// ones in their order in addrs.
	pos := make([]int32, len(addrs)) // index in addrs -> record, or -1
	for k, i := range byAddr {
		pos[i] = 0
		if k > 0 && addrs[byAddr[k-1]] == addrs[i] {
			pos[i] = -1
		}
	}
	n := int32(0)
	for i := range pos {
		if pos[i] == 0 {
			pos[i] = n
			n++
		}
	}
	ps := newProfiles(int(n))
	for i, a := range addrs {
		if pos[i] >= 0 {
			r := ps.key(a, pos[i])
			r.missing = true
			ps.recs = append(ps.recs, r)
		}
	}
	order := byAddr[:0]
	for _, i := range byAddr {
		if pos[i] >= 0 {
			order = append(order, pos[i])
		}
	}
	ps.order = slices.Clip(order)
	return ps
}
