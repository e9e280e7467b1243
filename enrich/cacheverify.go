package enrich

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
)

// bbolt's on-disk format (go.etcd.io/bbolt/internal/common, format version
// 2): native-endian structs, a 16-byte header at the start of every page.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	boltPageHeader   = 16 // id uint64, flags uint16, count uint16, overflow uint32
	boltMetaSize     = 64 // magic, version, pageSize, flags uint32; root, sequence, freelist, pgid, txid, checksum uint64
	boltMetaSummed   = 56 // bytes of the meta covered by its FNV-64a checksum
	boltElemSize     = 16 // branch: pos, ksize uint32, pgid uint64; leaf: flags, pos, ksize, vsize uint32
	boltBucketHeader = 16 // root pgid uint64 (0: inline page follows), sequence uint64
	boltBranchPage   = 0x01
	boltLeafPage     = 0x02
	boltFreelistPage = 0x10
	boltBucketLeaf   = 0x01
	boltNoFreelist   = ^uint64(0)
	// boltMaxDepth bounds bucket nesting plus tree height; ours is two
	// buckets deep and a few levels high.
	boltMaxDepth = 64
)

var boltEndian = binary.NativeEndian

// verifyBolt checks, with plain reads, that the bbolt file f of size bytes
// can be handed to bbolt. bbolt follows page numbers straight into its
// memory map: a truncated file or a damaged page makes it touch memory past
// the end of the file (SIGBUS, which no recover catches) or fail an
// assertion in a goroutine of its own (an unrecoverable panic), some of it
// inside bolt.Open. So every page reachable from the meta page bbolt would
// use is checked here first: its number is below the high-water mark, the
// high-water mark is inside the file, its header names it and has a known
// type, its elements lie inside it, and no page is reached twice. The
// logical checks (key order, free versus reachable pages) are left to
// bbolt's tx.Check, which is safe to run once nothing it reads can fault.
//
// An empty file is valid: bbolt initialises it.
func verifyBolt(f io.ReaderAt, size int64) error {
	if size == 0 {
		return nil
	}
	ps, err := boltPageSize(f, size)
	if err != nil {
		return err
	}
	if size < 2*ps {
		return fmt.Errorf("file of %d bytes is shorter than its two meta pages of %d", size, ps)
	}
	var metas [2]boltMetaPage
	var valid [2]bool
	for i := range metas {
		b := make([]byte, boltPageHeader+boltMetaSize)
		if _, err := f.ReadAt(b, int64(i)*ps); err != nil {
			return fmt.Errorf("read meta page %d: %w", i, err)
		}
		metas[i], valid[i] = parseBoltMeta(b)
	}
	// bbolt uses the valid meta page with the higher transaction ID.
	m := metas[0]
	switch {
	case valid[0] && valid[1]:
		if metas[1].txid > metas[0].txid {
			m = metas[1]
		}
	case valid[1]:
		m = metas[1]
	case !valid[0]:
		return errors.New("no valid meta page")
	}
	if int64(m.pageSize) != ps {
		return fmt.Errorf("meta pages disagree on the page size (%d, %d)", ps, m.pageSize)
	}
	if m.pgid < 3 || m.pgid > uint64(size/ps) {
		return fmt.Errorf("high-water mark %d pages of %d bytes does not fit a file of %d bytes", m.pgid, ps, size)
	}
	w := &boltWalker{f: f, ps: ps, pgid: m.pgid, seen: make([]bool, m.pgid)}
	w.seen[0], w.seen[1] = true, true
	if m.freelist != boltNoFreelist {
		if err := w.freelist(m.freelist); err != nil {
			return err
		}
	}
	return w.walk(m.root, 0)
}

// boltPageSize finds the page size as bbolt does: from the first meta
// page, or else from the second one, tried at every power-of-two offset.
func boltPageSize(f io.ReaderAt, size int64) (int64, error) {
	b := make([]byte, boltPageHeader+boltMetaSize)
	if _, err := f.ReadAt(b, 0); err == nil {
		if m, ok := parseBoltMeta(b); ok {
			return checkPageSize(m.pageSize)
		}
	}
	for i := range 15 {
		pos := int64(1024) << i
		if pos >= size-1024 {
			break
		}
		if _, err := f.ReadAt(b, pos); err == nil {
			if m, ok := parseBoltMeta(b); ok {
				return checkPageSize(m.pageSize)
			}
		}
	}
	return 0, errors.New("no valid meta page")
}

func checkPageSize(ps uint32) (int64, error) {
	if ps < 1024 || ps > 1<<24 || ps&(ps-1) != 0 {
		return 0, fmt.Errorf("page size %d out of range", ps)
	}
	return int64(ps), nil
}

type boltMetaPage struct {
	pageSize                   uint32
	root, freelist, pgid, txid uint64
}

// parseBoltMeta reads the meta in a meta page's first bytes; ok is false
// when its magic, version or checksum is wrong (bbolt's Meta.Validate).
func parseBoltMeta(b []byte) (m boltMetaPage, ok bool) {
	if len(b) < boltPageHeader+boltMetaSize {
		return m, false
	}
	b = b[boltPageHeader : boltPageHeader+boltMetaSize]
	if boltEndian.Uint32(b[0:]) != boltMagic || boltEndian.Uint32(b[4:]) != boltVersion {
		return m, false
	}
	h := fnv.New64a()
	h.Write(b[:boltMetaSummed])
	if h.Sum64() != boltEndian.Uint64(b[boltMetaSummed:]) {
		return m, false
	}
	return boltMetaPage{
		pageSize: boltEndian.Uint32(b[8:]),
		root:     boltEndian.Uint64(b[16:]),
		freelist: boltEndian.Uint64(b[32:]),
		pgid:     boltEndian.Uint64(b[40:]),
		txid:     boltEndian.Uint64(b[48:]),
	}, true
}

type boltWalker struct {
	f    io.ReaderAt
	ps   int64
	pgid uint64 // high-water mark: pages [0, pgid) are inside the file
	seen []bool
	// spare holds page buffers done with, for reuse: a walk reads every
	// page in use once.
	spare [][]byte
}

// page reads page id with its overflow pages and marks them seen.
func (w *boltWalker) page(id uint64) ([]byte, error) {
	if id < 2 || id >= w.pgid {
		return nil, fmt.Errorf("page %d outside the %d pages in use", id, w.pgid)
	}
	// Page id < pgid lies inside the file (checked against its size).
	var b []byte
	if n := len(w.spare); n > 0 {
		b, w.spare = w.spare[n-1], w.spare[:n-1]
	} else {
		b = make([]byte, w.ps)
	}
	if _, err := w.f.ReadAt(b, int64(id)*w.ps); err != nil {
		return nil, fmt.Errorf("read page %d: %w", id, err)
	}
	if got := boltEndian.Uint64(b[0:]); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	overflow := uint64(boltEndian.Uint32(b[12:]))
	if overflow >= w.pgid-id {
		return nil, fmt.Errorf("page %d: %d overflow pages run past the %d pages in use", id, overflow, w.pgid)
	}
	for p := id; p <= id+overflow; p++ {
		if w.seen[p] {
			return nil, fmt.Errorf("page %d reached twice", p)
		}
		w.seen[p] = true
	}
	if overflow > 0 {
		b = append(b, make([]byte, int64(overflow)*w.ps)...)
		if _, err := w.f.ReadAt(b[w.ps:], int64(id+1)*w.ps); err != nil {
			return nil, fmt.Errorf("read page %d: %w", id, err)
		}
	}
	return b, nil
}

func (w *boltWalker) freelist(id uint64) error {
	b, err := w.page(id)
	if err != nil {
		return fmt.Errorf("freelist: %w", err)
	}
	if flags := boltEndian.Uint16(b[8:]); flags != boltFreelistPage {
		return fmt.Errorf("freelist page %d has type %#x", id, flags)
	}
	start, n := int64(boltPageHeader), uint64(boltEndian.Uint16(b[10:]))
	if n == 0xFFFF {
		// A long list keeps its real length in its first element.
		n = boltEndian.Uint64(b[boltPageHeader:])
		start += 8
	}
	if n > uint64(int64(len(b))-start)/8 {
		return fmt.Errorf("freelist page %d: %d entries do not fit", id, n)
	}
	for i := range int64(n) {
		if free := boltEndian.Uint64(b[start+8*i:]); free < 2 || free >= w.pgid {
			return fmt.Errorf("freelist page %d: free page %d outside the %d pages in use", id, free, w.pgid)
		}
	}
	return nil
}

// walk checks the tree whose root is page id.
func (w *boltWalker) walk(id uint64, depth int) error {
	b, err := w.page(id)
	if err != nil {
		return err
	}
	err = w.elements(b, id, false, depth)
	if len(b) == int(w.ps) {
		w.spare = append(w.spare, b)
	}
	return err
}

// elements checks the elements of page p (a page read from the file, or a
// bucket's inline page), following child pages and nested buckets.
func (w *boltWalker) elements(p []byte, id uint64, inline bool, depth int) error {
	if depth > boltMaxDepth {
		return fmt.Errorf("page %d: tree deeper than %d", id, boltMaxDepth)
	}
	if len(p) < boltPageHeader {
		return fmt.Errorf("page %d: inline page shorter than its header", id)
	}
	flags, count := boltEndian.Uint16(p[8:]), int64(boltEndian.Uint16(p[10:]))
	if boltPageHeader+count*boltElemSize > int64(len(p)) {
		return fmt.Errorf("page %d: %d elements do not fit", id, count)
	}
	switch {
	case flags == boltBranchPage && !inline:
		for i := range count {
			e := p[boltPageHeader+i*boltElemSize:]
			if _, err := elemBytes(p, i, boltEndian.Uint32(e[0:]), boltEndian.Uint32(e[4:]), 0); err != nil {
				return fmt.Errorf("page %d: %w", id, err)
			}
			if err := w.walk(boltEndian.Uint64(e[8:]), depth+1); err != nil {
				return err
			}
		}
	case flags == boltLeafPage:
		for i := range count {
			e := p[boltPageHeader+i*boltElemSize:]
			kv, err := elemBytes(p, i, boltEndian.Uint32(e[4:]), boltEndian.Uint32(e[8:]), boltEndian.Uint32(e[12:]))
			if err != nil {
				return fmt.Errorf("page %d: %w", id, err)
			}
			if boltEndian.Uint32(e[0:])&boltBucketLeaf == 0 {
				continue
			}
			v := kv[boltEndian.Uint32(e[8:]):]
			if len(v) < boltBucketHeader {
				return fmt.Errorf("page %d: element %d: bucket header cut short", id, i)
			}
			if root := boltEndian.Uint64(v); root != 0 {
				if err := w.walk(root, depth+1); err != nil {
					return err
				}
			} else if err := w.elements(v[boltBucketHeader:], id, true, depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("page %d has type %#x", id, flags)
	}
	return nil
}

// elemBytes returns the key and value of element i of page p, which bbolt
// places pos bytes after the element's own header.
func elemBytes(p []byte, i int64, pos, ksize, vsize uint32) ([]byte, error) {
	start := boltPageHeader + i*boltElemSize + int64(pos)
	end := start + int64(ksize) + int64(vsize)
	if end > int64(len(p)) {
		return nil, fmt.Errorf("element %d runs %d bytes past the page", i, end-int64(len(p)))
	}
	return p[start:end], nil
}
