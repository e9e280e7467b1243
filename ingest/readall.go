package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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
}

// ReadInputs reads every input, up to opts.Workers at a time, and calls
// handle for each event with the index of the worker that read it. Calls
// with the same worker index never overlap, so each worker can own an
// aggregator; events of one input all go to one worker, in input order.
//
// It returns one Stats per input, in the order of inputs. An input that
// cannot be opened or is not a supported format has Stats.Err set and no
// events; reading the others goes on. Cancelling ctx stops reading between
// events and marks unfinished inputs with ctx's error.
func ReadInputs(ctx context.Context, inputs []Input, opts ReadOptions, handle func(worker int, ev *Event)) []*Stats {
	workers := max(1, min(opts.Workers, len(inputs)))
	// With fewer inputs than cores, one input would otherwise leave cores
	// idle: decode it on its own goroutine and hand events over in batches,
	// so decoding and the caller's handling (aggregation) overlap.
	pipeline := len(inputs) < runtime.GOMAXPROCS(0)
	stats := make([]*Stats, len(inputs))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				stats[i] = readInput(ctx, inputs[i], opts, pipeline, func(ev *Event) { handle(w, ev) })
			}
		}()
	}
	for i := range inputs {
		next <- i
	}
	close(next)
	wg.Wait()
	return stats
}

func readInput(ctx context.Context, in Input, opts ReadOptions, pipeline bool, handle func(*Event)) *Stats {
	rc, err := in.Open()
	if err != nil {
		return &Stats{File: in.Name, Err: err}
	}
	defer rc.Close()
	cr := &countingReader{r: rc, progress: opts.BytesRead}
	var fileSum <-chan string
	if in.Path != "" && in.Opener == nil {
		// A file can be read twice: hash it on its own goroutine (from the
		// page cache, the second read is nearly free), which takes SHA-256
		// off the decoding goroutine, the one that bounds the run's speed.
		fileSum = hashFile(in.Path)
	} else {
		cr.h = sha256.New()
	}
	r, err := NewReader(cr, in.Name, opts.Format)
	if err != nil {
		// Hash the rest anyway: the data-quality section lists every
		// input's checksum, readable or not.
		io.Copy(io.Discard, cr)
		st := &Stats{File: in.Name, Err: err}
		cr.fill(st, fileSum)
		return st
	}
	if pipeline {
		scanPipelined(ctx, r, handle)
	} else {
		n := 0
		for r.Scan() {
			handle(r.Event())
			if n++; n&1023 == 0 && ctx.Err() != nil {
				break
			}
		}
	}
	st := r.Stats()
	if err := ctx.Err(); err != nil && st.Err == nil {
		st.Err = err
	}
	if st.Err == nil {
		// A decoder may stop before EOF (trailing footer text); the
		// checksum covers the whole file all the same.
		io.Copy(io.Discard, cr)
	}
	cr.fill(st, fileSum)
	return st
}

// batchSize is how many events cross between goroutines at once: large
// enough that channel operations vanish in the profile, small enough that a
// few batches in flight stay well under a megabyte.
const batchSize = 256

// scanPipelined scans r on a new goroutine and calls handle on this one.
// Batches are recycled, so the steady state allocates nothing.
func scanPipelined(ctx context.Context, r *Reader, handle func(*Event)) {
	full := make(chan []Event, 4)
	free := make(chan []Event, 5)
	for range 5 {
		free <- make([]Event, 0, batchSize)
	}
	done := make(chan struct{})
	go func() {
		defer close(full)
		b := <-free
		for r.Scan() {
			b = append(b, *r.Event())
			if len(b) == batchSize {
				if ctx.Err() != nil {
					return
				}
				select {
				case full <- b:
				case <-done:
					return
				}
				b = <-free
			}
		}
		if len(b) > 0 {
			full <- b
		}
	}()
	defer close(done)
	for b := range full {
		for i := range b {
			handle(&b[i])
		}
		clear(b)
		free <- b[:0]
	}
}

// hashFile returns the hex SHA-256 of the file at path, computed on a new
// goroutine ("" if it cannot be read).
func hashFile(path string) <-chan string {
	out := make(chan string, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			out <- ""
			return
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			out <- ""
			return
		}
		out <- hex.EncodeToString(h.Sum(nil))
	}()
	return out
}

// countingReader counts what passes through it, and hashes it when h is set.
type countingReader struct {
	r        io.Reader
	h        hash.Hash
	n        int64
	progress *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.h != nil {
		c.h.Write(p[:n])
	}
	c.n += int64(n)
	if c.progress != nil && n > 0 {
		c.progress.Add(int64(n))
	}
	return n, err
}

func (c *countingReader) fill(st *Stats, fileSum <-chan string) {
	st.Bytes = c.n
	if fileSum != nil {
		st.SHA256 = <-fileSum
	} else {
		st.SHA256 = hex.EncodeToString(c.h.Sum(nil))
	}
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
