package ingest

import (
	"bufio"
	"context"
	"io"
	"sync"
	"sync/atomic"

	// Same API as compress/gzip, about twice as fast to decompress, which
	// is most of the cost of reading a CloudTrail delivery tree.
	"github.com/klauspost/compress/gzip"
)

// The fastread_*.go files hold the machinery that makes reading fast, kept
// apart from the format decoders so that each decoder reads as what its
// format is (breachinsider.go, breachcsv.go, cloudtrail.go, s3access.go).
// None of it changes a result: whatever path an input takes, its events,
// line numbers, Stats and errors are byte-identical to those of NewReader
// reading it as one plain stream. Tests hold that promise for each piece:
// TestMappedMatchesStream and FuzzMappedMatchesStream (decoding in place),
// TestChunkedReadMatchesWhole (splitting), TestMappedFileShrinks (the
// fault guard), FuzzCloudTrailFastPath (the CloudTrail fast path).
//
// Why each piece exists (a 1 GB dump or a CloudTrail tree of a thousand
// gzipped files is the usual input, on few cores):
//
//   - fastread.go: pools recycle read buffers and gzip state across inputs;
//     a batched hand-off lets one goroutine decode while another aggregates.
//   - fastread_window.go: the read buffer of the CloudTrail, S3 access log
//     and CSV decoders, which scan records where they lie, without a copy.
//   - fastread_lines.go: the line reader of the BreachInsider decoder, over
//     a stream or a whole mapped file.
//   - fastread_mmap*.go: large files are mapped instead of read, with a
//     guard that turns a fault (the file shrank) into an error, and pages
//     read are dropped so the resident set stays small.
//   - fastread_chunk.go: one large file is split at record starts so that
//     every core decodes a part.

// Read buffers, gzip state and windows are recycled across inputs: a
// CloudTrail tree is a thousand small files, and allocating (and zeroing)
// half a megabyte afresh for each costs more than decoding some of them.
var (
	bufioPool  = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, sniffSize) }}
	gzipPool   sync.Pool // *gzip.Reader
	windowPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}
)

func pooledBufio(r io.Reader) *bufio.Reader {
	br := bufioPool.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

func pooledGzip(r io.Reader) (*gzip.Reader, error) {
	if zr, ok := gzipPool.Get().(*gzip.Reader); ok {
		if err := zr.Reset(r); err != nil {
			return nil, err
		}
		return zr, nil
	}
	return gzip.NewReader(r)
}

// scan feeds r's events to handle, on two goroutines when pipeline is set,
// and counts them into events (when not nil) as it goes.
func scan(ctx context.Context, r *Reader, pipeline bool, handle func(*Event), events *atomic.Int64) {
	if events == nil {
		events = new(atomic.Int64)
	}
	if pipeline {
		scanPipelined(ctx, r, handle, events)
		return
	}
	n := 0
	defer func() { events.Add(int64(n & 1023)) }()
	for r.Scan() {
		handle(r.Event())
		if n++; n&1023 == 0 {
			events.Add(1024)
			if ctx.Err() != nil {
				return
			}
		}
	}
}

// batchSize is how many events cross between goroutines at once: large
// enough that channel operations vanish in the profile, small enough that a
// few batches in flight stay well under a megabyte.
const batchSize = 256

// scanPipelined scans r on a new goroutine and calls handle on this one.
// Batches are recycled, so the steady state allocates nothing.
func scanPipelined(ctx context.Context, r *Reader, handle func(*Event), events *atomic.Int64) {
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
		events.Add(int64(len(b)))
		clear(b)
		free <- b[:0]
	}
}
