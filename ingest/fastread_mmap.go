package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"runtime/debug"
	"sync/atomic"
)

var errNoMap = errors.New("file cannot be mapped")

// errFileChanged reports a fault while reading a mapped file: it shrank
// while being read (the kernel signals SIGBUS for the pages past its new
// end). Without the guard that is a crash.
var errFileChanged = errors.New("read: the file shrank while being read")

// mapInput maps the file at path, or returns nil when it cannot be (then
// it is read with read(2)).
func mapInput(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close() // the mapping outlives the descriptor
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	data, err := mapFile(f, fi.Size())
	if err != nil {
		return nil
	}
	return data
}

// guardFault runs fn, which reads mapped memory, and turns a fault on it
// into errFileChanged, and a stop (see readMark) into the context's
// error. Other panics pass through.
func guardFault(fn func()) (err error) {
	prev := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(prev)
		if p := recover(); p != nil {
			if s, ok := p.(stopRead); ok {
				err = s.err
				return
			}
			if _, fault := p.(interface{ Addr() uintptr }); !fault {
				panic(p)
			}
			err = errFileChanged
		}
	}()
	fn()
	return nil
}

// stopRead unwinds a decoder reading a mapping once its context is
// cancelled: decoders of input in memory never wait on a read, where a
// stream's would see the cancellation.
type stopRead struct{ err error }

// hashBytes returns the hex SHA-256 of data, computed on a new goroutine
// ("" if the mapped file shrank meanwhile, or ctx is cancelled first).
func hashBytes(ctx context.Context, data []byte) <-chan string {
	out := make(chan string, 1)
	go func() {
		h := sha256.New()
		if err := guardFault(func() {
			forEachStep(data, func(b []byte) {
				if err := ctx.Err(); err != nil {
					panic(stopRead{err})
				}
				h.Write(b)
			})
		}); err != nil {
			out <- ""
			return
		}
		out <- hex.EncodeToString(h.Sum(nil))
	}()
	return out
}

// newMappedReader returns a Reader that decodes data, a file or a chunk of
// one held in memory, in place, or nil for a format that is only read as a
// stream. mapped says that data is a mapping, whose pages are dropped once
// read (pages of the Go heap must not be). Reading stops within a readStep
// of ctx's cancellation, with ctx's error.
func newMappedReader(ctx context.Context, data []byte, mapped bool, name string, format Format, progress *atomic.Int64) *Reader {
	mark := readMark{ctx: ctx, progress: progress, mapped: mapped}
	st := &Stats{File: name, Format: format}
	var dec decoder
	switch format {
	case FormatBreachInsider:
		dec = newBreachInsiderLines(lineReader{data: data, mark: mark}, st)
	case FormatS3Access:
		dec = &s3AccessDecoder{st: st, w: &window{buf: data, end: len(data), eof: true, line: 1, mark: mark}}
	default:
		return nil
	}
	return &Reader{dec: dec, stats: st, mapped: true}
}

// readStep is how much of a mapped input is read between progress updates
// and page drops: often enough for a display and a small resident set, rare
// enough to cost nothing.
const readStep = 4 << 20

// readMark follows a reader through input in memory.
type readMark struct {
	ctx      context.Context // reading stops when it is cancelled
	progress *atomic.Int64
	// mapped is set when the input is a mapping, whose pages read can be
	// dropped (dropping pages of the Go heap would zero them).
	mapped bool
	done   int // bytes counted (and dropped)
}

// reach records that data[:off] has been read: every readStep, and at the
// end, it advances progress and drops the pages read. Once ctx is
// cancelled, it stops the reader (see stopRead).
func (m *readMark) reach(data []byte, off int, end bool) {
	if off-m.done < readStep && !(end && off > m.done) {
		return
	}
	if m.ctx != nil {
		if err := m.ctx.Err(); err != nil {
			panic(stopRead{err})
		}
	}
	if m.progress != nil {
		m.progress.Add(int64(off - m.done))
	}
	if m.mapped {
		dropPages(data[m.done:off])
	}
	m.done = off
}

// forEachStep calls fn on data, a mapping, in readStep pieces, dropping
// each after.
func forEachStep(data []byte, fn func([]byte)) {
	for len(data) > 0 {
		n := min(len(data), readStep)
		fn(data[:n])
		dropPages(data[:n])
		data = data[n:]
	}
}

// scanMapped is Scan for a decoder reading a mapped file: a fault on the
// mapping ends the input with an error instead of the program.
func (r *Reader) scanMapped() bool {
	var ok bool
	if err := guardFault(func() { ok = r.scan() }); err != nil {
		r.mapped, r.dec = false, faulted{err}
		if r.stats.Err == nil {
			r.stats.Err = err
		}
		return false
	}
	return ok
}

// faulted replaces a decoder whose mapped input faulted: it reads nothing.
type faulted struct{ e error }

func (f faulted) next(*Event) bool { return false }
func (f faulted) err() error       { return f.e }
