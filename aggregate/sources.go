package aggregate

import (
	"net/netip"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
)

// sourceChunk is how many source records share one allocation. Records
// live in fixed chunks rather than one growing slice: growing a slice of
// two million records would copy it and hold both copies for a moment,
// and the pointers Summary hands out into the chunks stay valid.
const sourceChunk = 1024

// sources holds one record per distinct source. Two million sources are
// one scan of a botnet, or a forged log, so the record is kept small: the addresses
// index it without pointers (the collector need not scan the index), user
// agents are counted by tally id, the first two inline, and the rare
// source with more shares one map with all the others.
type sources struct {
	chunks [][]IPStats
	n      int32
	// ips indexes unzoned addresses by their 16-byte form. Sources are
	// unmapped first, so an IPv4 address and an IPv6 one never share it.
	ips map[[16]byte]int32
	// zoned indexes the IPv6 addresses with a zone, which As16 would
	// confuse with the address without it.
	zoned map[netip.Addr]int32
	names map[string]int32 // non-IP sources
	// moreUAs counts, by source and user agent id (uaKey), the user agents
	// of sources that used more than IPStats holds inline.
	moreUAs map[uint64]int64
}

func newSources() sources {
	return sources{ips: make(map[[16]byte]int32), zoned: make(map[netip.Addr]int32), names: make(map[string]int32), moreUAs: make(map[uint64]int64)}
}

func uaKey(src, ua int32) uint64 { return uint64(uint32(src))<<32 | uint64(uint32(ua)) }

func (t *sources) at(i int32) *IPStats { return &t.chunks[i/sourceChunk][i%sourceChunk] }

// find returns the index of the source addr (when valid) or text, adding
// an empty record when it is new.
func (t *sources) find(addr netip.Addr, text string) int32 {
	if addr.IsValid() {
		text = ""
	}
	if i, ok := t.lookup(addr, text); ok {
		return i
	}
	i := t.add(IPStats{Addr: addr, Text: text})
	t.index(addr, text, i)
	return i
}

func (t *sources) lookup(addr netip.Addr, text string) (int32, bool) {
	var i int32
	var ok bool
	switch {
	case !addr.IsValid():
		i, ok = t.names[text]
	case addr.Zone() != "":
		i, ok = t.zoned[addr]
	default:
		i, ok = t.ips[addr.As16()]
	}
	return i, ok
}

func (t *sources) index(addr netip.Addr, text string, i int32) {
	switch {
	case !addr.IsValid():
		t.names[text] = i
	case addr.Zone() != "":
		t.zoned[addr] = i
	default:
		t.ips[addr.As16()] = i
	}
}

func (t *sources) add(s IPStats) int32 {
	if len(t.chunks) == 0 || len(t.chunks[len(t.chunks)-1]) == sourceChunk {
		// The first chunk starts small: most aggregators (one per worker,
		// one per test) see few sources.
		c := sourceChunk
		if len(t.chunks) == 0 {
			c = 16
		}
		t.chunks = append(t.chunks, make([]IPStats, 0, c))
	}
	last := &t.chunks[len(t.chunks)-1]
	*last = append(*last, s)
	t.n++
	return t.n - 1
}

// count adds one event to source i.
func (t *sources) count(i int32, ev *ingest.Event, tm time.Time, w int64, uaID int32) {
	s := t.at(i)
	s.Events++
	s.Attempts += w
	s.seen(tm)
	if ev.Op.IsWrite() {
		s.Writes++
	}
	if !ev.Identity.Anonymous() {
		s.Authenticated++
	}
	if ev.ErrorCode != "" {
		s.Errors++
	}
	t.addUA(i, s, uaID, 1)
}

// addUA counts n events of source i (record s) with user agent id ua.
func (t *sources) addUA(i int32, s *IPStats, ua int32, n int64) {
	inline := min(int(s.uaLen), len(s.ua))
	for j := range inline {
		if s.ua[j] == ua {
			s.uaN[j] += n
			return
		}
	}
	if inline < len(s.ua) {
		s.ua[inline], s.uaN[inline] = ua, n
		s.uaLen++
		return
	}
	k := uaKey(i, ua)
	if _, ok := t.moreUAs[k]; !ok {
		s.uaLen++
	}
	t.moreUAs[k] += n
}

// merge adds o's sources, translating o's user agent ids by uaMap. o is
// used up. A chunk of o's whose sources are mostly new to t becomes t's
// own, in place: merging the halves of two million distinct sources then
// copies none of them. Other chunks are added record by record and let go
// once read.
func (t *sources) merge(o *sources, uaMap []int32) {
	o.ips, o.zoned, o.names = nil, nil, nil
	at := make([]int32, 0, o.n) // o's index -> t's
	found := make([]int32, sourceChunk)
	for c, chunk := range o.chunks {
		fresh := 0
		for j := range chunk {
			s := &chunk[j]
			i, ok := t.lookup(s.Addr, s.Text)
			if !ok {
				i = -1
				fresh++
			}
			found[j] = i
		}
		o.chunks[c] = nil
		var base int32 = -1
		if 4*fresh >= 3*len(chunk) {
			base = t.adopt(chunk)
		}
		for j := range chunk {
			s := &chunk[j]
			i := found[j]
			if i < 0 && base >= 0 {
				// Adopted: index it, and translate its user agents.
				i = base + int32(j)
				t.index(s.Addr, s.Text, i)
				ids, ns, n := s.ua, s.uaN, min(int(s.uaLen), len(s.ua))
				s.ua, s.uaN, s.uaLen = [2]int32{}, [2]int64{}, 0
				for k := range n {
					t.addUA(i, s, remap(uaMap, ids[k]), ns[k])
				}
				at = append(at, i)
				continue
			}
			if i < 0 {
				i = t.add(IPStats{Addr: s.Addr, Text: s.Text})
				t.index(s.Addr, s.Text, i)
			}
			at = append(at, i)
			d := t.at(i)
			d.Events += s.Events
			d.Attempts += s.Attempts
			d.Writes += s.Writes
			d.Authenticated += s.Authenticated
			d.Errors += s.Errors
			d.Span.merge(s.Span)
			for k := range min(int(s.uaLen), len(s.ua)) {
				t.addUA(i, d, remap(uaMap, s.ua[k]), s.uaN[k])
			}
			if base >= 0 {
				*s = IPStats{} // counted in t: a dead slot of the adopted chunk
			}
		}
	}
	for k, n := range o.moreUAs {
		i := at[int32(k>>32)]
		t.addUA(i, t.at(i), remap(uaMap, int32(uint32(k))), n)
	}
	o.moreUAs = nil
}

// adopt makes chunk t's next chunk and returns the index of its first
// slot. t's last chunk is filled up with dead (zero) records first, so
// that every chunk but the last still holds sourceChunk records.
func (t *sources) adopt(chunk []IPStats) int32 {
	if k := len(t.chunks); k > 0 {
		t.chunks[k-1] = append(t.chunks[k-1], make([]IPStats, sourceChunk-len(t.chunks[k-1]))...)
	}
	base := int32(len(t.chunks) * sourceChunk)
	t.chunks = append(t.chunks, chunk)
	t.n = base + int32(len(chunk))
	return base
}

// remap translates a tally id through m; the id of values past a tally's
// bound stays as it is.
func remap(m []int32, id int32) int32 {
	if id < 0 {
		return id
	}
	return m[id]
}

// resolve works out every source's top user agent. The ids mean nothing
// outside their Aggregator, so the records keep the name instead.
func (t *sources) resolve(uas *tally) {
	// A source's best so far, by id: the inline counts first, then
	// those in moreUAs.
	best := make([]int32, t.n)
	top := func(i int32, s *IPStats, id int32, n int64) {
		if id < 0 {
			return // past the bound: not named
		}
		b := best[i]
		if b < 0 || n > s.uaN[0] || n == s.uaN[0] && uas.counts[id].Key < uas.counts[b].Key {
			best[i], s.uaN[0] = id, n
		}
	}
	for i := range t.n {
		s := t.at(i)
		ids, ns := s.ua, s.uaN
		best[i] = -1
		s.ua, s.uaN = [2]int32{}, [2]int64{}
		for k := range min(int(s.uaLen), len(ids)) {
			top(i, s, ids[k], ns[k])
		}
	}
	for k, n := range t.moreUAs {
		i := int32(k >> 32)
		top(i, t.at(i), int32(uint32(k)), n)
	}
	t.moreUAs = nil
	for i, b := range best {
		if b >= 0 {
			t.at(int32(i)).topUA = uas.counts[b].Key
		}
	}
}
