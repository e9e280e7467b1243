package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
)

// ReadOptions tunes ReadInputs.
type ReadOptions struct {
	// Format forces a format; FormatAuto (or "") sniffs each input.
	Format Format
	// Workers is how many inputs are read at once; at least 1.
	Workers int
	// BytesRead, when not nil, is advanced as input bytes are consumed, for
	// progress display. It is updated atomically.
	BytesRead *atomic.Int64
	// EventsRead, when not nil, is advanced as events are handled, in
	// steps of up to a thousand, for progress display.
	EventsRead *atomic.Int64
	// NoChecksum skips SHA-256 (Stats.SHA256 stays empty), for a second
	// pass over inputs already checksummed.
	NoChecksum bool
}

// ReadInputs reads every input, up to opts.Workers at a time, and calls
// handle for each event with the index of the worker that read it. Calls
// with the same worker index never overlap, so each worker can own an
// aggregator. With one worker, events arrive in input order; with more, a
// large file may be split between workers (see fastread_chunk.go), so counts must
// not depend on order.
//
// It returns one Stats per input, in the order of inputs. An input that
// cannot be opened or is not a supported format has Stats.Err set and no
// events; reading the others goes on. Cancelling ctx stops reading at once,
// even a read blocked on a pipe, and marks every unfinished input with an
// error wrapping context.Cause(ctx); what was read before still counts.
func ReadInputs(ctx context.Context, inputs []Input, opts ReadOptions, handle func(worker int, ev *Event)) []*Stats {
	type job struct {
		input int
		part  int
		chunk *chunk
	}
	cores := max(1, opts.Workers)
	var jobs []job
	parts := make([][]*Stats, len(inputs))
	// Split files are mapped once and read by all their chunks.
	var mapped [][]byte
	defer func() {
		for _, data := range mapped {
			unmapFile(data)
		}
	}()
	for i, in := range inputs {
		var chunks []chunk
		if cores > 1 && len(inputs) < cores && in.Path != "" && in.Opener == nil {
			chunks = planChunks(in.Path, opts.Format, cores)
		}
		if chunks == nil {
			jobs = append(jobs, job{input: i})
			parts[i] = make([]*Stats, 1)
			continue
		}
		parts[i] = make([]*Stats, len(chunks))
		if data := mapInput(in.Path); data != nil {
			mapped = append(mapped, data)
			for k := range chunks {
				chunks[k].data = data
			}
		}
		for k := range chunks {
			jobs = append(jobs, job{input: i, part: k, chunk: &chunks[k]})
		}
	}
	workers := max(1, min(cores, len(jobs)))
	// With fewer jobs than cores, decode on a goroutine of its own and hand
	// events over in batches, so decoding and the caller's handling
	// (aggregation) overlap instead of leaving a core idle.
	pipeline := len(jobs) < runtime.GOMAXPROCS(0)
	next := make(chan job)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				h := func(ev *Event) { handle(w, ev) }
				if j.chunk == nil {
					parts[j.input][0] = readInput(ctx, inputs[j.input], opts, pipeline, h)
				} else {
					parts[j.input][j.part] = readChunk(ctx, inputs[j.input], *j.chunk, j.part == 0, opts, pipeline, h)
				}
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	stats := make([]*Stats, len(inputs))
	for i, p := range parts {
		if len(p) == 1 {
			stats[i] = p[0]
			continue
		}
		stats[i] = mergeStats(p)
		// The first chunk hashed the whole file.
		stats[i].Bytes, stats[i].SHA256 = p[0].Bytes, p[0].SHA256
	}
	return stats
}

func readInput(ctx context.Context, in Input, opts ReadOptions, pipeline bool, handle func(*Event)) *Stats {
	rc, size, err := openInput(ctx, in)
	if err != nil {
		return &Stats{File: in.Name, Err: err}
	}
	defer rc.Close()
	regular := size >= 0
	src := io.Reader(rc)
	if !regular && !in.Interruptible {
		// A pipe, FIFO or terminal can block in read for ever: an
		// interrupt must not wait for it.
		src = newStopReader(ctx, rc)
	}
	cr := &countingReader{ctx: ctx, r: src, progress: opts.BytesRead}
	if !opts.NoChecksum && !regular {
		cr.h = sha256.New()
	}
	r, err := NewReader(cr, in.Name, opts.Format)
	if err != nil {
		// A rejected input is read no further than detection looked:
		// /dev/zero or an endless pipe has no end to hash to. A
		// rejected file is still checksummed when that is cheap.
		st := &Stats{File: in.Name, Err: err}
		if ctx.Err() != nil {
			st.Err = interruptedErr(ctx, cr.n)
		}
		var fileSum <-chan string
		if regular && !opts.NoChecksum && size <= maxRejectedHash {
			fileSum = hashFile(ctx, in.Path)
		}
		cr.fill(st, fileSum)
		return st
	}
	var fileSum <-chan string
	if regular && !opts.NoChecksum {
		// A file can be read twice: hash it on its own goroutine (from the
		// page cache, the second read is nearly free), which takes SHA-256
		// off the decoding goroutine, the one that bounds the run's speed.
		fileSum = hashFile(ctx, in.Path)
	}
	scan(ctx, r, pipeline, handle, opts.EventsRead)
	r.Close()
	st := r.Stats()
	if st.Err == nil {
		// A decoder may stop before EOF (trailing footer text); the
		// checksum covers the whole input all the same.
		io.Copy(io.Discard, cr)
	}
	if ctx.Err() != nil {
		// The decoder's own error, if any, is the interruption seen from
		// inside ("read: context canceled").
		st.Err = interruptedErr(ctx, cr.n)
	}
	cr.fill(st, fileSum)
	return st
}

// maxRejectedHash bounds the size of a file not in a supported format that
// is still checksummed for the data-quality section.
const maxRejectedHash = 64 << 20

// openInput opens in and returns its size, or -1 when it is not a regular
// file (standard input, a pipe, a FIFO, a device, or whatever an Opener
// returns): such an input is read once, as a stream, and may never end.
// Opening a FIFO waits for a writer; cancelling ctx stops the wait.
func openInput(ctx context.Context, in Input) (io.ReadCloser, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, interruptedErr(ctx, 0)
	}
	if in.Opener == nil && in.Path != "" {
		if fi, err := os.Stat(in.Path); err == nil && fi.Mode().IsRegular() {
			f, err := os.Open(in.Path)
			if err != nil {
				return nil, 0, err // *PathError names the file
			}
			if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
				return f, fi.Size(), nil
			}
			return f, -1, nil // replaced meanwhile
		}
	}
	type opened struct {
		rc  io.ReadCloser
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		rc, err := in.Open()
		ch <- opened{rc, err}
	}()
	select {
	case o := <-ch:
		return o.rc, -1, o.err
	case <-ctx.Done():
		// The open goes on until a writer comes, if one ever does.
		go func() {
			if o := <-ch; o.rc != nil {
				o.rc.Close()
			}
		}()
		return nil, 0, interruptedErr(ctx, 0)
	}
}

// interruptedErr says that reading stopped because ctx was cancelled, and
// how far it got. It wraps ctx's cause, so errors.Is(err, context.Canceled)
// holds for a plain cancellation.
func interruptedErr(ctx context.Context, read int64) error {
	switch {
	case read == 0:
		return fmt.Errorf("not read: %w", context.Cause(ctx))
	case read < 0: // a part of a file, read in place
		return fmt.Errorf("reading stopped early, the rest is missing: %w", context.Cause(ctx))
	}
	return fmt.Errorf("reading stopped after %d bytes, the rest is missing: %w", read, context.Cause(ctx))
}

// hashFile returns the hex SHA-256 of the file at path, computed on a new
// goroutine ("" if it cannot be read, or ctx is cancelled first).
func hashFile(ctx context.Context, path string) <-chan string {
	out := make(chan string, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			out <- ""
			return
		}
		defer f.Close()
		h := sha256.New()
		// A larger buffer than io.Copy's 32 KB (os.File's WriteTo would
		// use that), recycled: a CloudTrail tree is a thousand small files.
		buf := windowPool.Get().(*[]byte)
		_, err = io.CopyBuffer(h, &countingReader{ctx: ctx, r: f}, *buf)
		windowPool.Put(buf)
		if err != nil {
			out <- ""
			return
		}
		out <- hex.EncodeToString(h.Sum(nil))
	}()
	return out
}

// countingReader counts what passes through it, and hashes it when h is
// set. Once ctx is cancelled it reads no more.
type countingReader struct {
	ctx      context.Context
	r        io.Reader
	h        hash.Hash
	n        int64
	eof      bool
	progress *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if c.h != nil {
		c.h.Write(p[:n])
	}
	c.n += int64(n)
	if c.progress != nil && n > 0 {
		c.progress.Add(int64(n))
	}
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

// fill sets st's size and checksum: the file's from fileSum, or the
// stream's own, which is known only when it was read to its end.
func (c *countingReader) fill(st *Stats, fileSum <-chan string) {
	st.Bytes = c.n
	switch {
	case fileSum != nil:
		st.SHA256 = <-fileSum
	case c.h != nil && c.eof:
		st.SHA256 = hex.EncodeToString(c.h.Sum(nil))
	}
}

// stopReader reads a stream that can block (a pipe, a FIFO, a terminal)
// so that Read returns once ctx is cancelled, even while the underlying
// read waits: that read goes on in the background, into stopReader's own
// buffer, and its result is dropped.
type stopReader struct {
	ctx     context.Context
	r       io.Reader
	buf     []byte
	data    []byte // read and not yet returned
	err     error  // to return once data is drained
	pending bool   // a read is in flight
	done    chan readResult
}

type readResult struct {
	n   int
	err error
}

func newStopReader(ctx context.Context, r io.Reader) *stopReader {
	return &stopReader{ctx: ctx, r: r, buf: make([]byte, sniffSize), done: make(chan readResult, 1)}
}

func (s *stopReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 && s.err == nil {
		if !s.pending {
			s.pending = true
			go func() {
				n, err := s.r.Read(s.buf)
				s.done <- readResult{n, err}
			}()
		}
		select {
		case res := <-s.done:
			s.pending = false
			s.data, s.err = s.buf[:res.n], res.err
		case <-s.ctx.Done():
			return 0, s.ctx.Err()
		}
	}
	n := copy(p, s.data)
	s.data = s.data[n:]
	if len(s.data) == 0 && s.err != nil {
		return n, s.err
	}
	return n, nil
}

// NoEvents reports whether every input failed or held no events, the one
// case where a run has nothing to report.
func NoEvents(stats []*Stats) bool {
	for _, st := range stats {
		if st.Events > 0 {
			return false
		}
	}
	return true
}

// IsUnknownFormat reports whether err says an input is not a supported format.
func IsUnknownFormat(err error) bool { return errors.Is(err, ErrUnknownFormat) }
