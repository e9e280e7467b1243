package ingest

import (
	"bytes"
	"context"
	"io"
	"os"
)

// Splitting one large file lets every core decode it. Only formats whose
// records can be found from any offset qualify: an S3 access log (a record
// is a line) and a BreachInsider dump (a record starts at an "Alert #"
// line, and text before the first alert is skipped as page header). A
// CSV's quoted fields may hold newlines and a CloudTrail Records file is one
// JSON value, so those, and compressed input, are read whole.

// minChunk is the smallest piece worth a goroutine of its own.
const minChunk = 16 << 20

// maxSeek bounds the search for a record start after a split point; a
// file with no record start within it is not split there.
const maxSeek = 4 << 20

// chunk is a byte range of a file, starting at a record start.
type chunk struct {
	start, end int64
	// data is the whole file, mapped, when it could be.
	data []byte
}

// planChunks splits the file at path into up to n chunks when its format
// allows it, or returns nil to read it whole. format is the forced format
// or FormatAuto.
func planChunks(path string, format Format, n int) []chunk {
	if n < 2 {
		return nil
	}
	// Stat before opening: opening a FIFO waits for a writer.
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() < 2*minChunk {
		return nil
	}
	head := make([]byte, sniffSize)
	k, _ := io.ReadFull(f, head)
	head = head[:k]
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		return nil
	}
	if format == FormatAuto || format == "" {
		format = Detect(head)
	}
	var next func([]byte) int
	switch format {
	case FormatS3Access:
		next = nextLineStart
	case FormatBreachInsider:
		next = nextAlertStart
	default:
		return nil
	}
	size := fi.Size()
	n = min(n, int(size/minChunk))
	var out []chunk
	var start int64
	buf := make([]byte, maxSeek)
	for i := 1; i < n; i++ {
		at := size * int64(i) / int64(n)
		if at <= start {
			continue
		}
		k, _ := f.ReadAt(buf, at)
		off := next(buf[:k])
		if off < 0 {
			continue
		}
		out = append(out, chunk{start: start, end: at + int64(off)})
		start = at + int64(off)
	}
	if len(out) == 0 {
		return nil
	}
	return append(out, chunk{start: start, end: size})
}

// nextLineStart returns the offset of the first line start after b[0], or -1.
func nextLineStart(b []byte) int {
	if i := bytes.IndexByte(b, '\n'); i >= 0 && i+1 < len(b) {
		return i + 1
	}
	return -1
}

// nextAlertStart returns the offset of the first line starting with
// "Alert #" (the header of a BreachInsider alert) after b[0], or -1.
func nextAlertStart(b []byte) int {
	if i := bytes.Index(b, []byte("\nAlert #")); i >= 0 {
		return i + 1
	}
	return -1
}

// countLines counts the newlines in the first n bytes of the file, so that
// a chunk's line numbers continue the file's.
func countLines(path string, n int64) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	lines := 0
	r := io.LimitReader(f, n)
	for {
		k, err := r.Read(buf)
		lines += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return lines, nil
		}
		if err != nil {
			return lines, err
		}
	}
}

// mergeStats folds the stats of a file's chunks, in file order, into one.
func mergeStats(parts []*Stats) *Stats {
	st := *parts[0]
	st.Reasons = nil
	st.Errors = nil
	st.Events, st.Skipped, st.Filtered = 0, 0, 0
	for _, p := range parts {
		st.Events += p.Events
		st.Skipped += p.Skipped
		st.Filtered += p.Filtered
		for r, n := range p.Reasons {
			if st.Reasons == nil {
				st.Reasons = make(map[string]int64)
			}
			st.Reasons[r] += n
		}
		for _, e := range p.Errors {
			if len(st.Errors) < maxErrorsKept {
				st.Errors = append(st.Errors, e)
			}
		}
		if st.Err == nil {
			st.Err = p.Err
		}
		if p.Format != "" {
			st.Format = p.Format
		}
	}
	return &st
}

// readChunk reads one chunk of a split file. The first chunk also hashes
// the whole file and detects its format for the others (every chunk
// detects it the same way from the file's head).
func readChunk(ctx context.Context, in Input, c chunk, first bool, opts ReadOptions, pipeline bool, handle func(*Event)) *Stats {
	if err := ctx.Err(); err != nil {
		return &Stats{File: in.Name, Err: interruptedErr(ctx, 0)}
	}
	var r *Reader
	var fileSum <-chan string
	var size int64
	if c.data != nil {
		r, fileSum, size = openMappedChunk(ctx, in, c, first, opts)
	}
	if r == nil {
		f, err := os.Open(in.Path)
		if err != nil {
			return &Stats{File: in.Name, Err: err}
		}
		defer f.Close()
		format := opts.Format
		if format == FormatAuto || format == "" {
			head := make([]byte, sniffSize)
			k, _ := f.ReadAt(head, 0)
			format = Detect(head[:k])
		}
		if first && !opts.NoChecksum {
			fileSum = hashFile(ctx, in.Path)
			if fi, err := f.Stat(); err == nil {
				size = fi.Size()
			}
		}
		base, err := countLines(in.Path, c.start)
		if err != nil {
			return &Stats{File: in.Name, Err: err}
		}
		cr := &countingReader{ctx: ctx, r: io.NewSectionReader(f, c.start, c.end-c.start), progress: opts.BytesRead}
		r, err = NewReader(cr, in.Name, format)
		if err != nil {
			return &Stats{File: in.Name, Err: err}
		}
		r.stats.lineBase = base
	}
	scan(ctx, r, pipeline, handle, opts.EventsRead)
	r.Close()
	st := r.Stats()
	if ctx.Err() != nil {
		st.Err = interruptedErr(ctx, -1)
	}
	if first {
		st.Bytes = size
		if fileSum != nil {
			st.SHA256 = <-fileSum
		}
	}
	return st
}

// openMappedChunk is readChunk's set-up for a mapped file; r is nil when
// the chunk is to be read as a stream after all.
func openMappedChunk(ctx context.Context, in Input, c chunk, first bool, opts ReadOptions) (r *Reader, fileSum <-chan string, size int64) {
	format := opts.Format
	base := 0
	if err := guardFault(func() {
		if format == FormatAuto || format == "" {
			format = Detect(c.data[:min(len(c.data), sniffSize)])
		}
		forEachStep(c.data[:c.start], func(b []byte) { base += bytes.Count(b, nl) })
	}); err != nil {
		return nil, nil, 0
	}
	r = newMappedReader(ctx, c.data[c.start:c.end], true, in.Name, format, opts.BytesRead)
	if r == nil {
		return nil, nil, 0
	}
	r.stats.lineBase = base
	if first && !opts.NoChecksum {
		fileSum = hashBytes(ctx, c.data)
	}
	return r, fileSum, int64(len(c.data))
}
