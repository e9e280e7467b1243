package main

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"

	"github.com/klauspost/compress/zstd"
)

// The embedded file is one zstd frame holding, in order (all integers are
// unsigned varints, "n ×" repeats):
//
//	magic "HRGEO\x01"
//	nCountries, nCountries × 2-byte ISO code            (index i+1 in tables)
//	nASNs, nASNs × AS-number delta, nASNs × org length, org bytes concatenated
//	four range tables: IPv4 country, IPv4 ASN, IPv6 country, IPv6 ASN, each
//	  n, n × start, n × value
//
// A table is the sorted list of range starts; a range runs to the next start
// minus one (the last to the end of the address space) and value 0 marks a
// gap with no data. An IPv4 start is its uint32 delta from the previous
// start; an IPv6 start is the delta of its high 64 bits followed by its low
// 64 bits as is (announced IPv6 ranges end on /64 or coarser boundaries, so
// the low half is almost always 0 and costs one byte). Columns are written
// one after the other rather than interleaved because zstd finds the
// repetition in a column of small deltas far better than in mixed records.
const magic = "HRGEO\x01"

type rng struct {
	start, end netip.Addr
	val        uint32
}

type entry struct {
	start netip.Addr
	val   uint32
}

type asnEntry struct {
	num uint32
	org string
}

type tables struct {
	countries                          []string
	asns                               []asnEntry
	v4country, v4asn, v6country, v6asn []entry
}

// lastAddr is the highest address of p (p masked).
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// normalise sorts ranges, clips overlaps in favour of the earlier range,
// merges neighbours with the same value and returns the start table with
// explicit gap entries.
func normalise(rs []rng) ([]entry, error) {
	slices.SortFunc(rs, func(a, b rng) int { return a.start.Compare(b.start) })
	var merged []rng
	for _, r := range rs {
		if r.end.Less(r.start) {
			return nil, fmt.Errorf("range %s-%s ends before it starts", r.start, r.end)
		}
		if n := len(merged); n > 0 {
			last := &merged[n-1]
			if !last.end.Less(r.start) { // overlap: keep the earlier range's value
				if !last.end.Less(r.end) {
					continue
				}
				r.start = last.end.Next()
			}
			if last.val == r.val && last.end.Next() == r.start {
				last.end = r.end
				continue
			}
		}
		merged = append(merged, r)
	}
	var out []entry
	for i, r := range merged {
		if i > 0 && merged[i-1].end.Next() != r.start {
			out = append(out, entry{start: merged[i-1].end.Next(), val: 0})
		}
		out = append(out, entry{start: r.start, val: r.val})
	}
	if n := len(merged); n > 0 {
		if next := merged[n-1].end.Next(); next.IsValid() {
			out = append(out, entry{start: next, val: 0})
		}
	}
	return out, nil
}

func (t *tables) encode() ([]byte, error) {
	var b []byte
	b = append(b, magic...)
	b = binary.AppendUvarint(b, uint64(len(t.countries)))
	for _, c := range t.countries {
		b = append(b, c...)
	}
	b = binary.AppendUvarint(b, uint64(len(t.asns)))
	prev := uint32(0)
	for _, a := range t.asns {
		b = binary.AppendUvarint(b, uint64(a.num-prev))
		prev = a.num
	}
	for _, a := range t.asns {
		b = binary.AppendUvarint(b, uint64(len(a.org)))
	}
	for _, a := range t.asns {
		b = append(b, a.org...)
	}
	for _, tab := range [][]entry{t.v4country, t.v4asn} {
		b = binary.AppendUvarint(b, uint64(len(tab)))
		var prev uint32
		for _, e := range tab {
			if !e.start.Is4() {
				return nil, fmt.Errorf("IPv6 start %s in IPv4 table", e.start)
			}
			s := e.start.As4()
			v := binary.BigEndian.Uint32(s[:])
			b = binary.AppendUvarint(b, uint64(v-prev))
			prev = v
		}
		for _, e := range tab {
			b = binary.AppendUvarint(b, uint64(e.val))
		}
	}
	for _, tab := range [][]entry{t.v6country, t.v6asn} {
		b = binary.AppendUvarint(b, uint64(len(tab)))
		var prevHi uint64
		for _, e := range tab {
			if !e.start.Is6() || e.start.Is4In6() {
				return nil, fmt.Errorf("start %s in IPv6 table", e.start)
			}
			s := e.start.As16()
			hi := binary.BigEndian.Uint64(s[:8])
			b = binary.AppendUvarint(b, hi-prevHi)
			b = binary.AppendUvarint(b, binary.BigEndian.Uint64(s[8:]))
			prevHi = hi
		}
		for _, e := range tab {
			b = binary.AppendUvarint(b, uint64(e.val))
		}
	}
	return b, nil
}

// compress uses one-shot EncodeAll so that the frame header records the
// content size and the reader allocates its output once.
func compress(raw []byte) ([]byte, error) {
	w, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	defer w.Close()
	return w.EncodeAll(raw, nil), nil
}
